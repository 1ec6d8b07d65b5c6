"""Real Airflow 3 services for the scheduler tests (backfill, Celery): api-server (execution API),
scheduler, dag-processor and, for Celery, a worker, each in its own process group on free
127.0.0.1 ports, against a fresh metadata database on the test PostgreSQL server.

Everything is bounded: waits have deadlines, and stop() ends exactly the process groups it started
(SIGTERM, then SIGKILL after a grace period)."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg

from antq import config, runner

BIN = Path(sys.executable).parent
INGEST_DAG = config.DAGS_DIR / "antq_ingest.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AirflowServices:
    def __init__(
        self,
        workdir: Path,
        warehouse_url: str,
        reports_dir: Path,
        executor: str = "LocalExecutor",
        extra_env: dict | None = None,
    ):
        self.workdir = workdir  # ANTQ_DATA_DIR must already point inside it (AIRFLOW_HOME goes there)
        self.logs = workdir / "service-logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        # only the ingestion DAG: the transform DAG (Cosmos, one task per dbt node) is not under test here
        dags = workdir / "dags"
        dags.mkdir(exist_ok=True)
        (dags / INGEST_DAG.name).symlink_to(INGEST_DAG)
        stack = runner.Stack(warehouse_url)
        self.airflow_url = stack.airflow_url
        self.api_port = free_port()
        self.queue = f"antq-test-{uuid.uuid4().hex[:8]}"  # no other worker on the broker takes our tasks
        self.env = {
            **stack.env(),
            "REPORTS_DIR": str(reports_dir),
            "ANTQ_QUARANTINE_DIR": str(workdir / "quarantine"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "AIRFLOW__CORE__EXECUTOR": executor,
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.api_port}/execution/",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.api_port),
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": self.queue,
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
            **(extra_env or {}),
        }
        self.procs: dict[str, subprocess.Popen] = {}

    # --- commands -------------------------------------------------------------------------------
    def cli(self, *args: str, timeout: float = 120) -> str:
        proc = subprocess.run(
            [str(BIN / "airflow"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=config.PROJECT_ROOT,
        )
        if proc.returncode != 0:
            raise AssertionError(
                f"airflow {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
            )
        return proc.stdout

    def start(self, name: str, *args: str) -> None:
        log = (self.logs / f"{name}.log").open("wb")
        self.procs[name] = subprocess.Popen(
            [str(BIN / "airflow"), *args],
            env=self.env,
            cwd=config.PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # its own process group: stop() ends it whole

    def start_core(self) -> None:
        self.start(
            "api-server",
            "api-server",
            "--apps",
            "execution",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.api_port),
            "--workers",
            "1",
        )
        self.start("dag-processor", "dag-processor")
        self.start("scheduler", "scheduler")

    def stop(self, grace: float = 20) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + grace
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            try:  # the group may outlive its leader (task processes): end what is left
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            proc.wait(timeout=10)

    # --- waiting --------------------------------------------------------------------------------
    def query(self, sql: str, params=()) -> list[tuple]:
        with psycopg.connect(config.libpq_url(self.airflow_url)) as conn:
            return conn.execute(sql, params).fetchall()

    def _check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise AssertionError(f"{name} exited with {proc.returncode}:\n{self.tail(name)}")

    def wait_for(self, what: str, predicate, timeout: float, every: float = 2.0):
        deadline = time.monotonic() + timeout
        while True:
            self._check_alive()
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}\n{self.tails()}")
            time.sleep(every)

    def wait_for_api(self, timeout: float = 90) -> None:
        def up():
            try:
                with socket.create_connection(("127.0.0.1", self.api_port), timeout=1):
                    return True
            except OSError:
                return False

        self.wait_for("the execution API", up, timeout, every=1)

    def wait_for_dag(self, dag_id: str, timeout: float = 120) -> None:
        self.wait_for(
            f"{dag_id} to be parsed and serialized",
            lambda: self.query("select 1 from serialized_dag where dag_id = %s", (dag_id,)),
            timeout,
        )

    def dag_runs(self, dag_id: str) -> list[tuple]:
        return self.query(
            "select run_id, run_type, state, logical_date, conf from dag_run where dag_id = %s order by logical_date",
            (dag_id,),
        )

    def task_states(self, dag_id: str) -> list[tuple]:
        return self.query(
            "select run_id, task_id, state, try_number from task_instance where dag_id = %s order by run_id, task_id",
            (dag_id,),
        )

    def tail(self, name: str, lines: int = 40) -> str:
        path = self.logs / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def tails(self) -> str:
        return "\n".join(f"--- {name} ---\n{self.tail(name, 25)}" for name in self.procs)
