"""`make bench`: build the scale data sets, serve the portal with gunicorn, drive it with wrk, print the figures.

What a customer gets (issue 29): every signed-in page warm and cold (cold = no page, fragment or account-data
cache hit, bench/coldcache.py; routing and sessions warm), each endpoint a rotation of URLs (other invoices,
pages, sorts, searches, the last page), the many-customer mix (200 customers each loading dashboard → invoices →
an invoice → its PDF once), the first request after a write, the Order Pad search and the orders list, the
Wagtail admin listings and the integration API's invoice list, both anchors (an anonymous ContentPage and a
Wagtail admin page of 20 rows) in the same run. The primary figure is CPU ms per request of the gunicorn workers
plus their PostgreSQL backends (/proc, pids from pg_stat_activity), beside req/s and latency.

Environment (all optional):
    BENCH_QUICK=1                   smoke run: one size (1,000), 2 s per endpoint, 40 customers in the mix
    BENCH_SIZES=1000,100000         invoices of the busiest account, one data set and one gunicorn per size
    BENCH_DBS=postgres              databases to run on (postgres, sqlite)
    BENCH_DURATION=8                seconds of load per endpoint and mode
    BENCH_CONNECTIONS=16            wrk connections (BENCH_THREADS=2 wrk threads)
    BENCH_PAGES=dashboard,...       only these endpoints (the anchors always run)
    BENCH_MIX_CUSTOMERS=200         customers of the mix
    BENCH_PORT=8731                 first gunicorn's port on 127.0.0.1 (one more port per size)
    BENCH_PG_URL=postgres://postgres@127.0.0.1:5432   server of the data set databases
    BENCH_DB_PREFIX=portal_bench_   the data set databases' names: <prefix><size>; only databases of this prefix
                                    that carry the bench's comment (set when it created them) are ever dropped
    BENCH_REBUILD=1                 rebuild the data sets even when cached
    BENCH_OUT=bench/results/latest.json
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.signing import sign_event  # noqa: E402

CACHE = Path(os.environ.get("BENCH_CACHE", ROOT / "bench" / ".cache"))
PY = sys.executable
WRK = shutil.which("wrk") or "/usr/bin/wrk"
WEBHOOK_SECRET = "whsec_bench_only"
QUICK = os.environ.get("BENCH_QUICK") == "1"

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "1000" if QUICK else "1000,100000").split(",") if s.strip()]
DBS = [d.strip() for d in os.environ.get("BENCH_DBS", "postgres").split(",") if d.strip()]
DURATION = int(os.environ.get("BENCH_DURATION", "2" if QUICK else "8"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
PORT = int(os.environ.get("BENCH_PORT", "8731"))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "portal_bench_")
DB_COMMENT = "portal benchmark data set (bench/run.py); dropped and rebuilt by it"
REBUILD = os.environ.get("BENCH_REBUILD") == "1"
OUT = Path(os.environ.get("BENCH_OUT", ROOT / "bench" / "results" / "latest.json"))
ONLY = {p.strip() for p in os.environ.get("BENCH_PAGES", "").split(",") if p.strip()}
MIX_CUSTOMERS = int(os.environ.get("BENCH_MIX_CUSTOMERS", "40" if QUICK else "200"))
AFTER_WRITE_ROUNDS = 12 if QUICK else 60
CLK_TCK = os.sysconf("SC_CLK_TCK")

ANCHORS = ("bare", "content_page", "admin_anchor")
# endpoint -> modes measured: "warm" (after a warm-up, the caches as the portal keeps them) and "cold"
PAGES = {
    "bare": ("warm",),
    "content_page": ("warm", "cold"),
    "admin_anchor": ("warm",),
    "dashboard": ("warm", "cold"),
    "invoice_list": ("warm", "cold"),
    "invoice_sorts": ("warm", "cold"),
    "invoice_search": ("warm", "cold"),
    "invoice_last_page": ("warm", "cold"),
    "invoice_detail": ("warm", "cold"),
    "invoice_pdf": ("warm", "cold"),
    "payments": ("warm", "cold"),
    "document_library": ("warm", "cold"),
    "orders_list": ("warm", "cold"),
    "order_pad_search": ("warm", "cold"),
    "admin_invoices": ("warm",),
    "admin_payments": ("warm",),
    "admin_accounts": ("warm",),
    "api_invoices": ("warm", "cold"),
    "mix": ("once",),
    "after_write": ("once",),
    "webhook": ("once",),
}
# issue 29: cold, CPU per request <= 1.5x the anonymous ContentPage's, p99 <= 100 ms at 16 connections
COLD_BUDGET_PAGES = (
    "dashboard",
    "invoice_list",
    "invoice_sorts",
    "invoice_search",
    "invoice_last_page",
    "invoice_detail",
    "payments",
    "orders_list",
    "order_pad_search",
)
ADMIN_BUDGET_PAGES = ("admin_invoices", "admin_payments", "admin_accounts")


def label(size: int) -> str:
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def dataset_version() -> int:
    text = (ROOT / "bench" / "dataset.py").read_text()
    return int(re.search(r"^DATASET_VERSION = (\d+)", text, re.M).group(1))


def pg_name(size: int) -> str:
    return f"{DB_PREFIX}{label(size)}"


def sqlite_file(size: int) -> Path:
    return CACHE / f"{DB_PREFIX}{label(size)}.sqlite3"


def database_url(db: str, size: int) -> str:
    if db == "sqlite":
        return f"sqlite:///{sqlite_file(size)}"
    return f"{PG_URL}/{pg_name(size)}"


def django_env(db: str, size: int) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.bench",
        SECRET_KEY="bench-only-secret-key-not-for-production-0123456789",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DATABASE_URL=database_url(db, size),
        SECURE_SSL_REDIRECT="0",
        STRIPE_SECRET_KEY="sk_test_bench",
        STRIPE_PUBLISHABLE_KEY="pk_test_bench",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE="http://127.0.0.1:9",
        BENCH_CACHE_DIR=str(CACHE),
        # each data set its own files: the sets share tenant and invoice ids, and a stored PDF of one would
        # replace the other's (config.settings.bench)
        BENCH_MEDIA_DIR=str(CACHE / "media" / f"{db}_{label(size)}"),
        GUNICORN_WORKERS="2",
        PYTHONUNBUFFERED="1",
    )
    return env


def run(cmd: list[str], env: dict, **kw) -> subprocess.CompletedProcess:
    """A Django-side step (no request log lines of its own test client on the console)."""
    return subprocess.run(cmd, env={**env, "REQUEST_LOG_LEVEL": "WARNING"}, cwd=ROOT, check=True, **kw)


def pg_admin(args: list[str]) -> subprocess.CompletedProcess:
    from urllib.parse import urlparse

    u = urlparse(PG_URL)
    base = ["-h", u.hostname or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres"]
    return subprocess.run([args[0], *base, *args[1:]], capture_output=True, text=True)


def pg_query(sql: str, db: str = "postgres") -> str:
    return pg_admin(["psql", "-tAXc", sql, db]).stdout.strip()


def pg_ours(name: str) -> bool:
    """The database exists, has the bench's prefix and carries the comment the bench set when it created it."""
    if not name.startswith(DB_PREFIX) or not re.fullmatch(r"[a-z0-9_]+", name):
        return False
    comment = pg_query("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '" + name + "'")
    return comment == DB_COMMENT


def pg_exists(name: str) -> bool:
    return pg_query(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"


def pg_recreate(name: str) -> None:
    """Drop (only if the bench created it) and create the data set's database, marked as the bench's."""
    if pg_exists(name):
        if not pg_ours(name):
            raise SystemExit(
                f"database {name} exists and was not created by the benchmark: not dropping it "
                "(set BENCH_DB_PREFIX to another prefix)"
            )
        dropped = pg_admin(["dropdb", "--force", name])
        if dropped.returncode:
            raise SystemExit(dropped.stderr)
    created = pg_admin(["createdb", name])
    if created.returncode:
        raise SystemExit(created.stderr)
    pg_admin(["psql", "-qXc", f"COMMENT ON DATABASE {name} IS '{DB_COMMENT}'", "postgres"])


def ensure_dataset(db: str, size: int) -> dict:
    """Build the data set unless a cached one of the same version and size exists; migrate it either way."""
    CACHE.mkdir(parents=True, exist_ok=True)
    marker = CACHE / f"{db}_{DB_PREFIX}{label(size)}.json"
    want = {"version": dataset_version(), "invoices": size}
    env = django_env(db, size)
    present = sqlite_file(size).exists() if db == "sqlite" else pg_ours(pg_name(size))
    if not REBUILD and present and marker.exists() and json.loads(marker.read_text()).get("key") == want:
        print(f"[{db} {label(size)}] cached data set; migrating")
        if os.environ.get("BENCH_MIGRATE", "1") == "1":  # 0: the cached data set is known to be migrated
            run([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
        return json.loads(marker.read_text())
    print(f"[{db} {label(size)}] building the data set ({size:,} invoices)")
    marker.unlink(missing_ok=True)
    if db == "sqlite":
        sqlite_file(size).unlink(missing_ok=True)
    else:
        pg_recreate(pg_name(size))
    started = time.monotonic()
    run([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
    out = run([PY, "bench/dataset.py", "build", "--invoices", str(size)], env, stdout=subprocess.PIPE, text=True)
    info = json.loads(out.stdout.strip().splitlines()[-1])
    info["build_seconds"] = round(time.monotonic() - started, 1)
    if db == "postgres":
        pg_admin(["psql", "-qXc", "VACUUM ANALYZE", pg_name(size)])
    marker.write_text(json.dumps({"key": want, **info}))
    print(f"[{db} {label(size)}] built in {info['build_seconds']}s")
    return {"key": want, **info}


def proc_ticks(pid: int) -> int | None:
    """utime + stime of a process in clock ticks (None once it has gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


class Server:
    """gunicorn with the production configuration (2 workers) on 127.0.0.1."""

    def __init__(self, env: dict, log: Path, port: int, db: str, dbname: str | None):
        self.env, self.log, self.port, self.db, self.dbname = env, log, port, db, dbname
        self.proc: subprocess.Popen | None = None

    def __enter__(self):
        gunicorn = str(Path(PY).with_name("gunicorn"))
        cmd = [
            gunicorn,
            "-c",
            "site/config/gunicorn.py",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--max-requests",
            "0",  # no recycling during the run: the memory figure is the workers' own
            "config.wsgi",
        ]
        self.logfile = open(self.log, "w")  # noqa: SIM115
        self.proc = subprocess.Popen(cmd, env=self.env, cwd=ROOT, stdout=self.logfile, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn stopped; see {self.log}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_bare/", timeout=2).read()
                if len(self.workers()) == 2:
                    return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        raise SystemExit("gunicorn did not start")

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def backends(self) -> list[int]:
        """The PostgreSQL backends serving this data set's database (the workers' persistent connections)."""
        if self.db != "postgres":
            return []
        out = pg_query(f"SELECT pid FROM pg_stat_activity WHERE datname = '{self.dbname}' AND pid <> pg_backend_pid()")
        return [int(p) for p in out.split()]

    def cpu_snapshot(self) -> dict:
        return {
            "app": {pid: proc_ticks(pid) for pid in self.workers()},
            "db": {pid: proc_ticks(pid) for pid in self.backends()},
        }

    def cpu_since(self, before: dict, requests: int, only_known: bool = False) -> dict:
        """CPU ms per request of the workers and of their database backends since ``before``.

        A backend that appeared during the window counts whole (its process started in it); with
        ``only_known`` only the processes of ``before`` count (e.g. to leave out a driver's own connection).
        """
        now_db = set(self.backends())
        pids = {"app": set(before["app"]), "db": set(before["db"]) | (set() if only_known else now_db)}
        spent = {}
        for part in ("app", "db"):
            total = 0
            for pid in pids[part]:
                end = proc_ticks(pid)
                if end is not None:
                    total += end - (before[part].get(pid) or 0)
            spent[part] = total * 1000 / CLK_TCK
        n = max(requests, 1)
        return {
            "cpu_ms": round((spent["app"] + spent["db"]) / n, 2),
            "cpu_app_ms": round(spent["app"] / n, 2),
            "cpu_db_ms": round(spent["db"] / n, 2),
        }

    def rss_mb(self) -> list[float]:
        result = []
        for pid in self.workers():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    result.append(round(int(line.split()[1]) / 1024, 1))
        return result

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logfile.close()


LUA_DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  local extra, answered = 0, 0
  for _, t in ipairs(threads) do
    extra = extra + (t:get("extra") or 0)
    answered = answered + (t:get("answered") or 0)
  end
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"p50":%d,"p95":%d,"p99":%d,"mean":%.1f,"max":%d,"extra":%d,"answered":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max, extra,
    answered))
end
"""

# Each thread cycles through the rotation from its own offset; one header set for all (credentials, cold mode).
LUA_ROTATE = r"""
threads = {}
local counter = 1
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  paths = {}
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  local f = io.open(args[2])
  headers = {}
  for line in f:lines() do
    local k, v = line:match("^(.-)\t(.*)$")
    headers[k] = v
  end
  f:close()
  n = #paths
  i = (tid - 1) * math.max(1, math.floor(n / tonumber(args[3])))
end
function request()
  local p = paths[(i % n) + 1]
  i = i + 1
  return wrk.format("GET", p, headers)
end
"""

# The mix: each thread works through its share of (cookie, path) once, then stops; its connections that have
# nothing left to send meanwhile ask the bare view once a second, whose answer ("ok") tells them apart: counted as
# "extra" when answered and left out of the request count (their few fast answers are in wrk's latency figures).
# The thread is done once each of its own requests is answered (not merely sent).
LUA_ONCE = r"""
threads = {}
local counter = 1
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  donefile = args[3] .. tid
  cookies, paths = {}, {}
  local step, k = tonumber(args[2]), 0
  for line in io.lines(args[1]) do
    if k % step == tid - 1 then
      local c, p = line:match("^(.-)\t(.*)$")
      cookies[#cookies + 1] = c
      paths[#paths + 1] = p
    end
    k = k + 1
  end
  n, i, answered, extra = #paths, 0, 0, 0
  if n == 0 then io.open(donefile, "w"):close() end
  -- wrk calls request() once on the first thread to check the script before anything is sent
  -- (script_verify_request); that call must not use up one of the thread's requests
  unchecked = tid == 1
end
function delay()
  if i >= n then return 1000 end  -- its own requests all sent: the bare view once a second per connection
  return 0
end
function request()
  if unchecked then
    unchecked = false
    return wrk.format("GET", "/_bare/")
  end
  i = i + 1
  if i > n then
    return wrk.format("GET", "/_bare/")
  end
  return wrk.format("GET", paths[i], {["Cookie"] = cookies[i]})
end
function response(status, headers, body)
  if body == "ok" then
    extra = extra + 1
    wrk.thread:set("extra", extra)
  else
    answered = answered + 1
    wrk.thread:set("answered", answered)
  end
  -- done: every request of the thread answered, or (one was lost) its connections have waited on the bare view
  -- for about 5 s; a lost request then counts as an error
  if (answered == n or extra == 40) and not finished then
    finished = true
    io.open(donefile, "w"):close()
  end
end
"""

LUA_WEBHOOK = r"""
threads = {}
local counter = 1
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  bodies, sigs = {}, {}
  for line in io.lines(args[1]) do
    local b, s = line:match("^(.-)\t(.*)$")
    bodies[#bodies + 1] = b
    sigs[#sigs + 1] = s
  end
  n = #bodies
  step = tonumber(args[2])
  i = tid - 1
end
function request()
  local k = (i % n) + 1
  i = i + step
  return wrk.format("POST", "/stripe/webhook/",
    {["Content-Type"] = "application/json", ["Stripe-Signature"] = sigs[k]}, bodies[k])
end
"""


def wrk(url: str, script: str, args: list[str] | None = None, duration: int | None = None, until=None) -> dict:
    """Run wrk with a Lua script; with ``until`` (a path prefix), stop it (SIGINT, as wrk expects) as soon as
    every thread has written ``<until><thread number>``, i.e. has had all its requests answered."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script + LUA_DONE)
        lua = fh.name
    seconds_arg = duration or DURATION
    cmd = [WRK, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds_arg}s", "--timeout", "10s", "-s", lua, url]
    if args:
        cmd += ["--", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if until:
        marks = [Path(f"{until}{n}") for n in range(1, THREADS + 1)]
        while proc.poll() is None and not all(m.exists() for m in marks):
            time.sleep(0.01)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate()
    os.unlink(lua)
    if proc.returncode:
        raise SystemExit(f"wrk failed: {stderr}")
    out = subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)
    line = next(x for x in out.stdout.splitlines() if x.startswith("BENCHJSON "))
    raw = json.loads(line.removeprefix("BENCHJSON "))
    seconds = raw["duration_us"] / 1e6
    errors = raw["connect"] + raw["read"] + raw["write"] + raw["status"] + raw["timeout"]
    requests = raw["answered"] if "answered" in raw and raw.get("extra") else raw["requests"] - raw.get("extra", 0)
    return {
        "requests": requests,
        "rps": round(requests / seconds, 1),
        "p50_ms": round(raw["p50"] / 1000, 1),
        "p95_ms": round(raw["p95"] / 1000, 1),
        "p99_ms": round(raw["p99"] / 1000, 1),
        "max_ms": round(raw["max"] / 1000, 1),
        "errors": errors,
        "error_detail": {k: raw[k] for k in ("connect", "read", "write", "status", "timeout") if raw[k]},
        "seconds": round(seconds, 2),
    }


def fetch(url: str, headers: dict) -> None:
    req = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(req, timeout=60) as response:
        if response.status != 200:
            raise SystemExit(f"{url} answered {response.status}")
        response.read()


def drain(base: str) -> None:
    """Wait until gunicorn has worked off what wrk left queued (sync workers finish accepted requests after
    wrk stops), so the next endpoint's window does not start with the previous one's backlog."""
    deadline = time.monotonic() + 60
    quick = 0
    while quick < 3 and time.monotonic() < deadline:
        started = time.monotonic()
        urllib.request.urlopen(base + "/_bare/", timeout=60).read()
        quick = quick + 1 if time.monotonic() - started < 0.05 else 0


@dataclass
class Target:
    """One data size of one database: its data set, its signed-in sessions and URLs, its own gunicorn."""

    db: str
    size: int
    port: int
    info: dict = field(default_factory=dict)
    prep: dict = field(default_factory=dict)
    prep_file: Path | None = None
    server: Server | None = None

    @property
    def tag(self) -> str:
        return f"{self.db}_{label(self.size)}"

    @property
    def env(self) -> dict:
        return django_env(self.db, self.size)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _write_rotation(target: Target, name: str, mode: str, page: dict) -> tuple[Path, Path]:
    paths = CACHE / f"paths_{target.tag}_{name}.txt"
    paths.write_text("\n".join(page["urls"]) + "\n")
    headers = dict(page["headers"])
    if mode == "cold":
        headers["X-Bench-Cold"] = "1"
    headers_file = CACHE / f"headers_{target.tag}_{name}_{mode}.tsv"
    headers_file.write_text("".join(f"{k}\t{v}\n" for k, v in headers.items()) or "X-Bench\t1\n")
    return paths, headers_file


def measure(target: Target, name: str, mode: str) -> dict:
    """One endpoint in one mode under load on the target's server, with the CPU it cost."""
    server = target.server
    drain(target.base)
    if name == "webhook":
        return measure_webhook(target)
    if name == "mix":
        return measure_mix(target)
    if name == "after_write":
        return measure_after_write(target)
    page = target.prep["pages"][name]
    paths, headers_file = _write_rotation(target, name, mode, page)
    if mode == "warm":  # every URL of the rotation once or more: the caches hold what the portal keeps
        headers = dict(page["headers"])
        for url in page["urls"] * (2 if len(page["urls"]) < 6 else 1):
            fetch(target.base + url, headers)
    before = server.cpu_snapshot()
    figures = wrk(target.base + page["url"], LUA_ROTATE, [str(paths), str(headers_file), str(THREADS)])
    figures.update(server.cpu_since(before, figures["requests"]))
    figures["queries"] = page["queries"]
    figures["queries_cold"] = page["queries_cold"]
    figures["url"] = page["url"]
    figures["rotation"] = len(page["urls"])
    return figures


def measure_webhook(target: Target) -> dict:
    server = target.server
    stamp = int(time.time())
    events = CACHE / f"webhook_{target.tag}.tsv"
    hook = target.prep["webhook"]
    with events.open("w") as fh:
        for n, (pk, amount) in enumerate(hook["invoices"], start=1):
            body, sig = sign_event(n, hook["account"], pk, amount, secret=WEBHOOK_SECRET, stamp=stamp)
            fh.write(f"{body}\t{sig}\n")
    before = server.cpu_snapshot()
    figures = wrk(target.base + "/stripe/webhook/", LUA_WEBHOOK, [str(events), str(THREADS)])
    drain(target.base)  # the deliveries still queued are recorded before the check
    figures.update(server.cpu_since(before, figures["requests"]))
    check_file = CACHE / f"webhook_check_{target.tag}.json"
    run([PY, "bench/dataset.py", "webhook-check", "--out", str(check_file)], target.env)
    check = json.loads(check_file.read_text())
    check["events_available"] = len(hook["invoices"])
    check["payments_per_second"] = round(check["recorded"] / figures["seconds"], 1)
    figures["webhook"] = check
    page = target.prep["pages"]["webhook"]
    figures.update(queries=page["queries"], queries_cold=page["queries_cold"], url=page["url"], rotation=1)
    return figures


def measure_mix(target: Target) -> dict:
    """The many-customer mix: MIX_CUSTOMERS distinct customers, each dashboard → invoices → invoice → PDF once."""
    server = target.server
    lines = target.prep["mix"][: MIX_CUSTOMERS * 4]
    plan = CACHE / f"mix_{target.tag}.tsv"
    plan.write_text("".join(f"{cookie}\t{path}\n" for cookie, path in lines))
    marks = CACHE / f"mix_done_{target.tag}_"
    for old in CACHE.glob(marks.name + "*"):
        old.unlink()
    before = server.cpu_snapshot()
    figures = wrk(target.base + "/_bare/", LUA_ONCE, [str(plan), str(THREADS), str(marks)], duration=600, until=marks)
    figures.update(server.cpu_since(before, figures["requests"]))
    figures.update(customers=len(lines) // 4, queries=None, queries_cold=None, url="(mix)", rotation=len(lines))
    if figures["requests"] < len(lines):
        figures["errors"] += len(lines) - figures["requests"]
    return figures


def measure_after_write(target: Target) -> dict:
    """The first request after a write: write to the account, load one of its pages; one client, in turn."""
    server = target.server
    out = CACHE / f"after_write_{target.tag}.json"
    before = server.cpu_snapshot()  # the driver's own database connection is not yet open: left out
    cmd = [PY, "bench/dataset.py", "after-write", "--prep", str(target.prep_file), "--base", target.base]
    cmd += ["--rounds", str(AFTER_WRITE_ROUNDS), "--out", str(out)]
    started = time.monotonic()
    run(cmd, target.env)
    elapsed = time.monotonic() - started
    timings = sorted(json.loads(out.read_text())["timings_ms"])
    n = len(timings)
    figures = {
        "requests": n,
        "rps": round(n / elapsed, 1),
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[min(n - 1, int(n * 0.95))], 1),
        "p99_ms": round(timings[min(n - 1, int(n * 0.99))], 1),
        "max_ms": round(timings[-1], 1),
        "errors": 0,
        "seconds": round(elapsed, 2),
        "queries": None,
        "queries_cold": None,
        "url": " / ".join(target.prep["after_write"]["urls"]),
        "rotation": len(target.prep["after_write"]["urls"]),
    }
    figures.update(server.cpu_since(before, n, only_known=True))
    return figures


def selected(name: str) -> bool:
    return not ONLY or name in ONLY or name in ANCHORS


def bench_db(db: str) -> dict:
    """Every data size of one database, endpoint by endpoint.

    Each size has its own gunicorn (ports PORT, PORT + 1, ...), all started before the first measurement; only
    the one under load is busy. Each endpoint and mode is measured at every size back to back, seconds apart (in
    turn smallest first and largest first), so a change in the shared machine's speed during the run falls on all
    sizes of a page alike; the anchors are in the same run, and pages are compared as ratios to them.
    """
    targets = [Target(db, size, PORT + i) for i, size in enumerate(SIZES)]
    for t in targets:
        t.info = ensure_dataset(db, t.size)
        t.prep_file = CACHE / f"prepare_{t.tag}.json"
        print(f"[{db} {label(t.size)}] queries per request, sessions, URLs")
        run([PY, "bench/dataset.py", "prepare", "--out", str(t.prep_file)], t.env)
        t.prep = json.loads(t.prep_file.read_text())
        for name, why in t.prep.get("skipped", {}).items():
            print(f"  [{db} {label(t.size)}] {name} not measured: {why}")
    results = {
        str(t.size): {
            "invoices": t.prep["invoices"],
            "products": t.prep.get("products"),
            "order_lines": t.prep.get("order_lines"),
            "dataset": t.info,
            "skipped": t.prep.get("skipped", {}),
            "pages": {},
        }
        for t in targets
    }
    with ExitStack() as stack:
        for t in targets:
            t.server = stack.enter_context(
                Server(
                    t.env, CACHE / f"gunicorn_{t.tag}.log", t.port, db, pg_name(t.size) if db == "postgres" else None
                )
            )
        order = 0
        for name, modes in PAGES.items():
            if not selected(name):
                continue
            for mode in modes:
                for t in targets if order % 2 == 0 else targets[::-1]:  # alternate: no size always goes last
                    if name not in t.prep["pages"] and name not in ("mix", "after_write"):
                        continue
                    try:
                        figures = measure(t, name, mode)
                    except (OSError, subprocess.SubprocessError, StopIteration, KeyError, SystemExit) as exc:
                        # one endpoint failing (a timeout under load) is reported, the run goes on
                        print(f"  {db} {label(t.size):>4} {name:<18} {mode:<4} FAILED: {exc!r}", flush=True)
                        results[str(t.size)]["skipped"][f"{name} {mode}"] = f"failed: {exc!r}"[:300]
                        continue
                    results[str(t.size)]["pages"].setdefault(name, {})[mode] = figures
                    print(
                        f"  {db} {label(t.size):>4} {name:<18} {mode:<4} {figures['rps']:>8.1f} req/s  "
                        f"cpu {figures['cpu_ms']:>6.2f} ms/req  p50 {figures['p50_ms']:>7.1f}  "
                        f"p99 {figures['p99_ms']:>7.1f} ms  errors {figures['errors']}  "
                        f"queries {figures['queries']}/{figures['queries_cold']}",
                        flush=True,
                    )
                order += 1
        for t in targets:
            results[str(t.size)]["worker_rss_mb"] = t.server.rss_mb()
    for r in results.values():
        ratios(r)
    return results


def ratios(r: dict) -> None:
    """Each figure as a ratio to the anchors of the same run: the ContentPage (req/s, CPU) and the admin's."""
    content = r["pages"].get("content_page", {}).get("warm") or {}
    admin = r["pages"].get("admin_anchor", {}).get("warm")
    for modes in r["pages"].values():
        for f in modes.values():
            f["x_content_rps"] = round(f["rps"] / content["rps"], 3) if content.get("rps") else None
            f["x_content_cpu"] = round(f["cpu_ms"] / content["cpu_ms"], 3) if content.get("cpu_ms") else None
            if admin:
                f["x_admin_cpu"] = round(f["cpu_ms"] / admin["cpu_ms"], 3) if admin["cpu_ms"] else None


def _f(by_size: dict, size: str, name: str, mode: str) -> dict | None:
    return by_size[size]["pages"].get(name, {}).get(mode)


def budgets(runs: dict) -> list[dict]:
    """The budgets of issue 29 (and the ordering and API issues' benchmark parts) on this run's figures."""
    checks = []

    def add(name, ok, detail):
        checks.append({"budget": name, "met": bool(ok), "detail": detail})

    for db, by_size in runs.items():
        sizes = sorted(by_size, key=int)
        big = sizes[-1]
        at = f"@{label(int(big))}"
        content = _f(by_size, big, "content_page", "warm") or {"cpu_ms": None, "rps": 0, "p50_ms": None}
        for name in COLD_BUDGET_PAGES:
            f = _f(by_size, big, name, "cold")
            if f:
                add(
                    f"{db} {name} cold {at}: CPU/request <= 1.5x the ContentPage's, p99 <= 100 ms, no errors",
                    f["x_content_cpu"] is not None
                    and f["x_content_cpu"] <= 1.5
                    and f["p99_ms"] <= 100
                    and f["errors"] == 0,
                    f"{f['cpu_ms']} ms CPU = {f['x_content_cpu']}x ContentPage ({content['cpu_ms']} ms), "
                    f"p99 {f['p99_ms']} ms, errors {f['errors']}",
                )
        mix = _f(by_size, big, "mix", "once")
        if mix:
            add(
                f"{db} mix of {mix['customers']} customers {at}: req/s >= 0.8x the ContentPage's, p99 <= 150 ms",
                (mix["x_content_rps"] or 0) >= 0.8 and mix["p99_ms"] <= 150 and mix["errors"] == 0,
                f"{mix['rps']} req/s = {mix['x_content_rps']}x ContentPage ({content['rps']}), p99 {mix['p99_ms']} ms, "
                f"CPU {mix['cpu_ms']} ms/request, errors {mix['errors']}",
            )
        pdf = _f(by_size, big, "invoice_pdf", "cold")
        if pdf:
            ratio = round(pdf["p50_ms"] / content["p50_ms"], 2) if content["p50_ms"] else None
            add(
                f"{db} invoice PDF (other invoices, cold) {at}: median <= 1.2x the ContentPage's",
                ratio is not None and ratio <= 1.2,
                f"p50 {pdf['p50_ms']} ms = {ratio}x ContentPage ({content['p50_ms']} ms); CPU {pdf['x_content_cpu']}x",
            )
        admin = _f(by_size, big, "admin_anchor", "warm")
        for name in ADMIN_BUDGET_PAGES:
            f = _f(by_size, big, name, "warm")
            if f and admin:
                add(
                    f"{db} {name} {at}: CPU/request <= 2x the admin anchor's (20 rows)",
                    f["x_admin_cpu"] is not None and f["x_admin_cpu"] <= 2 and f["errors"] == 0,
                    f"{f['cpu_ms']} ms = {f['x_admin_cpu']}x the anchor ({admin['cpu_ms']} ms), p99 {f['p99_ms']} ms",
                )
        hook = _f(by_size, big, "webhook", "once")
        if hook and db == "postgres":
            w = hook["webhook"]
            add(
                f"{db} webhook {at}: >= 250 payments/s, each recorded once",
                w["payments_per_second"] >= 250 and w["exactly_once"],
                f"{w['payments_per_second']}/s, exactly once {w['exactly_once']}",
            )
        if len(sizes) > 1:
            names = sorted({n for s in sizes for n in by_size[s]["pages"]})
            for name in names:
                counts = {}
                for s in sizes:
                    page = by_size[s]["pages"].get(name, {})
                    f = page.get("warm") or page.get("cold")
                    if f and f.get("queries") is not None:
                        counts[label(int(s))] = f"{f['queries']}/{f['queries_cold']}"
                if len(counts) > 1:
                    add(
                        f"{db} {name}: queries per request (warm/cold) the same at every size",
                        len(set(counts.values())) == 1,
                        json.dumps(counts),
                    )
        for s in sizes:
            rss = by_size[s]["worker_rss_mb"]
            add(f"{db} worker RSS <= 200 MB @{label(int(s))}", rss and max(rss) <= 200, f"{rss}")
    return checks


def table(db: str, size: int, r: dict) -> str:
    head = (
        f"\n{db} — {r['invoices']:,} invoices, {r.get('products') or 0:,} products, "
        f"{r.get('order_lines') or 0:,} order lines — gunicorn 2 workers, wrk {CONNECTIONS} connections, "
        f"{DURATION}s each — worker RSS {', '.join(f'{m:.0f}' for m in r['worker_rss_mb'])} MB\n"
    )
    cols = (
        f"{'page':<18} {'mode':<4} {'cpu ms':>7} {'app':>6} {'db':>6} {'x cont':>6} {'req/s':>8} {'p50':>7} "
        f"{'p99':>7} {'err':>4} {'queries':>7}"
    )
    lines = [head, cols, "-" * len(cols)]
    for name, modes in r["pages"].items():
        for mode, f in modes.items():
            q = "" if f.get("queries") is None else f"{f['queries']}/{f['queries_cold']}"
            lines.append(
                f"{name:<18} {mode:<4} {f['cpu_ms']:>7.2f} {f['cpu_app_ms']:>6.2f} {f['cpu_db_ms']:>6.2f} "
                f"{f['x_content_cpu'] or 0:>6.2f} {f['rps']:>8.1f} {f['p50_ms']:>7.1f} {f['p99_ms']:>7.1f} "
                f"{f['errors']:>4} {q:>7}"
            )
            if name == "webhook":
                w = f["webhook"]
                lines.append(
                    f"{'':<18} recorded {w['recorded']} payments ({w['payments_per_second']}/s), "
                    f"exactly once: {w['exactly_once']}"
                )
    for name, why in r.get("skipped", {}).items():
        lines.append(f"{name:<18} not measured: {why}")
    return "\n".join(lines)


def main() -> None:
    if not Path(WRK).exists():
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    CACHE.mkdir(parents=True, exist_ok=True)
    env = django_env(DBS[0], SIZES[0])
    if os.environ.get("BENCH_COLLECTSTATIC", "1") == "1":  # 0: reuse the last run's files (iterating)
        print("collectstatic (production storage: hashed, compressed)")
        run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    started = time.monotonic()
    runs: dict = {}
    for db in DBS:
        runs[db] = bench_db(db)
    tables = [table(db, int(s), r) for db, by_size in runs.items() for s, r in by_size.items()]
    print("\n".join(tables))
    checks = budgets(runs)
    print("\nBudgets")
    for c in checks:
        print(f"  {'MET   ' if c['met'] else 'MISSED'} {c['budget']}: {c['detail']}")
    met = sum(c["met"] for c in checks)
    print(f"\n{met} of {len(checks)} budgets met")
    load = os.getloadavg()
    result = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cores": os.cpu_count(),
            "load_avg_after": [round(x, 2) for x in load],
            "python": platform.python_version(),
        },
        "settings": {
            "duration_s": DURATION,
            "connections": CONNECTIONS,
            "wrk_threads": THREADS,
            "gunicorn_workers": 2,
            "mix_customers": MIX_CUSTOMERS,
            "quick": QUICK,
            "seconds": round(time.monotonic() - started),
        },
        "runs": runs,
        "budgets": checks,
    }
    if QUICK or ONLY:
        result["partial"] = True
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    print(f"\nwritten to {OUT.relative_to(ROOT) if OUT.is_relative_to(ROOT) else OUT}")


if __name__ == "__main__":
    main()
