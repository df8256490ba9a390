"""Email wording per tenant (issue #26): marketing writes a customer email's subject and text per language in the
admin (Snippets › Email wording), with the email's variables; an unknown variable is an error next to its field and
saves nothing; the preview shows the wording with sample values in the branded layout; the edited wording arrives
in English and in Spanish, with the email's figures and links still the template's; another tenant's wording is
neither listed nor used."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django_otp.plugins.otp_email.models import EmailDevice

from portal_models.email_wording import STAFF_EMAILS, WORDED_EMAILS, email_choices, render_wording
from portal_models.models import Contact, EmailWording, StaffRole
from portal_models.services import billing
from portal_models.services.payments import payment_receipt_send
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


# --- every customer email is worded -------------------------------------------------------------------------------

EMAIL_TEMPLATES = Path(settings.BASE_DIR) / "theme" / "templates" / "theme" / "emails"


def sent_email_kinds() -> set[str]:
    """Every email the email service can send: one template per email under theme/emails (the layout's partials
    start with ``_``; the wording's editor preview is not an email)."""
    kinds = set()
    for path in EMAIL_TEMPLATES.rglob("*.txt"):
        name = path.relative_to(EMAIL_TEMPLATES).as_posix().removesuffix(".txt").removesuffix("_subject")
        if not path.name.startswith("_"):
            kinds.add(name)
    return kinds


def test_every_customer_email_the_service_sends_has_a_wording_entry():
    kinds = sent_email_kinds()
    assert {"payment_receipt", "sign_in_code", "tickets/customer_reply", "orders/quote_sent"} <= kinds
    customer_kinds = kinds - STAFF_EMAILS
    assert customer_kinds - set(WORDED_EMAILS) == set()  # a new customer email must be added to WORDED_EMAILS
    assert set(WORDED_EMAILS) <= kinds and STAFF_EMAILS <= kinds
    assert {key for key, _label in email_choices()} == set(WORDED_EMAILS)
    for kind in WORDED_EMAILS:  # each template says the tenant's words when there are some
        assert "wording_text" in (EMAIL_TEMPLATES / f"{kind}.txt").read_text(), kind
        html = EMAIL_TEMPLATES / f"{kind}.html"
        assert not html.exists() or "wording_html" in html.read_text(), kind


@pytest.mark.parametrize("kind", sorted(WORDED_EMAILS))
def test_each_email_checks_its_variables_and_previews_with_sample_data(kind, portal_a):
    offered = WORDED_EMAILS[kind].variables
    assert offered and "tenant" in offered
    every = " ".join(f"{{{{ {name} }}}}" for name in offered)
    wording = EmailWording(tenant=portal_a.tenant, email=kind, language="es", subject="S {{ tenant }}", body=every)
    wording.full_clean()  # every offered variable is accepted
    sample = render_wording(kind, every, sample=True)
    assert "{{" not in sample and all(v.sample in sample for v in offered.values())
    wording.body = every + " {{ not_offered }}"
    with pytest.raises(ValidationError) as error:
        wording.full_clean()
    assert list(error.value.message_dict) == ["body"] and "not_offered" in error.value.message_dict["body"][0]


def test_an_edited_receipt_arrives_in_english_and_spanish(bilingual):
    tenant, english, spanish = bilingual
    EmailWording.objects.create(
        tenant=tenant,
        email="payment_receipt",
        language="en",
        subject="Thanks! Receipt {{ number }}",
        body="Dear {{ account }}, we received {{ amount }}. Thank you from {{ tenant }}.",
    )
    EmailWording.objects.create(
        tenant=tenant,
        email="payment_receipt",
        language="es",
        subject="¡Gracias! Recibo {{ number }}",
        body="Estimado cliente {{ account }}: recibimos {{ amount }}.",
    )
    invoice = billing.invoice_create(
        account=english.account,
        number="INV-R1",
        lines=[{"description": "Support", "unit_price": "250.00"}],
        invoice_date=TODAY - timedelta(days=3),
        due_date=TODAY + timedelta(days=27),
    )
    billing.invoice_issue(invoice=invoice)
    payment = billing.payment_record(account=english.account, method="check", amount=invoice.total)
    mail.outbox.clear()
    payment_receipt_send(payment=payment)

    (en,) = [m for m in mail.outbox if english.user.email in m.to]
    (es,) = [m for m in mail.outbox if spanish.user.email in m.to]
    assert en.subject == f"Thanks! Receipt {payment.display_number}"
    assert es.subject == f"¡Gracias! Recibo {payment.display_number}"
    assert f"Dear {english.account.name}, we received $250.00. Thank you from {tenant.name}." in en.body
    assert f"Estimado cliente {english.account.name}: recibimos 250,00" in es.body
    assert "Thank you for your payment to" not in en.body  # the template's sentence is replaced ...
    assert "INV-R1" in en.body and "INV-R1" in es.alternatives[0][0]  # ... its figures stay
    assert "we received $250.00" in en.alternatives[0][0]


def test_an_edited_sign_in_code_arrives_in_english_and_spanish(bilingual):
    tenant, english, spanish = bilingual
    for language, subject, body in [
        ("en", "Your {{ tenant }} code", "Use {{ code }} to sign in to {{ tenant }}."),
        ("es", "Su código de {{ tenant }}", "Use {{ code }} para entrar en {{ tenant }}."),
    ]:
        EmailWording.objects.create(tenant=tenant, email="sign_in_code", language=language, subject=subject, body=body)
    for contact, language in [(english, "en"), (spanish, "es")]:
        device = EmailDevice.objects.create(user=contact.user, name="default", confirmed=True)
        mail.outbox.clear()
        with translation.override(language):  # the language of the sign-in screen
            device.generate_challenge()
        device.refresh_from_db()
        (message,) = mail.outbox
        html = message.alternatives[0][0]
        if language == "en":
            assert message.subject == f"Your {tenant.name} code"
            assert f"Use {device.token} to sign in to {tenant.name}." in message.body
        else:
            assert message.subject == f"Su código de {tenant.name}"
            assert f"Use {device.token} para entrar en {tenant.name}." in message.body
        assert "Your sign-in code is:" not in message.body and device.token in html
        assert "If you did not try to sign in" in message.body or "Si no" in message.body  # the safety line stays


def test_without_a_wording_the_sign_in_code_is_the_templates(customer_a):
    device = EmailDevice.objects.create(user=customer_a.user, name="default", confirmed=True)
    mail.outbox.clear()
    device.generate_challenge()
    device.refresh_from_db()
    (message,) = mail.outbox
    assert "Your sign-in code is:" in message.body and device.token in message.body
