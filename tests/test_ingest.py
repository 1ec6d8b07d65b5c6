"""Landing folder → raw → staging against a real PostgreSQL database."""

from __future__ import annotations

import shutil
from datetime import date

import psycopg
import pytest

import extractors
from antq import config
from antq.ingest import night, raw, staging
from antq.ingest.plan import nightly

RUN_DATE = date(2024, 1, 2)

pytestmark = pytest.mark.usefixtures("quarantine")  # (fixtures landing, quarantine: conftest.py)


def _counts(url):
    with psycopg.connect(config.libpq_url(url)) as conn:
        return {
            t: conn.execute(f"select count(*) from {t}").fetchone()[0]
            for t in (
                "raw.report_files",
                "raw.file_ledger",
                "staging.reports",
                "staging.figures",
                "staging.sentences",
                "raw.rejected_files",
            )
        }


def test_sample_reports_are_loaded_once_with_their_figures(warehouse_db, landing):
    first = night.run(warehouse_db, landing, nightly(RUN_DATE), "run-1")
    assert first["files_new"] == 5 and first["staged"] == 5 and first["rejected"] == 0
    counts = _counts(warehouse_db)
    assert counts["raw.report_files"] == 5 and counts["staging.reports"] == 5
    assert counts["staging.figures"] == first["figures"] > 50
    assert 0 < counts["staging.sentences"] < counts["staging.figures"]  # a sentence is stored once

    again = night.run(warehouse_db, landing, nightly(RUN_DATE), "run-2")
    counted = ("files_new", "reports_new", "staged", "rejected", "figures", "reextracted", "manifest_updates")
    assert {k: again[k] for k in counted} == dict.fromkeys(counted, 0)
    assert _counts(warehouse_db) == counts


def test_the_figure_of_report_000_keeps_its_stated_percentage(warehouse_db, landing):
    night.run(warehouse_db, landing, nightly(RUN_DATE), "run-1")
    with psycopg.connect(config.libpq_url(warehouse_db)) as conn:
        row = conn.execute(
            """select f.value, f.attrs from staging.figures f join staging.reports r using (report_id)
               where r.doc like '000_%%' and f.measure = 'target.achievement'"""
        ).fetchone()
    value, attrs = row
    assert value == 252554 and float(attrs["target"]) == 250814 and float(attrs["stated_pct"]) == 106.7


def test_a_renamed_copy_is_recorded_but_not_loaded_twice(warehouse_db, landing):
    night.run(warehouse_db, landing, nightly(RUN_DATE), "run-1")
    shutil.copy(landing / "000_19a092f55bfce8ee.txt", landing / "same report, new name.txt")
    result = night.run(warehouse_db, landing, nightly(RUN_DATE), "run-2")
    assert result["files_new"] == 1 and result["staged"] == 0
    with psycopg.connect(config.libpq_url(warehouse_db)) as conn:
        outcome = conn.execute(
            "select outcome from raw.file_ledger where relative_path = %s", ("same report, new name.txt",)
        ).fetchone()[0]
    assert outcome == "duplicate_content"
    assert _counts(warehouse_db)["raw.report_files"] == 5


def test_a_file_under_a_dated_folder_is_received_that_day(warehouse_db, landing):
    (landing / "2024-03-05").mkdir()
    (landing / "2024-03-05" / "new.txt").write_text("Năm 2023, toàn tỉnh có 1.052 tổ an ninh nhân dân.", "utf-8")
    night.run(warehouse_db, landing, nightly(RUN_DATE), "run-1")
    with psycopg.connect(config.libpq_url(warehouse_db)) as conn:
        received = conn.execute(
            "select received_date from raw.report_files where relative_path = %s", ("2024-03-05/new.txt",)
        ).fetchone()[0]
    assert received == date(2024, 3, 5)


def test_an_unreadable_file_is_rejected_with_a_reason_and_kept(warehouse_db, landing, quarantine):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    (landing / "photo.txt").write_bytes(png)
    result = night.run(warehouse_db, landing, nightly(RUN_DATE), "run-1")
    assert result["rejected"] == 1 and result["staged"] == 5
    with psycopg.connect(config.libpq_url(warehouse_db)) as conn:
        reason, content = conn.execute(
            """select x.reason, r.content from raw.rejected_files x join raw.report_files r using (report_id)
               where x.file_name = 'photo.txt'"""
        ).fetchone()
    assert reason.strip() and bytes(content) == png
    kept = list(quarantine.rglob("photo.txt"))
    assert len(kept) == 1 and kept[0].read_bytes() == png
    assert (kept[0].parent / "REASON.txt").read_text().strip() == reason


def test_a_failed_staging_transaction_leaves_no_partial_rows(warehouse_db, landing, monkeypatch):
    new_files = night.discover(warehouse_db, landing, nightly(RUN_DATE))
    ids = raw.load_raw(warehouse_db, landing, new_files, "run-1")
    original = staging.copy_texts

    def failing_mid_copy(cur, table, columns, data):
        if table != "staging.figures":
            return original(cur, table, columns, data)
        with cur.copy(f"copy {table} ({', '.join(columns)}) from stdin") as copy:
            copy.write(b"".join(data.splitlines(keepends=True)[:2]))  # two rows, then the failure
            raise RuntimeError("connection lost mid-COPY")

    # the reports and sentences are COPYed first, then the figures fail part way through
    monkeypatch.setattr(staging, "copy_texts", failing_mid_copy)
    with pytest.raises(RuntimeError, match="mid-COPY"):
        staging.extract_and_stage(warehouse_db, ids, "run-1")
    counts = _counts(warehouse_db)
    assert counts["staging.reports"] == counts["staging.figures"] == counts["staging.sentences"] == 0
    monkeypatch.setattr(staging, "copy_texts", original)
    # the retry converges: every raw report is still pending and now gets staged
    todo = night.reports_to_extract(warehouse_db, nightly(RUN_DATE), extractors.EXTRACTOR_VERSION)
    assert sorted(todo["pending"]) == sorted(ids) and todo["reextract"] == todo["manifest"] == []
    assert night.extract(warehouse_db, nightly(RUN_DATE), "run-1")["staged"] == 5


def test_figure_rows_keep_ids_and_attrs_through_the_copy(warehouse_db):
    """Two figures on the same span and measure get distinct ids; attrs (empty, or with Vietnamese
    text) reach staging.figures as the extractor gave them; each sentence is staged once."""
    from extractors.model import Figure, Report

    sentence = "Tiếp nhận 12 tin báo, giải quyết 12 tin báo."

    def figure(surface, value, unit, measure, qualifier, attrs, start, text):
        return Figure("d", surface, value, unit, measure, qualifier, attrs, start, start + len(surface), text)

    figs = [
        figure("12", 12.0, "tin báo", "tips.received", "exact", {}, 10, sentence),
        figure(
            "12", 12.5, "tin báo", "tips.received", "about", {"subject": "tin báo", "stated_pct": 106.7}, 10, sentence
        ),
        figure("12", 12.0, "tin báo", "tips.resolved", "exact", {}, 30, sentence),
    ]
    report_id = "ab" * 32
    other = "Bắt 3 vụ."
    figs.append(figure("3", 3.0, "vụ", "tips.resolved", "exact", {}, 50, other))
    rows, sentences = staging.staged_rows(
        report_id, Report(doc="d", text=sentence + " " + other, figures=figs, extractor_version="9.9")
    )
    ids = [r[0] for r in rows]
    assert ids == [
        "abababababab:10:tips.received",
        "abababababab:10:tips.received#2",
        "abababababab:30:tips.resolved",
        "abababababab:50:tips.resolved",
    ]
    assert [r[8] for r in rows] == ["{}", '{"stated_pct": 106.7, "subject": "tin báo"}', "{}", "{}"]
    assert sentences == [(report_id, 1, sentence), (report_id, 2, other)]  # each once, in figure order
    assert staging.figure_rows(report_id, Report(doc="d", text="", figures=figs, extractor_version="9.9")) == rows
    with psycopg.connect(config.libpq_url(warehouse_db)) as conn:
        conn.execute(
            "insert into raw.report_files (report_id, file_name, relative_path, size_bytes, content, "
            "received_date, run_id) values (%s, 'd', 'd', 1, 'x', %s, 't')",
            (report_id, RUN_DATE),
        )
        conn.execute(
            "insert into staging.reports (report_id, doc, source_format, figure_count, extractor_version, "
            "received_date) values (%s, 'd', 'txt', 4, '9.9', %s)",
            (report_id, RUN_DATE),
        )
        with conn.cursor() as cur:
            assert staging.copy_staged(cur, [(rows, sentences)]) == 4
        staged = conn.execute(
            "select f.figure_id, f.value, f.qualifier, f.attrs, s.sentence, f.extractor_version "
            "from staging.figures f join staging.sentences s using (report_id, sentence_no) "
            "order by figure_id"
        ).fetchall()
        assert conn.execute("select count(*) from staging.sentences").fetchone()[0] == 2
    assert [s[0] for s in staged] == ids
    assert [float(s[1]) for s in staged] == [12.0, 12.5, 12.0, 3.0]
    assert staged[1][3] == {"subject": "tin báo", "stated_pct": 106.7} and staged[0][3] == {}
    assert [s[4] for s in staged] == [sentence] * 3 + [other] and all(s[5] == "9.9" for s in staged)


def test_the_workers_copy_text_is_what_copy_write_row_sends(warehouse_db):
    """The extraction workers format the staging rows as COPY text (staging.copy_text) and the
    ingesting process COPYs those bytes: they are byte for byte what psycopg's Copy.write_row sends
    on the staging connection, for the sample reports' rows and for awkward values."""
    import io

    from psycopg.copy import Copy, FileWriter

    rows = [
        ("tab\there", "new\nline\r\n", "back\\slash", None, 1.5, 0.1 + 0.2, 1e20, -7, RUN_DATE, "Hà Nội 🚓", "{}"),
        ("", "\\N", "\x08\x0b\x0c", None, 0.0, 3.0, 12345678901234567890, 0, date(1999, 12, 31), "'\"", '{"a": 1}'),
    ]
    for p in sorted(config.PROJECT_ROOT.joinpath("seeds").glob("*.txt")):
        report = extractors.extract_bytes(p.read_bytes(), p.name)
        rows.append(staging.report_row("r" * 64, report, RUN_DATE))
        rows += staging.figure_rows("r" * 64, report) + staging.sentence_rows("r" * 64, report)
    assert len(rows) > 100
    with psycopg.connect(config.libpq_url(warehouse_db), client_encoding="UTF8") as conn, conn.cursor() as cur:
        sent = io.BytesIO()
        with Copy(cur, binary=False, writer=FileWriter(sent)) as copy:
            for row in rows:
                copy.write_row(row)
    assert staging.copy_text(rows) == sent.getvalue()
    assert staging.copy_text(rows[:1]) + staging.copy_text(rows[1:]) == sent.getvalue()  # row by row
