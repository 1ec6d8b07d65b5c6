"""Two `antq run` at once on one warehouse (#15 item 5), and the run's smaller promises (item 7):
the second run waits for the first (or declines with a message, never a traceback), each run has
its own logs, a run killed half-way does not stay `running` forever, a failed step names its cause,
`antq psql` keeps the password out of the process list, the summary keeps a flagged figure to a line.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from antq import cli, config, runner


def _start(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "antq.cli", "run"],
        env=env,
        cwd=config.PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.integration  # two `antq run`: Airflow, dbt, GX
def test_two_runs_at_once_on_one_warehouse_both_end_cleanly_and_load_the_data_once(fresh_db, tmp_path):
    env = {**os.environ, "WAREHOUSE_URL": fresh_db, "ANTQ_DATA_DIR": str(tmp_path / "data")}
    env.pop("REPORTS_DIR", None)
    first, second = _start(env), _start(env)  # the same warehouse, the same data folder, together
    outs = [p.communicate(timeout=1800) for p in (first, second)]
    for p, (out, err) in zip((first, second), outs):
        assert p.returncode == 0, f"{out}\n{err[-4000:]}"
        assert "Traceback" not in err, err[-4000:]
    both = outs[0][0] + outs[1][0]
    assert "waiting for it to finish" in both  # one of them waited for the other
    assert both.count("reports loaded   5") == 2  # both saw the whole warehouse
    with psycopg.connect(config.libpq_url(fresh_db)) as conn:
        one = lambda q: conn.execute(q).fetchone()[0]  # noqa: E731
        assert one("select count(*) from staging.reports") == 5
        assert one("select count(*) - count(distinct figure_id) from staging.figures") == 0
        assert one("select count(*) from raw.report_files") == 5
        assert one("select count(*) from marts.dim_report") == 5
        assert one("select count(*) - count(distinct figure_id) from marts.fct_figures") == 0
    # each run wrote its own logs
    runs = [d for d in (tmp_path / "data" / "logs").iterdir() if d.is_dir()]
    assert len(runs) == 2 and all((d / "dag-antq_ingest.log").is_file() for d in runs)


# ---- the locks, on their own (fast) -----------------------------------------------------------------

HOLD = """
import sys, time
from antq import runner
with runner.{lock}:
    print("held", flush=True)
    time.sleep(float(sys.argv[1]))
"""


def _holder(lock: str, seconds: float, env: dict) -> subprocess.Popen:
    p = subprocess.Popen(
        [sys.executable, "-c", HOLD.format(lock=lock), str(seconds)],
        env=env,
        cwd=config.PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert p.stdout.readline().strip() == "held"
    return p


def test_a_second_run_declines_with_a_message_when_the_warehouse_stays_busy(fresh_db, monkeypatch, capsys):
    holder = _holder(f"warehouse_lock({fresh_db!r})", 30, dict(os.environ))
    try:
        with pytest.raises(runner.RunDeclined, match="still working on this warehouse"):
            with runner.warehouse_lock(fresh_db, wait_seconds=1):
                pass
        assert "waiting for it to finish" in capsys.readouterr().out
    finally:
        holder.kill()
        holder.wait()
    with runner.warehouse_lock(fresh_db, wait_seconds=5):  # a killed holder leaves no lock behind
        pass


def test_the_data_folder_lock_waits_for_the_first_run_then_goes_on(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ANTQ_DATA_DIR", str(tmp_path))
    holder = _holder("data_dir_lock()", 2, {**os.environ, "ANTQ_DATA_DIR": str(tmp_path)})
    started = time.monotonic()
    with runner.data_dir_lock(wait_seconds=60):
        waited = time.monotonic() - started
    holder.wait()
    assert waited > 0.5  # it waited for the holder (and did not fail)
    out = capsys.readouterr().out
    assert "waiting for it to finish" in out and f"pid {holder.pid}" in out
    with pytest.raises(runner.RunDeclined, match="ANTQ_RUN_WAIT_SECONDS"):
        holder = _holder("data_dir_lock()", 30, {**os.environ, "ANTQ_DATA_DIR": str(tmp_path)})
        try:
            with runner.data_dir_lock(wait_seconds=0.5):
                pass
        finally:
            holder.kill()
            holder.wait()


def test_antq_run_prints_a_declined_run_as_a_message_not_a_traceback(monkeypatch, capsys):
    def busy():
        raise runner.RunDeclined("antq run: antq run (pid 1) is still working on this warehouse; not starting")

    monkeypatch.setattr(runner, "run_all", busy)
    assert cli.main(["run"]) == 3
    err = capsys.readouterr().err
    assert "still working" in err and "Traceback" not in err


# ---- a run killed half-way ---------------------------------------------------------------------------

AIRFLOW_TABLES = """
create table dag_run (dag_id text, run_id text, state text, run_type text, start_date timestamptz,
                      end_date timestamptz);
create table task_instance (dag_id text, run_id text, task_id text, state text, end_date timestamptz);
create table job (job_type text, state text, latest_heartbeat timestamptz);
"""


def test_a_run_left_running_by_a_killed_antq_run_is_marked_failed(databases):
    with databases.empty() as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(AIRFLOW_TABLES)
            conn.execute("""insert into dag_run values
                ('antq_ingest', 'manual__killed', 'running', 'manual', now() - interval '1 day', null),
                ('antq_ingest', 'manual__done', 'success', 'manual', now() - interval '2 days', now()),
                ('other_dag', 'manual__x', 'running', 'manual', now(), null)""")
            conn.execute("""insert into task_instance values
                ('antq_ingest', 'manual__killed', 'extract_and_stage', 'running', null),
                ('antq_ingest', 'manual__killed', 'discover', 'success', now())""")
        assert runner.fail_orphaned_runs(url) == 1
        with psycopg.connect(url) as conn:
            states = dict(conn.execute("select run_id, state from dag_run").fetchall())
            tasks = dict(conn.execute("select task_id, state from task_instance").fetchall())
        assert states == {"manual__killed": "failed", "manual__done": "success", "manual__x": "running"}
        assert tasks == {"extract_and_stage": "failed", "discover": "success"}
        # while a scheduler heartbeats, its runs are its own: nothing is touched
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("update dag_run set state = 'running' where run_id = 'manual__killed'")
            conn.execute("insert into job values ('SchedulerJob', 'running', now())")
        assert runner.fail_orphaned_runs(url) == 0


# ---- a failed step, psql, the summary ------------------------------------------------------------------

DBT_FAILURE = (
    """\
15:01:02  Running with dbt=1.11.0
15:01:09  1 of 40 START sql incremental model marts.fct_figures ........ [RUN]
15:01:10  1 of 40 ERROR creating sql incremental model marts.fct_figures  [ERROR in 0.20s]
15:01:11  Database Error in model fct_figures (models/marts/fct_figures.sql)
  could not connect to server: Connection refused
15:01:11  Done. PASS=0 WARN=0 ERROR=1 SKIP=39 TOTAL=40
"""
    + "\n".join(f'  File "/x/airflow/site-packages/mod{i}.py", line {i}, in f' for i in range(60))
    + """
airflow.exceptions.AirflowException: dbt command failed
"""
)


def test_a_failed_step_names_its_cause_not_only_the_tail_of_a_traceback():
    summary = runner.failure_summary(DBT_FAILURE)
    cause = summary.split("last lines of the log:")[0]
    assert "Database Error in model fct_figures" in cause and "Connection refused" in cause
    assert "AirflowException" in summary  # and the tail is still there


def test_a_failed_step_raises_with_its_log_and_cause(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTQ_DATA_DIR", str(tmp_path))
    script = "import sys; print('Database Error in model m'); print('  relation does not exist'); sys.exit(2)"
    with pytest.raises(runner.StepFailed) as err:
        runner._run([sys.executable, "-c", script], dict(os.environ), "dbt build")
    text = str(err.value)
    assert "step 'dbt build' failed (exit 2)" in text and "relation does not exist" in text
    log = Path(text.split("full log: ")[1].split("\n")[0])
    log = log if log.is_absolute() else config.PROJECT_ROOT / log
    assert log.is_file() and log.parent.parent == tmp_path / "logs"


def test_psql_gets_the_password_from_the_environment_not_its_arguments():
    url = "postgresql://antq_user:s3cr%40t@db.example:5433/antq?sslmode=require"
    argv, env = cli.psql_command(url, "/usr/bin/psql", "select 1")
    assert not any("s3cr" in a for a in argv)
    assert env["PGPASSWORD"] == "s3cr@t"
    assert argv == ["/usr/bin/psql", "postgresql://antq_user@db.example:5433/antq?sslmode=require", "-c", "select 1"]
    argv, env = cli.psql_command("postgresql://postgres@127.0.0.1:5432/antq", "psql")
    assert argv == ["psql", "postgresql://postgres@127.0.0.1:5432/antq"]


def test_the_summary_keeps_each_flagged_figure_to_one_short_line(capsys):
    huge = "parts " + " + ".join(str(i) for i in range(6000)) + " are more than their whole 10"
    assert len(huge) > 30_000
    summary = {
        "reports_loaded": 1,
        "files_rejected": 0,
        "figures_staged": 2,
        "marts": {},
        "expectations": [],
        "flagged_figures": [(f"f{i}", huge) for i in range(25)],
        "data_docs": "x",
        "seconds": 1.0,
    }
    runner.print_summary(summary)
    out = capsys.readouterr().out
    flagged = [line for line in out.splitlines() if line.startswith("  flagged")]
    assert len(flagged) == 20 and all(len(line) < 260 for line in flagged)
    assert "and 5 more flagged figure(s)" in out


def test_any_command_whose_step_fails_prints_the_cause_without_a_traceback(monkeypatch, capsys):
    from antq import backfill

    def failing(*a, **k):
        raise runner.StepFailed(
            "step 'dbt build' failed (exit 2); full log: x.log\ncause (the error lines of the log):\n"
            "  Database Error in model fct_tips"
        )

    monkeypatch.setattr(backfill, "reprocess_range", failing)
    assert cli.main(["reprocess", "--from", "2024-01-01", "--to", "2024-01-02"]) == 1
    err = capsys.readouterr().err
    assert "Database Error in model fct_tips" in err and "Traceback" not in err
