"""Markdown tables of a benchmark result (for the README): `python bench/report.py [bench/results/latest.json]`.

With ``--readme`` the tables replace what stands between the bench-figures markers of bench/README.md.
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "bench" / "README.md"


def _x(value) -> str:
    return "" if value is None else f"{value:.2f}"


def markdown(data: dict) -> str:
    s = data["settings"]
    out = [
        f"Run of {data['generated_at']}: {data['machine']['cores']} cores (shared; load average after the run "
        f"{', '.join(map(str, data['machine']['load_avg_after']))}), gunicorn {s['gunicorn_workers']} workers, "
        f"wrk {s['connections']} connections, {s['duration_s']} s per endpoint and mode, "
        f"{s.get('mix_customers', '?')} customers in the mix"
        + (" (partial run)" if data.get("partial") else "")
        + ".\n",
        "CPU ms = CPU time per request of the gunicorn workers (app) plus their PostgreSQL backends (db); "
        "× CP = ratio to the anonymous ContentPage (warm) of the same size in the same run.\n",
    ]
    for db, by_size in data["runs"].items():
        for size in sorted(by_size, key=int):
            run = by_size[size]
            rss = ", ".join(f"{m:.0f}" for m in run["worker_rss_mb"])
            out.append(
                f"**{db}, {int(size):,} invoices, {run.get('products') or 0:,} products, "
                f"{run.get('order_lines') or 0:,} order lines** (worker RSS after the run: {rss} MB)\n"
            )
            out.append(
                "| page | mode | CPU ms (app + db) | × CP CPU | req/s | × CP req/s | p50 ms | p99 ms | errors "
                "| queries warm/cold |"
            )
            out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
            for name, modes in run["pages"].items():
                for mode, f in modes.items():
                    extra = ""
                    if name == "webhook":
                        w = f["webhook"]
                        extra = f" — {w['recorded']} payments, {w['payments_per_second']}/s, once: {w['exactly_once']}"
                    if name == "mix":
                        extra = f" — {f.get('customers')} customers × 4 pages"
                    q = "" if f.get("queries") is None else f"{f['queries']}/{f['queries_cold']}"
                    out.append(
                        f"| {name}{extra} | {mode} | {f['cpu_ms']:.2f} ({f['cpu_app_ms']:.2f} + {f['cpu_db_ms']:.2f}) "
                        f"| {_x(f.get('x_content_cpu'))} | {f['rps']:.1f} | {_x(f.get('x_content_rps'))} "
                        f"| {f['p50_ms']:.1f} | {f['p99_ms']:.1f} | {f['errors']} | {q} |"
                    )
            for name, why in run.get("skipped", {}).items():
                out.append(f"| {name} | not measured: {why} | | | | | | | | |")
            out.append("")
    met = sum(c["met"] for c in data["budgets"])
    out.append(f"Budgets ({met} of {len(data['budgets'])} met):\n")
    for check in data["budgets"]:
        out.append(f"- {'met' if check['met'] else '**missed**'}: {check['budget']} ({check['detail']})")
    return "\n".join(out) + "\n"


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--readme"]
    path = Path(args[0]) if args else ROOT / "bench" / "results" / "latest.json"
    text = markdown(json.loads(path.read_text()))
    if "--readme" in sys.argv:
        readme = README.read_text()
        start, end = "<!-- bench-figures -->\n", "<!-- /bench-figures -->"
        head, rest = readme.split(start, 1)
        README.write_text(head + start + text + end + rest.split(end, 1)[1])
    else:
        print(text)


if __name__ == "__main__":
    main()
