"""The transform DAG runs dbt once (Cosmos WATCHER mode) and keeps a task per model: a model that fails
fails its own task, after retries that run that model alone, the tasks after it do not run, the
validation does not run, and the run fails. And `antq run` parses the dbt project only when it changed.

The failing model is real: a sequence named like the view `transform.stg_sentences` stands in the way,
so PostgreSQL refuses the view (dbt's first build and each retry alike). stg_sentences is one of the
first models, so it fails while the one `dbt build` goes on with the rest (astronomer-cosmos #2947:
in 1.15.1 such a task could use up its retries before the build ended and never re-run its model).
Slow: an Airflow metadata database, `dbt parse`, `airflow dags test` with two 30 s retry delays."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from antq import config, dag_runs, runner, warehouse

pytestmark = pytest.mark.integration  # airflow dags test and dbt builds

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
BROKEN = "stg_sentences"


@pytest.fixture
def stack_env(fresh_db, tmp_path, monkeypatch):
    monkeypatch.setenv("ANTQ_DATA_DIR", str(tmp_path / "data"))
    stack = runner.Stack(fresh_db)
    env = stack.env()
    warehouse.migrate(stack.warehouse_url)
    return stack, env


def _states(airflow_url: str) -> tuple[list[str], dict[str, tuple[str, int]]]:
    with psycopg.connect(config.libpq_url(airflow_url)) as conn:
        runs = [r[0] for r in conn.execute("select state from dag_run where dag_id = 'antq_transform'")]
        tasks = {
            t: (s, n)
            for t, s, n in conn.execute(
                "select task_id, state, try_number from task_instance where dag_id = 'antq_transform'"
            )
        }
    return runs, tasks


def test_a_failing_model_fails_its_task_and_the_run(stack_env, tmp_path):
    stack, env = stack_env
    with psycopg.connect(config.libpq_url(stack.warehouse_url), autocommit=True) as conn:
        conn.execute("create schema if not exists transform")
        conn.execute(f"create sequence transform.{BROKEN}")  # in the way of the view dbt renames into place

    subprocess.run([AIRFLOW, "db", "migrate"], env=env, check=True, capture_output=True, timeout=600)
    assert _parse(env, tmp_path) == "ok"
    when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    proc = subprocess.run(
        [AIRFLOW, "dags", "test", "antq_transform", when],
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
        cwd=config.PROJECT_ROOT,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "DagRun failed" in out, out[-3000:]

    runs, tasks = _states(stack.airflow_url)
    assert runs == ["failed"]
    # the model's task failed, after both retries, each of which ran the model alone (not the build)
    assert tasks[f"dbt.{BROKEN}.run"] == ("failed", 3), tasks
    for attempt in (1, 2):
        assert f"Retry attempt #{attempt} – Running model 'model.antq_warehouse.{BROKEN}'" in out
    assert f'relation "{BROKEN}" already exists' in out
    # what needs it did not run; what does not need it was built and tested in the one dbt build
    for task_id in (
        f"dbt.{BROKEN}.test",
        "dbt.int_figures.run",
        "dbt.fct_figures.run",
        "dbt.fct_models.test",
        "validate",
    ):
        assert tasks[task_id][0] == "upstream_failed", (task_id, tasks[task_id])
    for task_id in (
        "dbt.provinces.seed",
        "dbt.stg_figures.run",
        "dbt.stg_reports.run",
        "dbt.int_reports.run",
        "dbt.dim_report.run",
        "dbt.dim_province.run",
    ):
        assert tasks[task_id] == ("success", 1), (task_id, tasks[task_id])  # built once, in the one build
    # their tests passed; a relationships test is in the tests' task of both its models (no task of its
    # own), so stg_reports' tests hold the one from stg_sentences, which was not built (skipped in the
    # build): such a task's first try fails and its retry runs the model's own tests alone
    for task_id in ("dbt.provinces.test", "dbt.stg_reports.test", "dbt.int_reports.test", "dbt.dim_report.test"):
        assert tasks[task_id][0] == "success", (task_id, tasks[task_id])
    assert not [t for t in tasks if t.startswith("dbt.relationships_")], "a relationships test has its own task"
    # the independent mart was built in marts_build; a failed build publishes nothing to BI's marts
    with psycopg.connect(config.libpq_url(stack.warehouse_url)) as conn:
        assert conn.execute("select to_regclass('marts_build.dim_report') is not null").fetchone()[0]
        assert conn.execute("select to_regclass('marts_build.fct_figures') is null").fetchone()[0]
        assert conn.execute("select to_regclass('marts.dim_report') is null").fetchone()[0]


def _parse(env: dict[str, str], log_dir: Path) -> str:
    """What `antq run`'s dbt parse step (antq.dag_runs.DbtParse) did: ok or skipped."""
    steps = dag_runs.Steps(log_dir)
    assert dag_runs.DbtParse(env, log_dir).finish(steps), (log_dir / "dbt-parse.log").read_text()
    return dag_runs.read_steps(log_dir)[-1]["status"]


def test_dbt_parse_runs_only_when_what_the_manifest_depends_on_changed(stack_env, tmp_path):
    _, env = stack_env
    target = Path(env["DBT_TARGET_PATH"])
    assert _parse(env, tmp_path) == "ok"
    parsed = (target / "manifest.json").stat().st_mtime_ns

    assert _parse(env, tmp_path) == "skipped"
    assert (target / "manifest.json").stat().st_mtime_ns == parsed

    # node database names come from the profile: another database is another manifest
    assert _parse({**env, "ANTQ_PG_DBNAME": env["ANTQ_PG_DBNAME"] + "_other"}, tmp_path) == "ok"
    # a manifest lost (or never written) is parsed again whatever the key says
    (target / "manifest.json").unlink()
    assert _parse(env, tmp_path) == "ok"
    assert (target / "manifest.json").is_file()
