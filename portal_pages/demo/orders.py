"""Demo: Summit Supply's ordering (seed 002) — a catalogue of a few hundred products, two branches of Riverside
Builders, orders in every state, a quote waiting for acceptance, deliveries with tracking numbers, an invoice from
an order and a credit memo. Everything is made through the ordering services; safe to run again."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from portal_models.models import Account, Branch, Contact, Order, Product, Tenant, User
from portal_models.services import billing, team
from portal_models.services import orders as svc

from .tenants import DEMO_PASSWORD

CATEGORIES = {
    "Fasteners": ("Hex bolt", "Carriage bolt", "Lag screw", "Wood screw", "Washer", "Hex nut", "Anchor"),
    "Lumber": ("Stud 2x4", "Joist 2x8", "Plywood sheet", "OSB panel", "Cedar board"),
    "Concrete": ("Portland cement", "Ready mix", "Rebar", "Wire mesh", "Form tube"),
    "Electrical": ("Romex cable", "Outlet box", "Breaker", "Conduit", "Wire nut", "LED fixture"),
    "Plumbing": ("PEX pipe", "Copper elbow", "Ball valve", "PVC tee", "Drain trap"),
    "Safety": ("Hard hat", "Safety glasses", "Work gloves", "Hi-vis vest", "Ear plugs"),
}
SIZES = ("S", "M", "L", "XL", "10 ft", "12 ft", "1/4 in", "3/8 in", "1/2 in", "5/8 in")
UNITS = {
    "Fasteners": "box",
    "Lumber": "each",
    "Concrete": "bag",
    "Electrical": "each",
    "Plumbing": "each",
    "Safety": "pair",
}


def _catalogue(tenant: Tenant) -> list[Product]:
    if Product.objects.filter(tenant=tenant).count() >= 300:
        return list(Product.objects.filter(tenant=tenant).order_by("sku"))
    products = []
    n = 0
    for category, names in CATEGORIES.items():
        for name in names:
            for size in SIZES:
                n += 1
                products.append(
                    Product(
                        tenant=tenant,
                        name=f"{name} {size}",
                        sku=f"{category[:3].upper()}-{n:04d}",
                        unit=UNITS[category],
                        price=Decimal(5 + (n * 37) % 240) + Decimal("0.99"),
                        category=category,
                        description=f"{name}, {size}. Stocked at both depots.",
                        active=n % 41 != 0,
                    )
                )
    Product.objects.bulk_create(products, ignore_conflicts=True)
    return list(Product.objects.filter(tenant=tenant, active=True).order_by("sku"))


@transaction.atomic
def load() -> list[str]:
    tenant = Tenant.objects.filter(slug="summit").first()
    if tenant is None:
        return []
    account = Account.objects.get(tenant=tenant, number="SS-2001")
    Contact.objects.filter(account=account, can_login=True).update(can_order=True)
    products = [p for p in _catalogue(tenant) if p.active]
    north, _ = Branch.objects.get_or_create(
        account=account,
        code="DEN-N",
        defaults={
            "name": "North yard",
            "address_1": "4100 Brighton Blvd",
            "city": "Denver",
            "state": "CO",
            "postal_code": "80216",
            "country": "United States of America",
        },
    )
    south, _ = Branch.objects.get_or_create(
        account=account,
        code="DEN-S",
        defaults={
            "name": "South yard",
            "address_1": "900 W Evans Ave",
            "city": "Denver",
            "state": "CO",
            "postal_code": "80223",
            "country": "United States of America",
        },
    )
    # a buyer of the North yard only: the header offers that branch alone, other branches' records answer 404
    yard, created = User.objects.get_or_create(
        email="sam.ortiz@example.com", defaults={"first_name": "Sam", "last_name": "Ortiz"}
    )
    if created:
        yard.set_password(DEMO_PASSWORD)
        yard.save()
    clerk, _ = Contact.objects.get_or_create(
        account=account,
        user=yard,
        defaults={
            "first_name": "Sam",
            "last_name": "Ortiz",
            "email": yard.email,
            "title": "Yard buyer",
            "can_login": True,
            "can_pay": True,
            "can_order": True,
        },
    )
    team.contact_set_branches(contact=clerk, branches=[north])
    lines = [
        f"Summit Supply (orders): http://127.0.0.1:8000/summit/  lee.chen@example.com / {DEMO_PASSWORD}",
        f"Summit Supply, North yard only: http://127.0.0.1:8000/summit/  sam.ortiz@example.com / {DEMO_PASSWORD}",
    ]
    if Order.objects.filter(account=account).exists():
        return lines
    user = Contact.objects.filter(account=account, user__isnull=False).first().user
    today = timezone.localdate()

    def order(i, branch, po, quantities=(4, 10, 2)):
        return svc.order_submit(
            account=account,
            user=user,
            branch=branch,
            po_number=po,
            lines=[
                {"product": products[(i * 7 + k * 13) % len(products)], "quantity": q} for k, q in enumerate(quantities)
            ],
            requested_date=today + timedelta(days=7 + i),
            send_email=False,
        )

    order(1, north, "RB-1001")  # submitted
    svc.order_confirm(order=order(2, south, "RB-1002"))  # confirmed
    partly = order(3, north, "RB-1003")
    svc.order_confirm(order=partly)
    first = list(partly.lines.all())
    svc.delivery_record(
        order=partly,
        quantities={first[0].pk: first[0].quantity, first[1].pk: 5},
        carrier="UPS",
        tracking_number="1Z999AA10123456784",
        shipped_on=today - timedelta(days=2),
    )
    delivered = order(4, south, "RB-1004")
    svc.order_confirm(order=delivered)
    svc.delivery_record(
        order=delivered,
        quantities={line.pk: line.quantity for line in delivered.lines.all()},
        carrier="FedEx Freight",
        tracking_number="7489 2213 0045",
        shipped_on=today - timedelta(days=6),
        delivered_on=today - timedelta(days=4),
    )
    invoiced = order(5, None, "RB-1005", quantities=(20, 3))
    svc.order_confirm(order=invoiced)
    svc.delivery_record(
        order=invoiced,
        quantities={line.pk: line.quantity for line in invoiced.lines.all()},
        carrier="Summit truck",
        tracking_number="ST-3301",
        shipped_on=today - timedelta(days=12),
        delivered_on=today - timedelta(days=12),
    )
    invoice = svc.invoice_from_order(order=invoiced)
    billing.credit_memo_apply(invoice=invoice, number="SCM-101", amount=Decimal("25.00"), reason="Damaged pallet")
    svc.order_cancel(order=order(6, north, "RB-1006", quantities=(1,)), reason="Ordered twice by mistake")

    quote = svc.quote_request(
        account=account,
        user=user,
        branch=north,
        lines=[
            {"product": products[30], "quantity": 200},
            {"description": "Custom steel brackets, galvanised", "quantity": 40},
        ],
        notes="For the Riverside apartments job.",
    )
    svc.quote_price(
        quote=quote,
        prices={line.pk: Decimal("3.10") if line.product_id else Decimal("18.50") for line in quote.lines.all()},
        valid_until=today + timedelta(days=30),
        terms="Prices held for 30 days. Freight included over $1,000.",
    )
    svc.quote_send(quote=quote)
    svc.quote_request(account=account, user=user, lines=[{"description": "Scaffolding rental, 3 weeks", "quantity": 1}])
    return lines
