"""Scale-out: the ingestion DAG through the CeleryExecutor — Redis (127.0.0.1:6379) as the broker,
PostgreSQL as the metadata database and Celery's result backend — with a real api-server,
dag-processor, scheduler and Celery worker, each its own process."""

from __future__ import annotations

import shutil

import psycopg
import pytest
import redis

from antq import config

from conftest import SEEDS_DIR
from warehouse_state import duplicates, figures

BROKER = "redis://127.0.0.1:6379/7"


@pytest.mark.celery
def test_the_ingestion_dag_runs_to_success_on_a_celery_worker(warehouse_db, tmp_path, monkeypatch):
    from airflow_services import AirflowServices

    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=3).ping()
    except redis.exceptions.ConnectionError as err:
        pytest.fail(f"the Celery test needs Redis at {BROKER}: {err}")
    landing = tmp_path / "landing"
    shutil.copytree(SEEDS_DIR, landing)
    monkeypatch.setenv("ANTQ_DATA_DIR", str(tmp_path / "data"))
    services = AirflowServices(tmp_path, warehouse_db, landing, "CeleryExecutor", {"ANTQ_SETTLE_SECONDS": "0"})
    result_backend = "db+" + config.sqlalchemy_url(services.airflow_url)  # db+postgresql+psycopg://…
    services.env.update({"AIRFLOW__CELERY__BROKER_URL": BROKER, "AIRFLOW__CELERY__RESULT_BACKEND": result_backend})
    worker = f"{services.queue}@%h"
    try:
        services.cli("db", "migrate", timeout=300)
        services.start_core()
        services.start(
            "celery-worker",
            "celery",
            "worker",
            "--queues",
            services.queue,
            "--concurrency",
            "2",
            "--celery-hostname",
            worker,
            "--skip-serve-logs",
            "--without-mingle",
            "--without-gossip",
        )
        services.wait_for_api()
        services.wait_for_dag("antq_ingest")
        services.cli("dags", "unpause", "antq_ingest")  # the scheduler creates the latest nightly run
        services.cli("dags", "trigger", "antq_ingest")  # and a manual one, as an operator would

        def finished():
            runs = services.dag_runs("antq_ingest")
            return runs if len(runs) == 2 and all(r[2] in ("success", "failed") for r in runs) else None

        runs = services.wait_for("both runs of antq_ingest", finished, 240)
        assert sorted((r[1], r[2]) for r in runs) == [("manual", "success"), ("scheduled", "success")], (
            services.task_states("antq_ingest")
        )
        tasks = services.query("select task_id, state, queue, executor from task_instance where dag_id = 'antq_ingest'")
        assert len(tasks) == 6 and {t[1] for t in tasks} == {"success"} and {t[2] for t in tasks} == {services.queue}
        # every task went through Celery: its result is in the PostgreSQL result backend, and the
        # worker's log shows it received and finished them
        # (the worker writes a result just after the task reported success to the api-server)
        services.wait_for(
            "six SUCCESS results in celery_taskmeta",
            lambda: services.query("select status, count(*) from celery_taskmeta group by status") == [("SUCCESS", 6)],
            60,
            every=1,
        )
        log = services.tail("celery-worker", 100000)
        assert log.count("Task execute_workload[") >= 6 and "succeeded" in log
        scheduler_log = services.tail("scheduler", 100000)
        assert "Loaded executor: :CeleryExecutor:" in scheduler_log
        assert "LocalExecutor" not in scheduler_log
    finally:
        services.stop()

    # what the runs did: the five sample reports, staged once
    staged = figures(warehouse_db)
    assert sorted(staged) == sorted(p.name for p in SEEDS_DIR.iterdir())
    assert set(duplicates(warehouse_db).values()) == {0}
    with psycopg.connect(config.libpq_url(warehouse_db)) as conn:
        assert conn.execute("select count(*) from raw.report_files").fetchone()[0] == 5
