"""The worker of a deployment slot after a crash: what it left running runs again, and its email goes out once."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from portal_models.models import Payment
from portal_models.services.payments import payment_receipt_task
from portal_models.tasks import tasks_requeue_interrupted
from portal_models.tests.factories import AccountFactory, LoginContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def payment(portal_a):
    contact = LoginContactFactory(account=AccountFactory(tenant=portal_a.tenant), is_billing=True)
    return Payment.objects.create(
        account=contact.account, method=Payment.Method.CHECK, amount=Decimal("80.00"), payer=contact.user
    )


def claimed(worker_id: str, payment: Payment) -> DBTaskResult:
    result = DBTaskResult.objects.get(pk=payment_receipt_task.enqueue(payment.pk).id)
    result.claim(worker_id)  # what the worker writes when it takes the task, before it runs it
    return result


def test_only_the_tasks_of_the_restarted_slot_go_back_to_the_queue(database_queue, payment):
    mine, other = claimed("worker-1", payment), claimed("worker-2", payment)
    assert tasks_requeue_interrupted(worker_id="worker-1") == [str(mine.pk)]
    mine.refresh_from_db()
    other.refresh_from_db()
    assert (mine.status, mine.started_at) == (TaskResultStatus.READY, None)
    assert other.status == TaskResultStatus.RUNNING  # another slot's worker may still be running it
    assert tasks_requeue_interrupted(worker_id="worker-1") == []


@pytest.mark.django_db(transaction=True)  # the worker closes the connection between tasks, as in production
def test_the_worker_started_in_the_slot_runs_the_interrupted_receipt_once(database_queue, payment):
    task = claimed("worker-1", payment)  # the worker was killed here
    call_command("run_worker", worker_id="worker-1", interval=0.1, batch=True)
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL and task.worker_ids == ["worker-1", "worker-1"]
    assert len(mail.outbox) == 1 and payment.display_number in mail.outbox[0].body
    # enqueued again (a retried enqueue, a second run): the receipt was marked sent, nothing more goes out
    payment_receipt_task.enqueue(payment.pk)
    call_command("run_worker", worker_id="worker-1", interval=0.1, batch=True)
    assert len(mail.outbox) == 1
