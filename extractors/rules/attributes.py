"""Step 5 of figures.py: the attributes a figure's sentence gives it beyond its unit: awards (issuer,
award type, status: rules/awards.py), a model's status (active, recognised, replicated), a campaign's
activity. The words are in lexicons/attributes.yaml, awards.yaml and words.yaml.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import deque

from ..lexicon import (
    ACTIVITY_GAP_RE,
    ACTIVITY_KEYWORDS,
    ACTIVITY_RE,
    MODEL_RECOGNISED_RE,
    MODEL_REPLICATED_INTO_RE,
    MODEL_REPLICATED_RE,
)
from . import awards
from .candidates import Cand

# between two counts of one list; the comma may be left out ("cho 01 cá nhân 03 tập thể")
RUN_GAP = re.compile(r"[ ]*(?:,|và|, và)?[ ]*(?:hơn |trên |gần )?$")


def award_attrs(sent: str, low: str, cands: list[Cand]) -> None:
    """Resolve awards per run of recipient counts ("03 tập thể, 05 cá nhân")."""
    runs: list[list[Cand]] = []
    for c in cands:
        if not c.measure or not c.measure.startswith("awards."):
            continue
        if runs and RUN_GAP.match(low, runs[-1][-1].unit_end, c.s):
            runs[-1].append(c)
        else:
            runs.append([c])
    for k, run in enumerate(runs):
        ca, cb = run[0].ca, run[0].cb
        b0 = max(ca, runs[k - 1][-1].unit_end if k and runs[k - 1][-1].s >= ca else ca)
        nxt = runs[k + 1][0].s if k + 1 < len(runs) and runs[k + 1][0].s < cb else cb
        before = sent[max(b0, run[0].s - 300) : run[0].s]
        after = sent[run[-1].unit_end : min(nxt, run[-1].unit_end + 400)]
        attrs = awards.resolve(before, after)
        for c in run:
            c.attrs.update(attrs)
            if attrs:
                if c.how is not None:  # (recorded for --explain only)
                    c.how.append(
                        ("awards.py:resolve", " … ".join(p for p in (before[-80:].strip(), after[:80].strip()) if p))
                    )


def model_status(low: str, cands: list[Cand]) -> None:
    """Whether models are recognised (by the Ministry, nationwide), replicated, or just active, as
    said around each count, between its neighbours: "03 mô hình được Bộ Công an ghi nhận",
    "được Bộ Công an thông báo nhân rộng trong toàn quốc 02 mô hình", "Duy trì 35 mô hình"."""
    for i, c in enumerate(cands):
        if not (c.rule and c.rule.kind == "model"):
            continue
        if "status" in c.attrs:
            continue  # set by its rule: "660 điểm nhân rộng", "98 điểm mô hình"
        ca, cb = c.ca, c.cb
        lo = max(ca, cands[i - 1].unit_end if i else ca)
        hi = min(cb, cands[i + 1].s if i + 1 < len(cands) else cb)
        prev = cands[i - 1] if i else None
        if (
            prev is not None
            and prev.rule
            and prev.rule.kind == "model"
            and prev.s >= ca
            and RUN_GAP.match(low, prev.unit_end, c.s)
        ):
            c.attrs["status"] = prev.attrs[
                "status"
            ]  # one verb governs the list: "nhân rộng 4 mô hình cấp huyện, 2 mô hình cấp tỉnh"
            continue
        # the words after the last comma before a count govern it, not the count before: "xây dựng
        # 265 mô hình, nhân rộng 67 mô hình"; "12 mô hình được ghi nhận, có 6 mô hình ... nhân rộng"
        comma = low.rfind(",", lo, c.s)
        if comma >= 0:
            lo = comma
        if i + 1 < len(cands) and cands[i + 1].s < cb:
            comma = low.rfind(",", c.unit_end, hi)
            if comma >= 0:
                hi = comma
        ctx = low[lo:hi]
        rm = MODEL_REPLICATED_RE.search(ctx)
        if (
            rm
            and lo + rm.start() >= c.e
            and hi < cb
            and MODEL_REPLICATED_INTO_RE.match(low, lo + rm.end(), hi)
            and not MODEL_REPLICATED_RE.search(low, lo, c.s)
        ):
            rm = None  # "137 mô hình ... nhân rộng tại 767 cơ quan": the replication is the next count's
        c.attrs["status"] = "recognised" if MODEL_RECOGNISED_RE.search(ctx) else "replicated" if rm else "active"


def activities(sent: str, low: str, cands: list[Cand]) -> None:
    """What a campaign figure was about, said in its clause between its neighbours: "470 đợt vận động
    Nhân dân tham gia giữ gìn trật tự, an toàn giao thông" (after it), "... phòng cháy, chữa cháy
    với hơn 274.045 lượt người" (before it)."""
    campaigns = [i for i, c in enumerate(cands) if c.rule and c.rule.kind == "campaign"]
    if not campaigns:
        return
    # where the keywords stand (every activity contains one): the regex runs only on a span that
    # holds one
    keys = []
    for k in ACTIVITY_KEYWORDS:
        p = low.find(k)
        while p >= 0:
            keys.append((p, p + len(k)))
            p = low.find(k, p + 1)
    if not keys:
        return
    keys.sort()
    key_starts = [a for a, _ in keys]

    def has_key(lo: int, hi: int) -> bool:  # a keyword wholly inside low[lo:hi]
        for j in range(bisect_left(key_starts, lo), len(keys)):
            a, b = keys[j]
            if a >= hi:
                return False
            if b <= hi:
                return True
        return False

    for i in campaigns:
        c = cands[i]
        ca, cb = c.ca, c.cb
        lo = max(ca, cands[i - 1].unit_end if i else ca)
        hi = min(cb, cands[i + 1].s if i + 1 < len(cands) else cb)
        m = None
        if has_key(c.u, hi):
            m = ACTIVITY_RE.search(low, c.u, hi)
        if m is None and has_key(lo, c.s):
            m = _last(ACTIVITY_RE.finditer(low, lo, c.s))
            if m is not None and not ACTIVITY_GAP_RE.match(low, m.end(), c.s):
                m = None
        if m:
            c.attrs["activity"] = sent[m.start() : m.end()]


def _last(it):
    """The last item of an iterator, None when it has none."""
    tail = deque(it, maxlen=1)
    return tail[0] if tail else None
