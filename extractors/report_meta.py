"""Per report: the province it is about, its date, and the period its figures cover.

- province: named in the text ("tỉnh Bắc Kạn", "Công an tỉnh Kon Tum"), through an outlet's
  abbreviation at the head of a news item ("BBK - ..." = Báo Bắc Kạn), a web address
  ("congan.kontum.gov.vn"), or a district named in the text ("huyện Ba Bể"); failing all of these, a
  provincial capital or major city ("tại TP.Tam Kỳ" = Quảng Nam, lexicons/capitals.yaml); see
  find_province for the order.
- report date: a header "date 2023-01" and a day "sáng 06/01", "Ngày 16/10", "Sáng 25/5"; a day
  without a year takes the header's year, else the year the period implies.
- period: "năm 2022", "giai đoạn 2019-2024", "5 năm qua", "10 năm thực hiện ... 2013",
  "10 năm đẩy mạnh thực hiện".

The words (place words, day words, the words of spans, documents, ranges and periods) are in
lexicons/report_meta.yaml; the regex structure around them (digits, separators, anchors) is here.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

import yaml

from .gazetteer import tone_variants
from .lexicon import LEXICONS, REPO, _load, alternation, trie_alternation

_LEX = _load("report_meta.yaml")


def _words(key: str) -> list[str]:
    """A word list of lexicons/report_meta.yaml: non-empty, of non-empty strings."""
    words = _LEX.get(key)
    if not words or not all(isinstance(w, str) and w for w in words):
        raise ValueError(f"report_meta.yaml: {key!r} must be a non-empty list of words")
    return list(words)


def _fold(s: str) -> str:
    s = unicodedata.normalize("NFD", s.lower()).replace("đ", "d")
    return "".join(c for c in s if unicodedata.category(c) != "Mn")


def _load_places():
    with open(LEXICONS / "places.yaml", encoding="utf-8") as f:
        data = yaml.safe_load(f)
    provinces: list[str] = list(data["provinces"])
    aliases: dict[str, str] = dict(data.get("aliases") or {})
    outlets: dict[str, str] = dict(data.get("outlets") or {})
    districts: dict[str, str] = {}
    for prov, names in (data.get("districts") or {}).items():
        for n in names:
            districts[n] = prov
    seeds = REPO / "dbt_project" / "seeds"
    # the warehouse's own province list and aliases, when it is there
    try:
        with open(seeds / "provinces.csv", encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                if row.get("province_name") and row["province_name"] not in provinces:
                    provinces.append(row["province_name"])
        with open(seeds / "province_aliases.csv", encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                aliases.setdefault(row["alias"], row["province_name"])
    except (OSError, KeyError):
        pass
    return provinces, aliases, outlets, districts


def _load_capitals() -> dict[str, str]:
    """City (a province's capital or a major city, lexicons/capitals.yaml) -> province."""
    with open(LEXICONS / "capitals.yaml", encoding="utf-8") as f:
        data = yaml.safe_load(f)
    out: dict[str, str] = {}
    for prov, cities in data["capitals"].items():
        for c in cities:
            for v in _tone_variants(c):
                out.setdefault(v, prov)
    return out


# old and new tone placement, pairs of spellings ("oà" / "òa")
_TONES = tuple((a, b) for a, b in _LEX["tone_pairs"])


def _tone_variants(name: str) -> list[str]:
    """A name in old and new tone placement: "Thanh Hóa" / "Thanh Hoá"."""
    return tone_variants(name, _TONES)


PROVINCES, ALIASES, OUTLETS, DISTRICTS = _load_places()
CAPITALS = _load_capitals()
# names as they may be written -> canonical name
_NAME_OF: dict[str, str] = {p: p for p in PROVINCES}
for _a, _p in ALIASES.items():
    _NAME_OF.setdefault(_a, _p)
for _p in list(PROVINCES):  # old and new tone placement: "Thanh Hoá" / "Thanh Hóa"
    for _v in _tone_variants(_p):
        _NAME_OF.setdefault(_v, _p)

# a province's name anywhere: the names as a trie, and no look-behind in front, so the engine scans
# for their first letters; _province_mentions checks the character before (as "(?<!\w)" would)
_PROVINCE_ANY = re.compile(rf"({trie_alternation(_NAME_OF)})(?!\w)")


def _province_mentions(text: str):
    """The matches of "(?<!\\w)(name|...)(?!\\w)" in text (the longest name at a place), as finditer finds them."""
    pos = 0
    while True:
        m = _PROVINCE_ANY.search(text, pos)
        if m is None:
            return
        p = m.start()
        if p and (text[p - 1].isalnum() or text[p - 1] == "_"):
            pos = p + 1  # inside a word: a name may still start further on
            continue
        yield m
        pos = m.end()


# a place word and the (up to four) words after it: "tỉnh Bắc Kạn", "huyện Ba Bể", "TP. Hồ Chí Minh"
# place words, each scanned alone on the lower-cased text (a literal first makes the scan fast);
# the name after one is read from the original text
_PLACE_WORDS = tuple(_words("place_words"))
# "TP." may be followed by the name without a space: "TP.Tam Kỳ", "TP.HCM"
_PLACE_SCANS = [(w, re.compile(re.escape(w) + (r"[ ]*" if w.endswith(".") else r"[ ]+"))) for w in _PLACE_WORDS]
# place words a city of lexicons/capitals.yaml stands after
_CITY_WORDS = frozenset(_words("city_words"))
_NAME_AFTER = re.compile(r"\w[\w']*(?:[ -]{1,3}\w[\w']*){0,3}")
# place words a province's name stands after
_PROVINCE_WORDS = frozenset(_words("province_words"))
if not _CITY_WORDS | _PROVINCE_WORDS <= set(_PLACE_WORDS):
    raise ValueError(
        "report_meta.yaml: city_words and province_words must be place_words: "
        f"{sorted((_CITY_WORDS | _PROVINCE_WORDS) - set(_PLACE_WORDS))}"
    )
_OUTLET = re.compile(r"^\W*(?:date\s+\S+\s+)?([A-ZĐ]{2,6})\s*[-–—:]", re.MULTILINE)
# an outlet's abbreviation in brackets after a headline: "... năm 2024 (QNO) - UBND tỉnh vừa ..."
_OUTLET_IN_BRACKETS = re.compile(r"\(([A-ZĐ]{2,6})\)\s*[-–—]")
_MERGER_DAY = date(2025, 7, 1)
_DOMAIN = re.compile(r"((?:[a-z0-9-]+\.)+)vn$")
_FOLDED_PROVINCE = {_fold(p).replace(" ", "").replace("-", ""): p for p in PROVINCES}
# the ones long enough to be told apart inside a web address's label
_FOLDED_IN_LABEL = tuple((f, p) for f, p in _FOLDED_PROVINCE.items() if len(f) >= 5)


_SEP = re.compile(r"([ -]{1,3})")


def _longest_name(words: str, table: dict[str, str]) -> str | None:
    if not words[:1].isupper():
        return None
    parts = _SEP.split(words)  # words and separators
    for k in range(len(parts), 0, -2):
        cand = "".join(parts[:k])
        if cand in table and cand[:1].isupper():
            return table[cand]
    return None


def find_outlet(text: str) -> str | None:
    """The dateline abbreviation of a known outlet at the head of a report ("BBK - Ngày 16/10, …",
    "… năm 2024 (QNO) - UBND tỉnh …")."""
    head = text[:300]
    for rx in (_OUTLET, _OUTLET_IN_BRACKETS):
        m = rx.search(head)
        if m and m.group(1) in OUTLETS:
            return m.group(1)
    return None


def find_province(text: str, low: str | None = None, when: date | None = None) -> str | None:
    """The province a report is about (None for a national or regional report, or when nothing places it)."""
    return place_report(text, low, when)[0]


_COMMUNE_WORDS = frozenset(_words("commune_words"))
if not _COMMUNE_WORDS <= set(_PLACE_WORDS):
    raise ValueError("report_meta.yaml: commune_words must be place_words")
_NATIONAL_WORDS = tuple(_words("national_words"))
_REGION_NAMES = tuple(_words("region_names"))
_TINH = re.compile(r"(?<!\w)tỉnh(?!\w)")


@functools.cache  # (once: gazetteer's own cache would hash the tone pairs at every report)
def _gazetteer():
    from .gazetteer import gazetteer

    return gazetteer(_TONES)


def _spread(counts: dict[str, float], provinces, weight: float) -> None:
    """Add weight to counts, shared among the provinces a place name may be in. In a fixed order:
    counts' order breaks ties between equal weights (the first wins), and a set's order changes with
    the process's hash seed, so a report's province did from one run (or extraction worker) to the next."""
    provinces = sorted(provinces)
    for p in provinces:
        counts[p] = counts.get(p, 0) + weight / len(provinces)


def place_report(text: str, low: str | None = None, when: date | None = None) -> tuple[str | None, str | None]:
    """(province, scope) of a report from its text: scope "province", "national", "region" or None.

    Precedence, each step only when the ones before found none:
      1. an outlet's abbreviation at the head ("BBK - ..." = Báo Bắc Kạn, "(QNO) - " = Báo Quảng Nam);
      2. provinces named after "tỉnh"/"thành phố"/"TP" (weighted, the head of the report more),
         districts after "huyện"/"thị xã"/"TX"/..., communes after "xã"/"phường"/"thị trấn" (through the
         gazetteer: a name in several provinces shares its weight among them; a commune of a report
         dated after the 2025 reorganisation is looked up among the new communes first), and web
         addresses ("congan.kontum.gov.vn");
      3. a national body in the head and no "tỉnh" there: a national report (no province);
      4. a provincial capital or major city after "thành phố"/"TP"/"thị xã" ("TP.Tam Kỳ" = Quảng Nam);
      5. a province's name anywhere ("Công an Quảng Nam").
    Within a step, the province with the most weight wins. A report whose head names a region of
    several provinces twice with a national body is regional (no province)."""
    head = text[:300]
    low = text.lower() if low is None else low
    m = _OUTLET.search(head) or _OUTLET_IN_BRACKETS.search(head)
    if m and m.group(1) in OUTLETS:
        return OUTLETS[m.group(1)], "province"
    if m and m.group(1) in ALIASES:
        return ALIASES[m.group(1)], "province"
    after_merger = when is not None and when >= _MERGER_DAY
    gaz = _gazetteer()
    counts: dict[str, float] = {}
    cities: dict[str, float] = {}  # step 4
    # the head of a report names its province; the rest is read only when the head does not
    for a, b, weight in ((0, 4000, 3), (3900, len(text), 1)):
        if a and (counts or len(text) <= 4000):
            break
        for word, scan in _PLACE_SCANS:
            for m in _place_word_matches(low, word, scan, a, b, text):
                if word == "xã" and low.endswith("thị ", 0, m.start()):
                    continue  # "thị xã": read as a district
                nm = _NAME_AFTER.match(text, m.end())
                if not nm:
                    continue
                p = _longest_name(nm.group(), _NAME_OF) if word in _PROVINCE_WORDS else None
                if p:
                    counts[p] = counts.get(p, 0) + weight + (2 if m.start() < 600 else 0)
                    continue
                if word in _COMMUNE_WORDS:
                    name = _longest_key(
                        nm.group(),
                        gaz.communes_after if after_merger else gaz.communes_before,
                        gaz.communes_before if after_merger else gaz.communes_after,
                    )
                    if name:
                        found = gaz.commune(name, after_merger)
                        if after_merger and name not in gaz.communes_after:
                            found = {gaz.successor.get(x, x) for x in found}
                        _spread(counts, found, 1)
                    continue
                d = _longest_key(nm.group(), DISTRICTS, gaz.districts)
                if d:
                    found = set(gaz.district(d)) | ({DISTRICTS[d]} if d in DISTRICTS else set())
                    if after_merger:
                        found = {gaz.successor.get(x, x) for x in found}
                    _spread(counts, found, 1)
                elif word in _CITY_WORDS:
                    c = _longest_name(nm.group(), CAPITALS)
                    if c:
                        cities[c] = cities.get(c, 0) + weight
    # web addresses: "congan.kontum.gov.vn", "baobackan.vn" (found from each ".vn", read backwards)
    pos = low.find(".vn")
    while pos >= 0:
        m = _DOMAIN.search(low, max(0, pos - 60), pos + 3)
        pos = low.find(".vn", pos + 3)
        if m:
            for label in m.group(1).split("."):
                label = label.replace("-", "")
                if len(label) < 5:
                    continue  # too short to hold a province's name
                for folded, p in _FOLDED_IN_LABEL:
                    if folded in label:
                        counts[p] = counts.get(p, 0) + 2
    lead = low[:600]
    national = sum(lead.count(w) for w in _NATIONAL_WORDS)
    if national and sum(low.count(r, 0, 1500) for r in _REGION_NAMES) >= 2:
        return None, "region"
    if not counts and national > len(_TINH.findall(lead)):
        return None, "national"
    if not counts:
        counts = cities
    if not counts:
        for m in _province_mentions(text):
            p = _NAME_OF[m.group(1)]
            counts[p] = counts.get(p, 0) + 1
    if not counts:
        return None, None
    return max(counts.items(), key=lambda kv: kv[1])[0], "province"


def _place_word_matches(low: str, word: str, scan, a: int, b: int, text: str):
    """The matches of scan (word and the spaces after it) in low[a:b], as scan.finditer(low, a, b) finds
    them, that stand at the start of a word and before a capital in text (a name): the word's
    occurrences are found by str.find, which skips through the text much faster than the regex
    engine's scan for a literal, and scan is tried only there."""
    p = low.find(word, a, b)
    while p >= 0:
        m = scan.match(low, p, b)
        if m is None:
            p = low.find(word, p + 1, b)
        else:
            e = m.end()
            if not (p and low[p - 1].isalnum()) and text[e : e + 1].isupper():
                yield m
            p = low.find(word, e, b)


def _longest_key(words: str, *tables) -> str | None:
    """The longest leading words of `words` that are a key of one of the tables (a capitalised name)."""
    if not words[:1].isupper():
        return None
    parts = _SEP.split(words)
    for k in range(len(parts), 0, -2):
        cand = "".join(parts[:k])
        if cand[:1].isupper() and any(cand in t for t in tables):
            return cand
    return None


# ---- dates and periods ----------------------------------------------------------------------

# a month of 1..12 and nothing more: "date 2019-2024" is a range of years, not year 2019 month 20
_HEADER_DATE = re.compile(r"date[:\s]+(\d{4})-(0?[1-9]|1[0-2])(?![0-9])(?:-(\d{1,2})(?![0-9]))?")
# a day: "Ngày 16/10", "sáng 06/01", "chiều 3-2-2024" (a digit first, not a repeat: the engine then
# scans for a digit instead of trying a match at every character)
_DAY_DIGITS = re.compile(r"([0-9][0-9]?)[/.-]([0-9][0-9]?)(?:[/.-]([0-9]{4}))?(?![0-9/])")
_DAY_WORD_BEFORE = re.compile(rf"(?:{alternation(_words('day_words'))})[ ]+$")
# "từ ngày 15/11 đến 31/12", "tính đến ngày 12/12/2022": the bounds of a period, not the report's day
_SPAN_BEFORE = re.compile(rf"(?:{alternation(_words('span_words'))})[ ]+(?:ngày[ ]+)?$")


# a date right after a document's name or number is the document's date, not the report's:
# "Kế hoạch số 125/KH-UBND ngày 12/3/2023", "Nghị định 40/2024/NĐ-CP ngày 16/4/2024"
_DOC_BEFORE = re.compile(
    rf"(?:{alternation(_words('document_words'))}"
    r"|/[a-zđ]{1,6}(?:-[a-zđ0-9]+)*)[^.;:]{0,25}$"
)


def _day(low: str, limit: int = 1500):
    for m in _DAY_DIGITS.finditer(low, 0, limit):
        if (
            _DAY_WORD_BEFORE.search(low, max(0, m.start() - 8), m.start())
            and not _SPAN_BEFORE.search(low, max(0, m.start() - 16), m.start())
            and not _DOC_BEFORE.search(low, max(0, m.start() - 45), m.start())
        ):
            return m
    return None


_FULL_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})(?![0-9])")
# a day spelled with "tháng": "ngày 5 tháng 3 năm 2024"
_DAY_WORDS = re.compile(
    rf"(?:{alternation(_words('day_words_spelled'))})"
    r"[ ]+([0-9]{1,2})[ ]+tháng[ ]+([0-9]{1,2})(?:[ ]+năm[ ]+([0-9]{4}))?"
)
# two years joined by a dash or a word: "2019-2024", "2019 đến năm 2024"
_RANGE_JOIN = rf"[ ]?(?:[-–—]|{alternation(_words('range_words'))})[ ]?"
_RANGE = re.compile(rf"[12][0-9]{{3}}{_RANGE_JOIN}[12][0-9]{{3}}(?![0-9])")
# the same, one scan per century: a pattern that opens with a literal is scanned for at C speed
_RANGE_SCANS = tuple(re.compile(rf"{c}[0-9]{{2}}{_RANGE_JOIN}[12][0-9]{{3}}(?![0-9])") for c in ("19", "20"))
# these run on the lower-cased text and begin with a word: the scan for a literal is fast
_MONTHS = re.compile(rf"tháng[ ]+((?:{alternation(_words('month_part_words'))})[ ]+)?năm[ ]+([0-9]{{4}})(?![0-9])")
_QUARTER = re.compile(r"quý[ ]+(iv|iii|ii|i|[1-4])(?:[ ]*/[ ]*|[ ]+năm[ ]+)([0-9]{4})(?![0-9])")
_COUNT_BEFORE = re.compile(r"([0-9][0-9]?)[ ]+$")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_SINCE = re.compile(rf"từ[ ]+(?:năm[ ]+)?([0-9]{{4}})[ ]+(?:{alternation(_words('since_words'))})[ ]+nay")
_YEAR = re.compile(r"năm[ ]+([0-9]{4})(?![0-9])")
# "5 năm qua", "10 năm thực hiện", "10 năm đẩy mạnh thực hiện": a period named by its length
# (longest first: "đẩy mạnh thực hiện" before "đẩy mạnh")
_N_YEARS_WHAT = alternation(_words("n_years_what"))
_N_YEARS = re.compile(rf"năm[ ]+({_N_YEARS_WHAT})(?!\w)")
# the label _periods gives such a period: "5 năm qua"
_N_YEARS_LABEL = re.compile(rf"(\d{{1,2}}) năm ({_N_YEARS_WHAT})(?!\w)")
# a target or plan, not the period reported on: "tầm nhìn đến năm 2030", "mục tiêu giai đoạn 2025-2030"
_FUTURE = re.compile(rf"(?:{alternation(_words('future_words'))})[^.;]{{0,40}}$")


@dataclass
class Meta:
    province: str | None = None
    outlet: str | None = None  # the newspaper's dateline abbreviation ("BBK" = Báo Bắc Kạn)
    report_date: date | None = None
    period_label: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    scope: str | None = None  # province | national | region | None (nothing places the report)
    province_source: str | None = None  # manifest | text | outlet: what decided province and scope
    report_date_source: str | None = None  # manifest | text
    source_url: str | None = None  # the manifest's url
    n_years: int | None = None  # "N năm qua": the period's length, when it is named by it


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _range_years(m: re.Match) -> tuple[int, int]:
    g = m.group()
    return int(g[:4]), int(g[-4:])


def find_period(text: str, low: str | None = None):
    """(label, start, end, mention position) of the first period the text reports on."""
    low = text.lower() if low is None else low
    # the first mention wins: look in the head of the text first, then in all of it
    for end in (2500, len(low)) if len(low) > 2500 else (len(low),):
        found = _periods(low, end)
        if found:
            return min(found, key=lambda x: x[3])
    return None


def _periods(low: str, n: int) -> list:
    found = []
    for m in (m for scan in _RANGE_SCANS for m in scan.finditer(low, 0, n)):
        if m.start() and (low[m.start() - 1].isalnum() or low[m.start() - 1] in "/.-"):
            continue
        a, b = _range_years(m)
        if 1945 <= a < b <= 2100 and not _FUTURE.search(low, max(0, m.start() - 60), m.start()):
            found.append((f"giai đoạn {a}-{b}", date(a, 1, 1), date(b, 12, 31), m.start()))
    for m in _YEAR.finditer(low, 0, n):
        if m.start() and low[m.start() - 1].isalnum():
            continue
        y = int(m.group(1))
        if 1945 <= y <= 2100 and not _FUTURE.search(low, max(0, m.start() - 60), m.start()):
            found.append((f"năm {y}", date(y, 1, 1), date(y, 12, 31), m.start()))
    for m in _MONTHS.finditer(low, 0, n):
        cm = _COUNT_BEFORE.search(low, max(0, m.start() - 6), m.start())
        if not cm or (cm.start() and low[cm.start() - 1].isalnum()):
            continue
        k, y = int(cm.group(1)), int(m.group(2))
        if 1 <= k <= 12 and 1945 <= y <= 2100:
            end = date(y, 12, 31) if k == 12 else date(y, k + 1, 1) - timedelta(days=1)
            found.append((" ".join(f"{k} tháng {m.group(1) or ''} năm {y}".split()), date(y, 1, 1), end, cm.start()))
    if low.find("quý", 0, n) >= 0:
        for m in _QUARTER.finditer(low, 0, n):
            q = _ROMAN.get(m.group(1))
            y = int(m.group(2))
            if q and 1945 <= y <= 2100:
                end = date(y, 12, 31) if q == 4 else date(y, 3 * q + 1, 1) - timedelta(days=1)
                found.append((f"quý {m.group(1).upper()}/{y}", date(y, 3 * q - 2, 1), end, m.start()))
    for m in _SINCE.finditer(low, 0, n):
        y = int(m.group(1))
        if 1945 <= y <= 2100:
            found.append((f"từ năm {y} đến nay", date(y, 1, 1), None, m.start()))
    for m in _N_YEARS.finditer(low, 0, n):
        cm = _COUNT_BEFORE.search(low, max(0, m.start() - 4), m.start())
        if not cm or (cm.start() and (low[cm.start() - 1].isalnum() or low[cm.start() - 1] in ".,")):
            continue
        found.append((f"{cm.group(1)} năm {m.group(1)}", None, None, cm.start()))
    return found


def _year_of_day(month: int, day: int, start: date | None, end: date | None) -> int | None:
    """The year of a day written without one ("Ngày 16/10"), from the period the report covers:
    a review of several years is held in its last year; a review of one year late in that year or
    early in the next; a review of part of a year after that part began."""
    if end is None:
        return None
    if start is not None and end.year - start.year >= 1:
        return end.year
    if start is not None and (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        return end.year if month >= 7 else end.year + 1
    if start is not None:
        return end.year if (month, day) >= (start.month, start.day) else end.year + 1
    return end.year


def extract_meta(text: str, low: str | None = None) -> Meta:
    """Province, report date and period of a report; `low` is text.lower() when the caller has it."""
    low = text.lower() if low is None else low
    meta = Meta(outlet=find_outlet(text))
    head_year = head_month = head_day = None
    hm = _HEADER_DATE.search(low, 0, 400)
    if hm:
        head_year, head_month = int(hm.group(1)), int(hm.group(2))
        head_day = int(hm.group(3)) if hm.group(3) else None
    period = find_period(text, low)
    n_years = None
    if period:
        label, start, end, pos = period
        nm = _N_YEARS_LABEL.match(label)
        if nm:
            n_years = int(nm.group(1))
            # an explicit range or a start year near the "N năm" phrase
            window = text[pos : pos + 400]
            rm = _RANGE.search(window)
            ym = re.search(r"(?:ngày\s+(\d{1,2})[/.-](\d{1,2})[/.-]|năm\s+|tháng\s+\d{1,2}\s+năm\s+)(\d{4})", window)
            ra, rb = _range_years(rm) if rm else (0, 0)
            if rm and rb - ra in (n_years, n_years - 1, n_years + 1):
                start, end = _safe_date(ra, 1, 1), _safe_date(rb, 12, 31)
                label = f"giai đoạn {ra}-{rb}"
            elif ym:
                y0 = int(ym.group(3))
                start = _safe_date(y0, int(ym.group(2)), int(ym.group(1))) if ym.group(1) else _safe_date(y0, 1, 1)
                end = _safe_date(y0 + n_years, start.month, start.day) if start else None
                label = f"{n_years} năm {nm.group(2)} ({y0}-{y0 + n_years})"
        meta.period_label, meta.period_start, meta.period_end = label, start, end
    # report date
    dm = _day(low) or _DAY_WORDS.search(low, 0, 1500)
    if dm is None:
        fm = _FULL_DATE.search(low, 0, 250)
        if fm and not _DOC_BEFORE.search(low, max(0, fm.start() - 45), fm.start()):
            dm = fm
    if hm and head_day:
        meta.report_date = _safe_date(head_year, head_month, head_day)
    elif dm:
        d, mo = int(dm.group(1)), int(dm.group(2))
        y = int(dm.group(3)) if dm.group(3) else None
        if y is None:
            if head_year:
                y = head_year + (1 if head_month == 12 and mo == 1 else 0)
            else:
                y = _year_of_day(mo, d, meta.period_start, meta.period_end)
        if y:
            meta.report_date = _safe_date(y, mo, d)
    elif hm:
        meta.report_date = _safe_date(head_year, head_month, 1)
    if meta.period_start is not None and meta.period_end is None and meta.report_date:
        meta.period_end = meta.report_date  # "từ năm 2019 đến nay"
    if n_years and meta.period_start is None and meta.report_date:
        meta.period_end = meta.report_date
        meta.period_start = _safe_date(meta.report_date.year - n_years, meta.report_date.month, 1)
    if meta.report_date:
        meta.report_date_source = "text"
    meta.province, meta.scope = place_report(text, low, meta.report_date)
    if meta.scope:
        meta.province_source = "text"
    meta.n_years = n_years
    return meta


def resolve(meta: Meta, text: str, low: str, source=None) -> Meta:
    """The report's place and time from what a manifest row says (source: extractors.ReportSource),
    then the text, then the outlet of the row's url:
      - province: the row's province (or "toàn quốc": national); else the text's; else the outlet of
        the url (a provincial paper, station or police portal); province_source says which;
      - report date: the row's `published`, else the text's;
      - period: as the text names it, read against the report date: a period still running on the
        report date ends on it ("năm 2023" in a report of 28/7/2023 covers 1/1 to 28/7/2023), and
        "5 năm qua" ends at the report date."""
    if source is not None:
        meta.source_url = source.url or None
        if source.published and source.published != meta.report_date:
            meta = _redate(meta, text, low, source.published)
        if source.published:
            meta.report_date_source = "manifest"
        if source.scope:
            meta.scope, meta.province, meta.province_source = source.scope, source.province, "manifest"
        elif meta.scope is None and source.url:
            from .gazetteer import outlet_of_url

            province, how = outlet_of_url(source.url, _FOLDED_PROVINCE)
            if province:
                meta.province, meta.scope, meta.province_source = province, "province", "outlet"
    # a period cannot run past the day it is reported on
    if (
        meta.report_date
        and meta.period_start
        and meta.period_end
        and meta.period_start <= meta.report_date < meta.period_end
    ):
        meta.period_end = meta.report_date
    return meta


def _redate(meta: Meta, text: str, low: str, published: date) -> Meta:
    """meta with the report date a manifest gives: the periods named by their length ("5 năm qua")
    end on it, and a commune named in a report after the 2025 reorganisation is one of the new ones."""
    meta.report_date = published
    n_years = meta.n_years
    if n_years and meta.period_label and re.match(r"\d{1,2} năm ", meta.period_label) and "(" not in meta.period_label:
        meta.period_end = published
        meta.period_start = _safe_date(published.year - n_years, published.month, 1)
    meta.province, meta.scope = place_report(text, low, published)
    meta.province_source = "text" if meta.scope else None
    return meta
