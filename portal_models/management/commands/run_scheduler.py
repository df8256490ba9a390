"""The scheduler: enqueue portal_models.schedule's tasks at their times (APScheduler's cron triggers)."""

import logging
import signal

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from django.conf import settings
from django.core.management.base import BaseCommand

from portal_models.schedule import SCHEDULE

logger = logging.getLogger(__name__)


def enqueue(task) -> None:
    result = task.enqueue()
    logger.info("scheduled %s enqueued (%s)", task.name, result.id)


class Command(BaseCommand):
    help = "Run the schedule (Wagtail's scheduled publishing every minute, autopay and reminders daily, task pruning)."

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", help="Print the schedule and exit.")

    def handle(self, *args, **options):
        scheduler = BlockingScheduler(timezone=settings.TIME_ZONE)
        for entry in SCHEDULE:
            scheduler.add_job(
                enqueue,
                CronTrigger.from_crontab(entry.cron, timezone=settings.TIME_ZONE),
                args=[entry.task],
                id=entry.task.name,
                coalesce=True,  # a scheduler that was down runs a missed slot once, not once per slot
                max_instances=1,
                misfire_grace_time=60,
            )
        if options["list"]:
            for entry in SCHEDULE:
                self.stdout.write(f"{entry.cron:<12} {entry.task.name}")
            return
        signal.signal(signal.SIGTERM, lambda *a: scheduler.shutdown(wait=False))
        self.stdout.write(f"scheduler: {len(SCHEDULE)} tasks scheduled")
        self.stdout.flush()
        try:
            scheduler.start()
        except KeyboardInterrupt:
            pass
