"""run_checks: one validation run, end to end. Records the reports in scope (expectations.dq),
gets the GX objects (expectations.context), runs the checkpoint, turns its results into verdicts
and writes them (expectations.verdicts), and makes the Data Docs readable offline
(expectations.data_docs).

great_expectations and psycopg are imported inside run_checks: importing this module stays cheap.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from antq.config import libpq_url, redact_url

from . import data_docs
from .context import (
    DATASOURCE_NAME,
    build_checkpoint,
    dispose,
    file_context,
    plain_decimal_conversion,
    quiet_gx_warnings,
    unexpected_rows_read_once,
    warehouse_url_in_env,
)
from .dq import SCOPES, start_validation
from .rules import load_rules
from .verdicts import collect_verdicts, write_verdicts

log = logging.getLogger(__name__)


def run_checks(
    warehouse_url: str,
    run_id: str,
    context_root: str | Path,
    *,
    rules_path: str | Path | None = None,
    scope: str = "unvalidated",
) -> dict[str, Any]:
    """Run every rule through the GX checkpoint and record the verdicts in schema dq.

    `scope` "unvalidated" (the default, what a night does) checks the rows of the reports staged
    since the last validation; "all" checks every row. Either way the reports checked are recorded
    in dq.validated_reports, with the verdicts: run_id's rows in dq.validation_results /
    dq.flagged_figures / dq.validated_reports are replaced in one transaction. Reads the marts on a
    read-only connection and never changes them. Returns {run_id, scope, reports_validated,
    evaluated, passed, failed, warnings, failed_expectations, warning_expectations,
    errored_expectations, flagged_figures, skipped, success, data_docs_index, data_docs_offline}.
    """
    import psycopg
    from great_expectations.core.run_identifier import RunIdentifier

    if not run_id:
        raise ValueError("run_id is required")
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, not {scope!r}")
    rules = load_rules(rules_path)
    with psycopg.connect(libpq_url(warehouse_url)) as conn:
        reports = start_validation(conn, run_id, scope)
    with warehouse_url_in_env(warehouse_url), quiet_gx_warnings():
        context = file_context(context_root)
        checkpoint, skipped = build_checkpoint(context, rules, data_docs_action=False)
        datasource = context.data_sources.get(DATASOURCE_NAME)
        data_docs.register_unexpected_rows_table()  # the Data Docs show a failed rule's rows
        docs_since = time.time() - 1  # the pages written from here on are this run's
        try:
            if checkpoint is not None:
                with plain_decimal_conversion(), unexpected_rows_read_once() as rows_read:
                    result = checkpoint.run(run_id=RunIdentifier(run_name=run_id))
                verdicts = collect_verdicts(result, rules, datasource.get_engine(), rows_read)
                data_docs.build_run_docs(context, result)
            else:
                verdicts = []
                context.build_data_docs()
        finally:
            dispose(datasource)
        docs_index = data_docs.docs_index(context)
        docs_offline = data_docs.make_docs_offline(docs_index, since=docs_since)

    with psycopg.connect(libpq_url(warehouse_url), autocommit=True) as conn:
        write_verdicts(conn, run_id, verdicts)

    failed = [v for v in verdicts if not v.success and v.severity == "error"]
    warned = [v for v in verdicts if not v.success and v.severity == "warning"]
    summary = {
        "run_id": run_id,
        "scope": scope,
        "reports_validated": len(reports),
        "evaluated": len(verdicts),
        "passed": sum(v.success for v in verdicts),
        "failed": len(failed),
        "warnings": len(warned),
        "failed_expectations": [v.expectation for v in failed],
        "warning_expectations": [v.expectation for v in warned],
        "errored_expectations": [v.expectation for v in verdicts if "error" in v.details],
        "flagged_figures": sum(len(v.flagged) for v in verdicts),
        "skipped": skipped,
        "success": not failed,
        "data_docs_index": docs_index,
        "data_docs_offline": docs_offline,
    }
    log.info(
        "GX run %s on %s (%d reports, scope %s): %d evaluated, %d passed, %d failed, %d warnings, %d skipped suites",
        run_id,
        redact_url(warehouse_url),
        len(reports),
        scope,
        summary["evaluated"],
        summary["passed"],
        summary["failed"],
        summary["warnings"],
        len(skipped),
    )
    return summary
