"""The customer emails whose words marketing may change per tenant and language (Snippets › Email wording), and the
variables each may use. A wording replaces the email's subject and its main text; the branded layout, the button
and link, the figures and the legal lines stay in the templates (theme/templates/theme/emails/).

Variables are written ``{{ name }}``; :func:`unknown_variables` finds the names an email does not offer (checked
when the wording is saved) and :func:`render_wording` fills them in from the email's context."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from .money import format_money

VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


@dataclass(frozen=True)
class Variable:
    label: str
    value: Callable[[dict], object]  # from the email's template context
    sample: str


@dataclass(frozen=True)
class WordedEmail:
    label: str
    variables: dict[str, Variable]


def _tenant(ctx):
    return ctx["tenant"].name


def _ticket_author(ctx):
    author = ctx["ticket"].created_by
    return author.first_name if author is not None else ""


TENANT = Variable(_("the portal's name"), _tenant, "Acme Billing")
ACCOUNT = Variable(_("the customer company"), lambda c: c["account"].name, "Harbor Bakery LLC")
ORDER_NUMBER = Variable(_("the order number"), lambda c: c["record"].number, "SO-2031")
SUBTOTAL = Variable(
    _("the subtotal before tax"), lambda c: format_money(c["record"].subtotal, c["record"].currency), "$1,180.00"
)
WORDED_EMAILS: dict[str, WordedEmail] = {
    "invitation": WordedEmail(
        _("Invitation to the portal"),
        {
            "tenant": TENANT,
            "first_name": Variable(_("the invited person's first name"), lambda c: c["contact"].first_name, "Ana"),
            "account": Variable(_("their company"), lambda c: c["contact"].account.name, "Harbor Bakery LLC"),
            "days": Variable(_("days the link works"), lambda c: c["days"], "7"),
        },
    ),
    "invoice_issued": WordedEmail(
        _("Invoice issued"),
        {
            "tenant": TENANT,
            "account": Variable(_("the customer company"), lambda c: c["account"].name, "Harbor Bakery LLC"),
            "number": Variable(_("the invoice number"), lambda c: c["invoice"].number, "10021"),
            "amount": Variable(
                _("the amount due"), lambda c: format_money(c["invoice"].amount_due, c["invoice"].currency), "$1,250.00"
            ),
        },
    ),
    "payment_reminder": WordedEmail(
        _("Payment reminder"),
        {
            "tenant": TENANT,
            "account": ACCOUNT,
            "amount": Variable(_("the total overdue"), lambda c: format_money(c["amount"], c["currency"]), "$2,480.00"),
        },
    ),
    # --- sign-in and identity ---------------------------------------------------------------------------------
    "sign_in_code": WordedEmail(
        _("Sign-in code (two-step verification)"),
        {"tenant": TENANT, "code": Variable(_("the code"), lambda c: c["token"], "482913")},
    ),
    "registration_code": WordedEmail(
        _("Registration code (email verification)"),
        {
            "tenant": TENANT,
            "first_name": Variable(_("the person's first name"), lambda c: c["registration"].first_name, "Ana"),
            "code": Variable(_("the code"), lambda c: c["code"], "482913"),
            "minutes": Variable(_("minutes the code works"), lambda c: c["minutes"], "15"),
        },
    ),
    "invitation_existing": WordedEmail(
        _("Invitation of an existing user"),
        {
            "tenant": TENANT,
            "first_name": Variable(_("the invited person's first name"), lambda c: c["contact"].first_name, "Ana"),
            "account": Variable(_("their company"), lambda c: c["contact"].account.name, "Harbor Bakery LLC"),
            "days": Variable(_("days the link works"), lambda c: c["days"], "7"),
        },
    ),
    "password_reset": WordedEmail(
        _("Set a new password (password reset)"),
        {
            "tenant": TENANT,
            "first_name": Variable(
                _("the person's first name"), lambda c: c["user"].first_name or c["user"].email, "Ana"
            ),
            "email": Variable(_("their email address"), lambda c: c["user"].email, "ana@harbor.example"),
            "days": Variable(_("days the link works"), lambda c: c["days"], "3"),
        },
    ),
    "temporary_password": WordedEmail(
        _("Temporary password"),
        {
            "tenant": TENANT,
            "first_name": Variable(
                _("the person's first name"), lambda c: c["user"].first_name or c["user"].email, "Ana"
            ),
            "email": Variable(_("their email address (user name)"), lambda c: c["user"].email, "ana@harbor.example"),
        },
    ),
    "right_changed": WordedEmail(
        _("Portal right changed"),
        {
            "tenant": TENANT,
            "first_name": Variable(_("the person's first name"), lambda c: c["contact"].first_name, "Ana"),
            "account": Variable(_("their company"), lambda c: c["contact"].account.name, "Harbor Bakery LLC"),
            "right": Variable(_("the right"), lambda c: c["right"], "Can pay"),
        },
    ),
    # --- payments ---------------------------------------------------------------------------------------------
    "payment_receipt": WordedEmail(
        _("Payment receipt"),
        {
            "tenant": TENANT,
            "account": ACCOUNT,
            "number": Variable(_("the receipt number"), lambda c: c["payment"].display_number, "P-1042"),
            "amount": Variable(
                _("the amount paid"), lambda c: format_money(c["payment"].amount, c["payment"].currency), "$1,250.00"
            ),
        },
    ),
    "autopay_failed": WordedEmail(
        _("Automatic payment failed"),
        {
            "tenant": TENANT,
            "account": ACCOUNT,
            "reason": Variable(_("the bank's answer"), lambda c: c["message"], "Your card was declined."),
        },
    ),
    "payment_failed": WordedEmail(
        _("Payment failed"),
        {
            "tenant": TENANT,
            "account": ACCOUNT,
            "amount": Variable(
                _("the payment's amount"),
                lambda c: format_money(c["payment"].amount, c["payment"].currency),
                "$1,250.00",
            ),
            "reason": Variable(_("the bank's answer"), lambda c: c["payment"].failure_reason, "Insufficient funds"),
        },
    ),
    "payment_disputed": WordedEmail(
        _("Payment disputed"),
        {
            "tenant": TENANT,
            "account": ACCOUNT,
            "number": Variable(_("the payment number"), lambda c: c["payment"].display_number, "P-1042"),
            "amount": Variable(
                _("the payment's amount"),
                lambda c: format_money(c["payment"].amount, c["payment"].currency),
                "$1,250.00",
            ),
        },
    ),
    "check_overdue": WordedEmail(
        _("Promised check not received"),
        {
            "tenant": TENANT,
            "account": ACCOUNT,
            "check_number": Variable(_("the check number"), lambda c: c["check"].check_number, "1187"),
            "amount": Variable(
                _("the check's amount"), lambda c: format_money(c["check"].amount, c["check"].currency), "$640.00"
            ),
        },
    ),
    # --- services and tickets ---------------------------------------------------------------------------------
    "service_file_reviewed": WordedEmail(
        _("Service file reviewed"),
        {
            "tenant": TENANT,
            "account": ACCOUNT,
            "file": Variable(
                _("the file asked for"), lambda c: c["requirement"].get_kind_display(), "End-user licence agreement"
            ),
            "product": Variable(_("the product"), lambda c: c["requirement"].service.product.name, "Cloud Backup"),
            "outcome": Variable(
                _("accepted or not accepted"),
                lambda c: str(_("accepted") if c["accepted"] else _("not accepted")),
                "accepted",
            ),
        },
    ),
    "tickets/customer_reply": WordedEmail(
        _("Ticket reply"),
        {
            "tenant": TENANT,
            "first_name": Variable(_("the ticket author's first name"), _ticket_author, "Ana"),
            "reference": Variable(_("the ticket reference"), lambda c: c["ticket"].reference, "T-0042"),
            "subject": Variable(_("the ticket's subject"), lambda c: c["ticket"].subject, "Printer offline"),
            "status": Variable(_("the ticket's status"), lambda c: c["ticket"].get_status_display(), "Answered"),
        },
    ),
    "tickets/customer_status": WordedEmail(
        _("Ticket status changed"),
        {
            "tenant": TENANT,
            "first_name": Variable(_("the ticket author's first name"), _ticket_author, "Ana"),
            "reference": Variable(_("the ticket reference"), lambda c: c["ticket"].reference, "T-0042"),
            "subject": Variable(_("the ticket's subject"), lambda c: c["ticket"].subject, "Printer offline"),
            "old_status": Variable(_("the former status"), lambda c: c["old_status"], "Open"),
            "status": Variable(_("the new status"), lambda c: c["ticket"].get_status_display(), "Closed"),
        },
    ),
    # --- orders and quotes ------------------------------------------------------------------------------------
    "orders/order_submitted": WordedEmail(
        _("Order received"),
        {"tenant": TENANT, "account": ACCOUNT, "number": ORDER_NUMBER, "subtotal": SUBTOTAL},
    ),
    "orders/order_confirmed": WordedEmail(
        _("Order confirmed"),
        {"tenant": TENANT, "account": ACCOUNT, "number": ORDER_NUMBER, "subtotal": SUBTOTAL},
    ),
    "orders/delivery_shipped": WordedEmail(
        _("Delivery shipped"),
        {
            "tenant": TENANT,
            "account": ACCOUNT,
            "number": Variable(_("the order number"), lambda c: c["order"].number, "SO-2031"),
            "delivery": Variable(_("the delivery number"), lambda c: c["record"].number, "D-2031-1"),
            "tracking_number": Variable(
                _("the tracking number"), lambda c: c["record"].tracking_number, "1Z999AA10123456784"
            ),
        },
    ),
    "orders/quote_sent": WordedEmail(
        _("Quote sent"),
        {
            "tenant": TENANT,
            "account": ACCOUNT,
            "number": Variable(_("the quote number"), lambda c: c["record"].number, "Q-118"),
            "total": Variable(
                _("the quote's total"), lambda c: format_money(c["record"].total, c["record"].currency), "$3,900.00"
            ),
        },
    ),
}


# The emails that go to a tenant's own team, not to customers: they keep the templates' words.
STAFF_EMAILS = frozenset(
    {
        "staff_invitation",
        "registration_not_found",
        "tickets/support_new_ticket",
        "tickets/support_customer_note",
        "orders/staff_new_order",
        "orders/staff_new_quote",
    }
)


def email_choices() -> list[tuple[str, str]]:
    return [(key, email.label) for key, email in WORDED_EMAILS.items()]


def unknown_variables(email: str, text: str) -> list[str]:
    """The ``{{ names }}`` in ``text`` that ``email`` does not offer, in order of appearance."""
    offered = WORDED_EMAILS[email].variables if email in WORDED_EMAILS else {}
    unknown = []
    for name in VARIABLE.findall(text or ""):
        if name not in offered and name not in unknown:
            unknown.append(name)
    return unknown


def variables_help(email: str) -> str:
    """ "{{ name }}: what it is" for each variable of ``email``, for the editor."""
    return "; ".join(f"{{{{ {name} }}}}: {v.label}" for name, v in WORDED_EMAILS[email].variables.items())


def _values(email: str, ctx: dict | None, *, sample: bool) -> dict[str, str]:
    variables = WORDED_EMAILS[email].variables
    if sample:
        return {name: v.sample for name, v in variables.items()}
    values = {}
    for name, v in variables.items():
        try:
            value = v.value(ctx or {})
        except (KeyError, AttributeError):  # a context without it (e.g. a delivery without tracking): left blank
            value = None
        values[name] = "" if value is None else str(value)
    return values


def render_wording(email: str, text: str, ctx: dict | None = None, *, sample: bool = False) -> str:
    """``text`` with its variables filled in (plain text; ``sample``: the editor's sample values)."""
    values = _values(email, ctx, sample=sample)
    return VARIABLE.sub(lambda m: values.get(m.group(1), ""), text or "")


def wording_html(text: str) -> SafeString:
    """Plain text as HTML paragraphs (escaped: marketing's words never carry markup into an email)."""
    return mark_safe(linebreaks(escape(text)))
