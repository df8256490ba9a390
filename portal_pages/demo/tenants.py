from io import BytesIO
from urllib.parse import urlsplit

from django.core.files.images import ImageFile
from django.db import transaction
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.models import Site

from portal_models.models import Account, Contact, User

from ..dashboard.widgets import default_dashboard
from ..models import ContentPage, PortalHomePage, PortalLoginPage
from ..navigation import default_navigation
from ..provisioning import portal_provision, portal_root_ensure

DEMO_PASSWORD = "Portal-demo-2026!"
STAFF_EMAIL = "admin@example.com"
STAFF_PASSWORD = "Admin-demo-2026!"

TENANTS = [
    {
        "slug": "qt9",
        "name": "QT9 Software",
        "support_email": "support@qt9.example.com",
        "primary": "#0b4f8a",
        "accent": "#16a34a",
        "headline": "QT9 Customer Portal Sign In",
        "notice": "Scheduled maintenance: the portal may be slow on Sunday from 2 to 4 a.m. (CT).",
        "intro": "<p>Pay invoices, download your documents and reach our support team — all in one place.</p>",
        "welcome": "Welcome to the QT9 Customer Portal. Your invoices, documents and services are one click away.",
        "accounts": [("C-1001", "Test Inc.", "Aurora", "IL"), ("C-1002", "Doe Manufacturing", "Chicago", "IL")],
        "languages": ["en", "es"],
        "es": {
            "headline": "Inicio de sesión del Portal de Clientes de QT9",
            "notice": "Mantenimiento programado: el portal puede ir lento el domingo de 2 a 4 a. m. (CT).",
            "intro": "<p>Pague sus facturas, descargue sus documentos y comuníquese con nuestro equipo de soporte, "
            "todo en un solo lugar.</p>",
            "welcome": "Bienvenido al Portal de Clientes de QT9. Sus facturas, documentos y servicios están a un clic.",
        },
        "customers": [("john.doe@example.com", "John", "Doe", ["C-1001", "C-1002"])],
    },
    {
        "slug": "northwind",
        "name": "Northwind Utilities",
        "support_email": "care@northwind.example.com",
        "primary": "#7c2d12",
        "accent": "#d97706",
        "headline": "Northwind account access",
        "notice": "Storm season: report an outage by phone, at any hour, on +1 (555) 010-0911.",
        "intro": "<p>Manage your utility accounts, view statements and open service requests.</p>",
        "welcome": "Welcome to Northwind. Check your balance and pay online in a few steps.",
        "accounts": [("NW-500", "Harbor Bakery LLC", "Portland", "OR")],
        "customers": [("maria.lopez@example.com", "Maria", "Lopez", ["NW-500"])],
    },
    {
        # seed 002: a distributor whose customers place orders with the Order Pad (demo/orders.py)
        "slug": "summit",
        "name": "Summit Supply Co.",
        "support_email": "orders@summit.example.com",
        "primary": "#1e3a8a",
        "accent": "#0891b2",
        "headline": "Summit Supply customer portal",
        "notice": "New: reorder from your past orders in two clicks with the Order Pad.",
        "intro": "<p>Pay bills, view your account history, follow deliveries and place orders with the Order Pad.</p>",
        "welcome": "Welcome to Summit Supply. Place an order, request a quote or follow your deliveries.",
        "accounts": [("SS-2001", "Riverside Builders", "Denver", "CO")],
        "customers": [("lee.chen@example.com", "Lee", "Chen", ["SS-2001"])],
    },
]


def _logo_file(name: str, primary: str, accent: str) -> ImageFile:
    img = PILImage.new("RGB", (240, 240), primary)
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((30, 30, 210, 210), radius=40, fill=accent)
    draw.ellipse((85, 85, 155, 155), fill=primary)
    buffer = BytesIO()
    img.save(buffer, format="PNG")
    buffer.seek(0)
    return ImageFile(buffer, name=f"{name.lower().replace(' ', '-')}-logo.png")


def _translate(page, locale, **fields):
    """The page's translation in ``locale`` (made with its parents, as the admin's Translate action does), published."""
    translation = page.get_translation_or_none(locale)
    if translation is None:
        translation = page.copy_for_translation(locale, copy_parents=True)
    translation = translation.specific
    for name, value in fields.items():
        setattr(translation, name, value)
    translation.save_revision().publish()
    return translation


def _spanish(spec: dict, home: PortalHomePage) -> None:
    """Spanish content of a portal: its home (welcome message) and sign-in page."""
    from wagtail.models import Locale

    spanish, _ = Locale.objects.get_or_create(language_code="es")
    _translate(
        home,
        spanish,
        title=f"Portal de clientes de {spec['name']}",
        welcome=[("paragraph", f"<p>{spec['es']['welcome']}</p>")],
    )
    login = PortalLoginPage.objects.child_of(home).first()
    _translate(
        login,
        spanish,
        title="Iniciar sesión",
        headline=spec["es"]["headline"],
        intro=spec["es"]["intro"],
        content=_sign_in_blocks(login, notice=spec["es"]["notice"], heading="¿Necesita ayuda?"),
    )


def _sign_in_blocks(login: PortalLoginPage, *, notice: str, heading: str) -> list:
    """The sign-in page's composed blocks: a notice above the form and a group of help links below it."""
    help_page = ContentPage.objects.child_of(login.get_parent()).filter(slug="help").first()
    links = [{"label": help_page.title, "page": help_page, "url": ""}] if help_page else []
    links.append({"label": "Status", "page": None, "url": "https://status.example.com/"})
    return [
        ("notice", {"tone": "info", "title": "", "text": f"<p>{notice}</p>"}),
        ("help_links", {"heading": heading, "links": links}),
    ]


def _sign_in_composed(spec: dict, home: PortalHomePage) -> None:
    """The demo sign-in page composed in the page editor's blocks (once: marketing's later edits stay)."""
    login = PortalLoginPage.objects.child_of(home).filter(locale=home.locale).first()
    if login is not None and not login.content:
        login.content = _sign_in_blocks(login, notice=spec["notice"], heading="Need a hand?")
        login.save_revision().publish()


def _portal(spec: dict) -> PortalHomePage:
    """The tenant's portal, provisioned like any new portal (the admin's "New portal" form)."""
    home = PortalHomePage.objects.filter(tenant__slug=spec["slug"]).select_related("tenant").first()
    if home is None:
        home = portal_provision(
            name=spec["name"],
            slug=spec["slug"],
            support_email=spec["support_email"],
            primary_color=spec["primary"],
            accent_color=spec["accent"],
            logo=_logo_file(spec["name"], spec["primary"], spec["accent"]),
            welcome=spec["welcome"],
            login_headline=spec["headline"],
            login_intro=spec["intro"],
            support_phone="+1 (555) 010-0200",
        ).home
    return home


def _composed(home: PortalHomePage) -> PortalHomePage:
    """The portal's navigation and dashboard filled in the page editor's fields with the default tabs and widgets
    (so marketing starts from what customers see), every module on; published."""
    if not home.navigation and not home.dashboard:
        home.navigation = default_navigation()
        home.dashboard = default_dashboard()
        home.save_revision().publish()
        home = PortalHomePage.objects.select_related("tenant").get(pk=home.pk)
    return home


DEFAULT_SITE_URL = "http://127.0.0.1:8000"  # the address `make demo` serves


def site_address_set(site_url: str) -> Site:
    """The default Wagtail Site at the address the demo is served at, so that every absolute link (emails: the
    invitation's set-password link, logos) points where the portal answers."""
    parts = urlsplit(site_url)
    site = Site.objects.get(is_default_site=True)
    site.hostname = parts.hostname
    site.port = parts.port or (443 if parts.scheme == "https" else 80)
    site.save()
    return site


@transaction.atomic
def load(site_url: str = DEFAULT_SITE_URL) -> list[str]:
    lines = []
    portal_root_ensure()
    site_address_set(site_url)
    staff, created = User.objects.get_or_create(
        email=STAFF_EMAIL, defaults={"first_name": "Sam", "last_name": "Staff", "is_staff": True, "is_superuser": True}
    )
    if created:
        staff.set_password(STAFF_PASSWORD)
        staff.save()
    lines.append(f"Staff admin: http://127.0.0.1:8000/admin/  {STAFF_EMAIL} / {STAFF_PASSWORD}")
    for spec in TENANTS:
        home = _composed(_portal(spec))
        _sign_in_composed(spec, home)
        tenant = home.tenant
        if tenant.languages != spec.get("languages", ["en"]):
            tenant.languages = spec.get("languages", ["en"])
            tenant.save(update_fields=["languages"])
        if "es" in spec:
            _spanish(spec, home)
        accounts = {}
        for number, name, city, state in spec["accounts"]:
            accounts[number], _ = Account.objects.get_or_create(
                tenant=tenant,
                number=number,
                defaults={
                    "name": name,
                    "city": city,
                    "state": state,
                    "address_1": "100 Main Street",
                    "postal_code": "60505",
                },
            )
        for email, first, last, numbers in spec["customers"]:
            user, created = User.objects.get_or_create(email=email, defaults={"first_name": first, "last_name": last})
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            for number in numbers:
                Contact.objects.get_or_create(
                    account=accounts[number],
                    user=user,
                    defaults={
                        "first_name": first,
                        "last_name": last,
                        "email": email,
                        "title": "Controller",
                        "business_phone": "+1 555 010 1234",
                        "is_main": True,
                        "is_billing": True,
                        "can_login": True,
                        "can_pay": True,
                        "can_manage_contacts": True,
                    },
                )
            lines.append(f"{tenant.name}: http://127.0.0.1:8000{home.url}  {email} / {DEMO_PASSWORD}")
    return lines
