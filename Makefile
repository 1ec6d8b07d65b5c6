# The two commands a new user needs: `make run` and `make test`. Everything else is installed from
# uv.lock into .venv by the first one that runs (uv itself goes into .tools/ if it is not on PATH),
# and the Data Docs' browser libraries from docs_assets/package-lock.json (npm) into docs_assets/.
# `bin/antq …` runs any antq command in that environment (installing it first if needed).
SHELL := /bin/bash
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
export AIRFLOW__COSMOS__ENABLE_TELEMETRY := False
export GX_ANALYTICS_ENABLED := False

.PHONY: run test test-fast lint lint-fix bench score install clean-data dashboard browser psql docs status

run: install  ## the main job: sample reports -> warehouse -> marts -> GX verdicts
	$(UV) run --frozen --no-sync antq run

test: install bi/.venv/.synced browser  ## the test suite, against real PostgreSQL (and the pages in headless Chromium)
	$(UV) run --frozen --no-sync pytest

test-fast: install  ## the tests that start no Airflow, dbt, Superset, browser or antq run (pytest -m "not integration")
	$(UV) run --frozen --no-sync pytest -m "not integration"

# Config in pyproject.toml ([tool.ruff], [tool.sqlfluff]) and .sqlfluffignore. Every check runs even
# when one fails, so one `make lint` lists everything.
lint: .venv/.synced  ## ruff (check + format) on the Python, sqlfluff on the SQL (dbt project, antq/sql)
	@status=0; \
	$(UV) run --frozen --no-sync ruff check . || status=1; \
	$(UV) run --frozen --no-sync ruff format --check . || status=1; \
	$(UV) run --frozen --no-sync sqlfluff lint . || status=1; \
	exit $$status

lint-fix: .venv/.synced  ## apply what ruff and sqlfluff can fix themselves, then lint to list what is left
	$(UV) run --frozen --no-sync ruff check --fix --exit-zero --silent .
	$(UV) run --frozen --no-sync ruff format .
	$(UV) run --frozen --no-sync sqlfluff fix . || true  # exits 1 when something is left: lint lists it
	@$(MAKE) --no-print-directory lint

psql: install  ## psql on the warehouse `make run` filled (its embedded PostgreSQL is started for it)
	$(UV) run --frozen --no-sync antq psql

docs: install  ## build the Data Docs and the dbt docs again, readable offline; prints where they are
	$(UV) run --frozen --no-sync antq docs

status: install  ## last runs, rejected files, failed expectations
	$(UV) run --frozen --no-sync antq status

dashboard: .venv/.synced bi/.venv/.synced  ## Superset on the warehouse `make run` filled, dashboards imported; prints URL and login
	$(UV) run --frozen --no-sync antq dashboard

bench: .venv/.synced  ## speed and memory figures (written to bench/results.json; python -m bench --help)
	$(UV) run --frozen --no-sync python -m bench

score: .venv/.synced  ## extractor scores on the shared gold sets: seeds, dev dA..dD, all dev, the rotation
	$(UV) run --frozen --no-sync antq score-sets

install: .venv/.synced docs_assets/node_modules/.installed

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

# --compile-bytecode: every Airflow, dbt or GX process imports thousands of modules; without .pyc files
# (PYTHONDONTWRITEBYTECODE, a read-only venv) each one compiles them again (~6 s a process here)
.venv/.synced: uv.lock pyproject.toml | $(if $(findstring .tools,$(UV)),.tools/bin/uv)
	$(UV) sync --frozen --compile-bytecode
	touch $@

# Apache Superset pins SQLAlchemy < 2 (Airflow needs 2.x): its own environment, bi/.venv from bi/uv.lock
bi/.venv/.synced: bi/uv.lock bi/pyproject.toml | $(if $(findstring .tools,$(UV)),.tools/bin/uv)
	$(UV) sync --frozen --compile-bytecode --project bi
	touch $@

# Debian's chromium and chromium-driver, for the browser tests (tests/test_bi.py, tests/test_offline_pages.py)
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; else \
	  echo "make browser: install Debian's chromium and chromium-driver (apt-get, as root)" >&2; exit 1; fi; \
	echo "installing chromium and chromium-driver (apt-get)"; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver

clean-data:  ## forget the local warehouse, Airflow home and GX context (the embedded PostgreSQL's data)
	rm -rf .data

# The browser libraries of the Data Docs (Bootstrap, bootstrap-table, jQuery, Vega, Font Awesome …),
# copied into the site by expectations/data_docs.py so the pages need no internet
docs_assets/node_modules/.installed: docs_assets/package.json docs_assets/package-lock.json
	@if command -v npm >/dev/null; then \
	  cd docs_assets && npm ci --loglevel=error && touch node_modules/.installed; \
	else echo "warning: npm not found: the Data Docs will need the internet for their styles (apt-get install npm)" >&2; fi
