"""A real localstripe server for the tests (no mocking of Stripe), and helpers that act as the browser would."""

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

PUBLISHABLE_KEY = "pk_test_localstripe"
SECRET_KEY = "sk_test_localstripe"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_localstripe(log_path: Path) -> tuple[subprocess.Popen, str]:
    """Start a localstripe server on a free port and wait until it answers; returns the process and its URL."""
    port = free_port()
    exe = Path(sys.executable).with_name("localstripe")
    with open(log_path, "w") as log:  # the child keeps its own handle on the log
        proc = subprocess.Popen([str(exe), "--port", str(port), "--from-scratch"], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(f"{url}/js.stripe.com/v3/", timeout=1).raise_for_status()
            return proc, url
        except requests.RequestException:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("localstripe did not start") from None
            time.sleep(0.2)


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory):
    proc, url = start_localstripe(tmp_path_factory.mktemp("localstripe") / "localstripe.log")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


class LocalStripe:
    """Talks to localstripe as Stripe.js and Stripe's webhook delivery would."""

    def __init__(self, url: str, webhook_secret: str):
        self.url = url
        self.webhook_secret = webhook_secret

    def confirm_setup(self, client_secret: str, number: str, *, authenticate: bool | None = None) -> str:
        """What ``stripe.confirmCardSetup`` does; returns the payment method id or raises with Stripe's error."""
        seti = client_secret.split("_secret_")[0]
        body = {
            "key": PUBLISHABLE_KEY,
            "use_stripe_sdk": True,
            "client_secret": client_secret,
            "payment_method_data": {
                "type": "card",
                "card": {"number": number, "exp_month": "12", "exp_year": "2030", "cvc": "123"},
            },
        }
        r = requests.post(f"{self.url}/v1/setup_intents/{seti}/confirm", json=body, timeout=5)
        data = r.json()
        if r.status_code != 200:
            raise CardRefused(data["error"].get("message", ""))
        if data["status"] == "requires_action":
            action = "confirm" if authenticate in (None, True) else "cancel"
            r = requests.post(
                f"{self.url}/v1/setup_intents/{seti}/{action}",
                json={"key": PUBLISHABLE_KEY, "use_stripe_sdk": True, "client_secret": client_secret},
                timeout=5,
            )
            data = r.json()
            if data.get("status") != "succeeded":
                raise CardRefused("authentication failed")
        return data["payment_method"]

    def confirm_sepa_setup(self, client_secret: str, iban: str, *, name: str = "Jane Doe") -> str:
        """What ``stripe.confirmSepaDebitSetup`` does (the IBAN under the mandate); returns the payment method id."""
        seti = client_secret.split("_secret_")[0]
        body = {
            "key": PUBLISHABLE_KEY,
            "use_stripe_sdk": True,
            "client_secret": client_secret,
            "payment_method_data": {
                "type": "sepa_debit",
                "sepa_debit": {"iban": iban},
                "billing_details": {"name": name, "email": "jane@example.com"},
            },
        }
        r = requests.post(f"{self.url}/v1/setup_intents/{seti}/confirm", json=body, timeout=5)
        data = r.json()
        if r.status_code != 200:
            raise CardRefused(data["error"].get("message", ""))
        return data["payment_method"]

    def wait_event(self, type: str, object_id: str, timeout: float = 15) -> dict:
        """The event once localstripe has made it: a bank debit settles (or fails) a moment after it is confirmed."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.events(type, object_id)
            if found:
                return found[0]
            assert time.monotonic() < deadline, f"no {type} event for {object_id}"
            time.sleep(0.1)

    def intent(self, intent_id: str) -> dict:
        r = requests.get(f"{self.url}/v1/payment_intents/{intent_id}", auth=(SECRET_KEY, ""), timeout=5)
        r.raise_for_status()
        return r.json()

    def create_card(self, number: str) -> str:
        """A payment method made directly (server-side, test mode only)."""
        r = requests.post(
            f"{self.url}/v1/payment_methods",
            data={
                "type": "card",
                "card[number]": number,
                "card[exp_month]": "12",
                "card[exp_year]": "2030",
                "card[cvc]": "123",
            },
            auth=(SECRET_KEY, ""),
            timeout=5,
        )
        r.raise_for_status()
        return r.json()["id"]

    def card_customer(self, payment_method_id: str) -> str | None:
        r = requests.get(f"{self.url}/v1/payment_methods/{payment_method_id}", auth=(SECRET_KEY, ""), timeout=5)
        r.raise_for_status()
        return r.json()["customer"]

    def authenticate_payment(self, client_secret: str, *, success: bool) -> dict:
        """What ``stripe.confirmCardPayment`` does for 3-D Secure (complete or fail the authentication)."""
        pi = client_secret.split("_secret_")[0]
        r = requests.post(
            f"{self.url}/v1/payment_intents/{pi}/_authenticate?success={'true' if success else 'false'}",
            json={"key": PUBLISHABLE_KEY, "client_secret": client_secret},
            timeout=5,
        )
        r.raise_for_status()
        return r.json()

    def events_all(self, type: str) -> list[dict]:
        """Every event of ``type`` the server holds, page by page (one localstripe serves the whole session)."""
        events, params = [], {"type": type, "limit": 100}
        while True:
            r = requests.get(f"{self.url}/v1/events", params=params, auth=(SECRET_KEY, ""), timeout=5)
            r.raise_for_status()
            page = r.json()
            events += page["data"]
            if not page.get("has_more") or not page["data"]:
                return events
            params["starting_after"] = page["data"][-1]["id"]

    def events(self, type: str, object_id: str) -> list[dict]:
        return [e for e in self.events_all(type) if e["data"]["object"].get("id") == object_id]

    def event(self, type: str, object_id: str) -> dict:
        found = self.events(type, object_id)
        assert found, f"no {type} event for {object_id}"
        return found[0]

    def sign(self, payload: bytes, secret: str | None = None) -> str:
        t = int(time.time())
        mac = hmac.new((secret or self.webhook_secret).encode(), b"%d.%s" % (t, payload), hashlib.sha256)
        return f"t={t},v1={mac.hexdigest()}"

    def deliver(self, client, event: dict, *, secret: str | None = None):
        payload = json.dumps(event).encode()
        return client.post(
            "/stripe/webhook/",
            data=payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=self.sign(payload, secret),
        )


class CardRefused(Exception):
    pass


@pytest.fixture
def localstripe(localstripe_url, settings):
    settings.STRIPE_API_BASE = localstripe_url
    settings.STRIPE_JS_URL = f"{localstripe_url}/js.stripe.com/v3/"
    return LocalStripe(localstripe_url, settings.STRIPE_WEBHOOK_SECRET)
