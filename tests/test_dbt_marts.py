"""The dbt project on a real warehouse: increments give the same marts as a rebuild from scratch,
re-extraction replaces a report's rows, and the docs build."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from antq import config, runner
from antq.ingest import night
from antq.ingest.plan import nightly

from conftest import SEEDS_DIR
from marts import dbt, digests, split_nights

pytestmark = pytest.mark.integration  # dbt builds the marts


def mart_digests(url: str) -> dict:
    """The marts BI reads, and fct_period_ranges (GX's previous-period rule reads it, and an increment
    extends its ranges where it can instead of recomputing them)."""
    with psycopg.connect(config.libpq_url(url)) as conn:
        return digests(conn, names=[*runner.MARTS, "fct_period_ranges"])


@pytest.fixture
def two_batches(tmp_path):
    """The sample reports split into two nights."""
    return split_nights(tmp_path)


def test_increments_equal_a_rebuild_from_scratch(warehouse_db, two_batches, tmp_path):
    first, second = two_batches
    night.run(warehouse_db, first, nightly(date(2024, 1, 1)), "night-1")
    dbt(warehouse_db, tmp_path, "build")
    night.run(warehouse_db, second, nightly(date(2024, 1, 2)), "night-2")
    out = dbt(warehouse_db, tmp_path, "build").stdout
    assert "ERROR=0" in out
    incremental = mart_digests(warehouse_db)
    assert incremental["dim_report"][0] == 5

    dbt(warehouse_db, tmp_path, "build", "--full-refresh")
    assert mart_digests(warehouse_db) == incremental


def test_a_reextracted_report_replaces_its_rows(warehouse_db, two_batches, tmp_path):
    first, _ = two_batches
    night.run(warehouse_db, first, nightly(date(2024, 1, 1)), "night-1")
    dbt(warehouse_db, tmp_path, "build")
    before = mart_digests(warehouse_db)
    with psycopg.connect(config.libpq_url(warehouse_db)) as conn:
        report_id = conn.execute("select report_id from staging.reports order by doc limit 1").fetchone()[0]
        # a newer extractor found one figure less in this report
        conn.execute(
            """delete from staging.figures where figure_id = (
                            select max(figure_id) from staging.figures where report_id = %s)""",
            (report_id,),
        )
        conn.execute(
            "update staging.reports set staged_at = now(), figure_count = figure_count - 1 where report_id = %s",
            (report_id,),
        )
    dbt(warehouse_db, tmp_path, "build")
    after = mart_digests(warehouse_db)
    assert after["fct_figures"][0] == before["fct_figures"][0] - 1
    dbt(warehouse_db, tmp_path, "build", "--full-refresh")
    assert mart_digests(warehouse_db) == after  # no stale row survived the increment

    # and the loader's own re-extraction puts it back, atomically
    with psycopg.connect(config.libpq_url(warehouse_db)) as conn:
        conn.execute("update staging.reports set extractor_version = 'old' where report_id = %s", (report_id,))
    import extractors

    todo = night.reports_to_extract(warehouse_db, nightly(date(2024, 1, 2)), extractors.EXTRACTOR_VERSION)
    assert todo == {"pending": [], "reextract": [report_id], "manifest": []}
    assert night.extract(warehouse_db, nightly(date(2024, 1, 2)), "reextract")["staged"] == 1
    dbt(warehouse_db, tmp_path, "build")
    assert mart_digests(warehouse_db)["fct_figures"][0] == before["fct_figures"][0]


def test_two_reports_of_one_province_and_period_are_both_kept_and_the_newest_is_marked(warehouse_db, tmp_path):
    night.run(warehouse_db, SEEDS_DIR, nightly(date(2024, 1, 1)), "night-1")
    dbt(warehouse_db, tmp_path, "build")
    with psycopg.connect(config.libpq_url(warehouse_db)) as conn:
        rows = conn.execute(
            """select s.value, s.is_newest, r.file_name from marts.fct_measure_statements s
               join marts.dim_report r using (report_id)
               where s.measure = 'campaign.participants' and s.period_start = date '2022-01-01'
               order by s.is_newest desc"""
        ).fetchall()
        assert [(r[1], r[2][:3]) for r in rows] == [(True, "002"), (False, "000")]
        # summing the newest statements counts Bắc Kạn 2022 once
        newest_sum = conn.execute(
            """select sum(value) from marts.fct_measure_statements
               where measure = 'campaign.participants' and period_start = date '2022-01-01' and is_newest"""
        ).fetchone()[0]
        assert newest_sum == rows[0][0]
        # the outlet is the dateline's abbreviation where the report has one ("BBK - Ngày 16/10, …")
        outlets = dict(conn.execute("select left(file_name, 3), outlet from marts.dim_report"))
        assert outlets == {"000": None, "001": "BBK", "002": "BBK", "003": "BBK", "004": None}
        # Bắc Kạn rolls up under Thái Nguyên, Kon Tum under Quảng Ngãi
        successors = dict(
            conn.execute(
                "select province_name, successor_name from marts.dim_province "
                "where province_name in ('Bắc Kạn', 'Kon Tum')"
            )
        )
        assert successors == {"Bắc Kạn": "Thái Nguyên", "Kon Tum": "Quảng Ngãi"}
        assert {r[0] for r in conn.execute("select distinct current_province_code from marts.dim_report")} == {
            r[0]
            for r in conn.execute(
                "select province_code from marts.dim_province "
                "where province_name in ('Thái Nguyên', 'Quảng Ngãi') and is_current"
            )
        }


def test_dbt_docs_generate(warehouse_db, tmp_path):
    night.run(warehouse_db, SEEDS_DIR, nightly(date(2024, 1, 1)), "night-1")
    dbt(warehouse_db, tmp_path, "build")
    dbt(warehouse_db, tmp_path, "docs", "generate")
    catalog = (config.dbt_target_dir(tmp_path) / "catalog.json").read_text()
    assert "fct_campaigns" in catalog and "pct_consistent" in catalog
    assert (config.dbt_target_dir(tmp_path) / "index.html").exists()


def test_weapons_mixed_lands_in_fct_weapons_recovered(warehouse_db, tmp_path):
    """measures.csv routes weapons.mixed (one count over several kinds) to fct_weapons_recovered,
    category mixed; dbt's holds_its_measures and assert_every_measure_reaches_a_mart pass on it."""
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "weapons.txt").write_text(
        "Năm 2023, Công an tỉnh Bắc Kạn phối hợp vận động Nhân dân giao nộp, thu hồi 87 vũ khí, "
        "vật liệu nổ, công cụ hỗ trợ và 25 khẩu súng tự chế.",
        "utf-8",
    )
    night.run(warehouse_db, landing, nightly(date(2024, 1, 1)), "night-1")
    out = dbt(warehouse_db, tmp_path, "build").stdout
    assert "holds_its_measures_fct_weapons_recovered_category" in out and "ERROR=0" in out
    assert "assert_every_measure_reaches_a_mart" in out
    with psycopg.connect(config.libpq_url(warehouse_db)) as conn:
        rows = conn.execute(
            "select category, unit, quantity from marts.fct_weapons_recovered order by category"
        ).fetchall()
    assert rows == [("guns", "khẩu súng tự chế", 25), ("mixed", "vũ khí, vật liệu nổ, công cụ hỗ trợ", 87)]
