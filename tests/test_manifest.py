"""manifest.csv in the landing folder: present, absent, partial, arriving late, naming a file that is
not there, malformed rows rejected with a reason; against a real PostgreSQL warehouse."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from antq import config, manifest
from antq.ingest import landing as landing_folder
from antq.ingest import night
from antq.ingest.plan import nightly

RUN_DATE = date(2024, 1, 2)
KON_TUM = "004_f927958248fcde9a.txt"
SEED_000 = "000_19a092f55bfce8ee.txt"

pytestmark = pytest.mark.usefixtures("quarantine")  # (fixtures landing, quarantine: conftest.py)


def _reports(url) -> dict[str, tuple]:
    with psycopg.connect(config.libpq_url(url)) as conn:
        return {
            r[0]: r[1:]
            for r in conn.execute(
                """select doc, province, scope, province_source, report_date, report_date_source, source_url,
                      period_end, staged_at from staging.reports"""
            )
        }


def _rejections(url) -> list[tuple]:
    with psycopg.connect(config.libpq_url(url)) as conn:
        return conn.execute(
            "select manifest_path, line_no, reason from raw.manifest_rejections order by manifest_path, line_no"
        ).fetchall()


def test_without_a_manifest_the_text_decides(warehouse_db, landing):
    night.run(warehouse_db, landing, nightly(RUN_DATE), "run-1")
    reports = _reports(warehouse_db)
    assert reports[KON_TUM][:3] == ("Kon Tum", "province", "text")
    assert {r[5] for r in reports.values()} == {None}  # no url
    assert _rejections(warehouse_db) == []


def test_a_manifest_with_the_files_decides_first_and_is_not_a_report(warehouse_db, landing):
    (landing / "manifest.csv").write_text(
        "file,url,published,province\n"
        f"{KON_TUM},https://congan.kontum.gov.vn/x,2024-01-15,Quảng Ngãi\n"
        f"{SEED_000},https://baobackan.vn/x.html,,\n",
        encoding="utf-8",
    )
    result = night.run(warehouse_db, landing, nightly(RUN_DATE), "run-1")
    assert result["files_new"] == 5 and result["staged"] == 5  # the manifest is not a report
    reports = _reports(warehouse_db)
    assert reports[KON_TUM][:6] == (
        "Quảng Ngãi",
        "province",
        "manifest",
        date(2024, 1, 15),
        "manifest",
        "https://congan.kontum.gov.vn/x",
    )
    # a row without a province: the text still decides it, and the url is kept
    assert reports[SEED_000][:3] == ("Bắc Kạn", "province", "text") and reports[SEED_000][5].startswith("https://")
    # its period ("năm 2023") is over by the manifest's date: the whole year
    assert reports[KON_TUM][6] == date(2023, 12, 31)
    with psycopg.connect(config.libpq_url(warehouse_db)) as conn:
        assert (
            conn.execute("select count(*) from raw.file_ledger where relative_path = 'manifest.csv'").fetchone()[0] == 0
        )


def test_a_partial_manifest_and_a_file_that_is_not_there(warehouse_db, landing):
    (landing / "manifest.csv").write_text(f"file,province\n{KON_TUM},toàn quốc\nlater.txt,Lạng Sơn\n", encoding="utf-8")
    night.run(warehouse_db, landing, nightly(RUN_DATE), "run-1")
    assert _reports(warehouse_db)[KON_TUM][:3] == (None, "national", "manifest")
    with psycopg.connect(config.libpq_url(warehouse_db)) as conn:
        waiting = conn.execute(
            "select relative_path, province from raw.manifest_entries m where not exists "
            "(select 1 from raw.file_ledger l where l.relative_path = m.relative_path)"
        ).fetchall()
    assert waiting == [("later.txt", "Lạng Sơn")]  # it waits for its file, it is not an error
    # the file arrives: the row that came before it applies
    (landing / "later.txt").write_text("Toàn tỉnh có 1.052 tổ an ninh nhân dân.", encoding="utf-8")
    night.run(warehouse_db, landing, nightly(RUN_DATE), "run-2")
    assert _reports(warehouse_db)["later.txt"][:3] == ("Lạng Sơn", "province", "manifest")


def test_a_manifest_row_arriving_after_its_file_updates_the_report(warehouse_db, landing):
    night.run(warehouse_db, landing, nightly(RUN_DATE), "run-1")
    before = _reports(warehouse_db)
    assert before[KON_TUM][:3] == ("Kon Tum", "province", "text")
    (landing / "manifest.csv").write_text(
        f"file,url,published\n{KON_TUM},https://congan.kontum.gov.vn/x,2024-01-20\n", encoding="utf-8"
    )
    result = night.run(warehouse_db, landing, nightly(RUN_DATE), "run-2")
    assert result["files_new"] == 0 and result["staged"] == 1  # only that report is staged again
    after = _reports(warehouse_db)
    assert after[KON_TUM][3:6] == (date(2024, 1, 20), "manifest", "https://congan.kontum.gov.vn/x")
    assert after[KON_TUM][7] > before[KON_TUM][7]  # re-staged: the marts take it on the next build
    assert after[SEED_000][7] == before[SEED_000][7]  # the others are untouched
    # read again unchanged: nothing to re-stage
    assert night.run(warehouse_db, landing, nightly(RUN_DATE), "run-3")["staged"] == 0
    # a changed row re-stages again
    (landing / "manifest.csv").write_text(f"file,province\n{KON_TUM},Quảng Ngãi\n", encoding="utf-8")
    assert night.run(warehouse_db, landing, nightly(RUN_DATE), "run-4")["staged"] == 1
    assert _reports(warehouse_db)[KON_TUM][:3] == ("Quảng Ngãi", "province", "manifest")


def test_a_manifest_in_a_dated_folder_names_files_of_that_folder(warehouse_db, landing):
    day = landing / "2024-03-05"
    day.mkdir()
    (day / "a.txt").write_text("Toàn tỉnh có 1.052 tổ an ninh nhân dân.", encoding="utf-8")
    (day / "manifest.csv").write_text("file,url\na.txt,https://baolangson.vn/x\n", encoding="utf-8")
    night.run(warehouse_db, landing, nightly(RUN_DATE), "run-1")
    assert _reports(warehouse_db)["a.txt"][:3] == ("Lạng Sơn", "province", "outlet")


def test_malformed_rows_are_rejected_with_a_reason_and_the_others_used(warehouse_db, landing):
    (landing / "manifest.csv").write_text(
        "file,url,published,province\n"
        f"{KON_TUM},,,Quảng Ngãi\n"  # 2: good
        ",https://baobackan.vn/x,,\n"  # 3: no file
        "../outside.txt,,,\n"  # 4: outside the folder
        "/etc/passwd,,,\n"  # 5: absolute
        f"{SEED_000},ftp://baobackan.vn,,\n"  # 6: not a web address
        f"{SEED_000},,31/02/2024,\n"  # 7: not a day
        f"{SEED_000},,2024-01-01,Atlantis\n"  # 8: not a province
        f"{SEED_000},,\n"  # 9: too few fields
        f"{KON_TUM},,,Kon Tum\n"  # 10: named twice
        f"{SEED_000},,2999-01-01,\n",
        encoding="utf-8",
    )  # 11: in the future
    night.run(warehouse_db, landing, nightly(RUN_DATE), "run-1")
    reasons = {line: reason for _, line, reason in _rejections(warehouse_db)}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    for line, words in {
        3: "no file",
        4: "not a path inside",
        5: "not a path inside",
        6: "not a web address",
        7: "not a date",
        8: "not a province",
        9: "field(s) where the header has 4",
        10: "already on line 2",
        11: "not between",
    }.items():
        assert words in reasons[line], (line, reasons[line])
    assert _reports(warehouse_db)[KON_TUM][:3] == ("Quảng Ngãi", "province", "manifest")
    assert _reports(warehouse_db)[SEED_000][2] == "text"
    # fixed: the rejections of that manifest go away
    (landing / "manifest.csv").write_text(f"file,province\n{KON_TUM},Quảng Ngãi\n", encoding="utf-8")
    night.run(warehouse_db, landing, nightly(RUN_DATE), "run-2")
    assert _rejections(warehouse_db) == []


def test_a_manifest_that_cannot_be_used_at_all(warehouse_db, landing, tmp_path):
    (landing / "manifest.csv").write_bytes("file,province\nx.txt,Bắc Kạn\n".encode("utf-16"))
    night.run(warehouse_db, landing, nightly(RUN_DATE), "run-1")
    [(path, line, reason)] = _rejections(warehouse_db)
    assert (path, line) == ("manifest.csv", 0) and "not UTF-8" in reason
    (landing / "manifest.csv").write_text("name,where\nx.txt,Bắc Kạn\n", encoding="utf-8")
    night.run(warehouse_db, landing, nightly(RUN_DATE), "run-2")
    [(path, line, reason)] = _rejections(warehouse_db)
    assert line == 1 and "header" in reason
    # a link is not followed: nothing outside the landing folder is read
    outside = tmp_path / "elsewhere.csv"
    outside.write_text(f"file,province\n{KON_TUM},Quảng Ngãi\n", encoding="utf-8")
    (landing / "manifest.csv").unlink()
    (landing / "manifest.csv").symlink_to(outside)
    night.run(warehouse_db, landing, nightly(RUN_DATE), "run-3")
    [(path, line, reason)] = _rejections(warehouse_db)
    assert line == 0 and "symbolic link" in reason
    assert _reports(warehouse_db)[KON_TUM][0] == "Kon Tum"


def test_parse_reads_a_bom_quoted_commas_and_day_month_year():
    scan = manifest.parse(
        '\ufefffile,url,published,province\n"a, b.txt",https://baobackan.vn/x?a=1,05/03/2024,Thừa Thiên - Huế\n',
        "2024-03-05/manifest.csv",
        today=date(2024, 3, 6),
    )
    assert scan.rejections == []
    assert scan.entries == [
        manifest.Entry(
            "2024-03-05/a, b.txt",
            "https://baobackan.vn/x?a=1",
            date(2024, 3, 5),
            "Thừa Thiên Huế",
            "province",
            "2024-03-05/manifest.csv",
            2,
        )
    ]


def test_the_survey_skips_manifests(landing):
    (landing / "manifest.csv").write_text("file\n", encoding="utf-8")
    surveyed = landing_folder.survey(landing, RUN_DATE, settle_seconds=0)
    assert "manifest.csv" not in {f.relative_path for f in surveyed.files}
