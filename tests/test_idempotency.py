"""Idempotency: the same night run three times gives the same marts (rows and checksums), and two
ingestions running at once, as separate processes on one database and one landing folder, never
duplicate a report or a figure and leave exactly what one run leaves. Real PostgreSQL, real dbt."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path

import psycopg
import pytest

from antq import config
from antq.ingest import night
from antq.ingest.plan import plan_run

from marts import digests
from warehouse_state import SEEDS, duplicates, figures, land

NIGHT = datetime(2024, 3, 10, 2, 0, tzinfo=config.LOCAL_TZ)


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTQ_SETTLE_SECONDS", "0")
    monkeypatch.setenv("ANTQ_QUARANTINE_DIR", str(tmp_path / "quarantine"))
    monkeypatch.setenv("ANTQ_DATA_DIR", str(tmp_path / "data"))


def _marts_checksums(url: str) -> dict[str, tuple[int, str]]:
    """Every table dbt built in schema marts: (rows, md5 of all rows in a stable order)."""
    with psycopg.connect(config.libpq_url(url)) as conn:
        return digests(conn)


def _staging_checksums(url: str) -> dict[str, tuple[int, str]]:
    with psycopg.connect(config.libpq_url(url)) as conn:
        return {
            t: conn.execute(
                f"select count(*), md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from {t} t"
            ).fetchone()
            for t in ("raw.report_files", "raw.file_ledger", "staging.reports", "staging.figures")
        }


def _dbt_build(url: str) -> None:
    proc = subprocess.run(
        [config.dbt_executable(), "build", "--project-dir", str(config.DBT_PROJECT_DIR), "--quiet"],
        env=config.child_env(url),
        capture_output=True,
        text=True,
        timeout=900,
        cwd=config.PROJECT_ROOT,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


@pytest.mark.integration  # dbt builds the marts
def test_the_same_night_three_times_gives_identical_marts(warehouse_db, tmp_path):
    landing = tmp_path / "landing"
    for i, seed in enumerate(SEEDS):
        land(landing, "2024-03-09" if i % 2 else "", seed)
    plan = plan_run("scheduled", NIGHT, NIGHT, NIGHT, {}, now=NIGHT)
    run_id = f"scheduled__{NIGHT.isoformat()}"  # the same night: same logical date, same run id
    marts, staging, results = [], [], []
    for _ in range(3):
        results.append(night.run(warehouse_db, landing, plan, run_id))
        _dbt_build(warehouse_db)
        marts.append(_marts_checksums(warehouse_db))
        staging.append(_staging_checksums(warehouse_db))
    assert results[0]["staged"] == 5 and results[1]["staged"] == results[2]["staged"] == 0
    assert {"fct_figures", "dim_report"} <= set(marts[0])
    assert marts[0]["fct_figures"][0] == staging[0]["staging.figures"][0] > 50
    assert all(rows > 0 for name, (rows, _) in marts[0].items() if name.startswith(("dim_report", "fct_figures")))
    assert marts[0] == marts[1] == marts[2]
    assert staging[0] == staging[1] == staging[2]


WORKER = textwrap.dedent("""
    import json, sys, time
    from datetime import date
    from pathlib import Path
    import extractors  # loaded before the start line, so both processes reach discover together
    from antq.ingest import night
    from antq.ingest.plan import nightly
    url, landing, start, run_id = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    plan = nightly(date(2024, 3, 10))
    time.sleep(max(0.0, start - time.time()))
    began = time.time()
    result = night.run(url, landing, plan, run_id)
    print(json.dumps({**result, "began": began, "ended": time.time()}))
""")


@pytest.fixture
def second_db(databases):
    with databases.warehouse() as url:
        yield url


def _contents(url: str) -> dict:
    with psycopg.connect(config.libpq_url(url)) as conn:
        q = lambda s: sorted(conn.execute(s).fetchall())  # noqa: E731
        return {
            "raw": q("select report_id, relative_path, received_date, size_bytes, md5(content) from raw.report_files"),
            "ledger": q("select relative_path, report_id, outcome from raw.file_ledger"),
            "reports": q("""select report_id, doc, province, report_date, period_label, figure_count,
                                   extractor_version, received_date from staging.reports"""),
            "rejected": q("select report_id, reason from raw.rejected_files"),
        }


def _landing_of_30(tmp_path) -> Path:
    landing = tmp_path / "landing"
    for copy in range(6):  # 30 distinct contents, flat and under dated folders
        for seed in SEEDS:
            folder = "" if copy % 2 == 0 else f"2024-03-0{copy}"
            land(landing, folder, seed, f"copy{copy}_{seed.name}", suffix=f"\nBản sao số {copy}.\n")
    return landing


def _start(url: str, landing: Path, start: float, run_id: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, url, str(landing), str(start), run_id],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(procs) -> list[dict]:
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (_out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-4000:]
    return [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]


def _assert_same_as_one_run_alone(url: str, alone_url: str, landing: Path) -> None:
    assert set(duplicates(url).values()) == {0}
    alone = night.run(alone_url, landing, plan_run("scheduled", NIGHT, NIGHT, NIGHT, {}, now=NIGHT), "alone")
    assert alone["staged"] == 30
    assert figures(url) == figures(alone_url)
    assert _contents(url) == _contents(alone_url)
    assert len(figures(url)) == 30


def test_two_ingestions_started_together_never_duplicate_a_report_or_a_figure(warehouse_db, second_db, tmp_path):
    """Both discover, load and stage the same 30 new files at the same moment."""
    landing = _landing_of_30(tmp_path)
    start = time.time() + 8  # both processes are up and have imported everything by then
    a, b = _finish([_start(warehouse_db, landing, start, f"run-{i}") for i in (1, 2)])
    assert a["began"] < b["ended"] and b["began"] < a["ended"], "the two runs did not overlap"
    assert abs(a["began"] - b["began"]) < 1.0
    _assert_same_as_one_run_alone(warehouse_db, second_db, landing)


def test_an_ingestion_staging_while_another_holds_its_staging_transaction_open(warehouse_db, second_db, tmp_path):
    """Run 1 pauses with its figures COPYed and not committed (the ingest test hook); run 2 then
    extracts the same reports and stages them: it waits for run 1's commit, then replaces them."""
    landing = _landing_of_30(tmp_path)
    paused = tmp_path / "paused.pid"
    first = _start(
        warehouse_db,
        landing,
        0,
        "run-1",
        {"ANTQ_TEST_PAUSE_AT": "stage", "ANTQ_TEST_PAUSE_SECONDS": "8", "ANTQ_TEST_PAUSE_FILE": str(paused)},
    )
    deadline = time.monotonic() + 300
    while not paused.exists():
        assert first.poll() is None, first.communicate()[1][-4000:]
        assert time.monotonic() < deadline, "run 1 never reached its staging transaction"
        time.sleep(0.2)
    second = _start(warehouse_db, landing, 0, "run-2")
    a, b = _finish([first, second])
    assert b["began"] < a["ended"], "run 2 started after run 1 had committed"
    assert a["staged"] == b["staged"] == 30 and b["files_new"] == 0  # run 2 re-staged what run 1 staged
    assert b["ended"] > a["ended"]  # it waited for run 1's commit
    _assert_same_as_one_run_alone(warehouse_db, second_db, landing)
