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

from ..lexicon import (
    AWARD_TYPE_LOW_RE,
    AWARD_TYPE_OF,
    GIVE_VERBS,
    ISSUER_GAP,
    ISSUER_OF_AWARD,
    ISSUER_RE,
    PROPOSED_LOW_RE,
    clean_issuer,
    issuer_matches,
    issuer_ok,
)

_GIVES_BEFORE_LIST = re.compile(
    r"(?:cho|tặng|trao tặng|trao|khen thưởng|tặng thưởng|khen|tuyên dương|biểu dương)\s*(?:các\s+|cho\s+)?[\"“]?$", re.I
)
# an issuer's giving verb, after function words: "đã tặng", "vừa trao", "cũng đã quyết định tặng"
_GIVE_VERB = re.compile(rf"^\s*(?:(?:{ISSUER_GAP})\s+)*(?:{GIVE_VERBS})(?!\w)", re.I)
_CHAIN_GAP = re.compile(r"^\s*(?:,\s*(?:và\s+)?|và\s+|cùng\s+)$")
# "của"/"do" after the award, past its quoted name: "kỷ niệm chương “Bảo vệ an ninh Tổ quốc” của Bộ Công an"
_OF = re.compile(r"^\s*(?:[\"“][^\"“”]{1,80}[\"”]\s*)?(?:của|do)\s+", re.I)
# praise with no award named (FIGURES.md "Awards": award_type other): "UBND tỉnh đã tuyên dương 99 tập
# thể", "được Chủ tịch UBND xã biểu dương, khen thưởng"
_PRAISE = re.compile(r"(?<!\w)(?:tuyên dương|biểu dương|vinh danh)(?!\w)", re.I)


def _lower(s: str) -> str:
    low = s.lower()
    return low if len(low) == len(s) else "".join(c.lower()[0] for c in s)


def _award_types(low: str) -> list[tuple[str, int, int]]:
    """The awards named in lower-cased text: (code, start, end), in order."""
    out = []
    for m in AWARD_TYPE_LOW_RE.finditer(low):
        s = m.start()
        if s and (low[s - 1].isalnum() or low[s - 1] == "_"):
            continue
        out.append((AWARD_TYPE_OF[m.group(1)], s, m.end()))
    return out


def _proposed(low: str) -> bool:
    for m in PROPOSED_LOW_RE.finditer(low):
        s = m.start()
        if not s or not (low[s - 1].isalnum() or low[s - 1] == "_"):
            return True
    return False


def _award_chain(text: str, found: list[tuple[str, int, int]]) -> tuple[list[str], int, int]:
    """The last run of the awards `found` in text ("Giấy khen, Bằng khen"): codes, start, end."""
    if not found:
        return [], -1, -1
    chain = [found[-1]]
    for t in reversed(found[:-1]):
        if _CHAIN_GAP.match(text[t[2] : chain[0][1]]):
            chain.insert(0, t)
        else:
            break
    codes = []
    for c, _, _ in chain:
        if c not in codes:
            codes.append(c)
    return codes, chain[0][1], chain[-1][2]


def _issuers_in(text: str) -> list[str]:
    out = []
    for m in issuer_matches(text):
        name = clean_issuer(m.group())
        if issuer_ok(name) and name not in out:
            out.append(name)
    return out


def _issuer_chain_before(text: str) -> tuple[list[str], int]:
    """Issuers right before a giving verb at the end of text: "Công an tỉnh và Ủy ban MTTQ tỉnh đã tặng"."""
    ms = [m for m in issuer_matches(text) if issuer_ok(m.group())]
    for i in range(len(ms) - 1, -1, -1):
        if _GIVE_VERB.match(text[ms[i].end() :]):
            chain = [ms[i]]
            for m in reversed(ms[:i]):
                if _CHAIN_GAP.match(text[m.end() : chain[0].start()]):
                    chain.insert(0, m)
                else:
                    break
            return [clean_issuer(m.group()) for m in chain], chain[0].start()
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
        out.append(clean_issuer(im.group()))
        gap = re.match(r"\s*(?:,\s*(?:và\s+)?|và\s+)", text[im.end() :])
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
    before_types = _award_types(_lower(before))
    if _GIVES_BEFORE_LIST.search(before, max(0, len(before) - 40)):  # the list's verb ends `before`
        types, a, b = _award_chain(before, before_types)
        if types:
            issuers = _issuers_after_of(before[b:])
            if not issuers:
                issuers, start = _issuer_chain_before(before[:a])
                status_text = before[max(0, start - 40) :] if start >= 0 else before[max(0, a - 60) :]
            else:
                status_text = before[max(0, a - 60) :]
        else:  # "... tặng cho 5 tập thể" with the award named later
            issuers, start = _issuer_chain_before(before)
            status_text = before[max(0, start - 40) :] if start >= 0 else ""
    if not types:
        after_types = _award_types(_lower(after))
        if after_types:
            # everything given after the run: "được Bộ trưởng Bộ Công an, UBND tỉnh tặng Bằng khen,
            # Giám đốc Công an tỉnh tặng Giấy khen"
            for c, _, _ in after_types:
                if c not in types:
                    types.append(c)
            last_end = after_types[-1][2]
            scope = after[:last_end]
            issuers = _issuers_in(scope) or _issuers_after_of(after[last_end:])
            status_text = scope
    if not types:  # award named before without a "cho": "Bằng khen của UBND tỉnh: 5 tập thể"
        types, a, b = _award_chain(before, before_types)
        if types:
            issuers = _issuers_after_of(before[b:]) or _issuer_chain_before(before[:a])[0]
            status_text = before[max(0, a - 60) :]
    if not types:  # praised, no award named: "đã tuyên dương 99 tập thể", "được ... biểu dương"
        praised_before = _GIVES_BEFORE_LIST.search(before, max(0, len(before) - 40))
        pm = _PRAISE.search(before[praised_before.start() :]) if praised_before else _PRAISE.search(after)
        if pm:
            types = ["other"]
            if not praised_before and not issuers:
                issuers = _issuer_chain_before(after[: pm.end()])[0]
    if not issuers and types:  # an award only one body gives: "Kỷ niệm chương Bảo vệ an ninh Tổ quốc"
        text = _lower(before + " " + after)
        issuers = [name for rx, name in ISSUER_OF_AWARD if rx.search(text)][:1]
    if not types and (_PRAISE.search(after) or _PRAISE.search(before, max(0, len(before) - 60))):
        types = ["other"]  # FIGURES.md: "tuyên dương", "biểu dương" with no award named
        status_text = status_text or after
    if issuers:
        attrs["issuer"] = _one_or_list(issuers)
    if types:
        attrs["award_type"] = _one_or_list(types)
    attrs["status"] = "proposed" if _proposed(_lower(status_text)) else "awarded"
    return attrs
