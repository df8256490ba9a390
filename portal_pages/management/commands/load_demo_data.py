from django.core.management.base import BaseCommand

from portal_pages import demo


class Command(BaseCommand):
    help = "Load the demo tenants, portals, customers and staff (safe to run again)."

    def handle(self, *args, **options):
        lines = demo.load()
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        for line in lines:
            self.stdout.write(f"  {line}")
