"""When things run: the ingestion DAG nightly at 02:00 Asia/Ho_Chi_Minh, the transform DAG on the asset
the ingestion updates, and which run picks up which landed file (flat or under a dated folder)."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest

from antq import config
from antq.ingest import night
from antq.ingest.plan import RunPlan, plan_from_context, plan_range, plan_run

from conftest import SEEDS_DIR

HCM = config.LOCAL_TZ
SEEDS = sorted(SEEDS_DIR.iterdir())


@pytest.mark.integration  # dbt parse and Airflow's DagBag (fixture dagbag)
def test_both_dags_parse_without_import_errors(dagbag):
    bag, serialized = dagbag
    assert bag.import_errors == {}
    assert {"antq_ingest", "antq_transform"} <= set(bag.dags)
    assert len(bag.dags["antq_transform"].task_ids) > 20  # the dbt task group was rendered


@pytest.mark.integration  # dbt parse and Airflow's DagBag (fixture dagbag)
def test_ingestion_runs_nightly_at_two_in_the_morning_ho_chi_minh_time(dagbag):
    from airflow.timetables.trigger import CronTriggerTimetable

    _, serialized = dagbag
    dag = serialized["antq_ingest"]
    assert isinstance(dag.timetable, CronTriggerTimetable)
    assert dag.timetable.summary == "0 2 * * *"
    assert dag.timetable._timezone.name == "Asia/Ho_Chi_Minh"
    assert dag.catchup is False and dag.max_active_runs == 1
    # what the scheduler (and a backfill) would create for three local days: one run a night at 02:00
    infos = list(dag.iter_dagrun_infos_between(datetime(2024, 3, 1, tzinfo=HCM), datetime(2024, 3, 4, tzinfo=HCM)))
    local = [i.logical_date.astimezone(HCM) for i in infos]
    assert [(d.date(), d.hour, d.minute) for d in local] == [
        (date(2024, 3, 1), 2, 0),
        (date(2024, 3, 2), 2, 0),
        (date(2024, 3, 3), 2, 0),
    ]
    assert all(i.logical_date.astimezone(UTC).hour == 19 for i in infos)  # 02:00 +07 = 19:00 UTC
    assert all(i.data_interval.start == i.data_interval.end == i.logical_date for i in infos)


@pytest.mark.integration  # dbt parse and Airflow's DagBag (fixture dagbag)
def test_transform_runs_on_the_asset_the_ingestion_updates_not_on_a_clock(dagbag):
    from airflow.timetables.simple import AssetTriggeredTimetable

    from antq.assets import STAGED_FIGURES

    bag, serialized = dagbag
    transform = serialized["antq_transform"]
    assert isinstance(transform.timetable, AssetTriggeredTimetable)
    assert not transform.timetable.periodic
    assert [a.name for _, a in transform.timetable.asset_condition.iter_assets()] == [STAGED_FIGURES.name]
    ingest = bag.dags["antq_ingest"]
    producers = {t.task_id: [o.name for o in t.outlets] for t in ingest.tasks if t.outlets}
    assert producers == {"extract_and_stage": [STAGED_FIGURES.name]}


@pytest.mark.integration  # dbt parse and Airflow's DagBag (fixture dagbag)
def test_every_task_of_both_dags_is_retried(dagbag):
    """#15: a short database outage during dbt must not leave the marts half rebuilt until the next
    asset event; every transform task (each dbt node, the validation) is retried, as ingestion's are."""
    _, serialized = dagbag
    for dag_id in ("antq_ingest", "antq_transform"):
        tasks = serialized[dag_id].tasks
        assert tasks and all(t.retries >= 2 for t in tasks), [(t.task_id, t.retries) for t in tasks if t.retries < 2]


@pytest.mark.integration  # dbt parse and Airflow's DagBag (fixture dagbag)
def test_ingestion_params_choose_what_is_re_extracted(dagbag):
    bag, _ = dagbag
    params = bag.dags["antq_ingest"].params
    assert params["reextract"] == "auto"
    assert params.get_param("reextract").schema["enum"] == ["auto", "outdated", "all", "none"]
    assert params["from_date"] is None and params["to_date"] is None


# --- which run picks up which file -----------------------------------------------------------------

NIGHT = datetime(2024, 3, 5, 2, 0, tzinfo=HCM)


def test_a_scheduled_run_is_a_nightly_run_of_its_local_day():
    plan = plan_run("scheduled", NIGHT, NIGHT, NIGHT, {}, now=NIGHT + timedelta(minutes=1))
    assert (plan.run_date, plan.first_day, plan.last_day) == (date(2024, 3, 5),) * 3
    assert not plan.reprocessing and plan.takes_flat_files
    assert plan.reextract == "outdated" and (plan.from_date, plan.to_date) == (None, None)
    # even when it starts late, after local midnight: still the night of 2024-03-05, still nightly
    late = plan_run("scheduled", NIGHT, NIGHT, NIGHT, {}, now=NIGHT + timedelta(days=1))
    assert late == plan


@pytest.mark.integration  # imports Airflow (its DagRunType): seconds, on a loaded machine
def test_a_backfill_run_re_processes_its_own_day_only():
    plan = plan_run("backfill", NIGHT, NIGHT, NIGHT, {}, now=NIGHT + timedelta(days=30))
    assert plan.reprocessing and not plan.takes_flat_files
    assert plan.reextract == "all" and plan.from_date == plan.to_date == date(2024, 3, 5)
    # the enum Airflow passes works as its string value does
    from airflow.utils.types import DagRunType

    assert plan_run(DagRunType.BACKFILL_JOB, NIGHT, NIGHT, NIGHT, {}, now=NIGHT) == plan


def test_a_manual_run_is_nightly_for_today_and_re_processing_for_a_past_day():
    now = datetime(2024, 3, 9, 15, 0, tzinfo=HCM)
    today = plan_run("manual", now, now, now, {}, now=now)
    assert not today.reprocessing and today.run_date == date(2024, 3, 9)
    # Airflow 3 lets a manual run have no logical date: it is today's
    undated = plan_run("manual", None, None, None, {}, now=now)
    assert not undated.reprocessing and undated.run_date == date(2024, 3, 9)
    past = plan_run("manual", NIGHT, NIGHT, NIGHT, {}, now=now)
    assert past.reprocessing and past.from_date == past.to_date == date(2024, 3, 5)


def test_params_override_the_mode_and_the_range():
    plan = plan_run(
        "scheduled",
        NIGHT,
        NIGHT,
        NIGHT,
        {"reextract": "all", "from_date": "2024-01-01", "to_date": "2024-01-31"},
        now=NIGHT,
    )
    assert (plan.reextract, plan.from_date, plan.to_date) == ("all", date(2024, 1, 1), date(2024, 1, 31))
    plan = plan_run("backfill", NIGHT, NIGHT, NIGHT, {"reextract": "outdated"}, now=NIGHT)
    assert plan.reextract == "outdated" and plan.from_date == date(2024, 3, 5)
    with pytest.raises(ValueError, match="reextract"):
        plan_run("scheduled", NIGHT, NIGHT, NIGHT, {"reextract": "everything"}, now=NIGHT)
    with pytest.raises(ValueError, match="after"):
        plan_run("scheduled", NIGHT, NIGHT, NIGHT, {"from_date": "2024-02-01", "to_date": "2024-01-01"})
    # the plan goes from task to task through XCom
    assert RunPlan.from_dict(plan.to_dict()) == plan


def test_a_data_interval_covers_the_local_days_it_spans():
    start, end = datetime(2024, 3, 1, 0, 0, tzinfo=HCM), datetime(2024, 3, 4, 0, 0, tzinfo=HCM)
    plan = plan_run("backfill", start, start, end, {}, now=end)
    assert (plan.first_day, plan.last_day) == (date(2024, 3, 1), date(2024, 3, 3))
    # 2024-03-01 20:00 UTC is already 2024-03-02 in Ho Chi Minh City
    utc = datetime(2024, 3, 1, 20, 0, tzinfo=UTC)
    assert plan_run("backfill", utc, utc, utc, {}, now=utc).first_day == date(2024, 3, 2)


@pytest.fixture
def dated_landing(tmp_path, monkeypatch):
    """A flat file, two under 2024-03-01/, one under 2024-03-02/."""
    monkeypatch.setenv("ANTQ_SETTLE_SECONDS", "0")
    monkeypatch.setenv("ANTQ_QUARANTINE_DIR", str(tmp_path / "quarantine"))
    landing = tmp_path / "landing"
    for folder, seed in [("", SEEDS[0]), ("2024-03-01", SEEDS[1]), ("2024-03-01", SEEDS[2]), ("2024-03-02", SEEDS[3])]:
        (landing / folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(seed, landing / folder / seed.name)
    return landing


def _received(url) -> dict[str, date]:
    with psycopg.connect(config.libpq_url(url)) as conn:
        return dict(conn.execute("select relative_path, received_date from raw.report_files").fetchall())


def test_which_run_picks_up_which_file(warehouse_db, dated_landing):
    # a backfill of 2024-03-01 takes only the files of its dated folder; the flat one and
    # 2024-03-02's wait
    day1 = plan_range(date(2024, 3, 1), date(2024, 3, 1))
    result = night.run(warehouse_db, dated_landing, day1, "backfill-0301")
    assert result["files_new"] == 2 and result["staged"] == 2
    assert _received(warehouse_db) == {
        f"2024-03-01/{SEEDS[1].name}": date(2024, 3, 1),
        f"2024-03-01/{SEEDS[2].name}": date(2024, 3, 1),
    }
    # the night of 2024-03-05 takes everything still new: the flat file is received that night,
    # the dated one on its folder's day
    nightly = plan_run("scheduled", NIGHT, NIGHT, NIGHT, {}, now=NIGHT)
    result = night.run(warehouse_db, dated_landing, nightly, "scheduled-0305")
    assert result["files_new"] == 2 and result["staged"] == 2 and result["reextracted"] == 0
    received = _received(warehouse_db)
    assert received[SEEDS[0].name] == date(2024, 3, 5)
    assert received[f"2024-03-02/{SEEDS[3].name}"] == date(2024, 3, 2)
    # and the next night finds nothing new
    again = night.run(warehouse_db, dated_landing, nightly, "scheduled-0306")
    assert again["files_new"] == 0 and again["staged"] == 0


def test_the_dag_tasks_are_the_steps_of_the_one_ingestion(warehouse_db, dated_landing, monkeypatch):
    """The three tasks of antq_ingest (night.dag_*), their hand-over through JSON as XCom carries it,
    do what one night.run call does: a backfill task set takes its day's folder, a nightly one the rest."""
    import json
    from types import SimpleNamespace

    monkeypatch.setenv("WAREHOUSE_URL", warehouse_db)
    monkeypatch.setenv("REPORTS_DIR", str(dated_landing))

    def tasks(run_type, when, run_id):
        ctx = {
            "dag_run": SimpleNamespace(run_type=run_type, run_after=when),
            "logical_date": when,
            "data_interval_start": when,
            "data_interval_end": when,
            "params": {"reextract": "auto"},
            "run_id": run_id,
        }
        found = json.loads(json.dumps(night.dag_discover(ctx)))
        loaded = json.loads(json.dumps(night.dag_load_raw(found, ctx)))
        return found, loaded, night.dag_extract(loaded, ctx)

    day1 = datetime(2024, 3, 1, 2, 0, tzinfo=HCM)
    found, loaded, result = tasks("backfill", day1, "backfill-0301")
    assert sorted(f["relative_path"] for f in found["files"]) == sorted(
        f"2024-03-01/{s.name}" for s in (SEEDS[1], SEEDS[2])
    )
    assert len(loaded["new_ids"]) == 2 and result["staged"] == 2 and found["plan"]["reprocessing"]
    found, loaded, result = tasks("scheduled", NIGHT, "scheduled-0305")
    assert len(found["files"]) == len(loaded["new_ids"]) == result["staged"] == 2
    assert _received(warehouse_db)[SEEDS[0].name] == date(2024, 3, 5)
    again = night.run(warehouse_db, dated_landing, plan_run("scheduled", NIGHT, NIGHT, NIGHT, {}, now=NIGHT), "again")
    assert again["files_new"] == again["staged"] == again["reextracted"] == 0


def test_a_manual_run_triggered_before_midnight_stays_a_run_for_its_day():
    """The plan reads "today" from the run's run_after (when it was triggered), not the wall clock."""
    from types import SimpleNamespace

    triggered = datetime(2024, 3, 9, 23, 59, 59, tzinfo=HCM)
    ctx = {
        "dag_run": SimpleNamespace(run_type="manual", run_after=triggered),
        "logical_date": triggered,
        "data_interval_start": triggered,
        "data_interval_end": triggered,
        "params": {"reextract": "auto"},
    }
    plan = plan_from_context(ctx)  # evaluated after midnight, today being 2024-03-10 or later
    assert not plan.reprocessing and plan.run_date == date(2024, 3, 9)
    ctx["dag_run"] = SimpleNamespace(run_type="manual", run_after=triggered + timedelta(days=3))
    assert plan_from_context(ctx).reprocessing  # triggered days later for that day: re-processing
