"""Step 3 of figures.py: what a number counts. Its measure comes from the counted noun after it
(its unit), the verb that governs it and the sentence's topic: the first rule of lexicons/units.yaml
whose unit and conditions match. A number with no unit of its own takes the next one's in a list
("12, 15 và 20 vụ"), or the noun named before it ("nâng tổng số mô hình lên 1.567").
"""

from __future__ import annotations

import re

from ..lexicon import (
    CLUSTER_GROUP_TYPE,
    CLUSTER_UNITS,
    CTX,
    LEFT,
    MONEY_SCALES,
    NOT_UNIT,
    POLICE_PERSON_HEADS,
    POLICE_ROLE_RE,
    RIGHT,
    SENT,
    TOTAL_OF_RE,
    UNIT_HEAD_RE,
    UNIT_RULE_INDEX,
    UNIT_STOP_RE,
)
from .candidates import Cand

_RULE_ENTRIES = UNIT_RULE_INDEX.entry_cache

# matched between two numbers (pos, endpos): "12, 15 và 20 vụ"
_NEXT_IN_LIST = re.compile(r"[ ]*(?:,|và|hoặc|đến|tới|-|–)[ ]*(?:hơn |trên |gần |khoảng )?$")


def unit_end(low: str, start: int, min_end: int) -> int:
    """End of the unit's words in the lower-cased sentence: at a stop word or punctuation after
    min_end, at most 8 words."""
    m = UNIT_STOP_RE.search(low, min_end - 1 if min_end and low[min_end - 1] == " " else min_end)
    end = m.start() if m else len(low)
    if end - start > 16:  # room for more than 8 words
        words = low[start:end].split()
        if len(words) > 8:
            end = max(min_end, start + len(" ".join(words[:8])))
    return end


def classify(sent: str, low: str, c: Cand, nxt: Cand | None, cache: dict, _depth: int = 0) -> None:
    """Set c.measure, c.unit and the attributes its rule gives (c.measure None: not a figure)."""
    if c.pct:
        c.unit = "%"
        c.measure = "other"
        if c.how is not None:  # (recorded for --explain only)
            c.how.append(("classify.py:percent", "%"))
        return
    ca, cb = c.ca, c.cb
    ulow = low[c.u : c.u + 90]
    # a number with no unit of its own in a list takes the next one's: "12, 15 và 20 vụ"
    if nxt is not None and not c.den and not nxt.pct and _NEXT_IN_LIST.match(low, c.e, nxt.s):
        c.measure, c.unit, c.rule, c.unit_end = nxt.measure, nxt.unit, nxt.rule, nxt.unit_end
        if c.how is not None:  # (recorded for --explain only)
            c.how.append(("classify.py:list", sent[c.s : nxt.e]))
        if c.measure and c.rule is not None and c.rule.kind in KINDS_WITH_ATTRS:
            kind_attrs(sent, low, c, ca, cb)
        return
    wm = UNIT_HEAD_RE.match(ulow)  # (RuleIndex.entries_for_text's cache, looked up here: no call per number)
    entries = _RULE_ENTRIES.get(wm.group() if wm else "")
    if entries is None:
        entries = UNIT_RULE_INDEX.entries_for_text(ulow)
    for gate, unit_match, measure, checks, r in entries:
        if gate is not None:  # a rule that cannot hold in this sentence is not tried
            holds = cache.get(gate)
            if holds is None:
                holds = cache[gate] = _holds_one(gate, low)
            if not holds:
                continue
        um = unit_match(ulow)
        if um is None:
            continue
        if measure is None and c.den is not None:
            continue  # "77 trong tổng số 89 làng": a fraction is a statistic by its form
        if checks and not _checks_hold(checks, low, c, c.u + um.end(), cache):
            continue
        c.rule = r
        c.measure = measure
        if c.how is not None:  # (recorded for --explain only)
            c.how.append((r.rule_id, sent[c.u : c.u + um.end()]))
        if measure is None:
            return
        c.unit_end = unit_end(low, c.u, c.u + um.end())
        c.unit = sent[c.u : c.unit_end].strip(" \"“”'‘’")
        c.attrs = dict(r.attrs) if r.attrs else {}
        if r.kind in KINDS_WITH_ATTRS:
            kind_attrs(sent, low, c, ca, cb)
        return
    # no unit after the number: "nâng tổng số mô hình lên 1.567", "số tiền 2,5 tỷ"
    end = unit_end(low, c.u, c.u)
    unit = sent[c.u : end].strip(" \"“”'‘’")
    if not unit and not c.den:
        tm = TOTAL_OF_RE.search(low, max(ca, c.s - 100), c.s)
        if tm and not _depth:
            inner = Cand(
                s=c.s,
                e=c.e,
                surface=c.surface,
                value=c.value,
                den=None,
                pct=False,
                qualifier=c.qualifier,
                u=tm.start("noun"),
                ca=ca,
                cb=cb,
                how=[] if c.how is not None else None,
            )
            classify(sent, low, inner, None, cache, _depth=1)
            if inner.measure:
                c.measure, c.rule, c.attrs = inner.measure, inner.rule, inner.attrs
                c.unit, c.unit_end = inner.unit, c.e
                if c.how is not None:  # (recorded for --explain only)
                    c.how.append(("classify.py:total_of", sent[tm.start() : tm.end()]))
                if c.how is not None:
                    c.how.extend(inner.how or ())
                return
        if c.surface.rsplit(" ", 1)[-1].lower() in MONEY_SCALES:
            c.measure, c.unit, c.unit_end = "money.vnd", "đồng", c.e  # "trị giá 2,5 tỷ": an amount of money
            if c.how is not None:  # (recorded for --explain only)
                c.how.append(("classify.py:money_scale", c.surface))
            return
    # no rule: a statistic of its own kind, if a noun follows
    first = unit.split(" ", 1)[0].lower() if unit else ""
    if first and first[0].isalpha() and first not in NOT_UNIT:
        c.measure, c.unit, c.unit_end = "other", unit, end
        if c.how is not None:  # (recorded for --explain only)
            c.how.append(("classify.py:no_rule_other", unit))


def _holds_one(literals: tuple[str, ...], low: str) -> bool:
    """Whether low holds one of the literals (a loop, not any(): no generator to set up)."""
    for lit in literals:
        if lit in low:
            return True
    return False


def _checks_hold(checks: tuple, low: str, c: Cand, unit_end: int, cache: dict) -> bool:
    """Whether a rule's conditions (UnitRule.checks) hold for c, whose unit ends at unit_end.
    Whether a pattern occurs in the whole sentence is remembered for the sentence (`cache`); a clause's
    span differs from number to number, so those searches are not."""
    for where, pat, present, starts in checks:
        if starts is not None:  # none of the literals a match starts with is in the sentence: no match
            occurs = cache.get(starts)
            if occurs is None:
                occurs = cache[starts] = _holds_one(starts, low)
            if not occurs:
                if present:
                    return False
                continue
        if where == LEFT:
            found = pat.search(low, c.ca, c.s) is not None
        elif where == RIGHT:  # from the unit's end, so that "^" anchors there
            found = pat.search(low[unit_end : c.cb]) is not None
        elif where == CTX:
            found = pat.search(low, c.ca, c.s) is not None or pat.search(low, c.e, c.cb) is not None
        elif where == SENT:
            key = id(pat)  # not pat: a Pattern's hash runs over its whole compiled code every time
            found = cache.get(key)
            if found is None:
                found = cache[key] = pat.search(low) is not None
        else:  # NOT_RIGHT: from the number's end
            found = pat.search(low, c.e, c.cb) is not None
        if found is not present:
            return False
    return True


# the kinds of rule kind_attrs reads attributes for (it is called for those only)
KINDS_WITH_ATTRS = frozenset({"group", "police", "coverage"})


def kind_attrs(sent: str, low: str, c: Cand, ca: int, cb: int) -> None:
    """The attributes a rule's kind reads from the unit: group type, police role, unit kind."""
    kind = c.rule.kind if c.rule else None
    if kind == "group":
        gt = c.unit
        if low.startswith(CLUSTER_UNITS, c.u) and CLUSTER_GROUP_TYPE in low:
            gt = CLUSTER_GROUP_TYPE
        c.attrs["group_type"] = gt[:1].lower() + gt[1:]
    elif kind == "police":
        role = c.unit
        head = role.split(" ", 1)
        if head[0].lower() in POLICE_PERSON_HEADS:
            parts = role.split(" ", 2)
            rest = parts[2] if role.lower().startswith("đồng chí") and len(parts) > 2 else ""
            if not rest:
                ms = list(POLICE_ROLE_RE.finditer(sent, ca, c.s))
                if not ms:  # named after the count: "384 đồng chí/74 đơn vị Công an xã"
                    ms = [m for m in [POLICE_ROLE_RE.search(sent, c.unit_end, cb)] if m]
                rest = ms[-1].group() if ms else ""
            role = rest or role
        c.attrs["role"] = role
    elif kind == "coverage":
        c.attrs["unit_kind"] = c.unit
