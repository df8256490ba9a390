"""Markdown tables of a benchmark result (for the README): `python bench/report.py [bench/results/latest.json]`."""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "results" / "latest.json"
    data = json.loads(path.read_text())
    s = data["settings"]
    print(
        f"Run of {data['generated_at']}: {data['machine']['cores']} cores (shared), gunicorn {s['gunicorn_workers']} "
        f"workers, wrk {s['connections']} connections, {s['duration_s']} s per endpoint.\n"
    )
    for db, by_size in data["runs"].items():
        for size in sorted(by_size, key=int):
            run = by_size[size]
            rss = ", ".join(f"{m:.0f}" for m in run["worker_rss_mb"])
            print(f"**{db}, {int(size):,} invoices** (worker RSS after the run: {rss} MB)\n")
            print("| page | req/s | p50 ms | p95 ms | p99 ms | errors | queries (warm/cold) | × bare | × ContentPage |")
            print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
            for name, f in run["pages"].items():
                extra = ""
                if name == "webhook":
                    w = f["webhook"]
                    extra = f" — {w['recorded']} payments, {w['payments_per_second']}/s"
                    extra += f", exactly once: {w['exactly_once']}"
                print(
                    f"| {name}{extra} | {f['rps']:.1f} | {f['p50_ms']:.1f} | {f['p95_ms']:.1f} | {f['p99_ms']:.1f} | "
                    f"{f['errors']} | {f['queries']}/{f.get('queries_cold', f['queries'])} | {f['x_bare']:.3f} | "
                    f"{f['x_content_page']:.3f} |"
                )
            print()
    print("Budgets:\n")
    for check in data["budgets"]:
        print(f"- {'met' if check['met'] else '**missed**'}: {check['budget']} ({check['detail']})")


if __name__ == "__main__":
    main()
