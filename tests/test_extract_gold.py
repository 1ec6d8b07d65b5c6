"""The extractor on the sample reports, beyond its score: the in-repo gold copy is the shared one,
every measure is a code of measures.csv, figures are grounded in the text, the JSON form, the reports'
metadata. (The scores on every gold set, with the shared scorer as the judge, are in
test_extract_scores.py.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import extractors
from extractors.lexicon import load_measures
from extractors.scoring import shared_dir

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "data" / "gold_seeds.jsonl"
REPORTS = ROOT / "seeds"


@pytest.fixture(scope="module")
def reports():
    files = sorted(REPORTS.glob("*.txt"))
    assert files, f"no sample reports in {REPORTS}"
    return [extractors.extract_path(p) for p in files]


@pytest.fixture(scope="module")
def extracted(reports, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gold") / "extracted.jsonl"
    out.write_text("\n".join(extractors.cli_format_jsonl(reports)) + "\n", encoding="utf-8")
    return out


def test_gold_copy_matches_shared():
    shared_gold = shared_dir() / "gold" / "seeds.jsonl"
    if not shared_gold.exists():
        pytest.fail(f"the shared gold file is missing: {shared_gold}")
    assert GOLD.read_text(encoding="utf-8") == shared_gold.read_text(encoding="utf-8"), (
        "tests/data/gold_seeds.jsonl differs from ../shared/gold/seeds.jsonl: copy it again"
    )


def test_every_measure_is_a_code_of_measures_csv(reports):
    codes = set(load_measures())
    assert len(codes) == 33  # weapons.mixed joined in the 2026-12 revision
    emitted = {f.measure for r in reports for f in r.figures}
    assert emitted <= codes, emitted - codes


def test_rule_lexicon_names_only_real_measures():
    from extractors.lexicon import MEASURES, UNIT_RULES

    assert {r.measure for r in UNIT_RULES if r.measure} <= set(MEASURES)


def test_figures_are_grounded_in_the_text(reports):
    for r in reports:
        for f in r.figures:
            assert r.text[f.start : f.end] == f.surface, (r.doc, f)
            assert f.surface in f.sentence and f.sentence in r.text
            assert f.doc == r.doc


def test_jsonl_has_the_figures_md_form(extracted):
    for line in extracted.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        assert {"doc", "surface", "value", "unit", "measure", "qualifier", "attrs", "start", "end", "sentence"} <= set(
            row
        )
        assert row["qualifier"] in {"exact", "more_than", "nearly", "about", "at_least"}


def test_report_metadata_of_the_samples(reports):
    by = {r.doc[:3]: r for r in reports}
    assert all(r.province for r in reports)
    assert by["000"].province == "Bắc Kạn" and by["004"].province == "Kon Tum"
    assert by["001"].province == "Bắc Kạn"  # "BBK - Ngày 16/10": the outlet Báo Bắc Kạn
    assert by["002"].report_date.isoformat() == "2023-01-06"  # "date 2023-01" + "sáng 06/01"
    assert by["003"].report_date.isoformat() == "2023-05-25"  # "date 2023-05" + "Sáng 25/5"
    assert by["001"].report_date.isoformat() == "2024-10-16"  # "Ngày 16/10", period 2019-2024
    assert by["000"].period_label == "năm 2022"
    assert by["001"].period_label == "giai đoạn 2019-2024"
    # the period still runs on the report's day (16/10/2024): it ends on it
    assert by["001"].period_start.isoformat() == "2019-01-01" and by["001"].period_end.isoformat() == "2024-10-16"
    assert by["004"].period_label == "năm 2023"
    assert by["003"].period_start.year == 2013 and by["003"].period_end.year == 2023
