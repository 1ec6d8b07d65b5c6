"""Sentences and clauses, as character spans of the text.

A sentence ends at a line break, or at ". ! ? …" followed by space and a capital, a digit or a
quote ("1.107" and "TP. Hồ Chí Minh" do not end one). A clause is a part of a sentence between ";".
"""

from __future__ import annotations

import re

_END = re.compile(r"[.!?…][.!?…]*[\"”’)]?[ \t]+")  # what ends a sentence (scanned as _END_AT)
# the same, one pattern per opening mark: a pattern that opens with a literal is scanned for at C
# speed (a character class is tried character by character); "!", "?", "…" only when the text has one
_END_AT = {c: re.compile(re.escape(c) + r"[.!?…]*[\"”’)]?[ \t]+") for c in ".!?…"}
_ABBREV_END = re.compile(r"(?:^|\s)(?:TP|Tp|tp|TT|ThS|TS|PGS|GS|Th\.S|St|Đ/c|đ/c|v\.v|Ths|BS|KS)\.$")
_OPENING = '"“‘('


def sentences(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of the sentences of text, stripped of surrounding space."""
    spans: list[tuple[int, int]] = []
    n = len(text)
    ends = _ends(text)
    ends.append((n + 1, n + 1))  # past the last line: no bounds checks below
    k = 0
    line_start = 0
    while line_start <= n:
        line_end = text.find("\n", line_start)
        if line_end < 0:
            line_end = n
        start = line_start
        while ends[k][0] < line_start:
            k += 1
        while ends[k][0] < line_end:
            mark, j = ends[k]
            k += 1
            if j >= line_end:
                continue
            c = text[j]
            if c in _OPENING and j + 1 < line_end:
                c = text[j + 1]
            # ". " ends a sentence only before a capital, a digit or an opening quote
            if not (c.isupper() or c.isdigit()):
                continue
            if _ABBREV_END.search(text, max(start, mark - 6), mark + 1):
                continue
            _add(text, start, mark + 1, spans)
            start = j
        if start < line_end:  # not an empty line
            if text[start].isspace() or text[line_end - 1].isspace():
                _add(text, start, line_end, spans)
            else:
                spans.append((start, line_end))  # nothing to strip (_add's common case, inline)
        line_start = line_end + 1
    return spans


def _ends(text: str) -> list[tuple[int, int]]:
    """The spans of the matches of _END in text, in order, as _END.finditer would find them (a match
    never spans a line: it holds no line break)."""
    marks = [c for c in "!?…" if c in text]
    if not marks:
        return [m.span() for m in _END_AT["."].finditer(text)]
    found = sorted(m.span() for c in (".", *marks) for m in _END_AT[c].finditer(text))
    out: list[tuple[int, int]] = []
    for m in found:  # a run of marks ("?.", "!!") is one match, from its first mark
        if not out or m[0] >= out[-1][1]:
            out.append(m)
    return out


def _add(text: str, a: int, b: int, spans: list) -> None:
    if a < b and not text[a].isspace() and not text[b - 1].isspace():
        spans.append((a, b))  # nothing to strip (most sentences)
        return
    seg = text[a:b]
    body = seg.lstrip()
    if body:
        a += len(seg) - len(body)
        spans.append((a, a + len(body.rstrip())))


def clause_bounds(sentence: str, pos: int, limit: int | None = None) -> tuple[int, int]:
    """The clause of sentence around position pos: between the ";" before and after it; given a
    limit, no more than that many characters on either side of pos."""
    lo, hi = (0, len(sentence)) if limit is None else (max(0, pos - limit), min(len(sentence), pos + limit))
    a = sentence.rfind(";", lo, pos) + 1 or lo
    b = sentence.find(";", pos, hi)
    return a, (hi if b < 0 else b)
