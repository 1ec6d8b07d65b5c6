"""The `dq` schema: its tables, and the ledger of the reports a run validates (start_validation);
expectations.verdicts writes the verdicts. Never touches the marts.

DQ_DDL is the one definition of the schema's tables: `antq migrate` applies it with the rest of
the warehouse, and run_checks applies it too, so the package works on any PostgreSQL."""
from __future__ import annotations

from typing import Any

DQ_DDL = (
    "CREATE SCHEMA IF NOT EXISTS dq",
    """
    CREATE TABLE IF NOT EXISTS dq.validation_results (
        id bigserial PRIMARY KEY,
        run_id text NOT NULL,
        suite text NOT NULL,
        expectation text NOT NULL,
        success boolean NOT NULL,
        unexpected_count integer NOT NULL,
        severity text NOT NULL DEFAULT 'error',
        details jsonb,
        validated_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS dq.flagged_figures (
        id bigserial PRIMARY KEY,
        run_id text NOT NULL,
        figure_id text NOT NULL,
        expectation text NOT NULL,
        message text NOT NULL,
        flagged_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    # The ledger of validated reports. A run starts by recording the reports it will check (the
    # ones staged after the newest staged_at another run validated: the night's, or a backfill's
    # re-staged ones) with validated_at null; GX's batches are those rows' reports; writing the
    # verdicts sets validated_at. dbt's tests read it too (dbt_project/macros/validation_scope.sql).
    """
    CREATE TABLE IF NOT EXISTS dq.validated_reports (
        run_id text NOT NULL,
        report_id text NOT NULL,
        staged_at timestamptz NOT NULL,
        validated_at timestamptz,
        PRIMARY KEY (report_id, staged_at, run_id)
    )
    """,
    "CREATE INDEX IF NOT EXISTS validated_reports_being_validated_idx"
    " ON dq.validated_reports (report_id) WHERE validated_at IS NULL",
    "CREATE INDEX IF NOT EXISTS validated_reports_staged_at_idx ON dq.validated_reports (staged_at)"
    " WHERE validated_at IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS validation_results_run_id_idx ON dq.validation_results (run_id)",
    # what a person needs to check a flag without a query: how sure the rule is (error: certainly
    # wrong in the text; warning: worth a look), the report's file and the sentence the figure is in
    "ALTER TABLE dq.flagged_figures ADD COLUMN IF NOT EXISTS severity text",
    "ALTER TABLE dq.flagged_figures ADD COLUMN IF NOT EXISTS report_id text",
    "ALTER TABLE dq.flagged_figures ADD COLUMN IF NOT EXISTS file_name text",
    "ALTER TABLE dq.flagged_figures ADD COLUMN IF NOT EXISTS sentence text",
    # per run, per rule: how many flags (the data-quality page's second half, after the errors)
    """
    CREATE OR REPLACE VIEW dq.flags_per_rule AS
    SELECT run_id, severity, expectation, count(*) AS flags, min(flagged_at) AS flagged_at
    FROM dq.flagged_figures
    GROUP BY run_id, severity, expectation
    """,
    "CREATE INDEX IF NOT EXISTS flagged_figures_run_id_idx ON dq.flagged_figures (run_id)",
    "CREATE INDEX IF NOT EXISTS flagged_figures_figure_id_idx ON dq.flagged_figures (figure_id)",
)


def _execute(conn: Any, sql: str, params: tuple | None = None) -> None:
    """Run one statement on a SQLAlchemy Connection or a DB-API (psycopg) connection."""
    if hasattr(conn, "exec_driver_sql"):  # SQLAlchemy Connection
        conn.exec_driver_sql(sql, params) if params is not None else conn.exec_driver_sql(sql)
    else:
        with conn.cursor() as cur:
            cur.execute(sql, params) if params is not None else cur.execute(sql)


def ensure_dq_tables(conn: Any) -> None:
    """Create schema dq and its tables if missing (CREATE ... IF NOT EXISTS).

    `conn` is a psycopg connection or a SQLAlchemy Connection; this runs inside the caller's
    transaction and does not commit.
    """
    for stmt in DQ_DDL:
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
