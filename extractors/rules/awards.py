"""Who gave an award, which award, and whether it was given or only proposed.

Vietnamese writes an award in two orders:
  recipients first:  "9 tập thể, 01 cá nhân được UBND tỉnh tặng bằng khen"
                     "01 tập thể, 01 cá nhân ... đề nghị Bộ trưởng Bộ Công an tặng Bằng khen"
  award first:       "trao tặng Bằng khen của Chủ tịch UBND tỉnh cho 03 tập thể, 05 cá nhân"
                     "Giám đốc Công an tỉnh tặng Giấy khen cho 06 tập thể"
                     "Công an tỉnh và Ủy ban MTTQ tỉnh đã tặng Giấy khen, Bằng khen cho 02 tập thể"
`resolve` reads the text before a run of recipient counts (when it ends in "cho"/"tặng") or the
text after it, within the clause.
"""
from __future__ import annotations

import re

from ..lexicon import AWARD_TYPE_OF, AWARD_TYPE_RE, ISSUER_RE, PROPOSED_RE, issuer_ok

_GIVES_BEFORE_LIST = re.compile(
    r"(?:cho|tặng|trao tặng|trao|khen thưởng|tặng thưởng|khen|tuyên dương|biểu dương)\s*(?:các\s+|cho\s+)?[\"“]?$",
    re.I)
_GIVE_VERB = re.compile(r"^\s*(?:đã\s+|cũng\s+|đồng thời\s+|vinh dự\s+)?(?:trao tặng|tặng thưởng|tặng|trao|khen thưởng)(?!\w)", re.I)
_CHAIN_GAP = re.compile(r"^\s*(?:,\s*(?:và\s+)?|và\s+|cùng\s+)$")
_OF = re.compile(r"^\s*(?:của|do)\s+", re.I)


def _award_chain(text: str) -> tuple[list[str], int, int]:
    """The last run of award types in text ("Giấy khen, Bằng khen"): codes, start, end."""
    ms = list(AWARD_TYPE_RE.finditer(text))
    if not ms:
        return [], -1, -1
    chain = [ms[-1]]
    for m in reversed(ms[:-1]):
        if _CHAIN_GAP.match(text[m.end():chain[0].start()]):
            chain.insert(0, m)
        else:
            break
    codes = []
    for m in chain:
        c = AWARD_TYPE_OF[m.group(1).lower()]
        if c not in codes:
            codes.append(c)
    return codes, chain[0].start(), chain[-1].end()


def _issuers_in(text: str) -> list[str]:
    out = []
    for m in ISSUER_RE.finditer(text):
        name = m.group().strip()
        if issuer_ok(name) and name not in out:
            out.append(name)
    return out


def _issuer_chain_before(text: str) -> tuple[list[str], int]:
    """Issuers right before a giving verb at the end of text: "Công an tỉnh và Ủy ban MTTQ tỉnh đã tặng"."""
    ms = [m for m in ISSUER_RE.finditer(text) if issuer_ok(m.group())]
    for i in range(len(ms) - 1, -1, -1):
        if _GIVE_VERB.match(text[ms[i].end():]):
            chain = [ms[i]]
            for m in reversed(ms[:i]):
                if _CHAIN_GAP.match(text[m.end():chain[0].start()]):
                    chain.insert(0, m)
                else:
                    break
            return [m.group() for m in chain], chain[0].start()
    return [], -1


def _issuers_after_of(text: str) -> list[str]:
    """Issuers right after "của": "Bằng khen của Chủ tịch UBND tỉnh"."""
    m = _OF.match(text)
    if not m:
        return []
    pos = m.end()
    out = []
    while True:
        im = ISSUER_RE.match(text, pos)
        if not im or not issuer_ok(im.group()):
            break
        out.append(im.group())
        gap = re.match(r"\s*(?:,\s*(?:và\s+)?|và\s+)", text[im.end():])
        if not gap:
            break
        pos = im.end() + gap.end()
    return out


def _one_or_list(xs: list[str]):
    return xs[0] if len(xs) == 1 else xs


def resolve(before: str, after: str) -> dict:
    """Attributes issuer, award_type, status of a run of recipient counts, from the clause text
    before the run and after it."""
    attrs: dict = {}
    types: list[str] = []
    issuers: list[str] = []
    status_text = ""
    if _GIVES_BEFORE_LIST.search(before):
        types, a, b = _award_chain(before)
        if types:
            issuers = _issuers_after_of(before[b:])
            if not issuers:
                issuers, start = _issuer_chain_before(before[:a])
                status_text = before[max(0, start - 40):] if start >= 0 else before[max(0, a - 60):]
            else:
                status_text = before[max(0, a - 60):]
        else:  # "... tặng cho 5 tập thể" with the award named later
            issuers, start = _issuer_chain_before(before)
            status_text = before[max(0, start - 40):] if start >= 0 else ""
    if not types:
        m = AWARD_TYPE_RE.search(after)
        if m:
            # everything given after the run: "được Bộ trưởng Bộ Công an, UBND tỉnh tặng Bằng khen,
            # Giám đốc Công an tỉnh tặng Giấy khen"
            for tm in AWARD_TYPE_RE.finditer(after):
                c = AWARD_TYPE_OF[tm.group(1).lower()]
                if c not in types:
                    types.append(c)
            last = list(AWARD_TYPE_RE.finditer(after))[-1]
            scope = after[:last.end()]
            issuers = _issuers_in(scope) or _issuers_after_of(after[last.end():])
            status_text = scope
    if not types:  # award named before without a "cho": "Bằng khen của UBND tỉnh: 5 tập thể"
        types, a, b = _award_chain(before)
        if types:
            issuers = _issuers_after_of(before[b:]) or _issuer_chain_before(before[:a])[0]
            status_text = before[max(0, a - 60):]
    if issuers:
        attrs["issuer"] = _one_or_list(issuers)
    if types:
        attrs["award_type"] = _one_or_list(types)
    attrs["status"] = "proposed" if PROPOSED_RE.search(status_text) else "awarded"
    return attrs
