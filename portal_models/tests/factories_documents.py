import datetime
from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from factory.django import DjangoModelFactory

from portal_models.models import Product, RequirementKind, Service, ServiceRequirement
from portal_models.services.documents import (
    account_collection,
    document_create,
    product_collection,
    tenant_collection,
)

from .factories import AccountFactory, TenantFactory

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
