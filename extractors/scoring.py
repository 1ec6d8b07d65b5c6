"""Extracted figures scored against hand-labelled gold figures, as ../shared/domain/FIGURES.md
("Scoring") says and ../shared/tools/score_figures.py does; this is a reimplementation of that
scorer, number for number, plus the lists a person needs to see why a score is what it is.

The matching (all of it as in score_figures.py):
- gold rows are grouped by their `doc`; extracted rows by the file name of theirs (a path's last part);
- per doc, in doc-name order, the required (not `optional`) gold figures are matched greedily, in file
  order, one to one, each to the first free extracted figure with the same `measure` and a `value` within
  0.5% (|a - b| <= 0.005 * max(|a|, |b|));
- the extracted figures left over are then matched the same way against the optional gold figures, and
  those that match are neither right nor wrong: optional gold is left out of both counts;
- precision = matched / extracted, recall = matched / gold, summed over all gold docs; extracted figures
  of docs that have no gold count nowhere (they are only noted: `stray_docs`);
- attribute accuracy over the matched pairs: each of issuer, award_type, status, target, stated_pct,
  total that the GOLD figure has as a key is one attribute (an attribute only the extracted figure has is
  not scored; one the extracted figure lacks is compared as None, and so is right only where the gold
  value is empty: None, "" or []). Numbers are compared within 0.5%; anything else as the set of its
  items (a list, or the one value), each item stripped and lower-cased, None and "" dropped; an issuer is
  folded to the institution it names (diacritics, titles such as "Chủ tịch" and "Việt Nam" dropped,
  "UBND" = "Ủy ban nhân dân" ...).

`shared_sets()` and `extract_rows()` are for scoring the shared gold sets (seeds and the dev sets dA..dD)
in-process: `antq score-sets`, `make score` and tests/test_extract_scores.py.
"""

from __future__ import annotations

import collections
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

ATTRS = ("issuer", "award_type", "status", "target", "stated_pct", "total")
TOLERANCE = 0.005

DEV_PARTS = ("dA", "dB", "dC", "dD")


# ---- comparison ---------------------------------------------------------------------------------


def close(a, b) -> bool:
    """Two values equal within 0.5% of the larger; False when either is not a number."""
    try:
        a, b = float(a), float(b)
    except (TypeError, ValueError):
        return False
    return abs(a - b) <= TOLERANCE * max(abs(a), abs(b), 1e-9)


# An issuer is compared as the institution it names: titles dropped, abbreviations expanded,
# diacritics and tone-mark placement ignored ("Chủ tịch Uỷ ban nhân dân tỉnh" == "UBND tỉnh").
_ABBREV = {
    "ubnd": "uy ban nhan dan",
    "mttq": "mat tran to quoc",
    "ubmttq": "uy ban mat tran to quoc",
    "bca": "bo cong an",
    "ca": "cong an",
}
_TITLES = ("pho chu tich", "chu tich", "bo truong", "thu truong", "pho giam doc", "giam doc")


def fold_issuer(s) -> str:
    """The institution an issuer names, folded for comparison ("Chủ tịch UBND tỉnh" -> "uy ban nhan dan tinh")."""
    s = unicodedata.normalize("NFD", str(s).lower()).replace("đ", "d")
    s = "".join(c for c in s if unicodedata.category(c) != "Mn")
    words = [_ABBREV.get(w, w) for w in re.findall(r"[a-z0-9]+", s)]
    s = " ".join(words).replace("viet nam", "").strip()
    for title in _TITLES:
        if s.startswith(title + " "):
            s = s[len(title) + 1 :]
    return " ".join(s.split())


def _fold_plain(s) -> str:
    return str(s).strip().lower()


def same_attr(key: str, gold, got) -> bool:
    """Whether an extracted attribute value is the gold one (numbers within 0.5%, lists as sets)."""
    if isinstance(gold, (int, float)) and not isinstance(gold, bool):
        return close(gold, got)
    fold = fold_issuer if key == "issuer" else _fold_plain

    def as_set(v):
        return {fold(x) for x in (v if isinstance(v, list) else [v]) if x not in (None, "")}

    return as_set(gold) == as_set(got)


# ---- matching -----------------------------------------------------------------------------------


def match_doc(gold: Sequence[dict], got: Sequence[dict]) -> tuple[list[tuple[dict, dict]], list[dict], list[dict]]:
    """Greedy one-to-one matching of one doc's figures: (pairs, unmatched gold, unmatched extracted).
    Each gold figure in turn takes the first free extracted figure of its measure and value (0.5%)."""
    free = list(range(len(got)))
    pairs, missed = [], []
    for g in gold:
        hit = next(
            (i for i in free if got[i].get("measure") == g["measure"] and close(got[i].get("value"), g["value"])), None
        )
        if hit is None:
            missed.append(g)
        else:
            free.remove(hit)
            pairs.append((g, got[hit]))
    return pairs, missed, [got[i] for i in free]


def doc_key(row: dict) -> str:
    """The doc an extracted row belongs to: the file name of its `doc` (a path is allowed)."""
    return str(row.get("doc", "")).rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Score:
    docs: int  # gold docs
    gold: int  # required gold figures (optional ones left out)
    extracted: int  # extracted figures of gold docs, less those that match an optional gold figure
    matched: int
    attrs_ok: int
    attrs_total: int
    precision: float
    recall: float
    f1: float
    attr_accuracy: float | None  # None where no matched figure had a scored attribute (the scorer's "n/a")

    @classmethod
    def of(cls, docs: int, gold: int, extracted: int, matched: int, attrs_ok: int, attrs_total: int) -> Score:
        p = matched / extracted if extracted else 0.0
        r = matched / gold if gold else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        return cls(
            docs,
            gold,
            extracted,
            matched,
            attrs_ok,
            attrs_total,
            p,
            r,
            f1,
            attrs_ok / attrs_total if attrs_total else None,
        )

    def summary(self) -> str:
        """The two lines score_figures.py prints (the same words and numbers), attribute accuracy added."""
        attr = f"{self.attrs_ok}/{self.attrs_total}" if self.attrs_total else "n/a"
        acc = f"{self.attr_accuracy:.3f}" if self.attr_accuracy is not None else "n/a"
        return (
            f"docs={self.docs} gold={self.gold} extracted={self.extracted} matched={self.matched} "
            f"attrs_ok={attr}\n"
            f"precision={self.precision:.3f} recall={self.recall:.3f} f1={self.f1:.3f} attrs={acc}"
        )


def _figure_line(tag: str, doc: str, measure, value, surface, unit) -> str:
    """A MISSED or WRONG line, worded as score_figures.py prints it."""
    return f"{tag} {doc}: {measure} {value} ({surface} {unit})"


@dataclass(frozen=True)
class Miss:
    """A required gold figure no extracted figure matched."""

    doc: str
    gold: dict

    def line(self) -> str:
        g = self.gold
        return _figure_line("MISSED", self.doc, g["measure"], g["value"], g.get("surface"), g.get("unit", ""))


@dataclass(frozen=True)
class Wrong:
    """An extracted figure that matches no gold figure, required or optional."""

    doc: str
    extracted: dict

    def line(self) -> str:
        e = self.extracted
        return _figure_line(
            "WRONG ", self.doc, e.get("measure"), e.get("value"), e.get("surface", ""), e.get("unit", "")
        )


@dataclass(frozen=True)
class WrongAttr:
    """A matched figure with an attribute that is not the gold one."""

    doc: str
    key: str
    gold_value: object
    got_value: object  # None where the extracted figure lacks the attribute
    gold: dict
    extracted: dict

    def line(self) -> str:
        g = self.gold
        return (
            f"ATTR   {self.doc}: {g['measure']} {g['value']} ({g.get('surface')}) {self.key}: "
            f"gold {json.dumps(self.gold_value, ensure_ascii=False)} "
            f"got {json.dumps(self.got_value, ensure_ascii=False)}"
        )


@dataclass
class Result:
    score: Score
    misses: list[Miss] = field(default_factory=list)
    wrong: list[Wrong] = field(default_factory=list)
    wrong_attrs: list[WrongAttr] = field(default_factory=list)
    stray_docs: list[str] = field(default_factory=list)  # docs with extracted figures and no gold
    # 'missed <measure>' and 'wrong <measure>' counts, tallied (and so ordered) as the shared scorer does
    per_measure: collections.Counter = field(default_factory=collections.Counter)

    def error_lines(self) -> list[str]:
        """Per doc: MISSED lines, WRONG lines (score_figures.py's lines), then ATTR lines."""
        by_doc: dict[str, list[str]] = collections.defaultdict(list)
        order: list[str] = []
        for items in (self.misses, self.wrong, self.wrong_attrs):
            for it in items:
                if it.doc not in by_doc:
                    order.append(it.doc)
                by_doc[it.doc].append(it.line())
        return [line for doc in sorted(order) for line in by_doc[doc]]

    def report(self, show_errors: bool = False) -> str:
        """What `antq score` prints: the errors (if asked), the stray-doc note, the summary."""
        out = []
        if show_errors:
            out.extend(self.error_lines())
            out.extend(f"  {v:4d} {k}" for k, v in self.per_measure.most_common())
            attr_counts = collections.Counter(w.key for w in self.wrong_attrs)
            out.extend(f"  {v:4d} wrong attr {k}" for k, v in attr_counts.most_common())
        if self.stray_docs:
            out.append(
                f"note: extracted figures for {len(self.stray_docs)} docs that have no gold: {self.stray_docs[:5]}"
            )
        out.append(self.score.summary())
        return "\n".join(out)


def score(gold_rows: Iterable[dict], extracted_rows: Iterable[dict]) -> Result:
    """Score extracted figures (rows of `antq extract --format jsonl`) against gold figures (rows of a
    gold file). Row order matters as it does to the shared scorer: matching is greedy in file order."""
    gold: dict[str, list[dict]] = collections.defaultdict(list)
    got: dict[str, list[dict]] = collections.defaultdict(list)
    for r in gold_rows:
        gold[r["doc"]].append(r)
    for r in extracted_rows:
        got[doc_key(r)].append(r)

    tp = fp = fn = 0
    attr_ok = attr_all = 0
    misses: list[Miss] = []
    wrong: list[Wrong] = []
    wrong_attrs: list[WrongAttr] = []
    per_measure: collections.Counter = collections.Counter()
    for doc in sorted(gold):
        required = [g for g in gold[doc] if not g.get("optional")]
        optional = [g for g in gold[doc] if g.get("optional")]
        pairs, missed, extra = match_doc(required, got.get(doc, []))
        # extras that match an optional gold figure are not wrong
        _, _, extra = match_doc(optional, extra)
        tp += len(pairs)
        fn += len(missed)
        fp += len(extra)
        for g, e in pairs:
            g_attrs = g.get("attrs") or {}
            e_attrs = e.get("attrs") or {}
            for k in ATTRS:
                if k in g_attrs:
                    attr_all += 1
                    if same_attr(k, g_attrs[k], e_attrs.get(k)):
                        attr_ok += 1
                    else:
                        wrong_attrs.append(WrongAttr(doc, k, g_attrs[k], e_attrs.get(k), g, e))
        for g in missed:
            per_measure["missed " + g["measure"]] += 1
            misses.append(Miss(doc, g))
        for e in extra:
            per_measure["wrong " + str(e.get("measure"))] += 1
            wrong.append(Wrong(doc, e))
    return Result(
        Score.of(len(gold), tp + fn, tp + fp, tp, attr_ok, attr_all),
        misses,
        wrong,
        wrong_attrs,
        sorted(set(got) - set(gold)),
        per_measure,
    )


# ---- files ----------------------------------------------------------------------------------------


class ScoreInputError(ValueError):
    """A gold or extracted file that cannot be read as JSON lines."""


def load_jsonl(path) -> list[dict]:
    """The JSON objects of a .jsonl file, blank lines skipped."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ScoreInputError(f"{path}:{n}: not JSON: {e}") from None
    return rows


def score_files(gold_path, extracted_path) -> Result:
    return score(load_jsonl(gold_path), load_jsonl(extracted_path))


# ---- the shared gold sets -------------------------------------------------------------------------


def shared_dir() -> Path:
    """The shared contract folder: $ANTQ_SHARED_DIR, else ../shared beside the repository."""
    return Path(os.environ.get("ANTQ_SHARED_DIR", REPO.parent / "shared"))


@dataclass(frozen=True)
class GoldSet:
    name: str  # "seeds", "dA" ... "dD"
    gold: Path
    reports: tuple[Path, ...]


def shared_sets(shared: Path | None = None) -> list[GoldSet]:
    """The shared gold sets: seeds (gold/seeds.jsonl on reports/*.txt) and each dev part dX
    (dev/gold_dX.jsonl on dev/reports/dX_*.txt). Raises FileNotFoundError when any file is missing."""
    shared = Path(shared) if shared is not None else shared_dir()
    sets = [GoldSet("seeds", shared / "gold" / "seeds.jsonl", tuple(sorted((shared / "reports").glob("*.txt"))))]
    for part in DEV_PARTS:
        sets.append(
            GoldSet(
                part,
                shared / "dev" / f"gold_{part}.jsonl",
                tuple(sorted((shared / "dev" / "reports").glob(f"{part}_*.txt"))),
            )
        )
    for s in sets:
        if not s.gold.is_file():
            raise FileNotFoundError(
                f"gold file of set {s.name} missing: {s.gold} (the shared folder is $ANTQ_SHARED_DIR or ../shared)"
            )
        if not s.reports:
            raise FileNotFoundError(f"no reports of set {s.name} beside {s.gold}")
    return sets


def extract_rows(paths: Iterable[Path]) -> tuple[list[dict], list[str]]:
    """Extract report files in-process and return the rows `antq extract --format jsonl` would print,
    with the files that could not be read (as `path: reason`)."""
    import extractors

    reports, unreadable = [], []
    for p in paths:
        try:
            reports.append(extractors.extract_path(p))
        except extractors.UnreadableReport as err:
            unreadable.append(f"{p}: {err.reason}")
    return [json.loads(line) for line in extractors.cli_format_jsonl(reports)], unreadable


@dataclass
class SetRun:
    """One shared gold set, extracted and scored."""

    name: str
    gold_rows: list[dict]
    extracted_rows: list[dict]
    unreadable: list[str]
    result: Result


def run_sets(sets: Sequence[GoldSet] | None = None) -> dict[str, SetRun]:
    """Extract and score every shared set; keys "seeds", "dA" .. "dD"."""
    out = {}
    for s in sets if sets is not None else shared_sets():
        gold = load_jsonl(s.gold)
        rows, unreadable = extract_rows(s.reports)
        out[s.name] = SetRun(s.name, gold, rows, unreadable, score(gold, rows))
    return out


def pooled(runs: Sequence[SetRun]) -> Result:
    """The score of several sets taken together (their gold and extracted rows concatenated)."""
    return score([g for r in runs for g in r.gold_rows], [e for r in runs for e in r.extracted_rows])


def _acc(s: Score) -> str:
    return f"{s.attr_accuracy:.3f}" if s.attr_accuracy is not None else "  n/a"


def _row(label: str, s: Score) -> str:
    return (
        f"{label:<8} {s.docs:>4} {s.gold:>5} {s.extracted:>5} {s.matched:>5}  "
        f"{s.precision:.3f}  {s.recall:.3f}  {s.f1:.3f}  {_acc(s)}  {s.attrs_ok}/{s.attrs_total}"
    )


def sets_table(runs: dict[str, SetRun]) -> str:
    """One row per set, an "all dev" row, then the rotation: each dev part as the check part beside the
    other three (the tuning part)."""
    head = f"{'set':<8} {'docs':>4} {'gold':>5} {'extr':>5} {'match':>5}  prec   recall f1     attrs  ok/all"
    lines = [head, "-" * len(head)]
    for name, run in runs.items():
        lines.append(_row(name, run.result.score))
    dev = [runs[p] for p in DEV_PARTS if p in runs]
    if dev:
        lines.append(_row("all dev", pooled(dev).score))
    if len(dev) == len(DEV_PARTS):
        lines += [
            "",
            "rotation: each dev part as the check part, the other three as the tuning part",
            f"{'check':<6} prec   recall f1     attrs  | {'tuning':<9} prec   recall f1     attrs",
        ]
        for part in DEV_PARTS:
            c = runs[part].result.score
            others = [runs[p] for p in DEV_PARTS if p != part]
            t = pooled(others).score
            lines.append(
                f"{part:<6} {c.precision:.3f}  {c.recall:.3f}  {c.f1:.3f}  {_acc(c)}  | "
                f"{'+'.join(r.name for r in others):<9} {t.precision:.3f}  {t.recall:.3f}  "
                f"{t.f1:.3f}  {_acc(t)}"
            )
    for name, run in runs.items():
        for u in run.unreadable:
            lines.append(f"warning: {name}: cannot read {u}")
        if run.result.stray_docs:
            lines.append(f"note: {name}: extracted figures for docs with no gold: {run.result.stray_docs[:5]}")
    return "\n".join(lines)
