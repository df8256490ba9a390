#!/usr/bin/env python
"""`make soak`: 50 concurrent customers for 2 minutes against gunicorn + PostgreSQL, with a PostgreSQL
restart in the middle while signed Stripe webhooks record payments.

Everything runs on a throwaway PostgreSQL cluster (initdb into a temporary directory, its own port):
the shared server on 5432 is never touched. Steps:

1. initdb + start the cluster, migrate, seed (soak/seed.py), collectstatic;
2. gunicorn with the production settings;
3. locust (headless, its own venv) with 50 customers for --duration seconds; a /healthz probe every 0.25 s;
4. at --restart-at seconds: stop PostgreSQL (fast), wait --down seconds, start it again; meanwhile a thread
   delivers one signed ``payment_intent.succeeded`` webhook every 0.2 s (each pays its own invoice);
5. afterwards: every payment is all or nothing (payment + allocations + invoice status), then every event
   is delivered again and each payment must exist exactly once;
6. a summary: requests and errors before / during / after the restart, the downtime window, the payments check.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import hmac
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
WEBHOOK_SECRET = "whsec_soak_" + secrets.token_hex(8)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log(message: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", flush=True)


class Cluster:
    """A private PostgreSQL cluster (run as the postgres OS user when we are root: initdb refuses root)."""

    def __init__(self):
        self.bin = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
        self.dir = Path(tempfile.mkdtemp(prefix="portal-soak-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/soak"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True)

    def create(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "soak")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "postgres.log"), "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def django_env(cluster: Cluster, port: int) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": cluster.url,
        "STRIPE_SECRET_KEY": "sk_test_soak",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_soak",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": "http://127.0.0.1:9",  # never called: payments arrive by webhook
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": os.environ.get("GUNICORN_WORKERS", "3"),
        "GUNICORN_THREADS": os.environ.get("GUNICORN_THREADS", "4"),
        "REQUEST_LOG_LEVEL": "WARNING",  # the request log line of every request would drown the soak log
    }


# --- webhooks -------------------------------------------------------------------------------------


def signed(payload: bytes) -> str:
    t = int(time.time())
    mac = hmac.new(WEBHOOK_SECRET.encode(), b"%d.%s" % (t, payload), hashlib.sha256)
    return f"t={t},v1={mac.hexdigest()}"


def payment_event(n: int, payer: dict, item: dict, currency: str) -> dict:
    cents = int(item["amount"].replace(".", ""))
    return {
        "id": f"evt_soak_{n:04d}",
        "object": "event",
        "type": "payment_intent.succeeded",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": f"pi_soak_{n:04d}",
                "object": "payment_intent",
                "amount": cents,
                "amount_received": cents,
                "currency": currency,
                "status": "succeeded",
                "latest_charge": f"ch_soak_{n:04d}",
                "metadata": {
                    "portal_account_id": str(payer["account_id"]),
                    "payer_user_id": str(payer["user_id"]),
                    "payer_name": "Webhook payer",
                    "invoices": f"{item['invoice']}:{item['amount']}",
                    "fee": "0.00",
                },
            }
        },
    }


def deliver(base: str, event: dict) -> int:
    payload = json.dumps(event).encode()
    try:
        r = requests.post(
            f"{base}/stripe/webhook/",
            data=payload,
            headers={"Content-Type": "application/json", "Stripe-Signature": signed(payload)},
            timeout=30,
        )
        return r.status_code
    except requests.RequestException:
        return 0


def payments_check(events: list[dict]) -> dict:
    """All-or-nothing per payment, from the database (Django ORM on the soak cluster)."""
    from django.db import connections

    from portal_models.models import Invoice, Payment

    connections.close_all()
    result = {"recorded": 0, "missing": 0, "partial": [], "duplicates": []}
    for event in events:
        intent = event["data"]["object"]
        invoice_pk = int(intent["metadata"]["invoices"].split(":")[0])
        payments = list(Payment.objects.filter(stripe_payment_intent_id=intent["id"]).prefetch_related("allocations"))
        invoice = Invoice.objects.get(pk=invoice_pk)
        if len(payments) > 1:
            result["duplicates"].append(intent["id"])
        if not payments:
            result["missing"] += 1
            if invoice.amount_paid != 0 or invoice.status == "paid":
                result["partial"].append(f"{intent['id']}: invoice changed without a payment")
            continue
        payment = payments[0]
        allocated = sum(a.amount for a in payment.allocations.all())
        if allocated != payment.amount or invoice.status != "paid" or invoice.amount_due != 0:
            result["partial"].append(
                f"{intent['id']}: allocated {allocated} of {payment.amount}, "
                f"invoice {invoice.status} {invoice.amount_due}"
            )
        else:
            result["recorded"] += 1
    connections.close_all()
    return result


# --- the run --------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--locust", default=str(ROOT / ".venv-soak/bin/locust"))
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=120, help="seconds of load")
    parser.add_argument("--restart-at", type=int, default=55, help="seconds into the load")
    parser.add_argument("--down", type=float, default=5.0, help="seconds PostgreSQL stays down")
    parser.add_argument("--webhooks", type=int, default=60)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="portal-soak-"))
    cluster = Cluster()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = django_env(cluster, port)
    procs: list[subprocess.Popen] = []
    try:
        log(f"PostgreSQL cluster in {cluster.dir} on port {cluster.port}")
        cluster.create()
        py = sys.executable
        subprocess.run([py, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([py, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        os.environ.update(env)
        sys.path[:0] = [str(ROOT), str(ROOT / "site")]
        import django

        django.setup()
        sys.path.insert(0, str(ROOT / "soak"))
        from seed import seed

        data = seed(customers=args.users, webhook_invoices=args.webhooks)
        from django.db import connections

        connections.close_all()
        data_file = work / "data.json"
        data_file.write_text(json.dumps(data))
        log(f"seeded {len(data['users'])} customers, {len(data['payer']['invoices'])} invoices for webhooks")

        gunicorn_log = open(work / "gunicorn.log", "w")  # noqa: SIM115
        gunicorn = subprocess.Popen(
            [str(Path(py).with_name("gunicorn")), "-c", "site/config/gunicorn.py", "config.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=gunicorn_log,
            stderr=subprocess.STDOUT,
        )
        procs.append(gunicorn)
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or gunicorn.poll() is not None:
                raise RuntimeError(f"gunicorn did not start; see {work / 'gunicorn.log'}")
            time.sleep(0.3)
        log(f"gunicorn up at {base} (pid {gunicorn.pid})")

        request_log = work / "requests.jsonl"
        locust = subprocess.Popen(
            [
                args.locust,
                "-f",
                str(ROOT / "soak/locustfile.py"),
                "--headless",
                "--host",
                base,
                "-u",
                str(args.users),
                "-r",
                "10",
                "-t",
                f"{args.duration}s",
                "--only-summary",
                "--csv",
                str(work / "locust"),
            ],
            cwd=ROOT,
            env={**os.environ, "SOAK_DATA": str(data_file), "SOAK_REQUEST_LOG": str(request_log)},
            stdout=open(work / "locust.log", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        procs.append(locust)
        started = time.time()

        health: list[tuple[float, int]] = []
        stop_probe = threading.Event()

        def probe():
            while not stop_probe.is_set():
                try:
                    code = requests.get(f"{base}/healthz", timeout=10).status_code
                except requests.RequestException:
                    code = 0
                health.append((time.time(), code))
                time.sleep(0.25)

        threading.Thread(target=probe, daemon=True).start()

        events = [
            payment_event(n, data["payer"], item, data["currency"]) for n, item in enumerate(data["payer"]["invoices"])
        ]
        first_delivery: list[int] = []

        def send_webhooks():
            for event in events:
                first_delivery.append(deliver(base, event))
                time.sleep(0.2)

        time.sleep(max(0, args.restart_at - (args.webhooks * 0.2) / 2 - (time.time() - started)))
        webhook_thread = threading.Thread(target=send_webhooks)
        webhook_thread.start()
        time.sleep(max(0, args.restart_at - (time.time() - started)))
        down_at = time.time()
        log("stopping PostgreSQL")
        cluster.stop()
        time.sleep(args.down)
        log("starting PostgreSQL")
        cluster.start()
        up_at = time.time()
        webhook_thread.join()
        locust.wait(timeout=args.duration + 120)
        stop_probe.set()
        log("load finished")

        # the first /healthz that answers 200 again after PostgreSQL came back
        recovered_at = next((t for t, code in health if t >= up_at and code == 200), None)
        last_ok_before = max((t for t, code in health if t <= down_at and code == 200), default=down_at)
        window_end = (recovered_at or up_at) + 1.0  # a request already in flight may end just after
        phases = {"before": Counter(), "during": Counter(), "after": Counter()}
        failures = Counter()
        with open(request_log) as f:
            for line in f:
                r = json.loads(line)
                phase = "before" if r["t"] < down_at else "during" if r["t"] <= window_end else "after"
                ok = not r["error"] and r["status"] in (200, 302)
                phases[phase]["requests"] += 1
                if not ok:
                    phases[phase]["errors"] += 1
                    failures[(phase, r["name"], r["status"])] += 1

        before_redelivery = payments_check(events)
        redelivery = Counter(deliver(base, event) for event in events)
        again = Counter(deliver(base, event) for event in events)  # a duplicate delivery changes nothing
        after_redelivery = payments_check(events)
        first_codes = Counter(first_delivery)
        health_codes = Counter(code for t, code in health)

        total = sum(p["requests"] for p in phases.values())
        errors_outside = phases["before"]["errors"] + phases["after"]["errors"]
        payments_ok = (
            not before_redelivery["partial"]
            and not after_redelivery["partial"]
            and not after_redelivery["duplicates"]
            and after_redelivery["recorded"] == len(events)
        )
        summary = {
            "customers": args.users,
            "duration_s": args.duration,
            "requests": total,
            "requests_per_s": round(total / args.duration, 1),
            "phases": {k: dict(v) for k, v in phases.items()},
            "failures": {f"{p}/{n}/{s}": c for (p, n, s), c in sorted(failures.items())},
            "postgres_down_s": round(up_at - down_at, 1),
            "unavailable_s": round((recovered_at - down_at), 1) if recovered_at else None,
            "last_healthz_ok_before_stop_s": round(down_at - last_ok_before, 1),
            "recovered_after_start_s": round(recovered_at - up_at, 2) if recovered_at else None,
            "healthz_codes": dict(health_codes),
            "webhooks_first_delivery": dict(first_codes),
            "payments_before_redelivery": before_redelivery,
            "redelivery_codes": dict(redelivery),
            "duplicate_redelivery_codes": dict(again),
            "payments_after_redelivery": after_redelivery,
            "verdict": {
                "zero_errors_outside_the_restart": errors_outside == 0,
                "app_recovered_without_restart": recovered_at is not None and gunicorn.poll() is None,
                "payments_all_or_nothing_and_exactly_once": payments_ok,
            },
            "logs": str(work),
        }
        print(json.dumps(summary, indent=2, default=str))
        (work / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
        return 0 if all(summary["verdict"].values()) else 1
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
        cluster.destroy()


if __name__ == "__main__":
    sys.exit(main())
