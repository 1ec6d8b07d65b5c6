"""Step 2 of figures.py: the numbers that are not figures (FIGURES.md "Not a figure" and "Not figures,
besides dates and identifiers"), each rule with an id that `antq extract --explain` prints.

Dates, years, ranges, identifiers ("Đề án 06", "09/CTr-BCA-MTTW"), a body named by the places it
joins ("Công an 6 tỉnh"), changes of counts ("giảm 12 vụ"), names that hold a number (“5 tự quản”),
clock times ("24/24h"), list markers ("1.", "(1)"). Units that make a number no figure ("5 năm qua",
"14 tuổi") are rules of lexicons/units.yaml with measure null.
"""

from __future__ import annotations

import re

from ..lexicon import (
    COUNTING_SO,
    DATE_CONTEXT,
    NAME_MAX_WORDS,
    NAME_QUOTES,
    PLACE_AFTER_RE,
    TEASER_RE,
    YEAR_BEFORE,
    Tail,
    tail_of,
)

# right after a number: what makes it part of something that is not a count
_ATTACHED = re.compile(
    r"(?:[ ]?/[ ]?\d|[.,]\d|[ ]?[-–][ ]?\d|/[^\W\d]|[-–][^\W\d_]|(?!(?:kg|km|ha|m|tấn|tr|h)(?!\w))[^\W\d_])", re.I
)
_RANGE_END = re.compile(r"\d[ ]?[-–/][ ]?$")
_RANGE_MARKS = frozenset("-–/")  # one of them is among the last three characters of a _RANGE_END
_MONTH_AFTER = re.compile(r"[ ]?(?:tháng|/)")
_MARKER_END = re.compile(r"[.)][ ]")
_LIST_MARKER = re.compile(r"^[ \t]*$")
# an abbreviation in brackets right before a number: "Ban Chỉ đạo (BCĐ) 138"
_ABBR_BEFORE = re.compile(r"[ ]?\([^\W\d][\w.&-]{0,11}\)[ ]$")

# rule id -> what it means, for --explain
REASONS = {
    "inside_a_word_or_number": "part of a word, a longer number or a range",
    "not_a_vietnamese_number": 'not a number as Vietnamese writes it ("12.12.2022", "1.5")',
    "year": "a year (a number from 1900 to 2100 after a word of time, or with no counted noun after it)",
    "attached": 'something other than a count is attached to it ("06/1/2022", "2019-2024", "A1", "14h")',
    "time_fraction": 'a time of day or of the week ("24/24h")',
    "range_end": "the second half of a range or a date",
    "abbreviated_name": 'a name\'s number after its abbreviation ("Ban Chỉ đạo (BCĐ) 138")',
    "date": 'a date ("ngày 16/10", "ngày 01 tháng 8")',
    "identifier": 'the number of a name or a document ("Đề án 06", "Chỉ thị số 12")',
    "agency_of_places": 'a body named by the places it joins ("Công an 6 tỉnh")',
    "change": 'a change of a count ("giảm 12 vụ"): not a figure; a change in percent is',
    "quoted_name": "a name that holds a number (“5 tự quản”)",
    "list_marker": 'a list marker ("1.", "(1)")',
    "change_or_name": "a number in words after a change, a name or a date word",
    "page_furniture": 'a related story\'s teaser (">>> Xem thêm", "Tin liên quan")',
}


def why_not(
    sent: str, low: str, s: int, e: int, num: str, den: str | None, left_low: str, tail: Tail, quoted: bool = True
) -> str:
    """The id ("not_figures:<rule>") of the first rule that makes the number at sent[s:e] no figure,
    or "" when none does. `tail` is what the words before it say (lexicon.tail_of), qualifier skipped;
    `quoted` False when the sentence holds no quote (no quoted name to look for)."""
    right = sent[e : e + 2]
    # a space then a word (the common case) is not attached: after a space, _ATTACHED needs "/", "-" or "–"
    if not (right[:1] == " " and right[1:] not in "/-–") and _ATTACHED.match(sent, e):
        return "not_figures:attached"
    if den is not None and right[:1].isalpha():
        return "not_figures:time_fraction"
    if not _RANGE_MARKS.isdisjoint(left_low[-3:]) and _RANGE_END.search(left_low, len(left_low) - 5):
        return "not_figures:range_end"
    phrases, kinds = tail.phrases, tail.kinds
    if not phrases and left_low.endswith(") "):
        pm = _ABBR_BEFORE.search(left_low)
        if pm and "identifier" in tail_of(left_low[: pm.start()]).kinds:
            return "not_figures:abbreviated_name"
    is_date_word = "date" in kinds
    if den is not None and (
        is_date_word
        or (
            "." not in num + den
            and int(num.split(",")[0]) <= 31
            and 1 <= int(den.split(",")[0]) <= 12
            and bool(phrases)
            and phrases[0] in DATE_CONTEXT
        )
    ):
        return "not_figures:date"  # "ngày 16/10"
    if is_date_word and den is None and _MONTH_AFTER.match(sent, e):
        return "not_figures:date"  # "ngày 01 tháng 8"
    if "identifier" in kinds or (
        phrases and phrases[0] == "số" and (len(phrases) < 2 or phrases[1] not in COUNTING_SO)
    ):
        return "not_figures:identifier"  # "Đề án 06", "Ban Chỉ đạo 138", "Chỉ thị số 12", "số 12 đường Trần Phú"
    if "agency" in kinds and PLACE_AFTER_RE.match(low, e):
        return "not_figures:agency_of_places"
    if "change" in kinds and not (sent.startswith("%", e) or sent.startswith(" %", e)):
        return "not_figures:change"  # "giảm 12 vụ (so với cùng kỳ)"; but "giảm 5,83%" is a rate, a figure
    if quoted and in_quoted_name(sent, s, e):
        return "not_figures:quoted_name"
    after = right[:1]
    if (
        after
        and after in ".)"
        and _MARKER_END.match(sent, e)
        and _LIST_MARKER.match(sent[sent.rfind("\n", 0, s) + 1 : s])
    ):
        return "not_figures:list_marker"  # "1. Kết quả ..."
    if after == ")" and sent[s - 1 : s] == "(":
        return "not_figures:list_marker"  # "(1)"
    return ""


def could_be_year(num: str, den: str | None) -> bool:
    """Four digits from 1900 to 2100: a year, unless a counted noun follows (see year_or_count)."""
    return den is None and len(num) == 4 and "1900" <= num <= "2100"


def year_before(tail: Tail) -> bool:
    """Whether the words right before a number from 1900 to 2100 make it a year: "năm 2024",
    "giai đoạn 2021", "từ 2019" (lexicons/words.yaml year_before), or a date word."""
    return "date" in tail.kinds or any(p in YEAR_BEFORE for p in tail.phrases)


def year_or_count(c) -> str:
    """After classify.py: a number from 1900 to 2100 with no word of time before it is a count only
    when a rule of units.yaml read a counted noun after it ("tiếp nhận 1950 tin báo", "bắt 2024 đối
    tượng"); otherwise ("2024, Công an tỉnh ...", "2024 của") it is a year. Returns the reason it is
    not a figure, or ""."""
    return "" if c.rule is not None and c.measure else "not_figures:year"


def in_quoted_name(sent: str, s: int, e: int) -> bool:
    """Whether the number at sent[s:e] opens a short quoted name: “5 tự quản”, "4 an toàn"."""
    k = s - 1
    while k >= 0 and sent[k] == " ":
        k -= 1
    if k < 0 or sent[k] not in NAME_QUOTES:
        return _inside_numbered_name(sent, s, e)
    rest = sent[e : e + 60]
    close = next((i for i, ch in enumerate(rest) if ch in '"”’»'), -1)
    return close > 0 and len(rest[:close].split()) <= NAME_MAX_WORDS and not any(ch in rest[:close] for ch in ",;.")


def _inside_numbered_name(sent: str, s: int, e: int) -> bool:
    """Whether the number at sent[s:e] is a later number of a short quoted name that opens with a
    number: the "3" of “5 không, 3 sạch” (a club's name, not a count)."""
    lo = max(0, s - 30)
    q = -1
    for mark in NAME_QUOTES:  # the last quote mark before the number (an rfind per mark: a literal scan)
        k = sent.rfind(mark, lo, s)
        if k > q:
            q = k
    if q < 0 or not sent[q + 1 : q + 2].isdigit() or any(ch in sent[q + 1 : s] for ch in '"”’».;'):
        return False
    rest = sent[e : e + 40]
    close = next((i for i, ch in enumerate(rest) if ch in '"”’»'), -1)
    inner = sent[q + 1 : e] + rest[:close]
    return close >= 0 and len(inner.split()) <= NAME_MAX_WORDS + 2 and not any(ch in rest[:close] for ch in ".;")


def has_quotes(sent: str) -> bool:
    """Whether a sentence holds a quote that may open a name (in_quoted_name is asked only then)."""
    for q in NAME_QUOTES:  # a scan per quote mark: faster than one regex scan (and a loop than any())
        if q in sent:
            return True
    return False


def is_page_furniture(low_text: str, a: int, b: int) -> bool:
    """Whether the sentence low_text[a:b] is a related story's teaser (FIGURES.md "Not figures")."""
    return TEASER_RE.match(low_text, a, b) is not None
