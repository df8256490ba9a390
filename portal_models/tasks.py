"""Enqueueing background tasks (django-tasks) from inside a transaction."""

from functools import partial

from django.db import transaction
from django_tasks_db import DatabaseBackend


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
