"""Accessibility test support: a tenant with something on every customer screen, the list of those screens
(generated from PortalHomePage's routes), a signed-in browser context, and the axe-core scan."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from portal_models.models import RequirementKind
from portal_models.services import billing, orders
from portal_models.services.cases import case_assign, case_create, case_document_upload
from portal_models.tests.factories import (
    SEED_LINES,
    AccountFactory,
    ContactFactory,
    LoginContactFactory,
    ProductFactory,
    RequirementFactory,
    ServiceFactory,
    TicketCommentFactory,
    TicketFactory,
    default_case_roles,
    make_document,
)
from portal_pages.models import ContentPage, DocumentLibraryPage, PortalRegistrationPage

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}

# Routes of PortalHomePage not scanned as signed-in screens, and why: downloads, JSON, POST-only actions,
# redirects, and screens scanned another way (the pay wizard walk, the signed-out screens).
NOT_SCANNED_SIGNED_IN = {
    "index_route": "redirects to the dashboard or the sign-in page",
    "logout": "POST only",
    "switch_account": "POST only",
    "set_theme": "POST only",
    "set_language": "POST only (the selector is in the user menu, scanned on every screen)",
    "invoices_export": "CSV download",
    "invoice_pdf": "PDF download",
    "tickets_export": "CSV download",
    "ticket_attachment": "file download",
    "ticket_reopen": "POST only",
    "upload_download": "file download",
    "case_document": "file download",
    "case_note_add": "POST only",
    "case_document_upload": "POST only",
    "requirement_upload": "POST only (the form is on service_detail)",
    "pay_status": "JSON polled by the result screen",
    "pay_balance": "starts the wizard (redirects to pay_billing)",
    "pay_invoice": "starts the wizard (redirects to pay_billing)",
    "pay_billing": "scanned by the wizard walk",
    "pay_card": "scanned by the wizard walk",
    "pay_confirm": "scanned by the wizard walk",
    "pay_result": "scanned by the wizard walk",
    "password_forgot": "signed out: in anonymous_screens",
    "invitation": "a signed one-time link to join a company (its screens: test_team)",
    "contacts_export": "CSV/XLSX download",
    "orders_export": "CSV download",
    "services_export": "CSV download",
    "order_again": "POST only (the button is on the order screen)",
    "quote_pdf": "PDF download",
    "quote_accept": "POST only (the buttons are on the quote screen)",
    "quote_decline": "POST only (the buttons are on the quote screen)",
    "credit_memo_pdf": "PDF download",
    "switch_branch": "POST only (the selector is in the header, scanned on every screen)",
    "set_password": "signed out: in anonymous_screens",
    "announcement_dismiss": "POST only (the button is on the dashboard's announcement)",
}

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = ("serious", "critical")


@dataclass
class TenantData:
    home: object
    contact: object
    other: object
    invoice: object
    invoice_2: object
    paid_invoice: object
    payment: object
    service: object
    case: object
    ticket: object
    library: object
    help: object
    registration: object
    order: object = None
    quote: object = None
    delivery: object = None
    extra: dict = field(default_factory=dict)


def build_tenant(home) -> TenantData:
    """Records so that every customer screen of ``home``'s portal shows real content (lists are not empty)."""
    roles = default_case_roles()
    tenant = home.tenant
    account = AccountFactory(tenant=tenant, name="Test Inc.", address_1="1 Main St", postal_code="60505")
    contact = LoginContactFactory(
        account=account,
        first_name="John",
        last_name="Doe",
        is_billing=True,
        can_manage_contacts=True,
        business_phone="1234567890",
    )
    other = ContactFactory(account=account, first_name="Jane", last_name="Roe", is_main=False)
    ContactFactory(  # long enough that tables scroll sideways at phone width
        account=account,
        first_name="Maximiliana",
        last_name="Vandenberghe-Oppenheimer",
        email="maximiliana.vandenberghe-oppenheimer@accounts-payable.example.com",
        is_main=False,
    )
    today = date.today()
    invoice = billing.invoice_create(
        account=account, number="10020", lines=SEED_LINES, invoice_date=today - timedelta(days=40), due_date=today
    )
    invoice_2 = billing.invoice_create(
        account=account,
        number="10021",
        lines=[{"description": "Support plan", "unit_price": "250.00"}],
        invoice_date=today - timedelta(days=5),
        due_date=today + timedelta(days=25),
    )
    paid = billing.invoice_create(
        account=account,
        number="10019",
        lines=[{"description": "Licence", "unit_price": "400.00"}],
        invoice_date=today - timedelta(days=70),
        due_date=today - timedelta(days=40),
    )
    payment = billing.payment_record(
        account=account,
        method="check",
        amount=Decimal("400.00"),
        invoices=[paid],
        reference="CHK-1001",
        payer_name="John Doe",
        payer=contact.user,
    )
    product = ProductFactory(tenant=tenant, name="QMS Web Subscription", sku="QMS-WEB", price=Decimal("49.00"))
    contact.can_order = True
    contact.save(update_fields=["can_order"])
    order = orders.order_submit(
        account=account, user=contact.user, lines=[{"product": product, "quantity": 3}], po_number="PO-88"
    )
    orders.order_confirm(order=order)
    delivery = orders.delivery_record(
        order=order, quantities={order.lines.get().pk: 1}, carrier="UPS", tracking_number="1Z999AA10123456784"
    )
    quote = orders.quote_request(account=account, user=contact.user, lines=[{"product": product, "quantity": 10}])
    service = ServiceFactory(account=account, product=product)
    RequirementFactory(service=service, kind=RequirementKind.EULA)
    RequirementFactory(service=service, kind=RequirementKind.PURCHASE_ORDER)
    make_document(title="Customer portal guide", tenant=tenant)
    make_document(title="QMS installation guide", product=product)
    make_document(title="Signed contract", account=account)
    case = case_create(account=account, number="CASE-2026-014", title="ERP rollout", description="Quality module.")
    case_assign(case=case, users=[contact.user], role=roles["Client"])
    case_document_upload(case=case, upload=SimpleUploadedFile("sow.pdf", PDF), user=contact.user, title="SOW")
    ticket = TicketFactory(account=account, created_by=contact.user, subject="Printer offline")
    TicketCommentFactory(ticket=ticket, body="We are looking into it.")
    library = DocumentLibraryPage(
        title="Documents",
        slug="library",
        intro="<p>Guides and contracts.</p>",
        sections=[("section", {"title": "QMS Web Subscription", "product": product})],
    )
    home.add_child(instance=library)
    registration = PortalRegistrationPage(title="Register", slug="register", headline=f"Register for {tenant.name}")
    home.add_child(instance=registration)
    return TenantData(
        home=home,
        contact=contact,
        other=other,
        invoice=invoice,
        invoice_2=invoice_2,
        paid_invoice=paid,
        payment=payment,
        service=service,
        case=case,
        ticket=ticket,
        library=library,
        help=ContentPage.objects.child_of(home).get(slug="help"),
        registration=registration,
        order=order,
        quote=quote,
        delivery=delivery,
    )


def route_args(data: TenantData) -> dict[str, list]:
    """Arguments of each customer screen route (routes without arguments are absent)."""
    return {
        "invoice": [data.invoice.pk],
        "payment": [data.payment.pk],
        "payment_receipt": [data.payment.pk],
        "contact_edit": [data.other.pk],
        "service_detail": [data.service.pk],
        "case": [data.case.pk],
        "ticket_detail": [data.ticket.pk],
        "order": [data.order.pk],
        "quote": [data.quote.pk],
        "delivery": [data.delivery.pk],
    }


def screen_routes(home) -> list[str]:
    """Names of PortalHomePage's routes that are screens (every route not listed in NOT_SCANNED_SIGNED_IN)."""
    names = [p.name for p in home.get_subpage_urls()]
    return [n for n in names if n not in NOT_SCANNED_SIGNED_IN]


def customer_screens(data: TenantData) -> list[tuple[str, str]]:
    """(name, path) of every signed-in screen: each route screen, filtered variants, the portal's child pages, 404."""
    home = data.home
    args = route_args(data)
    screens = []
    patterns = {p.name: p for p in home.get_subpage_urls()}
    for name in screen_routes(home):
        values = args.get(name, [])
        groups = list(patterns[name].pattern.regex.groupindex)
        kwargs = dict(zip(groups, values, strict=True)) if groups else {}
        path = home.reverse_subpage(name, args=[] if groups else values, kwargs=kwargs)
        screens.append((name, home.url + path))
    invoices = home.url + home.reverse_subpage("invoices")
    screens += [
        ("invoices filtered", invoices + "?status=open&sort=-amount_due"),
        ("invoices bad filter", invoices + "?number=zzz&date_from=not-a-date"),
        ("help page", data.help.url),
        ("library page", data.library.url),
        ("library section", data.library.url + "?section=general&q=guide"),
        ("404 signed in", home.url + "no-such-screen/"),
    ]
    return screens


def anonymous_screens(data: TenantData) -> list[tuple[str, str]]:
    home, user = data.home, data.contact.user
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return [
        ("login", home.login_url()),
        ("register", data.registration.url),
        ("password_forgot", home.url + home.reverse_subpage("password_forgot")),
        ("set_password", home.url + home.reverse_subpage("set_password", args=[uid, token])),
        ("set_password expired", home.url + home.reverse_subpage("set_password", args=[uid, "bad-token"])),
        ("404", home.url + "no-such-page/"),
    ]


def session_cookie(live_server, user) -> list[dict]:
    """A signed-in session for ``user`` (the sign-in journey itself is tested elsewhere)."""
    client = Client()
    client.force_login(user)
    return [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]


def axe_script() -> str:
    from axe_playwright_python.base import AXE_SCRIPT

    return AXE_SCRIPT


def axe_violations(page, *, exclude: list[str] = ()) -> list[dict]:
    """Run axe-core (bundled by axe-playwright-python) on the page; the violations, all impacts."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_script())
    return page.evaluate(
        """([tags, exclude]) => axe.run({include: [document], exclude: exclude.map(s => [s])},
            {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
          .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))})))""",
        [AXE_TAGS, list(exclude)],
    )


def describe(violations: list[dict], where: str) -> list[str]:
    lines = []
    for v in violations:
        targets = "; ".join(n["target"] for n in v["nodes"][:4])
        lines.append(f"{where}: {v['id']} ({v['impact']}, {len(v['nodes'])}x) {v['help']} — {targets}")
    return lines
