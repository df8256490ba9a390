"""Background tasks (django-tasks): enqueueing from inside a transaction, and a worker's restart."""

import logging
from functools import partial

from django.db import transaction
from django_tasks.base import TaskResultStatus
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args) -> None:
    """Enqueue ``task`` so that it runs only if the current transaction commits.

    A backend that keeps its queue in the database (django-tasks' DatabaseBackend, as in production) enqueues at
    once: the task's row is written in the transaction, so it commits or rolls back with the work, in the same
    commit, and no task is lost between the commit and the enqueue. Any other backend (the immediate backend of
    the demo and the tests runs a task as soon as it is enqueued) enqueues once the transaction has committed.
    """
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(partial(task.enqueue, *args))


def tasks_requeue_interrupted(*, worker_id: str) -> list[str]:
    """Put back in the queue the tasks that the worker ``worker_id`` was running when it died.

    django-tasks' database worker marks a task running when it takes it and finished when it is done; a worker
    killed in between (out of memory, a machine lost) leaves it running for ever. Worker ids are fixed per
    deployment slot (`run_worker --worker-id`), so the process that starts in a slot knows that every task still
    running under that id was cut short: it runs again, which the tasks allow (each one is idempotent: a receipt
    is marked sent, autopay finds nothing due twice, publishing publishes what is due). Returns their ids.
    """
    with transaction.atomic():
        running = DBTaskResult.objects.select_for_update().filter(status=TaskResultStatus.RUNNING)
        interrupted = [result for result in running if result.worker_ids and result.worker_ids[-1] == worker_id]
        for result in interrupted:
            result.status = TaskResultStatus.READY
            result.started_at = None
            result.save(update_fields=["status", "started_at"])
            logger.warning(
                "task %s (%s) requeued: worker %s stopped while running it", result.id, result.task_path, worker_id
            )
    return [str(result.id) for result in interrupted]
