"""Scheduled work: which tasks run when (`manage.py run_scheduler`, exactly one scheduler per deployment).

The scheduler only enqueues: the django-tasks workers (`manage.py db_worker`) run the tasks, so a slow task never
delays the schedule and a worker that dies leaves its task to run again. With the demo's immediate backend the
scheduler runs each task itself as it enqueues it.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django_tasks import task

from .services.billing import payment_reminders_task
from .services.checks import check_reminders_task
from .services.idempotency import idempotent_requests_prune_task
from .services.payments import charge_autopay_task


@task()
def publish_scheduled_task() -> int:
    """Wagtail's scheduled publishing: pages (and their expiry) whose go-live time has come."""
    call_command("publish_scheduled", verbosity=0)
    return 1


@task()
def prune_task_results_task() -> int:
    """Finished task rows of the database backend older than a week (failed ones: a month)."""
    if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
        return 0
    call_command("prune_db_task_results", min_age_days=7, failed_min_age_days=30, verbosity=0)
    return 1


@dataclass(frozen=True)
class Entry:
    task: object
    cron: str  # minute hour day month day_of_week (the server's time zone: settings.TIME_ZONE)


SCHEDULE = (
    Entry(publish_scheduled_task, "* * * * *"),  # every minute
    Entry(charge_autopay_task, "0 6 * * *"),  # daily 06:00, before the reminders
    Entry(payment_reminders_task, "0 8 * * *"),  # daily 08:00
    Entry(check_reminders_task, "15 8 * * *"),  # daily 08:15: overdue checks reminded, lapsed ones released
    Entry(prune_task_results_task, "30 3 * * *"),  # daily 03:30
    Entry(idempotent_requests_prune_task, "45 3 * * *"),  # daily 03:45: the API's idempotency answers, a week on
)
