"""`antq status` on a real warehouse: a loaded sample, rejected files, files pending, a failed expectation."""

from __future__ import annotations

import json
import os
import shutil
from datetime import date

import psycopg
import pytest

from antq import cli, config, status
from antq.ingest import night
from antq.ingest.plan import nightly

from conftest import SEEDS_DIR

RUN_DATE = date(2024, 1, 2)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
def loaded(warehouse_db, tmp_path, monkeypatch):
    monkeypatch.setenv("ANTQ_QUARANTINE_DIR", str(tmp_path / "quarantine"))
    landing = tmp_path / "landing"
    shutil.copytree(SEEDS_DIR, landing)
    (landing / "photo.txt").write_bytes(PNG)
    os.symlink(landing / "gone.txt", landing / "dangling.txt")  # inside the folder, to nothing
    night.run(warehouse_db, landing, nightly(RUN_DATE), "run-1")
    # after the run: a new report and a named pipe wait in the folder
    (landing / "late report.txt").write_text("Năm 2023, toàn tỉnh có 1.052 tổ an ninh nhân dân.", "utf-8")
    os.mkfifo(landing / "pipe")
    with psycopg.connect(config.libpq_url(warehouse_db)) as conn:
        conn.execute(
            """insert into dq.validation_results (run_id, suite, expectation, success, unexpected_count, severity,
                                                  validated_at)
               values ('gx-old', 'figures', 'values_are_positive', false, 3, 'error', now() - interval '1 day'),
                      ('gx-new', 'figures', 'values_are_positive', true, 0, 'error', now()),
                      ('gx-new', 'targets', 'stated_pct_matches_actual_over_target', false, 1, 'warning', now())"""
        )
    return warehouse_db, landing


def test_status_collects_runs_pending_rejected_and_failed_expectations(loaded):
    url, landing = loaded
    s = status.collect(url, landing)
    assert s["reports_staged"] == 5 and s["figures_staged"] > 50
    assert [(r["run_id"], r["files"], r["loaded"], r["rejected"], r["rejected_by_extractor"]) for r in s["runs"]] == [
        ("run-1", 7, 6, 1, 1)
    ]
    assert [(f["relative_path"], bool(f["note"])) for f in s["pending"]["files"]] == [
        ("late report.txt", False),
        ("pipe", True),
    ]
    assert "named pipe" in s["pending"]["files"][1]["note"]
    rejected = {r["relative_path"]: r for r in s["rejected"]}
    assert set(rejected) == {"photo.txt", "dangling.txt"} and s["rejected_total"] == 2
    assert "PNG image" in rejected["photo.txt"]["reason"] and rejected["photo.txt"]["stage"] == "extract"
    assert "does not exist" in rejected["dangling.txt"]["reason"] and rejected["dangling.txt"]["stage"] == "discover"
    assert all(os.path.isdir(r["kept_in"]) for r in s["rejected"])
    assert s["validation"]["run_id"] == "gx-new" and s["validation"]["failed"] == 1
    assert s["failed_expectations"] == [
        {
            "suite": "targets",
            "expectation": "stated_pct_matches_actual_over_target",
            "unexpected": 1,
            "severity": "warning",
        }
    ]


def test_status_text_says_what_to_do(loaded):
    url, landing = loaded
    text = status.render(status.collect(url, landing))
    assert "run-1: 7 new file(s): 6 stored, 0 duplicate, 1 rejected at discovery, 1 rejected by the extractor" in text
    assert "'photo.txt' (extract" in text and "PNG image" in text and "kept in" in text
    assert "drop it in the landing folder again under a new name" in text
    assert "'late report.txt'" in text and "the next ingestion run takes them" in text
    assert "FAILED [warning] targets.stated_pct_matches_actual_over_target: 1 row(s)" in text
    assert "values_are_positive" not in text  # it failed in an older run only


def test_antq_status_command(loaded, monkeypatch, capsys):
    url, landing = loaded
    monkeypatch.setenv("WAREHOUSE_URL", url)
    monkeypatch.setenv("REPORTS_DIR", str(landing))
    monkeypatch.delenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", raising=False)
    assert cli.main(["status"]) == 0
    text = capsys.readouterr().out
    assert "Rejected files (2 standing" in text and "Files pending in" in text
    assert "Airflow's metadata database cannot be read" in text  # no <db>_airflow here: said, not a crash

    assert cli.main(["status", "--json", "--limit", "1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rejected_total"] == 2 and len(data["rejected"]) == 1 and data["airflow"]["runs"] == []


def test_status_of_an_empty_warehouse(warehouse_db, tmp_path):
    text = status.render(status.collect(warehouse_db, tmp_path / "missing"))
    assert "none yet: run `antq run`" in text and "the landing folder does not exist" in text
    assert "Rejected files (0 standing" in text


# ---- progress on a terminal ---------------------------------------------------------------------------


def _run_on_a_terminal(code: str, *args: str, timeout: float = 120) -> str:
    """Run python code with a pseudo-terminal as stdout/stderr; return what it drew."""
    import pty
    import select
    import subprocess
    import sys
    import time

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=slave,
        stderr=slave,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "160", "TERM": "xterm"},
    )
    os.close(slave)
    out, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=10)
    os.close(master)
    assert proc.returncode == 0, out.decode(errors="replace")
    return out.decode("utf-8", errors="replace")


def test_a_long_step_shows_a_spinner_with_its_progress_on_a_terminal_only():
    code = (
        "import time\nfrom antq import status\n"
        "with status.spinner('dag antq_ingest', lambda: '3 files in the ledger'):\n    time.sleep(2.5)\n"
    )
    drawn = _run_on_a_terminal(code)
    assert "dag antq_ingest: 3 files in the ledger" in drawn and "0:00:0" in drawn
    import subprocess
    import sys

    piped = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert piped.returncode == 0 and piped.stdout == "" and piped.stderr == ""  # logs and CI get no bars


def test_the_ingestion_draws_progress_bars_on_a_terminal(warehouse_db, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(SEEDS_DIR, landing)
    for i, seed in enumerate(sorted(SEEDS_DIR.glob("*.txt"))):
        (landing / f"copy {i}.txt").write_bytes(seed.read_bytes() + b"\nb\xe1\xba\xa3n sao.\n" * (i + 1))
    code = (
        "import sys\nfrom datetime import date\nfrom antq.ingest import night, plan\n"
        "print(night.run(sys.argv[2], sys.argv[1], plan.nightly(date(2024, 1, 2)), 'tty'))\n"
    )
    drawn = _run_on_a_terminal(code, str(landing), warehouse_db)
    assert "load_raw" in drawn and "extract" in drawn and "100%" in drawn
    assert "'staged': 10" in drawn


def test_status_shows_errors_with_their_sentences_then_warnings_per_rule(loaded):
    url, landing = loaded
    with psycopg.connect(config.libpq_url(url)) as conn:
        conn.execute(
            """insert into dq.flagged_figures (run_id, figure_id, expectation, message, severity, file_name, sentence)
               values ('gx-new', 'a:1:target.achievement', 'stated_pct_matches_actual_over_target',
                       'stated 106.7% but 252554/250814 = 100.69% (off by 6.01 points)', 'error',
                       '000_19a092f55bfce8ee.txt', 'Toàn tỉnh đã cấp 252.554/250.814 thẻ, đạt 106,7%.'),
                      ('gx-new', 'b:1:other', 'counts_are_whole_non_negative', 'count 2.5 tổ is not a whole number',
                       'warning', 'x.txt', 's'),
                      ('gx-new', 'b:2:other', 'counts_are_whole_non_negative', 'count 3.5 tổ is not a whole number',
                       'warning', 'y.txt', 's'),
                      ('gx-new', 'r1', 'report_dates_plausible', 'report r1: …', 'warning', 'z.txt', null)"""
        )
    (landing / "manifest.csv").write_text("file,province\nlate report.txt,Atlantis\n", encoding="utf-8")
    night.run(url, landing, nightly(RUN_DATE), "run-2")
    s = status.collect(url, landing)
    assert [e["figure_id"] for e in s["flagged_errors"]] == ["a:1:target.achievement"]
    assert s["flagged_warnings"] == [
        {"expectation": "counts_are_whole_non_negative", "flags": 2, "files": 2},
        {"expectation": "report_dates_plausible", "flags": 1, "files": 1},
    ]
    text = status.render(s)
    errors_at, warnings_at = text.index("Errors (1)"), text.index("Warnings, per rule")
    assert errors_at < warnings_at
    assert "000_19a092f55bfce8ee.txt: stated 106.7% but 252554/250814" in text
    assert "“Toàn tỉnh đã cấp 252.554/250.814 thẻ, đạt 106,7%.”" in text
    assert "counts_are_whole_non_negative 2 flag(s) in 2 file(s); report_dates_plausible 1 flag(s)" in text
    assert "manifest.csv line 2: province 'Atlantis' is not a province" in text
