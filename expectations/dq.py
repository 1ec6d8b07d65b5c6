"""The `dq` schema: the ledger of the reports a run validates (start_validation) and the tables
verdicts are written to (expectations.verdicts). Never touches the marts.

The schema's DDL has one home, the warehouse's DDL file antq/sql/warehouse.sql (its `[dq]`
section): `antq migrate` applies it with the rest of the warehouse, and ensure_dq_tables applies
that section alone, so the checks also run on a database `antq migrate` has not set up."""

from __future__ import annotations

import functools
import re
from importlib.resources import files
from typing import Any

_SECTION = re.compile(r"^-- \[dq\] begin\b.*?$(.*?)^-- \[dq\] end\b", re.MULTILINE | re.DOTALL)
_STATEMENT_END = re.compile(r";[ \t]*$", re.MULTILINE)


@functools.cache
def dq_ddl() -> tuple[str, ...]:
    """The statements of the `[dq]` section of antq/sql/warehouse.sql, in order."""
    text = files("antq").joinpath("sql/warehouse.sql").read_text(encoding="utf-8")
    found = _SECTION.search(text)
    if found is None:
        raise RuntimeError("antq/sql/warehouse.sql has no `-- [dq] begin` ... `-- [dq] end` section")
    statements = []
    for chunk in _STATEMENT_END.split(found.group(1)):
        sql = "\n".join(line for line in chunk.splitlines() if not line.lstrip().startswith("--")).strip()
        if sql:
            statements.append(sql)
    return tuple(statements)


def _execute(conn: Any, sql: str, params: tuple | None = None) -> None:
    """Run one statement on a SQLAlchemy Connection or a DB-API (psycopg) connection."""
    if hasattr(conn, "exec_driver_sql"):  # SQLAlchemy Connection
        conn.exec_driver_sql(sql, params) if params is not None else conn.exec_driver_sql(sql)
    else:
        with conn.cursor() as cur:
            cur.execute(sql, params) if params is not None else cur.execute(sql)


def ensure_dq_tables(conn: Any) -> None:
    """Create schema dq and its tables if missing (the `[dq]` section of antq/sql/warehouse.sql).

    `conn` is a psycopg connection or a SQLAlchemy Connection; this runs inside the caller's
    transaction and does not commit.
    """
    for stmt in dq_ddl():
        _execute(conn, stmt)


# The reports staged after the newest one another run has validated. Excluding this run's own rows
# makes a retry of a run (same run_id) check the same reports again. dbt's tests use the same rule
# (dbt_project/macros/validation_scope.sql, unvalidated_report_ids).
_UNVALIDATED_REPORTS = """
    SELECT report_id, staged_at FROM staging.reports
    WHERE staged_at > (SELECT coalesce(max(staged_at), '-infinity'::timestamptz) FROM dq.validated_reports
                       WHERE validated_at IS NOT NULL AND run_id <> %s)
"""
SCOPES = ("unvalidated", "all")


def start_validation(conn: Any, run_id: str, scope: str = "unvalidated") -> list[tuple[str, Any]]:
    """Record in dq.validated_reports (validated_at null) the reports run_id checks, and return
    them as (report_id, staged_at). scope "unvalidated": the reports staged since the last
    validation; "all": every report. Rows a crashed run left unfinished are dropped (their reports
    are in this run's scope again). `conn` is a psycopg (3) connection; this commits.
    """
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, not {scope!r}")
    with conn.transaction():
        ensure_dq_tables(conn)
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtextextended('antq.dq.validated_reports', 0))")
            cur.execute("DELETE FROM dq.validated_reports WHERE validated_at IS NULL OR run_id = %s", (run_id,))
            if scope == "all":
                cur.execute("SELECT report_id, staged_at FROM staging.reports")
            else:
                cur.execute(_UNVALIDATED_REPORTS, (run_id,))
            reports = cur.fetchall()
            with cur.copy("COPY dq.validated_reports (run_id, report_id, staged_at) FROM STDIN") as copy:
                for report_id, staged_at in reports:
                    copy.write_row((run_id, report_id, staged_at))
    # fresh statistics: the batches' `report_id in (rows being validated)` is then planned for
    # their real number (a night's ten: index lookups; a backfill's thousands: a hash join)
    conn.execute("ANALYZE dq.validated_reports")
    conn.commit()
    return reports
