from io import BytesIO

from django.core.files.images import ImageFile
from django.db import transaction
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images.models import Image
from wagtail.models import Page, Site

from portal_models.models import Account, Contact, Tenant, User

from ..models import ContentPage, PortalHomePage, PortalLoginPage, PortalRootPage

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
        "intro": "<p>Pay invoices, download your documents and reach our support team — all in one place.</p>",
        "welcome": "Welcome to the QT9 Customer Portal. Your invoices, documents and services are one click away.",
        "accounts": [("C-1001", "Test Inc.", "Aurora", "IL"), ("C-1002", "Doe Manufacturing", "Chicago", "IL")],
        "customers": [("john.doe@example.com", "John", "Doe", ["C-1001", "C-1002"])],
    },
    {
        "slug": "northwind",
        "name": "Northwind Utilities",
        "support_email": "care@northwind.example.com",
        "primary": "#7c2d12",
        "accent": "#d97706",
        "headline": "Northwind account access",
        "intro": "<p>Manage your utility accounts, view statements and open service requests.</p>",
        "welcome": "Welcome to Northwind. Check your balance and pay online in a few steps.",
        "accounts": [("NW-500", "Harbor Bakery LLC", "Portland", "OR")],
        "customers": [("maria.lopez@example.com", "Maria", "Lopez", ["NW-500"])],
    },
]


def _logo(name: str, primary: str, accent: str) -> Image:
    title = f"{name} logo"
    existing = Image.objects.filter(title=title).first()
    if existing:
        return existing
    img = PILImage.new("RGB", (240, 240), primary)
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((30, 30, 210, 210), radius=40, fill=accent)
    draw.ellipse((85, 85, 155, 155), fill=primary)
    buffer = BytesIO()
    img.save(buffer, format="PNG")
    return Image.objects.create(title=title, file=ImageFile(buffer, name=f"{name.lower().replace(' ', '-')}-logo.png"))


def _portal_root() -> PortalRootPage:
    root = PortalRootPage.objects.first()
    if root:
        return root
    wagtail_root = Page.get_first_root_node()
    root = PortalRootPage(title="Client Portal", slug="portals", intro="<p>Use the address your provider gave you.</p>")
    wagtail_root.add_child(instance=root)
    site = Site.objects.filter(is_default_site=True).first()
    old_root = site.root_page if site else None
    if site:
        site.root_page = root
        site.save()
    else:
        Site.objects.create(hostname="localhost", port=80, root_page=root, is_default_site=True)
    if old_root and old_root.pk != root.pk and not old_root.get_children().exists():
        old_root.delete()
    return root


def _portal(spec: dict, tenant: Tenant, root: PortalRootPage) -> PortalHomePage:
    home = PortalHomePage.objects.filter(tenant=tenant).first()
    if home is None:
        home = PortalHomePage(
            title=f"{tenant.name} Customer Portal",
            slug=tenant.slug,
            tenant=tenant,
            primary_color=spec["primary"],
            accent_color=spec["accent"],
            logo=_logo(tenant.name, spec["primary"], spec["accent"]),
            favicon=_logo(tenant.name, spec["primary"], spec["accent"]),
            welcome=[("paragraph", f"<p>{spec['welcome']}</p>")],
            support_phone="+1 (555) 010-0200",
        )
        root.add_child(instance=home)
        home.save_revision().publish()
    if not PortalLoginPage.objects.child_of(home).exists():
        login = PortalLoginPage(title="Sign in", slug="login", headline=spec["headline"], intro=spec["intro"])
        home.add_child(instance=login)
        login.save_revision().publish()
    if not ContentPage.objects.child_of(home).filter(slug="help").exists():
        help_page = ContentPage(
            title="Help & FAQ",
            slug="help",
            summary="Answers to the questions customers ask most.",
            body=[
                ("heading", "Signing in"),
                ("paragraph", "<p>Your username is your email address. Forgot it? Contact support.</p>"),
                ("heading", "Paying an invoice"),
                (
                    "paragraph",
                    "<p>Open an invoice and choose <b>Pay now</b>. "
                    "Card payments over $5,000 carry a 3% convenience fee.</p>",
                ),
            ],
        )
        home.add_child(instance=help_page)
        help_page.save_revision().publish()
    return home


@transaction.atomic
def load() -> list[str]:
    lines = []
    root = _portal_root()
    staff, created = User.objects.get_or_create(
        email=STAFF_EMAIL, defaults={"first_name": "Sam", "last_name": "Staff", "is_staff": True, "is_superuser": True}
    )
    if created:
        staff.set_password(STAFF_PASSWORD)
        staff.save()
    lines.append(f"Staff admin: http://127.0.0.1:8000/admin/  {STAFF_EMAIL} / {STAFF_PASSWORD}")
    for spec in TENANTS:
        tenant, _ = Tenant.objects.get_or_create(
            slug=spec["slug"], defaults={"name": spec["name"], "support_email": spec["support_email"]}
        )
        home = _portal(spec, tenant, root)
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
