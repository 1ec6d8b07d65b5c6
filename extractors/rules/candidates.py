"""Step 1 of figures.py: every number of a sentence as written, made a candidate figure.

"1.107", "48,55 triệu", "252.554/250.814", "106,7%", and numbers in words after "hàng" ("hàng triệu
nguồn tin"). Whether a number is a figure at all is not_figures.py's question; what it counts is
classify.py's.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from ..lexicon import QUALIFIER_OF, UnitRule, tail_of
from ..numbers import NUMBER_RE, SCALES, apply_scale, value_of
from . import not_figures

# digits first, so the scan runs at C speed; the Vietnamese form is checked after
_CAND = re.compile(r"[0-9][0-9]*(?:[.,][0-9]+)*(?:[ ]?/[ ]?[0-9]+(?:[.,][0-9]+)*)?")
_NUMBER = re.compile(rf"(?:{NUMBER_RE})$")
_TRAIL = re.compile(
    rf"(?:[ ](?P<scale>{'|'.join(sorted(SCALES, key=len, reverse=True))})(?!\w))?"
    r"(?P<pct>[ ]?%)?[ ]*[\"“”'‘«(]*[ ]*",
    re.I,
)
# a number written in words after "hàng" (FIGURES.md: "hàng" = about): "hàng triệu nguồn tin",
# "hàng vạn đối tượng", "hàng chục nghìn lượt người", "hàng trăm triệu đồng"
_WORD_SCALES = {"chục": 10, "trăm": 100, **SCALES}
_WORD_NUMERAL = re.compile(
    r"(?<!\w)hàng[ ]+(?P<num>(?:chục|trăm|nghìn|ngàn|vạn|triệu|tỷ|tỉ)"
    r"(?:[ ]+(?:nghìn|ngàn|vạn|triệu|tỷ|tỉ))?)(?!\w)"
)


@dataclass(slots=True)
class Cand:
    """A number of a sentence on its way to become a figure (offsets are into the sentence)."""

    s: int  # surface start in sentence
    e: int  # surface end
    surface: str
    value: float
    den: float | None
    pct: bool
    qualifier: str
    u: int  # unit start in sentence
    ca: int = 0  # the clause around the number (segment.clause_bounds)
    cb: int = 0
    measure: str | None = None
    unit: str = ""
    unit_end: int = 0
    rule: UnitRule | None = None
    attrs: dict = field(default_factory=dict)
    drop: bool = False
    # for `antq extract --explain`: the rules that decided (file:rule, the words they read), and why
    # a dropped candidate was dropped
    how: list | None = None  # a list only when a trace is asked for (explain), else nothing is recorded
    why_dropped: str = ""
    # 1900..2100 with no word of time before it: a count if a counted noun follows, else a year
    maybe_year: bool = False


# where a number was skipped before it became a candidate: (start in text, surface, reason)
Skipped = tuple[int, str, str]


def find_numbers(
    text: str, low_text: str, spans: list[tuple[int, int]], skipped: list[Skipped] | None = None
) -> dict[int, list[tuple[int, int, str | None, object]]]:
    """The numbers of each sentence: {sentence index: [(start, end, digits, denominator digits)]}, offsets
    into the sentence; a number in words has digits None and its value as the last item."""
    by_sentence: dict[int, list[tuple[int, int, str | None, object]]] = {}
    i, a, b, ms = -1, -1, -1, []  # the sentence of the last number, its span, its numbers
    past_end = (len(text) + 1, len(text) + 1)
    for m in _CAND.finditer(text):
        s, e = m.span()
        prev = text[s - 1] if s else " "
        if (prev.isalnum() or prev in "_.,/–-") and not (prev == "/" and s > 1 and text[s - 2].isalpha()):
            # inside a word, a number or a range; but "41 vụ/59 đối tượng" counts two things
            if skipped is not None:
                skipped.append((s, m.group(), "not_figures:inside_a_word_or_number"))
            continue
        if s >= b:  # the numbers come in order: the sentence is this one or one after it
            while s >= b:
                i += 1
                a, b = spans[i] if i < len(spans) else past_end
            ms = []
        if s < a:
            continue  # between sentences
        g = m.group()
        if "/" in g:
            num, _, den = g.partition("/")
            num, den = num.strip(), den.strip() or None
            if not _NUMBER.match(num) or (den is not None and not _NUMBER.match(den)):
                if skipped is not None:
                    skipped.append((s, g, "not_figures:not_a_vietnamese_number"))
                continue  # "12.12.2022", "1.5": not a number as Vietnamese writes it
        else:
            # four digits from 1900 to 2100 are a year when no word follows or "năm" is before them
            # (the common case, decided here at once); otherwise candidate() and figures.py decide
            # whether a counted noun follows ("tiếp nhận 1950 tin báo")
            if (
                len(g) == 4
                and "1900" <= g <= "2100"
                and (
                    text[e : e + 1] != " "
                    or not text[e + 1 : e + 2].isalpha()
                    or (s >= 4 and low_text[s - 4 : s] == "năm ")
                )
            ):
                if skipped is not None:
                    skipped.append((s, g, "not_figures:year"))
                continue
            if not g.isdigit() and not _NUMBER.match(g):
                if skipped is not None:
                    skipped.append((s, g, "not_figures:not_a_vietnamese_number"))
                continue
            num, den = g, None
        if not ms:
            by_sentence[i] = ms
        ms.append((s - a, e - a, num, den))
    added: set[int] = set()
    if "hàng " in low_text:  # numbers in words: (start, end, None, value)
        starts = [a for a, _ in spans]
        for m in _WORD_NUMERAL.finditer(low_text):
            s = m.start("num")
            i = bisect_right(starts, s) - 1
            if i < 0 or s >= spans[i][1]:
                continue
            value = 1.0
            for w in m.group("num").split():
                value *= _WORD_SCALES[w]
            by_sentence.setdefault(i, []).append((s - spans[i][0], m.end() - spans[i][0], None, value))
            added.add(i)
        for i in added:
            by_sentence[i].sort(key=lambda t: t[0])
        if added:
            by_sentence = dict(sorted(by_sentence.items()))
    return by_sentence


def candidate(sent: str, low: str, s: int, e: int, num: str, den: str | None, quoted: bool = True) -> Cand | str:
    """The candidate figure of the digits at sent[s:e] (den: a fraction's denominator), or the reason
    (a not_figures rule id) it is not a figure."""
    right = sent[e : e + 2]
    left_low = low[s - 60 if s > 60 else 0 : s]  # (not max(): a call per number)
    tail = tail_of(left_low)
    q = tail.qualifier
    qualifier = QUALIFIER_OF[q] if q else "exact"
    if q:  # look through the qualifier: "tăng hơn 5 vụ"
        tail = tail_of(left_low[: len(left_low.rstrip()) - len(q)])
    why = not_figures.why_not(sent, low, s, e, num, den, left_low, tail, quoted)
    maybe_year = den is None and len(num) == 4 and "1900" <= num <= "2100"  # not_figures.could_be_year, inline
    if maybe_year and (why or not_figures.year_before(tail)):
        return "not_figures:year"  # "năm 2024", "giai đoạn 2021", "2019-2024"
    if why:
        return why
    value = float(int(num)) if num.isdecimal() else value_of(num)  # (value_of's common case, inline)
    surface_end = e
    dval = value_of(den) if den is not None else None
    # positional arguments below: a dataclass's __init__ takes keywords much more slowly, and this runs
    # per number
    if right[:1] == " " and right[1:].isalpha() and right[1:] not in "nNvVtT":
        # a space then a word no scale word starts (the common case): the unit starts there, as
        # _TRAIL would say
        c = Cand(s, e, sent[s:e], value, dval, False, qualifier, e + 1)
        if maybe_year:
            c.maybe_year = True
        return c
    # what follows the digits: a scale word, a percent sign, opening quotes, in one match
    tm = _TRAIL.match(sent, e)
    scale = tm.group("scale")
    if scale and den is None:
        value = apply_scale(value, scale)
        surface_end = tm.end("scale")
    pct = tm.group("pct") is not None
    u = tm.end()
    if maybe_year and (pct or surface_end != e):
        maybe_year = False  # "2000%" or "2.000 triệu" is no year
    c = Cand(s, surface_end, sent[s:surface_end], value, dval, pct, qualifier, u)
    if maybe_year:
        c.maybe_year = True
    return c


def word_candidate(sent: str, low: str, s: int, e: int, value: float) -> Cand | str:
    """A number written in words after "hàng" ("hàng triệu nguồn tin"): qualifier about."""
    left_low = low[max(0, s - 60) : s].rstrip()
    if tail_of(left_low[: -len("hàng")]).kinds & {"change", "identifier", "date"}:
        return "not_figures:change_or_name"  # "tăng hàng nghìn vụ"
    u = e
    while u < len(sent) and sent[u] in " \"“'‘«(":
        u += 1
    return Cand(s=s, e=e, surface=sent[s:e], value=value, den=None, pct=False, qualifier="about", u=u)
