"""`make stack`: the production topology on this machine, from the project's own files, production settings.

nginx (loopback) -> two gunicorn app servers; PostgreSQL (database `stack` of the server at STACK_PG, default
127.0.0.1:5432); Redis (127.0.0.1:6379, started here when none answers); moto's S3 server; one django-tasks
database worker; the scheduler (manage.py run_scheduler); localstripe as Stripe. Ctrl+C stops what it started.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
BIN = ROOT / ".venv" / "bin"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PG = os.environ.get("STACK_PG", "postgres://postgres@127.0.0.1:5432")
WORKER_ID = "stack-worker-1"


@dataclass(frozen=True)
class Ports:
    nginx: int = 8100
    apps: tuple[int, ...] = (8101, 8102)
    s3: int = 8105
    stripe: int = 8106
    redis: int = 6379

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.nginx}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_port(port: int, name: str, deadline: float = 60) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if port_open(port):
            return
        time.sleep(0.2)  # polling with a deadline
    raise SystemExit(f"{name} did not listen on 127.0.0.1:{port} within {deadline:.0f} s")


def environment(tmp: Path, ports: Ports, database: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "stack-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CSRF_TRUSTED_ORIGINS": ports.url,
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"{PG}/{database}",
        "REDIS_URL": f"redis://127.0.0.1:{ports.redis}/3",
        "APP_SERVERS": str(len(ports.apps)),
        "GUNICORN_WORKERS": "2",
        "AWS_STORAGE_BUCKET_NAME": "stack",
        "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{ports.s3}",
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": "stack",
        "AWS_SECRET_ACCESS_KEY": "stack",
        "STRIPE_API_BASE": f"http://127.0.0.1:{ports.stripe}",
        "STRIPE_SECRET_KEY": "sk_test_localstripe",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_localstripe",
        "STRIPE_WEBHOOK_SECRET": "whsec_localstripe",
        "LOG_FORMAT": "plain",
        "STACK_TMP": str(tmp),
    }


# nginx takes an app server that refused a connection out of the rotation for this long (a restarting one)
NGINX_FAIL_TIMEOUT = 5
NGINX_CONF = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
daemon off;
events {{ worker_connections 512; }}
http {{
  # which app server answered each request: a rolling restart waits until nginx uses the restarted one again
  log_format upstream '$status $upstream_addr $request_uri';
  access_log {tmp}/nginx-access.log upstream;
  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fcgi;
  uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
  client_max_body_size 30m;
  upstream app {{ {servers} keepalive 16; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto https;
      # retry on another server what can be retried: idempotent requests that got no answer
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 2;
      proxy_connect_timeout 2s;
    }}
  }}
}}
"""


class Stack:
    """The processes of the topology. ``own_redis``: start a Redis of its own on ``ports.redis`` (the checks
    stop it), instead of using one that already answers there."""

    def __init__(
        self,
        tmp: Path,
        *,
        ports: Ports = Ports(),
        database: str = "stack",
        own_redis: bool = False,
        env: dict | None = None,
    ):
        self.tmp, self.ports, self.database_name, self.own_redis = tmp, ports, database, own_redis
        self.env = {**environment(tmp, ports, database), **(env or {})}
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, args: list[str], **kw) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "ab")
        proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, **kw)
        self.procs[name] = proc
        return proc

    def manage(self, *args: str) -> None:
        subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=self.env, check=True)

    def app(self, port: int) -> subprocess.Popen:
        env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
        log = open(self.tmp / f"app-{port}.log", "ab")
        gunicorn = [str(BIN / "gunicorn"), "-c", "site/config/gunicorn.py", "config.wsgi"]
        proc = subprocess.Popen(gunicorn, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.procs[f"app-{port}"] = proc
        return proc

    def database(self, *, fresh: bool = False) -> None:
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            if fresh:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')
            exists = "SELECT 1 FROM pg_database WHERE datname = %s"
            if not conn.execute(exists, [self.database_name]).fetchone():
                conn.execute(f'CREATE DATABASE "{self.database_name}"')

    def redis(self) -> subprocess.Popen:
        port = str(self.ports.redis)
        proc = self.start(
            "redis", ["redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        )
        wait_port(self.ports.redis, "redis")
        return proc

    def worker(self) -> subprocess.Popen:
        return self.start("worker", [PY, "manage.py", "run_worker", "--worker-id", WORKER_ID, "--interval", "0.5"])

    def up(self, *, fresh: bool = False) -> None:
        self.database(fresh=fresh)
        if self.own_redis or not port_open(self.ports.redis):
            self.redis()
        self.start("s3", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.ports.s3)])
        self.start("stripe", [str(BIN / "localstripe"), "--port", str(self.ports.stripe)])
        wait_port(self.ports.s3, "moto S3")
        wait_port(self.ports.stripe, "localstripe")
        import boto3

        boto3.client(
            "s3",
            endpoint_url=self.env["AWS_S3_ENDPOINT_URL"],
            region_name="us-east-1",
            aws_access_key_id="stack",
            aws_secret_access_key="stack",
        ).create_bucket(Bucket="stack")
        self.manage("migrate", "--noinput", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")
        self.manage("load_demo_data", "--site-url", self.ports.url)
        for port in self.ports.apps:
            self.app(port)
        self.worker()
        self.start("scheduler", [PY, "manage.py", "run_scheduler"])
        for port in self.ports.apps:
            wait_port(port, f"app server {port}")
        servers = " ".join(
            f"server 127.0.0.1:{p} max_fails=1 fail_timeout={NGINX_FAIL_TIMEOUT}s;" for p in self.ports.apps
        )
        config = NGINX_CONF.format(tmp=self.tmp, servers=servers, port=self.ports.nginx)
        (self.tmp / "nginx.conf").write_text(config)
        self.start("nginx", [NGINX, "-p", str(self.tmp), "-c", str(self.tmp / "nginx.conf")])
        wait_port(self.ports.nginx, "nginx")
        self.manage("localstripe_setup", "--url", f"{self.ports.url}/stripe/webhook/")

    def down(self) -> None:
        for proc in reversed(list(self.procs.values())):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, nginx config)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="portal-stack-"))
    stack = Stack(tmp)
    try:
        stack.up()
        print(f"Stack running at {stack.ports.url}/  (logs in {tmp}; Ctrl+C to stop)", flush=True)
        signal.signal(signal.SIGTERM, lambda *a: (_ for _ in ()).throw(KeyboardInterrupt))
        reported: set[str] = set()
        while True:  # until Ctrl+C: an app server that dies is reported, nginx sends its requests to the other
            for name, proc in list(stack.procs.items()):
                if proc.poll() is not None and name not in reported:
                    reported.add(name)
                    print(f"{name} exited ({proc.returncode})", file=sys.stderr, flush=True)
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        stack.down()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
