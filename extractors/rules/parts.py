"""Step 6 of figures.py: parts of a whole. "726 nguồn tin, trong đó 655 ...", "22 cụm ... gồm 01 ...,
07 ...", a sentence that opens with "Trong đó" (the parts of a whole of the sentence before), and a
breakdown by place in brackets ("891 mô hình (An Giang 59, Bạc Liêu 57, ...)"): part_of = the whole's
surface. The words are in lexicons/attributes.yaml.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from ..lexicon import PARTS_END_RE, PARTS_OPEN, UPPER
from .candidates import Cand

_PART_OF = re.compile(rf"(?<!\w)(?:{PARTS_OPEN})(?!\w)")
# a sentence that lists the parts of a whole counted in the sentence before: "... với 772 tổ chức
# quần chúng. Trong đó, có 207 tổ an ninh tự quản, 63 tổ hòa giải ..."
_OPENS_PARTS = re.compile(rf"[\W_]*(?:{PARTS_OPEN})(?!\w)")
# a breakdown by place in brackets after a count, the parts with no noun of their own: "891 mô hình
# (An Giang 59, Bạc Liêu 57, ...)"; the name before each part is capitalised
_PART_NAME = re.compile(rf"[ ]*{UPPER}[\w.]*(?:[ -]{UPPER}[\w.]*){{0,4}}[ ]*:?[ ]*$")
_PART_END = re.compile(r"[ ]*[,;)]")
_BRACKETED = re.compile(r"\([^()]*\)")


def breakdown(sent: str, cands: list[Cand], kept: list[Cand]) -> list[Cand]:
    """The parts of a count broken down by place in brackets right after it: they count what it
    counts (measure, unit, attributes) and are part_of it. Only where the parts sum to at most the
    whole."""
    groups: dict[int, list[Cand]] = {}  # whole's index in kept -> its parts
    # candidates are in order and do not overlap: the searches below are bisections, so a long
    # bracketed list stays linear (the lists they search are made at the first part that needs them)
    starts: list[int] | None = None
    kept_ends: list[int] = []
    for i, c in enumerate(cands):
        if c.measure or c.drop or c.pct or c.den is not None or not _PART_END.match(sent, c.e):
            continue
        if starts is None:
            starts = [d.s for d in cands]
            kept_ends = [d.e for d in kept]
        p = sent.rfind("(", c.ca, c.s)
        if p < 0 or ")" in sent[p : c.s]:
            continue
        prev_end = cands[i - 1].e if i and cands[i - 1].e > p else p + 1
        name = sent[prev_end : c.s].lstrip(",; ")
        if not _PART_NAME.match(name):
            continue
        wi = bisect_right(kept_ends, p) - 1
        if wi < 0:
            continue
        w = kept[wi]
        gap = sent[w.unit_end : p]
        # another number between the whole and the bracket (the whole itself starts before w.e)
        if len(gap) > 60 or any(ch in gap for ch in ".;:") or bisect_left(starts, w.e) < bisect_left(starts, p):
            continue
        groups.setdefault(wi, []).append(c)
    if not groups:
        return kept
    for wi, parts in groups.items():
        w = kept[wi]
        if sum(c.value for c in parts) > w.value * 1.005:
            continue  # not parts of it
        for c in parts:
            c.measure, c.unit, c.rule, c.unit_end = w.measure, w.unit, w.rule, c.e
            c.attrs = {k: v for k, v in w.attrs.items() if k not in ("part_of", "stated_pct", "target", "total")}
            c.attrs["part_of"] = w.surface
            if c.how is not None:  # (recorded for --explain only)
                c.how.append(("parts.py:breakdown", f"{w.surface} {w.unit} ({sent[c.s - len(name) : c.e]} …)"))
    return [c for c in cands if c.measure and not c.drop]


def _head(unit: str) -> str:
    """The counted noun's first two words, lower-cased: "đối tượng" of "đối tượng tiến bộ"."""
    return " ".join(unit.lower().split()[:2])


def part_of(low: str, cands: list[Cand], before: list[Cand] | None = None) -> None:
    """'726 nguồn tin, trong đó 655 ...' and '22 cụm ... gồm 01 ..., 07 ...': part_of = whole.
    A part counts what its whole counts (same family of measures); the parts listed after the first
    count the same as it. A sentence that opens with "Trong đó" lists the parts of a whole of the
    sentence before (`before`): the last one there of the same measure as its first part, else of the
    same family."""
    whole: Cand | None = None
    measure = None
    if before and cands and _OPENS_PARTS.match(low):
        first = cands[0]
        _as_whole(first, before)
        family = first.measure.split(".")[0]
        whole = (
            next((d for d in reversed(before) if d.measure == first.measure), None)
            or next((d for d in reversed(before) if d.measure == family + ".mixed"), None)
            or next((d for d in reversed(before) if d.measure.split(".")[0] == family), None)
        )
        if whole is not None:
            measure = first.measure
            first.attrs["part_of"] = whole.surface
    if whole is None and "trong" not in low and "gồm" not in low and ")" not in low:
        return  # no gap between two counts can open parts (nor lose a bracket that would join one)
    for i in range(1, len(cands)):
        prev, c = cands[i - 1], cands[i]
        gap = low[prev.e : c.s]
        if ";" in gap:
            whole = None
        if (
            ")" in gap
        ):  # a closed bracket between them names places, not parts: "16 địa phương (gồm Tam Kỳ, ...), 1 ..."
            gap = _BRACKETED.sub("", gap)
        m = _PART_OF.search(gap) if ("trong" in gap or "gồm" in gap) else None
        if m:
            _as_whole(c, [prev])
        if (
            m
            and ";" not in gap[: m.start()]
            and c.measure == "other"
            and prev.measure != "other"
            and c.rule is None
            and _head(c.unit) == _head(prev.unit)
        ):
            c.measure = (
                prev.measure
            )  # "giúp đỡ 6.500 đối tượng ..., trong đó có 3.906 đối tượng tiến bộ": counts what its whole counts
            if c.how is not None:  # (recorded for --explain only)
                c.how.append(
                    (
                        "parts.py:part_counts_what_its_whole_counts",
                        f"{prev.surface} {prev.unit}{gap}{c.surface} {c.unit}",
                    )
                )
        if (
            m
            and ";" not in gap[: m.start()]
            and not prev.attrs.get("part_of")
            and c.measure.split(".")[0] == prev.measure.split(".")[0]
        ):
            whole, measure = prev, c.measure
        elif (
            whole is not None
            and c.measure != measure
            and not (
                whole.measure.endswith(".mixed")
                and c.measure.split(".")[0] == whole.measure.split(".")[0]
                and not PARTS_END_RE.search(gap)
            )
        ):
            # (the parts of a mixed whole may be of several measures:
            # "4.576 vũ khí, trong đó có 1.278 súng, 2.666 viên đạn")
            whole = None
        if whole is not None and c is not whole:
            c.attrs["part_of"] = whole.surface


def _heads(unit: str) -> tuple[str, str]:
    w = unit.lower().split()
    return (" ".join(w[:2]), w[0]) if w else ("", "")


def _as_whole(part: Cand, wholes: list[Cand]) -> None:
    """A part no rule could read ("other" by default) counts what its whole counts where it names the
    same noun: "238 nguồn tin. Trong đó, ... là 236 tin"; "bắt giữ 89.400 đối tượng. Trong đó, bắt
    20.506 đối tượng phạm pháp quả tang"."""
    if part.measure != "other" or part.rule is not None or part.pct or part.den is not None:
        return
    p2, p1 = _heads(part.unit)
    for w in reversed(wholes):
        if w.measure in (None, "other") or w.pct or w.den is not None:
            continue
        words = w.unit.lower().split()[:2]
        if p2 == " ".join(words) or (len(words) == 2 and p1 == words[1]) or words == [p1]:
            part.measure, part.rule = w.measure, w.rule
            part.attrs = {k: v for k, v in w.attrs.items() if k not in ("part_of", "stated_pct", "target", "total")}
            if part.how is not None:  # (recorded for --explain only)
                part.how.append(("parts.py:part_names_its_whole", f"{w.surface} {w.unit} … {part.surface} {part.unit}"))
            return
