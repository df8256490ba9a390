"""Test factories of portal_models: people, accounts, billing, documents, services, tickets, cases.

Invoices go through the billing service so totals are real.
"""

import datetime
from datetime import date, timedelta
from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from factory.django import DjangoModelFactory

from portal_models.models import (
    Account,
    Contact,
    Invoice,
    InvoiceStatus,
    Product,
    RequirementKind,
    Service,
    ServiceRequirement,
    Tenant,
    Ticket,
    TicketComment,
    TicketStatus,
    User,
)
from portal_models.services import billing
from portal_models.services.cases import case_roles_ensure_defaults
from portal_models.services.documents import (
    account_collection,
    document_create,
    product_collection,
    tenant_collection,
)

PASSWORD = "Sup3r-secret!"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TenantFactory(DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Tenant {n}")
    slug = factory.Sequence(lambda n: f"tenant-{n}")
    support_email = factory.LazyAttribute(lambda o: f"support@{o.slug}.example.com")


class AccountFactory(DjangoModelFactory):
    class Meta:
        model = Account

    tenant = factory.SubFactory(TenantFactory)
    number = factory.Sequence(lambda n: f"A-{1000 + n}")
    name = factory.Faker("company")
    city = "Aurora"
    state = "IL"


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"contact{n}@example.com")
    is_main = True


class LoginContactFactory(ContactFactory):
    """A contact with a User and the right to sign in (and pay)."""

    user = factory.SubFactory(
        UserFactory,
        email=factory.SelfAttribute("..email"),
        first_name=factory.SelfAttribute("..first_name"),
        last_name=factory.SelfAttribute("..last_name"),
    )
    can_login = True
    can_pay = True


class CaseFactory(DjangoModelFactory):
    class Meta:
        model = "portal_models.Case"

    account = factory.SubFactory(AccountFactory)
    number = factory.Sequence(lambda n: f"CASE-{100 + n}")
    title = factory.Faker("sentence", nb_words=4)
    description = "Details of the matter."


class CaseRoleFactory(DjangoModelFactory):
    class Meta:
        model = "portal_models.CaseRole"

    name = factory.Sequence(lambda n: f"Role {n}")
    view_case = "allow"


def default_case_roles():
    """The seeded "Client" / "Staff" roles (transactional browser tests flush data-migration rows)."""
    return case_roles_ensure_defaults()


# Billing

SEED_LINES = [
    {"description": "QMS Web Subscription", "unit_price": "1600.00"},
    {"description": "QMS Software Training Package", "unit_price": "3000.00"},
    {"description": "QMS Initial Implementation & Configuration", "unit_price": "1500.00"},
]


def seed_invoice(account, number="10020"):
    """Seed 000's invoice 10020: 08/26/2022, due 09/26/2022, Net 30, $6,100.00."""
    return billing.invoice_create(
        account=account, number=number, lines=SEED_LINES, invoice_date=date(2022, 8, 26), due_date=date(2022, 9, 26)
    )


def bulk_invoices(account, count: int, *, start: int = 50000) -> None:
    """Many open invoices at once (stored totals set directly; for query-count tests)."""
    today = date.today()
    Invoice.objects.bulk_create(
        Invoice(
            tenant=account.tenant,
            account=account,
            number=str(start + i),
            status=InvoiceStatus.OPEN,
            invoice_date=today - timedelta(days=i),
            due_date=today - timedelta(days=i) + timedelta(days=30),
            subtotal=Decimal("100.00"),
            total=Decimal("100.00"),
            amount_due=Decimal("100.00"),
        )
        for i in range(count)
    )


# Documents and services

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Product {n}")


class ServiceFactory(DjangoModelFactory):
    class Meta:
        model = Service

    account = factory.SubFactory(AccountFactory)
    product = factory.SubFactory(ProductFactory, tenant=factory.SelfAttribute("..account.tenant"))
    start_date = datetime.date(2022, 8, 26)
    end_date = datetime.date(2023, 8, 26)
    service_type = "annual"
    seats = 1
    total_cost = Decimal("1600.00")


class RequirementFactory(DjangoModelFactory):
    class Meta:
        model = ServiceRequirement

    service = factory.SubFactory(ServiceFactory)
    kind = RequirementKind.EULA


def make_document(*, title: str, tenant=None, product=None, account=None, content: bytes = PDF_BYTES, name=None):
    """A Wagtail document in the tenant-wide, product or account collection."""
    if account is not None:
        collection = account_collection(account=account)
    elif product is not None:
        collection = product_collection(product=product)
    else:
        collection = tenant_collection(tenant=tenant)
    filename = name or (title.lower().replace(" ", "-") + ".pdf")
    return document_create(collection=collection, title=title, file=ContentFile(content, name=filename))


# Tickets


class StaffUserFactory(UserFactory):
    is_staff = True
    is_superuser = True


class TicketFactory(DjangoModelFactory):
    class Meta:
        model = Ticket

    account = factory.SubFactory(AccountFactory)
    tenant = factory.SelfAttribute("account.tenant")
    number = factory.Sequence(lambda n: 5000 + n)
    subject = factory.Sequence(lambda n: f"Printer problem {n}")
    description = "The printer on line 3 is offline."
    status = TicketStatus.OPEN
    created_by = factory.SubFactory(UserFactory)


class TicketCommentFactory(DjangoModelFactory):
    class Meta:
        model = TicketComment

    ticket = factory.SubFactory(TicketFactory)
    author = factory.SubFactory(StaffUserFactory)
    body = factory.Sequence(lambda n: f"Reply number {n}")
    is_public = True
