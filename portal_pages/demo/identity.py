"""Demo: a registration page on every portal (linked from the sign-in page)."""

from ..models import PortalHomePage, PortalRegistrationPage


def load() -> list[str]:
    lines = []
    for home in PortalHomePage.objects.live().filter(tenant__isnull=False).select_related("tenant"):
        if not PortalRegistrationPage.objects.child_of(home).exists():
            home.add_child(
                instance=PortalRegistrationPage(
                    title="Register", slug="register", headline=f"{home.tenant.name} Customer Portal Registration"
                )
            )
        lines.append(f"Registration: {home.url}register/")
    return lines
