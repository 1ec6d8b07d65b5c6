"""Both antq DAGs in one Airflow process: what `antq run` (and the bench's Airflow path) starts.

`airflow dags test DAG_ID` pays, for every DAG, Airflow's import, a read of the DAG folder and the
start of Airflow's in-process execution API. Here they are paid once a night: each DAG runs with
`DAG.test()`, as `airflow dags test` runs it (one process, no scheduler, every task in turn).

Between the two DAGs the rules of the asset schedule, which `DAG.test()` does not follow: the
transform runs when staging or the dbt/GX sources changed since the last transform (or always, with
--always-transform). `dbt parse` (the transform DAG renders its task group from the manifest) runs
beside Airflow's import, when the dbt project changed; Great Expectations is imported meanwhile (or
beside the dbt build, which runs as a process of its own), so `validate` does not wait for it; and
Airflow's in-process execution API, which every task calls, is started then too.

Each step's output goes to a log of its own in --log-dir; what each step did goes, one JSON line per
step, to `steps.jsonl` there, which antq/runner.py reads and prints.

    python -m antq.dag_runs --logical-date 2026-12-04T02:00:00+00:00 --log-dir DIR \
        [--state-file FILE] [--always-transform] [--migrate]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from antq.config import log_name

STEPS_FILE = "steps.jsonl"
INGEST, TRANSFORM = "antq_ingest", "antq_transform"


class Steps:
    """What each step did, appended to <log dir>/steps.jsonl as it ends."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.path = log_dir / STEPS_FILE

    def record(self, step: str, status: str, seconds: float | None = None, detail: str = "") -> None:
        line = {"step": step, "status": status, "detail": detail, "log": str(self.log_dir / log_name(step))}
        if seconds is not None:
            line["seconds"] = round(seconds, 1)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")


def read_steps(log_dir: Path) -> list[dict]:
    path = log_dir / STEPS_FILE
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@contextlib.contextmanager
def output_to(path: Path):
    """This process's stdout and stderr into `path`: file descriptors 1 and 2, so what Airflow's and
    Cosmos' log handlers (which hold the streams they were given) write goes there too."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with path.open("ab") as f:
        os.dup2(f.fileno(), 1)
        os.dup2(f.fileno(), 2)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)


class DbtParse:
    """`dbt parse` in a child process beside the ingestion, when the manifest is not current."""

    STEP = "dbt parse"

    def __init__(self, env: dict[str, str], log_dir: Path):
        from antq import config, runner

        self.manifest = runner.DbtManifest(env)
        self.proc: subprocess.Popen | None = None
        self.started = time.monotonic()
        if self.manifest.current():
            return
        with (log_dir / log_name(self.STEP)).open("wb") as log:
            self.proc = subprocess.Popen(
                self.manifest.parse_command(),
                env=env,
                cwd=config.PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def finish(self, steps: Steps) -> bool:
        """Wait for the parse, record it; False when it failed."""
        if self.proc is None:
            steps.record(self.STEP, "skipped", detail="the dbt project has not changed since its manifest was parsed")
            return True
        code = self.proc.wait()
        seconds = time.monotonic() - self.started
        if code != 0:
            steps.record(self.STEP, "failed", seconds, f"exit {code}")
            return False
        self.manifest.parsed()
        steps.record(self.STEP, "ok", seconds, "beside Airflow's start")
        return True


# what the first task of each DAG would import (seconds each): imported while `dbt parse` runs on the
# other core, or, for GX, while the dbt build runs
EXECUTION_API_IMPORTS = ("airflow.api_fastapi.execution_api.app",)  # the in-process API every task calls
TRANSFORM_IMPORTS = ("great_expectations",)  # validate's (dbt runs in a process of its own)


def warm_up(modules: tuple[str, ...]) -> None:
    """Import modules now (a failure is left for the task that needs the module to report)."""
    for module in modules:
        started = time.monotonic()
        with contextlib.suppress(Exception):
            importlib.import_module(module)
        print(f"imported {module} in {time.monotonic() - started:.1f}s", flush=True)


def start_execution_api() -> None:
    """Start the in-process execution API that every task of `DAG.test()` calls (one per process,
    cached by Airflow): its app is built and its first request answered now, beside `dbt parse`. The
    first request sets up the app's versioned routes and lifespan, ~3 s that the first task paid."""
    started = time.monotonic()
    try:
        import httpx
        from airflow.sdk.execution_time.supervisor import in_process_api_server

        api = in_process_api_server()
        # not closed: the transport is the one DAG.test()'s tasks use
        status = httpx.Client(transport=api.transport, base_url="http://in-process.invalid./").get("/health")
        print(f"execution API answered {status.status_code} in {time.monotonic() - started:.1f}s", flush=True)
    except Exception as err:  # noqa: BLE001 (the first task starts it again and reports what fails)
        print(f"execution API not started ahead: {type(err).__name__}: {err}", flush=True)


def warm_up_in_a_thread(modules: tuple[str, ...]) -> threading.Thread:
    """warm_up beside the main thread, while it waits on the dbt build's database work."""
    thread = threading.Thread(target=warm_up, args=(modules,), name="warm up", daemon=True)
    thread.start()
    return thread


def run_dag(dag_id: str, logical_date, steps: Steps) -> bool:
    """One DAG run with `DAG.test()`, its output in its own log; False when the run failed."""
    from antq import config

    step = f"dag {dag_id}"
    started = time.monotonic()
    with output_to(steps.log_dir / log_name(step)):
        try:
            from airflow.utils.cli import get_bagged_dag

            # this DAG's file only: the transform's file needs a manifest the ingestion's run does not
            dag = get_bagged_dag(None, dag_id, dagfile_path=str(config.DAGS_DIR / f"{dag_id}.py"))
            run = dag.test(logical_date=logical_date)
            state = str(getattr(run, "state", "failed"))
        except Exception as err:  # noqa: BLE001 (recorded with the step; its traceback is in the log)
            import traceback

            traceback.print_exc()
            steps.record(step, "failed", time.monotonic() - started, f"{type(err).__name__}: {err}")
            return False
    ok = state.endswith("success")
    steps.record(step, "ok" if ok else "failed", time.monotonic() - started, "" if ok else f"dag run {state}")
    return ok


def migrate_metadata(steps: Steps) -> bool:
    """`airflow db migrate`'s work (Airflow's metadata database to this version's head), in this
    process: a CLI process of its own would import Airflow once more."""
    step = "airflow db migrate"
    started = time.monotonic()
    with output_to(steps.log_dir / log_name(step)):
        try:
            from airflow.utils import db

            db.upgradedb()
        except Exception as err:  # noqa: BLE001 (recorded with the step; its traceback is in the log)
            import traceback

            traceback.print_exc()
            steps.record(step, "failed", time.monotonic() - started, f"{type(err).__name__}: {err}")
            return False
    steps.record(step, "ok", time.monotonic() - started)
    return True


def run(logical_date, log_dir: Path, state_file: Path | None, always_transform: bool, migrate: bool = False) -> int:
    from antq import runner

    steps = Steps(log_dir)
    env = dict(os.environ)
    url = env["WAREHOUSE_URL"]
    parse = DbtParse(env, log_dir)

    started = time.monotonic()
    with output_to(log_dir / log_name("airflow start")):
        import airflow  # noqa: F401 (Airflow's import and configuration, once for both DAGs)
    steps.record("airflow start", "ok", time.monotonic() - started, "import once for both DAGs")
    migrated = migrate_metadata(steps) if migrate else True
    warming = time.monotonic()
    with output_to(log_dir / log_name("warm up")):
        warm_up(EXECUTION_API_IMPORTS)
        start_execution_api()
        # a parse still running means the dbt project changed, so the transform runs: its imports too
        transform_warm = parse.running()
        if transform_warm:
            warm_up(TRANSFORM_IMPORTS)
    detail = "execution API started, GX imported" if transform_warm else "execution API started"
    steps.record("warm up", "ok", time.monotonic() - warming, detail + (" while dbt parses" if parse.proc else ""))
    # DAG.test() reads the whole DAG folder, the transform's file too, which renders from the manifest
    # (without one Cosmos would run `dbt ls` there): the parse ends before the first DAG starts
    if not parse.finish(steps) or not migrated:
        return 1
    if not run_dag(INGEST, logical_date, steps):
        return 1
    state = runner.transform_state(url)
    if not always_transform and state is not None and state_file and state_file.is_file():
        if state_file.read_text() == state:
            steps.record(f"dag {TRANSFORM}", "skipped", detail="nothing staged and no dbt/GX change since the last run")
            return 0
    if not transform_warm:
        warm_up_in_a_thread(TRANSFORM_IMPORTS)  # while the dbt build works
    ok = run_dag(TRANSFORM, logical_date, steps)
    if ok and state_file:
        state_file.parent.mkdir(parents=True, exist_ok=True)
        state_file.write_text(runner.transform_state(url) or "")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    from datetime import datetime

    p = argparse.ArgumentParser(prog="python -m antq.dag_runs", description=__doc__.split("\n\n")[0])
    p.add_argument("--logical-date", required=True, help="ISO date-time with offset")
    p.add_argument("--log-dir", required=True, type=Path)
    p.add_argument("--state-file", type=Path, help="what the last transform saw (skip it when unchanged)")
    p.add_argument("--always-transform", action="store_true")
    p.add_argument("--migrate", action="store_true", help="migrate Airflow's metadata database first")
    args = p.parse_args(argv)
    args.log_dir.mkdir(parents=True, exist_ok=True)
    when = datetime.fromisoformat(args.logical_date)
    return run(when, args.log_dir, args.state_file, args.always_transform, args.migrate)


def exit_now(code: int) -> None:
    """End the process with `code` once everything is written, without Python's teardown: clearing
    the ~4,000 modules Airflow, Cosmos, dbt and GX loaded took ~3 s after the last DAG had ended.
    Output streams and log handlers are flushed and Airflow's database connections closed first."""
    if "airflow.settings" in sys.modules:
        with contextlib.suppress(Exception):
            sys.modules["airflow.settings"].dispose_orm()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
