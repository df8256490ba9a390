"""Register the portal's webhook with localstripe (demo): POST /_config/webhooks/<id> with url and secret."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal_models.gateways import stripe as gateway


class Command(BaseCommand):
    help = "Point localstripe's webhook at this portal (waits for localstripe to start)."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/stripe/webhook/")
        parser.add_argument("--wait", type=float, default=15.0, help="seconds to wait for localstripe")

    def handle(self, *args, url, wait, **options):
        deadline = time.monotonic() + wait
        while True:
            try:
                gateway.webhook_register_localstripe(url=url)
                break
            except Exception as exc:  # connection refused while localstripe starts
                if time.monotonic() > deadline:
                    raise CommandError(f"localstripe is not answering at {settings.STRIPE_API_BASE}: {exc}") from exc
                time.sleep(0.5)
        self.stdout.write(f"localstripe at {settings.STRIPE_API_BASE} delivers webhooks to {url}")
