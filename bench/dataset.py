"""The benchmark's Django-side steps, run by bench/run.py in a subprocess with the bench settings.

    python bench/dataset.py build --invoices N     # the scale data set (bulk inserts, progress bar)
    python bench/dataset.py prepare --out FILE     # session, URLs, queries per request, webhook invoices
    python bench/dataset.py webhook-check          # payments recorded by the webhook run, then reset

The data set: one tenant ("bench") whose busiest account has N invoices (3 lines each) and N/5 payments
(each paying 5 invoices), 500 other accounts (10 invoices each), 2,000 documents, a webhook account with
WEBHOOK_INVOICES open invoices that the webhook run pays, and the tenant's portal pages.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "site")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.signing import sign_event  # noqa: E402

DATASET_VERSION = 5  # bump when the shape changes: cached data sets are rebuilt
SLUG = "bench"
USER_EMAIL = "bench.customer@example.com"
OTHER_ACCOUNTS = 500
OTHER_INVOICES = 10
WEBHOOK_INVOICES = 8000
DOCUMENTS = {"tenant": 200, "per_product": 30, "busy_account": 500, "per_other_account": 10, "other_accounts": 100}
PRODUCTS = 10
BUSY_PRODUCTS = 3
OPEN_RECENT = 60  # the newest invoices of the busy account are still open (20 overdue, 10 partially paid)
BATCH = 5000
CUSTOMERS = 200  # distinct signed-in customers of the many-customer mix (contacts of the other accounts)
ANCHOR_ACCOUNTS = 20  # the admin anchor: a Wagtail admin listing of 20 rows of a small model (another tenant)
PASSWORD = "Bench-password-2026!"
CATEGORIES = ["Fasteners", "Fittings", "Valves", "Pumps", "Filters", "Seals", "Hoses", "Tools", "Safety", "Electrical"]
WORDS = ["steel", "brass", "copper", "nylon", "rubber", "heavy", "compact", "industrial", "marine", "thermal"]


def catalogue_size(invoices: int) -> int:
    """Products of the catalogue: 10,000 at 100,000 invoices (issue 23), a tenth of the invoices, at least 50."""
    return max(50, invoices // 10)


def order_lines_size(invoices: int) -> int:
    """Order lines of the busy account: 100,000 at 100,000 invoices (issue 23), 5 per order."""
    return max(50, invoices)


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.done, self.start = label, max(total, 1), 0, time.monotonic()
        self.last = 0.0
        self.show()

    def add(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last > 0.2 or self.done >= self.total:
            self.last = now
            self.show()

    def show(self) -> None:
        frac = min(self.done / self.total, 1.0)
        bar = "#" * int(frac * 30)
        elapsed = time.monotonic() - self.start
        sys.stderr.write(f"\r  {self.label:<22} [{bar:<30}] {frac:4.0%} {self.done:>8,}/{self.total:,} {elapsed:6.1f}s")
        if self.done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _money(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


# --- build ----------------------------------------------------------------------------------------


def _portal(tenant):
    from wagtail.models import Page, Site

    from portal_pages.models import ContentPage, PortalHomePage, PortalLoginPage, PortalRootPage

    root = PortalRootPage.objects.first()
    if root is None:
        wagtail_root = Page.get_first_root_node()
        root = PortalRootPage(title="Client Portal", slug="portals")
        wagtail_root.add_child(instance=root)
        site = Site.objects.filter(is_default_site=True).first()
        if site:
            site.root_page = root
            site.save()
        else:
            Site.objects.create(hostname="localhost", port=80, root_page=root, is_default_site=True)
    from wagtail.images import get_image_model

    from portal_pages.demo.tenants import _logo_file

    logo = get_image_model().objects.create(title="Bench Co logo", file=_logo_file("Bench Co", "#0b4f8a", "#16a34a"))
    home = PortalHomePage(
        title="Bench Co portal",
        logo=logo,
        slug=SLUG,
        tenant=tenant,
        primary_color="#0b4f8a",
        accent_color="#16a34a",
        welcome=[("paragraph", "<p>Welcome to the Bench Co customer portal.</p>")],
        support_phone="+1 555 0100",
    )
    root.add_child(instance=home)
    home.add_child(instance=PortalLoginPage(title="Sign in", slug="login", headline="Sign in to Bench Co"))
    body = [
        ("paragraph", f"<p>Question {i}: how does the portal work? It works well, section {i}.</p>") for i in range(8)
    ]
    home.add_child(instance=ContentPage(title="Help", slug="help", summary="How the portal works", body=body))
    return home


def _document_file() -> str:
    """The one file every document of the data set points at, in the data set's own media folder."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from portal_pages.demo.documents import _pdf

    path = "documents/bench-document.pdf"
    if not default_storage.exists(path):
        default_storage.save(path, ContentFile(_pdf("Bench document")))
    return path


def _documents(tenant, busy, others, products, home):
    from django.core.files.storage import default_storage
    from wagtail.documents import get_document_model

    from portal_models.services.documents import account_collection, product_collection, tenant_collection
    from portal_pages.models import DocumentLibraryPage

    Document = get_document_model()
    path = _document_file()
    size = default_storage.size(path)
    plan = [(tenant_collection(tenant=tenant), "Policy", DOCUMENTS["tenant"])]
    plan += [(product_collection(product=p), p.name, DOCUMENTS["per_product"]) for p in products]
    plan += [(account_collection(account=busy), "Contract", DOCUMENTS["busy_account"])]
    plan += [
        (account_collection(account=a), f"{a.number} file", DOCUMENTS["per_other_account"])
        for a in others[: DOCUMENTS["other_accounts"]]
    ]
    total = sum(n for _c, _t, n in plan)
    bar = Progress("documents", total)
    docs = []
    for collection, title, count in plan:
        for i in range(count):
            docs.append(
                Document(title=f"{title} {i + 1:04d}", file=path, collection=collection, file_size=size, file_hash="")
            )
    for start in range(0, len(docs), BATCH):
        Document.objects.bulk_create(docs[start : start + BATCH])
        bar.add(len(docs[start : start + BATCH]))
    sections = [("section", {"title": p.name, "product": p}) for p in products[:BUSY_PRODUCTS]]
    sections.append(
        ("section", {"title": "General", "collection": str(tenant_collection(tenant=tenant).pk), "product": None})
    )
    library = DocumentLibraryPage(title="Documents", slug="library", intro="<p>Guides and contracts.</p>")
    library.sections = sections
    home.add_child(instance=library)
    return total


def _invoices(account, count: int, *, prefix: str, lines_per: int, open_recent: int, label: str, start_day):
    """``count`` invoices of ``account`` (the newest ``open_recent`` still open), their lines; returns pk list."""
    from portal_models.models import Invoice, InvoiceLine
    from portal_models.models.billing import InvoiceStatus

    today = timezone.localdate()
    bar = Progress(label, count)
    pks: list[int] = []
    span_days = 3650
    for start in range(0, count, BATCH):
        batch = []
        for i in range(start, min(start + BATCH, count)):
            age = (count - 1 - i) * span_days // max(count, 1)  # the last invoice is today's
            invoice_date = start_day - datetime.timedelta(days=age)
            cents = 10_000 + (i * 7919) % 390_000  # 100.00 .. 4,000.00 (below the card-fee threshold)
            total = _money(cents)
            newest = count - i  # 1 for the newest
            if newest <= open_recent:
                due = invoice_date + datetime.timedelta(days=30 if newest > 20 else -10)
                if newest <= 10:
                    status, paid = InvoiceStatus.PARTIALLY_PAID, _money(cents // 2)
                else:
                    status, paid = InvoiceStatus.OPEN, Decimal("0.00")
                due = (
                    max(due, today + datetime.timedelta(days=1))
                    if newest > 20
                    else min(due, today - datetime.timedelta(days=1))
                )
            else:
                status, paid, due = InvoiceStatus.PAID, total, invoice_date + datetime.timedelta(days=30)
            batch.append(
                Invoice(
                    tenant_id=account.tenant_id,
                    account=account,
                    number=f"{prefix}{i + 1:07d}",
                    status=status,
                    invoice_date=invoice_date,
                    due_date=due,
                    subtotal=total,
                    total=total,
                    amount_paid=paid,
                    amount_due=total - paid,
                    issued_at=timezone.now(),
                )
            )
        created = Invoice.objects.bulk_create(batch)
        lines = []
        for inv in created:
            if lines_per == 1:
                lines.append(
                    InvoiceLine(
                        invoice=inv, position=1, description="Service", unit_price=inv.total, line_total=inv.total
                    )
                )
                continue
            first = (inv.total / 2).quantize(Decimal("0.01"))
            second = (inv.total / 4).quantize(Decimal("0.01"))
            for pos, (desc, amount) in enumerate(
                [("Subscription", first), ("Support plan", second), ("Seats", inv.total - first - second)], 1
            ):
                lines.append(
                    InvoiceLine(invoice=inv, position=pos, description=desc, unit_price=amount, line_total=amount)
                )
        InvoiceLine.objects.bulk_create(lines, batch_size=BATCH)
        pks.extend(inv.pk for inv in created)
        bar.add(len(created))
    return pks


def _payments(account, invoice_pks: list[int], count_paid: int):
    """Payments of 5 invoices each for the paid invoices (the oldest ``count_paid``)."""
    from portal_models.models import Invoice, Payment, PaymentAllocation

    totals = dict(Invoice.objects.filter(pk__in=invoice_pks[:count_paid]).values_list("pk", "total"))
    groups = [invoice_pks[i : i + 5] for i in range(0, count_paid, 5)]
    bar = Progress("payments", len(groups))
    for start in range(0, len(groups), BATCH // 5):
        chunk = groups[start : start + BATCH // 5]
        payments = []
        for group in chunk:
            received = timezone.now()  # replaced below: a day after the last invoice of the group
            payments.append(
                Payment(
                    tenant_id=account.tenant_id,
                    account=account,
                    method=Payment.Method.CARD if group[0] % 3 else Payment.Method.CHECK,
                    amount=sum((totals[pk] for pk in group), Decimal("0.00")),
                    currency="USD",
                    received_at=received,
                    card_brand="visa",
                    card_last4="4242",
                    reference="",
                )
            )
        created = Payment.objects.bulk_create(payments)
        allocations = [
            PaymentAllocation(payment=payment, invoice_id=pk, amount=totals[pk])
            for payment, group in zip(created, chunk, strict=True)
            for pk in group
        ]
        PaymentAllocation.objects.bulk_create(allocations, batch_size=BATCH)
        bar.add(len(chunk))
    # received_at: a day after the group's last invoice (one UPDATE per database, not per row)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                """UPDATE portal_models_payment p SET received_at = s.d FROM (
                     SELECT a.payment_id, max(i.invoice_date) + interval '1 day' + interval '9 hours' AS d
                     FROM portal_models_paymentallocation a JOIN portal_models_invoice i ON i.id = a.invoice_id
                     WHERE i.account_id = %s GROUP BY a.payment_id) s WHERE p.id = s.payment_id""",
                [account.pk],
            )
        else:
            cursor.execute(
                """UPDATE portal_models_payment SET received_at = (
                     SELECT datetime(max(i.invoice_date), '+1 day', '+9 hours')
                     FROM portal_models_paymentallocation a JOIN portal_models_invoice i ON i.id = a.invoice_id
                     WHERE a.payment_id = portal_models_payment.id) WHERE account_id = %s""",
                [account.pk],
            )


@transaction.atomic
def build(invoices: int) -> dict:
    from portal_models.models import Account, Contact, Product, Service, Tenant, User

    started = time.monotonic()
    tenant = Tenant.objects.create(
        name="Bench Co", slug=SLUG, support_email="support@bench.example.com", card_fee_threshold=Decimal("5000.00")
    )
    home = _portal(tenant)
    user = User.objects.create_user(email=USER_EMAIL, password=PASSWORD, first_name="Bea", last_name="Bench")
    busy = Account.objects.create(tenant=tenant, number="B-000001", name="Busy Industries", city="Chicago")
    Contact.objects.create(
        account=busy,
        user=user,
        first_name="Bea",
        last_name="Bench",
        email=USER_EMAIL,
        is_main=True,
        is_billing=True,
        can_login=True,
        can_pay=True,
        can_manage_contacts=True,
        can_see_documents=True,
        can_order=True,
    )
    others = Account.objects.bulk_create(
        [Account(tenant=tenant, number=f"O-{i:06d}", name=f"Other Account {i:03d}") for i in range(OTHER_ACCOUNTS)]
    )
    Contact.objects.bulk_create(
        [Contact(account=a, first_name="Ops", last_name=a.number, email=f"ops-{a.number}@example.com") for a in others]
    )
    hook = Account.objects.create(tenant=tenant, number="W-000001", name="Webhook Payer Ltd")
    products = [Product.objects.create(tenant=tenant, name=f"Product {i + 1:02d}") for i in range(PRODUCTS)]
    today = timezone.localdate()
    for product in products[:BUSY_PRODUCTS]:
        Service.objects.create(
            account=busy, product=product, start_date=today.replace(month=1, day=1), seats=5, total_cost=Decimal("1200")
        )

    busy_pks = _invoices(
        busy, invoices, prefix="INV-", lines_per=3, open_recent=OPEN_RECENT, label="busy invoices", start_day=today
    )
    _payments(busy, busy_pks, invoices - min(OPEN_RECENT, invoices))
    bar = Progress("other accounts", OTHER_ACCOUNTS)
    from portal_models.models import Invoice, InvoiceLine
    from portal_models.models.billing import InvoiceStatus

    for start in range(0, OTHER_ACCOUNTS, 100):
        batch = []
        for n, account in enumerate(others[start : start + 100], start):
            for i in range(OTHER_INVOICES):
                total = _money(5_000 + (n * 31 + i * 17) % 200_000)
                date = today - datetime.timedelta(days=30 * i + n % 30)
                batch.append(
                    Invoice(
                        tenant=tenant,
                        account=account,
                        number=f"O{n:03d}-{i:04d}",
                        status=InvoiceStatus.OPEN if i == 0 else InvoiceStatus.PAID,
                        invoice_date=date,
                        due_date=date + datetime.timedelta(days=30),
                        subtotal=total,
                        total=total,
                        amount_paid=Decimal("0.00") if i == 0 else total,
                        amount_due=total if i == 0 else Decimal("0.00"),
                    )
                )
        created = Invoice.objects.bulk_create(batch)
        InvoiceLine.objects.bulk_create(
            [
                InvoiceLine(invoice=inv, description="Service", unit_price=inv.total, line_total=inv.total)
                for inv in created
            ]
        )
        bar.add(min(100, OTHER_ACCOUNTS - start))
    _invoices(
        hook,
        WEBHOOK_INVOICES,
        prefix="W-",
        lines_per=1,
        open_recent=WEBHOOK_INVOICES,
        label="webhook invoices",
        start_day=today,
    )
    documents = _documents(tenant, busy, others, products, home)
    catalogue = _catalogue(tenant, catalogue_size(invoices))
    _orders(busy, user, catalogue, order_lines_size(invoices))
    _customers(others)
    _staff(tenant)
    return {
        "invoices": invoices,
        "products": len(catalogue) + PRODUCTS,
        "order_lines": max(1, order_lines_size(invoices) // 5) * 5,
        "customers": CUSTOMERS,
        "documents": documents,
        "seconds": round(time.monotonic() - started, 1),
    }


def _catalogue(tenant, count: int) -> list[int]:
    """``count`` orderable products with SKUs, categories and prices (the Order Pad's catalogue)."""
    from portal_models.models import Product

    bar = Progress("catalogue", count)
    pks: list[int] = []
    for start in range(0, count, BATCH):
        batch = [
            Product(
                tenant=tenant,
                name=f"{WORDS[i % len(WORDS)].title()} {CATEGORIES[i % len(CATEGORIES)][:-1].lower()} {i + 1:05d}",
                sku=f"SKU-{i + 1:06d}",
                description=f"{WORDS[(i // 10) % len(WORDS)]} grade, pack of {1 + i % 12}",
                category=CATEGORIES[i % len(CATEGORIES)],
                price=_money(100 + (i * 7919) % 50_000),
                unit="each",
            )
            for i in range(start, min(start + BATCH, count))
        ]
        pks.extend(p.pk for p in Product.objects.bulk_create(batch))
        bar.add(len(batch))
    return pks


def _orders(account, user, product_pks: list[int], lines: int) -> None:
    """Orders of ``account`` with 5 lines each (``lines`` in all), in every state, newest today."""
    from portal_models.models import Order, OrderLine
    from portal_models.models.orders import OrderStatus

    statuses = [OrderStatus.INVOICED] * 6 + [
        OrderStatus.DELIVERED,
        OrderStatus.PARTLY_DELIVERED,
        OrderStatus.CONFIRMED,
        OrderStatus.SUBMITTED,
        OrderStatus.CANCELLED,
    ]
    count = max(1, lines // 5)
    now = timezone.now()
    bar = Progress("orders", count)
    for start in range(0, count, BATCH // 5):
        orders, chunk_lines = [], []
        for i in range(start, min(start + BATCH // 5, count)):
            newest = count - i
            amounts = [_money(100 + ((i * 5 + k) * 7919) % 50_000) for k in range(5)]
            orders.append(
                Order(
                    tenant_id=account.tenant_id,
                    account=account,
                    number=f"ORD-{i + 1:07d}",
                    status=statuses[0] if newest > 40 else statuses[newest % len(statuses)],
                    po_number=f"PO-{(i * 31) % 100_000:05d}",
                    subtotal=sum(amounts, Decimal("0.00")),
                    placed_by=user,
                    submitted_at=now - datetime.timedelta(hours=newest * 3),
                )
            )
            chunk_lines.append(amounts)
        created = Order.objects.bulk_create(orders)
        OrderLine.objects.bulk_create(
            [
                OrderLine(
                    order=order,
                    position=k + 1,
                    product_id=product_pks[(order.pk * 5 + k) % len(product_pks)],
                    sku=f"SKU-{(order.pk * 5 + k) % len(product_pks) + 1:06d}",
                    description="Catalogue item",
                    unit="each",
                    quantity=Decimal("1"),
                    delivered_quantity=Decimal("1"),
                    invoiced_quantity=Decimal("1"),
                    unit_price=amount,
                    line_total=amount,
                )
                for order, amounts in zip(created, chunk_lines, strict=True)
                for k, amount in enumerate(amounts)
            ],
            batch_size=BATCH,
        )
        bar.add(len(created))


def _customers(others) -> None:
    """Sign-in contacts for the first CUSTOMERS other accounts (the many-customer mix); one password hash."""
    from django.contrib.auth.hashers import make_password

    from portal_models.models import Contact, User

    password = make_password(PASSWORD)
    users = User.objects.bulk_create(
        [
            User(email=f"customer-{n:03d}@example.com", password=password, first_name="Cus", last_name=f"Tomer {n:03d}")
            for n in range(CUSTOMERS)
        ]
    )
    Contact.objects.bulk_create(
        [
            Contact(
                account=account,
                user=user,
                first_name=user.first_name,
                last_name=user.last_name,
                email=user.email,
                is_main=True,
                is_billing=True,
                can_login=True,
                can_pay=True,
                can_see_documents=True,
            )
            for account, user in zip(others[:CUSTOMERS], users, strict=False)
        ]
    )


def _staff(tenant) -> None:
    """Billing staff of the bench tenant (the 100k admin listings) and of an anchor tenant with 20 accounts."""
    from portal_models.models import Account, StaffRole, Tenant, User
    from portal_models.services.tenants import tenant_staff_groups_ensure

    anchor = Tenant.objects.create(name="Anchor Co", slug="anchor", support_email="support@anchor.example.com")
    Account.objects.bulk_create(
        [Account(tenant=anchor, number=f"A-{i:04d}", name=f"Anchor account {i:02d}") for i in range(ANCHOR_ACCOUNTS)]
    )
    for who, of in (("staff", tenant), ("anchor.staff", anchor)):
        user = User.objects.create_user(email=f"{who}@bench.example.com", password=PASSWORD, first_name="Staff")
        user.groups.add(tenant_staff_groups_ensure(tenant=of)[StaffRole.BILLING])


# --- prepare / check ------------------------------------------------------------------------------


def webhook_reset() -> None:
    """Undo what a webhook run recorded: the webhook account's invoices are open again."""
    from portal_models.models import Account, Invoice, Payment, PaymentAllocation, StripeEvent
    from portal_models.models.billing import InvoiceStatus

    try:
        from portal_models import caching
    except ImportError:  # measuring a revision from before the caches
        caching = None
    hook = Account.objects.get(tenant__slug=SLUG, number="W-000001")
    with transaction.atomic():
        StripeEvent.objects.filter(event_id__startswith="evt_bench_").delete()
        PaymentAllocation.objects.filter(payment__account=hook).delete()
        Payment.objects.filter(account=hook).delete()
        invoices = Invoice.objects.filter(account=hook)
        from django.db.models import F

        invoices.exclude(status=InvoiceStatus.OPEN).update(status=InvoiceStatus.OPEN)
        invoices.exclude(amount_paid=0).update(amount_paid=Decimal("0.00"), amount_due=F("total"))
        if caching is not None:
            caching.bump_accounts(hook.pk)  # bulk updates send no signals


ROTATION_COUNT_LIMIT = 8  # URLs of a rotation whose queries are counted (the first ones: page 1, sorts, last page)


def _last_page(client, url: str) -> int:
    """The highest page number a list's page 1 links to (its pager's last page)."""
    import re

    html = client.get(url).content.decode()
    return max([int(n) for n in re.findall(r"[?&;]page=(\d+)", html)] or [1])


def _admin_session(email: str) -> str:
    """A verified (two-factor) staff session: the admin requires a used device."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    from portal_models.models import User

    user = User.objects.get(email=email)
    device, _ = StaticDevice.objects.get_or_create(user=user, name="bench")
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return session.session_key


def _count(client, url: str, headers: dict) -> tuple[int, int, int]:
    """(status, queries warm, queries cold) of one URL: cold reads no page, fragment or data cache entry
    (``X-Bench-Cold``, as in the load run)."""
    from django.test.utils import CaptureQueriesContext

    # read each count at once: the next request's request_started signal clears the connection's query log,
    # and a context's captured_queries is a slice of that log taken when read
    client.get(url, headers=headers)  # routing and the session warm, as the load run has them
    with CaptureQueriesContext(connection) as cold:
        client.get(url, headers={**headers, "X-Bench-Cold": "1"})
    cold_queries = len(cold.captured_queries)
    with CaptureQueriesContext(connection) as warm:
        response = client.get(url, headers=headers)
    return response.status_code, len(warm.captured_queries), cold_queries


def _render_pdfs_ahead(invoice_ids: list[int]) -> None:
    """What the task worker does when an invoice is issued or changes: render and store its PDF. The data set is
    bulk-inserted (no signals, no tasks), so the benchmark does it for the invoices it will request; a customer's
    request then serves the stored file (issue 29: no PDF rendered inside a request after the first)."""
    try:
        from portal_pages.billing.documents import invoice_pdf_render_task
    except ImportError:  # measuring a revision from before the stored PDFs
        return
    unique = list(dict.fromkeys(invoice_ids))
    bar = Progress("PDFs rendered ahead", len(unique))
    for pk in unique:
        invoice_pdf_render_task.call(pk)
        bar.add(1)


def prepare(out: str) -> None:
    """Sign in, list each endpoint's rotation of URLs, count queries per request (test Client, same DB and settings).

    Each endpoint is a rotation of URLs that load generators cycle through (other invoices, other pages, other
    sorts, searches, the last page), with the credentials it needs: ``session`` (the busy customer), ``admin``
    (billing staff of the bench tenant), ``anchor_admin`` (billing staff of the 20-account tenant), ``api`` (an
    integration API key of the bench tenant) or none (anonymous).
    """
    from django.test import Client

    from portal_models.models import Account, Contact, Invoice, Order, Payment, Product, User
    from portal_models.models.billing import InvoiceStatus
    from portal_models.selectors.billing import INVOICE_SORTS

    _document_file()  # a data set built before its media folder was its own
    from portal_models.selectors.orders import ORDER_SORTS
    from portal_models.services.api_keys import api_key_create

    webhook_reset()
    user = User.objects.get(email=USER_EMAIL)
    busy = Account.objects.get(tenant__slug=SLUG, number="B-000001")
    hook = Account.objects.get(tenant__slug=SLUG, number="W-000001")
    count = Invoice.objects.filter(account=busy).count()
    signed_in = Client()
    signed_in.force_login(user)
    session = signed_in.cookies["sessionid"].value
    admin_session = _admin_session("staff@bench.example.com")
    anchor_session = _admin_session("anchor.staff@bench.example.com")
    _key, api_token = api_key_create(tenant=busy.tenant, name=f"bench {int(time.time())}", scopes=["read"])
    base = f"/{SLUG}"

    # invoices spread over the whole history (paid, 3 lines, one payment each; the newest still open)
    step = max(1, count // 50)
    spread = list(
        Invoice.objects.filter(account=busy, number__in=[f"INV-{n:07d}" for n in range(1, count + 1, step)])
        .order_by("number")
        .values_list("pk", "number")
    )
    middle = spread[len(spread) // 2]
    last_invoices = _last_page(signed_in, f"{base}/invoices/")
    last_orders = _last_page(signed_in, f"{base}/orders/")
    sorts = [f"{base}/invoices/?sort={d}{k}" for k in INVOICE_SORTS for d in ("", "-")]
    order_sorts = [f"{base}/orders/?sort={d}{k}" for k in ORDER_SORTS for d in ("", "-")]
    products = Product.objects.filter(tenant=busy.tenant).count()
    terms = ["steel", "valve", "SKU-0012", "brass fitting", "pump", "seal 000", "nylon", "tools", "marine", "hose"]
    payments_last = max(1, -(-Payment.objects.filter(account=busy).count() // 20))
    a_invoices, a_payments, a_accounts = (
        "/admin/portal_models/invoice/",
        "/admin/portal_models/payment/",
        "/admin/portal_models/account/",
    )
    endpoints = {
        "bare": (["/_bare/"], None),
        "content_page": ([f"{base}/help/"], None),
        "admin_anchor": ([a_accounts], "anchor_admin"),
        "dashboard": ([f"{base}/dashboard/"], "session"),
        "invoice_list": ([f"{base}/invoices/"] + [f"{base}/invoices/?page={n}" for n in range(2, 11)], "session"),
        "invoice_sorts": (sorts, "session"),
        "invoice_search": (
            [f"{base}/invoices/?number={number}" for _pk, number in spread[::3]]
            + [f"{base}/invoices/?number={n}" for n in ("INV-00001", "INV-0005", "INV-")],
            "session",
        ),
        "invoice_last_page": (
            [f"{base}/invoices/?page={last_invoices}", f"{base}/invoices/?sort=-total&page={last_invoices}"],
            "session",
        ),
        "invoice_detail": ([f"{base}/invoices/{pk}/" for pk, _n in spread], "session"),
        "invoice_pdf": ([f"{base}/invoices/{pk}/pdf/" for pk, _n in spread[::5]], "session"),
        "payments": ([f"{base}/payments/"] + [f"{base}/payments/?page={n}" for n in (2, 3, payments_last)], "session"),
        "document_library": ([f"{base}/library/"], "session"),
        "orders_list": (
            [f"{base}/orders/", f"{base}/orders/?page=2", f"{base}/orders/?page={last_orders}", *order_sorts],
            "session",
        ),
        "order_pad_search": ([f"{base}/order-pad/?q={t.replace(' ', '+')}" for t in terms], "session"),
        "admin_invoices": ([a_invoices, a_invoices + "?p=2", a_invoices + "?o=-3"], "admin"),
        "admin_payments": ([a_payments, a_payments + "?p=2"], "admin"),
        "admin_accounts": ([a_accounts, a_accounts + "?p=2"], "admin"),
        "api_invoices": (["/api/v1/invoices/", "/api/v1/invoices/?account=" + str(busy.pk)], "api"),
    }
    credentials = {
        "session": {"Cookie": f"sessionid={session}"},
        "admin": {"Cookie": f"sessionid={admin_session}"},
        "anchor_admin": {"Cookie": f"sessionid={anchor_session}"},
        "api": {"Authorization": f"Bearer {api_token}"},
        None: {},
    }
    clients = {"session": signed_in, "admin": Client(), "anchor_admin": Client(), "api": Client(), None: Client()}
    clients["admin"].cookies["sessionid"] = admin_session
    clients["anchor_admin"].cookies["sessionid"] = anchor_session
    result = {
        "session": session,
        "invoices": count,
        "products": products,
        "order_lines": Order.objects.filter(account=busy).count() * 5,
        "pages": {},
        "skipped": {},
    }
    mix_contacts = list(
        Contact.objects.filter(account__tenant__slug=SLUG, user__email__startswith="customer-")
        .select_related("user", "account")
        .order_by("user__email")
    )
    mix_invoices = [
        Invoice.objects.filter(account=contact.account).order_by("pk")[n % OTHER_INVOICES]
        for n, contact in enumerate(mix_contacts)
    ]
    # the PDFs of the rotation's and the mix's invoices as the worker leaves them once they were issued
    _render_pdfs_ahead([pk for pk, _n in spread[::5]] + [invoice.pk for invoice in mix_invoices])
    for name, (urls, who) in endpoints.items():
        headers = credentials[who] if who == "api" else {}
        counted = []
        for url in urls[:ROTATION_COUNT_LIMIT]:
            status, warm, cold = _count(clients[who], url, headers)
            if status != 200:
                break
            counted.append((warm, cold))
        if len(counted) < min(len(urls), ROTATION_COUNT_LIMIT):
            result["skipped"][name] = f"{url} answered {status}"
            if name in ("bare", "content_page", "dashboard"):
                raise SystemExit(f"{name}: {url} answered {status}")
            continue
        result["pages"][name] = {
            "url": urls[0],
            "urls": urls,
            "headers": credentials[who],
            "signed_in": who is not None,
            "queries": max(w for w, _c in counted),
            "queries_cold": max(c for _w, c in counted),
            "queries_each": counted,
        }

    # the many-customer mix: each customer loads dashboard -> invoices -> an invoice -> its PDF, once
    mix = []
    for contact, invoice in zip(mix_contacts, mix_invoices, strict=True):
        client = Client()
        client.force_login(contact.user)
        cookie = f"sessionid={client.cookies['sessionid'].value}"
        for url in (
            f"{base}/dashboard/",
            f"{base}/invoices/",
            f"{base}/invoices/{invoice.pk}/",
            f"{base}/invoices/{invoice.pk}/pdf/",
        ):
            mix.append([cookie, url])
    result["mix"] = mix
    result["after_write"] = {
        "account": busy.pk,
        "urls": [f"{base}/dashboard/", f"{base}/invoices/", f"{base}/invoices/{middle[0]}/"],
    }

    # the webhook: one delivery of a reserved invoice, counted, then undone
    from django.test.utils import CaptureQueriesContext

    anonymous = Client()
    webhook_invoices = list(
        Invoice.objects.filter(account=hook, status=InvoiceStatus.OPEN).order_by("pk").values_list("pk", "amount_due")
    )
    reserved, rest = webhook_invoices[0], webhook_invoices[1:]
    body, signature = sign_event(0, hook.pk, reserved[0], reserved[1], secret=settings_secret(), stamp=int(time.time()))
    with CaptureQueriesContext(connection) as ctx:
        response = anonymous.post(
            "/stripe/webhook/", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
        )
    if response.status_code != 200:
        raise SystemExit(f"the webhook answered {response.status_code}")
    n = len(ctx.captured_queries)
    result["pages"]["webhook"] = {
        "url": "/stripe/webhook/",
        "urls": ["/stripe/webhook/"],
        "headers": {},
        "signed_in": False,
        "queries": n,
        "queries_cold": n,
    }
    webhook_reset()
    result["webhook"] = {"account": hook.pk, "invoices": [[pk, str(amount)] for pk, amount in rest]}
    Path(out).write_text(json.dumps(result))


def after_write(prep_file: str, base_url: str, rounds: int, out: str) -> None:
    """The first request after a write: each round writes to the busy account (its data version moves, as any
    change to its records does, in a transaction), then loads one of its pages once; sequential, one client."""
    import urllib.request

    from portal_models import caching

    prep = json.loads(Path(prep_file).read_text())
    spec = prep["after_write"]
    cookie = f"sessionid={prep['session']}"
    timings = []
    for i in range(rounds):
        with transaction.atomic():
            caching.bump_accounts(spec["account"])
        url = spec["urls"][i % len(spec["urls"])]
        started = time.perf_counter()
        with urllib.request.urlopen(urllib.request.Request(base_url + url, headers={"Cookie": cookie})) as r:
            r.read()
            if r.status != 200:
                raise SystemExit(f"{url} answered {r.status}")
        timings.append((time.perf_counter() - started) * 1000)
    Path(out).write_text(json.dumps({"timings_ms": timings}))


def settings_secret() -> str:
    from django.conf import settings

    return settings.STRIPE_WEBHOOK_SECRET


def webhook_check(out: str) -> None:
    """How many payments the webhook run recorded, and whether each was recorded exactly once; then reset."""
    from django.db.models import Count

    from portal_models.models import Account, Invoice, Payment, PaymentAllocation, StripeEvent
    from portal_models.models.billing import InvoiceStatus

    hook = Account.objects.get(tenant__slug=SLUG, number="W-000001")
    payments = Payment.objects.filter(account=hook, stripe_payment_intent_id__startswith="pi_bench_")
    recorded = payments.count()
    events = StripeEvent.objects.filter(event_id__startswith="evt_bench_")
    duplicate_intents = payments.values("stripe_payment_intent_id").annotate(n=Count("pk")).filter(n__gt=1).count()
    over_allocated = (
        PaymentAllocation.objects.filter(payment__in=payments)
        .values("invoice")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    paid = Invoice.objects.filter(account=hook, status=InvoiceStatus.PAID).count()
    result = {
        "recorded": recorded,
        "events": events.count(),
        "events_with_payment": events.filter(payment_intent_id__in=payments.values("stripe_payment_intent_id")).count(),
        "invoices_paid": paid,
        "duplicate_intents": duplicate_intents,
        "invoices_paid_twice": over_allocated,
        "exactly_once": duplicate_intents == 0 and over_allocated == 0 and recorded == paid == events.count(),
    }
    webhook_reset()
    Path(out).write_text(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--invoices", type=int, required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--out", required=True)
    w = sub.add_parser("webhook-check")
    w.add_argument("--out", required=True)
    a = sub.add_parser("after-write")
    a.add_argument("--prep", required=True)
    a.add_argument("--base", required=True)
    a.add_argument("--rounds", type=int, default=30)
    a.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.cmd == "build":
        print(json.dumps(build(args.invoices)))
    elif args.cmd == "prepare":
        prepare(args.out)
    elif args.cmd == "webhook-check":
        webhook_check(args.out)
    elif args.cmd == "after-write":
        after_write(args.prep, args.base, args.rounds, args.out)


if __name__ == "__main__":
    main()
