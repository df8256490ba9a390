"""Demo billing history: seed 000's invoice 10020 for Test Inc. (C-1001), plus paid, partially paid and
overdue invoices, payments, a credit memo and more contacts with roles. Idempotent."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from portal_models.models import Account, Contact, Invoice, Tenant
from portal_models.services import billing

SEED_LINES = [
    {"description": "QMS Web Subscription", "unit_price": "1600.00"},
    {"description": "QMS Software Training Package", "unit_price": "3000.00"},
    {"description": "QMS Initial Implementation & Configuration", "unit_price": "1500.00"},
]

# (account number, invoice number, months ago, lines, paid fraction: 1 paid, 0 < x < 1 partial, 0 open)
HISTORY = {
    "qt9": [
        ("C-1001", "10031", 14, [("QMS Web Subscription (annual renewal)", 1, "1600.00")], 1),
        ("C-1001", "10037", 11, [("Additional named user", 3, "250.00")], 1),
        ("C-1001", "10042", 8, [("Document Control module", 1, "1200.00"), ("Remote training hour", 4, "150.00")], 1),
        ("C-1001", "10048", 5, [("Supplier Management module", 1, "950.00")], Decimal("0.5")),
        ("C-1001", "10053", 2, [("Remote training hour", 6, "150.00")], 0),
        ("C-1001", "10057", 0, [("QMS Web Subscription (annual renewal)", 1, "1600.00")], 0),
        ("C-1002", "10033", 12, [("ERP Web Subscription", 1, "2400.00")], 1),
        ("C-1002", "10044", 6, [("Data migration", 10, "120.00")], 1),
        ("C-1002", "10055", 1, [("ERP Web Subscription (quarterly)", 1, "600.00")], 0),
    ],
    "northwind": [
        ("NW-500", "NW-2301", 4, [("Electricity — commercial tariff", 1, "412.80")], 1),
        ("NW-500", "NW-2302", 3, [("Electricity — commercial tariff", 1, "398.15")], 1),
        ("NW-500", "NW-2303", 2, [("Electricity — commercial tariff", 1, "441.02")], Decimal("0.4")),
        ("NW-500", "NW-2304", 1, [("Electricity — commercial tariff", 1, "405.60")], 0),
        ("NW-500", "NW-2305", 0, [("Electricity — commercial tariff", 1, "389.99")], 0),
    ],
}

EXTRA_CONTACTS = {
    "C-1001": [
        ("Priya", "Shah", "Accounts Payable", "ap@testinc.example.com", {"is_billing": True}),
        ("Marcus", "Lee", "IT Manager", "marcus.lee@testinc.example.com", {"is_technical": True}),
        ("Elena", "Garcia", "Quality Director", "elena.garcia@testinc.example.com", {"is_main": True}),
    ],
    "C-1002": [("Tom", "Becker", "AP Clerk", "ap@doemfg.example.com", {"is_billing": True})],
    "NW-500": [("Sam", "Ortiz", "Owner", "sam@harborbakery.example.com", {"is_main": True, "is_technical": True})],
}


def _months_ago(months: int, today: date) -> date:
    return today - timedelta(days=30 * months + 3)


@transaction.atomic
def load() -> list[str]:
    today = timezone.localdate()
    lines = []
    qt9 = Tenant.objects.filter(slug="qt9").first()
    if qt9 and not Invoice.objects.filter(tenant=qt9, number="10020").exists():
        account = Account.objects.get(tenant=qt9, number="C-1001")
        billing.invoice_create(
            account=account,
            number="10020",
            lines=SEED_LINES,
            invoice_date=date(2022, 8, 26),
            due_date=date(2022, 9, 26),
            terms="Net 30",
            notes="September '22 Invoice",
        )
    for slug, history in HISTORY.items():
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            continue
        for number, inv_number, months, inv_lines, paid in history:
            if Invoice.objects.filter(tenant=tenant, number=inv_number).exists():
                continue
            account = Account.objects.get(tenant=tenant, number=number)
            invoice_date = _months_ago(months, today)
            invoice = billing.invoice_create(
                account=account,
                number=inv_number,
                lines=[{"description": d, "quantity": q, "unit_price": p} for d, q, p in inv_lines],
                invoice_date=invoice_date,
                due_date=invoice_date + timedelta(days=30),
            )
            if paid:
                amount = (invoice.total * Decimal(paid)).quantize(Decimal("0.01"))
                paid_on = min(invoice_date + timedelta(days=21), today)
                billing.payment_record(
                    account=account,
                    method="check" if int(inv_number[-1]) % 2 else "bank_transfer",
                    amount=amount,
                    invoices=[invoice],
                    received_at=timezone.make_aware(datetime.combine(paid_on, datetime.min.time()).replace(hour=10)),
                    reference=f"#{4000 + int(inv_number[-3:])}",
                    payer_name=account.name,
                )
        if slug == "qt9":
            inv = Invoice.objects.filter(tenant=tenant, number="10053").first()
            if inv and not inv.credit_memos.exists():
                billing.credit_memo_apply(
                    invoice=inv, number="CM-1001", amount=Decimal("150.00"), reason="One training hour not delivered"
                )
    for number, people in EXTRA_CONTACTS.items():
        account = Account.objects.filter(number=number).first()
        if account is None:
            continue
        for first, last, title, email, roles in people:
            Contact.objects.get_or_create(
                account=account,
                email=email,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "title": title,
                    "business_phone": "+1 555 010 2000",
                    **roles,
                },
            )
    lines.append("Billing: invoice 10020 and history loaded for QT9 (Test Inc., Doe Manufacturing) and Northwind.")
    return lines
