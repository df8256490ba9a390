"""Phone numbers are validated and stored in E.164, typed as seed 003 shows them, read in the tenant's region."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from portal_models.models import Contact
from portal_models.phones import phone_e164
from portal_models.services import billing
from portal_models.tests.factories import AccountFactory, ContactFactory, TenantFactory, UserFactory

SEED_003_FORMATS = ["1(520)360-7987", "+1 520 360 7987", "520-360-7987", "(520) 360-7987", "+15203607987"]


@pytest.mark.parametrize("typed", SEED_003_FORMATS)
def test_seed_003_formats_are_one_number(typed):
    assert phone_e164(typed, region="US") == "+15203607987"


@pytest.mark.parametrize("typed", ["12", "call me", "520-360-798", "+1 000 000 0000"])
def test_what_is_not_a_number_is_refused_with_an_example(typed):
    with pytest.raises(ValidationError) as error:
        phone_e164(typed, region="US")
    assert "Enter a valid phone number, e.g. (201) 555-0123" in error.value.messages[0]


@pytest.mark.django_db
class TestContacts:
    def test_the_service_stores_e164_in_the_tenants_region(self):
        us = AccountFactory()
        gb = AccountFactory(tenant=TenantFactory(phone_region="GB"))
        contact = billing.contact_save(
            account=us, data={"first_name": "A", "last_name": "B", "business_phone": "1(520)360-7987"}
        )
        assert Contact.objects.get(pk=contact.pk).business_phone == "+15203607987"
        london = billing.contact_save(
            account=gb, data={"first_name": "C", "last_name": "D", "cell_phone": "020 7946 0958"}
        )
        assert str(Contact.objects.get(pk=london.pk).cell_phone) == "+442079460958"

    def test_a_wrong_number_is_refused_on_its_field_and_changes_nothing(self):
        contact = ContactFactory(business_phone="+15203607987")
        with pytest.raises(ValidationError) as error:
            billing.contact_save(account=contact.account, contact=contact, data={"business_phone": "12345"})
        assert list(error.value.error_dict) == ["business_phone"]
        assert Contact.objects.get(pk=contact.pk).business_phone == "+15203607987"

    def test_the_portals_contact_form(self, client, portal_a):
        owner = ContactFactory(
            account=AccountFactory(tenant=portal_a.tenant),
            can_login=True,
            can_manage_contacts=True,
            user=UserFactory(),
        )
        client.force_login(owner.user)
        ok = client.post(
            "/acme/contacts/new/",
            {"first_name": "Pat", "last_name": "Lee", "business_phone": "520-360-7987", "cell_phone": ""},
        )
        assert ok.status_code == 302
        assert Contact.objects.get(first_name="Pat").business_phone == "+15203607987"
        bad = client.post("/acme/contacts/new/", {"first_name": "Sam", "last_name": "Lee", "cell_phone": "0"})
        assert bad.status_code == 400
        assert "Enter a valid phone number" in bad.content.decode()
        assert not Contact.objects.filter(first_name="Sam").exists()

    def test_the_admins_contact_form(self, client, portal_a):
        account = AccountFactory(tenant=portal_a.tenant)
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
        response = client.post(
            "/admin/portal_models/contact/create/",
            {"account": account.pk, "first_name": "Ad", "last_name": "Min", "cell_phone": "+1 520 360 7987"},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert Contact.objects.get(first_name="Ad").cell_phone == "+15203607987"
        bad = client.post(
            "/admin/portal_models/contact/create/",
            {"account": account.pk, "first_name": "No", "last_name": "Good", "cell_phone": "555"},
        )
        assert bad.status_code == 200 and "Enter a valid phone number" in bad.content.decode()
        assert not Contact.objects.filter(first_name="No").exists()


@pytest.mark.django_db
def test_the_data_migration_normalises_existing_numbers():
    contact = ContactFactory()
    other = ContactFactory()
    Contact.objects.filter(pk=contact.pk).update(business_phone="1(520)360-7987", cell_phone="520-360-7987")
    Contact.objects.filter(pk=other.pk).update(business_phone="ask the front desk")
    migration = importlib.import_module("portal_models.migrations.0034_phone_numbers_e164")
    migration.normalise_phones(apps, None)
    contact.refresh_from_db()
    other.refresh_from_db()
    assert (contact.business_phone, contact.cell_phone) == ("+15203607987", "+15203607987")
    assert other.business_phone.raw_input == "ask the front desk"  # kept as typed; its form says why at next edit


@pytest.mark.django_db
def test_staff_set_the_portals_phone_country_in_its_settings(admin_client):
    tenant = TenantFactory(name="Sonora Water", slug="sonora")
    url = f"/admin/portal_models/tenant/edit/{tenant.pk}/"
    page = admin_client.get(url)
    assert page.status_code == 200
    assert b'name="phone_region"' in page.content and b'name="check_wait_days"' in page.content
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["languages"] = tenant.languages
    answer = admin_client.post(url, {**data, "phone_region": "ZZ"})
    assert answer.status_code == 200 and "phone_region" in answer.context["form"].errors
    tenant.refresh_from_db()
    assert tenant.phone_region == "US"
