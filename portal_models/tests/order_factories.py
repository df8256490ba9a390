"""Factories of the ordering records (catalogue products, branches)."""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from portal_models.models import Branch, Product

from .factories import AccountFactory, TenantFactory


class CatalogueProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Catalogue item {n}")
    sku = factory.Sequence(lambda n: f"SKU-{1000 + n}")
    unit = "each"
    price = Decimal("10.00")
    category = "General"
    active = True


class BranchFactory(DjangoModelFactory):
    class Meta:
        model = Branch

    account = factory.SubFactory(AccountFactory)
    code = factory.Sequence(lambda n: f"B{n}")
    name = factory.Sequence(lambda n: f"Branch {n}")
    address_1 = factory.Sequence(lambda n: f"{n} Depot Road")
    city = "Aurora"
    state = "IL"
    postal_code = "60504"
