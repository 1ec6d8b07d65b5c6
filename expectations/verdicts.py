"""Verdicts: GX's validation results turned into rows of dq.validation_results (one per rule) and
dq.flagged_figures (one per unexpected row that names a figure, or a report for the per-report
rules), written for a run_id in one transaction. Never touches the marts.

SQLAlchemy is imported inside the functions; the psycopg connection is the caller's."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from .dq import ensure_dq_tables
from .rules import Rule, RuleSet

# The first unexpected rows kept in dq.validation_results.details (and shown in the Data Docs):
# dq.flagged_figures has them all.
SAMPLE_ROWS_IN_DETAILS = 50


@dataclass
class Verdict:
    """One expectation's outcome, as written to dq.validation_results."""

    suite: str
    expectation: str
    success: bool
    unexpected_count: int
    severity: str
    details: dict[str, Any]
    flagged: list[tuple[str, str]] = field(default_factory=list)  # (figure_id, message)


def _exception_message(exception_info: Any) -> str | None:
    """exception_info is {raised_exception, exception_message, ...} or {metric_id: that}."""
    if not exception_info:
        return None
    infos = [exception_info] if "raised_exception" in exception_info else list(exception_info.values())
    for info in infos:
        if isinstance(info, dict) and info.get("raised_exception"):
            return info.get("exception_message") or "exception raised"
    return None


def _fetch_all_rows(engine, rule: Rule, table: str) -> list[dict]:
    """All unexpected rows, for when GX's result holds only the first 200."""
    import sqlalchemy as sa

    with engine.connect() as conn:
        result = conn.execute(sa.text(rule.query_for_table(table, "run")))
        return [dict(r._mapping) for r in result]


def collect_verdicts(checkpoint_result, rules: RuleSet, engine, rows_read: dict | None = None) -> list[Verdict]:
    """One Verdict per rule the checkpoint ran: its success, its count of unexpected rows, and the
    figures (or reports) they name with each row's message. A rule whose SQL raised fails, with the
    error in its details. When GX returned only the first 200 rows, every row is taken from
    `rows_read` ({(batch_id, query): rows}, expectations.context.unexpected_rows_read_once) or, if
    not there, read again through `engine`."""
    verdicts: list[Verdict] = []
    for suite_result in checkpoint_result.run_results.values():
        suite_name = suite_result.suite_name
        suite = rules.suites[suite_name]
        for evr in suite_result.results:
            meta = evr.expectation_config.meta or {}
            rule = rules.rule(meta["rule"])
            details: dict[str, Any] = {
                "description": rule.description,
                "table": suite.qualified_table,
                "params": rule.params,
                "query": rule.query,
            }
            error = _exception_message(evr.exception_info)
            if error is not None:
                details["error"] = error
                verdicts.append(Verdict(suite_name, rule.name, False, 0, rule.severity, details))
                continue
            result = evr.result or {}
            count = int(result.get("observed_value") or 0)
            rows = list((result.get("details") or {}).get("unexpected_rows") or [])
            if count > len(rows):
                query = evr.expectation_config.kwargs.get("unexpected_rows_query")
                every_row = (rows_read or {}).get((suite_result.batch_id, query))
                if every_row is not None and len(every_row) == count:
                    rows = every_row
                else:
                    rows = _fetch_all_rows(engine, rule, suite.qualified_table)
            flagged, without_id = [], 0
            for row in rows:
                fid = row.get("figure_id")
                if fid is None:
                    without_id += 1
                    continue
                message = row.get("message")
                flagged.append((str(fid), str(message) if message is not None else rule.description))
            details["unexpected_rows_sample"] = rows[:SAMPLE_ROWS_IN_DETAILS]
            details["sample_truncated"] = len(rows) > SAMPLE_ROWS_IN_DETAILS
            if without_id:
                details["rows_without_figure_id"] = without_id
            verdicts.append(Verdict(suite_name, rule.name, bool(evr.success), count, rule.severity, details, flagged))
    return verdicts


def to_jsonable(value: Any) -> Any:
    """Database values (Decimal, dates, ...) as JSON values."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return str(value)


def write_verdicts(conn: Any, run_id: str, verdicts: Iterable[Verdict]) -> tuple[int, int]:
    """Replace run_id's rows in dq.validation_results and dq.flagged_figures with `verdicts`, and
    mark the reports start_validation recorded for run_id as validated.

    `conn` must be a psycopg (3) connection; everything happens in one transaction that this
    function commits (or rolls back on error). Returns (results rows, flagged rows) written.
    """
    verdicts = list(verdicts)
    with conn.transaction():
        ensure_dq_tables(conn)
        with conn.cursor() as cur:
            # Serialise concurrent writers of the same run_id so their delete+insert don't interleave.
            cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", ("antq.dq:" + run_id,))
            cur.execute("DELETE FROM dq.flagged_figures WHERE run_id = %s", (run_id,))
            cur.execute("DELETE FROM dq.validation_results WHERE run_id = %s", (run_id,))
            cur.execute(
                "UPDATE dq.validated_reports SET validated_at = now() WHERE run_id = %s AND validated_at IS NULL",
                (run_id,),
            )
            n_flagged = 0
            for v in verdicts:
                cur.execute(
                    "INSERT INTO dq.validation_results"
                    " (run_id, suite, expectation, success, unexpected_count, severity, details)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb)",
                    (
                        run_id,
                        v.suite,
                        v.expectation,
                        v.success,
                        v.unexpected_count,
                        v.severity,
                        json.dumps(to_jsonable(v.details), ensure_ascii=False),
                    ),
                )
                if v.flagged:
                    cur.executemany(
                        "INSERT INTO dq.flagged_figures (run_id, figure_id, expectation, message, severity)"
                        " VALUES (%s, %s, %s, %s, %s)",
                        [(run_id, fid, v.expectation, msg, v.severity) for fid, msg in v.flagged],
                    )
                    n_flagged += len(v.flagged)
            if n_flagged:
                _add_sentences(cur, run_id)
    return len(verdicts), n_flagged


def _add_sentences(cur, run_id: str) -> None:
    """Give each of the run's flags its report, file and sentence: a figure's from marts.fct_figures,
    a report's (the per-report rules flag the report_id) from marts.dim_report."""
    cur.execute("SELECT to_regclass('marts.fct_figures') IS NOT NULL, to_regclass('marts.dim_report') IS NOT NULL")
    has_figures, has_reports = cur.fetchone()
    if has_figures:
        cur.execute(
            "UPDATE dq.flagged_figures f SET report_id = m.report_id, file_name = m.doc, sentence = m.sentence"
            " FROM marts.fct_figures m WHERE f.run_id = %s AND m.figure_id = f.figure_id",
            (run_id,),
        )
    if has_reports:
        cur.execute(
            "UPDATE dq.flagged_figures f SET report_id = r.report_id, file_name = r.file_name"
            " FROM marts.dim_report r WHERE f.run_id = %s AND f.report_id IS NULL AND r.report_id = f.figure_id",
            (run_id,),
        )
