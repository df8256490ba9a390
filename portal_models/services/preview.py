"""The fictional customer the page editor's preview shows a portal with, for staff who may not see accounts
(marketing, issue #26): a company, its contact and a short billing history, written in a transaction that is
rolled back once the preview is rendered. Nothing of it is ever committed: no other request, task, email or
webhook sees it, and the real customers' data stays out of marketing's preview.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal_models.access import PortalContext, PortalPermission
from portal_models.models import Account, Contact, Tenant, User

from . import billing

SAMPLE_NUMBER = "SAMPLE"


@contextmanager
def sample_portal(*, tenant: Tenant) -> Iterator[PortalContext]:
    """Inside the block: the portal of a fictional customer of ``tenant`` with every right (an overdue, an open,
    a partly paid and a paid invoice, a payment and a credit memo in the tenant's currency). Everything the block
    shows must be rendered inside it (``response.render()``): on leaving it, the sample is rolled back."""
    with transaction.atomic():
        yield _sample_build(tenant)
        transaction.set_rollback(True)


def _sample_build(tenant: Tenant) -> PortalContext:
    number = SAMPLE_NUMBER
    if Account.objects.filter(tenant=tenant, number=number).exists():  # a real account may use the word
        number = f"{SAMPLE_NUMBER}-{secrets.token_hex(3).upper()}"
    account = Account.objects.create(
        tenant=tenant,
        number=number,
        name=_("Sample Company"),
        address_1=_("1 Example Street"),
        city=_("Springfield"),
    )
    user = User(
        email=f"sample-{secrets.token_hex(8)}@preview.invalid",
        first_name=_("Alex"),
        last_name=_("Sample"),
        is_active=True,
    )
    user.set_unusable_password()
    user.save()
    contact = Contact.objects.create(
        account=account,
        user=user,
        first_name=user.first_name,
        last_name=user.last_name,
        email=user.email,
        title=_("Accounts payable"),
        is_main=True,
        is_billing=True,
        can_login=True,
        **dict.fromkeys(PortalPermission.ALL, True),  # every right the portal has
    )
    today = timezone.localdate()
    history = (  # (days ago, description, quantity, unit price, paid fraction)
        (95, _("Annual subscription"), 1, "1200.00", Decimal("1")),
        (50, _("Support hours"), 6, "95.00", Decimal("0.5")),
        (40, _("Onboarding and training"), 1, "750.00", Decimal("0")),
        (5, _("Monthly subscription"), 1, "120.00", Decimal("0")),
    )
    invoices = []
    for i, (days, description, quantity, price, paid) in enumerate(history, start=1):
        invoice_date = today - timedelta(days=days)
        invoice = billing.invoice_create(
            account=account,
            number=f"{number}-{1000 + i}",
            lines=[{"description": description, "quantity": quantity, "unit_price": price}],
            invoice_date=invoice_date,
            due_date=invoice_date + timedelta(days=30),
        )
        if paid:
            billing.payment_record(
                account=account,
                method="bank_transfer",
                amount=(invoice.total * paid).quantize(Decimal("0.01")),
                invoices=[invoice],
                received_at=timezone.now() - timedelta(days=max(days - 20, 1)),
                reference=f"{number}-PAY-{1000 + i}",
                payer_name=account.name,
            )
        invoices.append(invoice)
    billing.credit_memo_apply(
        invoice=invoices[2], number=f"{number}-CM-1", amount=Decimal("75.00"), reason=_("Goodwill credit")
    )
    account.tenant = tenant
    contact.account = account
    return PortalContext(user=user, tenant=tenant, contact=contact, contacts=(contact,))
