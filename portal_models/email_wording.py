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


TENANT = Variable(_("the portal's name"), _tenant, "Acme Billing")
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
            "account": Variable(_("the customer company"), lambda c: c["account"].name, "Harbor Bakery LLC"),
            "amount": Variable(_("the total overdue"), lambda c: format_money(c["amount"], c["currency"]), "$2,480.00"),
        },
    ),
}


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
    return {name: str(v.value(ctx)) for name, v in variables.items()}


def render_wording(email: str, text: str, ctx: dict | None = None, *, sample: bool = False) -> str:
    """``text`` with its variables filled in (plain text; ``sample``: the editor's sample values)."""
    values = _values(email, ctx, sample=sample)
    return VARIABLE.sub(lambda m: values.get(m.group(1), ""), text or "")


def wording_html(text: str) -> SafeString:
    """Plain text as HTML paragraphs (escaped: marketing's words never carry markup into an email)."""
    return mark_safe(linebreaks(escape(text)))
