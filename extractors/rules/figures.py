"""Every figure of a report: find the numbers, drop those that are not figures, read what each
counts, and fill its attributes.

The pipeline, per sentence:
  1. candidates: every number as written ("1.107", "48,55 triệu", "252.554/250.814", "106,7%"), and
     numbers in words after "hàng" ("hàng triệu nguồn tin": 1 000 000, qualifier about);
  2. not figures: dates, years, ranges, identifiers ("Đề án 06", "09/CTr-BCA-MTTW"), durations
     ("5 năm qua"), ages, changes ("giảm 12 vụ"), list markers;
  3. unit and measure: the first rule of lexicons/units.yaml whose unit and context match; a number
     with no unit of its own takes the unit of the next one in its list ("12, 15 và 20 vụ");
  4. attributes: awards (issuer, award type, status), fractions (target/total, stated %),
     model status, group type, police role, part_of ("726 nguồn tin, trong đó 655 ...", and a
     sentence that opens with "Trong đó" lists parts of a whole of the sentence before).
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from ..lexicon import (ACTIVITY_KEYWORDS, ACTIVITY_RE, COVERAGE_NOUN_RE, FRACTION_JOINER_RE, NAME_MAX_WORDS,
                       NAME_QUOTES, NOT_UNIT, PCT_NOT_FIGURE_BEFORE_RE, PCT_TARGET_AFTER_RE,
                       PERIOD_COMPARISON_RE, PLACE_AFTER_RE, QUALIFIER_OF, UNIT_RULE_INDEX, UNIT_STOP_RE, UPPER,
                       UnitRule, tail_of)
from ..model import Figure
from ..numbers import NUMBER_RE, SCALES, apply_scale, parse_number, value_of
from . import awards
from .segment import clause_bounds, sentences

# digits first, so the scan runs at C speed; the Vietnamese form is checked after
_CAND = re.compile(r"[0-9][0-9]*(?:[.,][0-9]+)*(?:[ ]?/[ ]?[0-9]+(?:[.,][0-9]+)*)?")
_NUMBER = re.compile(rf"(?:{NUMBER_RE})$")
# right after a number: what makes it part of something that is not a count
_ATTACHED = re.compile(r"(?:[ ]?/[ ]?\d|[.,]\d|[ ]?[-–][ ]?\d|/[^\W\d]|[-–][^\W\d_]|(?!(?:kg|km|ha|m|tấn|tr|h)(?!\w))[^\W\d_])", re.I)
_TRAIL = re.compile(rf"(?:[ ](?P<scale>{'|'.join(sorted(SCALES, key=len, reverse=True))})(?!\w))?"
                    r"(?P<pct>[ ]?%)?[ ]*[\"“”'‘«(]*[ ]*", re.I)
_RANGE_END = re.compile(r"\d[ ]?[-–/][ ]?$")
_MONTH_AFTER = re.compile(r"[ ]?(?:tháng|/)")
_MARKER_END = re.compile(r"[.)][ ]")
_LIST_MARKER = re.compile(r"^[ \t]*$")
# an abbreviation in brackets right before a number: "Ban Chỉ đạo (BCĐ) 138"
_ABBR_BEFORE = re.compile(r"[ ]?\([^\W\d][\w.&-]{0,11}\)[ ]$")
# matched between two numbers (pos, endpos): "12, 15 và 20 vụ"
_NEXT_IN_LIST = re.compile(r"[ ]*(?:,|và|hoặc|đến|tới|-|–)[ ]*(?:hơn |trên |gần |khoảng )?$")
_STATED_PCT = re.compile(r"đạt[ ]+(?:tỷ lệ[ ]+|tỉ lệ[ ]+)?(?P<pct>\d+(?:,\d+)?)[ ]?%")
_REACHED = re.compile(r"đạt[ ]*$")
# the counted noun named before the number: "nâng tổng số mô hình lên 1.567", "tổng số tổ an ninh là 845"
# ("... lên con số 85": "con số" only restates that a number follows)
_TOTAL_OF = re.compile(r"(?:tổng số|số lượng|tổng cộng|số)[ ]+(?P<noun>[^\d,;:.()]{2,70}?)[ ]*(?:lên|lên tới|là|đạt|có|được|gồm)?[ ]*(?:con số|mức)?[ ]*(?:hơn|gần|khoảng|trên|tới)?[ ]*:?[ ]*$")
# between two counts of one list; the comma may be left out ("cho 01 cá nhân 03 tập thể")
_RUN_GAP = re.compile(r"[ ]*(?:,|và|, và)?[ ]*(?:hơn |trên |gần )?$")
_ACTIVITY_GAP = re.compile(r"[ ,]*(?:với|cho|thu hút|có|được)?[ ]*(?:hơn|gần|trên|khoảng)?[ ]*$")
_PART_OF = re.compile(r"(?<!\w)(?:trong đó|bao gồm|gồm có|gồm|trong số đó)(?!\w)")
# a sentence that lists the parts of a whole counted in the sentence before: "... với 772 tổ chức
# quần chúng. Trong đó, có 207 tổ an ninh tự quản, 63 tổ hòa giải ..."
_BRACKETED = re.compile(r"\([^()]*\)")
_OPENS_PARTS = re.compile(r"[\W_]*(?:trong đó|trong số đó|bao gồm|gồm có|gồm)(?!\w)")
# a number written in words after "hàng" (FIGURES.md: "hàng" = about): "hàng triệu nguồn tin",
# "hàng vạn đối tượng", "hàng chục nghìn lượt người", "hàng trăm triệu đồng"
_WORD_SCALES = {"chục": 10, "trăm": 100, **SCALES}
_WORD_NUMERAL = re.compile(r"(?<!\w)hàng[ ]+(?P<num>(?:chục|trăm|nghìn|ngàn|vạn|triệu|tỷ|tỉ)"
                           r"(?:[ ]+(?:nghìn|ngàn|vạn|triệu|tỷ|tỉ))?)(?!\w)")
# a related story's teaser opens its line: ">>> Xem thêm video ...", "Tin liên quan: ...", "Đọc thêm: ..."
_TEASER = re.compile(r"[\s>»]*(?:>>|(?:xem thêm|đọc thêm|tin liên quan|bài liên quan)(?!\w))")
_CLUSTER = "cụm an ninh liên hoàn"
_ROLE = re.compile(r"(?:Công an|công an) (?:xã|viên|phường|thị trấn)(?:,? (?:thị trấn|phường))?(?: (?:bán chuyên trách|chính quy))?|[Bb]ảo vệ dân phố|[Dd]ân phòng")
# recognised: by the Ministry or nationwide ("được Bộ Công an phổ biến kinh nghiệm"), or praised; not "cả nước có 4.700 mô hình"
_RECOGNISED = re.compile(r"ghi nhận|công nhận|biểu dương|tuyên dương|toàn quốc|bộ công an[^;]{0,40}(?:thông báo|nhân rộng|phổ biến)")
_REPLICATED = re.compile(r"nhân rộng|nhân điển hình|học tập kinh nghiệm")
# after "nhân rộng": the place or count it was replicated to, up to the next number ("nhân rộng tại 767",
# "nhân rộng ra toàn tỉnh với 206 mô hình")
_REPLICATED_INTO = re.compile(r"[ ]+(?:ra|tại|ở|đến|với|lên)(?!\w)[^,;.]{0,40}$")


@dataclass(slots=True)
class _Cand:
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


def extract_figures(text: str, doc: str, low_text: str | None = None) -> list[Figure]:
    """The figures of a report's text; `low_text` is lower_aligned(text) when the caller has it."""
    spans = sentences(text)
    low_text = lower_aligned(text) if low_text is None else low_text
    by_sentence: dict[int, list[tuple[int, int, str, str | None]]] = {}
    i, a, b, ms = -1, -1, -1, []  # the sentence of the last number, its span, its numbers
    past_end = (len(text) + 1, len(text) + 1)
    for m in _CAND.finditer(text):
        s, e = m.span()
        if s and (text[s - 1].isalnum() or text[s - 1] in "_.,/–-") and not (
                text[s - 1] == "/" and s > 1 and text[s - 2].isalpha()):
            continue  # inside a word, a number or a range; but "41 vụ/59 đối tượng" counts two things
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
                continue  # "12.12.2022", "1.5": not a number as Vietnamese writes it
        else:
            if len(g) == 4 and "1900" <= g <= "2100":
                continue  # a year
            if not g.isdigit() and not _NUMBER.match(g):
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
    out: list[Figure] = []
    prev_i, prev_kept = -2, []
    for i, ms in by_sentence.items():
        a, b = spans[i]
        if _TEASER.match(low_text, a, b):
            continue  # a related story's teaser, page furniture (FIGURES.md "Not figures")
        figures, kept = _sentence_figures(doc, text[a:b], low_text[a:b], a, ms,
                                          prev_kept if prev_i == i - 1 else None)
        out.extend(figures)
        prev_i, prev_kept = i, kept
    return out


def lower_aligned(s: str) -> str:
    """s.lower() with the same length, so offsets stay valid."""
    low = s.lower()
    if len(low) != len(s):  # keep offsets aligned ("İ" lower-cases to two characters)
        low = "".join(c.lower()[0] for c in s)
    return low


def _sentence_figures(doc: str, sent: str, low: str, offset: int, ms,
                      before: list[_Cand] | None = None) -> tuple[list[Figure], list[_Cand]]:
    """The figures of one sentence, and the candidates kept (for the next sentence: `before` are
    those of the sentence right before this one)."""
    cands: list[_Cand] = []
    whole = (0, len(low)) if ";" not in low else None  # one clause: no search per number
    for s, e, num, den in ms:
        c = _candidate(sent, low, s, e, num, den) if num is not None else _word_candidate(sent, low, s, e, den)
        if c is not None:
            c.ca, c.cb = whole or clause_bounds(low, s)
            cands.append(c)
    if not cands:
        return [], []
    _join_fractions(low, cands)
    # measures, from the last number to the first so a number with no unit can take the next one's
    cache: dict = {}
    for i in range(len(cands) - 1, -1, -1):
        c = cands[i]
        nxt = cands[i + 1] if i + 1 < len(cands) else None
        _classify(sent, low, c, nxt, cache)
    for c in cands:
        if c.measure and not c.pct and c.den is None and _is_average(low, c):
            c.measure, c.attrs = "other", {"subject": "average"}  # "5,5 biên chế/xã": a rate, not a count
        if not c.surface[:1].isdigit():
            # "hàng nghìn lượt ...": FIGURES.md makes a number in words optional at best; summed in a
            # mart as 1 000 it would mislead, so it is found (for --explain) but not emitted
            c.drop = True
    _fractions_and_percentages(sent, low, cands)
    _coverage_counts(low, cands)
    kept = [c for c in cands if c.measure and not c.drop]
    _award_attrs(sent, low, kept)
    _model_status(low, kept)
    _activities(sent, low, kept)
    kept = _breakdown(sent, cands, kept)
    _part_of(low, kept, before)
    return [Figure.of(doc=doc, surface=c.surface, value=c.value, unit=c.unit, measure=c.measure,
                      qualifier=c.qualifier, attrs=c.attrs, start=offset + c.s, end=offset + c.e,
                      sentence=sent) for c in kept], kept


def _join_fractions(low: str, cands: list[_Cand]) -> None:
    """ "77 trong tổng số 89 làng": one fraction 77/89 of the noun after the second number."""
    k = 0
    while k + 1 < len(cands):
        c, d = cands[k], cands[k + 1]
        if (c.den is None and d.den is None and not c.pct and not d.pct and c.surface[:1].isdigit()
                and FRACTION_JOINER_RE.match(low, c.e, d.s)):
            c.den, c.u = d.value, d.u
            del cands[k + 1]
        k += 1


_AVERAGE_BEFORE = re.compile(r"(?:trung bình|bình quân)[^,;]{0,12}$")
# "/xã", "/người", "/năm" after a unit: a rate per unit; "tin/bài" is not
_PER_UNIT = re.compile(rf"[ ]?(?:{COVERAGE_NOUN_RE.pattern}|(?:ngày|tuần|tháng|năm|người|đơn vị)(?!\w))")


def _is_average(low: str, c: _Cand) -> bool:
    """ "5,5 biên chế/xã", "trung bình 5,3 Công an chính quy/xã": a per-unit average."""
    end = c.unit_end or c.e
    return ((low[end:end + 1] == "/" and _PER_UNIT.match(low, end + 1) is not None)
            or _AVERAGE_BEFORE.search(low, c.ca, c.s) is not None)


def _candidate(sent: str, low: str, s: int, e: int, num: str, den: str | None) -> _Cand | None:
    right = sent[e:e + 2]
    # a space then a word (the common case) is not attached: after a space, _ATTACHED needs "/", "-" or "–"
    if not (right[:1] == " " and right[1:] not in "/-–") and _ATTACHED.match(sent, e):
        return None  # "06/1/2022", "12.12.2022", "2019-2024", "09/CTr-...", "A1", "14h"
    if den is not None and right[:1].isalpha():
        return None  # "24/24h", "24/7h": a time of day or of the week, not a fraction of counts
    left_low = low[max(0, s - 60):s]
    if _RANGE_END.search(left_low, len(left_low) - 5):
        return None  # the second half of a range or a date
    tail = tail_of(left_low)
    q = tail.qualifier
    qualifier = QUALIFIER_OF[q] if q else "exact"
    if q:  # look through the qualifier: "tăng hơn 5 vụ"
        tail = tail_of(left_low[:len(left_low.rstrip()) - len(q)])
    phrases, kinds = tail.phrases, tail.kinds
    if not phrases and left_low.endswith(") "):
        pm = _ABBR_BEFORE.search(left_low)
        if pm and "identifier" in tail_of(left_low[:pm.start()]).kinds:
            return None  # "Ban Chỉ đạo (BCĐ) 138": the name's abbreviation between name and number
    is_date_word = "date" in kinds
    if den is not None and (is_date_word or (
            "." not in num + den and int(num.split(",")[0]) <= 31 and 1 <= int(den.split(",")[0]) <= 12
            and _looks_like_date_context(phrases))):
        return None  # "ngày 16/10"
    if is_date_word and den is None and _MONTH_AFTER.match(sent, e):
        return None  # "ngày 01 tháng 8"
    if "identifier" in kinds or (
            phrases and phrases[0] == "số" and (len(phrases) < 2 or phrases[1] not in _COUNTING_SO)):
        return None  # "Đề án 06", "Ban Chỉ đạo 138", "Chỉ thị số 12", "số 12 đường Trần Phú"
    if "agency" in kinds and PLACE_AFTER_RE.match(low, e):
        return None  # "Công an 6 tỉnh": a body named by the places it joins
    pct_follows = sent.startswith("%", e) or sent.startswith(" %", e)
    if "change" in kinds and not pct_follows:
        return None  # "giảm 12 vụ (so với cùng kỳ)"; but "giảm 5,83%" is a rate, a figure
    if _in_quoted_name(sent, s, e):
        return None  # “5 tự quản”, "4 an toàn": a name that holds a number
    after = right[:1]
    if after and after in ".)" and _MARKER_END.match(sent, e) and _LIST_MARKER.match(sent[sent.rfind("\n", 0, s) + 1:s]):
        return None  # "1. Kết quả ..."
    if after == ")" and sent[s - 1:s] == "(":
        return None  # "(1)"
    value = value_of(num)
    surface_end = e
    dval = value_of(den) if den is not None else None
    # positional arguments below: a dataclass's __init__ takes keywords much more slowly, and this runs
    # per number
    if after == " " and right[1:].isalpha() and right[1:] not in "nNvVtT":
        # a space then a word no scale word starts (the common case): the unit starts there, as
        # _TRAIL would say
        return _Cand(s, e, sent[s:e], value, dval, False, qualifier, e + 1)
    # what follows the digits: a scale word, a percent sign, opening quotes, in one match
    tm = _TRAIL.match(sent, e)
    scale = tm.group("scale")
    if scale and den is None:
        value = apply_scale(value, scale)
        surface_end = tm.end("scale")
    pct = tm.group("pct") is not None
    u = tm.end()
    return _Cand(s, surface_end, sent[s:surface_end], value, dval, pct, qualifier, u)


def _in_quoted_name(sent: str, s: int, e: int) -> bool:
    """Whether the number at sent[s:e] opens a short quoted name: “5 tự quản”, "4 an toàn"."""
    k = s - 1
    while k >= 0 and sent[k] == " ":
        k -= 1
    if k < 0 or sent[k] not in NAME_QUOTES:
        return _inside_numbered_name(sent, s, e)
    rest = sent[e:e + 60]
    close = next((i for i, ch in enumerate(rest) if ch in "\"”’»"), -1)
    return close > 0 and len(rest[:close].split()) <= NAME_MAX_WORDS and not any(ch in rest[:close] for ch in ",;.")


def _inside_numbered_name(sent: str, s: int, e: int) -> bool:
    """Whether the number at sent[s:e] is a later number of a short quoted name that opens with a
    number: the "3" of “5 không, 3 sạch” (a club's name, not a count)."""
    q = max(sent.rfind(ch, max(0, s - 30), s) for ch in NAME_QUOTES)
    if q < 0 or not sent[q + 1:q + 2].isdigit() or any(ch in sent[q + 1:s] for ch in "\"”’».;"):
        return False
    rest = sent[e:e + 40]
    close = next((i for i, ch in enumerate(rest) if ch in "\"”’»"), -1)
    inner = sent[q + 1:e] + rest[:close]
    return close >= 0 and len(inner.split()) <= NAME_MAX_WORDS + 2 and not any(ch in rest[:close] for ch in ".;")


def _word_candidate(sent: str, low: str, s: int, e: int, value: float) -> _Cand | None:
    """A number written in words after "hàng" ("hàng triệu nguồn tin"): qualifier about."""
    left_low = low[max(0, s - 60):s].rstrip()
    if tail_of(left_low[:-len("hàng")]).kinds & {"change", "identifier", "date"}:
        return None  # "tăng hàng nghìn vụ"
    u = e
    while u < len(sent) and sent[u] in " \"“'‘«(":
        u += 1
    return _Cand(s=s, e=e, surface=sent[s:e], value=value, den=None, pct=False, qualifier="about", u=u)


# "số" before a number names it ("số 12", "Chỉ thị số 12"), except in these: "tổng số 61 loại"
_COUNTING_SO = frozenset(("tổng số", "trong số", "con số", "với số", "trong tổng số", "với tổng số", "có số"))
_DATE_CONTEXT = frozenset(("ngày", "hôm", "sáng", "chiều", "tối", "đêm", "trưa", "từ", "đến", "vào"))


def _looks_like_date_context(phrases) -> bool:
    return bool(phrases) and phrases[0] in _DATE_CONTEXT


def _unit_end(low: str, start: int, min_end: int) -> int:
    """End of the unit's words in the lower-cased sentence: at a stop word or punctuation after
    min_end, at most 8 words."""
    m = UNIT_STOP_RE.search(low, min_end - 1 if min_end and low[min_end - 1] == " " else min_end)
    end = m.start() if m else len(low)
    if end - start > 16:  # room for more than 8 words
        words = low[start:end].split()
        if len(words) > 8:
            end = max(min_end, start + len(" ".join(words[:8])))
    return end


def _classify(sent: str, low: str, c: _Cand, nxt: _Cand | None, cache: dict, _depth: int = 0) -> None:
    if c.pct:
        c.unit = "%"
        c.measure = "other"
        return
    ca, cb = c.ca, c.cb
    ulow = low[c.u:c.u + 90]
    # a number with no unit of its own in a list takes the next one's: "12, 15 và 20 vụ"
    if nxt is not None and _NEXT_IN_LIST.match(low, c.e, nxt.s) and not c.den and not nxt.pct:
        c.measure, c.unit, c.rule, c.unit_end = nxt.measure, nxt.unit, nxt.rule, nxt.unit_end
        if c.measure:
            _kind_attrs(sent, low, c, ca, cb)
        return
    # the clause and sentence conditions of the rules, each searched once per span of the sentence
    n = len(low)
    for r in UNIT_RULE_INDEX.for_text(ulow):
        um = r.unit.match(ulow)
        if not um:
            continue
        if r.measure is None and c.den is not None:
            continue  # "77 trong tổng số 89 làng": a fraction is a statistic by its form
        if r.left and not _has(cache, r.left, low, ca, c.s):
            continue
        if r.right and not r.right.search(low[c.u + um.end():cb]):
            continue
        if r.ctx and not (_has(cache, r.ctx, low, ca, c.s) or _has(cache, r.ctx, low, c.e, cb)):
            continue
        if r.sent and not _has(cache, r.sent, low, 0, n):
            continue
        if r.not_left and _has(cache, r.not_left, low, ca, c.s):
            continue
        if r.not_right and _has(cache, r.not_right, low, c.e, cb):
            continue
        if r.not_ctx and (_has(cache, r.not_ctx, low, ca, c.s) or _has(cache, r.not_ctx, low, c.e, cb)):
            continue
        if r.not_sent and _has(cache, r.not_sent, low, 0, n):
            continue
        c.rule = r
        c.measure = r.measure
        if r.measure is None:
            return
        c.unit_end = _unit_end(low, c.u, c.u + um.end())
        c.unit = sent[c.u:c.unit_end].strip(" \"“”'‘’")
        c.attrs = dict(r.attrs) if r.attrs else {}
        _kind_attrs(sent, low, c, ca, cb)
        return
    # no unit after the number: "nâng tổng số mô hình lên 1.567", "số tiền 2,5 tỷ"
    end = _unit_end(low, c.u, c.u)
    unit = sent[c.u:end].strip(" \"“”'‘’")
    if not unit and not c.den:
        tm = _TOTAL_OF.search(low, max(ca, c.s - 100), c.s)
        if tm and not _depth:
            inner = _Cand(s=c.s, e=c.e, surface=c.surface, value=c.value, den=None, pct=False,
                          qualifier=c.qualifier, u=tm.start("noun"), ca=ca, cb=cb)
            _classify(sent, low, inner, None, cache, _depth=1)
            if inner.measure:
                c.measure, c.rule, c.attrs = inner.measure, inner.rule, inner.attrs
                c.unit, c.unit_end = inner.unit, c.e
                return
        if c.surface.rsplit(" ", 1)[-1].lower() in ("triệu", "tỷ", "tỉ"):
            c.measure, c.unit, c.unit_end = "money.vnd", "đồng", c.e  # "trị giá 2,5 tỷ": an amount of money
            return
    # no rule: a statistic of its own kind, if a noun follows
    first = unit.split(" ", 1)[0].lower() if unit else ""
    if first and first[0].isalpha() and first not in NOT_UNIT:
        c.measure, c.unit, c.unit_end = "other", unit, end


def _has(cache: dict, pat, low: str, a: int, b: int) -> bool:
    """Whether pat occurs in low[a:b], remembered for the sentence."""
    key = (id(pat), a, b)  # not pat: a Pattern's hash runs over its whole compiled code every time
    hit = cache.get(key)
    if hit is None:
        hit = cache[key] = pat.search(low, a, b) is not None
    return hit


def _kind_attrs(sent: str, low: str, c: _Cand, ca: int, cb: int) -> None:
    kind = c.rule.kind if c.rule else None
    if kind == "group":
        gt = c.unit
        if low.startswith(("cụm", "tuyến"), c.u) and _CLUSTER in low:
            gt = _CLUSTER
        c.attrs["group_type"] = gt[:1].lower() + gt[1:]
    elif kind == "police":
        role = c.unit
        head = role.split(" ", 1)
        if head[0].lower() in ("đồng", "cán", "chiến", "lượt"):
            parts = role.split(" ", 2)
            rest = parts[2] if role.lower().startswith("đồng chí") and len(parts) > 2 else ""
            if not rest:
                ms = list(_ROLE.finditer(sent, ca, c.s))
                if not ms:  # named after the count: "384 đồng chí/74 đơn vị Công an xã"
                    ms = [m for m in [_ROLE.search(sent, c.unit_end, cb)] if m]
                rest = ms[-1].group() if ms else ""
            role = rest or role
        c.attrs["role"] = role
    elif kind == "coverage":
        c.attrs["unit_kind"] = c.unit


def _model_status(low: str, cands: list[_Cand]) -> None:
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
        if (prev is not None and prev.rule and prev.rule.kind == "model" and prev.s >= ca
                and _RUN_GAP.match(low, prev.unit_end, c.s)):
            c.attrs["status"] = prev.attrs["status"]  # one verb governs the list: "nhân rộng 4 mô hình cấp huyện, 2 mô hình cấp tỉnh"
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
        rm = _REPLICATED.search(ctx)
        if (rm and lo + rm.start() >= c.e and hi < cb and _REPLICATED_INTO.match(low, lo + rm.end(), hi)
                and not _REPLICATED.search(low, lo, c.s)):
            rm = None  # "137 mô hình ... nhân rộng tại 767 cơ quan": the replication is the next count's
        c.attrs["status"] = ("recognised" if _RECOGNISED.search(ctx)
                             else "replicated" if rm else "active")


def _activities(sent: str, low: str, cands: list[_Cand]) -> None:
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
            if m is not None and not _ACTIVITY_GAP.match(low, m.end(), c.s):
                m = None
        if m:
            c.attrs["activity"] = sent[m.start():m.end()]


# a breakdown by place in brackets after a count, the parts with no noun of their own: "891 mô hình
# (An Giang 59, Bạc Liêu 57, ...)"; the name before each part is capitalised
_PART_NAME = re.compile(rf"[ ]*{UPPER}[\w.]*(?:[ -]{UPPER}[\w.]*){{0,4}}[ ]*:?[ ]*$")
_PART_END = re.compile(r"[ ]*[,;)]")


def _breakdown(sent: str, cands: list[_Cand], kept: list[_Cand]) -> list[_Cand]:
    """The parts of a count broken down by place in brackets right after it: they count what it
    counts (measure, unit, attributes) and are part_of it. Only where the parts sum to at most the
    whole."""
    groups: dict[int, list[_Cand]] = {}  # whole's index in kept -> its parts
    for c in cands:
        if c.measure or c.drop or c.pct or c.den is not None or not _PART_END.match(sent, c.e):
            continue
        p = sent.rfind("(", c.ca, c.s)
        if p < 0 or ")" in sent[p:c.s]:
            continue
        prev_end = max([d.e for d in cands if p < d.e <= c.s] or [p + 1])
        name = sent[prev_end:c.s].lstrip(",; ")
        if not _PART_NAME.match(name):
            continue
        wi = next((k for k in range(len(kept) - 1, -1, -1) if kept[k].e <= p), None)
        if wi is None:
            continue
        w = kept[wi]
        gap = sent[w.unit_end:p]
        if len(gap) > 60 or any(ch in gap for ch in ".;:") or any(w.e <= d.s < p for d in cands if d is not w):
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
    return [c for c in cands if c.measure and not c.drop]


def _last(it):
    m = None
    for m in it:
        pass
    return m


def _fractions_and_percentages(sent: str, low: str, cands: list[_Cand]) -> None:
    """FIGURES.md "Fractions" and "Percentages and rates": a fraction is coverage (units reaching a
    standard), a result against its target, or neither (a period comparison: each side its own
    figure); a percentage is a figure of its own, unless it is the stated percentage of the figure
    before it."""
    for i, c in enumerate(cands):
        if c.den is not None and c.measure is not None:
            if _compares_periods(low, cands, i):
                c.den = None  # "giảm 5,83% (3.389/3.599 vụ)": never a target, or a true report gets flagged
                continue
            if c.measure in ("coverage.units", "campaign.locations") or COVERAGE_NOUN_RE.match(low, c.u):
                c.measure = "coverage.units"
                c.attrs = {"total": _num(c.den), "unit_kind": c.unit}
            else:
                c.measure = "target.achievement"
                attrs = {"target": _num(c.den)}
                pm = _STATED_PCT.search(low, c.e, c.cb)
                if pm:
                    attrs["stated_pct"] = parse_number(pm.group("pct"))
                    for d in cands[i + 1:]:
                        if d.pct and d.s == pm.start("pct"):
                            d.drop = True
                attrs["subject"] = c.unit
                c.attrs = attrs
        elif c.pct and not c.drop:
            before = low[c.ca:c.s]
            if PCT_NOT_FIGURE_BEFORE_RE.search(before):
                c.drop = True  # "chiếm 70%": a share of a context count
                continue
            of_target = PCT_TARGET_AFTER_RE.match(low, c.u) is not None
            if of_target or _REACHED.search(before):
                # "cấp 120.500 thẻ, đạt 101,2% chỉ tiêu": the percentage of the figure before it
                prev = next((d for d in reversed(cands[:i]) if not d.pct and not d.drop and d.measure
                             and d.s >= c.ca and not (d.measure == "target.achievement" and "stated_pct" in d.attrs)
                             and d.measure != "coverage.units"), None)
                if prev is not None and (of_target or prev.measure == "target.achievement"):
                    prev.attrs.setdefault("stated_pct", c.value)
                    if prev.measure != "target.achievement" and of_target:
                        prev.measure = "target.achievement"
                        prev.attrs["subject"] = prev.unit
                    c.drop = True
                    continue
                if of_target and prev is None:  # "đạt 106,7% kế hoạch" alone: the achievement itself
                    c.measure = "target.achievement"
                    end = _unit_end(low, c.u, c.u)
                    c.attrs = {"stated_pct": c.value, "subject": sent[c.u:end].strip()}
                    continue
            c.attrs.setdefault("subject", _subject_before(sent, cands, i))


# a standard reached, or a rating given: "được phân loại xuất sắc", "xếp loại khá", "loại trung bình"
_REACHES_STANDARD = re.compile(r"[^;]{0,80}?(?:đạt (?:tiêu chuẩn|danh hiệu|chuẩn)|không có (?:ma túy|ma tuý|tội phạm|tệ nạn)"
                               r"|(?:phân loại|xếp loại|đạt loại|loại) (?:xuất sắc|tốt|khá|trung bình|yếu|kém)(?!\w))")
# the set of units being rated, named before the counts: "Đối với 18 huyện, thị xã, thành phố, có 16 ..."
_RATED_SET = re.compile(r"(?:đối với)[ ]*$")


def _coverage_counts(low: str, cands: list[_Cand]) -> None:
    """A count of units (schools, communes, agencies) that reach a standard, with no total printed, is
    coverage too: "21 trường THCS và 19 trong tổng số 20 xã ... đạt danh hiệu an toàn", "27 xã, phường
    không có ma túy"."""
    covered = any(c.measure == "coverage.units" and "total" in c.attrs for c in cands)
    for c in cands:
        # c.rule set: a rule of units.yaml said "other" on purpose ("thuộc 05 huyện", a province's make-up)
        if (c.measure == "other" and c.rule is None and not c.pct and c.den is None
                and COVERAGE_NOUN_RE.match(low, c.u)):
            if covered or _REACHES_STANDARD.match(low, c.u):  # from the noun: "1 địa phương loại trung bình"
                c.measure = "coverage.units"
                c.attrs = {"unit_kind": c.unit}
    # the counts after a rated set are out of it, where they add up to it at most: total = the set
    for k, w in enumerate(cands):
        if w.measure == "other" and w.rule is not None and w.den is None and _RATED_SET.search(low, w.ca, w.s):
            parts = [c for c in cands[k + 1:] if c.measure == "coverage.units" and "total" not in c.attrs]
            if parts and sum(c.value for c in parts) <= w.value * 1.005:
                for c in parts:
                    c.attrs["total"] = _num(w.value)


def _compares_periods(low: str, cands: list[_Cand], i: int) -> bool:
    """Whether the fraction cands[i] restates a change between two periods: it stands in brackets
    right after a percentage ("giảm 5,83% (3.389/3.599 vụ)"), or its clause compares periods."""
    c = cands[i]
    if i and cands[i - 1].pct and low[cands[i - 1].e:c.s].strip(" %") in ("(", "(so với", "("):
        return True
    return PERIOD_COMPARISON_RE.search(low, c.ca, c.cb) is not None and not _STATED_PCT.search(low, c.e, c.cb)


def _subject_before(sent: str, cands: list[_Cand], i: int) -> str:
    """What a percentage is a rate of, in the report's words: its clause before it, from the figure
    before it ("tội phạm về trật tự xã hội ... kéo giảm sâu")."""
    c = cands[i]
    lo = max(c.ca, cands[i - 1].unit_end or cands[i - 1].e) if i else c.ca
    words = sent[lo:c.s].strip(" ,:;-–()").split()
    return " ".join(words[-12:])


def _num(v: float):
    return int(v) if float(v).is_integer() else v


def _award_attrs(sent: str, low: str, cands: list[_Cand]) -> None:
    """Resolve awards per run of recipient counts ("03 tập thể, 05 cá nhân")."""
    runs: list[list[_Cand]] = []
    for c in cands:
        if not c.measure or not c.measure.startswith("awards."):
            continue
        if runs and _RUN_GAP.match(low, runs[-1][-1].unit_end, c.s):
            runs[-1].append(c)
        else:
            runs.append([c])
    for k, run in enumerate(runs):
        ca, cb = run[0].ca, run[0].cb
        b0 = max(ca, runs[k - 1][-1].unit_end if k and runs[k - 1][-1].s >= ca else ca)
        nxt = runs[k + 1][0].s if k + 1 < len(runs) and runs[k + 1][0].s < cb else cb
        before = sent[max(b0, run[0].s - 300):run[0].s]
        after = sent[run[-1].unit_end:min(nxt, run[-1].unit_end + 400)]
        attrs = awards.resolve(before, after)
        for c in run:
            c.attrs.update(attrs)


# what ends a list of parts: "... 2.666 viên đạn cùng nhiều vật liệu nổ, ... 5,2 kg đạn chì"
_PARTS_END = re.compile(r"(?<!\w)(?:cùng|ngoài ra|bên cạnh đó)(?!\w)")


def _head(unit: str) -> str:
    """The counted noun's first two words, lower-cased: "đối tượng" of "đối tượng tiến bộ"."""
    return " ".join(unit.lower().split()[:2])


def _part_of(low: str, cands: list[_Cand], before: list[_Cand] | None = None) -> None:
    """'726 nguồn tin, trong đó 655 ...' and '22 cụm ... gồm 01 ..., 07 ...': part_of = whole.
    A part counts what its whole counts (same family of measures); the parts listed after the first
    count the same as it. A sentence that opens with "Trong đó" lists the parts of a whole of the
    sentence before (`before`): the last one there of the same measure as its first part, else of the
    same family."""
    whole: _Cand | None = None
    measure = None
    if before and cands and _OPENS_PARTS.match(low):
        first = cands[0]
        _as_whole(first, before)
        family = first.measure.split(".")[0]
        whole = (next((d for d in reversed(before) if d.measure == first.measure), None)
                 or next((d for d in reversed(before) if d.measure == family + ".mixed"), None)
                 or next((d for d in reversed(before) if d.measure.split(".")[0] == family), None))
        if whole is not None:
            measure = first.measure
            first.attrs["part_of"] = whole.surface
    for i in range(1, len(cands)):
        prev, c = cands[i - 1], cands[i]
        gap = low[prev.e:c.s]
        if ";" in gap:
            whole = None
        if ")" in gap:  # a closed bracket between them names places, not parts: "16 địa phương (gồm Tam Kỳ, ...), 1 ..."
            gap = _BRACKETED.sub("", gap)
        m = _PART_OF.search(gap) if ("trong" in gap or "gồm" in gap) else None
        if m:
            _as_whole(c, [prev])
        if (m and ";" not in gap[:m.start()] and c.measure == "other" and prev.measure != "other"
                and c.rule is None and _head(c.unit) == _head(prev.unit)):
            c.measure = prev.measure  # "giúp đỡ 6.500 đối tượng ..., trong đó có 3.906 đối tượng tiến bộ": counts what its whole counts
        if (m and ";" not in gap[:m.start()] and not prev.attrs.get("part_of")
                and c.measure.split(".")[0] == prev.measure.split(".")[0]):
            whole, measure = prev, c.measure
        elif whole is not None and c.measure != measure and not (
                whole.measure.endswith(".mixed") and c.measure.split(".")[0] == whole.measure.split(".")[0]
                and not _PARTS_END.search(gap)):
            whole = None  # (the parts of a mixed whole may be of several measures: "4.576 vũ khí, trong đó có 1.278 súng, 2.666 viên đạn")
        if whole is not None and c is not whole:
            c.attrs["part_of"] = whole.surface


def _heads(unit: str) -> tuple[str, str]:
    w = unit.lower().split()
    return (" ".join(w[:2]), w[0]) if w else ("", "")


def _as_whole(part: _Cand, wholes: list[_Cand]) -> None:
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
            return
