"""Backfills and re-extraction: the reports received in a range are extracted again with the current
extractor and their staged figures replaced, atomically and idempotently; reports an older extractor
version staged are re-extracted by the next nightly run. Against real PostgreSQL; one test runs a
real `airflow backfill create` through a real scheduler."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime

import psycopg
import pytest

from antq import backfill, config
from antq.ingest import extraction, night, staging
from antq.ingest.plan import plan_range, plan_run

from warehouse_state import OLD_VERSION, SEEDS, age, duplicates, figures, land, staged_at, versions

HCM = config.LOCAL_TZ
NIGHT = datetime(2024, 3, 10, 2, 0, tzinfo=HCM)
DAY1, DAY2, DAY5 = "2024-03-01", "2024-03-02", "2024-03-05"


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTQ_SETTLE_SECONDS", "0")
    monkeypatch.setenv("ANTQ_QUARANTINE_DIR", str(tmp_path / "quarantine"))


@pytest.fixture
def landing(tmp_path):
    """Two reports received 2024-03-01, one 2024-03-02, one 2024-03-05, one flat."""
    folder = tmp_path / "landing"
    paths = [
        land(folder, DAY1, SEEDS[1]),
        land(folder, DAY1, SEEDS[2]),
        land(folder, DAY2, SEEDS[3]),
        land(folder, DAY5, SEEDS[4]),
        land(folder, "", SEEDS[0]),
    ]
    return folder, paths


@pytest.fixture
def loaded(warehouse_db, landing):
    """Everything loaded by one nightly run, then the figures as the current extractor stages them."""
    folder, paths = landing
    nightly = plan_run("scheduled", NIGHT, NIGHT, NIGHT, {}, now=NIGHT)
    result = night.run(warehouse_db, folder, nightly, "scheduled-night")
    assert result["staged"] == 5 and result["rejected"] == 0
    return warehouse_db, folder, paths, figures(warehouse_db)


def _nightly(params=None):
    return plan_run("scheduled", NIGHT, NIGHT, NIGHT, params or {}, now=NIGHT)


def test_a_backfill_range_replaces_the_figures_of_the_reports_received_in_it_only(loaded):
    url, folder, paths, current = loaded
    age(url)
    aged = figures(url)
    result = night.run(url, folder, plan_range(date(2024, 3, 1), date(2024, 3, 2)), "bf")
    assert result["reextracted"] == 3 and result["staged"] == 3
    after = figures(url)
    in_range = [p for p in paths if p.startswith((DAY1, DAY2))]
    for path in in_range:  # exactly what the current extractor stages: no aged figure left, none missing
        assert after[path] == current[path], path
    for path in set(paths) - set(in_range):  # outside the range: untouched
        assert after[path] == aged[path], path
    v = versions(url)
    import extractors

    assert {v[p] for p in in_range} == {extractors.EXTRACTOR_VERSION}
    assert {v[p] for p in set(paths) - set(in_range)} == {OLD_VERSION}
    assert set(duplicates(url).values()) == {0}


def test_re_processing_the_same_range_twice_stages_the_same_figures(loaded):
    url, folder, paths, current = loaded
    plan = plan_range(date(2024, 3, 1), date(2024, 3, 5))
    night.run(url, folder, plan, "bf-1")
    first, first_at = figures(url), staged_at(url)
    result = night.run(url, folder, plan, "bf-2")
    assert result["reextracted"] == 4 and result["files_new"] == 0
    assert figures(url) == first == current
    assert all(staged_at(url)[p] > first_at[p] for p in paths if p.startswith("2024-"))  # really redone
    assert set(duplicates(url).values()) == {0}


def test_the_next_night_re_extracts_what_an_older_extractor_version_staged(loaded):
    url, folder, paths, current = loaded
    age(url, [paths[0], paths[3]])
    result = night.run(url, folder, _nightly(), "next-night")
    assert result["reextracted"] == 2 and result["files_new"] == 0
    assert figures(url) == current
    # nothing outdated any more: the night after re-extracts nothing
    assert night.run(url, folder, _nightly(), "night-after")["reextracted"] == 0


def test_re_extraction_params_choose_none_all_or_a_range(loaded):
    url, folder, paths, current = loaded
    age(url)
    aged = figures(url)
    assert night.run(url, folder, _nightly({"reextract": "none"}), "none")["reextracted"] == 0
    assert figures(url) == aged
    ranged = _nightly({"reextract": "outdated", "from_date": DAY2, "to_date": DAY5})
    assert night.run(url, folder, ranged, "range")["reextracted"] == 2
    after = figures(url)
    assert all(after[p] == (current[p] if p.startswith((DAY2, DAY5)) else aged[p]) for p in paths)
    everything = night.run(url, folder, _nightly({"reextract": "all"}), "all")
    assert everything["reextracted"] == 5 and figures(url) == current


def test_a_replacement_that_fails_keeps_the_old_figures(loaded, monkeypatch):
    """The delete and the COPY are one transaction: a failure half-way leaves every report as it was."""
    url, folder, paths, _ = loaded
    age(url)
    aged, aged_versions = figures(url), versions(url)
    real_rows = staging.figure_rows
    calls = []

    def failing_rows(report_id, report):
        calls.append(report_id)
        rows = real_rows(report_id, report)
        if len(calls) == 2:  # the second report's figures break a NOT NULL constraint mid-COPY
            rows[-1] = rows[-1][:3] + (None,) + rows[-1][4:]
        return rows

    # the rows are built where the reports are extracted (antq.ingest.extraction, in process for a few)
    monkeypatch.setattr(extraction, "figure_rows", failing_rows)
    with pytest.raises(psycopg.errors.NotNullViolation):
        night.run(url, folder, plan_range(date(2024, 3, 1), date(2024, 3, 5)), "bf-fails")
    assert len(calls) >= 2
    assert figures(url) == aged and versions(url) == aged_versions
    monkeypatch.setattr(extraction, "figure_rows", real_rows)
    assert night.run(url, folder, plan_range(date(2024, 3, 1), date(2024, 3, 5)), "bf-ok")["reextracted"] == 4


def test_backfill_command_covers_the_local_days():
    cmd = backfill.backfill_command(date(2024, 3, 1), date(2024, 3, 2))
    assert cmd[:4] == ["backfill", "create", "--dag-id", "antq_ingest"]
    args = dict(zip(cmd[4::2], cmd[5::2]))
    assert args == {
        "--from-date": "2024-03-01T00:00:00+07:00",
        "--to-date": "2024-03-02T23:59:59+07:00",
        "--reprocess-behavior": "completed",
    }
    cmd = backfill.backfill_command(date(2024, 3, 1), date(2024, 3, 2), "outdated")
    assert json.loads(cmd[cmd.index("--dag-run-conf") + 1]) == {"reextract": "outdated"}


# --- `antq reprocess` without a scheduler ------------------------------------------------------------


def _antq(args, env, timeout=900):
    proc = subprocess.run(
        [sys.executable, "-m", "antq.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=config.PROJECT_ROOT,
    )
    assert proc.returncode == 0, f"antq {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-4000:]}"
    return proc.stdout


@pytest.mark.integration  # dbt rebuilds the marts
def test_antq_reprocess_without_a_scheduler_does_the_backfill_directly_and_rebuilds_the_marts(loaded, tmp_path):
    url, folder, paths, current = loaded
    age(url)
    env = {**os.environ, "WAREHOUSE_URL": url, "REPORTS_DIR": str(folder), "ANTQ_DATA_DIR": str(tmp_path / "data")}
    out = _antq(["reprocess", "--from", DAY1, "--to", DAY2], env)
    assert "no Airflow scheduler is running" in out and "directly" in out
    assert "re-extracted 3" in out and "marts rebuilt" in out
    after = figures(url)
    assert all(after[p] == current[p] for p in paths if p.startswith((DAY1, DAY2)))
    import extractors

    with psycopg.connect(config.libpq_url(url)) as conn:
        marts = dict(conn.execute("select relative_path, extractor_version from marts.dim_report").fetchall())
        mart_figures = conn.execute(
            """select count(*) from marts.fct_figures f join staging.figures s using (figure_id)
               where f.value = s.value"""
        ).fetchone()[0]
        staged = conn.execute("select count(*) from staging.figures").fetchone()[0]
    # the marts were rebuilt from the replaced staging: re-extracted reports carry the current version
    assert {marts[p] for p in paths if p.startswith((DAY1, DAY2))} == {extractors.EXTRACTOR_VERSION}
    assert {marts[p] for p in paths if not p.startswith((DAY1, DAY2))} == {OLD_VERSION}
    assert mart_figures == staged


# --- a real backfill through a real scheduler ----------------------------------------------------------


@pytest.mark.scheduler
def test_airflow_backfill_create_re_processes_the_range_through_the_scheduler(
    warehouse_db, landing, tmp_path, monkeypatch
):
    """api-server + dag-processor + scheduler (LocalExecutor) on a fresh metadata database; the nightly
    run the scheduler creates on unpause loads everything, then `airflow backfill create` (and, the
    second time, `antq reprocess`, which calls it) re-processes 2024-03-01..02."""
    from airflow_services import AirflowServices

    folder, paths = landing
    monkeypatch.setenv("ANTQ_DATA_DIR", str(tmp_path / "data"))
    services = AirflowServices(tmp_path, warehouse_db, folder, "LocalExecutor", {"ANTQ_SETTLE_SECONDS": "0"})
    try:
        services.cli("db", "migrate", timeout=300)
        services.start_core()
        services.wait_for_api()
        services.wait_for_dag("antq_ingest")
        services.cli("dags", "unpause", "antq_ingest")

        # 1. unpaused, the scheduler creates the latest nightly run (catchup is off): it loads everything
        def finished(run_type, n):
            runs = [r for r in services.dag_runs("antq_ingest") if r[1] == run_type]
            return runs if len(runs) >= n and all(r[2] in ("success", "failed") for r in runs) else None

        nightly = services.wait_for("the nightly run", lambda: finished("scheduled", 1), 240)
        assert [r[2] for r in nightly] == ["success"], services.task_states("antq_ingest")
        ran_at = nightly[0][3].astimezone(HCM)
        assert (ran_at.hour, ran_at.minute) == (2, 0)
        current = figures(warehouse_db)
        assert sorted(current) == sorted(paths)
        with psycopg.connect(config.libpq_url(warehouse_db)) as conn:
            flat_day = conn.execute(
                "select received_date from raw.report_files where relative_path = %s", (paths[4],)
            ).fetchone()[0]
        assert flat_day == ran_at.date()

        # 2. an older extractor staged everything; a late file lands under 2024-03-02/, another flat
        age(warehouse_db)
        late = land(folder, DAY2, SEEDS[4], "late.txt", suffix="\nBổ sung.\n")
        flat_new = land(folder, "", SEEDS[0], "flat-new.txt", suffix="\nBản mới.\n")

        # 3. the backfill, as an operator types it
        lo, hi = f"{DAY1}T00:00:00+07:00", f"{DAY2}T23:59:59+07:00"
        services.cli("backfill", "create", "--dag-id", "antq_ingest", "--from-date", lo, "--to-date", hi)
        runs = services.wait_for("the backfill's runs", lambda: finished("backfill", 2), 240)
        assert [r[2] for r in runs] == ["success", "success"], services.task_states("antq_ingest")
        assert [r[3].astimezone(HCM) for r in runs] == [
            datetime(2024, 3, 1, 2, tzinfo=HCM),
            datetime(2024, 3, 2, 2, tzinfo=HCM),
        ]
        after = figures(warehouse_db)
        in_range = [p for p in paths if p.startswith((DAY1, DAY2))]
        assert all(after[p] == current[p] for p in in_range)  # replaced by the current extractor's
        aged_versions = versions(warehouse_db)
        assert {aged_versions[p] for p in set(paths) - set(in_range)} == {OLD_VERSION}  # outside: untouched
        assert late in after and flat_new not in after  # the dated late file is the backfill's; the flat one waits
        assert set(duplicates(warehouse_db).values()) == {0}
        # each backfill run updated the staged-figures asset: the transform DAG rebuilds the marts on it
        events = services.query(
            """select e.source_run_id from asset_event e join asset a on a.id = e.asset_id
               where a.name = 'antq_staged_figures' and e.source_run_id like 'backfill__%%'"""
        )
        assert len(events) == 2

        services.wait_for(
            "the backfill to be marked complete",
            lambda: services.query("select 1 from backfill where completed_at is not null"),
            120,
        )
        # 4. the same again through `antq reprocess`: a scheduler is running, so it creates the backfill
        first, first_at = figures(warehouse_db), staged_at(warehouse_db)
        env = {**services.env}
        env.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")  # as a user has it: derived from WAREHOUSE_URL
        proc = subprocess.run(
            [sys.executable, "-m", "antq.cli", "reprocess", "--from", DAY1, "--to", DAY2],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            cwd=config.PROJECT_ROOT,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
        assert "backfill create" in proc.stdout and "--reprocess-behavior completed" in proc.stdout

        def second_backfill_runs():  # the same two runs, cleared and queued again under the new backfill
            rows = services.query(
                """select r.state from dag_run r where (select count(*) from backfill) = 2
                   and r.backfill_id = (select max(id) from backfill)"""
            )
            return rows if len(rows) == 2 and all(r[0] in ("success", "failed") for r in rows) else None

        assert services.wait_for("the second backfill's runs", second_backfill_runs, 240) == [("success",)] * 2
        assert figures(warehouse_db) == first  # idempotent: the same figures under the same ids
        again_at = staged_at(warehouse_db)
        assert all(again_at[p] > first_at[p] for p in in_range + [late])  # and really re-extracted
        assert set(duplicates(warehouse_db).values()) == {0}
    finally:
        services.stop()
