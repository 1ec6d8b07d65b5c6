"""The `dq` schema: where verdicts are written. Never touches the marts."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Iterable

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
    "CREATE INDEX IF NOT EXISTS validation_results_run_id_idx ON dq.validation_results (run_id)",
    "CREATE INDEX IF NOT EXISTS flagged_figures_run_id_idx ON dq.flagged_figures (run_id)",
    "CREATE INDEX IF NOT EXISTS flagged_figures_figure_id_idx ON dq.flagged_figures (figure_id)",
)


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


def _execute(conn: Any, sql: str, params: tuple | None = None) -> None:
    """Run one statement on a SQLAlchemy Connection or a DB-API (psycopg) connection."""
    if hasattr(conn, "exec_driver_sql"):  # SQLAlchemy Connection
        conn.exec_driver_sql(sql, params) if params is not None else conn.exec_driver_sql(sql)
    else:
        with conn.cursor() as cur:
            cur.execute(sql, params) if params is not None else cur.execute(sql)


def ensure_dq_tables(conn: Any) -> None:
    """Create schema dq and its two tables if missing (CREATE ... IF NOT EXISTS).

    `conn` is a psycopg connection or a SQLAlchemy Connection; this runs inside the caller's
    transaction and does not commit.
    """
    for stmt in DQ_DDL:
        _execute(conn, stmt)


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
    """Replace run_id's rows in dq.validation_results and dq.flagged_figures with `verdicts`.

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
                        "INSERT INTO dq.flagged_figures (run_id, figure_id, expectation, message)"
                        " VALUES (%s, %s, %s, %s)",
                        [(run_id, fid, v.expectation, msg) for fid, msg in v.flagged],
                    )
                    n_flagged += len(v.flagged)
    return len(verdicts), n_flagged
