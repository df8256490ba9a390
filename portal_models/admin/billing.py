"""Staff admin for billing (wagtail-modeladmin, "Billing" menu group).

Accounts, Contacts, Invoices (lines inline), Credit memos, Payments (inspect only); search, filters, CSV/XLSX
export; actions to issue an invoice, record a manual payment and void an invoice, each through the billing
services and logged in Wagtail's audit log with the acting user.
"""

from decimal import Decimal
from urllib.parse import quote, urlsplit

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import re_path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from phonenumber_field.modelfields import PhoneNumberField
from wagtail import hooks
from wagtail.admin.forms.models import register_form_field_override
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.log_actions import log
from wagtail_modeladmin.helpers import ButtonHelper, PermissionHelper
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup, modeladmin_register
from wagtail_modeladmin.views import CreateView

from portal_models.models import (
    Account,
    Contact,
    CreditMemo,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentReminder,
    Tenant,
)
from portal_models.models.billing import ISSUED_IS_FINAL, PAYABLE_STATUSES
from portal_models.money import format_money
from portal_models.phones import PhoneTextField
from portal_models.selectors.admin_dashboard import accounts_with_collection_figures
from portal_models.selectors.billing import billing_contact_emails, invoices_overdue
from portal_models.services import billing as billing_services
from portal_models.services.checks import invoice_claim_kind
from portal_models.staff_access import staff_tenant_ids

from . import checks as checks_admin
from . import payments as payments_admin
from . import scoping
from . import team as team_admin
from .scoping import TenantScopedModelAdminMixin, tenant_filter

ACTION_ISSUE = "portal.invoice.issue"
ACTION_VOID = "portal.invoice.void"
ACTION_PAYMENT = "portal.payment.record"
ACTION_CREDIT = "portal.credit_memo.apply"
ACTION_REMIND = "portal.account.remind"
ACTION_REVERSE = "portal.payment.reverse"


@hooks.register("register_log_actions")
def register_billing_log_actions(actions):
    actions.register_action(ACTION_ISSUE, _("Issue invoice"), _("Invoice issued and emailed"))
    actions.register_action(ACTION_VOID, _("Void invoice"), _("Invoice voided"))
    actions.register_action(ACTION_PAYMENT, _("Record payment"), _("Manual payment recorded"))
    actions.register_action(ACTION_CREDIT, _("Apply credit memo"), _("Credit memo applied"))
    actions.register_action(ACTION_REMIND, _("Send payment reminder"), _("Payment reminder emailed"))
    actions.register_action(ACTION_REVERSE, _("Reverse payment"), _("Manual payment reversed"))


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return (("yes", _("Overdue")), ("no", _("Not overdue")))

    def queryset(self, request, queryset):
        today = timezone.localdate()
        overdue = Q(status__in=PAYABLE_STATUSES, amount_due__gt=0, due_date__lt=today)
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


class BillingModelAdmin(TenantScopedModelAdminMixin, ModelAdmin):
    add_to_settings_menu = False
    exclude_from_explorer = True
    inspect_view_enabled = True

    def action_views(self) -> dict:
        """Extra views on one record, ``{action: view(request, *, model_admin, instance_pk)}``, each at the
        record's action URL (``url_helper.get_action_url(action, pk)``)."""
        return {}

    def get_admin_urls_for_registration(self):
        urls = super().get_admin_urls_for_registration()
        for action, view in self.action_views().items():
            urls += (
                re_path(
                    self.url_helper.get_action_url_pattern(action),
                    self._bind(view),
                    name=self.url_helper.get_action_url_name(action),
                ),
            )
        return urls

    def _bind(self, view):
        def bound(request, instance_pk):
            return view(request, model_admin=self, instance_pk=instance_pk)

        return bound


class ActionButtonHelper(ButtonHelper):
    def _action(self, action, label, pk, classname="button button-small button-secondary"):
        return {
            "url": self.url_helper.get_action_url(action, pk),
            "label": label,
            "classname": classname,
            "title": label,
        }


# --- accounts and contacts ------------------------------------------------------------------------
class AccountOverdueFilter(admin.SimpleListFilter):
    """Accounts with invoices past their due date (on the listing's ``overdue_amount`` annotation)."""

    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return (("yes", _("Has overdue invoices")), ("no", _("Nothing overdue")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(overdue_amount__gt=0)
        if self.value() == "no":
            return queryset.filter(overdue_amount=0)
        return queryset


class AccountButtonHelper(ActionButtonHelper):
    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        if getattr(obj, "overdue_count", 0) and self.permission_helper.user_can_edit_obj(self.request.user, obj):
            buttons.append(self._action("remind", _("Send reminder"), obj.pk))
        return buttons


def _collection_context(account: Account) -> dict:
    """What the remind page and the account's page show of its collection: the overdue invoices (with their
    days late and total) and the latest reminders."""
    invoices = invoices_overdue(account=account)
    currency = account.tenant.currency
    return {
        "invoices": invoices,
        "total": format_money(sum((i.amount_due for i in invoices), Decimal("0.00")), currency),
        "currency": currency,
        "reminders": PaymentReminder.objects.filter(account=account).select_related("sent_by")[:5],
    }


class AccountInspectView(scoping.ScopedInspectView):
    """The account's page: its fields, then what staff need to chase it (balance, overdue invoices, reminders;
    the footer's "Send reminder" when it has overdue invoices)."""

    def __init__(self, model_admin, instance_pk):
        super().__init__(model_admin, instance_pk)
        self.instance = accounts_with_collection_figures(
            Account.objects.select_related("tenant").filter(pk=self.instance.pk)
        ).get()

    def get_template_names(self):
        return ["portal_models/admin/account_inspect.html"]

    def get_context_data(self, **kwargs):
        return super().get_context_data(account=self.instance, **_collection_context(self.instance), **kwargs)


class AccountAdmin(BillingModelAdmin):
    model = Account
    menu_label = _("Accounts")
    menu_icon = "group"
    list_display = (
        "number",
        "name",
        "tenant",
        "balance",
        "overdue",
        "oldest_overdue_days",
        "last_reminder",
    )
    list_display_add_buttons = "name"
    list_filter = (tenant_filter(), AccountOverdueFilter, "is_active", "autopay")
    search_fields = ("number", "name", "city")
    list_export = ("tenant", "number", "name", "address_1", "city", "state", "postal_code", "country", "is_active")
    export_filename = "accounts"
    button_helper_class = AccountButtonHelper
    inspect_view_class = AccountInspectView
    inspect_view_fields = (
        "tenant",
        "number",
        "name",
        "address_1",
        "address_2",
        "address_3",
        "city",
        "state",
        "postal_code",
        "country",
        "autopay",
        "stripe_customer_id",  # to find the customer in Stripe's dashboard
        "is_active",
        "created_at",
    )

    def get_queryset(self, request):
        return accounts_with_collection_figures(super().get_queryset(request).select_related("tenant"))

    def action_views(self):
        return {"remind": account_remind_view}

    @admin.display(description=_("balance"), ordering="balance_due")
    def balance(self, obj):
        return format_money(obj.balance_due, obj.tenant.currency)

    @admin.display(description=_("overdue"), ordering="overdue_amount")
    def overdue(self, obj):
        return format_money(obj.overdue_amount, obj.tenant.currency) if obj.overdue_amount else "—"

    @admin.display(description=_("oldest overdue"), ordering="oldest_overdue")
    def oldest_overdue_days(self, obj):
        if obj.oldest_overdue is None:
            return "—"
        days = (timezone.localdate() - obj.oldest_overdue).days
        return ngettext("%(days)d day late", "%(days)d days late", days) % {"days": days}

    @admin.display(description=_("last reminder"), ordering="last_reminded_at")
    def last_reminder(self, obj):
        return (
            date_format(timezone.localtime(obj.last_reminded_at), "SHORT_DATE_FORMAT") if obj.last_reminded_at else "—"
        )


# Phone numbers are typed as people write them; the record reads them in its tenant's region (E.164).
register_form_field_override(PhoneNumberField, override={"form_class": PhoneTextField})


class ContactAdmin(BillingModelAdmin):
    model = Contact
    create_view_class = team_admin.ContactCreateView  # rights through services.team (audited, emailed, invited)
    edit_view_class = team_admin.ContactEditView
    menu_label = _("Contacts")
    menu_icon = "user"
    list_display = ("full_name", "account", "title", "email", "is_main", "is_billing", "is_technical", "can_login")
    list_filter = (tenant_filter("account__tenant"), "is_main", "is_billing", "is_technical", "can_login", "can_pay")
    search_fields = ("first_name", "last_name", "email", "account__name", "account__number")
    list_export = (
        "account",
        "first_name",
        "last_name",
        "title",
        "email",
        "business_phone",
        "cell_phone",
        "is_main",
        "is_billing",
        "is_technical",
        "can_login",
        "can_pay",
        "can_manage_contacts",
    )
    export_filename = "contacts"
    panels = [
        FieldPanel("account"),
        FieldRowPanel([FieldPanel("first_name"), FieldPanel("last_name"), FieldPanel("title")]),
        FieldRowPanel([FieldPanel("email"), FieldPanel("business_phone"), FieldPanel("cell_phone")]),
        MultiFieldPanel(
            [
                FieldPanel("address_1"),
                FieldPanel("address_2"),
                FieldRowPanel(
                    [FieldPanel("city"), FieldPanel("state"), FieldPanel("postal_code"), FieldPanel("country")]
                ),
            ],
            heading=_("Address"),
        ),
        MultiFieldPanel(
            [FieldPanel("is_main"), FieldPanel("is_billing"), FieldPanel("is_technical")], heading=_("Roles")
        ),
        MultiFieldPanel(
            [
                # No user field: linking an existing user is the invitation they accept (granting "can log in"
                # to a contact whose email has a user sends it; services.invitations).
                FieldPanel("can_login"),
                FieldPanel("can_pay"),
                FieldPanel("can_manage_contacts"),
                FieldPanel("can_see_documents"),
                FieldPanel("branches", widget=forms.CheckboxSelectMultiple),
            ],
            heading=_("Portal rights"),
        ),
        FieldPanel("notes"),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account")


# --- invoices ---------------------------------------------------------------------------------------
class InvoiceFormViewMixin:
    """After the form (and its inline lines) are saved, recompute the stored totals in one place."""

    def form_valid(self, form):
        response = super().form_valid(form)
        billing_services.invoice_recalculate(invoice=form.instance)
        return response


class InvoiceCreateView(InvoiceFormViewMixin, CreateView):
    def get_instance(self):
        """A new invoice starts in the currency of the staff member's tenant (not the model's USD), when they are
        staff of one tenant; a superuser or staff of several picks it with the account."""
        instance = super().get_instance()
        if instance.pk is None:
            tenant_ids = staff_tenant_ids(self.request.user)
            if tenant_ids is not None and len(tenant_ids) == 1:
                (tenant_id,) = tenant_ids
                currency = Tenant.objects.filter(pk=tenant_id).values_list("currency", flat=True).first()
                if currency:
                    instance.currency = currency
        return instance


class InvoiceEditView(InvoiceFormViewMixin, scoping.ScopedEditView):
    """Drafts only: an issued invoice is a record (its inspect page shows it; corrections are credit memos or
    void and reissue)."""

    def dispatch(self, request, *args, **kwargs):
        in_scope = scoping.admin_queryset(request, Invoice.objects.filter(pk=self.instance.pk)).exists()
        if in_scope and self.instance.status != InvoiceStatus.DRAFT:
            messages.error(request, ISSUED_IS_FINAL)
            return redirect(self.url_helper.get_action_url("inspect", self.instance.pk))
        return super().dispatch(request, *args, **kwargs)


class InvoiceButtonHelper(ActionButtonHelper):
    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        if obj.status != InvoiceStatus.DRAFT:
            exclude = [*(exclude or []), "edit"]
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        if not self.permission_helper.user_can_edit_obj(self.request.user, obj):
            return buttons
        if obj.status in (InvoiceStatus.DRAFT, *PAYABLE_STATUSES):
            buttons.append(self._action("issue", _("Issue"), obj.pk))
        if obj.is_payable:
            buttons.append(self._action("record_payment", _("Payment"), obj.pk))
        if obj.status != InvoiceStatus.VOID and obj.amount_paid == 0:
            buttons.append(self._action("void", _("Void"), obj.pk, "button button-small no"))
        return buttons


class InvoicePermissionHelper(PermissionHelper):
    def user_can_delete_obj(self, user, obj):
        return obj.status == InvoiceStatus.DRAFT and super().user_can_delete_obj(user, obj)  # others are voided


CLAIM_LABELS = {"payment": _("Processing"), "check": _("Check on its way")}


class InvoiceAdmin(BillingModelAdmin):
    model = Invoice
    menu_label = _("Invoices")
    menu_icon = "doc-full"
    list_display = ("number", "account", "status_label", "invoice_date", "due_date", "total", "amount_due", "tenant")
    list_filter = (tenant_filter(), "status", OverdueFilter, "invoice_date", "due_date")
    search_fields = ("number", "account__name", "account__number")
    list_export = (
        "tenant",
        "account",
        "number",
        "status",
        "invoice_date",
        "due_date",
        "terms",
        "currency",
        "subtotal",
        "credit_total",
        "total",
        "amount_paid",
        "amount_due",
    )
    export_filename = "invoices"
    button_helper_class = InvoiceButtonHelper
    permission_helper_class = InvoicePermissionHelper
    create_view_class = InvoiceCreateView
    edit_view_class = InvoiceEditView
    inspect_view_fields = (
        "account",
        "tenant",
        "number",
        "status",
        "invoice_date",
        "due_date",
        "terms",
        "currency",
        "subtotal",
        "credit_total",
        "total",
        "amount_paid",
        "amount_due",
        "issued_at",
        "bill_to_name",
        "bill_to_address",
        "seller_name",
        "seller_email",
        "voided_at",
        "void_reason",
        "notes",
    )
    # No status: a draft is issued (the Issue action) or voided (Void), never set to paid by hand.
    panels = [
        FieldRowPanel([FieldPanel("account"), FieldPanel("number")]),
        FieldRowPanel(
            [FieldPanel("invoice_date"), FieldPanel("due_date"), FieldPanel("terms"), FieldPanel("currency")]
        ),
        InlinePanel("lines", heading=_("Lines"), label=_("Line"), min_num=1),
        FieldPanel("notes"),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account", "tenant", "payment_claim")

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj):
        """The status, and what holds the invoice: a bank debit processing or a payment under way, a check on
        its way (its claim, read with the row)."""
        held = CLAIM_LABELS.get(invoice_claim_kind(getattr(obj, "payment_claim", None)))
        return f"{obj.display_status} · {held}" if held else obj.display_status

    def action_views(self):
        return {
            "issue": invoice_issue_view,
            "record_payment": invoice_record_payment_view,
            "void": invoice_void_view,
        }


class ManualPaymentForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Method"),
        choices=[(m.value, m.label) for m in (Payment.Method.CHECK, Payment.Method.BANK_TRANSFER, Payment.Method.CASH)],
    )
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=0.01)
    received_on = forms.DateField(
        label=_("Received on"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )
    reference = forms.CharField(label=_("Check number or transfer reference"), max_length=100, required=False)
    payer_name = forms.CharField(label=_("Payer"), max_length=200, required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def clean_received_on(self):
        value = self.cleaned_data["received_on"]
        if value > timezone.localdate():
            raise ValidationError(_("A payment cannot be received in the future."))
        return value


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255, help_text=_("Kept in the record's history."))


class VoidForm(ReasonForm):
    reissue_number = forms.CharField(
        label=_("Reissue as invoice number"),
        max_length=40,
        required=False,
        help_text=_("Optional: void and reissue. A draft copy of its lines is made under this number, to correct."),
    )


def _record_for_action(request, model_admin, queryset, instance_pk):
    """The record an action view changes: one of the user's tenants' (else 404), which they may edit (else 403)."""
    record = get_object_or_404(scoping.admin_queryset(request, queryset), pk=instance_pk)
    if not model_admin.permission_helper.user_can_edit_obj(request.user, record):
        raise PermissionDenied
    return record


def _invoice_for_action(request, model_admin, instance_pk) -> Invoice:
    return _record_for_action(request, model_admin, Invoice.objects.select_related("account", "tenant"), instance_pk)


def _render_action(request, model_admin, invoice, *, title, intro, form=None, submit, danger=False):
    return TemplateResponse(
        request,
        "portal_models/admin/invoice_action.html",
        {
            "view": model_admin,
            "invoice": invoice,
            "title": title,
            "intro": intro,
            "form": form,
            "submit": submit,
            "danger": danger,
            "index_url": model_admin.url_helper.index_url,
            "page_title": title,
            "header_icon": "doc-full",
        },
    )


def invoice_issue_view(request, *, model_admin, instance_pk):
    invoice = _invoice_for_action(request, model_admin, instance_pk)
    if request.method == "POST":
        try:
            invoice, recipients = billing_services.invoice_issue(invoice=invoice, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            log(instance=invoice, action=ACTION_ISSUE, user=request.user, data={"recipients": recipients})
            if recipients:
                messages.success(
                    request,
                    _("Invoice %(n)s issued and emailed to %(to)s.")
                    % {"n": invoice.number, "to": ", ".join(recipients)},
                )
            else:
                messages.warning(
                    request,
                    _("Invoice %(n)s issued, but the account has no billing contact with an email address.")
                    % {"n": invoice.number},
                )
        return redirect(model_admin.url_helper.index_url)
    return _render_action(
        request,
        model_admin,
        invoice,
        title=_("Issue invoice %(n)s") % {"n": invoice.number},
        intro=_("The invoice becomes open and is emailed to the account's billing (AP) contacts."),
        submit=_("Issue and email"),
    )


def invoice_void_view(request, *, model_admin, instance_pk):
    invoice = _invoice_for_action(request, model_admin, instance_pk)
    form = VoidForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        reason, number = form.cleaned_data["reason"], form.cleaned_data["reissue_number"]
        try:
            if number:
                copy = billing_services.invoice_reissue(invoice=invoice, number=number, reason=reason)
            else:
                billing_services.invoice_void(invoice=invoice, reason=reason)
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "reissue_number" in exc.error_dict:
                form.add_error("reissue_number", exc.error_dict["reissue_number"])
            else:
                messages.error(request, " ".join(exc.messages))
                return redirect(model_admin.url_helper.index_url)
        else:
            invoice.refresh_from_db()
            data = {"reason": invoice.void_reason, **({"reissued_as": number} if number else {})}
            log(instance=invoice, action=ACTION_VOID, user=request.user, data=data)
            if number:
                messages.success(
                    request,
                    _("Invoice %(n)s voided and reissued as draft %(m)s: correct it, then issue it.")
                    % {"n": invoice.number, "m": copy.number},
                )
                return redirect(model_admin.url_helper.get_action_url("edit", copy.pk))
            messages.success(request, _("Invoice %(n)s voided.") % {"n": invoice.number})
            return redirect(model_admin.url_helper.index_url)
    return _render_action(
        request,
        model_admin,
        invoice,
        title=_("Void invoice %(n)s") % {"n": invoice.number},
        intro=_("A void invoice is no longer due and cannot be paid. This cannot be undone."),
        form=form,
        submit=_("Void invoice"),
        danger=True,
    )


def invoice_record_payment_view(request, *, model_admin, instance_pk):
    invoice = _invoice_for_action(request, model_admin, instance_pk)
    form = ManualPaymentForm(
        request.POST or None, initial={"amount": invoice.amount_due, "payer_name": invoice.account.name}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        received_at = timezone.make_aware(timezone.datetime.combine(data["received_on"], timezone.datetime.min.time()))
        try:
            payment = billing_services.payment_record(
                account=invoice.account,
                method=data["method"],
                amount=data["amount"],
                invoices=[invoice],
                received_at=received_at,
                reference=data["reference"],
                payer_name=data["payer_name"],
                notes=data["notes"],
                recorded_by=request.user,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error("amount" if field not in form.fields else field, errors)
        else:
            log(
                instance=payment,
                action=ACTION_PAYMENT,
                user=request.user,
                data={"invoice": invoice.number, "amount": str(payment.amount)},
            )
            messages.success(
                request,
                _("Payment %(p)s of %(a)s recorded on invoice %(n)s.")
                % {
                    "p": payment.display_number,
                    "a": format_money(payment.amount, payment.currency),
                    "n": invoice.number,
                },
            )
            return redirect(model_admin.url_helper.index_url)
    return _render_action(
        request,
        model_admin,
        invoice,
        title=_("Record a payment on invoice %(n)s") % {"n": invoice.number},
        intro=_("Amount due: %(due)s") % {"due": format_money(invoice.amount_due, invoice.currency)},
        form=form,
        submit=_("Record payment"),
    )


def _listing_to_return_to(request, model_admin) -> str:
    """The listing an action was opened from, with its filters and sorting (the form's ``next``, else the
    referring page), when it is this model's listing on this site; else the plain listing."""
    index_url = model_admin.url_helper.index_url
    target = request.POST.get("next") or request.META.get("HTTP_REFERER", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        parts = urlsplit(target)
        if parts.path == index_url:
            return f"{parts.path}?{parts.query}" if parts.query else parts.path
    return index_url


def account_remind_view(request, *, model_admin, instance_pk):
    """Confirm, then email the account's billing contacts a reminder of its overdue invoices."""
    account = _record_for_action(request, model_admin, Account.objects.select_related("tenant"), instance_pk)
    back = _listing_to_return_to(request, model_admin)
    if request.method == "POST":
        try:
            reminder = billing_services.payment_reminder_send(account=account, sent_by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            log(
                instance=account,
                action=ACTION_REMIND,
                user=request.user,
                data={"recipients": reminder.recipients, "invoices": reminder.invoice_numbers},
            )
            messages.success(
                request,
                _("Reminder of %(amount)s overdue sent to %(to)s.")
                % {
                    "amount": format_money(reminder.amount_overdue, reminder.currency),
                    "to": ", ".join(reminder.recipients),
                },
            )
            return redirect(back)
    return TemplateResponse(
        request,
        "portal_models/admin/account_remind.html",
        {
            "view": model_admin,
            "account": account,
            **_collection_context(account),
            "recipients": billing_contact_emails(account=account),
            "contacts_url": f"{reverse('portal_models_contact_modeladmin_index')}?q={quote(account.number)}",
            "index_url": back,
            "page_title": _("Payment reminder"),
            "header_icon": "mail",
        },
    )


# --- credit memos and payments ----------------------------------------------------------------------
class CreditMemoCreateView(CreateView):
    """Credits are applied through the service, which checks number, invoice, amount and date and recomputes the
    invoice; its errors show next to their fields. Only open issued invoices are offered."""

    def get_form(self):
        form = super().get_form()
        if "invoice" in form.fields:
            form.fields["invoice"].queryset = form.fields["invoice"].queryset.filter(status__in=PAYABLE_STATUSES)
        return form

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            memo = billing_services.credit_memo_apply(
                invoice=data["invoice"],
                number=data["number"],
                amount=data["amount"],
                reason=data["reason"],
                date=data.get("date"),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        log(
            instance=memo,
            action=ACTION_CREDIT,
            user=self.request.user,
            data={"invoice": memo.invoice.number, "amount": str(memo.amount), "reason": memo.reason},
        )
        messages.success(self.request, _("Credit memo %(n)s applied.") % {"n": memo.number})
        return redirect(self.index_url)


class ReadOnlyPermissionHelper(PermissionHelper):
    def user_can_create(self, user):
        return False

    def user_can_edit_obj(self, user, obj):
        return False

    def user_can_delete_obj(self, user, obj):
        return False


class CreditMemoPermissionHelper(PermissionHelper):
    def user_can_edit_obj(self, user, obj):
        return False  # a credit changes invoice totals: reverse it with a new memo, never edit in place

    def user_can_delete_obj(self, user, obj):
        return False


class CreditMemoAdmin(BillingModelAdmin):
    model = CreditMemo
    menu_label = _("Credit memos")
    menu_icon = "minus"
    list_display = ("number", "account", "invoice", "date", "amount", "reason")
    list_filter = (tenant_filter(), "date")
    search_fields = ("number", "invoice__number", "account__name")
    list_export = ("tenant", "account", "invoice", "number", "date", "amount", "reason")
    export_filename = "credit-memos"
    create_view_class = CreditMemoCreateView
    permission_helper_class = CreditMemoPermissionHelper
    panels = [
        FieldPanel("invoice"),
        FieldPanel("number"),
        FieldPanel("date"),
        FieldPanel("amount"),
        FieldPanel("reason"),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account", "invoice")


def user_can_reverse_payments(user) -> bool:
    """Billing staff: those who may record payments (change invoices) may reverse a manual one."""
    return user.has_perm("portal_models.change_invoice")


class PaymentButtonHelper(ActionButtonHelper):
    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        if obj.is_reversible and user_can_reverse_payments(self.request.user):
            buttons.append(self._action("reverse", _("Reverse"), obj.pk, "button button-small no"))
        return buttons


def payment_reverse_view(request, *, model_admin, instance_pk):
    """Reverse a manual payment (a bounced check) with a reason: the invoices it paid are open again."""
    payment = get_object_or_404(
        scoping.admin_queryset(request, Payment.objects.select_related("account", "tenant")), pk=instance_pk
    )
    if not user_can_reverse_payments(request.user):
        raise PermissionDenied
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            payment = billing_services.payment_reverse(
                payment=payment, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            log(instance=payment, action=ACTION_REVERSE, user=request.user, data={"reason": payment.reversal_reason})
            messages.success(request, _("Payment %(p)s reversed.") % {"p": payment.display_number})
        return redirect(model_admin.url_helper.index_url)
    return TemplateResponse(
        request,
        "portal_models/admin/payment_reverse.html",
        {
            "view": model_admin,
            "payment": payment,
            "form": form,
            "invoices": [a.invoice for a in payment.allocations.select_related("invoice")],
            "index_url": model_admin.url_helper.index_url,
            "page_title": _("Reverse payment %(p)s") % {"p": payment.display_number},
            "header_icon": "success",
        },
    )


class PaymentAdmin(BillingModelAdmin):
    model = Payment
    menu_label = _("Payments")
    menu_icon = "success"
    permission_helper_class = ReadOnlyPermissionHelper
    button_helper_class = PaymentButtonHelper
    list_display = (
        "display_number",
        "received_at",
        "account",
        "tenant",
        "method",
        "status",
        "amount",
        "reference",
        "recorded_by",
    )
    list_filter = (tenant_filter(), "method", "status", "received_at")
    search_fields = ("reference", "payer_name", "account__name", "account__number", "stripe_payment_intent_id")
    list_export = (
        "tenant",
        "number",
        "account",
        "received_at",
        "method",
        "status",
        "amount",
        "fee_amount",
        "refunded_amount",
        "currency",
        "reference",
        "payer_name",
        "recorded_by",
    )
    export_filename = "payments"
    inspect_template_name = payments_admin.INSPECT_TEMPLATE  # Stripe ids, fee, allocations, events, refund
    inspect_view_fields = payments_admin.INSPECT_FIELDS

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account", "tenant", "recorded_by")

    def action_views(self):
        return {"reverse": payment_reverse_view}


class BillingGroup(ModelAdminGroup):
    menu_label = _("Billing")
    menu_icon = "form"
    menu_order = 200
    items = (AccountAdmin, ContactAdmin, InvoiceAdmin, CreditMemoAdmin, PaymentAdmin)

    def get_submenu_items(self):
        items = super().get_submenu_items()
        last = max((item.order for item in items), default=0)
        return [
            *items,
            checks_admin.PromisedChecksMenuItem(order=last + 1),
            payments_admin.ReconcileMenuItem(order=last + 2),
        ]


modeladmin_register(BillingGroup)
