"""The django-tasks database worker of one deployment slot: requeue what this slot's last worker left running,
then run django-tasks' `db_worker`."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from portal_models.tasks import tasks_requeue_interrupted


class Command(BaseCommand):
    help = (
        "Run the task worker with a fixed id (one per slot: worker-1, worker-2, ...); the tasks a previous worker of "
        "this id was running when it was killed run again first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--worker-id", required=True, help="This slot's id, the same after every restart.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls of an empty queue.")
        parser.add_argument("--batch", action="store_true", help="Exit once the queue is empty.")

    def handle(self, *args, worker_id: str, interval: float, batch: bool, **options):
        requeued = tasks_requeue_interrupted(worker_id=worker_id)
        if requeued:
            self.stdout.write(f"requeued {len(requeued)} interrupted task(s): {', '.join(requeued)}")
        call_command(
            "db_worker",
            worker_id=worker_id,
            interval=interval,
            batch=batch,
            startup_delay=False,
            verbosity=options["verbosity"],
        )
