from django.core.management.base import BaseCommand

from portal_models.services.payments import autopay_charge_due


class Command(BaseCommand):
    help = "Charge the due invoices of accounts with autopay on, off-session, with their default card."

    def handle(self, *args, **options):
        report = autopay_charge_due()
        for account, payment in report.charged:
            self.stdout.write(f"charged {account}: {payment.amount} {payment.currency}")
        for account, message in report.failed:
            self.stdout.write(f"failed {account}: {message}")
        self.stdout.write(f"{len(report.charged)} charged, {len(report.failed)} failed")
