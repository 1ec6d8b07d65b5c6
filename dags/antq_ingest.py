"""Nightly ingestion: new report files in the landing folder → raw → extracted figures → staging.

Runs at 02:00 Asia/Ho_Chi_Minh. Files are identified by content hash and recorded in a ledger
(raw.file_ledger), so each file is taken once. Updating staging emits the `antq_staged_figures`
asset, which schedules the `antq_transform` DAG (dbt + Great Expectations).

A backfill (`airflow backfill create --dag-id antq_ingest …`) re-processes the reports received on
its days with the current extractor, replacing their staged figures. Params: `reextract`
(auto | outdated | all | none), `from_date` / `to_date` (received dates). See antq/ingest/plan.py.
The three tasks are the steps of antq.ingest.night.run, the one ingestion (antq/ingest/night.py).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import CronTriggerTimetable, Param, dag, get_current_context, task

from antq.assets import STAGED_FIGURES
from antq.config import LOCAL_TZ_NAME
from antq.ingest.plan import REEXTRACT_MODES

LOCAL_TZ = pendulum.timezone(LOCAL_TZ_NAME)


@dag(
    dag_id="antq_ingest",
    schedule=CronTriggerTimetable("0 2 * * *", timezone=LOCAL_TZ),
    start_date=pendulum.datetime(2024, 1, 1, tz=LOCAL_TZ),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
    params={
        "reextract": Param(
            "auto", enum=list(REEXTRACT_MODES), description="auto: 'outdated' on a nightly run, 'all' on a backfill"
        ),
        "from_date": Param(
            None,
            type=["null", "string"],
            format="date",
            description="re-extract reports received on or after (YYYY-MM-DD)",
        ),
        "to_date": Param(
            None,
            type=["null", "string"],
            format="date",
            description="re-extract reports received on or before (YYYY-MM-DD)",
        ),
    },
    tags=["antq", "ingestion"],
    doc_md=__doc__,
)
def antq_ingest():
    @task
    def discover() -> dict:
        from antq.ingest import night

        return night.dag_discover(get_current_context())

    @task
    def load_raw(found: dict) -> dict:
        from antq.ingest import night

        return night.dag_load_raw(found, get_current_context())

    @task(outlets=[STAGED_FIGURES])
    def extract_and_stage(loaded: dict) -> dict:
        from antq.ingest import night

        return night.dag_extract(loaded, get_current_context())

    extract_and_stage(load_raw(discover()))


antq_ingest()
