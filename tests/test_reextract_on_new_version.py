"""A new EXTRACTOR_VERSION: a warehouse loaded by the old version is re-extracted by the next night,
and the marts follow (issue #10, item 7).

The "old version" is the real extractor run under an older EXTRACTOR_VERSION string and wrapped so
that its output visibly differs from the current one (it did not know weapons, mislabelled the
groups, read participants one too high, did not know the outlet). Night 1 loads the sample reports
with it, dbt builds the marts; night 2 is an ordinary nightly run (the DAG's discover -> load_raw ->
extract, through antq.ingest.night.run) with the real current extractor, then dbt builds again.
Nothing here names a version: the current one is whatever extractors.EXTRACTOR_VERSION is."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import psycopg
import pytest

import extractors
from antq import config, runner
from antq.ingest import night, staging
from antq.ingest.plan import nightly

from marts import dbt, digests
from warehouse_state import OLD_VERSION, SEEDS, duplicates, land

pytestmark = pytest.mark.integration  # dbt builds the marts after each night

NIGHT_1, NIGHT_2 = date(2024, 3, 10), date(2024, 3, 11)  # scheduled 02:00 runs (default params: reextract=auto)


def old_extractor(real_extract_bytes):
    """The real extractor as an older release would have answered: another version, other figures."""

    def extract_bytes(data: bytes, name: str, **kwargs):  # (time_budget=…, as the ingestion passes it)
        report = real_extract_bytes(data, name, **kwargs)
        figures = []
        for fig in report.figures:
            if fig.measure.startswith("weapons."):  # not recognised yet
                continue
            if fig.measure == "groups.count":  # recognised, under the wrong measure
                fig = dataclasses.replace(fig, measure="other")
            if fig.measure == "campaign.participants":  # an off-by-one in the number reader
                fig = dataclasses.replace(fig, value=fig.value + 1)
            figures.append(fig)
        return dataclasses.replace(report, figures=figures, outlet=None, extractor_version=extractors.EXTRACTOR_VERSION)

    return extract_bytes


def _marts(url: str) -> dict:
    with psycopg.connect(config.libpq_url(url)) as conn:
        return digests(conn, names=list(runner.MARTS))


def _participants_stated(conn) -> set[tuple[str, float]]:
    return {
        (rid, float(v))
        for rid, v in conn.execute(
            "select report_id, value from marts.fct_measure_statements where measure = 'campaign.participants'"
        )
    }


def _staging(url: str) -> dict[str, dict]:
    """report_id -> what staging holds for it: its report row, figures and sentences, comparable."""
    out: dict[str, dict] = {}
    with psycopg.connect(config.libpq_url(url)) as conn:
        for rid, version, count, outlet, province, period in conn.execute(
            "select report_id, extractor_version, figure_count, outlet, province, period_label from staging.reports"
        ):
            out[rid] = {"report": (version, count, outlet, province, period), "figures": set(), "sentences": set()}
        for row in conn.execute(f"select {', '.join(staging.FIGURE_COLUMNS)} from staging.figures"):
            row = list(row)
            row[4], row[8] = float(row[4]), json.dumps(row[8], sort_keys=True, ensure_ascii=False)
            out[row[1]]["figures"].add(tuple(row))
        for rid, no, sentence in conn.execute("select report_id, sentence_no, sentence from staging.sentences"):
            out[rid]["sentences"].add((rid, no, sentence))
    return out


def _expected(url: str, extract_bytes) -> dict[str, dict]:
    """What staging should hold for each raw report if this extractor staged it (antq.ingest.staging's own rows)."""
    out: dict[str, dict] = {}
    with psycopg.connect(config.libpq_url(url)) as conn:
        raw = conn.execute("select report_id, file_name, content from raw.report_files").fetchall()
    for rid, name, content in raw:
        rep = extract_bytes(bytes(content), name)
        figures, sentences = staging.staged_rows(rid, rep)
        out[rid] = {
            "report": (rep.extractor_version, len(rep.figures), rep.outlet, rep.province, rep.period_label),
            "figures": {
                tuple(r[:4])
                + (float(r[4]),)
                + tuple(r[5:8])
                + (json.dumps(json.loads(r[8]), sort_keys=True, ensure_ascii=False),)
                + tuple(r[9:])
                for r in figures
            },
            "sentences": set(sentences),
        }
    return out


def test_a_new_extractor_version_re_extracts_the_old_warehouse_on_the_next_night_and_the_marts_follow(
    warehouse_db, tmp_path, monkeypatch
):
    url, current = warehouse_db, extractors.EXTRACTOR_VERSION
    assert OLD_VERSION != current
    monkeypatch.setenv("ANTQ_QUARANTINE_DIR", str(tmp_path / "quarantine"))
    landing = tmp_path / "landing"
    paths = [land(landing, "", seed) for seed in SEEDS]
    real_extract_bytes = extractors.extract_bytes

    # --- night 1: the old release is installed --------------------------------------------------------
    with monkeypatch.context() as old:
        old.setattr(extractors, "EXTRACTOR_VERSION", OLD_VERSION)
        old.setattr(extractors, "extract_bytes", old_extractor(real_extract_bytes))
        night1 = night.run(url, landing, nightly(NIGHT_1), "scheduled__night-1")
        expected_old = _expected(url, extractors.extract_bytes)
    assert night1["staged"] == len(paths) and night1["rejected"] == 0 and night1["reextracted"] == 0
    assert night1["extractor_version"] == OLD_VERSION
    dbt(url, tmp_path, "build")
    old_staging, old_marts = _staging(url), _marts(url)
    assert old_staging == expected_old

    # the current extractor reads these reports differently, in every way the test checks below
    expected = _expected(url, real_extract_bytes)
    assert set(expected) == set(old_staging) and len(expected) == len(paths)
    assert {e["report"][0] for e in expected.values()} == {current}
    all_new = {f for e in expected.values() for f in e["figures"]}
    all_old = {f for e in old_staging.values() for f in e["figures"]}
    weapons = [f for f in all_new if f[6].startswith("weapons.")]
    assert weapons, "the current extractor finds no weapons in the samples: the test would prove nothing"
    assert any(f[6] == "groups.count" for f in all_new) and any(f[6] == "campaign.participants" for f in all_new)
    assert any(e["report"][2] for e in expected.values()), "no sample report has an outlet"
    old_ids, new_ids = {f[0] for f in all_old}, {f[0] for f in all_new}
    assert old_ids - new_ids and new_ids - old_ids  # figures to drop and figures to add, not only to update

    with psycopg.connect(config.libpq_url(url)) as conn:
        assert conn.execute("select count(*) from marts.fct_weapons_recovered").fetchone()[0] == 0
        assert {r[0] for r in conn.execute("select distinct extractor_version from marts.dim_report")} == {OLD_VERSION}
        old_stated = _participants_stated(conn)

    # --- night 2: the new release, an ordinary nightly run ----------------------------------------------
    assert extractors.EXTRACTOR_VERSION == current and extractors.extract_bytes is real_extract_bytes
    night2 = night.run(url, landing, nightly(NIGHT_2), "scheduled__night-2")
    assert night2["files_new"] == 0 and night2["rejected"] == 0
    assert night2["reextracted"] == len(paths) and night2["staged"] == len(paths)
    assert night2["extractor_version"] == current

    # staging is exactly what the current extractor gives for these files: no old figure, report or
    # sentence left, none missing, none twice
    assert _staging(url) == expected
    assert set(duplicates(url).values()) == {0}
    with psycopg.connect(config.libpq_url(url)) as conn:
        raw_ids = {r[0] for r in conn.execute("select report_id from raw.report_files")}
        assert raw_ids == set(expected)
        assert conn.execute("select count(*) from raw.rejected_files").fetchone()[0] == 0
    # and the night after has nothing left to re-extract
    assert night.run(url, landing, nightly(NIGHT_2.replace(day=12)), "scheduled__night-3")["reextracted"] == 0

    # --- the marts follow (incremental dbt build, as antq_transform runs after the night) -------------
    dbt(url, tmp_path, "build")
    new_marts = _marts(url)
    with psycopg.connect(config.libpq_url(url)) as conn:
        q = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
        assert {
            (rid, v, o) for rid, v, o in q("select report_id, extractor_version, outlet from marts.dim_report")
        } == {(rid, current, e["report"][2]) for rid, e in expected.items()}
        assert {(fid, float(v), m) for fid, v, m in q("select figure_id, value, measure from marts.fct_figures")} == {
            (f[0], f[4], f[6]) for f in all_new
        }
        assert {r[0] for r in q("select distinct extractor_version from marts.fct_figures")} == {current}
        weapons_rows = {
            (rid, "weapons." + cat, unit): float(qty)
            for rid, cat, unit, qty in q("select report_id, category, unit, quantity from marts.fct_weapons_recovered")
        }
        want: dict[tuple, float] = {}
        for f in weapons:
            want[(f[1], f[6], f[5])] = want.get((f[1], f[6], f[5]), 0.0) + f[4]
        assert weapons_rows == pytest.approx(want)
        # each report's statement of participants is the sum of its new figures, none the old off-by-one
        stated = _participants_stated(conn)
        assert stated and not stated & old_stated
        assert stated == {
            (rid, float(v))
            for rid, v in q(
                """select report_id, sum(value) from marts.fct_figures
               where measure = 'campaign.participants' and not is_breakdown_part and province_code is not null
               group by report_id"""
            )
        }
    for mart in ("dim_report", "fct_figures", "fct_weapons_recovered", "fct_measure_statements"):
        assert new_marts[mart] != old_marts[mart], mart
    assert new_marts["fct_figures"][0] == len(all_new) != len(all_old)

    # nothing stale survived the increment: the marts equal a rebuild from scratch of the new staging
    dbt(url, tmp_path, "build", "--full-refresh")
    assert _marts(url) == new_marts
