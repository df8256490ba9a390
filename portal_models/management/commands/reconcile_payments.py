from datetime import datetime, time, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal_models.services.payments import PaymentError, payments_reconcile


def _moment(text: str) -> datetime:
    """An ISO date (its midnight, local time) or date and time."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Not a date or date and time: {text!r} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM).") from None
    if len(text) <= 10:
        value = datetime.combine(value.date(), time.min)
    return timezone.make_aware(value) if timezone.is_naive(value) else value


class Command(BaseCommand):
    help = (
        "Compare the PaymentIntents the payment gateway reports for a period with the recorded card payments and "
        "list every difference: charged but not recorded, recorded but not charged, amount differs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", help="start of the period (YYYY-MM-DD[THH:MM]); default: 24 hours ago")
        parser.add_argument("--until", help="end of the period, excluded; default: now")

    def handle(self, *args, since=None, until=None, **options):
        end = _moment(until) if until else timezone.now()
        start = _moment(since) if since else end - timedelta(days=1)
        if start >= end:
            raise CommandError("--since must be before --until.")
        try:
            differences = payments_reconcile(since=start, until=end)
        except PaymentError as exc:
            raise CommandError(str(exc)) from exc
        for d in differences:
            payment = f" payment {d.payment.pk}" if d.payment else ""
            self.stdout.write(
                f"{d.kind}\t{d.intent_id}\tcharged={d.charged if d.charged is not None else '-'}\t"
                f"recorded={d.recorded if d.recorded is not None else '-'}\t{d.currency}{payment}"
            )
        self.stdout.write(f"{len(differences)} difference(s) from {start.isoformat()} to {end.isoformat()}")
