"""What each DAG task does, importable and testable without Airflow.

The DAG files stay thin: they call these with the run's context (run id, date)."""
from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from antq import config

log = logging.getLogger(__name__)


def ingest(run_id: str, run_date: date, reports_dir: Path | None = None, url: str | None = None) -> dict:
    """The ingestion steps in one call (the DAG runs them as separate tasks)."""
    import psycopg

    from antq import ingest as steps
    from antq import manifest

    url = url or config.warehouse_url()
    reports_dir = reports_dir or config.reports_dir()
    new_files = steps.discover(url, reports_dir, run_date, run_id)
    manifest.read_landing(url, reports_dir, run_id)
    steps.load_raw(url, reports_dir, new_files, run_id)
    pending = steps.pending_report_ids(url)
    with psycopg.connect(config.libpq_url(url)) as conn:  # and those a manifest row came for later
        pending += [r for r in manifest.reports_to_restage(conn) if r not in set(pending)]
    result = steps.extract_and_stage(url, pending, run_id)
    return {"files_new": len(new_files), **result}


def validate(run_id: str, url: str | None = None, scope: str | None = None) -> dict:
    """Run the GX suites on the marts and record verdicts in dq.* (never deletes data).

    scope: "unvalidated" (default: the reports staged since the last validation) or "all";
    ANTQ_VALIDATION_SCOPE sets it for a run (e.g. `ANTQ_VALIDATION_SCOPE=all antq run`)."""
    import os

    import expectations

    url = url or config.warehouse_url()
    scope = scope or os.environ.get("ANTQ_VALIDATION_SCOPE", "unvalidated")
    summary = expectations.run_checks(url, run_id, config.gx_context_dir(), scope=scope)
    if summary.get("failed"):
        log.warning("GX: %s expectation(s) failed: %s", summary["failed"], summary.get("failed_expectations"))
    return summary
