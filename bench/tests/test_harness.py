"""The benchmark harness at a tiny size, so that `make bench` cannot rot unnoticed (marked ``bench``).

The data set is built into the test database, ``prepare`` lists every endpoint's rotation and counts its
queries warm and cold (through the cold switch of the bench settings), and, when wrk is installed, the load
scripts drive a live server: a rotation with a signed-in cookie, the many-customer mix (each request once) and
the CPU meter; the budgets and tables are computed from the figures.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest
from django.conf import settings
from django.test import override_settings

pytestmark = [pytest.mark.bench, pytest.mark.django_db(transaction=True)]

BENCH_CACHES = {
    **settings.CACHES,
    "default": {**settings.CACHES["default"], "BACKEND": "bench.coldcache.ColdLocMemCache"},
}
BENCH_MIDDLEWARE = ["bench.coldcache.ColdSwitchMiddleware", *settings.MIDDLEWARE]


@pytest.fixture
def prepared(tmp_path):
    from bench import dataset

    with override_settings(CACHES=BENCH_CACHES, MIDDLEWARE=BENCH_MIDDLEWARE, ROOT_URLCONF="config.urls_bench"):
        info = dataset.build(30)
        out = tmp_path / "prepare.json"
        dataset.prepare(str(out))
        yield info, json.loads(out.read_text())


def test_harness(prepared, live_server, monkeypatch, tmp_path):
    """One data set for both halves (building it is most of the test's time)."""
    _prepare_covers_every_endpoint(*prepared)
    if shutil.which("wrk"):
        _load_scripts_cpu_meter_and_budgets(prepared[1], live_server, monkeypatch, tmp_path)


def _prepare_covers_every_endpoint(info, prep):
    from bench import run

    assert info["invoices"] == 30 and info["customers"] == 200
    assert prep["skipped"] == {}
    endpoints = set(run.PAGES) - {"mix", "after_write"}
    assert endpoints <= set(prep["pages"]), endpoints - set(prep["pages"])
    # cold requests read no page, fragment or data cache entry: they do the page's work
    dashboard = prep["pages"]["dashboard"]
    assert dashboard["queries_cold"] > dashboard["queries"]
    # rotations: other invoices, other sorts, the last page; the mix: 200 customers x 4 pages
    assert len(set(prep["pages"]["invoice_detail"]["urls"])) > 1
    assert len(prep["pages"]["invoice_sorts"]["urls"]) == 12
    assert len(prep["pages"]["invoice_pdf"]["urls"]) > 1
    assert len(prep["mix"]) == 800 and len({cookie for cookie, _url in prep["mix"]}) == 200


def _load_scripts_cpu_meter_and_budgets(prep, live_server, monkeypatch, tmp_path):
    from bench import run

    monkeypatch.setattr(run, "CACHE", tmp_path)
    monkeypatch.setattr(run, "DURATION", 1)
    monkeypatch.setattr(run, "CONNECTIONS", 2)
    monkeypatch.setattr(run, "MIX_CUSTOMERS", 5)

    class InProcess(run.Server):
        """The live server's process stands in for the gunicorn workers."""

        def workers(self):
            return [os.getpid()]

    server = InProcess({}, tmp_path / "log", 0, "sqlite", None)
    target = run.Target("sqlite", 30, 0, prep=prep, prep_file=tmp_path / "prep.json", server=server)
    target.prep_file.write_text(json.dumps(prep))
    monkeypatch.setattr(run.Target, "base", property(lambda self: live_server.url))
    with override_settings(CACHES=BENCH_CACHES, MIDDLEWARE=BENCH_MIDDLEWARE, ROOT_URLCONF="config.urls_bench"):
        pages = {
            "content_page": {"warm": run.measure(target, "content_page", "warm")},
            "dashboard": {
                "warm": run.measure(target, "dashboard", "warm"),
                "cold": run.measure(target, "dashboard", "cold"),
            },
            "mix": {"once": run.measure(target, "mix", "once")},
        }
    for modes in pages.values():
        for figures in modes.values():
            assert figures["errors"] == 0 and figures["requests"] > 0 and figures["cpu_ms"] >= 0
    assert pages["mix"]["once"]["requests"] == 20  # 5 customers x 4 pages, each once
    by_size = {"30": {"invoices": 30, "pages": pages, "worker_rss_mb": [100.0]}}
    run.ratios(by_size["30"])
    checks = run.budgets({"sqlite": by_size})
    names = [c["budget"] for c in checks]
    assert any("dashboard cold" in n for n in names) and any(n.startswith("sqlite mix") for n in names)
    assert "dashboard" in run.table("sqlite", 30, by_size["30"])
