"""Step 4 of figures.py: fractions, percentages and averages, as FIGURES.md "Fractions" and
"Percentages and rates" decide.

A fraction ("252.554/250.814", "77 trong tổng số 89 làng") is coverage (units reaching a standard),
a result against its target, or neither (a period comparison, two different things: each side its own
figure, never a target, or the warehouse would flag a true report). A percentage is a figure of its
own, unless it is the stated percentage of the figure before it. A count per unit ("5,5 biên chế/xã")
is an average, not a count. The words are in lexicons/statistics.yaml.
"""

from __future__ import annotations

from ..lexicon import (
    AVERAGE_BEFORE_RE,
    AVERAGE_WORDS,
    COVERAGE_NOUN_RE,
    FRACTION_JOINER_RE,
    FRACTION_JOINERS,
    PCT_NOT_FIGURE_BEFORE_RE,
    PCT_TARGET_AFTER_RE,
    PER_UNIT_RE,
    PERIOD_COMPARISON_RE,
    RATED_SET_RE,
    REACHED_RE,
    REACHES_STANDARD_RE,
    STATED_PCT_RE,
)
from ..numbers import parse_number
from .candidates import Cand
from .classify import unit_end


def join_fractions(low: str, cands: list[Cand]) -> None:
    """ "77 trong tổng số 89 làng": one fraction 77/89 of the noun after the second number."""
    if len(cands) < 2 or not _has_joiner(low):
        return  # (most sentences: no joining word at all)
    k = 0
    while k + 1 < len(cands):
        c, d = cands[k], cands[k + 1]
        if (
            c.den is None
            and d.den is None
            and not c.pct
            and not d.pct
            and c.surface[:1].isdigit()
            and FRACTION_JOINER_RE.match(low, c.e, d.s)
        ):
            c.den, c.u = d.value, d.u
            if c.how is not None:  # (recorded for --explain only)
                c.how.append(("fractions.py:joined", low[c.s : d.e]))
            del cands[k + 1]
        k += 1


def is_average(low: str, c: Cand, averages: bool = True) -> bool:
    """ "5,5 biên chế/xã", "trung bình 5,3 Công an chính quy/xã": a per-unit average. `averages`: False
    when the sentence has no "trung bình"/"bình quân" (has_average_words), to skip that search."""
    end = c.unit_end or c.e
    return (low[end : end + 1] == "/" and PER_UNIT_RE.match(low, end + 1) is not None) or (
        averages and AVERAGE_BEFORE_RE.search(low, c.ca, c.s) is not None
    )


def has_average_words(low: str) -> bool:
    for w in AVERAGE_WORDS:  # (a loop, not any(): no generator to set up, once per sentence)
        if w in low:
            return True
    return False


def _has_joiner(low: str) -> bool:
    for w in FRACTION_JOINERS:
        if w in low:
            return True
    return False


def fractions_and_percentages(sent: str, low: str, cands: list[Cand]) -> None:
    for i, c in enumerate(cands):
        if c.den is not None and c.measure is not None:
            if _compares_periods(low, cands, i):
                c.den = None  # "giảm 5,83% (3.389/3.599 vụ)": never a target, or a true report gets flagged
                if c.how is not None:  # (recorded for --explain only)
                    c.how.append(("fractions.py:period_comparison", sent[c.ca : c.cb]))
                continue
            if c.measure in ("coverage.units", "campaign.locations") or COVERAGE_NOUN_RE.match(low, c.u):
                c.measure = "coverage.units"
                c.attrs = {"total": _num(c.den), "unit_kind": c.unit}
                if c.how is not None:  # (recorded for --explain only)
                    c.how.append(("fractions.py:coverage", c.unit))
            else:
                c.measure = "target.achievement"
                attrs = {"target": _num(c.den)}
                pm = STATED_PCT_RE.search(low, c.e, c.cb)
                if pm:
                    attrs["stated_pct"] = parse_number(pm.group("pct"))
                    for d in cands[i + 1 :]:
                        if d.pct and d.s == pm.start("pct"):
                            d.drop = True
                            d.why_dropped = f"fractions.py:stated_pct_of {c.surface}"
                attrs["subject"] = c.unit
                c.attrs = attrs
                if c.how is not None:  # (recorded for --explain only)
                    c.how.append(("fractions.py:target", sent[c.s : pm.end()] if pm else c.surface))
        elif c.pct and not c.drop:
            before = low[c.ca : c.s]
            if PCT_NOT_FIGURE_BEFORE_RE.search(before):
                c.drop = True  # "chiếm 70%": a share of a context count
                c.why_dropped = "fractions.py:share_of_context"
                continue
            of_target = PCT_TARGET_AFTER_RE.match(low, c.u) is not None
            if of_target or REACHED_RE.search(before):
                # "cấp 120.500 thẻ, đạt 101,2% chỉ tiêu": the percentage of the figure before it
                prev = _figure_before(cands, i)
                if prev is not None and (of_target or prev.measure == "target.achievement"):
                    prev.attrs.setdefault("stated_pct", c.value)
                    if prev.measure != "target.achievement" and of_target:
                        prev.measure = "target.achievement"
                        prev.attrs["subject"] = prev.unit
                        if prev.how is not None:  # (recorded for --explain only)
                            prev.how.append(("fractions.py:percent_of_target", sent[c.s : c.u + 12]))
                    c.drop = True
                    c.why_dropped = f"fractions.py:stated_pct_of {prev.surface}"
                    continue
                if of_target and prev is None:  # "đạt 106,7% kế hoạch" alone: the achievement itself
                    c.measure = "target.achievement"
                    end = unit_end(low, c.u, c.u)
                    c.attrs = {"stated_pct": c.value, "subject": sent[c.u : end].strip()}
                    if c.how is not None:  # (recorded for --explain only)
                        c.how.append(("fractions.py:achievement_percent", sent[c.s : end]))
                    continue
            c.attrs.setdefault("subject", _subject_before(sent, cands, i))


def _figure_before(cands: list[Cand], i: int) -> Cand | None:
    """The figure in cands[i]'s clause before it that a percentage can be the stated percentage of.
    Candidates are in order: the search stops at the clause's start (a list of thousands of
    percentages stays linear)."""
    ca = cands[i].ca
    for k in range(i - 1, -1, -1):
        d = cands[k]
        if d.s < ca:
            return None
        if (
            not d.pct
            and not d.drop
            and d.measure
            and not (d.measure == "target.achievement" and "stated_pct" in d.attrs)
            and d.measure != "coverage.units"
        ):
            return d
    return None


def coverage_counts(low: str, cands: list[Cand]) -> None:
    """A count of units (schools, communes, agencies) that reach a standard or get a rating, with no
    total printed, is coverage too: "21 trường THCS và 19 trong tổng số 20 xã ... đạt danh hiệu an
    toàn", "27 xã, phường không có ma túy", "1 địa phương loại trung bình"."""
    covered = False
    for c in cands:
        if c.measure == "coverage.units" and "total" in c.attrs:
            covered = True
            break
    has_part = False  # a count of units without a total: only then is a rated set looked for
    for c in cands:
        # c.rule set: a rule of units.yaml said "other" on purpose ("thuộc 05 huyện", a province's make-up)
        if c.measure == "other" and c.rule is None and not c.pct and c.den is None and COVERAGE_NOUN_RE.match(low, c.u):
            if covered or REACHES_STANDARD_RE.match(low, c.u):  # from the noun: "1 địa phương loại trung bình"
                c.measure = "coverage.units"
                c.attrs = {"unit_kind": c.unit}
                if c.how is not None:  # (recorded for --explain only)
                    c.how.append(("fractions.py:coverage_count", c.unit))
        if c.measure == "coverage.units" and "total" not in c.attrs:
            has_part = True
    if not has_part:
        return
    # the counts after a rated set are out of it, where they add up to it at most: total = the set
    # (the parts of a set are every count of units without a total after it: their sums after each
    # position are taken once, and the first set they fit takes them all, so a list stays linear)
    after = [0.0] * (len(cands) + 1)
    any_part = [False] * (len(cands) + 1)
    for k in range(len(cands) - 1, -1, -1):
        c = cands[k]
        is_part = c.measure == "coverage.units" and "total" not in c.attrs
        after[k] = after[k + 1] + (c.value if is_part else 0.0)
        any_part[k] = any_part[k + 1] or is_part
    for k, w in enumerate(cands):
        if (
            w.measure == "other"
            and w.rule is not None
            and w.den is None
            and any_part[k + 1]
            and after[k + 1] <= w.value * 1.005
            and RATED_SET_RE.search(low, w.ca, w.s)
        ):
            for c in cands[k + 1 :]:
                if c.measure == "coverage.units" and "total" not in c.attrs:
                    c.attrs["total"] = _num(w.value)
                    if c.how is not None:  # (recorded for --explain only)
                        c.how.append(("fractions.py:rated_set", f"{w.surface} {w.unit}"))
            break  # every part has its total now


def _compares_periods(low: str, cands: list[Cand], i: int) -> bool:
    """Whether the fraction cands[i] restates a change between two periods: it stands in brackets
    right after a percentage ("giảm 5,83% (3.389/3.599 vụ)"), or its clause compares periods."""
    c = cands[i]
    if i and cands[i - 1].pct and low[cands[i - 1].e : c.s].strip(" %") in ("(", "(so với"):
        return True
    return PERIOD_COMPARISON_RE.search(low, c.ca, c.cb) is not None and not STATED_PCT_RE.search(low, c.e, c.cb)


def _subject_before(sent: str, cands: list[Cand], i: int) -> str:
    """What a percentage is a rate of, in the report's words: its clause before it, from the figure
    before it ("tội phạm về trật tự xã hội ... kéo giảm sâu")."""
    c = cands[i]
    lo = max(c.ca, cands[i - 1].unit_end or cands[i - 1].e) if i else c.ca
    words = sent[lo : c.s].strip(" ,:;-–()").split()
    return " ".join(words[-12:])


def _num(v: float):
    return int(v) if float(v).is_integer() else v
