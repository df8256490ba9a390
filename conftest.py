import pytest

from portal_models.tests.factories import PASSWORD, AccountFactory, LoginContactFactory
from portal_models.tests.webhook_receiver import start_receiver
from portal_pages.tests.factories import make_portal


@pytest.fixture
def portal_a(db):
    return make_portal(name="Acme Billing", slug="acme", primary="#0b4f8a", accent="#16a34a")


@pytest.fixture
def portal_b(db):
    return make_portal(name="Borealis Power", slug="borealis", primary="#7c2d12", accent="#d97706")


@pytest.fixture
def customer_a(portal_a):
    """A contact with login rights at an account of tenant A."""
    return LoginContactFactory(account=AccountFactory(tenant=portal_a.tenant, name="Test Inc."))


@pytest.fixture
def signed_in_client(client, customer_a):
    client.force_login(customer_a.user)
    return client


@pytest.fixture
def password():
    return PASSWORD


# --- Headless Chromium (Debian's /usr/bin/chromium driven by Playwright) -------------------------
ARTIFACTS = __import__("pathlib").Path(__file__).resolve().parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    import os

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def receiver():
    """A local HTTP server that records the outgoing webhooks it receives (portal_models/tests/webhook_receiver)."""
    receiver, server = start_receiver()
    yield receiver
    server.shutdown()
    server.server_close()
