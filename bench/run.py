"""`make bench`: build the scale data sets, serve the portal with gunicorn, drive it with wrk, print the figures.

Environment (all optional):
    BENCH_SIZES=1000,10000,100000   invoices of the busiest account, one data set and one gunicorn per size
    BENCH_DBS=sqlite,postgres       databases to run on
    BENCH_DURATION=10               seconds of load per endpoint
    BENCH_CONNECTIONS=16            wrk connections (BENCH_THREADS=2 wrk threads)
    BENCH_PAGES=dashboard,...       only these endpoints (the bare view and the ContentPage always run)
    BENCH_PORT=8731                 first gunicorn's port on 127.0.0.1 (one more port per size)
    BENCH_PG_URL=postgres://postgres@127.0.0.1:5432   server for the bench_<size> databases
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

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "1000,10000,100000").split(",") if s.strip()]
DBS = [d.strip() for d in os.environ.get("BENCH_DBS", "sqlite,postgres").split(",") if d.strip()]
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
PORT = int(os.environ.get("BENCH_PORT", "8731"))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REBUILD = os.environ.get("BENCH_REBUILD") == "1"
OUT = Path(os.environ.get("BENCH_OUT", ROOT / "bench" / "results" / "latest.json"))
ONLY = {p.strip() for p in os.environ.get("BENCH_PAGES", "").split(",") if p.strip()}

PAGES = [
    "bare",
    "content_page",
    "dashboard",
    "invoice_list",
    "invoice_search",
    "invoice_detail",
    "invoice_pdf",
    "document_library",
    "webhook",
]
BUDGET_PAGES = ("dashboard", "invoice_list", "invoice_detail")


def label(size: int) -> str:
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def dataset_version() -> int:
    text = (ROOT / "bench" / "dataset.py").read_text()
    return int(re.search(r"^DATASET_VERSION = (\d+)", text, re.M).group(1))


def database_url(db: str, size: int) -> str:
    if db == "sqlite":
        return f"sqlite:///{CACHE / f'bench_{label(size)}.sqlite3'}"
    return f"{PG_URL}/bench_{label(size)}"


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
        PYTHONUNBUFFERED="1",
    )
    return env


def run(cmd: list[str], env: dict, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, cwd=ROOT, check=True, **kw)


def pg_admin(args: list[str]) -> subprocess.CompletedProcess:
    from urllib.parse import urlparse

    u = urlparse(PG_URL)
    base = ["-h", u.hostname or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres"]
    return subprocess.run([args[0], *base, *args[1:]], capture_output=True, text=True)


def pg_exists(name: str) -> bool:
    out = pg_admin(["psql", "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'", "postgres"])
    return out.stdout.strip() == "1"


def ensure_dataset(db: str, size: int) -> dict:
    """Build the data set unless a cached one of the same version and size exists; migrate it either way."""
    CACHE.mkdir(parents=True, exist_ok=True)
    marker = CACHE / f"{db}_{label(size)}.json"
    want = {"version": dataset_version(), "invoices": size}
    env = django_env(db, size)
    sqlite_file = CACHE / f"bench_{label(size)}.sqlite3"
    pg_name = f"bench_{label(size)}"
    present = sqlite_file.exists() if db == "sqlite" else pg_exists(pg_name)
    if not REBUILD and present and marker.exists() and json.loads(marker.read_text()).get("key") == want:
        print(f"[{db} {label(size)}] cached data set; migrating")
        run([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
        return json.loads(marker.read_text())
    print(f"[{db} {label(size)}] building the data set ({size:,} invoices)")
    marker.unlink(missing_ok=True)
    if db == "sqlite":
        sqlite_file.unlink(missing_ok=True)
    else:
        pg_admin(["dropdb", "--if-exists", "--force", pg_name])
        created = pg_admin(["createdb", pg_name])
        if created.returncode:
            raise SystemExit(created.stderr)
    started = time.monotonic()
    run([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
    out = run([PY, "bench/dataset.py", "build", "--invoices", str(size)], env, stdout=subprocess.PIPE, text=True)
    info = json.loads(out.stdout.strip().splitlines()[-1])
    info["build_seconds"] = round(time.monotonic() - started, 1)
    if db == "postgres":
        pg_admin(["psql", "-qc", "VACUUM ANALYZE", pg_name])
    marker.write_text(json.dumps({"key": want, **info}))
    print(f"[{db} {label(size)}] built in {info['build_seconds']}s")
    return {"key": want, **info}


class Server:
    """gunicorn with the production configuration (2 workers) on 127.0.0.1."""

    def __init__(self, env: dict, log: Path, port: int):
        self.env, self.log, self.port = env, log, port
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
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"p50":%d,"p95":%d,"p99":%d,"mean":%.1f,"max":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max))
end
"""

LUA_WEBHOOK = r"""
local counter = 1
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
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


def wrk(url: str, script: str, args: list[str] | None = None) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script + LUA_DONE)
        lua = fh.name
    cmd = [WRK, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--timeout", "10s", "-s", lua, url]
    if args:
        cmd += ["--", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    os.unlink(lua)
    line = next(x for x in out.stdout.splitlines() if x.startswith("BENCHJSON "))
    raw = json.loads(line.removeprefix("BENCHJSON "))
    seconds = raw["duration_us"] / 1e6
    errors = raw["connect"] + raw["read"] + raw["write"] + raw["status"] + raw["timeout"]
    return {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds, 1),
        "p50_ms": round(raw["p50"] / 1000, 1),
        "p95_ms": round(raw["p95"] / 1000, 1),
        "p99_ms": round(raw["p99"] / 1000, 1),
        "max_ms": round(raw["max"] / 1000, 1),
        "errors": errors,
        "error_detail": {k: raw[k] for k in ("connect", "read", "write", "status", "timeout") if raw[k]},
        "seconds": round(seconds, 2),
    }


def warm(url: str, cookie: str | None, n: int = 12) -> None:
    for _ in range(n):
        req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
        with urllib.request.urlopen(req, timeout=30) as response:
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
    """One data size of one database: its data set, its signed-in session and URLs, its own gunicorn."""

    db: str
    size: int
    port: int
    info: dict = field(default_factory=dict)
    prep: dict = field(default_factory=dict)

    @property
    def tag(self) -> str:
        return f"{self.db}_{label(self.size)}"

    @property
    def env(self) -> dict:
        return django_env(self.db, self.size)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def measure(target: Target, name: str) -> dict:
    """One endpoint under load on the target's server."""
    page = target.prep["pages"][name]
    cookie = f"sessionid={target.prep['session']}"
    drain(target.base)
    if name == "webhook":
        stamp = int(time.time())
        events = CACHE / f"webhook_{target.tag}.tsv"
        hook = target.prep["webhook"]
        with events.open("w") as fh:
            for n, (pk, amount) in enumerate(hook["invoices"], start=1):
                body, sig = sign_event(n, hook["account"], pk, amount, secret=WEBHOOK_SECRET, stamp=stamp)
                fh.write(f"{body}\t{sig}\n")
        figures = wrk(target.base + page["url"], LUA_WEBHOOK, [str(events), str(THREADS)])
        drain(target.base)  # the deliveries still queued are recorded before the check
        check_file = CACHE / f"webhook_check_{target.tag}.json"
        run([PY, "bench/dataset.py", "webhook-check", "--out", str(check_file)], target.env)
        check = json.loads(check_file.read_text())
        check["events_available"] = len(hook["invoices"])
        check["payments_per_second"] = round(check["recorded"] / figures["seconds"], 1)
        figures["webhook"] = check
    else:
        needs = page["signed_in"]
        warm(target.base + page["url"], cookie if needs else None)
        script = f'wrk.headers["Cookie"] = "{cookie}"\n' if needs else ""
        figures = wrk(target.base + page["url"], script)
    figures["queries"] = page["queries"]
    figures["queries_cold"] = page.get("queries_cold", page["queries"])
    figures["url"] = page["url"]
    return figures


def bench_db(db: str) -> dict:
    """Every data size of one database, page by page.

    Each size has its own gunicorn (ports PORT, PORT + 1, ...), all started before the first measurement; only
    the one under load is busy. Each endpoint is measured at every size back to back, seconds apart (in turn
    smallest first and largest first), so a change in the shared machine's speed during the run falls on all
    sizes of a page alike instead of on whole sizes (which separate runs, minutes apart, turned into growth
    figures of ±15% for pages whose cost does not depend on the data size at all).
    """
    targets = [Target(db, size, PORT + i) for i, size in enumerate(SIZES)]
    for t in targets:
        t.info = ensure_dataset(db, t.size)
        prep_file = CACHE / f"prepare_{t.tag}.json"
        print(f"[{db} {label(t.size)}] queries per request, session, URLs")
        run([PY, "bench/dataset.py", "prepare", "--out", str(prep_file)], t.env)
        t.prep = json.loads(prep_file.read_text())
    results = {str(t.size): {"invoices": t.prep["invoices"], "dataset": t.info, "pages": {}} for t in targets}
    with ExitStack() as stack:
        servers = [stack.enter_context(Server(t.env, CACHE / f"gunicorn_{t.tag}.log", t.port)) for t in targets]
        names = [n for n in PAGES if not ONLY or n in ONLY or n in ("bare", "content_page")]
        for i, name in enumerate(names):
            for t in targets if i % 2 == 0 else targets[::-1]:  # alternate the order: no size always goes last
                figures = measure(t, name)
                results[str(t.size)]["pages"][name] = figures
                print(
                    f"  {db} {label(t.size):>4} {name:<17} {figures['rps']:>8.1f} req/s  "
                    f"p50 {figures['p50_ms']:>7.1f}  p99 {figures['p99_ms']:>7.1f} ms  errors {figures['errors']}  "
                    f"queries {figures['queries']}",
                    flush=True,
                )
        for t, server in zip(targets, servers, strict=True):
            results[str(t.size)]["worker_rss_mb"] = server.rss_mb()
    for r in results.values():
        bare = r["pages"]["bare"]["rps"]
        content = r["pages"]["content_page"]["rps"]
        for figures in r["pages"].values():
            figures["x_bare"] = round(figures["rps"] / bare, 3) if bare else None
            figures["x_content_page"] = round(figures["rps"] / content, 3) if content else None
    return results


def table(db: str, size: int, r: dict) -> str:
    head = (
        f"\n{db} — {r['invoices']:,} invoices — gunicorn 2 workers, wrk {CONNECTIONS} connections, {DURATION}s each"
        f" — worker RSS {', '.join(f'{m:.0f}' for m in r['worker_rss_mb'])} MB\n"
    )
    cols = (
        f"{'page':<17} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6} {'queries':>7} {'cold':>4}"
    )
    cols += f" {'x bare':>7} {'x content':>9}"
    lines = [head, cols, "-" * len(cols)]
    for name, f in r["pages"].items():
        lines.append(
            f"{name:<17} {f['rps']:>8.1f} {f['p50_ms']:>8.1f} {f['p95_ms']:>8.1f} {f['p99_ms']:>8.1f} "
            f"{f['errors']:>6} {f['queries']:>7} {f.get('queries_cold', f['queries']):>4} "
            f"{f['x_bare']:>7.3f} {f['x_content_page']:>9.3f}"
        )
        if name == "webhook":
            w = f["webhook"]
            lines.append(
                f"{'':<17} recorded {w['recorded']} payments ({w['payments_per_second']}/s), "
                f"exactly once: {w['exactly_once']}"
            )
    return "\n".join(lines)


def budgets(runs: dict) -> list[dict]:
    """The issue's budgets, evaluated on this run's figures."""
    checks = []

    def add(name, ok, detail):
        checks.append({"budget": name, "met": bool(ok), "detail": detail})

    for db, by_size in runs.items():
        sizes = sorted(int(s) for s in by_size)
        big, small = str(sizes[-1]), str(sizes[0])
        r = by_size[big]["pages"]
        for name in BUDGET_PAGES:
            if name not in r:
                continue
            f = r[name]
            add(
                f"{db} {name} @{label(int(big))}: x content >= 1.0, p99 <= 100 ms, 0 errors",
                f["x_content_page"] >= 1.0 and f["p99_ms"] <= 100 and f["errors"] == 0,
                f"x content {f['x_content_page']}, p99 {f['p99_ms']} ms, errors {f['errors']}",
            )
        if "invoice_pdf" in r:
            add(
                f"{db} invoice PDF median <= 150 ms",
                r["invoice_pdf"]["p50_ms"] <= 150,
                f"{r['invoice_pdf']['p50_ms']} ms",
            )
        if big != small:
            for name, f in r.items():
                if name in ("bare", "webhook"):
                    continue
                base = by_size[small]["pages"].get(name)
                if base:
                    ratio = round(f["rps"] / base["rps"], 3) if base["rps"] else 0
                    add(f"{db} {name} growth @{label(int(big))}/@{label(int(small))} >= 0.90", ratio >= 0.9, f"{ratio}")
        for name in r:
            counts = {s: by_size[s]["pages"][name]["queries"] for s in by_size if name in by_size[s]["pages"]}
            add(f"{db} {name} queries identical at every size", len(set(counts.values())) == 1, json.dumps(counts))
        if "webhook" in r and db == "postgres":
            w = r["webhook"]["webhook"]
            add(
                f"{db} webhook >= 200 payments/s, each once",
                w["payments_per_second"] >= 200 and w["exactly_once"],
                f"{w['payments_per_second']}/s, exactly once {w['exactly_once']}",
            )
        for s in by_size:
            rss = by_size[s]["worker_rss_mb"]
            add(f"{db} worker RSS <= 200 MB @{label(int(s))}", rss and max(rss) <= 200, f"{rss}")
    return checks


def main() -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    env = django_env(DBS[0], SIZES[0])
    print("collectstatic (production storage: hashed, compressed)")
    run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    runs: dict = {}
    for db in DBS:
        runs[db] = bench_db(db)
    tables = [table(db, int(s), r) for db, by_size in runs.items() for s, r in by_size.items()]
    print("\n".join(tables))
    checks = budgets(runs)
    print("\nBudgets")
    for c in checks:
        print(f"  {'MET   ' if c['met'] else 'MISSED'} {c['budget']}: {c['detail']}")
    load = os.getloadavg()
    result = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cores": os.cpu_count(),
            "load_avg_after": [round(x, 2) for x in load],
            "python": platform.python_version(),
        },
        "settings": {"duration_s": DURATION, "connections": CONNECTIONS, "wrk_threads": THREADS, "gunicorn_workers": 2},
        "runs": runs,
        "budgets": checks,
    }
    if ONLY or set(DBS) != {"sqlite", "postgres"} or len(SIZES) < 3:
        result["partial"] = True
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    print(f"\nwritten to {OUT.relative_to(ROOT) if OUT.is_relative_to(ROOT) else OUT}")


if __name__ == "__main__":
    main()
