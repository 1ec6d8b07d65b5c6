"""antq/dag_runs.py, the one Airflow process `antq run` runs both DAGs in, and how antq/runner.py
reports its steps. The whole of it runs in tests/test_run_end_to_end.py; here, its parts."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from antq import dag_runs, runner

OUTPUT_TO = """
import os, subprocess, sys
from pathlib import Path
from antq.dag_runs import output_to
with output_to(Path(sys.argv[1])):
    print("from print")
    print("from stderr", file=sys.stderr)
    os.write(1, b"from fd 1\\n")  # a log handler holding the stream it was given writes here
    subprocess.run([sys.executable, "-c", "print('from a child process')"], check=True)
print("after")
"""


def test_output_to_sends_everything_written_to_stdout_and_stderr_into_the_file(tmp_path):
    log = tmp_path / "dag-antq_ingest.log"
    proc = subprocess.run([sys.executable, "-c", OUTPUT_TO, str(log)], capture_output=True, text=True, check=True)
    text = log.read_text()
    for line in ("from print", "from stderr", "from fd 1", "from a child process"):
        assert line in text
    assert "after" not in text
    assert (proc.stdout, proc.stderr) == ("after\n", "")


def test_steps_are_read_back_in_the_order_they_ended(tmp_path):
    steps = dag_runs.Steps(tmp_path)
    steps.record("dag antq_ingest", "ok", 9.04)
    steps.record("dag antq_transform", "skipped", detail="nothing staged")
    read = dag_runs.read_steps(tmp_path)
    assert [(s["step"], s["status"], s.get("seconds")) for s in read] == [
        ("dag antq_ingest", "ok", 9.0),
        ("dag antq_transform", "skipped", None),
    ]
    assert read[0]["log"] == str(tmp_path / "dag-antq_ingest.log")
    assert dag_runs.read_steps(tmp_path / "none") == []


def _write_steps(log_dir, *lines):
    (log_dir / dag_runs.STEPS_FILE).write_text("".join(json.dumps(line) + "\n" for line in lines))


def test_each_step_gets_a_line_and_a_failed_one_raises_with_the_cause_from_its_own_log(tmp_path, capsys):
    failed_log = tmp_path / "dag-antq_transform.log"
    failed_log.write_text("starting\nDatabase Error in model fct_tips (models/marts/fct_tips.sql)\n  boom\nend\n")
    ok = {"step": "dag antq_ingest", "status": "ok", "seconds": 9.0, "detail": "", "log": str(tmp_path / "i.log")}
    bad = {"step": "dag antq_transform", "status": "failed", "seconds": 3.0, "detail": "dag run failed"}
    _write_steps(tmp_path, ok, {**bad, "log": str(failed_log)})
    with pytest.raises(runner.StepFailed) as err:
        runner.report_dag_steps(dag_runs.read_steps(tmp_path), 1, tmp_path / "dag-runs.log")
    assert "step 'dag antq_transform' failed (dag run failed)" in str(err.value)
    assert "Database Error in model fct_tips" in str(err.value)
    assert "dag antq_ingest" in capsys.readouterr().out


def test_a_process_that_fails_before_any_step_says_so_points_at_its_own_log(tmp_path):
    own = tmp_path / "dag-runs.log"
    own.write_text("Traceback (most recent call last):\nModuleNotFoundError: No module named 'airflow'\n")
    with pytest.raises(runner.StepFailed, match=r"(?s)step 'dag runs' failed \(exit 1\).*No module named"):
        runner.report_dag_steps([], 1, own)
    assert runner.report_dag_steps([], 0, own) == []


START_API = """
from antq import dag_runs
dag_runs.start_execution_api()
from airflow.sdk.execution_time.supervisor import in_process_api_server
api = in_process_api_server()
# what DAG.test()'s tasks get from the same cached server: its app already built
print("cached app built:", api._app is not None)
"""


def test_the_execution_api_is_started_ahead_and_is_the_one_the_tasks_get(tmp_path):
    env = {**__import__("os").environ, "AIRFLOW_HOME": str(tmp_path / "airflow")}
    env.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", None)
    proc = subprocess.run([sys.executable, "-c", START_API], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "execution API answered 200" in proc.stdout
    assert "cached app built: True" in proc.stdout


EXIT_NOW = """
import logging, sys
from antq.dag_runs import exit_now
logging.basicConfig(filename=sys.argv[1], level=logging.INFO)
logging.getLogger("antq").info("logged before the exit")
sys.stdout.write("buffered on stdout")  # no newline: still in the buffer
exit_now(3)
"""


def test_exit_now_ends_with_the_code_and_loses_nothing_written(tmp_path):
    log = tmp_path / "steps.log"
    proc = subprocess.run([sys.executable, "-c", EXIT_NOW, str(log)], capture_output=True, text=True)
    assert proc.returncode == 3
    assert proc.stdout == "buffered on stdout"
    assert "logged before the exit" in log.read_text()
