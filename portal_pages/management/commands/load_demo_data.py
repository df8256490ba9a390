from django.core.management.base import BaseCommand

from portal_pages import demo


class Command(BaseCommand):
    help = "Load the demo tenants, portals, customers and staff (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--site-url",
            default=demo.tenants.DEFAULT_SITE_URL,
            help="The address the portal is served at (the default Site: every absolute link in emails).",
        )

    def handle(self, *args, **options):
        lines = demo.load(site_url=options["site_url"])
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        for line in lines:
            self.stdout.write(f"  {line}")
