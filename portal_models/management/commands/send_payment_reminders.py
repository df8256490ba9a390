from django.core.management.base import BaseCommand

from portal_models.services.billing import payment_reminders_send_due


class Command(BaseCommand):
    help = "Email the payment reminders that are due (tenants that remind overdue accounts every N days)."

    def handle(self, *args, **options):
        run = payment_reminders_send_due()
        for reminder in run.sent:
            self.stdout.write(f"reminded {reminder.account}: {reminder.amount_overdue} {reminder.currency} overdue")
        for account, why in run.skipped:
            self.stdout.write(f"skipped {account}: {why}")
        self.stdout.write(f"{len(run.sent)} sent, {len(run.skipped)} skipped")
