"""Nightly ingestion: new report files in the landing folder → raw → extracted figures → staging.

Runs at 02:00 Asia/Ho_Chi_Minh. Files are identified by content hash and recorded in a ledger
(raw.file_ledger), so each file is taken once. Updating staging emits the `antq_staged_figures`
asset, which schedules the `antq_transform` DAG (dbt + Great Expectations).

A backfill (`airflow backfill create --dag-id antq_ingest …`) re-processes the reports received on
its days with the current extractor, replacing their staged figures. Params: `reextract`
(auto | outdated | all | none), `from_date` / `to_date` (received dates). See antq/reprocess.py.
"""
from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import CronTriggerTimetable, Param, dag, get_current_context, task

from antq.assets import STAGED_FIGURES

LOCAL_TZ = pendulum.timezone("Asia/Ho_Chi_Minh")


@dag(
    dag_id="antq_ingest",
    schedule=CronTriggerTimetable("0 2 * * *", timezone=LOCAL_TZ),
    start_date=pendulum.datetime(2024, 1, 1, tz=LOCAL_TZ),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
    params={
        "reextract": Param("auto", enum=["auto", "outdated", "all", "none"],
                           description="auto: 'outdated' on a nightly run, 'all' on a backfill"),
        "from_date": Param(None, type=["null", "string"], format="date",
                           description="re-extract reports received on or after (YYYY-MM-DD)"),
        "to_date": Param(None, type=["null", "string"], format="date",
                         description="re-extract reports received on or before (YYYY-MM-DD)"),
    },
    tags=["antq", "ingestion"],
    doc_md=__doc__,
)
def antq_ingest():
    @task
    def discover() -> dict:
        from dataclasses import asdict

        from antq import config, reprocess

        plan = reprocess.plan_from_context(get_current_context())
        files = reprocess.discover(config.warehouse_url(), config.reports_dir(), plan)
        return {"plan": plan.to_dict(),
                "files": [{**asdict(f), "received_date": f.received_date.isoformat()} for f in files]}

    @task
    def load_raw(found: dict) -> dict:
        from datetime import date

        from antq import config, ingest

        landed = [ingest.LandedFile(**{**f, "received_date": date.fromisoformat(f["received_date"])})
                  for f in found["files"]]
        new_ids = ingest.load_raw(config.warehouse_url(), config.reports_dir(), landed,
                                  get_current_context()["run_id"])
        return {"plan": found["plan"], "new_ids": new_ids}

    @task(outlets=[STAGED_FIGURES])
    def extract_and_stage(loaded: dict) -> dict:
        from antq import config, reprocess

        # this run's files, any a failed run left behind, and the re-extractions the plan asks for
        plan = reprocess.RunPlan.from_dict(loaded["plan"])
        return reprocess.extract(config.warehouse_url(), plan, get_current_context()["run_id"])

    extract_and_stage(load_raw(discover()))


antq_ingest()
