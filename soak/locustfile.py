"""50 distinct customers sign in on the portal and browse: dashboard, invoices, an invoice, its PDF,
documents, tickets. Every request is also written to SOAK_REQUEST_LOG (time, name, status, error), so that
soak/run.py can count errors before, during and after the PostgreSQL restart."""

import itertools
import json
import os
import random
import re
import threading
import time

from locust import HttpUser, between, events, task

DATA = json.loads(open(os.environ["SOAK_DATA"]).read())  # noqa: SIM115
SLUG = DATA["slug"]
_next_user = itertools.count()
_log_lock = threading.Lock()
_log = open(os.environ["SOAK_REQUEST_LOG"], "a", buffering=1)  # noqa: SIM115
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response=None, exception=None, **kwargs):
    status = getattr(response, "status_code", 0) if response is not None else 0
    with _log_lock:
        _log.write(json.dumps({"t": time.time(), "name": name, "status": status, "error": bool(exception)}) + "\n")


class Customer(HttpUser):
    wait_time = between(2, 5)

    def _tls_terminated(self):
        """The app sets Secure cookies (production settings); plain HTTP stands in here for the TLS that a
        load balancer terminates, so the cookies are sent back anyway."""
        for cookie in self.client.cookies:
            cookie.secure = False

    def on_start(self):
        self.me = DATA["users"][next(_next_user) % len(DATA["users"])]
        self.invoices = self.me["invoices"]
        self.signed_in = False
        self.sign_in()

    def sign_in(self):
        """Sign in through the portal's login page (again later if it failed, e.g. while PostgreSQL was down)."""
        me = self.me
        with self.client.get(f"/{SLUG}/login/", name="login page", catch_response=True) as login:
            if login.status_code != 200:
                login.failure(f"{login.status_code}")
                return  # try again at the next task
        token = CSRF.search(login.text)
        self._tls_terminated()
        with self.client.post(
            f"/{SLUG}/login/",
            data={
                "csrfmiddlewaretoken": token.group(1) if token else "",
                f"portal_login_{DATA['tenant_id']}-current_step": "auth",
                "auth-username": me["email"],
                "auth-password": me["password"],
            },
            headers={"Referer": f"{self.host}/{SLUG}/login/"},
            name="sign in",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302 or not response.headers.get("Location", "").endswith("/dashboard/"):
                response.failure(f"sign-in refused ({response.status_code})")
            else:
                self.signed_in = True

    def _get(self, path, name):
        if not self.signed_in:
            self.sign_in()
            return
        self._tls_terminated()
        with self.client.get(path, name=name, catch_response=True, allow_redirects=False) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")

    @task(3)
    def dashboard(self):
        self._get(f"/{SLUG}/dashboard/", "dashboard")

    @task(3)
    def invoices(self):
        self._get(f"/{SLUG}/invoices/", "invoices")

    @task(3)
    def invoice(self):
        self._get(f"/{SLUG}/invoices/{random.choice(self.invoices)}/", "invoice detail")

    @task(1)
    def invoice_pdf(self):
        self._get(f"/{SLUG}/invoices/{random.choice(self.invoices)}/pdf/", "invoice pdf")

    @task(2)
    def documents(self):
        self._get(f"/{SLUG}/documents/", "documents")

    @task(2)
    def tickets(self):
        self._get(f"/{SLUG}/tickets/", "tickets")
