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

DATASET_VERSION = 4  # bump when the shape changes: cached data sets are rebuilt
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


def _documents(tenant, busy, others, products, home):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from wagtail.documents import get_document_model

    from portal_models.services.documents import account_collection, product_collection, tenant_collection
    from portal_pages.demo.documents import _pdf
    from portal_pages.models import DocumentLibraryPage

    Document = get_document_model()
    path = "documents/bench-document.pdf"
    if not default_storage.exists(path):
        default_storage.save(path, ContentFile(_pdf("Bench document")))
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
    user = User.objects.create_user(
        email=USER_EMAIL, password="Bench-password-2026!", first_name="Bea", last_name="Bench"
    )
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
    return {"invoices": invoices, "documents": documents, "seconds": round(time.monotonic() - started, 1)}


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


def prepare(out: str) -> None:
    """Sign in, list the URLs, count queries per request (test Client, same DB and settings)."""
    from django.core.cache import cache
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from portal_models.models import Account, Invoice, User
    from portal_models.models.billing import InvoiceStatus

    webhook_reset()
    user = User.objects.get(email=USER_EMAIL)
    busy = Account.objects.get(tenant__slug=SLUG, number="B-000001")
    hook = Account.objects.get(tenant__slug=SLUG, number="W-000001")
    count = Invoice.objects.filter(account=busy).count()
    # an invoice in the middle of the history (paid, 3 lines, one payment)
    middle = Invoice.objects.get(account=busy, number=f"INV-{count // 2 + 1:07d}")
    signed_in = Client()
    signed_in.force_login(user)
    session = signed_in.cookies["sessionid"].value
    base = f"/{SLUG}"
    pages = {
        "bare": ("/_bare/", False),
        "content_page": (f"{base}/help/", False),
        "dashboard": (f"{base}/dashboard/", True),
        "invoice_list": (f"{base}/invoices/", True),
        "invoice_search": (f"{base}/invoices/?number={middle.number}", True),
        "invoice_detail": (f"{base}/invoices/{middle.pk}/", True),
        "invoice_pdf": (f"{base}/invoices/{middle.pk}/pdf/", True),
        "document_library": (f"{base}/library/", True),
    }
    result = {"session": session, "invoices": count, "pages": {}}
    anonymous = Client()
    for name, (url, needs_login) in pages.items():
        client = signed_in if needs_login else anonymous
        cache.clear()
        with CaptureQueriesContext(connection) as cold:
            client.get(url)
        with CaptureQueriesContext(connection) as ctx:  # warm, as in the load run after its warm-up
            response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        result["pages"][name] = {
            "url": url,
            "signed_in": needs_login,
            "queries": len(ctx.captured_queries),
            "queries_cold": len(cold.captured_queries),
        }
    # the webhook: one delivery of a reserved invoice, counted, then undone
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
    result["pages"]["webhook"] = {"url": "/stripe/webhook/", "signed_in": False, "queries": n, "queries_cold": n}
    webhook_reset()
    result["webhook"] = {"account": hook.pk, "invoices": [[pk, str(amount)] for pk, amount in rest]}
    Path(out).write_text(json.dumps(result))


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
    args = parser.parse_args()
    if args.cmd == "build":
        print(json.dumps(build(args.invoices)))
    elif args.cmd == "prepare":
        prepare(args.out)
    elif args.cmd == "webhook-check":
        webhook_check(args.out)


if __name__ == "__main__":
    main()
