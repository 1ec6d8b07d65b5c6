"""The lexicons of extractors/lexicons/*.yaml, loaded and compiled once at import.

Everything here is data made ready for the rules: regexes compiled, word lists turned into
alternations (longest first, so "gần như" wins over "gần"), measures checked against
measures.csv.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from re import Pattern

import yaml

HERE = Path(__file__).resolve().parent
LEXICONS = HERE / "lexicons"
REPO = HERE.parent


# a Vietnamese capital letter
UPPER = "[A-ZĐÀÁẢÃẠĂẮẰẲẴẶÂẤẦẨẪẬÈÉẺẼẸÊẾỀỂỄỆÌÍỈĨỊÒÓỎÕỌÔỐỒỔỖỘƠỚỜỞỠỢÙÚỦŨỤƯỨỪỬỮỰỲÝỶỸỴ]"


def _load(name: str):
    with open(LEXICONS / name, encoding="utf-8") as f:
        return yaml.safe_load(f)


def alternation(words) -> str:
    """A regex alternation of literal words, longest first."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


# ---- measures -------------------------------------------------------------------------------


def measures_csv_path() -> Path:
    """The measure codes live in the dbt seed (a copy of ../shared/domain/measures.csv)."""
    seed = REPO / "dbt_project" / "seeds" / "measures.csv"
    if seed.exists():
        return seed
    shared = Path(os.environ.get("ANTQ_SHARED_DIR", REPO.parent / "shared")) / "domain" / "measures.csv"
    if shared.exists():
        return shared
    raise FileNotFoundError(f"measures.csv not found at {seed} nor {shared}")


def load_measures() -> dict[str, dict]:
    with open(measures_csv_path(), encoding="utf-8", newline="") as f:
        return {row["measure"]: row for row in csv.DictReader(f)}


MEASURES: dict[str, dict] = load_measures()


# ---- unit rules -----------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRule:
    unit: Pattern
    measure: str | None
    left: Pattern | None = None
    right: Pattern | None = None
    ctx: Pattern | None = None
    sent: Pattern | None = None
    not_left: Pattern | None = None
    not_right: Pattern | None = None
    not_ctx: Pattern | None = None
    not_sent: Pattern | None = None
    kind: str | None = None
    attrs: dict = field(default_factory=dict)
    source: str = ""
    line: int = 0  # its line in units.yaml
    rule_id: str = ""  # what `antq extract --explain` prints: "units.yaml:57"
    # the conditions above that the rule has, as (where, pattern, must occur, literal_starts of the
    # pattern): classify.py loops over these few instead of testing all eight fields of every rule
    # whose unit matches
    checks: tuple = ()
    # the literal_starts of the first condition that must occur, when they are few: a sentence without
    # any of them cannot hold the rule, which is then not tried at all (testing many literals on every
    # sentence costs more than it saves)
    gate: tuple[str, ...] | None = None


# where a condition of a unit rule is searched (UnitRule.checks)
LEFT, RIGHT, NOT_RIGHT, CTX, SENT = range(5)
_CHECK_OF = {
    "left": (LEFT, True),
    "right": (RIGHT, True),
    "ctx": (CTX, True),
    "sent": (SENT, True),
    "not_left": (LEFT, False),
    "not_right": (NOT_RIGHT, False),
    "not_ctx": (CTX, False),
    "not_sent": (SENT, False),
}


def _expand(rx: str, macros: dict[str, str]) -> str:
    return re.sub(r"\{([A-Z_]+)\}", lambda m: macros[m.group(1)], rx)


def _rule_lines(name: str, key: str) -> list[int]:
    """The line (1-based) where each item of the list `key` of a lexicon file starts."""
    with open(LEXICONS / name, encoding="utf-8") as f:
        root = yaml.compose(f)
    seq = next(v for k, v in root.value if k.value == key)
    return [item.start_mark.line + 1 for item in seq.value]


def literal_starts(pattern: Pattern, most: int = 12) -> tuple[str, ...] | None:
    """Literal strings one of which every match of pattern starts with ("trung bình", "bình quân" for
    "(?:trung bình|bình quân)(?: từ)? $"), or None when that is not simple to tell or would take more
    than `most` strings. A text that holds none of them holds no match anywhere: a scan for a literal
    (`in`) runs at C speed, while a search for the pattern tries it at every position."""
    from re import _parser as sre_parse  # the standard library's own regex parser
    from re._constants import ASSERT, ASSERT_NOT, AT, BRANCH, IN, LITERAL, MAX_REPEAT, MIN_REPEAT, SUBPATTERN

    class Unknown(Exception):
        pass

    def run(items, open_: set[str]) -> tuple[set[str], set[str]]:
        """(prefixes still open after items, prefixes where reading stopped) from the open ones."""
        done: set[str] = set()
        for op, av in items:
            new_done: set[str] = set()
            if op == LITERAL:
                new_open = {p + chr(av) for p in open_}
            elif op == SUBPATTERN:
                if av[1] & re.IGNORECASE:
                    raise Unknown
                new_open, new_done = run(av[-1], open_)
            elif op == BRANCH:
                new_open = set()
                for alt in av[1]:
                    o, d = run(alt, open_)
                    new_open |= o
                    new_done |= d
            elif op in (MAX_REPEAT, MIN_REPEAT) and av[0] == 0 and av[1] == 1:
                new_open, new_done = run(av[2], open_)
                new_open |= open_
            elif op in (ASSERT, ASSERT_NOT, AT):
                continue  # consumes nothing
            elif op == IN and all(iop == LITERAL for iop, _ in av) and len(av) <= 4:
                new_open = {p + chr(c) for p in open_ for _, c in av}
            else:
                new_open = None
            if new_open is None or len(new_open | new_done | done) > most:
                return set(), done | open_  # stop here: what was read so far starts every match
            open_, done = new_open, done | new_done
        return open_, done

    if pattern.flags & re.IGNORECASE:
        return None
    try:
        rest, done = run(sre_parse.parse(pattern.pattern, pattern.flags), {""})
    except (Unknown, RecursionError):
        return None
    starts = done | rest
    if not starts or "" in starts or len(starts) > most:
        return None
    # a string that holds another of them adds nothing to the test ("bắt giữ" holds "bắt")
    return tuple(sorted(s for s in starts if not any(t != s and t in s for t in starts)))


def _load_unit_rules() -> list[UnitRule]:
    data = _load("units.yaml")
    macros = data.get("macros", {})
    rules = []
    for r, line in zip(data["rules"], _rule_lines("units.yaml", "rules")):
        measure = r.get("measure")
        if measure is not None and measure not in MEASURES:
            raise ValueError(f"units.yaml: unknown measure {measure!r} (not in measures.csv)")
        unit_rx = _expand(r["unit"], macros)
        kw = {}
        checks = []
        for key in ("left", "right", "ctx", "sent", "not_left", "not_right", "not_ctx", "not_sent"):
            if r.get(key):
                kw[key] = re.compile(_expand(r[key], macros))
                where, present = _CHECK_OF[key]
                checks.append((where, kw[key], present, literal_starts(kw[key])))
        rules.append(
            UnitRule(
                unit=re.compile(rf"(?:{unit_rx})(?!\w)"),
                measure=measure,
                kind=r.get("kind"),
                attrs=r.get("attrs") or {},
                source=r["unit"],
                line=line,
                rule_id=f"units.yaml:{line}",
                checks=tuple(checks),
                gate=next((st for _, _, present, st in checks if present and st and len(st) <= 3), None),
                **kw,
            )
        )
    return rules


UNIT_RULES: list[UnitRule] = _load_unit_rules()


def _first_words(pattern: str, two: bool = False) -> tuple[frozenset[str], frozenset[str]] | None:
    """The first words a match of pattern can start with: (whole words, prefixes of a word), or None
    when that is not simple to tell. A word is a run of \\w characters; the pattern's end ends one.
    two: the first two words joined by one space instead ("lượt người"); a match whose first word is
    followed by other punctuation ("tổ, đội") is left out (no two-word key can start it), one whose first
    word the pattern may end with is kept as the prefix "word " (any second word)."""
    from re import _parser as sre_parse  # the standard library's own regex parser
    from re._constants import ASSERT, ASSERT_NOT, AT, BRANCH, IN, LITERAL, MAX_REPEAT, MIN_REPEAT, SUBPATTERN

    class Unknown(Exception):
        pass

    def run(items, open_: set[str], words: set[str], partial: set[str]) -> set[str]:
        for op, av in items:
            if not open_:
                return open_
            if len(open_) > 3000:
                raise Unknown
            if op == LITERAL:
                open_ = _add_chars(open_, [chr(av)], words)
            elif op == IN:
                if any(iop != LITERAL for iop, _ in av):
                    partial |= open_
                    return set()
                open_ = _add_chars(open_, [chr(iav) for _, iav in av], words)
            elif op == SUBPATTERN:
                open_ = run(av[-1], open_, words, partial)
            elif op == BRANCH:
                out: set[str] = set()
                for alt in av[1]:
                    out |= run(alt, set(open_), words, partial)
                open_ = out
            elif op in (MAX_REPEAT, MIN_REPEAT) and av[0] == 0 and av[1] == 1:
                open_ = open_ | run(av[2], set(open_), words, partial)
            elif op in (ASSERT, ASSERT_NOT, AT):
                continue
            else:
                partial |= open_
                return set()
        return open_

    def _add_chars(open_: set[str], chars: list[str], words: set[str]) -> set[str]:
        out = set()
        for p in open_:
            for c in chars:
                if c.isalnum() or c == "_" or (two and c == " " and p and " " not in p):
                    out.add(p + c)
                elif p:
                    if not two or " " in p:
                        words.add(p)
                else:
                    raise Unknown  # a pattern that starts with a non-word character
        return out

    words: set[str] = set()
    partial: set[str] = set()
    try:
        rest = run(sre_parse.parse(pattern), {""}, words, partial)
    except Exception:
        return None
    if "" in partial or "" in rest:
        return None
    if two:  # a match that may end within its first two words: any continuation may follow
        for w in rest:
            if " " in w[:-1]:
                words.add(w)
            else:
                partial.add(w if w.endswith(" ") else w + " ")
    else:
        words |= rest
    return frozenset(words), frozenset(partial)


_WORD_AT = re.compile(r"\w+")


class RuleIndex:
    """The unit rules that can match a unit starting with given words, in their order, computed
    once per word and once per pair of words: a unit's first word alone leaves many rules to try
    ("lượt" 31, "tổ" 20), its first two words few."""

    def __init__(self, rules: list[UnitRule]):
        self.rules = rules
        self.first = [_first_words(r.unit.pattern) for r in rules]
        # (keyed by the rule's id: a UnitRule holds a dict, so it has no hash)
        self.first_two = {id(r): _first_words(r.unit.pattern, two=True) for r in rules}
        self.cache: dict[str, tuple[UnitRule, ...]] = {}
        # keyed by UNIT_HEAD_RE's match: the first word, or the first two words
        self.entry_cache: dict[str, tuple[tuple, ...]] = {}

    def for_text(self, ulow: str) -> tuple[UnitRule, ...]:
        m = _WORD_AT.match(ulow)
        w = m.group() if m else ""
        hit = self.cache.get(w)
        if hit is None:
            hit = tuple(
                r
                for r, f in zip(self.rules, self.first)
                if f is None or w in f[0] or any(w.startswith(p) for p in f[1])
            )
            if len(self.cache) < 20000:
                self.cache[w] = hit
        return hit

    def for_head(self, ulow: str) -> tuple[UnitRule, ...]:
        """for_text's rules that can match after the first two words of ulow too."""
        rules = self.for_text(ulow)
        m = UNIT_HEAD_RE.match(ulow)
        head = m.group() if m else ""
        if " " not in head:
            return rules
        return tuple(
            r
            for r in rules
            if (f := self.first_two[id(r)]) is None or head in f[0] or any(head.startswith(p) for p in f[1])
        )

    def entries_for_text(self, ulow: str) -> tuple[tuple, ...]:
        """for_head's rules as (gate, unit.match, measure, checks, rule): the fields classify.py reads
        of every rule it tries, fetched once per head rather than once per number and rule."""
        m = UNIT_HEAD_RE.match(ulow)
        head = m.group() if m else ""
        hit = self.entry_cache.get(head)
        if hit is None:
            hit = tuple((r.gate, r.unit.match, r.measure, r.checks, r) for r in self.for_head(ulow))
            if len(self.entry_cache) < 20000:
                self.entry_cache[head] = hit
        return hit


# the head of a unit that RuleIndex's rules are looked up by: its first word, or first two words
UNIT_HEAD_RE = re.compile(r"\w+(?: \w+)?")
UNIT_RULE_INDEX = RuleIndex(UNIT_RULES)


# ---- word lists -----------------------------------------------------------------------------

_WORDS = _load("words.yaml")

QUALIFIER_OF: dict[str, str] = {w: q for q, ws in _WORDS["qualifiers"].items() for w in ws}
IDENTIFIER_BEFORE = frozenset(_WORDS["identifier_before"])
AGENCY_BEFORE = frozenset(_WORDS["agency_before"])
PLACE_AFTER_RE = re.compile(rf"\s*(?:{alternation(_WORDS['place_after'])})(?!\w)")
DATE_BEFORE = frozenset(_WORDS["date_before"])
CHANGE_BEFORE = frozenset(_WORDS["change_before"])


# every phrase that may stand right before a number -> what it makes of the number
TAIL_KINDS: dict[str, frozenset[str]] = {}
for _kind, _words in (
    ("identifier", IDENTIFIER_BEFORE),
    ("agency", AGENCY_BEFORE),
    ("date", DATE_BEFORE),
    ("change", CHANGE_BEFORE),
):
    for _w in _words:
        TAIL_KINDS[_w] = TAIL_KINDS.get(_w, frozenset()) | {_kind}


def tail_kinds(phrases) -> frozenset[str]:
    out = frozenset()
    for p in phrases:
        k = TAIL_KINDS.get(p)
        if k:
            out = out | k
    return out


def tail_lookup(phrases, table) -> str | None:
    """The longest phrase of `phrases` in table (a set or dict)."""
    for p in reversed(phrases):
        if p in table:
            return p
    return None


@dataclass(frozen=True, slots=True)
class Tail:
    """What the words right before a number make of it."""

    # the phrases of 1..max_words words that end right before the number, shortest first; none when
    # punctuation stands between them and the number
    phrases: tuple[str, ...]
    qualifier: str | None  # the longest phrase that is a qualifier ("hơn", "tới gần"), if any
    kinds: frozenset[str]  # of TAIL_KINDS: "identifier", "agency", "date", "change"


_NO_TAIL = Tail((), None, frozenset())
# the same few words stand before numbers again and again: their Tail is computed once
_TAIL_OF: dict[tuple[str, ...], Tail] = {}


def tail_of(left: str, max_words: int = 4) -> Tail:
    """The Tail of the lower-cased text `left` that ends right before a number."""
    t = left.rstrip(" ")
    if not t or not t[-1].isalnum():
        return _NO_TAIL
    words = t.rsplit(None, max_words)
    if len(words) > max_words or (len(left) >= 50 and len(words) > 1):
        del words[0]  # the first may be cut by the slice the caller took
    key = tuple(words)
    hit = _TAIL_OF.get(key)
    if hit is None:
        out = []
        phrase = ""
        for k in range(1, len(words) + 1):
            w = words[-k]
            if k > 1 and not w[-1].isalnum():
                break
            phrase = w if k == 1 else w + " " + phrase
            out.append(phrase)
        phrases = tuple(out)
        hit = Tail(phrases, tail_lookup(phrases, QUALIFIER_OF), tail_kinds(phrases))
        if len(_TAIL_OF) < 50000:
            _TAIL_OF[key] = hit
    return hit


def trie_alternation(words) -> str:
    """A regex that matches exactly the literal words, written as a trie ("c(?:ho|ủa)"): the regex
    engine then tries one branch per character instead of every word in turn."""
    trie: dict = {}
    for w in set(words):
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def rx(node: dict) -> str:
        end = "" in node
        alts = [re.escape(ch) + rx(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if end:
            return f"(?:{body})?" if len(alts) > 1 or len(alts[0]) > 1 else body + "?"
        return body

    return rx(trie)


_PUNCT_STOP = ",;:.()\\[\\]…!?\"“”'‘’/–\n-"
# The end of a unit's words, searched on the lower-cased sentence: punctuation, or a space before a
# stop word or before " - ". The pattern opens with one character class, so the engine scans for
# it at C speed; a space then must be followed by a stop word.
UNIT_STOP_RE = re.compile(
    rf"[\s{_PUNCT_STOP}](?:(?<=[{_PUNCT_STOP}])|(?=(?:{trie_alternation(_WORDS['unit_stop'])}"
    rf"|{'|'.join(_WORDS['unit_stop_patterns'])})(?!\w)|-\s))"
)
NOT_UNIT = frozenset(_WORDS["not_unit"])
ACTIVITY_RE = re.compile("|".join(sorted(_WORDS["activities"], key=len, reverse=True)))
ACTIVITY_KEYWORDS = tuple(_WORDS["activity_keywords"])


def _check_activity_keywords() -> None:
    """Each activity pattern must need one of the keywords, or the keyword filter would hide it."""
    for rx in _WORDS["activities"]:
        if not any(k in rx for k in ACTIVITY_KEYWORDS):
            raise ValueError(f"words.yaml: activity {rx!r} has none of activity_keywords")


_check_activity_keywords()

# ---- awards ---------------------------------------------------------------------------------

_AWARDS = _load("awards.yaml")
AWARD_TYPE_OF: dict[str, str] = {w: code for code, ws in _AWARDS["award_types"].items() for w in ws}
AWARD_TYPE_RE = re.compile(rf"(?i)(?<!\w)({alternation(AWARD_TYPE_OF)})(?!\w)")
PROPOSED_RE = re.compile(rf"(?i)(?<!\w)(?:{alternation(_AWARDS['proposed'])})(?!\w)")
# the same on lower-cased text, without the leading look-behind (a pattern that starts with a plain
# alternation is scanned for at C speed; the caller checks the character before a match)
AWARD_TYPE_LOW_RE = re.compile(rf"({alternation(AWARD_TYPE_OF)})(?!\w)")
# the issuer of an award only one body gives, found by the award's name in lower-cased text
ISSUER_OF_AWARD = [(re.compile(rx), name) for rx, name in (_AWARDS.get("issuer_of_award") or {}).items()]
PROPOSED_LOW_RE = re.compile(rf"(?:{alternation(_AWARDS['proposed'])})(?!\w)")
_TITLES = "|".join(sorted(_AWARDS["titles"], key=len, reverse=True))
# function words between an issuer and its verb ("đã", "vừa") and the verbs that give an award
ISSUER_GAP = alternation(_AWARDS["issuer_verb_gap"])
GIVE_VERBS = alternation(_AWARDS["give_verbs"])
_GIVE_AHEAD = rf"(?: (?:{ISSUER_GAP}))* (?:{GIVE_VERBS})(?!\w)"
_ISSUER_MACROS = {"{UP}": UPPER, "{GIVE}": rf"(?={_GIVE_AHEAD}|,| và|$)", "{GIVE_ONLY}": rf"(?={_GIVE_AHEAD}|$)"}


def _inst(rx: str) -> str:
    for k, v in _ISSUER_MACROS.items():
        rx = rx.replace(k, v)
    return rx


_INSTS = "|".join(sorted((_inst(i) for i in _AWARDS["institutions"]), key=len, reverse=True))
# a scope as written and with a capital first letter: "Công an thành phố", "Công an Thành phố"
_SCOPES = alternation({v for s in _AWARDS["scopes"] for v in (s, s[:1].upper() + s[1:])})
# the name after a scope: " Lâm Đồng", " Krông Pắc", and after "TP" also ".HCM", ". Hồ Chí Minh"
_PROPER = rf"{UPPER}[\w']*(?:[ -]{UPPER}[\w']*){{0,3}}"
_NAME = rf"(?:(?:(?<=TP)|(?<=Tp))\.[ ]?{_PROPER}| {_PROPER})?"
# [title] institution [scope [name] | name]: "Giám đốc Công an tỉnh Lâm Đồng", "Tỉnh ủy Sóc Trăng"
ISSUER_RE = re.compile(rf"(?<!\w)(?:(?:{_TITLES}) )?(?:{_INSTS})(?: (?:{_SCOPES})(?!\w){_NAME}| {_PROPER})?(?!\w)")
_NEEDS_SCOPE_RE = re.compile(rf"^(?:(?:{_TITLES}) )?(?:{'|'.join(_AWARDS['needs_scope'])})$")
# where an issuer may start: a capital letter, or the "ủy"/"uỷ" of a lower-case "ủy ban nhân dân"
# (finding these first and trying ISSUER_RE there is faster than ISSUER_RE.finditer)
ISSUER_START_RE = re.compile(UPPER[:-1] + "ủu]")


def issuer_matches(text: str):
    """The matches of ISSUER_RE in text, as ISSUER_RE.finditer(text) finds them."""
    end = 0
    for m in ISSUER_START_RE.finditer(text):
        p = m.start()
        if p < end or (p and (text[p - 1].isalnum() or text[p - 1] == "_")):
            continue
        im = ISSUER_RE.match(text, p)
        if im:
            end = im.end()
            yield im


# function words a loose institution pattern may have taken at the end of a name: "Bộ Công an đã"
_ISSUER_TAIL_RE = re.compile(rf"(?:[ ]+(?:{ISSUER_GAP}|được|thì|cũng đã))+$")


def issuer_ok(name: str) -> bool:
    """Whether a match of ISSUER_RE names an institution that can give an award."""
    return not _NEEDS_SCOPE_RE.match(name)


def clean_issuer(name: str) -> str:
    """An issuer's name without the function words that may follow it: "Bộ Công an đã" -> "Bộ Công an"."""
    return _ISSUER_TAIL_RE.sub("", name.strip())


# ---- percentages, fractions, numbers that name something (statistics.yaml) -------------------

_STATS = _load("statistics.yaml")
PCT_NOT_FIGURE_BEFORE_RE = re.compile(rf"(?:{alternation(_STATS['pct_not_figure_before'])})[ ]*$")
PCT_TARGET_AFTER_RE = re.compile(rf"[ ]*(?:{alternation(_STATS['pct_target_after'])})(?!\w)")
# a sentence worth joining in holds one of these (tested with `in`: a literal scan runs at C speed, a
# regex alternation tries every position)
FRACTION_JOINERS = tuple(_STATS["fraction_joiners"])
FRACTION_JOINER_RE = re.compile(rf"[ ]+(?:{alternation(_STATS['fraction_joiners'])})[ ]+$")
COVERAGE_NOUN_RE = re.compile(rf"(?:{alternation(_STATS['coverage_nouns'])})(?!\w)")
PERIOD_COMPARISON_RE = re.compile(alternation(_STATS["period_comparison"]))
NAME_QUOTES = _STATS["name_quotes"]
NAME_MAX_WORDS = int(_STATS["name_max_words"])
COUNTING_SO = frozenset(_WORDS["counting_so"])
DATE_CONTEXT = frozenset(_WORDS["date_context"])
YEAR_BEFORE = frozenset(_WORDS["year_before"])

# ---- attribute words (attributes.yaml) --------------------------------------------------------

_ATTRS = _load("attributes.yaml")
CLUSTER_GROUP_TYPE = _ATTRS["cluster_group_type"]
CLUSTER_UNITS = tuple(_ATTRS["cluster_units"])
POLICE_ROLE_RE = re.compile(_ATTRS["police_role"])
POLICE_PERSON_HEADS = frozenset(_ATTRS["police_person_heads"])
MODEL_RECOGNISED_RE = re.compile(_ATTRS["model_recognised"])
TEASER_RE = re.compile(rf"[\s>»]*(?:>>|(?:{alternation(_WORDS['teaser_openers'])})(?!\w))")
MODEL_REPLICATED_RE = re.compile(_ATTRS["model_replicated"])
MODEL_REPLICATED_INTO_RE = re.compile(rf"[ ]+(?:{alternation(_ATTRS['model_replicated_into'])})(?!\w)[^,;.]{{0,40}}$")
PARTS_OPEN = alternation(_ATTRS["parts_open"])
PARTS_END_RE = re.compile(rf"(?<!\w)(?:{alternation(_ATTRS['parts_end'])})(?!\w)")
ACTIVITY_GAP_RE = re.compile(rf"[ ,]*(?:{alternation(_ATTRS['activity_gap'])})?[ ]*(?:hơn|gần|trên|khoảng)?[ ]*$")
TOTAL_OF_RE = re.compile(
    rf"(?:{alternation(_ATTRS['total_of_before'])})[ ]+(?P<noun>[^\d,;:.()]{{2,70}}?)[ ]*"
    rf"(?:{alternation(_ATTRS['total_of_verbs'])})?[ ]*(?:con số|mức)?[ ]*(?:hơn|gần|khoảng|trên|tới)?[ ]*:?[ ]*$"
)
MONEY_SCALES = frozenset(_ATTRS["money_scales"])
STATED_PCT_RE = re.compile(
    rf"(?:{alternation(_STATS['stated_pct_verbs'])})[ ]+"
    rf"(?:(?:{alternation(_STATS['stated_pct_gap'])})[ ]+)?(?P<pct>\d+(?:,\d+)?)[ ]?%"
)
REACHED_RE = re.compile(rf"(?:{alternation(_STATS['stated_pct_verbs'])})[ ]*$")
AVERAGE_WORDS = tuple(_STATS["average_before"])  # a sentence that may hold one holds one of these
AVERAGE_BEFORE_RE = re.compile(rf"(?:{alternation(_STATS['average_before'])})[^,;]{{0,12}}$")
PER_UNIT_RE = re.compile(rf"[ ]?(?:{COVERAGE_NOUN_RE.pattern}|(?:{alternation(_STATS['per_unit_nouns'])})(?!\w))")
REACHES_STANDARD_RE = re.compile(
    rf"[^;]{{0,80}}?(?:{alternation(_STATS['reaches_standard'])}"
    rf"|(?:{alternation(_STATS['rating_words'])}) (?:{alternation(_STATS['ratings'])})(?!\w))"
)
RATED_SET_RE = re.compile(rf"(?:{alternation(_STATS['rated_set_before'])})[ ]*$")
