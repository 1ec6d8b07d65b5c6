"""`antq extract --explain FILE`: why each figure got its measure, and why each dropped number was
dropped. A person fixing a wrong figure starts here: the rule id names the file and the rule (a line of
lexicons/units.yaml, or a step of rules/*.py), and the words are what that rule read.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

from .lexicon import LEXICONS
from .model import UnreadableReport
from .rules.not_figures import REASONS

# what the code steps' rule ids mean (the units.yaml rules speak for themselves: their line is shown)
STEPS = {
    "classify.py:percent": "a percentage: a statistic of its own (measure other, unit %)",
    "classify.py:list": 'no noun of its own: takes the next number\'s in a list ("12, 15 và 20 vụ")',
    "classify.py:total_of": 'no noun after it: the noun named before it ("tổng số mô hình lên 1.567")',
    "classify.py:money_scale": 'a scale word and no noun: an amount of money ("trị giá 2,5 tỷ")',
    "classify.py:no_rule_other": "no rule of units.yaml knows its noun: a statistic of its own (other)",
    "classify.py:no_counted_noun": "no counted noun follows it and no rule reads it",
    "fractions.py:joined": '"x trong tổng số y": one fraction',
    "fractions.py:period_comparison": "a fraction that compares two periods: never a target",
    "fractions.py:coverage": "a fraction of units reaching a standard: coverage.units, total y",
    "fractions.py:target": "a result against its target: target.achievement",
    "fractions.py:percent_of_target": '"đạt N% chỉ tiêu" after a count: the count is an achievement',
    "fractions.py:achievement_percent": '"đạt N% kế hoạch" alone: the achievement itself',
    "fractions.py:coverage_count": "a count of units reaching a standard or rated: coverage.units",
    "fractions.py:rated_set": "the counts after a rated set are out of it (total)",
    "fractions.py:average": 'a count per unit ("5,5 biên chế/xã"): an average, measure other',
    "fractions.py:share_of_context": 'a share of a context count ("chiếm 70%")',
    "fractions.py:stated_pct_of": "the percentage a figure states for itself: its stated_pct",
    "candidates.py:number_in_words": 'a number in words ("hàng nghìn"): optional by FIGURES.md, not emitted',
    "awards.py:resolve": "issuer, award type and status read around the recipients",
    "parts.py:breakdown": "a part of a breakdown by place in brackets",
    "parts.py:part_counts_what_its_whole_counts": "a part names its whole's noun: its measure",
    "parts.py:part_names_its_whole": "a part names its whole's noun: its measure",
}


@lru_cache(maxsize=1)
def _units_lines() -> list[str]:
    return (LEXICONS / "units.yaml").read_text(encoding="utf-8").splitlines()


def describe(rule_id: str) -> str:
    """What a rule id means, in a line: the YAML rule itself for units.yaml, else the step's meaning."""
    rule_id = rule_id.split(" ")[0]
    if rule_id.startswith("units.yaml:"):
        line = int(rule_id.split(":")[1])
        text = _units_lines()[line - 1].strip() if 0 < line <= len(_units_lines()) else ""
        return text if len(text) <= 160 else text[:159] + "…"
    key = rule_id.split(" ")[0]
    if key.startswith("not_figures:"):
        return REASONS.get(key.split(":", 1)[1], "")
    return STEPS.get(key, "")


def explain_path(path) -> tuple[str, list[dict]]:
    """(doc, trace) of a report file: one entry per number, in text order."""
    from .decode import decode_bytes
    from .rules.figures import extract_figures, lower_aligned

    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise UnreadableReport(f"cannot open the file: {e.strerror or e}") from None
    doc = os.path.basename(str(p)) or "report"
    text, _fmt, _enc = decode_bytes(data, doc)
    trace: list[dict] = []
    extract_figures(text, doc, lower_aligned(text), trace=trace)
    return doc, trace


def format_text(doc: str, trace: list[dict]) -> str:
    """The trace for a person: each figure with the rules that decided it, each dropped number with why."""
    kept = [t for t in trace if "measure" in t]
    out = [f"{doc}: {len(kept)} figures, {len(trace) - len(kept)} numbers dropped"]
    for t in trace:
        where = f"@{t['start']}"
        if "measure" in t:
            attrs = " ".join(f"{k}={v}" for k, v in t["attrs"].items())
            out.append(
                f"  FIGURE  {t['surface']} {t['unit']} -> {t['measure']}{' [' + attrs + ']' if attrs else ''}  {where}"
            )
        else:
            out.append(f"  DROPPED {t['surface']}  {where}: {t['dropped']}  ({describe(t['dropped'])})")
        for rule_id, words in t.get("how", []):
            if rule_id == t.get("dropped", "").split(" ")[0]:
                continue  # said on the DROPPED line
            out.append(f'      {rule_id}  read "{" ".join(str(words).split())}"  -- {describe(rule_id)}')
        if t.get("sentence"):
            s = " ".join(t["sentence"].split())
            out.append(f"      in: {s if len(s) <= 200 else s[:199] + '…'}")
    return "\n".join(out)


def format_jsonl(doc: str, trace: list[dict]):
    """One JSON object per number: surface, start, and measure/unit/value/attrs or dropped; `rules` the
    (rule id, words read, meaning) that decided."""
    for t in trace:
        d = {"doc": doc, **{k: v for k, v in t.items() if k not in ("how", "sentence")}}
        d["rules"] = [{"rule": r, "read": w, "means": describe(r)} for r, w in t.get("how", [])]
        if "dropped" in t:
            d["dropped_means"] = describe(t["dropped"])
        yield json.dumps(d, ensure_ascii=False)
