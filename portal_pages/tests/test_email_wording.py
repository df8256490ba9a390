"""Email wording per tenant (issue #26): marketing writes a customer email's subject and text per language in the
admin (Snippets › Email wording), with the email's variables; an unknown variable is an error next to its field and
saves nothing; the preview shows the wording with sample values in the branded layout; the edited wording arrives
in English and in Spanish, with the email's figures and links still the template's; another tenant's wording is
neither listed nor used."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal_models.models import Contact, EmailWording, StaffRole
from portal_models.services import billing
from portal_models.services.tenants import tenant_staff_groups_ensure
from portal_models.tests.factories import AccountFactory, LoginContactFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def issue_invoice(account, number):
    invoice = billing.invoice_create(
        account=account,
        number=number,
        lines=[{"description": "Subscription", "unit_price": "100.00"}],
        invoice_date=TODAY - timedelta(days=3),
        due_date=TODAY + timedelta(days=27),
    )
    billing.invoice_issue(invoice=invoice)


@pytest.fixture
def bilingual(customer_a):
    tenant = customer_a.account.tenant
    tenant.languages = ["en", "es"]
    tenant.save()
    Contact.objects.filter(pk=customer_a.pk).update(is_billing=True)
    spanish = LoginContactFactory(account=customer_a.account, user__language="es", is_billing=True)
    customer_a.user.language = "en"
    customer_a.user.save()
    return tenant, customer_a, spanish


def test_the_edited_wording_arrives_in_english_and_spanish(bilingual, portal_b):
    tenant, english, spanish = bilingual
    EmailWording.objects.create(
        tenant=tenant,
        email="invoice_issued",
        language="en",
        subject="Invoice {{ number }} from {{ tenant }}",
        body="Dear {{ account }},\n\nyour invoice of {{ amount }} is ready.",
    )
    EmailWording.objects.create(
        tenant=tenant,
        email="invoice_issued",
        language="es",
        subject="Su factura {{ number }} de {{ tenant }}",
        body="Estimado cliente {{ account }}:\n\nsu factura de {{ amount }} está lista.",
    )
    EmailWording.objects.create(  # another tenant's: never used for tenant A
        tenant=portal_b.tenant, email="invoice_issued", language="en", subject="Borealis {{ number }}", body="B"
    )
    mail.outbox.clear()
    issue_invoice(english.account, "INV-W1")

    (en,) = [m for m in mail.outbox if english.user.email in m.to]
    (es,) = [m for m in mail.outbox if spanish.user.email in m.to]
    assert en.subject == f"Invoice INV-W1 from {tenant.name}"
    assert es.subject == f"Su factura INV-W1 de {tenant.name}"
    assert "your invoice of $100.00 is ready." in en.body and f"Dear {english.account.name}," in en.body
    assert "su factura de 100,00" in es.body and "está lista." in es.body
    en_html, es_html = en.alternatives[0][0], es.alternatives[0][0]
    assert "<p>Dear Test Inc.,</p>" in en_html and "está lista." in es_html
    assert "has issued invoice" not in en.body  # the template's own sentence is replaced ...
    assert "Amount due:" in en.body and "View the invoice" in en_html  # ... its figures, button and legal lines stay
    assert "Questions? Reply to this email" in en.body


def test_without_a_wording_the_template_speaks(bilingual):
    tenant, english, _spanish = bilingual
    mail.outbox.clear()
    issue_invoice(english.account, "INV-W2")
    (en,) = [m for m in mail.outbox if english.user.email in m.to]
    assert "has issued invoice INV-W2" in en.body


def test_a_wordings_text_is_escaped_in_the_html(customer_a):
    tenant = customer_a.account.tenant
    Contact.objects.filter(pk=customer_a.pk).update(is_billing=True)
    EmailWording.objects.create(
        tenant=tenant, email="invoice_issued", language="en", subject="S", body="<script>x</script> {{ number }}"
    )
    mail.outbox.clear()
    issue_invoice(AccountFactory(tenant=tenant), "INV-X")  # nobody to mail at this account
    issue_invoice(customer_a.account, "INV-W3")
    (message,) = mail.outbox
    assert "<script>" not in message.alternatives[0][0] and "&lt;script&gt;" in message.alternatives[0][0]


def marketer(tenant):
    user = UserFactory(email=f"marketing@{tenant.slug}.example", is_staff=True)
    user.groups.add(tenant_staff_groups_ensure(tenant=tenant)[StaffRole.MARKETING])
    return user


def test_marketing_edits_checks_variables_and_previews(portal_a, portal_b, client):
    own, other = portal_a.tenant, portal_b.tenant
    theirs = EmailWording.objects.create(tenant=other, email="invitation", language="en", subject="B", body="B")
    client.force_login(marketer(own))
    add_url = reverse("wagtailsnippets_portal_models_emailwording:add")
    form = client.get(add_url).content.decode()
    assert "{{ first_name }}" in form and "{{ amount }}" in form  # the variables are listed
    listing = client.get(reverse("wagtailsnippets_portal_models_emailwording:list")).content.decode()
    assert str(theirs) not in listing or other.name not in listing
    assert client.get(reverse("wagtailsnippets_portal_models_emailwording:edit", args=[theirs.pk])).status_code == 404

    data = {
        "tenant": own.pk,
        "email": "invitation",
        "language": "en",
        "subject": "Welcome to {{ tenant }}",
        "body": "Hi {{ first_name }}, {{ balance }} awaits.",
    }
    response = client.post(add_url, data)
    html = response.content.decode()
    assert response.status_code == 200 and "Unknown variable: balance." in html
    assert not EmailWording.objects.filter(tenant=own).exists()

    preview_url = reverse("wagtailsnippets_portal_models_emailwording:preview_on_add")
    data["body"] = "Hi {{ first_name }}, your {{ account }} team is waiting."
    assert client.post(preview_url, data).json()["is_valid"]
    preview = client.get(preview_url).content.decode()
    assert "Hi Ana, your Harbor Bakery LLC team is waiting." in preview and "Welcome to Acme Billing" in preview

    response = client.post(add_url, data)
    assert response.status_code == 302
    assert EmailWording.objects.get(tenant=own).subject == "Welcome to {{ tenant }}"
