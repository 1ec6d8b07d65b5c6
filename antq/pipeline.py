"""The transform DAG's validation, importable and testable without Airflow (the ingestion's steps
are antq.ingest.night's)."""

from __future__ import annotations

import logging

from antq import config

log = logging.getLogger(__name__)


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
