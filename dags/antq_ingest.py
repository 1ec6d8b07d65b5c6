"""Nightly ingestion: new report files in the landing folder → raw → extracted figures → staging.

Runs at 02:00 Asia/Ho_Chi_Minh. Files are identified by content hash and recorded in a ledger
(raw.file_ledger), so each file is taken once. Updating staging emits the `antq_staged_figures`
asset, which schedules the `antq_transform` DAG (dbt + Great Expectations).
"""
from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, get_current_context, task

from antq.assets import STAGED_FIGURES

LOCAL_TZ = pendulum.timezone("Asia/Ho_Chi_Minh")


def _run_date():
    """The local calendar day of this run (its logical date, or now for manual runs)."""
    ctx = get_current_context()
    when = ctx.get("logical_date") or pendulum.now("UTC")
    return pendulum.instance(when).in_timezone(LOCAL_TZ).date()


@dag(
    dag_id="antq_ingest",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2024, 1, 1, tz=LOCAL_TZ),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
    tags=["antq", "ingestion"],
    doc_md=__doc__,
)
def antq_ingest():
    @task
    def discover() -> list[dict]:
        from dataclasses import asdict

        from antq import config, ingest

        files = ingest.discover(config.warehouse_url(), config.reports_dir(), _run_date())
        return [{**asdict(f), "received_date": f.received_date.isoformat()} for f in files]

    @task
    def load_raw(files: list[dict]) -> list[str]:
        from datetime import date

        from antq import config, ingest

        landed = [ingest.LandedFile(**{**f, "received_date": date.fromisoformat(f["received_date"])}) for f in files]
        return ingest.load_raw(config.warehouse_url(), config.reports_dir(), landed, get_current_context()["run_id"])

    @task(outlets=[STAGED_FIGURES])
    def extract_and_stage(_new_ids: list[str]) -> dict:
        from antq import config, ingest

        url = config.warehouse_url()
        # everything raw that is not staged yet: this run's files and any a failed run left behind
        return ingest.extract_and_stage(url, ingest.pending_report_ids(url), get_current_context()["run_id"])

    extract_and_stage(load_raw(discover()))


antq_ingest()
