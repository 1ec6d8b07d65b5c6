"""Extraction on every core (antq.ingest.extraction): worker processes give what the in-process path
gives, in order, with the memory held bounded; a report that kills, hangs or breaks its worker is
rejected with its reason while the others are staged (real PostgreSQL for the staging)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from concurrent.futures.process import BrokenProcessPool
from datetime import date

import psycopg
import pytest

from antq import config
from antq.config import PROJECT_ROOT
from antq.ingest import extraction, night, raw, staging
from antq.ingest.extraction import RawReport, extracted
from antq.ingest.plan import nightly
from extraction_faults import faulty_extract, pid_of_worker, worker_that_cannot_start

RUN_DATE = date(2024, 1, 2)
SEEDS_DIR = PROJECT_ROOT / "seeds"

pytestmark = pytest.mark.usefixtures("quarantine")  # (fixtures landing, quarantine: conftest.py)


def _raw(name: str, content: bytes, batch: int = 0) -> RawReport:
    return RawReport(hashlib.sha256(content).hexdigest(), name, name, content, RUN_DATE, None, batch)


def _samples(times: int = 1) -> list[RawReport]:
    """The sample reports, each `times` over (as distinct reports: a line of its own added)."""
    paths = sorted(SEEDS_DIR.glob("*.txt"))
    return [
        _raw(f"{i}_{p.name}", p.read_bytes() + (f"\n{i}" if i else "").encode()) for i in range(times) for p in paths
    ]


def test_workers_give_what_the_in_process_path_gives_in_order():
    raws = _samples(4)
    alone = list(extracted(raws, 1))
    pooled = list(extracted(raws, 2, chunk=3, in_flight=7))
    assert [r.report_id for r, _ in pooled] == [r.report_id for r in raws]
    assert [x for _, x in pooled] == [x for _, x in alone]
    assert all(not x.rejected and x.figures for _, x in pooled)


def test_the_reports_go_to_worker_processes_only_with_more_than_one_worker():
    raws = _samples()
    pids_alone = {x.reason for _, x in extracted(raws, 1, extract=pid_of_worker)}
    pids_pooled = {x.reason for _, x in extracted(raws, 2, chunk=1, extract=pid_of_worker)}
    assert pids_alone == {str(os.getpid())}
    assert str(os.getpid()) not in pids_pooled


def test_no_more_than_in_flight_reports_are_read_ahead_of_what_was_handed_back():
    raws = _samples(8)  # 40 reports
    taken = 0

    def lazily():
        nonlocal taken
        for r in raws:
            taken += 1
            yield r

    handed_back, ahead = 0, []
    for _ in extracted(lazily(), 2, chunk=4, in_flight=10):
        ahead.append(taken - handed_back)
        handed_back += 1
    assert handed_back == len(raws)
    assert max(ahead) <= 10
    assert max(ahead) > 4  # the workers were given more than one chunk at a time


def test_a_report_that_crashes_hangs_or_breaks_its_worker_is_rejected_and_the_others_are_not():
    good = _samples(2)
    bad = [_raw("a crash.txt", b"crash"), _raw("a hang.txt", b"hang"), _raw("a raise.txt", b"raise")]
    raws = good[:3] + bad[:1] + good[3:6] + bad[1:] + good[6:]
    out = dict((r.file_name, x) for r, x in extracted(raws, 2, chunk=2, in_flight=6, extract=faulty_extract, limit=3))
    assert len(out) == len(raws)
    expected = dict((r.file_name, x) for r, x in extracted(good, 1))
    assert {n: x for n, x in out.items() if n in expected} == expected
    assert "process died on this file" in out["a crash.txt"].reason
    assert "did not finish this file in 3 s" in out["a hang.txt"].reason
    assert "the extractor failed on this file (RuntimeError: a bug on purpose)" in out["a raise.txt"].reason


def test_a_pool_found_broken_while_work_is_handed_to_it_loses_no_report(monkeypatch):
    """A worker may die between two hand-overs: submit then raises, and nothing may be lost."""
    calls = 0
    submit = extraction._Pool.submit

    def broken_on_the_third(self, *args):
        nonlocal calls
        calls += 1
        if calls == 3:
            raise BrokenProcessPool("a worker died a moment ago")
        return submit(self, *args)

    monkeypatch.setattr(extraction._Pool, "submit", broken_on_the_third)
    raws = _samples(3)
    pooled = list(extracted(raws, 2, chunk=2, in_flight=6))
    assert calls > 3
    assert [x for _, x in pooled] == [x for _, x in extracted(raws, 1)]


def test_a_pool_that_cannot_start_falls_back_to_this_process(monkeypatch):
    def cannot_start(self, workers, wait=True, initializer=None):
        raise extraction.PoolUnavailable("no processes here")

    monkeypatch.setattr(extraction._Pool, "__init__", cannot_start)
    pids = {x.reason for _, x in extracted(_samples(), 2, extract=pid_of_worker)}
    assert pids == {str(os.getpid())}


def test_workers_that_never_start_are_not_taken_for_reports_that_crash(monkeypatch):
    """A pool whose workers all fail to start breaks on the first reports: they are not rejected
    as crashes but extracted in this process."""
    start = extraction._Pool.__init__

    def failing_workers(self, workers, wait=True, initializer=None):
        start(self, workers, wait, initializer=worker_that_cannot_start)

    monkeypatch.setattr(extraction._Pool, "__init__", failing_workers)
    out = list(extracted(_samples(2), 2, chunk=2, extract=pid_of_worker))
    assert len(out) == 10 and {x.reason for _, x in out} == {str(os.getpid())}


def test_the_main_script_is_not_run_again_in_each_worker(tmp_path):
    """A script without a `__name__ == "__main__"` guard (or Airflow's CLI, heavy to import) is the
    parent's main module: the workers must not run it again."""
    script = tmp_path / "no_guard.py"
    script.write_text(
        "import os, sys\n"
        "from antq.ingest.extraction import extracted\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from extraction_faults import pid_of_worker\n"
        "from test_extraction_pool import _samples\n"
        "pids = {x.reason for _, x in extracted(_samples(), 2, chunk=1, extract=pid_of_worker)}\n"
        "print('in this process', str(os.getpid()) in pids)\n",
        encoding="utf-8",
    )
    tests_dir = str(PROJECT_ROOT / "tests")
    out = subprocess.run(
        [sys.executable, str(script), tests_dir], capture_output=True, text=True, timeout=300, cwd=PROJECT_ROOT
    )
    assert out.returncode == 0, out.stderr
    # run again, the script would start workers of its own while being imported: the pool would
    # break before any worker answers, and the reports would be extracted in this process
    assert out.stdout.splitlines() == ["in this process False"], out.stdout + out.stderr


def test_the_worker_count_comes_from_the_environment_or_the_cores(monkeypatch):
    monkeypatch.delenv("ANTQ_EXTRACT_WORKERS", raising=False)
    assert config.extract_workers(10) == 1  # a small night: no workers to start
    assert config.extract_workers(config.POOL_MIN_REPORTS) == config.available_cores()
    monkeypatch.setenv("ANTQ_EXTRACT_WORKERS", "3")
    assert config.extract_workers(10) == 3


# --- through the staging, on PostgreSQL ------------------------------------------------------------


def _staging_digest(url) -> dict:
    with psycopg.connect(config.libpq_url(url)) as conn:
        return {
            t: conn.execute(
                f"select count(*), md5(coalesce(string_agg(x::text, '|' order by x::text), '')) from "
                f"(select {cols} from {t}) x"
            ).fetchone()
            for t, cols in (
                ("staging.reports", "report_id, doc, province, report_date, figure_count, received_date"),
                ("staging.figures", "figure_id, report_id, ordinal, surface, value, unit, measure, attrs, sentence_no"),
                ("staging.sentences", "report_id, sentence_no, sentence"),
                ("raw.rejected_files", "report_id, relative_path, reason, stage"),
            )
        }


def test_a_night_on_two_workers_stages_what_one_stages(databases, landing, monkeypatch):
    (landing / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)  # rejected either way
    digests = []
    for workers in ("1", "2"):
        monkeypatch.setenv("ANTQ_EXTRACT_WORKERS", workers)
        with databases.warehouse() as url:
            result = night.run(url, landing, nightly(RUN_DATE), "run-1")
            assert result["staged"] == 5 and result["rejected"] == 1
            digests.append(_staging_digest(url))
    assert digests[0] == digests[1]


def test_a_crashing_report_is_rejected_with_its_reason_while_the_batch_is_staged(
    warehouse_db, landing, quarantine, monkeypatch
):
    (landing / "a crash.txt").write_bytes(b"crash")
    (landing / "a raise.txt").write_bytes(b"raise")
    ids = raw.load_raw(warehouse_db, landing, night.discover(warehouse_db, landing, nightly(RUN_DATE)), "run-1")
    monkeypatch.setattr(staging, "BATCH", 3)  # several transactions
    result = staging.extract_and_stage(warehouse_db, ids, "run-1", workers=2, extract=faulty_extract)
    assert result["staged"] == 5 and result["rejected"] == 2
    with psycopg.connect(config.libpq_url(warehouse_db)) as conn:
        rejected = dict(conn.execute("select file_name, reason from raw.rejected_files where stage = 'extract'"))
        staged = conn.execute("select count(*) from staging.reports").fetchone()[0]
    assert staged == 5
    assert "process died on this file" in rejected["a crash.txt"]
    assert "RuntimeError: a bug on purpose" in rejected["a raise.txt"]
    kept = list(quarantine.rglob("a crash.txt"))
    assert len(kept) == 1 and kept[0].read_bytes() == b"crash"
    # the rejected stay rejected: the next night has nothing to extract
    assert night.extract(warehouse_db, nightly(RUN_DATE), "run-2")["staged"] == 0
