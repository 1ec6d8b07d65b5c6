"""extractors/scoring.py (what `antq score` and `antq score-sets` print) and the extractor's score on
every shared gold set.

(a) the scoring rules of FIGURES.md "Scoring" on small made-up gold/extracted lists;
(b) our scorer gives the shared scorer's numbers (../shared/tools/score_figures.py, run as a script)
    on the same files: the seeds, each dev set, and a made-up pair full of edge cases;
(c) per set (seeds, dA..dD, all dev pooled), precision, recall and attribute accuracy at least the
    floors in tests/data/score_thresholds.json: all dev pooled at issue #10's bar (0.95 / 0.93 / 0.95),
    the seeds at 0.99, each dev set a little under its score with extractor 1.4.0. Raise them as the
    extractor gets better, never lower them to make a change pass.

A missing shared folder ($ANTQ_SHARED_DIR, else ../shared) fails these tests: the gold sets and the
scorer are the judge and must be there.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from extractors import scoring
from extractors.scoring import Score, close, fold_issuer, same_attr, score

ROOT = Path(__file__).resolve().parents[1]
THRESHOLDS = ROOT / "tests" / "data" / "score_thresholds.json"
SET_NAMES = ("seeds", "dA", "dB", "dC", "dD")


def fig(doc="r.txt", measure="campaign.participants", value=100, optional=False, **attrs) -> dict:
    return {
        "doc": doc,
        "surface": str(value),
        "value": value,
        "unit": "người",
        "measure": measure,
        "qualifier": "exact",
        "attrs": attrs,
        "optional": optional,
    }


# ---- (a) the rules ---------------------------------------------------------------------------------


def test_exact_match_counts():
    gold = [fig(value=1), fig(value=2), fig(measure="models.count", value=3)]
    got = [fig(value=2), fig(value=1), fig(measure="models.count", value=3)]
    s = score(gold, got).score
    assert (s.docs, s.gold, s.extracted, s.matched) == (1, 3, 3, 3)
    assert s.precision == s.recall == s.f1 == 1.0
    assert s.attr_accuracy is None and s.attrs_total == 0  # nothing scored: the scorer's "n/a"


def test_value_within_half_a_percent():
    assert close(1000, 1005) and close(1005, 1000)
    assert not close(1000, 1005.1)
    assert close(0, 0) and not close(0, 0.001)
    assert not close(None, 1) and not close("x", 1)
    assert close("106.7", 106.7)  # anything float() reads
    res = score([fig(value=1000), fig(value=2000)], [fig(value=1004.9), fig(value=2011)])
    assert res.score.matched == 1 and res.score.gold == 2 and res.score.extracted == 2
    assert [m.gold["value"] for m in res.misses] == [2000]
    assert [w.extracted["value"] for w in res.wrong] == [2011]


def test_measure_must_be_the_same():
    res = score([fig(measure="groups.count", value=5)], [fig(measure="models.count", value=5)])
    assert res.score.matched == 0
    assert res.misses[0].line() == "MISSED r.txt: groups.count 5 (5 người)"
    assert res.wrong[0].line() == "WRONG  r.txt: models.count 5 (5 người)"
    assert res.per_measure == {"missed groups.count": 1, "wrong models.count": 1}


def test_one_to_one():
    # two extracted copies of one gold figure: one matches, the other is wrong
    s = score([fig(value=7)], [fig(value=7), fig(value=7)]).score
    assert (s.gold, s.extracted, s.matched) == (1, 2, 1)
    assert s.precision == 0.5 and s.recall == 1.0
    # two gold figures of one value, one extracted: one missed
    s = score([fig(value=7), fig(value=7)], [fig(value=7)]).score
    assert (s.gold, s.extracted, s.matched) == (2, 1, 1)


def test_greedy_in_gold_order():
    # the first gold figure takes the first free figure within 0.5%, even when a later gold figure needed it
    gold = [fig(value=1000), fig(value=1004)]
    got = [fig(value=1004), fig(value=999)]
    res = score(gold, got)
    assert res.score.matched == 2
    gold = [fig(value=1000), fig(value=1009)]  # 1009 is within 0.5% of 1004 only
    res = score(gold, [fig(value=1004), fig(value=996)])
    assert res.score.matched == 1
    assert [m.gold["value"] for m in res.misses] == [1009]


def test_optional_gold_is_neither_missed_nor_wrong():
    gold = [fig(value=1), fig(value=2, optional=True), fig(value=3, optional=True)]
    # 2 extracted: matches an optional gold figure, not counted; 3 not extracted: not missed
    s = score(gold, [fig(value=1), fig(value=2)]).score
    assert (s.gold, s.extracted, s.matched) == (1, 1, 1)
    assert s.precision == s.recall == 1.0
    # a required figure is matched before the optional one of the same value takes the extracted figure
    s = score([fig(value=5, optional=True), fig(value=5)], [fig(value=5)]).score
    assert (s.gold, s.extracted, s.matched) == (1, 1, 1)
    # one optional gold figure excuses one extracted figure, not two
    res = score([fig(value=5, optional=True)], [fig(value=5), fig(value=5)])
    assert (res.score.gold, res.score.extracted, res.score.matched) == (0, 1, 0)
    assert res.score.precision == 0.0 and res.score.recall == 0.0 and res.score.f1 == 0.0


def test_docs_by_file_name_and_stray_docs():
    gold = [fig(doc="a.txt", value=1), fig(doc="b.txt", value=2)]
    got = [fig(doc="/some/dir/a.txt", value=1), fig(doc="c.txt", value=9), fig(doc="a.txt", value=2)]
    res = score(gold, got)
    s = res.score
    # a.txt: 1 matched, 2 wrong (it belongs to b.txt); b.txt: 2 missed; c.txt has no gold: counted nowhere
    assert (s.docs, s.gold, s.extracted, s.matched) == (2, 2, 2, 1)
    assert res.stray_docs == ["c.txt"]
    assert [(m.doc, m.gold["value"]) for m in res.misses] == [("b.txt", 2)]
    assert [(w.doc, w.extracted["value"]) for w in res.wrong] == [("a.txt", 2)]


def test_sums_over_reports_not_mean_of_ratios():
    gold = [fig(doc="a.txt", value=1)] + [fig(doc="b.txt", value=v) for v in range(10, 19)]
    got = [fig(doc="a.txt", value=1)] + [fig(doc="b.txt", value=v) for v in range(10, 14)]
    s = score(gold, got).score
    assert s.recall == 5 / 10  # not (1/1 + 4/9) / 2
    assert s.f1 == pytest.approx(2 * 1.0 * 0.5 / 1.5)


def test_issuer_folding():
    assert fold_issuer("Chủ tịch Uỷ ban nhân dân tỉnh") == fold_issuer("UBND tỉnh") == "uy ban nhan dan tinh"
    assert fold_issuer("Ủy ban MTTQ Việt Nam tỉnh") == fold_issuer("Uỷ ban Mặt trận Tổ quốc tỉnh")
    assert fold_issuer("Bộ trưởng Bộ Công an") == fold_issuer("BCA") == "bo cong an"
    assert fold_issuer("Giám đốc Công an tỉnh") == fold_issuer("CA tỉnh")
    assert fold_issuer("Phó Chủ tịch UBND huyện") == fold_issuer("UBND huyện")
    assert fold_issuer("UBND tỉnh") != fold_issuer("UBND huyện")
    assert same_attr("issuer", "Chủ tịch UBND tỉnh", "Ủy ban nhân dân tỉnh")
    assert not same_attr("issuer", "Bộ Công an", "UBND tỉnh")
    # the folding is the issuer's alone: other attributes are only stripped and lower-cased
    assert same_attr("status", "Awarded ", "awarded")
    assert not same_attr("status", "đề nghị", "de nghi")


def test_list_attributes_compare_as_sets():
    gold = ["Bộ Công an", "UBND tỉnh"]
    assert same_attr("issuer", gold, ["Chủ tịch UBND tỉnh", "Bộ trưởng Bộ Công an"])
    assert same_attr("issuer", gold, ["UBND tỉnh", "Bộ Công an", "BCA"])  # duplicates fold away
    assert not same_attr("issuer", gold, "Bộ Công an")
    assert same_attr("award_type", ["bang_khen"], "bang_khen")  # one value is a one-item set
    assert same_attr("award_type", ["bang_khen", "giay_khen"], ["giay_khen", "bang_khen"])
    assert not same_attr("award_type", ["bang_khen", "giay_khen"], ["bang_khen"])


def test_numeric_attributes_within_half_a_percent():
    assert same_attr("target", 250814, 250000 + 814)
    assert same_attr("stated_pct", 106.7, 106.75)
    assert not same_attr("stated_pct", 106.7, 108)
    assert not same_attr("total", 270, None)
    assert same_attr("total", 270, "270")  # float() reads it, as the shared scorer's does


def test_attributes_scored_on_matched_figures_where_gold_has_them():
    gold = [
        fig(measure="awards.collectives", value=9, issuer="UBND tỉnh", award_type="bang_khen", status="awarded"),
        fig(measure="coverage.units", value=269, total=270, unit_kind="cơ quan"),  # unit_kind: not scored
        fig(measure="models.count", value=4),  # no attrs in gold: nothing scored, whatever is extracted
        fig(measure="awards.individuals", value=3, status="awarded"),  # missed: its attrs are not scored
    ]
    got = [
        fig(measure="awards.collectives", value=9, issuer="Chủ tịch Ủy ban nhân dân tỉnh", award_type="giay_khen"),
        fig(measure="coverage.units", value=269, total=270, unit_kind="xã"),
        fig(measure="models.count", value=4, status="active"),
    ]
    res = score(gold, got)
    s = res.score
    # issuer ok, award_type wrong, status missing in the extracted figure (compared as None): wrong; total ok
    assert (s.attrs_ok, s.attrs_total) == (2, 4)
    assert s.attr_accuracy == 0.5
    assert sorted((w.key, w.gold_value, w.got_value) for w in res.wrong_attrs) == [
        ("award_type", "bang_khen", "giay_khen"),
        ("status", "awarded", None),
    ]


def test_empty_gold_attribute_is_right_when_missing_on_the_other_side():
    # the shared scorer compares a missing extracted attribute as None: equal to an empty gold value
    gold = [fig(value=1, issuer=None, award_type="", status=[])]
    s = score(gold, [fig(value=1)]).score
    assert (s.attrs_ok, s.attrs_total) == (3, 3)
    s = score([fig(value=1, issuer="")], [fig(value=1, issuer="UBND tỉnh")]).score
    assert (s.attrs_ok, s.attrs_total) == (0, 1)


def test_nothing_at_all():
    s = score([], []).score
    assert s == Score(0, 0, 0, 0, 0, 0, 0.0, 0.0, 0.0, None)


def test_cli_score_bounds(tmp_path, capsys):
    from antq.cli import main

    gold = write_jsonl(
        tmp_path / "gold.jsonl", [fig(value=1, status="awarded"), fig(value=2), fig(value=3), fig(value=4)]
    )
    # a blank line at the end is no row
    got = write_jsonl(
        tmp_path / "got.jsonl",
        [fig(value=1, status="proposed"), fig(value=2), fig(value=3), fig(value=99)],
        end="\n",
    )
    assert main(["score", str(gold), str(got)]) == 0
    out = capsys.readouterr().out
    assert "docs=1 gold=4 extracted=4 matched=3 attrs_ok=0/1" in out
    assert "precision=0.750 recall=0.750 f1=0.750 attrs=0.000" in out
    assert main(["score", str(gold), str(got), "--min-precision", "0.75", "--min-recall", "0.75"]) == 0
    assert main(["score", str(gold), str(got), "--min-precision", "0.76"]) == 1
    assert main(["score", str(gold), str(got), "--min-recall", "0.8"]) == 1
    assert main(["score", str(gold), str(got), "--min-attrs", "0.5"]) == 1
    capsys.readouterr()
    assert main(["score", str(gold), str(got), "--show-errors"]) == 0
    out = capsys.readouterr().out
    assert "MISSED r.txt: campaign.participants 4 (4 người)" in out
    assert "WRONG  r.txt: campaign.participants 99 (99 người)" in out
    assert 'ATTR   r.txt: campaign.participants 1 (1) status: gold "awarded" got "proposed"' in out
    got.write_text("{not json\n", encoding="utf-8")
    assert main(["score", str(gold), str(got)]) == 2


# ---- the shared folder, the sets ----------------------------------------------------------------------


def shared() -> Path:
    path = scoring.shared_dir()
    if not path.is_dir():
        pytest.fail(f"the shared folder is missing: {path} (set ANTQ_SHARED_DIR to the shared folder)")
    return path


def shared_scorer() -> Path:
    path = shared() / "tools" / "score_figures.py"
    if not path.exists():
        pytest.fail(f"the shared scorer is missing: {path}")
    return path


@pytest.fixture(scope="module")
def runs() -> dict[str, scoring.SetRun]:
    try:
        sets = scoring.shared_sets(shared())
    except FileNotFoundError as err:
        pytest.fail(str(err))
    assert [s.name for s in sets] == list(SET_NAMES)
    out = scoring.run_sets(sets)
    for run in out.values():
        assert not run.unreadable, run.unreadable
    return out


def run_shared_scorer(gold: Path, extracted: Path) -> dict:
    run = subprocess.run(
        [sys.executable, str(shared_scorer()), str(gold), str(extracted)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr
    m = re.search(
        r"docs=(\d+) gold=(\d+) extracted=(\d+) matched=(\d+) attrs_ok=(?:(\d+)/(\d+)|n/a)\n"
        r"precision=([\d.]+) recall=([\d.]+) f1=([\d.]+)",
        run.stdout,
    )
    assert m, run.stdout
    nums = [int(x) if x is not None else 0 for x in m.groups()[:6]]
    return {
        "docs": nums[0],
        "gold": nums[1],
        "extracted": nums[2],
        "matched": nums[3],
        "attrs_ok": nums[4],
        "attrs_total": nums[5],
        "precision": m.group(7),
        "recall": m.group(8),
        "f1": m.group(9),
        "stray": "docs that have no gold" in run.stdout,
    }


def ours(s: Score, stray: bool) -> dict:
    return {
        "docs": s.docs,
        "gold": s.gold,
        "extracted": s.extracted,
        "matched": s.matched,
        "attrs_ok": s.attrs_ok,
        "attrs_total": s.attrs_total,
        "precision": f"{s.precision:.3f}",
        "recall": f"{s.recall:.3f}",
        "f1": f"{s.f1:.3f}",
        "stray": stray,
    }


def write_jsonl(path: Path, rows, end: str = "") -> Path:
    """One JSON row a line; `end` after the last line."""
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows) + end, encoding="utf-8")
    return path


# ---- (b) the same numbers as the shared scorer ----------------------------------------------------------


@pytest.mark.parametrize("name", SET_NAMES)
def test_same_numbers_as_the_shared_scorer(name, runs, tmp_path):
    run = runs[name]
    gold = next(s.gold for s in scoring.shared_sets(shared()) if s.name == name)
    extracted = write_jsonl(tmp_path / f"{name}.jsonl", run.extracted_rows)
    theirs = run_shared_scorer(gold, extracted)
    assert ours(scoring.score_files(gold, extracted).score, bool(run.result.stray_docs)) == theirs
    assert ours(run.result.score, bool(run.result.stray_docs)) == theirs  # in-process rows: the same


def test_same_numbers_as_the_shared_scorer_on_edge_cases(tmp_path):
    gold = [
        fig(doc="a.txt", value=1000),
        fig(doc="a.txt", value=1009),
        fig(doc="a.txt", value=7, optional=True),
        fig(
            doc="a.txt",
            measure="awards.mixed",
            value=12,
            issuer=["Bộ Công an", "UBND tỉnh"],
            award_type=["bang_khen"],
            status="awarded",
        ),
        fig(doc="a.txt", measure="target.achievement", value=252554, target=250814, stated_pct=106.7),
        fig(doc="b.txt", measure="coverage.units", value=9, total=9, issuer=""),
        fig(doc="b.txt", value=3),
        fig(doc="b.txt", value=3),
        fig(doc="e.txt", value=1),  # nothing extracted for it
    ]
    got = [
        fig(doc="x/a.txt", value=1004),
        fig(doc="a.txt", value=996),
        fig(doc="a.txt", value=7),
        fig(doc="a.txt", value=7),
        fig(
            doc="a.txt",
            measure="awards.mixed",
            value=12,
            issuer=["Bộ trưởng Bộ Công an", "Chủ tịch UBND tỉnh"],
            award_type="bang_khen",
        ),
        fig(doc="a.txt", measure="target.achievement", value=252600, target=250000, stated_pct=106.71),
        fig(doc="b.txt", measure="coverage.units", value=9.04),
        fig(doc="b.txt", value=3),
        fig(doc="b.txt", value=3),
        fig(doc="b.txt", value=3),
        fig(doc="stray.txt", value=5),
    ]
    g, e = write_jsonl(tmp_path / "gold.jsonl", gold), write_jsonl(tmp_path / "got.jsonl", got)
    res = scoring.score_files(g, e)
    theirs = run_shared_scorer(g, e)
    assert ours(res.score, bool(res.stray_docs)) == theirs
    # and what those numbers are, worked out by hand
    assert (res.score.docs, res.score.gold, res.score.extracted, res.score.matched) == (3, 8, 9, 6)
    assert (res.score.attrs_ok, res.score.attrs_total) == (5, 7)
    assert res.stray_docs == ["stray.txt"]


# ---- (c) the floors per set ---------------------------------------------------------------------------


def thresholds() -> dict:
    return json.loads(THRESHOLDS.read_text(encoding="utf-8"))


def test_thresholds_file_names_every_set():
    t = thresholds()
    assert set(t) == {*SET_NAMES, "dev"}
    for name, bounds in t.items():
        assert set(bounds) == {"precision", "recall", "attrs"}, name
        assert all(0.0 <= v <= 1.0 for v in bounds.values()), name


@pytest.mark.parametrize("name", [*SET_NAMES, "dev"])
def test_set_score_meets_its_floor(name, runs):
    if name == "dev":
        res = scoring.pooled([runs[p] for p in scoring.DEV_PARTS])
    else:
        res = runs[name].result
    s, floor = res.score, thresholds()[name]
    shown = f"{name}: {s.summary()}\n" + "\n".join(res.error_lines())
    assert s.gold > 0 and s.attr_accuracy is not None, shown
    assert s.precision >= floor["precision"], shown
    assert s.recall >= floor["recall"], shown
    assert s.attr_accuracy >= floor["attrs"], shown


def test_sets_table_has_every_row(runs):
    table = scoring.sets_table(runs)
    rows = {line.split()[0] for line in table.splitlines() if line.strip()}
    assert {*SET_NAMES, "all", "rotation:"} <= rows
    rotation = table.split("rotation:", 1)[1]
    for part in scoring.DEV_PARTS:
        others = "+".join(p for p in scoring.DEV_PARTS if p != part)
        assert re.search(rf"^{part}\s.*\|\s+{re.escape(others)}\s", rotation, re.M), table
