"""Transform, publish and validate: dbt builds the marts (through Cosmos) in marts_build, the publish
task makes the whole build what BI reads at once (antq/publish.py), then Great Expectations checks it.

Scheduled by the `antq_staged_figures` asset that the ingestion DAG updates, not by a clock.
dbt runs once (`dbt build`, the `dbt.dbt_producer_watcher` task, Cosmos' WATCHER mode); each model
keeps its task and its tests' task, which take their node's outcome from that build; a retry of one
of them runs its model (or its tests) alone. See antq/dbt_watcher.py.
A failed expectation never fails the load: verdicts go to dq.validation_results and
dq.flagged_figures, and the validate task's return value says what failed.
Every task is retried (a short database outage must not hold the night's build back until the
next asset event): dbt's models are idempotent, a second publication finds nothing to publish, and
the validation of a run id replaces its rows. A night that fails for good publishes nothing.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pendulum
from airflow.sdk import dag, get_current_context, task
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

from antq.assets import STAGED_FIGURES, VALIDATED_MARTS
from antq.config import LOCAL_TZ_NAME, dbt_executable
from antq.dbt_watcher import report_after_the_build

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
# `antq run` parses the dbt project first (when it changed); Cosmos renders the task group from the manifest
DBT_MANIFEST = Path(os.environ.get("DBT_TARGET_PATH", DBT_PROJECT_DIR / "target")) / "manifest.json"
DBT_EXECUTABLE = dbt_executable()


@dag(
    dag_id="antq_transform",
    schedule=[STAGED_FIGURES],
    start_date=pendulum.datetime(2024, 1, 1, tz=LOCAL_TZ_NAME),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
    tags=["antq", "dbt", "great_expectations"],
    doc_md=__doc__,
)
def antq_transform():
    dbt = DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(DBT_PROJECT_DIR, manifest_path=DBT_MANIFEST if DBT_MANIFEST.exists() else None),
        profile_config=ProfileConfig(
            profile_name="antq_warehouse",
            target_name="warehouse",
            profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml",
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.WATCHER,
            dbt_executable_path=DBT_EXECUTABLE,
            # dbt in a process of its own, on the other core: in Airflow's process, where every dbt event
            # goes through Airflow's log handlers, the same build took 3-4x as long
            invocation_mode=InvocationMode.SUBPROCESS,
            # the producer's retry re-runs nothing (Cosmos skips it): no reason to wait for it
            setup_operator_args={"retry_delay": timedelta(seconds=1)},
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST if DBT_MANIFEST.exists() else LoadMode.AUTOMATIC,
            # per model: a task for the model, one for its tests (WATCHER has no per-node `dbt build`)
            test_behavior=TestBehavior.AFTER_EACH,
            # a test over two models (relationships) is in the tests' task of each: a task of its own
            # would wait on the build through a deferred trigger, ~0.5 s per test for nothing
            should_detach_multiple_parents_tests=False,
            # no per-model assets: their postgres:// URIs need a TCP host (the embedded server has
            # a socket); downstream consumers use antq_validated_marts, emitted after validation
            emit_datasets=False,
        ),
        operator_args={"install_deps": False},
    )
    report_after_the_build(dbt)

    @task
    def publish() -> dict:
        """Only after every dbt task succeeded: a failed night leaves BI on the previous build."""
        from antq.publish import publish_marts

        return publish_marts(published_by=get_current_context()["run_id"])

    @task(outlets=[VALIDATED_MARTS])
    def validate() -> dict:
        import logging

        from antq import pipeline

        # GX logs every config read and batch at INFO; through Airflow's log handlers that is noise
        # and time. Its warnings and the verdicts' summary (antq's logger) still reach the task log.
        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        return pipeline.validate(get_current_context()["run_id"])

    dbt >> publish() >> validate()


antq_transform()
