"""The generated corpus (bench/generate.py: `python -m bench.generate`, `antq generate`): deterministic,
realistic enough for the extractor, for scale only."""

from __future__ import annotations

import random
import re
from datetime import date
from statistics import mean

import pytest

import extractors
from antq import cli
from bench import generate


@pytest.fixture(scope="module")
def corpus() -> generate.Corpus:
    return generate.Corpus()


def test_same_seed_same_bytes_and_a_report_does_not_depend_on_n(corpus):
    first = list(generate.reports(6, seed=7, corpus=corpus))
    again = list(generate.reports(3, seed=7, corpus=generate.Corpus()))
    assert first[:3] == again
    later = list(generate.reports(2, seed=7, start=4, corpus=corpus))
    assert later == first[4:6]
    other = list(generate.reports(6, seed=8, corpus=corpus))
    assert all(a != b for a, b in zip(first, other))
    assert len({data for _, data in first}) == 6  # no two reports alike


def test_generate_writes_n_utf8_files_named_by_index_and_content(tmp_path):
    paths = generate.generate(5, tmp_path / "out", seed=3)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)
    assert len(paths) == 5
    for i, p in enumerate(sorted(paths)):
        assert re.fullmatch(rf"gen3_{i:06d}_[0-9a-f]{{16}}\.txt", p.name)
        text = p.read_bytes().decode("utf-8")
        assert len(text) > 1000


def test_cli_generate(tmp_path, capsys):
    assert cli.main(["generate", "--n", "3", "--out", str(tmp_path / "g"), "--seed", "1"]) == 0
    assert len(list((tmp_path / "g").glob("*.txt"))) == 3
    assert "3 generated reports" in capsys.readouterr().out


def test_reports_move_to_the_drawn_province_and_day_and_carry_figures(corpus):
    samples = [p.read_text(encoding="utf-8") for p in sorted(generate.SAMPLES_DIR.glob("*.txt"))]
    names = {p.name for p in generate.load_provinces()}
    found, figures, dated, near = 0, [], 0, 0
    n = 60
    for i in range(n):
        g = corpus.make(i, seed=0)
        assert g.province.name in names
        assert generate.FIRST_DAY <= g.day <= generate.LAST_DAY
        assert g.province.valid_from <= g.day <= (g.province.valid_to or date.max)
        assert g.text not in samples
        report = extractors.extract_text(g.text, g.name)
        found += report.province == g.province.name
        figures.append(len(report.figures))
        if report.report_date is not None:
            dated += 1
            # the report's day is the drawn one (give or take a year the extractor reads from a period)
            near += abs(report.report_date.year - g.day.year) <= 1
    assert found >= 0.95 * n, f"province found in {found}/{n} generated reports"
    # the samples carry 6..33 figures a report (23 on average): the generated ones are alike
    assert 10 <= mean(figures) <= 50, figures
    assert dated >= n // 3 and near >= 0.9 * dated, (dated, near)


def test_moving_a_sentence_keeps_what_names_things_and_scales_what_counts(corpus):
    s = generate.Sentence(
        "Ngày 16/10, Công an tỉnh Bắc Kạn và huyện Ba Bể tổ chức 1.107 buổi cho 58.831 lượt người; "
        "Đề án 06 ngày 06/1/2022; cấp 14 tuổi đạt 106,7%; bố trí tại 102/102 xã; 05 nghị quyết, 48,55 triệu đồng.",
        home="Bắc Kạn",
        base_year=2022,
        names_home=True,
        sample=0,
    )
    son_la = next(p for p in generate.load_provinces() if p.name == "Sơn La")
    day = date(2020, 3, 9)
    out = corpus._move(s, son_la, day, 3, ["Mộc Châu"], random.Random(1), own_day=True)
    assert "Bắc Kạn" not in out and "tỉnh Sơn La" in out and "huyện Mộc Châu" in out
    assert out.startswith("Ngày 09/03,")  # the report's own day
    assert "Đề án 06 ngày 06/1/2020" in out  # a document number kept, its date moved with the years
    assert "14 tuổi" in out and "106,7%" in out and "48,55 triệu" in out
    # counts times 3, written the Vietnamese way; a ratio keeps its proportion; "05" keeps two digits
    assert "tổ chức 3.321 buổi cho 176.493 lượt người" in out
    assert "tại 306/306 xã" in out and "15 nghị quyết" in out
    once = corpus._move(s, son_la, day, 1, ["Mộc Châu"], random.Random(1), own_day=False)
    assert "tổ chức 1.107 buổi cho 58.831 lượt người" in once and "05 nghị quyết" in once


def test_a_city_is_named_as_a_city(corpus):
    s = generate.Sentence("Công an tỉnh Kon Tum đã phát động 12 đợt.", "Kon Tum", 2023, True, 4)
    hanoi = next(p for p in generate.load_provinces() if p.name == "Hà Nội")
    out = corpus._move(s, hanoi, date(2023, 5, 1), 1, ["Trung Tâm"], random.Random(0), own_day=False)
    assert "Công an thành phố Hà Nội" in out
