"""A product's image (issue 23): staff choose it from their own tenant's images only — in the admin's image chooser
and in the product form, where another tenant's image posted by hand is refused next to the field — and the
customer's Order Pad shows it as a small lazy thumbnail (a placeholder without one), in a constant number of
queries."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from portal_models.models import Product, StaffRole
from portal_models.services.documents import tenant_collection
from portal_models.tests.order_factories import CatalogueProductFactory
from portal_models.tests.tenant_world import MARK_A, MARK_B, build_tenant_records, staff_user

pytestmark = pytest.mark.django_db


def _image(collection, title):
    return get_image_model().objects.create(title=title, file=get_test_image_file(), collection=collection)


@pytest.fixture
def world():
    own, other = build_tenant_records(MARK_A), build_tenant_records(MARK_B)
    for records in (own, other):
        records.objects["image"] = _image(records.objects["wagtailcore.collection"], f"{records.mark} photo")
    return own, other


def _catalogue_staff(records, email):
    # marketing holds the tenant's image grants; the record permissions let them edit products
    return staff_user(records, StaffRole.MARKETING, email=email, all_record_permissions=True)


def _product_data(product, image):
    return {
        "tenant": product.tenant_id,
        "name": product.name,
        "description": "",
        "sku": product.sku,
        "unit": "each",
        "price": "4.00",
        "category": "",
        "active": "on",
        "image": image.pk,
    }


def _edit_url(product):
    return f"/admin/snippets/portal_models/product/edit/{product.pk}/"


def test_the_image_chooser_lists_own_tenants_images_only(world, client):
    own, other = world
    for mine, theirs, email in ((own, other, "cat.a@example.com"), (other, own, "cat.b@example.com")):
        client.force_login(_catalogue_staff(mine, email))
        html = client.get("/admin/images/chooser/").content.decode()
        assert f"{mine.mark} photo" in html and f"{theirs.mark} photo" not in html
        form = client.get(_edit_url(mine.objects["portal_models.product"]))
        assert form.status_code == 200 and 'name="image"' in form.content.decode()


def test_another_tenants_image_posted_by_hand_is_refused_next_to_the_field(world, client):
    own, other = world
    client.force_login(_catalogue_staff(own, "cat.a@example.com"))
    product = own.objects["portal_models.product"]
    response = client.post(_edit_url(product), _product_data(product, other.objects["image"]))
    assert response.status_code == 200
    form = response.context["form"]
    assert "image" in form.errors
    product.refresh_from_db()
    assert product.image_id is None

    response = client.post(_edit_url(product), _product_data(product, own.objects["image"]))
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.image_id == own.objects["image"].pk


def test_a_superuser_cannot_give_a_product_another_tenants_image(world, client, admin_user):
    own, other = world
    client.force_login(admin_user)
    product = own.objects["portal_models.product"]
    response = client.post(_edit_url(product), _product_data(product, other.objects["image"]))
    assert response.status_code == 200
    assert "this product" in " ".join(response.context["form"].errors["image"])
    assert Product.objects.get(pk=product.pk).image_id is None


@pytest.fixture
def buyer(customer_a):
    customer_a.can_order = True
    customer_a.save()
    return customer_a


def _pad(client, portal):
    return client.get(portal.url + portal.reverse_subpage("order_pad"))


def test_order_pad_shows_the_image_rendition_or_a_placeholder(client, portal_a, buyer):
    tenant = portal_a.tenant
    photo = _image(tenant_collection(tenant=tenant), "Widget photo")
    CatalogueProductFactory(tenant=tenant, name="Blue widget", image=photo)
    CatalogueProductFactory(tenant=tenant, name="Plain bolt")
    client.force_login(buyer.user)
    response = _pad(client, portal_a)
    assert response.status_code == 200
    html = response.content.decode()
    rendition = photo.renditions.get(filter_spec="fill-96x96")
    [img] = re.findall(r'<img class="pad-thumb"[^>]*>', html)
    assert rendition.url in img
    assert 'alt="Blue widget"' in img and 'loading="lazy"' in img
    assert 'width="48"' in img and 'height="48"' in img
    assert html.count('data-testid="product-image-placeholder"') == 1


def test_order_pad_queries_do_not_grow_with_images(client, portal_a, buyer):
    tenant = portal_a.tenant
    collection = tenant_collection(tenant=tenant)

    def add(n, start):
        for i in range(start, start + n):
            CatalogueProductFactory(tenant=tenant, name=f"Item {i:03d}", image=_image(collection, f"Photo {i}"))

    client.force_login(buyer.user)

    def count():
        _pad(client, portal_a)  # renditions are made on the first view
        get_image_model().get_rendition_model().cache_backend.clear()  # read them from the database, as when cold
        with CaptureQueriesContext(connection) as ctx:
            assert _pad(client, portal_a).status_code == 200
        return len(ctx.captured_queries)

    add(2, 0)
    few = count()
    add(10, 2)
    assert count() == few
