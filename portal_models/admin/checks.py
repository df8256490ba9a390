"""Staff: the business checks customers said are in the mail (Billing › Promised checks), for the staff member's
tenants only: record one received (a check payment with its number pays its invoices) or not received (its claim
on the invoices lapses)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from portal_models.models import PromisedCheck
from portal_models.services import checks as check_svc

from . import scoping

VIEW_PERMISSION = "portal_models.view_payment"
RECORD_PERMISSION = "portal_models.change_invoice"  # billing staff: those who may record payments


class ReceivedForm(forms.Form):
    received_on = forms.DateField(
        label=gettext_lazy("Received on"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )


def _checks(request):
    return scoping.admin_queryset(
        request,
        PromisedCheck.objects.select_related("account", "tenant", "payment", "resolved_by").prefetch_related(
            "invoices"
        ),
    )


def checks_view(request):
    """The promised checks of the staff member's tenants: those on their way first (oldest mailing first); a POST
    records one received or not received."""
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    if request.method == "POST":
        return check_action(request)
    status = request.GET.get("status", PromisedCheck.Status.PROMISED)
    if status not in PromisedCheck.Status.values and status != "all":
        status = PromisedCheck.Status.PROMISED
    rows = _checks(request)
    if status != "all":
        rows = rows.filter(status=status)
    rows = rows.order_by("mailed_on", "pk") if status == PromisedCheck.Status.PROMISED else rows
    return TemplateResponse(
        request,
        "portal_models/admin/promised_checks.html",
        {
            "rows": list(rows[:200]),
            "status": status,
            "statuses": [*PromisedCheck.Status.choices, ("all", _("All"))],
            "form": ReceivedForm(),
            "may_record": request.user.has_perm(RECORD_PERMISSION),
            "now": timezone.now(),
        },
    )


def _record_received(request, check) -> None:
    form = ReceivedForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(" ".join(e for errors in form.errors.values() for e in errors))
        payment = check_svc.check_record_received(
            check=check, received_on=form.cleaned_data["received_on"], staff=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Check %(number)s was recorded as payment %(payment)s.")
            % {"number": check.check_number, "payment": payment.display_number},
        )


def _mark_not_received(request, check) -> None:
    try:
        check_svc.check_mark_not_received(check=check, staff=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Check %(number)s was marked not received; its invoices can be paid again.")
            % {"number": check.check_number},
        )


def _send_reminder(request, check) -> None:
    try:
        sent = check_svc.check_reminder_send(check=check)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if sent:
            messages.success(
                request, _("A reminder about check %(number)s was emailed.") % {"number": check.check_number}
            )
        else:
            messages.warning(request, _("The account has no billing contact or payer with an email to remind."))


ACTIONS = {"received": _record_received, "not_received": _mark_not_received, "remind": _send_reminder}


def check_action(request):
    """POST ``check`` (a check of the staff member's tenants, else 404) and ``action``: received or not_received."""
    pk = request.POST.get("check", "")
    check = get_object_or_404(_checks(request), pk=int(pk) if pk.isdigit() else 0)
    if not request.user.has_perm(RECORD_PERMISSION):
        raise PermissionDenied
    handler = ACTIONS.get(request.POST.get("action", ""))
    if handler is None:
        messages.error(request, _("Choose what happened to the check."))
    else:
        handler(request, check)
    return redirect(reverse("portal_promised_checks"))


class PromisedChecksMenuItem(MenuItem):
    """ "Promised checks" in the Billing menu, for staff who may see payments."""

    def __init__(self, order: int):
        super().__init__(_("Promised checks"), reverse("portal_promised_checks"), icon_name="mail", order=order)

    def is_shown(self, request):
        return request.user.has_perm(VIEW_PERMISSION)


@hooks.register("register_admin_urls")
def promised_check_urls():
    return [path("payments/checks/", checks_view, name="portal_promised_checks")]
