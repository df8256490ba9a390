"""The one email service: each kind of message is branded HTML plus text, in the recipient's language, and its
link, absolute on the tenant's own root URL, opens a page (followed with the test client)."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone, translation
from django_otp.plugins.otp_email.models import EmailDevice

from portal_models.models import Contact, RequirementKind
from portal_models.services import billing, tickets
from portal_models.services import payments as payment_services
from portal_models.services.documents import requirement_review
from portal_models.services.emails import tenant_root_url
from portal_models.services.payments import payment_receipt_send
from portal_models.tests.factories import ProductFactory, RequirementFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def spanish_customer(customer_a):
    """The customer of tenant A (English and Spanish), who reads Spanish, and is its billing contact."""
    tenant = customer_a.account.tenant
    tenant.languages = ["en", "es"]
    tenant.save()
    customer_a.user.language = "es"
    customer_a.user.save()
    Contact.objects.filter(pk=customer_a.pk).update(is_billing=True)
    return customer_a


def _invoice(account, number="INV-1", due=TODAY - timedelta(days=5)):
    return billing.invoice_create(
        account=account,
        number=number,
        lines=[{"description": "Subscription", "unit_price": "100.00"}],
        invoice_date=due - timedelta(days=30),
        due_date=due,
    )


def _only_message(to):
    (message,) = [m for m in mail.outbox if to in m.to]
    return message


def _check_branded(message, *, tenant, language):
    """HTML and text parts, the tenant's colours, name and sender, the language."""
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html" and message.body.strip()
    assert f'lang="{language}"' in html
    assert tenant.portal_home.primary_color in html and tenant.name in html
    assert message.from_email == tenant.from_email
    assert "127.0.0.1:8000" not in html or tenant_root_url(tenant).endswith("127.0.0.1:8000")
    return html


def _links(html, tenant):
    root = tenant_root_url(tenant)
    links = re.findall(r'href="(http[^"]+)"', html)
    assert links and all(link.startswith(root) for link in links), links
    return links


def _follow(client, url):
    parts = urlsplit(url.replace("&amp;", "&"))
    response = client.get(parts.path, {} if not parts.query else dict(p.split("=") for p in parts.query.split("&")))
    return client.get(response["Location"]) if response.status_code == 302 else response


def test_invoice_issued(client, spanish_customer):
    tenant = spanish_customer.account.tenant
    invoice = _invoice(spanish_customer.account, "INV-9")
    mail.outbox.clear()
    billing.invoice_issue(invoice=invoice)
    message = _only_message(spanish_customer.email)
    html = _check_branded(message, tenant=tenant, language="es")
    assert "Factura" in message.subject
    client.force_login(spanish_customer.user)
    (link,) = [u for u in _links(html, tenant) if f"/invoices/{invoice.pk}/" in u]
    response = _follow(client, link)
    assert response.status_code == 200 and "INV-9" in response.content.decode()


def test_payment_reminder(client, spanish_customer):
    tenant = spanish_customer.account.tenant
    _invoice(spanish_customer.account, "LATE-1")
    billing.payment_reminder_send(account=spanish_customer.account)
    message = _only_message(spanish_customer.email)
    html = _check_branded(message, tenant=tenant, language="es")
    client.force_login(spanish_customer.user)
    for link in _links(html, tenant):
        response = _follow(client, link)
        assert response.status_code == 200 and "LATE-1" in response.content.decode()


def test_receipt(spanish_customer):
    tenant = spanish_customer.account.tenant
    invoice = _invoice(spanish_customer.account, "PAID-1")
    payment = billing.payment_record(account=spanish_customer.account, method="check", amount=invoice.total)
    mail.outbox.clear()
    payment_receipt_send(payment=payment)
    message = _only_message(spanish_customer.email)
    html = _check_branded(message, tenant=tenant, language="es")
    assert "comprobante" in message.subject.lower() and payment.display_number in html
    assert "PAID-1" in message.body and "PAID-1" in html
    assert "ending" not in message.body  # a check has no card


def test_autopay_failure(client, spanish_customer, localstripe):
    """A declined off-session charge tells the billing contacts, branded, in their language, with a link to pay."""
    tenant = spanish_customer.account.tenant
    account = spanish_customer.account
    _invoice(account, "AUTO-1")
    secret = payment_services.setup_intent_start(account=account, contact=None, nonce="autopay-email")
    # 4000 0000 0000 0341: saved without trouble, declined when charged
    method = localstripe.confirm_setup(secret, "4000000000000341")
    payment_services.payment_method_add(account=account, payment_method_id=method)
    payment_services.autopay_set(account=account, enabled=True)
    mail.outbox.clear()
    report = payment_services.autopay_charge_due()
    assert report.failed and not report.charged
    message = _only_message(spanish_customer.email)
    html = _check_branded(message, tenant=tenant, language="es")
    assert "automático" in message.subject.lower() or "automatic" in message.subject.lower()
    assert account.name in html and account.name in message.body
    client.force_login(spanish_customer.user)
    (link,) = _links(html, tenant)
    response = _follow(client, link)
    assert response.status_code == 200 and "AUTO-1" in response.content.decode()


@pytest.mark.parametrize("accept", [True, False])
def test_service_file_reviewed(client, spanish_customer, django_capture_on_commit_callbacks, accept):
    tenant = spanish_customer.account.tenant
    product = ProductFactory(tenant=tenant, name="QMS Web Subscription")
    service = ServiceFactory(account=spanish_customer.account, product=product)
    requirement = RequirementFactory(service=service, kind=RequirementKind.EULA)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        requirement_review(requirement=requirement, accept=accept, reason="Falta la firma <b>", reviewer=None)
    message = _only_message(spanish_customer.email)
    html = _check_branded(message, tenant=tenant, language="es")
    assert "QMS Web Subscription" in message.subject and "QMS Web Subscription" in html
    if accept:
        assert "Falta la firma" not in message.body
        return
    assert "Falta la firma <b>" in message.body and "Falta la firma &lt;b&gt;" in html
    client.force_login(spanish_customer.user)
    (link,) = _links(html, tenant)
    response = _follow(client, link)
    assert response.status_code == 200 and "QMS Web Subscription" in response.content.decode()


def test_ticket_emails_both_ways(client, spanish_customer, django_capture_on_commit_callbacks):
    tenant = spanish_customer.account.tenant
    with django_capture_on_commit_callbacks(execute=True):
        ticket = tickets.ticket_open(
            account=spanish_customer.account, user=spanish_customer.user, subject="Meter", description="It is broken."
        )
    to_support = _only_message(tenant.support_email)
    html = _check_branded(to_support, tenant=tenant, language="en")  # the tenant's first language
    assert to_support.subject.startswith(f"[{ticket.reference}]")
    (staff_link,) = [u for u in _links(html, tenant) if "/admin/" in u]
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert _follow(client, staff_link).status_code == 200

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        tickets.ticket_reply_staff(ticket=ticket, author=staff, body="We are on it.", is_public=True)
    to_customer = _only_message(spanish_customer.email)
    html = _check_branded(to_customer, tenant=tenant, language="es")
    assert to_customer.reply_to == [tenant.support_email]
    client.force_login(spanish_customer.user)
    (link,) = _links(html, tenant)
    response = _follow(client, link)
    assert response.status_code == 200 and "We are on it." in response.content.decode()


def test_sign_in_code(spanish_customer):
    tenant = spanish_customer.account.tenant
    device = EmailDevice.objects.create(user=spanish_customer.user, name="default", confirmed=True)
    with translation.override("en"):  # the language of the sign-in screen the code was asked from
        device.generate_challenge()
    message = _only_message(spanish_customer.user.email)
    html = _check_branded(message, tenant=tenant, language="en")
    device.refresh_from_db()
    assert device.token in html and device.token in message.body
