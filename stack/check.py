"""`make stack-test`: scripted checks against the production stack of `make stack`, each with its figure.

The stack (stack/run.py) starts on free ports with a database made afresh (`stack_check`), a Redis of its own
(the checks stop it) and email written to files (the checks count them). Then, in order:

1. sessions  one signed-in session, every request alternating between the two app servers (no sticky sessions)
2. s3        a file uploaded through one app server downloads, the same bytes, through the other (moto's S3)
3. coherence a payment whose webhook reaches one server shows on the other's dashboard at once (Redis)
4. schedule  a page scheduled for publishing goes live (scheduler + worker), seconds after its time
5. kill      one app server killed (SIGKILL) under load while webhooks record payments: failed page requests,
             webhooks to deliver again (as Stripe does), and every payment recorded exactly once
6. rolling   both app servers restarted one after the other (SIGTERM, start, healthy) under load: errors
7. redis     Redis stopped: pages still answer, /healthz reports the cache, registration is refused and sign-in
             still locks out (its attempts are counted in the database); Redis started again
8. worker    the worker killed while it runs a receipt: the receipt runs again when the worker restarts, one email

Prints one line per check with its figure; exits 1 when one fails. `--quick` is the short form CI runs.
"""

from __future__ import annotations

import argparse
import email
import json
import os
import random
import re
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from email.header import decode_header, make_header
from pathlib import Path

import requests

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent / "site")]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from run import NGINX_FAIL_TIMEOUT, Ports, Stack, free_port, wait_port  # noqa: E402

SLUG = "northwind"
CUSTOMER = ("maria.lopez@example.com", "Portal-demo-2026!")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LOGIN_STEP = re.compile(r'name="(portal_login_\d+-current_step)"')


def _answered_by(log: Path, offset: int, port: int) -> bool:
    """Whether nginx's access log has, after ``offset``, a request answered (200) by the app server on ``port``
    (``$upstream_addr`` lists the servers tried, the one that answered last)."""
    with log.open() as fh:
        fh.seek(offset)
        for line in fh:
            status, _, rest = line.partition(" ")
            upstreams = rest.rsplit(" ", 1)[0]
            if status == "200" and upstreams.split(", ")[-1] == f"127.0.0.1:{port}":
                return True
    return False


def wait_until(what: str, condition, deadline: float, every: float = 0.1):
    """Poll ``condition`` until it returns something true, at most ``deadline`` seconds."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(every)  # polling with a deadline
    raise AssertionError(f"{what}: not within {deadline:.0f} s")


class Client:
    """An HTTP client as a browser behind the TLS-terminating load balancer: the app sets Secure cookies and
    sees https (X-Forwarded-Proto), plain HTTP on loopback stands in for TLS. ``port`` picks an app server directly
    (default: through nginx)."""

    def __init__(self, ports: Ports):
        self.ports = ports
        self.host = f"127.0.0.1:{ports.nginx}"
        self.session = requests.Session()

    def request(self, method: str, path: str, *, port: int | None = None, **kw) -> requests.Response:
        headers = {"Host": self.host, "X-Forwarded-Proto": "https", **kw.pop("headers", {})}
        if method == "POST":
            headers.setdefault("Origin", f"https://{self.host}")
            headers.setdefault("Referer", f"https://{self.host}{path}")
        url = f"http://127.0.0.1:{port or self.ports.nginx}{path}"
        # a generous timeout: a request that waits for a restarting server is slow, not lost (nginx retries it)
        response = self.session.request(method, url, headers=headers, allow_redirects=False, timeout=90, **kw)
        for cookie in self.session.cookies:
            cookie.secure = False
        return response

    def get(self, path: str, **kw) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw) -> requests.Response:
        return self.request("POST", path, **kw)

    def csrf(self, path: str, **kw) -> tuple[requests.Response, str]:
        page = self.get(path, **kw)
        match = CSRF.search(page.text)
        return page, match.group(1) if match else ""

    def sign_in(self, email_address: str, password: str, **kw) -> requests.Response:
        page, token = self.csrf(f"/{SLUG}/login/", **kw)
        step = LOGIN_STEP.search(page.text)
        assert step, f"no sign-in form at /{SLUG}/login/ ({page.status_code})"
        data = {
            "csrfmiddlewaretoken": token,
            step.group(1): "auth",
            "auth-username": email_address,
            "auth-password": password,
        }
        return self.post(f"/{SLUG}/login/", data=data, **kw)


def signed_in(response: requests.Response) -> bool:
    return response.status_code == 200 and "/logout/" in response.text


class Load:
    """Signed-in customers requesting pages through nginx in threads, every answer counted."""

    def __init__(self, ports: Ports, users: int, paths: list[str]):
        self.ports, self.users, self.paths = ports, users, paths
        self.results: Counter = Counter()
        self.failures: list[str] = []
        self.slowest = 0.0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started: Counter = Counter()

    def _run(self) -> None:
        client = Client(self.ports)
        signed = client.sign_in(*CUSTOMER)
        self._started["users"] += 1
        if signed.status_code != 302:
            self.results["sign-in refused"] += 1
            self.failures.append(f"sign-in refused ({signed.status_code})")
            return
        while not self._stop.is_set():
            path = random.choice(self.paths)  # noqa: S311
            try:
                started = time.monotonic()
                response = client.get(path)
                self.slowest = max(self.slowest, time.monotonic() - started)
                ok = response.status_code == 200
                self.results["ok" if ok else f"HTTP {response.status_code}"] += 1
                if not ok:
                    self.failures.append(f"{path}: {response.status_code}")
            except requests.RequestException as exc:
                self.results["connection error"] += 1
                self.failures.append(f"{path}: {type(exc).__name__}")

    def __enter__(self) -> Load:
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(self.users)]
        for thread in self._threads:
            thread.start()
        # every user signed in (or refused) before the check disturbs the stack, and pages answered
        wait_until("every user signed in", lambda: self._started["users"] == self.users, 60)
        wait_until("load started", lambda: self.results["ok"] >= self.users - self.results["sign-in refused"], 60)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    @property
    def total(self) -> int:
        return sum(self.results.values())

    @property
    def errors(self) -> int:
        return self.total - self.results["ok"]


class Checks:
    def __init__(self, stack: Stack, quick: bool):
        self.stack, self.ports, self.quick = stack, stack.ports, quick
        self.figures: list[tuple[str, bool, str]] = []
        self.event_number = 0
        from portal_models.models import Contact

        contact = Contact.objects.select_related("account__tenant", "user").get(
            user__email=CUSTOMER[0], account__tenant__slug=SLUG
        )
        self.account, self.user = contact.account, contact.user

    # --- the world, through the ORM on the stack's database ---------------------------------------------------

    def invoice(self, amount: str = "125.00"):
        from django.utils import timezone

        from portal_models.services.billing import invoice_create

        self.event_number += 1
        return invoice_create(
            account=self.account,
            number=f"STACK-{os.getpid()}-{self.event_number}",
            lines=[{"description": "Stack check", "quantity": 1, "unit_price": Decimal(amount)}],
            due_date=timezone.localdate() + timedelta(days=30),
        )

    def payment_event(self, invoice) -> dict:
        from portal_models.money import to_minor_units

        key = f"stack_{os.getpid()}_{invoice.pk}"
        cents = to_minor_units(invoice.amount_due, invoice.currency)
        return {
            "id": f"evt_{key}",
            "object": "event",
            "type": "payment_intent.succeeded",
            "created": int(time.time()),
            "data": {
                "object": {
                    "id": f"pi_{key}",
                    "object": "payment_intent",
                    "amount": cents,
                    "amount_received": cents,
                    "currency": invoice.currency.lower(),
                    "status": "succeeded",
                    "latest_charge": f"ch_{key}",
                    "metadata": {
                        "portal_account_id": str(self.account.pk),
                        "payer_user_id": str(self.user.pk),
                        "payer_name": "Stack check",
                        "invoices": f"{invoice.pk}:{invoice.amount_due}",
                        "fee": "0.00",
                    },
                }
            },
        }

    def deliver(self, event: dict, port: int | None = None) -> int:
        import hashlib
        import hmac

        payload = json.dumps(event).encode()
        stamp = int(time.time())
        secret = self.stack.env["STRIPE_WEBHOOK_SECRET"].encode()
        mac = hmac.new(secret, b"%d.%s" % (stamp, payload), hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "Stripe-Signature": f"t={stamp},v1={mac}"}
        try:
            url = f"http://127.0.0.1:{port or self.ports.nginx}/stripe/webhook/"
            return requests.post(url, data=payload, headers=headers, timeout=20).status_code
        except requests.RequestException:
            return 0

    def payments_of(self, event: dict) -> list:
        from django.db import connections

        from portal_models.models import Payment

        connections.close_all()
        return list(Payment.objects.filter(stripe_payment_intent_id=event["data"]["object"]["id"]))

    def balance_text(self) -> str:
        from portal_models.money import format_money
        from portal_models.selectors.billing import account_balance

        return format_money(account_balance(account=self.account), self.account.tenant.currency, language="en")

    def record(self, name: str, ok: bool, figure: str) -> None:
        self.figures.append((name, ok, figure))
        print(f"{'PASS' if ok else 'FAIL'}  {name:<10} {figure}", flush=True)

    def run(self, name: str, check) -> None:
        started = time.monotonic()
        try:
            ok, figure = check()
        except Exception as exc:  # a check that breaks is a failed check; the others still run
            ok, figure = False, f"{type(exc).__name__}: {exc}"
        self.record(name, ok, f"{figure}  ({time.monotonic() - started:.1f} s)")

    # --- the checks ----------------------------------------------------------------------------------------------

    def sessions(self):
        client = Client(self.ports)
        assert client.sign_in(*CUSTOMER, port=self.ports.apps[0]).status_code == 302, "sign-in refused"
        n = 40 if self.quick else 200
        pages = [f"/{SLUG}/dashboard/", f"/{SLUG}/invoices/", f"/{SLUG}/payments/", f"/{SLUG}/documents/mine/"]
        good, bad = 0, Counter()
        for i in range(n):
            path, port = pages[i % len(pages)], self.ports.apps[i % 2]
            response = client.get(path, port=port)
            if signed_in(response):
                good += 1
            else:
                bad[f"{path} on :{port} {response.status_code}"] += 1
        a, b = self.ports.apps
        return good == n, f"{good}/{n} signed-in requests alternating between :{a} and :{b}" + (
            f"; not signed in: {dict(bad)}" if bad else ""
        )

    def s3(self):
        from weasyprint import HTML

        client = Client(self.ports)
        a, b = self.ports.apps
        assert client.sign_in(*CUSTOMER, port=a).status_code == 302
        pdf = HTML(string="<h1>Meter reading</h1><p>Stack check</p>").write_pdf()
        _, token = client.csrf(f"/{SLUG}/documents/mine/", port=a)
        title = f"Stack upload {os.getpid()}"
        upload = client.post(
            f"/{SLUG}/documents/mine/",
            port=a,
            data={"csrfmiddlewaretoken": token, "title": title, "category": "other"},
            files={"file": ("reading.pdf", pdf, "application/pdf")},
        )
        assert upload.status_code == 302, f"upload answered {upload.status_code}"
        listing = client.get(f"/{SLUG}/documents/mine/", port=b).text
        link = re.search(rf"/{SLUG}/documents/mine/(\d+)/download/", listing)
        assert link, "the upload is not listed on the other server"
        download = client.get(link.group(0), port=b)
        if download.status_code in (301, 302):  # a signed URL of the storage
            download = requests.get(download.headers["Location"], timeout=20)
        same = download.status_code == 200 and download.content == pdf
        return (
            same,
            f"{len(pdf)} bytes uploaded through :{a}, downloaded through :{b}: {'identical' if same else 'differ'}",
        )

    def coherence(self):
        client = Client(self.ports)
        a, b = self.ports.apps
        assert client.sign_in(*CUSTOMER, port=b).status_code == 302
        invoice = self.invoice("310.00")
        before = self.balance_text()
        assert before in client.get(f"/{SLUG}/dashboard/", port=b).text, "balance not on the dashboard"
        client.get(f"/{SLUG}/dashboard/", port=b)  # now cached on b
        event = self.payment_event(invoice)
        assert self.deliver(event, port=a) == 200, "webhook refused"
        sent = time.monotonic()
        after = self.balance_text()
        page = client.get(f"/{SLUG}/dashboard/", port=b).text
        elapsed = (time.monotonic() - sent) * 1000
        ok = after != before and after in page and before not in page
        return ok, f"webhook on :{a}, balance {before} -> {after} on :{b}'s dashboard {elapsed:.0f} ms later"

    def schedule(self):
        from django.utils import timezone
        from wagtail.models import Page

        from portal_pages.models import ContentPage, PortalHomePage

        home = PortalHomePage.objects.get(tenant__slug=SLUG)
        page = ContentPage(title="Planned maintenance", slug=f"maintenance-{os.getpid()}", live=False)
        home.add_child(instance=page)
        go_live = timezone.now() + timedelta(seconds=5)
        page.go_live_at = go_live
        page.save_revision().publish()
        site_root = Page.objects.get(pk=home.get_site().root_page_id)
        path = page.url_path[len(site_root.url_path) - 1 :]
        client = Client(self.ports)
        assert client.sign_in(*CUSTOMER).status_code == 302
        early = client.get(path).status_code
        wait_until("the scheduled page", lambda: client.get(path).status_code == 200, 130, every=1)
        late = (timezone.now() - go_live).total_seconds()
        return early == 404 and late < 120, f"{path}: {early} before its time, live {late:.0f} s after it"

    def kill(self):
        a, b = self.ports.apps
        n = 4 if self.quick else 10
        events = [self.payment_event(self.invoice()) for _ in range(n)]
        first: list[int] = []
        with Load(self.ports, 4, [f"/{SLUG}/dashboard/", f"/{SLUG}/invoices/"]) as load:
            self.stack.procs[f"app-{a}"].kill()
            for event in events:
                first.append(self.deliver(event))
            wait_until("requests after the kill", lambda: load.total > 200 if not self.quick else load.total > 80, 60)
        retried = sum(code != 200 for code in first)
        for event, code in zip(events, first, strict=True):
            if code != 200:  # Stripe delivers again what was not acknowledged
                wait_until("redelivery", lambda e=event: self.deliver(e) == 200, 30)
        counts = [len(self.payments_of(event)) for event in events]
        self.stack.app(a)
        wait_port(a, f"app server {a}")
        self.back_in_rotation(a)  # as a deploy would: the next check starts with both servers serving
        ok = load.errors == 0 and counts == [1] * n
        return ok, (
            f":{a} killed: {load.errors} of {load.total} page requests failed (slowest {load.slowest:.1f} s); "
            f"{n} webhooks, {retried} delivered again,"
            f" payments recorded {sum(counts)}/{n} (each once: {counts == [1] * n})"
        )

    @property
    def nginx_log(self) -> Path:
        return self.stack.tmp / "nginx-access.log"

    def back_in_rotation(self, port: int) -> None:
        """Wait until nginx, which took the restarted server on ``port`` out of its rotation when it refused a
        connection, sends it requests again (its access log shows one it answered from now on)."""
        offset = self.nginx_log.stat().st_size
        client = Client(self.ports)

        def answered() -> bool:
            client.get("/healthz")  # a request of our own, in case nothing else is coming through
            return _answered_by(self.nginx_log, offset, port)

        wait_until(f"nginx sending requests to app server {port} again", answered, NGINX_FAIL_TIMEOUT + 30)

    def rolling(self):
        """As a deploy restarts them: each server in turn stopped, started, healthy, and back in the balancer's
        rotation (nginx took it out when it refused a connection) before the next one is stopped."""
        with Load(self.ports, 4, [f"/{SLUG}/dashboard/", f"/{SLUG}/invoices/", "/healthz"]) as load:
            for port in self.ports.apps:
                proc = self.stack.procs[f"app-{port}"]
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=60)
                self.stack.app(port)
                wait_until(
                    f"app server {port} healthy",
                    lambda p=port: _status(f"http://127.0.0.1:{p}/healthz", self.ports) == 200,
                    60,
                )
                self.back_in_rotation(port)
            floor = load.total + (40 if self.quick else 200)
            wait_until("requests after the restart", lambda: load.total >= floor, 60)
        return load.errors == 0, (
            f"{load.errors} errors in {load.total} requests while both app servers restarted (slowest answer "
            f"{load.slowest:.1f} s){': ' + ', '.join(load.failures[:5]) if load.failures else ''}"
        )

    def redis(self):
        from captcha.models import CaptchaStore

        client = Client(self.ports)
        assert client.sign_in(*CUSTOMER).status_code == 302
        proc = self.stack.procs["redis"]
        proc.terminate()
        proc.wait(timeout=30)
        try:
            pages = [f"/{SLUG}/dashboard/", f"/{SLUG}/invoices/", f"/{SLUG}/payments/"] * (3 if self.quick else 10)
            answered = sum(signed_in(client.get(p)) for p in pages)
            health = client.get("/healthz")
            health_ok = health.status_code == 503 and health.json().get("cache") == "error"
            fresh = Client(self.ports)
            signed = fresh.sign_in(*CUSTOMER).status_code == 302
            register, token = fresh.csrf(f"/{SLUG}/register/")
            captcha = re.search(r'name="captcha_0" value="([^"]+)"', register.text)
            assert captcha, f"no registration form at /{SLUG}/register/ ({register.status_code})"
            refused = fresh.post(
                f"/{SLUG}/register/",
                data={
                    "csrfmiddlewaretoken": token,
                    "first_name": "Stack",
                    "last_name": "Check",
                    "email": "stack.check@example.com",
                    "company": "Stack Check Ltd",
                    "captcha_0": captcha.group(1),
                    "captcha_1": CaptchaStore.objects.get(hashkey=captcha.group(1)).response,  # read as a person
                },
            )
            registration_refused = refused.status_code == 400 and "Too many registrations" in refused.text
            guesser = Client(self.ports)
            codes = [guesser.sign_in("nobody@example.com", "wrong").status_code for _ in range(6)]
            locked = codes[-1] in (403, 429) or "locked" in guesser.get(f"/{SLUG}/login/").text.lower()
        finally:
            self.stack.redis()
        wait_until("/healthz with Redis back", lambda: _status(f"{self.ports.url}/healthz", self.ports) == 200, 30)
        ok = answered == len(pages) and health_ok and signed and registration_refused and locked
        return ok, (
            f"Redis stopped: {answered}/{len(pages)} signed-in pages served; /healthz {health.status_code} "
            f"cache={health.json().get('cache')}; sign-in {'works' if signed else 'refused'}; registration "
            f"{'refused' if registration_refused else 'ACCEPTED'}; 6th wrong password {codes[-1]}"
            f"{' (locked out)' if locked else ''}"
        )

    def worker(self):
        from django.db import transaction
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        from portal_models.models import Payment

        worker = self.stack.procs["worker"]
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        event = self.payment_event(self.invoice("42.00"))
        assert self.deliver(event) == 200
        payment = self.payments_of(event)[0]
        task = DBTaskResult.objects.get(
            task_path="portal_models.services.payments.payment_receipt_task", args_kwargs__args=[payment.pk]
        )
        with transaction.atomic():  # the receipt waits for this lock: the worker is in the middle of the task
            Payment.objects.select_for_update().get(pk=payment.pk)
            worker = self.stack.worker()
            wait_until(
                "the worker takes the task",
                lambda: DBTaskResult.objects.get(pk=task.pk).status == TaskResultStatus.RUNNING,
                60,
            )
            worker.kill()
            worker.wait(timeout=30)
        left = DBTaskResult.objects.get(pk=task.pk).status
        self.stack.worker()
        wait_until(
            "the task to run again",
            lambda: DBTaskResult.objects.get(pk=task.pk).status == TaskResultStatus.SUCCESSFUL,
            60,
        )
        receipts = self.receipts(payment)
        ok = left == TaskResultStatus.RUNNING and receipts == 1
        return (
            ok,
            f"worker killed mid-task (task left {left}); after restart: SUCCESSFUL, receipt emails sent: {receipts}",
        )

    def receipts(self, payment) -> int:
        from portal_models.models import Payment

        number = Payment.objects.get(pk=payment.pk).display_number
        count = 0
        for path in Path(self.stack.env["EMAIL_FILE_PATH"]).glob("*"):
            for raw in path.read_text(errors="replace").split("-" * 79):
                message = email.message_from_string(raw.strip())
                subject = str(make_header(decode_header(message.get("Subject", ""))))
                body = "".join(
                    part.get_payload(decode=True).decode(errors="replace")
                    for part in message.walk()
                    if part.get_content_type() == "text/plain" and part.get_payload(decode=True)
                )
                count += subject.startswith("Payment receipt") and number in body
        return count


def _status(url: str, ports: Ports) -> int:
    try:
        host = {"Host": f"127.0.0.1:{ports.nginx}", "X-Forwarded-Proto": "https"}
        return requests.get(url, headers=host, timeout=5).status_code
    except requests.RequestException:
        return 0


@contextmanager
def stack_running(tmp: Path):
    ports = Ports(
        nginx=free_port(), apps=(free_port(), free_port()), s3=free_port(), stripe=free_port(), redis=free_port()
    )
    mail = tmp / "mail"
    mail.mkdir()
    env = {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail),
        "REQUEST_LOG_LEVEL": "WARNING",
    }
    stack = Stack(tmp, ports=ports, database="stack_check", own_redis=True, env=env)
    try:
        started = time.monotonic()
        stack.up(fresh=True)
        print(f"stack up at {ports.url} in {time.monotonic() - started:.0f} s (logs in {tmp})", flush=True)
        yield stack
    finally:
        stack.down()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the short form (CI): fewer requests, shorter loads")
    parser.add_argument("--only", help="comma-separated checks to run (default: all)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="portal-stack-check-"))
    with stack_running(tmp) as stack:
        os.environ.update(stack.env)
        import django

        django.setup()
        checks = Checks(stack, args.quick)
        names = ["sessions", "s3", "coherence", "schedule", "kill", "rolling", "redis", "worker"]
        for name in args.only.split(",") if args.only else names:
            checks.run(name, getattr(checks, name))
    failed = [name for name, ok, _ in checks.figures if not ok]
    print(
        f"{len(checks.figures) - len(failed)}/{len(checks.figures)} stack checks passed"
        + (f"; failed: {', '.join(failed)} (logs in {tmp})" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
