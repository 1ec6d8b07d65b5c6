# The two commands a new user needs: `make run` and `make test`. Everything else is installed from
# uv.lock into .venv by the first one that runs (uv itself goes into .tools/ if it is not on PATH).
SHELL := /bin/bash
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
export AIRFLOW__COSMOS__ENABLE_TELEMETRY := False
export GX_ANALYTICS_ENABLED := False

.PHONY: run test bench score install clean-data dashboard browser

run: .venv/.synced  ## the main job: sample reports -> warehouse -> marts -> GX verdicts
	$(UV) run --frozen --no-sync antq run

test: .venv/.synced bi/.venv/.synced browser  ## the test suite, against real PostgreSQL (and Superset in a real browser)
	$(UV) run --frozen --no-sync pytest

dashboard: .venv/.synced bi/.venv/.synced  ## Superset on the warehouse `make run` filled, dashboards imported; prints URL and login
	$(UV) run --frozen --no-sync antq dashboard

bench: .venv/.synced  ## speed and memory figures (written to bench/results.json)
	$(UV) run --frozen --no-sync antq bench

score: .venv/.synced  ## extractor scores on the shared gold sets: seeds, dev dA..dD, all dev, the rotation
	$(UV) run --frozen --no-sync antq score-sets

install: .venv/.synced

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

.venv/.synced: uv.lock pyproject.toml | $(if $(findstring .tools,$(UV)),.tools/bin/uv)
	$(UV) sync --frozen
	touch $@

# Apache Superset pins SQLAlchemy < 2 (Airflow needs 2.x): its own environment, bi/.venv from bi/uv.lock
bi/.venv/.synced: bi/uv.lock bi/pyproject.toml | $(if $(findstring .tools,$(UV)),.tools/bin/uv)
	$(UV) sync --frozen --project bi
	touch $@

# Debian's chromium and chromium-driver, for the dashboards' browser test (tests/test_bi.py)
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; else \
	  echo "make browser: install Debian's chromium and chromium-driver (apt-get, as root)" >&2; exit 1; fi; \
	echo "installing chromium and chromium-driver (apt-get)"; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver

clean-data:  ## forget the local warehouse, Airflow home and GX context (the embedded PostgreSQL's data)
	rm -rf .data
