"""Outgoing webhooks against a real receiver on a local port: signed deliveries that the receiver verifies, retries
with backoff on the task worker until the receiver answers, the SSRF rule, and the staff screens per tenant."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal_models.models import StaffRole, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from portal_models.services import billing, tickets
from portal_models.services import outgoing_webhooks as webhooks
from portal_models.services.tenants import tenant_staff_groups_ensure

from .factories import AccountFactory, LoginContactFactory, TenantFactory, UserFactory, seed_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant():
    return TenantFactory(name="Hookline Tenant", slug="hookline")


@pytest.fixture
def account(tenant):
    return AccountFactory(tenant=tenant, name="Hookline Corp", number="H-1", external_id="ERP-H-1")


def endpoint_for(tenant, url, events=(WebhookEvent.PAYMENT_RECORDED,), **kwargs):
    endpoint, secret = webhooks.webhook_endpoint_create(tenant=tenant, url=url, events=list(events), **kwargs)
    return endpoint, secret


def test_a_recorded_payment_reaches_the_receiver_signed(tenant, account, receiver, django_capture_on_commit_callbacks):
    endpoint, secret = endpoint_for(tenant, receiver.url)
    invoice = seed_invoice(account)
    with django_capture_on_commit_callbacks(execute=True):
        payment = billing.payment_record(account=account, method="check", amount=Decimal("100.00"), invoices=[invoice])

    [got] = receiver.received
    signature = got.headers["Portal-Signature"]
    assert webhooks.webhook_signature_verify(secret=secret, header=signature, body=got.body)
    assert not webhooks.webhook_signature_verify(secret="whsec_wrong", header=signature, body=got.body)
    assert not webhooks.webhook_signature_verify(secret=secret, header=signature, body=got.body + b" ")
    timestamp = int(signature.split(",")[0].removeprefix("t="))
    assert not webhooks.webhook_signature_verify(  # a replay after the tolerance
        secret=secret, header=signature, body=got.body, now=timestamp + webhooks.SIGNATURE_TOLERANCE_SECONDS + 1
    )
    event = json.loads(got.body)
    assert event["type"] == "payment.recorded" and got.headers["Portal-Event"] == "payment.recorded"
    assert got.headers["Portal-Event-Id"] == event["id"]
    assert event["data"]["payment"]["amount"] == "100.00"  # money as a decimal string
    assert event["data"]["payment"]["number"] == payment.display_number
    assert event["data"]["payment"]["invoices"] == [{"number": "10020", "external_id": "", "amount": "100.00"}]
    assert event["data"]["account"]["external_id"] == "ERP-H-1"
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempt_count, delivery.last_status_code) == ("delivered", 1, 200)
    [attempt] = delivery.attempts.all()
    assert attempt.status_code == 200 and attempt.response_excerpt == "ok" and attempt.duration_ms >= 0


def test_only_subscribed_active_endpoints_of_the_tenant_get_an_event(
    tenant, account, receiver, django_capture_on_commit_callbacks
):
    subscribed, _secret = endpoint_for(tenant, receiver.url + "/tickets", events=[WebhookEvent.TICKET_OPENED])
    endpoint_for(tenant, receiver.url + "/payments")  # payments only
    endpoint_for(tenant, receiver.url + "/off", events=[WebhookEvent.TICKET_OPENED], is_active=False)
    endpoint_for(TenantFactory(), receiver.url + "/other-tenant", events=[WebhookEvent.TICKET_OPENED])
    user = LoginContactFactory(account=account).user
    with django_capture_on_commit_callbacks(execute=True):
        ticket = tickets.ticket_open(account=account, user=user, subject="Printer on fire", description="Help")
    assert [r.path for r in receiver.received] == ["/hooks/portal/tickets"]
    data = json.loads(receiver.received[0].body)["data"]
    assert data["ticket"]["number"] == ticket.number and data["ticket"]["subject"] == "Printer on fire"
    assert WebhookDelivery.objects.get().endpoint == subscribed


def test_an_event_of_work_that_rolled_back_is_never_sent(tenant, account, receiver, django_capture_on_commit_callbacks):
    endpoint_for(tenant, receiver.url, events=[WebhookEvent.TICKET_OPENED])
    user = LoginContactFactory(account=account).user
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            tickets.ticket_open(account=account, user=user, subject="Rolled back", description="x")
            raise RuntimeError
    assert receiver.received == [] and not WebhookDelivery.objects.exists()


def test_retry_delays_double_up_to_six_hours(settings):
    settings.PORTAL_WEBHOOK_RETRY_BASE_SECONDS = 60
    assert [webhooks.retry_delay(attempt=n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert webhooks.retry_delay(attempt=30) == timedelta(hours=6)


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_a_failed_attempt_is_scheduled_on_the_worker_with_backoff(database_queue, settings, tenant, account, receiver):
    settings.PORTAL_WEBHOOK_RETRY_BASE_SECONDS = 60
    receiver.answers = [503]
    endpoint_for(tenant, receiver.url, events=[WebhookEvent.TICKET_OPENED])
    user = LoginContactFactory(account=account).user
    tickets.ticket_open(account=account, user=user, subject="Later", description="x")
    delivery = WebhookDelivery.objects.get()
    deliveries = DBTaskResult.objects.filter(task_path__endswith="webhook_deliver_task")
    [first] = deliveries
    before = timezone.now()
    webhooks.webhook_deliver(delivery_id=delivery.pk)  # the worker's first attempt
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count, delivery.last_status_code) == ("pending", 1, 503)
    retry = deliveries.exclude(pk=first.pk).get()
    assert retry.args_kwargs["args"] == [delivery.pk]
    assert before + timedelta(seconds=59) <= retry.run_after <= timezone.now() + timedelta(seconds=61)
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) is None  # not due yet: nobody sends it early


@pytest.mark.django_db(transaction=True)  # the worker commits each task, as in production
def test_a_receiver_that_fails_twice_gets_the_event_once_after_retries_by_the_worker(
    database_queue, settings, receiver
):
    settings.PORTAL_WEBHOOK_RETRY_BASE_SECONDS = 0  # no waiting between attempts in the test
    tenant = TenantFactory(name="Retry Tenant", slug="retry")
    account = AccountFactory(tenant=tenant)
    receiver.answers = [500, 502]
    endpoint, secret = endpoint_for(tenant, receiver.url, events=[WebhookEvent.TICKET_OPENED])
    user = LoginContactFactory(account=account).user
    tickets.ticket_open(account=account, user=user, subject="Retry me", description="x")
    assert receiver.received == []  # enqueued in the transaction; nothing sent before the worker runs

    call_command("run_worker", worker_id="worker-1", interval=0.05, batch=True)

    assert len(receiver.received) == 3
    assert len({r.headers["Portal-Event-Id"] for r in receiver.received}) == 1  # the same event each time
    assert len({r.body for r in receiver.received}) == 1
    assert all(
        webhooks.webhook_signature_verify(secret=secret, header=r.headers["Portal-Signature"], body=r.body)
        for r in receiver.received
    )
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempt_count) == ("delivered", 3)
    assert list(delivery.attempts.values_list("number", "status_code")) == [(1, 500), (2, 502), (3, 200)]
    assert WebhookAttempt.objects.get(number=1).response_excerpt == "temporarily down"
    # the worker runs again (a retried task, a restart): the delivered event is not sent twice
    webhooks.webhook_deliver_task.enqueue(delivery.pk)
    call_command("run_worker", worker_id="worker-1", interval=0.05, batch=True)
    assert len(receiver.received) == 3


def test_after_the_last_attempt_the_delivery_is_failed_and_staff_can_resend(
    settings, tenant, account, receiver, django_capture_on_commit_callbacks
):
    settings.PORTAL_WEBHOOK_MAX_ATTEMPTS = 2
    receiver.answers = [500, 500]
    endpoint, _secret = endpoint_for(tenant, receiver.url, events=[WebhookEvent.TICKET_OPENED])
    [delivery] = webhooks.webhook_emit(tenant_id=tenant.pk, event=WebhookEvent.TICKET_OPENED, data={"x": 1})
    webhooks.webhook_deliver(delivery_id=delivery.pk)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())  # its retry is due
    webhooks.webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == ("failed", 2)
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.webhook_delivery_resend(delivery=delivery)  # the immediate backend sends it once committed
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count, delivery.last_status_code) == ("delivered", 3, 200)
    assert len(receiver.received) == 3


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "ftp://93.184.216.34/hook",
        "file:///etc/passwd",
        "https://user:pw@93.184.216.34/hook",
    ],
)
def test_production_refuses_endpoints_that_are_not_public_http(settings, tenant, url):
    settings.PORTAL_OUTGOING_HTTP_ALLOW_PRIVATE = False
    with pytest.raises(webhooks.ValidationError) as error:
        endpoint_for(tenant, url)
    assert "url" in error.value.message_dict
    assert not WebhookEndpoint.objects.exists()


def test_production_accepts_a_public_address_and_checks_again_before_sending(settings, tenant, receiver):
    settings.PORTAL_OUTGOING_HTTP_ALLOW_PRIVATE = False
    webhooks.webhook_url_check(url="https://93.184.216.34/hook")  # a public address literal: no DNS needed
    settings.PORTAL_OUTGOING_HTTP_ALLOW_PRIVATE = True
    endpoint, _secret = endpoint_for(tenant, receiver.url, events=[WebhookEvent.ORDER_PLACED])
    settings.PORTAL_OUTGOING_HTTP_ALLOW_PRIVATE = False  # saved before the rule: still refused when sending
    [delivery] = webhooks.webhook_emit(tenant_id=tenant.pk, event=WebhookEvent.ORDER_PLACED, data={})
    webhooks.webhook_deliver(delivery_id=delivery.pk)
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and attempt.error.startswith("refused")
    assert receiver.received == []


# --- the staff screens --------------------------------------------------------------------------------------------


def billing_staff(tenant, email):
    user = UserFactory(email=email, is_staff=True)
    user.groups.add(tenant_staff_groups_ensure(tenant=tenant)[StaffRole.BILLING])
    return user


def test_staff_register_an_endpoint_and_see_its_secret_once(client, tenant, receiver):
    client.force_login(billing_staff(tenant, "billing@hookline.example.com"))
    url = reverse("portal_webhook_endpoint_create")
    bad = client.post(url, {"tenant": tenant.pk, "url": "ftp://example.com/x", "events": ["ticket.opened"]})
    assert bad.status_code == 200 and 'data-testid="error-url"' in bad.content.decode()
    none = client.post(url, {"tenant": tenant.pk, "url": receiver.url})
    assert 'data-testid="error-events"' in none.content.decode()
    assert not WebhookEndpoint.objects.exists()

    response = client.post(
        url, {"tenant": tenant.pk, "url": receiver.url, "events": ["ticket.opened", "order.placed"], "is_active": "on"}
    )
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in response.content.decode() and "no-store" in response["Cache-Control"]
    assert endpoint.events == ["ticket.opened", "order.placed"] and endpoint.tenant == tenant
    listing = client.get(reverse("portal_webhook_endpoints")).content.decode()
    edit = client.get(reverse("portal_webhook_endpoint_edit", args=[endpoint.pk])).content.decode()
    assert receiver.url in listing and endpoint.secret not in listing and endpoint.secret not in edit
    rotated = client.post(reverse("portal_webhook_endpoint_edit", args=[endpoint.pk]), {"action": "rotate"})
    endpoint.refresh_from_db()
    assert endpoint.secret in rotated.content.decode()


def test_staff_see_failures_and_resend_one(client, tenant, receiver, django_capture_on_commit_callbacks):
    client.force_login(billing_staff(tenant, "billing@hookline.example.com"))
    receiver.answers = [500]
    endpoint, _secret = endpoint_for(tenant, receiver.url, events=[WebhookEvent.TICKET_OPENED])
    [delivery] = webhooks.webhook_emit(tenant_id=tenant.pk, event=WebhookEvent.TICKET_OPENED, data={})
    webhooks.webhook_deliver(delivery_id=delivery.pk)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", next_attempt_at=None)
    failed = client.get(reverse("portal_webhook_deliveries"), {"status": "failed"}).content.decode()
    assert 'data-status="failed"' in failed and receiver.url in failed
    detail = client.get(reverse("portal_webhook_delivery", args=[delivery.pk])).content.decode()
    assert "temporarily down" in detail and "500" in detail
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal_webhook_delivery", args=[delivery.pk]))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts.count() == 2


def test_another_tenants_staff_see_no_endpoint_or_delivery(client, tenant, receiver):
    endpoint, _secret = endpoint_for(tenant, receiver.url + "/secret-path", events=[WebhookEvent.TICKET_OPENED])
    [delivery] = webhooks.webhook_emit(tenant_id=tenant.pk, event=WebhookEvent.TICKET_OPENED, data={})
    other = TenantFactory(name="Other Tenant", slug="other")
    client.force_login(billing_staff(other, "billing@other.example.com"))
    for name in ("portal_webhook_endpoints", "portal_webhook_deliveries", "portal_webhook_endpoint_create"):
        page = client.get(reverse(name))
        assert page.status_code == 200 and "secret-path" not in page.content.decode()
        assert "Hookline" not in page.content.decode()
    assert client.get(reverse("portal_webhook_endpoint_edit", args=[endpoint.pk])).status_code == 404
    assert (
        client.post(reverse("portal_webhook_endpoint_edit", args=[endpoint.pk]), {"action": "rotate"}).status_code
        == 404
    )
    assert client.get(reverse("portal_webhook_delivery", args=[delivery.pk])).status_code == 404
    assert client.post(reverse("portal_webhook_delivery", args=[delivery.pk])).status_code == 404
    forged = client.post(
        reverse("portal_webhook_endpoint_create"),
        {"tenant": tenant.pk, "url": receiver.url, "events": ["order.placed"]},
    )
    assert forged.status_code == 200 and WebhookEndpoint.objects.count() == 1  # not a choice: refused at the field


def test_a_customer_opening_an_invoice_sends_invoice_viewed(
    signed_in_client, customer_a, portal_a, receiver, django_capture_on_commit_callbacks
):
    endpoint_for(portal_a.tenant, receiver.url, events=[WebhookEvent.INVOICE_VIEWED])
    invoice = seed_invoice(customer_a.account)
    theirs = seed_invoice(AccountFactory(tenant=portal_a.tenant), number="OTHER-1")
    with django_capture_on_commit_callbacks(execute=True):
        assert signed_in_client.get(f"/acme/invoices/{invoice.pk}/").status_code == 200
        assert signed_in_client.get(f"/acme/invoices/{theirs.pk}/").status_code == 404
    [got] = receiver.received
    data = json.loads(got.body)["data"]
    assert data["invoice"]["number"] == "10020" and data["viewed_by"] == customer_a.user.email
