# Two commands do everything on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint install check bench serve soak stack stack-test vnu

# Development and tests install requirements-dev.txt (production's requirements.txt plus tests and tools).
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -d $(VENV) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo_data --site-url http://$(HOST):$(PORT)
	$(VENV)/bin/localstripe --port 8420 > localstripe.log 2>&1 & echo $$! > .localstripe.pid
	$(PY) manage.py run_scheduler > scheduler.log 2>&1 & echo $$! > .scheduler.pid
	$(PY) manage.py localstripe_setup --url http://$(HOST):$(PORT)/stripe/webhook/
	@echo "Portal running at http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# The Nu HTML checker (vnu.jar from npm's vnu-jar; runs on Java) for portal_pages/tests/test_a11y_html_validity.py,
# in the git-ignored .tools/vnu/. Without npm or Java the test skips (CI installs both and requires it).
VNU_JAR := .tools/vnu/node_modules/vnu-jar/build/dist/vnu.jar
$(VNU_JAR):
	mkdir -p .tools/vnu
	npm install --prefix .tools/vnu --no-audit --no-fund --silent vnu-jar@26.9.27

vnu:
	@if command -v npm >/dev/null; then $(MAKE) -s $(VNU_JAR); else echo "npm not found: the HTML check skips"; fi

test: install vnu
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

# A random SECRET_KEY for `make serve`, kept in a git-ignored file (used only when SECRET_KEY is unset).
.secret_key:
	umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

# Production-like local run: gunicorn, production settings, PostgreSQL on 127.0.0.1.
serve: install .secret_key
	DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=$${SECRET_KEY:-$$(cat .secret_key)} \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-127.0.0.1,localhost} SECURE_SSL_REDIRECT=0 \
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} \
	STRIPE_SECRET_KEY=$${STRIPE_SECRET_KEY:-sk_test_localstripe} STRIPE_PUBLISHABLE_KEY=$${STRIPE_PUBLISHABLE_KEY:-pk_test_localstripe} \
	STRIPE_WEBHOOK_SECRET=$${STRIPE_WEBHOOK_SECRET:-whsec_localstripe} STRIPE_API_BASE=$${STRIPE_API_BASE:-http://127.0.0.1:8420} \
	sh -c '$(PY) manage.py migrate --noinput && $(PY) manage.py collectstatic --noinput -v0 && \
	$(VENV)/bin/gunicorn -c site/config/gunicorn.py config.wsgi'

# The production topology on this machine (stack/run.py): nginx on 127.0.0.1:8100 in front of two gunicorn app
# servers, PostgreSQL (database `stack`), Redis, moto's S3 server, a django-tasks worker, the scheduler, localstripe.
stack: install
	$(PY) stack/run.py

# Scripted checks against that stack on free ports (stack/check.py): sessions across servers, S3, cache
# coherence, scheduled publishing, a server killed and a rolling restart under load, Redis stopped, a worker
# killed mid-task; one line per check with its figure. QUICK=1: the short form CI runs.
stack-test: install
	$(PY) stack/check.py $(if $(QUICK),--quick)

# Reliability: 50 customers for 2 minutes against gunicorn on a throwaway PostgreSQL cluster, which is
# restarted under load while signed webhooks record payments (soak/run.py; locust in its own venv).
SOAK_VENV ?= .venv-soak
$(SOAK_VENV)/.installed: soak/requirements.txt
	test -d $(SOAK_VENV) || python3 -m venv $(SOAK_VENV)
	$(SOAK_VENV)/bin/pip install -q -r soak/requirements.txt
	touch $@

soak: install $(SOAK_VENV)/.installed
	$(PY) soak/run.py --locust $(SOAK_VENV)/bin/locust

# Benchmark (bench/run.py, bench/README.md): scale data sets, gunicorn (production settings, 2 workers), wrk at 16
# connections, warm and cold, CPU ms per request; needs wrk. BENCH_QUICK=1 make bench  for a smoke run.
bench: install
	$(PY) bench/run.py
