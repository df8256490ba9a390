"""Staff admin for ordering (wagtail-modeladmin, "Orders" menu group): orders (confirm, adjust a line with a reason,
cancel, record a delivery, create the invoice from delivered lines), quotes (price, send; accepted / declined shown),
deliveries (delivered date, proof of delivery), branches and per-account prices. Every queryset goes through
admin/scoping.py; every action runs one service of services/orders.py and is logged in Wagtail's history."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.log_actions import log
from wagtail_modeladmin.helpers import PermissionHelper
from wagtail_modeladmin.options import ModelAdminGroup, modeladmin_register

from portal_models.models import (
    AccountPrice,
    Branch,
    Delivery,
    Order,
    OrderStatus,
    Quote,
    QuoteStatus,
)
from portal_models.services import orders as order_services

from . import scoping
from .billing import ActionButtonHelper, BillingModelAdmin, _record_for_action
from .scoping import tenant_filter

ACTION_CONFIRM = "portal.order.confirm"
ACTION_CANCEL = "portal.order.cancel"
ACTION_ADJUST = "portal.order.adjust"
ACTION_DELIVER = "portal.order.deliver"
ACTION_INVOICE = "portal.order.invoice"
ACTION_PRICE = "portal.quote.price"
ACTION_SEND = "portal.quote.send"
ACTION_PROOF = "portal.delivery.proof"


@hooks.register("register_log_actions")
def register_order_log_actions(actions):
    actions.register_action(ACTION_CONFIRM, _("Confirm order"), _("Order confirmed and emailed"))
    actions.register_action(ACTION_CANCEL, _("Cancel order"), _("Order cancelled"))
    actions.register_action(ACTION_ADJUST, _("Adjust order line"), _("Order line adjusted"))
    actions.register_action(ACTION_DELIVER, _("Record delivery"), _("Delivery recorded and emailed"))
    actions.register_action(ACTION_INVOICE, _("Invoice order"), _("Invoice created from the order"))
    actions.register_action(ACTION_PRICE, _("Price quote"), _("Quote priced"))
    actions.register_action(ACTION_SEND, _("Send quote"), _("Quote sent to the customer"))
    actions.register_action(ACTION_PROOF, _("Delivery arrived"), _("Delivery date or proof of delivery saved"))


class NoCreatePermissionHelper(PermissionHelper):
    """Orders and quotes come from customers; deliveries from the order's Deliver action."""

    def user_can_create(self, user):
        return False

    def user_can_delete_obj(self, user, obj):
        return False


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _render(request, model_admin, record, *, title, intro, form=None, submit, danger=False, lines=None):
    return TemplateResponse(
        request,
        "portal_models/admin/order_action.html",
        {
            "view": model_admin,
            "record": record,
            "lines": lines,
            "title": title,
            "intro": intro,
            "form": form,
            "submit": submit,
            "danger": danger,
            "index_url": model_admin.url_helper.index_url,
            "page_title": title,
            "header_icon": "list-ul",
        },
        status=400 if form is not None and form.is_bound and form.errors else 200,
    )


def _order(request, model_admin, instance_pk) -> Order:
    return _record_for_action(
        request, model_admin, Order.objects.select_related("account", "tenant", "branch"), instance_pk
    )


def _quote(request, model_admin, instance_pk) -> Quote:
    return _record_for_action(request, model_admin, Quote.objects.select_related("account", "tenant"), instance_pk)


def _done(request, model_admin, record, action, message, data=None):
    log(instance=record, action=action, user=request.user, data=data or {})
    messages.success(request, message)
    return redirect(model_admin.url_helper.get_action_url("inspect", record.pk))


# --- orders ------------------------------------------------------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255, help_text=_("Kept in the order's history."))


class AdjustForm(forms.Form):
    line = forms.ChoiceField(label=_("Line"))
    quantity = forms.DecimalField(label=_("New quantity"), max_digits=12, decimal_places=2, min_value=0)
    unit_price = forms.DecimalField(
        label=_("New unit price"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    reason = forms.CharField(label=_("Reason"), max_length=255, help_text=_("Kept in the order's history."))

    def __init__(self, *args, order, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = {str(line.pk): line for line in order.lines.all()}
        self.fields["line"].choices = [
            (pk, f"{line.description} — {line.quantity.normalize()} × {line.unit_price}")
            for pk, line in self.lines.items()
        ]


class DeliveryForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=100, required=False)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=100, required=False)
    shipped_on = forms.DateField(
        label=_("Shipped on"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )
    delivered_on = forms.DateField(
        label=_("Delivered on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, order, **kwargs):
        super().__init__(*args, **kwargs)
        self.line_fields = []
        for line in order.lines.all():
            if line.outstanding_quantity <= 0:
                continue
            name = f"line_{line.pk}"
            self.fields[name] = forms.DecimalField(
                label=_("%(line)s (outstanding %(n)s)") % {"line": line.description, "n": line.outstanding_quantity},
                max_digits=12,
                decimal_places=2,
                min_value=0,
                required=False,
                initial=line.outstanding_quantity,
            )
            self.line_fields.append((name, line))

    def quantities(self) -> dict:
        return {line.pk: self.cleaned_data.get(name) or 0 for name, line in self.line_fields}


class InvoiceForm(forms.Form):
    number = forms.CharField(
        label=_("Invoice number"), max_length=40, required=False, help_text=_("Empty: the order number and a count.")
    )
    issue = forms.BooleanField(
        label=_("Issue and email it now"), required=False, initial=True, help_text=_("Unticked: a draft to complete.")
    )


def order_confirm_view(request, *, model_admin, instance_pk):
    order = _order(request, model_admin, instance_pk)
    if request.method == "POST":
        try:
            order_services.order_confirm(order=order, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(model_admin.url_helper.get_action_url("inspect", order.pk))
        return _done(request, model_admin, order, ACTION_CONFIRM, _("Order %(n)s confirmed.") % {"n": order.number})
    return _render(
        request,
        model_admin,
        order,
        title=_("Confirm order %(n)s") % {"n": order.number},
        intro=_("The customer is told by email that the order is confirmed."),
        submit=_("Confirm"),
        lines=order.lines.all(),
    )


def order_cancel_view(request, *, model_admin, instance_pk):
    order = _order(request, model_admin, instance_pk)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            order_services.order_cancel(order=order, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return _done(
                request,
                model_admin,
                order,
                ACTION_CANCEL,
                _("Order %(n)s cancelled.") % {"n": order.number},
                {"reason": form.cleaned_data["reason"]},
            )
    return _render(
        request,
        model_admin,
        order,
        title=_("Cancel order %(n)s") % {"n": order.number},
        intro=_("Only an order nothing of which was delivered can be cancelled."),
        form=form,
        submit=_("Cancel the order"),
        danger=True,
    )


def order_adjust_view(request, *, model_admin, instance_pk):
    order = _order(request, model_admin, instance_pk)
    form = AdjustForm(request.POST if request.method == "POST" else None, order=order)
    if request.method == "POST" and form.is_valid():
        line = form.lines[form.cleaned_data["line"]]
        try:
            order_services.order_adjust_line(
                line=line,
                quantity=form.cleaned_data["quantity"],
                unit_price=form.cleaned_data["unit_price"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return _done(
                request,
                model_admin,
                order,
                ACTION_ADJUST,
                _("Order %(n)s adjusted.") % {"n": order.number},
                {"line": line.description, "reason": form.cleaned_data["reason"]},
            )
    return _render(
        request,
        model_admin,
        order,
        title=_("Adjust order %(n)s") % {"n": order.number},
        intro=_("Change a line's quantity (not below what was delivered) or price."),
        form=form,
        submit=_("Adjust"),
        lines=order.lines.all(),
    )


def order_deliver_view(request, *, model_admin, instance_pk):
    order = _order(request, model_admin, instance_pk)
    form = DeliveryForm(request.POST if request.method == "POST" else None, order=order)
    if request.method == "POST" and form.is_valid():
        try:
            delivery = order_services.delivery_record(
                order=order,
                quantities=form.quantities(),
                carrier=form.cleaned_data["carrier"],
                tracking_number=form.cleaned_data["tracking_number"],
                shipped_on=form.cleaned_data["shipped_on"],
                delivered_on=form.cleaned_data["delivered_on"],
                by=request.user,
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return _done(
                request,
                model_admin,
                order,
                ACTION_DELIVER,
                _("Delivery %(d)s of order %(n)s recorded.") % {"d": delivery.number, "n": order.number},
                {"delivery": delivery.number, "tracking": delivery.tracking_number},
            )
    return _render(
        request,
        model_admin,
        order,
        title=_("Record a delivery of order %(n)s") % {"n": order.number},
        intro=_("Enter what was shipped (at most what is outstanding). The customer gets an email with the tracking."),
        form=form,
        submit=_("Record delivery"),
    )


def order_invoice_view(request, *, model_admin, instance_pk):
    order = _order(request, model_admin, instance_pk)
    form = InvoiceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            invoice = order_services.invoice_from_order(
                order=order, number=form.cleaned_data["number"], issue=form.cleaned_data["issue"], by=request.user
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return _done(
                request,
                model_admin,
                order,
                ACTION_INVOICE,
                _("Invoice %(i)s created from order %(n)s.") % {"i": invoice.number, "n": order.number},
                {"invoice": invoice.number},
            )
    return _render(
        request,
        model_admin,
        order,
        title=_("Invoice order %(n)s") % {"n": order.number},
        intro=_("One invoice line per order line, for what was delivered and not invoiced yet. Add tax on the draft."),
        form=form,
        submit=_("Create invoice"),
        lines=order.lines.all(),
    )


class OrderButtonHelper(ActionButtonHelper):
    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        if not self.permission_helper.user_can_edit_obj(self.request.user, obj):
            return buttons
        if obj.status == OrderStatus.SUBMITTED:
            buttons.append(self._action("confirm", _("Confirm"), obj.pk))
        if obj.status in (OrderStatus.CONFIRMED, OrderStatus.PARTLY_DELIVERED):
            buttons.append(self._action("deliver", _("Deliver"), obj.pk))
        if obj.status in (OrderStatus.PARTLY_DELIVERED, OrderStatus.DELIVERED):
            buttons.append(self._action("invoice", _("Invoice"), obj.pk))
        if obj.is_open:
            buttons.append(self._action("adjust", _("Adjust"), obj.pk))
        if obj.status in (OrderStatus.SUBMITTED, OrderStatus.CONFIRMED):
            buttons.append(self._action("cancel", _("Cancel"), obj.pk, "button button-small no"))
        return buttons


class OrderAdmin(BillingModelAdmin):
    model = Order
    menu_label = _("Orders")
    menu_icon = "list-ul"
    permission_helper_class = NoCreatePermissionHelper
    button_helper_class = OrderButtonHelper
    list_display = ("number", "account", "branch", "status", "po_number", "submitted_at", "subtotal", "tenant")
    list_filter = (tenant_filter(), "status", "submitted_at")
    search_fields = ("number", "po_number", "account__name", "account__number")
    list_export = ("tenant", "account", "number", "status", "po_number", "submitted_at", "subtotal", "currency")
    export_filename = "orders"
    inspect_template_name = "portal_models/admin/order_inspect.html"
    inspect_view_fields = (
        "account",
        "branch",
        "number",
        "status",
        "po_number",
        "requested_date",
        "ship_to_name",
        "ship_to_address",
        "notes",
        "subtotal",
        "currency",
        "placed_by",
        "submitted_at",
        "confirmed_at",
        "cancelled_at",
        "cancel_reason",
    )
    panels = [FieldRowPanel([FieldPanel("po_number"), FieldPanel("requested_date")]), FieldPanel("notes")]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account", "tenant", "branch")

    def action_views(self):
        return {
            "confirm": order_confirm_view,
            "cancel": order_cancel_view,
            "adjust": order_adjust_view,
            "deliver": order_deliver_view,
            "invoice": order_invoice_view,
        }


# --- quotes ------------------------------------------------------------------------------------------------------


class QuotePriceForm(forms.Form):
    valid_until = forms.DateField(label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"}))
    terms = forms.CharField(label=_("Terms"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, quote, **kwargs):
        super().__init__(*args, **kwargs)
        self.line_fields = []
        for line in quote.lines.all():
            name = f"price_{line.pk}"
            self.fields[name] = forms.DecimalField(
                label=_("Unit price of %(line)s × %(n)s") % {"line": line.description, "n": line.quantity.normalize()},
                max_digits=14,
                decimal_places=2,
                min_value=0,
                initial=line.unit_price,
            )
            self.line_fields.append((name, line))

    def prices(self) -> dict:
        return {line.pk: self.cleaned_data[name] for name, line in self.line_fields}


def quote_price_view(request, *, model_admin, instance_pk):
    quote = _quote(request, model_admin, instance_pk)
    form = QuotePriceForm(
        request.POST if request.method == "POST" else None,
        quote=quote,
        initial={"valid_until": quote.valid_until, "terms": quote.terms},
    )
    if request.method == "POST" and form.is_valid():
        try:
            order_services.quote_price(
                quote=quote,
                prices=form.prices(),
                valid_until=form.cleaned_data["valid_until"],
                terms=form.cleaned_data["terms"],
                by=request.user,
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return _done(request, model_admin, quote, ACTION_PRICE, _("Quote %(n)s priced.") % {"n": quote.number})
    return _render(
        request,
        model_admin,
        quote,
        title=_("Price quote %(n)s") % {"n": quote.number},
        intro=_("A unit price per line, how long the quote is valid, and its terms. Then send it."),
        form=form,
        submit=_("Save prices"),
    )


def quote_send_view(request, *, model_admin, instance_pk):
    quote = _quote(request, model_admin, instance_pk)
    if request.method == "POST":
        try:
            order_services.quote_send(quote=quote, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(model_admin.url_helper.get_action_url("inspect", quote.pk))
        return _done(request, model_admin, quote, ACTION_SEND, _("Quote %(n)s sent.") % {"n": quote.number})
    return _render(
        request,
        model_admin,
        quote,
        title=_("Send quote %(n)s") % {"n": quote.number},
        intro=_("The customer gets an email and may accept or decline the quote until it expires."),
        submit=_("Send"),
        lines=None,
    )


class QuoteButtonHelper(ActionButtonHelper):
    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        if self.permission_helper.user_can_edit_obj(self.request.user, obj) and obj.status in (
            QuoteStatus.REQUESTED,
            QuoteStatus.SENT,
        ):
            buttons.append(self._action("price", _("Price"), obj.pk))
            buttons.append(self._action("send", _("Send"), obj.pk))
        return buttons


class QuoteAdmin(BillingModelAdmin):
    model = Quote
    menu_label = _("Quotes")
    menu_icon = "doc-empty"
    permission_helper_class = NoCreatePermissionHelper
    button_helper_class = QuoteButtonHelper
    list_display = ("number", "account", "status", "requested_at", "valid_until", "total", "tenant")
    list_filter = (tenant_filter(), "status", "requested_at")
    search_fields = ("number", "account__name", "account__number")
    list_export = ("tenant", "account", "number", "status", "requested_at", "valid_until", "total", "decline_reason")
    export_filename = "quotes"
    inspect_view_fields = (
        "account",
        "branch",
        "number",
        "status",
        "notes",
        "valid_until",
        "terms",
        "total",
        "currency",
        "requested_by",
        "requested_at",
        "sent_at",
        "accepted_at",
        "declined_at",
        "decline_reason",
    )
    panels = [FieldPanel("notes")]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account", "tenant")

    def action_views(self):
        return {"price": quote_price_view, "send": quote_send_view}


# --- deliveries, branches, account prices ------------------------------------------------------------------------


class ProofForm(forms.Form):
    delivered_on = forms.DateField(
        label=_("Delivered on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    proof = forms.FileField(
        label=_("Proof of delivery"), required=False, help_text=_("PDF or image; the customer sees it.")
    )


def delivery_proof_view(request, *, model_admin, instance_pk):
    delivery = _record_for_action(
        request, model_admin, Delivery.objects.select_related("account", "tenant", "order"), instance_pk
    )
    form = ProofForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial={"delivered_on": delivery.delivered_on},
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                if form.cleaned_data["delivered_on"]:
                    order_services.delivery_update(
                        delivery=delivery, delivered_on=form.cleaned_data["delivered_on"], by=request.user
                    )
                if form.cleaned_data["proof"]:
                    order_services.delivery_attach_proof(
                        delivery=delivery, file=form.cleaned_data["proof"], by=request.user
                    )
        except ValidationError as exc:
            form.add_error("proof" if not hasattr(exc, "error_dict") else None, exc)
        else:
            return _done(
                request, model_admin, delivery, ACTION_PROOF, _("Delivery %(n)s updated.") % {"n": delivery.number}
            )
    return _render(
        request,
        model_admin,
        delivery,
        title=_("Delivered: %(n)s") % {"n": delivery.number},
        intro=_("When the shipment arrived, and its proof of delivery."),
        form=form,
        submit=_("Save"),
    )


class DeliveryButtonHelper(ActionButtonHelper):
    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        if self.permission_helper.user_can_edit_obj(self.request.user, obj):
            buttons.append(self._action("proof", _("Delivered / proof"), obj.pk))
        return buttons


class DeliveryAdmin(BillingModelAdmin):
    model = Delivery
    menu_label = _("Deliveries")
    menu_icon = "pick"
    permission_helper_class = NoCreatePermissionHelper
    list_display = ("number", "order", "account", "carrier", "tracking_number", "shipped_on", "delivered_on", "tenant")
    list_filter = (tenant_filter(), "shipped_on", "delivered_on")
    search_fields = ("number", "tracking_number", "order__number", "account__name")
    list_export = ("tenant", "account", "order", "number", "carrier", "tracking_number", "shipped_on", "delivered_on")
    export_filename = "deliveries"
    button_helper_class = DeliveryButtonHelper
    panels = [
        FieldRowPanel([FieldPanel("carrier"), FieldPanel("tracking_number")]),
        FieldRowPanel([FieldPanel("shipped_on"), FieldPanel("delivered_on")]),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account", "tenant", "order")

    def action_views(self):
        return {"proof": delivery_proof_view}


class BranchAdmin(BillingModelAdmin):
    model = Branch
    menu_label = _("Branches")
    menu_icon = "site"
    list_display = ("name", "code", "account", "city", "is_active")
    list_filter = (tenant_filter("account__tenant"), "is_active")
    search_fields = ("name", "code", "account__name", "account__number")
    form_fields_exclude = ()
    panels = [
        FieldRowPanel([FieldPanel("account"), FieldPanel("code"), FieldPanel("name")]),
        FieldPanel("address_1"),
        FieldPanel("address_2"),
        FieldRowPanel([FieldPanel("city"), FieldPanel("state"), FieldPanel("postal_code"), FieldPanel("country")]),
        FieldPanel("is_active"),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account")


class AccountPriceAdmin(BillingModelAdmin):
    model = AccountPrice
    menu_label = _("Account prices")
    menu_icon = "tag"
    list_display = ("product", "account", "price")
    list_filter = (tenant_filter("account__tenant"),)
    search_fields = ("product__name", "product__sku", "account__name", "account__number")
    panels = [FieldRowPanel([FieldPanel("account"), FieldPanel("product"), FieldPanel("price")])]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account", "product")


class OrdersGroup(ModelAdminGroup):
    menu_label = _("Orders")
    menu_icon = "list-ul"
    menu_order = 210
    items = (OrderAdmin, QuoteAdmin, DeliveryAdmin, BranchAdmin, AccountPriceAdmin)


modeladmin_register(OrdersGroup)

__all__ = ["OrdersGroup", "scoping"]
