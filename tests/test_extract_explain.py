"""`antq extract --explain`: every figure names the rule that chose its measure and the words it read;
every number dropped says why. The rule ids must point at real rules (a line of units.yaml that holds a
rule, a step described in explain.STEPS, a not_figures reason)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import extractors
from extractors import explain
from extractors.lexicon import LEXICONS, UNIT_RULES
from extractors.rules.not_figures import REASONS

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
RULE_LINES = {r.line for r in UNIT_RULES}


def _known(rule_id: str) -> bool:
    key = rule_id.split(" ")[0]
    if key.startswith("units.yaml:"):
        return int(key.split(":")[1]) in RULE_LINES
    if key.startswith("not_figures:"):
        return key.split(":", 1)[1] in REASONS
    return key in explain.STEPS


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_explain_gives_the_same_figures_and_a_known_rule_for_each(path):
    doc, trace = explain.explain_path(path)
    figures = extractors.extract_path(path).figures
    kept = [t for t in trace if "measure" in t]
    assert [(t["start"], t["measure"], t["value"]) for t in kept] == [(f.start, f.measure, f.value) for f in figures]
    for t in kept:
        assert t["how"], t
        assert all(_known(r) for r, _ in t["how"]), t["how"]
        assert all(str(words).strip() for _, words in t["how"]), t["how"]
    dropped = [t for t in trace if "dropped" in t]
    assert dropped, "the sample reports have years and dates to drop"
    assert all(_known(t["dropped"]) for t in dropped), [t["dropped"] for t in dropped if not _known(t["dropped"])]


def test_a_unit_rule_id_is_its_line_in_units_yaml():
    lines = (LEXICONS / "units.yaml").read_text(encoding="utf-8").splitlines()
    for r in UNIT_RULES:
        assert lines[r.line - 1].lstrip().startswith("- {unit:"), (r.rule_id, lines[r.line - 1])
    # the figure of a plain sentence names the rule whose unit it read
    doc, trace = explain.explain_path(_write("Công an tỉnh thu hồi 334 khẩu súng các loại."))
    (fig,) = [t for t in trace if "measure" in t]
    rule_id, words = fig["how"][0]
    assert fig["measure"] == "weapons.guns" and words == "khẩu súng"
    assert "weapons.guns" in lines[int(rule_id.split(":")[1]) - 1]


def test_dropped_numbers_say_why(tmp_path):
    doc, trace = explain.explain_path(
        _write("Ngày 16/10/2023, thực hiện Đề án 06, số vụ giảm 12 vụ; mô hình “5 tự quản” có 35 tổ.", tmp_path)
    )
    why = {t["surface"]: t["dropped"].split(" ")[0] for t in trace if "dropped" in t}
    assert why["06"] == "not_figures:identifier"
    assert why["12"] == "not_figures:change"
    assert why["5"] == "not_figures:quoted_name"
    assert [t["surface"] for t in trace if "measure" in t] == ["35"]


def test_cli_explain_prints_rules_and_reasons(tmp_path):
    path = _write("Nhân dân cung cấp 726 nguồn tin, trong đó 655 nguồn tin có giá trị, năm 2023.", tmp_path)
    out = subprocess.run(
        [sys.executable, "-m", "antq.cli", "extract", "--explain", str(path)], capture_output=True, text=True, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr
    assert "FIGURE  726 nguồn tin -> tips.received" in out.stdout
    assert "units.yaml:" in out.stdout and "DROPPED 2023" in out.stdout and "not_figures:year" in out.stdout
    js = subprocess.run(
        [sys.executable, "-m", "antq.cli", "extract", "--explain", "--format", "jsonl", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    rows = [json.loads(line) for line in js.stdout.splitlines()]
    assert {r["surface"]: r.get("measure") for r in rows} == {
        "726": "tips.received",
        "655": "tips.valuable",
        "2023": None,
    }
    assert all(r["rules"] for r in rows if r.get("measure"))


def _write(text: str, folder: Path | None = None) -> Path:
    import tempfile

    folder = folder or Path(tempfile.mkdtemp())
    p = folder / "report.txt"
    p.write_text(text, encoding="utf-8")
    return p
