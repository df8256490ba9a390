"""Demo bank payments: Alpenwerk Energie, a tenant in EUR whose customers pay by bank account (SEPA Direct Debit,
no card fee) or card; and QT9 taking business checks (its Payment step offers "Business check"). Idempotent."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from portal_models.models import Account, Contact, Invoice, Tenant, User
from portal_models.services import billing

from ..models import PortalHomePage
from ..provisioning import portal_provision
from .tenants import DEMO_PASSWORD, _logo_file

SLUG = "alpenwerk"
CUSTOMER = ("anna.huber@example.com", "Anna", "Huber")
INVOICES = [  # (number, days ago, lines)
    ("AW-2026-118", 40, [("Gas supply — November", 1, "1840.50")]),
    ("AW-2026-131", 10, [("Gas supply — December", 1, "2210.75"), ("Meter service", 1, "89.00")]),
]


def _portal() -> PortalHomePage:
    home = PortalHomePage.objects.filter(tenant__slug=SLUG).select_related("tenant").first()
    if home is None:
        home = portal_provision(
            name="Alpenwerk Energie",
            slug=SLUG,
            support_email="kundenservice@alpenwerk.example.com",
            primary_color="#0f5132",
            accent_color="#b45309",
            logo=_logo_file("Alpenwerk Energie", "#0f5132", "#b45309"),
            currency="EUR",
            card_only=False,
            welcome="Welcome to Alpenwerk Energie. Pay your energy invoices from your bank account by direct debit.",
            login_headline="Alpenwerk customer portal",
            login_intro="<p>Invoices, direct debits and your contract documents.</p>",
            support_phone="+43 1 555 0100",
        ).home
    tenant = home.tenant
    if not tenant.bank_debit_enabled:
        tenant.bank_debit_enabled = True
        tenant.save(update_fields=["bank_debit_enabled"])
    return home


@transaction.atomic
def load() -> list[str]:
    home = _portal()
    tenant = home.tenant
    account, _ = Account.objects.get_or_create(
        tenant=tenant,
        number="AW-7001",
        defaults={
            "name": "Kaffeehaus Huber GmbH",
            "address_1": "Kärntner Straße 12",
            "city": "Wien",
            "postal_code": "1010",
            "country": "Austria",
        },
    )
    email, first, last = CUSTOMER
    user, created = User.objects.get_or_create(email=email, defaults={"first_name": first, "last_name": last})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    Contact.objects.get_or_create(
        account=account,
        user=user,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": email,
            "title": "Geschäftsführerin",
            "is_main": True,
            "is_billing": True,
            "can_login": True,
            "can_pay": True,
            "can_manage_contacts": True,
        },
    )
    today = timezone.localdate()
    for number, days, lines in INVOICES:
        if Invoice.objects.filter(tenant=tenant, number=number).exists():
            continue
        billing.invoice_create(
            account=account,
            number=number,
            lines=[{"description": d, "quantity": q, "unit_price": p} for d, q, p in lines],
            invoice_date=today - timedelta(days=days),
            due_date=today - timedelta(days=days) + timedelta(days=30),
            terms="14 Tage netto",
        )
    qt9 = Tenant.objects.filter(slug="qt9").first()
    if qt9 is not None and qt9.card_only:  # QT9 takes business checks (seed 000's Payment step)
        qt9.card_only = False
        qt9.save(update_fields=["card_only"])
    return [
        f"{tenant.name} (EUR, bank debit): http://127.0.0.1:8000{home.url}  {email} / {DEMO_PASSWORD}"
        " — test IBAN DE89 3704 0044 0532 0130 00 (DE62 3704 0044 0532 0130 01 is refused by the bank)"
    ]
