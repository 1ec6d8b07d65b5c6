# The two commands a new user needs: `make run` and `make test`. Everything else is installed from
# uv.lock into .venv by the first one that runs (uv itself goes into .tools/ if it is not on PATH).
SHELL := /bin/bash
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
export AIRFLOW__COSMOS__ENABLE_TELEMETRY := False
export GX_ANALYTICS_ENABLED := False

.PHONY: run test bench score install clean-data

run: .venv/.synced  ## the main job: sample reports -> warehouse -> marts -> GX verdicts
	$(UV) run --frozen --no-sync antq run

test: .venv/.synced  ## the test suite, against real PostgreSQL
	$(UV) run --frozen --no-sync pytest

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

clean-data:  ## forget the local warehouse, Airflow home and GX context (the embedded PostgreSQL's data)
	rm -rf .data
