"""Every figure of a report: find the numbers, drop those that are not figures, read what each
counts, and fill its attributes. This module runs the steps; each step is a module of its own:

  1. candidates.py   every number as written ("1.107", "48,55 triệu", "252.554/250.814", "106,7%"),
                     and numbers in words after "hàng" (read, never emitted);
  2. not_figures.py  dates, years, ranges, identifiers ("Đề án 06"), changes of counts ("giảm 12 vụ"),
                     names holding a number (“5 tự quản”), clock times, list markers, page furniture;
  3. classify.py     the measure, from the counted noun, its verb and the sentence's topic: the first
                     rule of lexicons/units.yaml whose unit and conditions match;
  4. fractions.py    fractions (coverage, target, or neither), percentages, averages;
  5. attributes.py   awards (issuer, award type, status), model status, campaign activity;
  6. parts.py        part_of: "726 nguồn tin, trong đó 655 ...", breakdowns by place.

Every decision is recorded on the candidate (`how`, `why_dropped`) when `antq extract --explain` asks for a trace.
"""

from __future__ import annotations

from ..model import Figure, figure_from_dict
from . import attributes, classify, fractions, not_figures, parts
from .candidates import Cand, candidate, find_numbers, word_candidate
from .segment import clause_bounds, sentences

# how far around a number its clause is read, at most: the longest sentence of the dev and sample
# reports is under 1 000 characters, so no real clause is cut; a longer one is a list or a dump, where
# reading the whole of it for each number made extraction quadratic (#15)
CONTEXT_CHARS = 1200


def extract_figures(
    text: str, doc: str, low_text: str | None = None, trace: list | None = None, deadline=None
) -> list[Figure]:
    """The figures of a report's text; `low_text` is lower_aligned(text) when the caller has it.
    Given a list as `trace`, appends one entry per number read (explain.py turns them into words);
    given a model.Deadline, raises OverTimeBudget once it has passed (checked per sentence)."""
    spans = sentences(text)
    low_text = lower_aligned(text) if low_text is None else low_text
    skipped: list | None = [] if trace is not None else None
    by_sentence = find_numbers(text, low_text, spans, skipped)
    out: list[Figure] = []
    prev_i, prev_kept = -2, []
    for i, ms in by_sentence.items():
        a, b = spans[i]
        if deadline is not None:
            deadline.check(f"at character {a:,} of {len(text):,}")
        if not_figures.is_page_furniture(low_text, a, b):
            if trace is not None:
                trace.extend(
                    {"start": a + s, "surface": text[a + s : a + e], "dropped": "not_figures:page_furniture"}
                    for s, e, *_ in ms
                )
            continue
        figures, kept = _sentence_figures(
            doc, text[a:b], low_text[a:b], a, ms, prev_kept if prev_i == i - 1 else None, trace, deadline
        )
        out.extend(figures)
        prev_i, prev_kept = i, kept
    if trace is not None:
        trace.extend({"start": s, "surface": g, "dropped": why} for s, g, why in skipped)
        trace.sort(key=lambda t: t["start"])
    return out


def lower_aligned(s: str) -> str:
    """s.lower() with the same length, so offsets stay valid."""
    low = s.lower()
    if len(low) != len(s):  # keep offsets aligned ("İ" lower-cases to two characters)
        low = "".join(c.lower()[0] for c in s)
    return low


def _sentence_figures(
    doc: str,
    sent: str,
    low: str,
    offset: int,
    ms,
    before: list[Cand] | None = None,
    trace: list | None = None,
    deadline=None,
) -> tuple[list[Figure], list[Cand]]:
    """The figures of one sentence, and the candidates kept (for the next sentence: `before` are
    those of the sentence right before this one)."""
    cands: list[Cand] = []
    n = len(low)
    # one clause: no search per number; a sentence longer than any real one (a list of thousands of
    # numbers) reads each number's clause only CONTEXT_CHARS around it, so its time stays linear
    whole = (0, n) if ";" not in low and n <= CONTEXT_CHARS else None
    quoted = not_figures.has_quotes(sent)  # once per sentence, not per number
    for s, e, num, den in ms:
        c = candidate(sent, low, s, e, num, den, quoted) if num is not None else word_candidate(sent, low, s, e, den)
        if isinstance(c, str):
            if trace is not None:
                trace.append({"start": offset + s, "surface": sent[s:e], "dropped": c, "sentence": sent})
            continue
        if trace is not None:
            c.how = []
        c.ca, c.cb = whole or clause_bounds(low, s, CONTEXT_CHARS)
        cands.append(c)
    if not cands:
        return [], []
    fractions.join_fractions(low, cands)
    averages = fractions.has_average_words(low)
    # measures, from the last number to the first so a number with no unit can take the next one's
    cache: dict = {}
    nxt: Cand | None = None
    years: list[Cand] = []
    for i in range(len(cands) - 1, -1, -1):
        if deadline is not None and not i % 512:  # a sentence may hold thousands of numbers
            deadline.check(f"at character {offset + cands[i].s:,}")
        c = cands[i]
        classify.classify(sent, low, c, nxt, cache)
        if c.maybe_year and not_figures.year_or_count(c):
            # no counted noun after it: a year, which is no candidate at all (the numbers around it
            # see past it, as they would if it were not there)
            c.measure, c.drop, c.why_dropped = None, True, "not_figures:year"
            years.append(c)
        else:
            nxt = c
    if years:
        cands = [c for c in cands if not (c.maybe_year and c.drop)]
        if trace is not None:
            trace.extend(
                {"start": offset + c.s, "surface": c.surface, "dropped": c.why_dropped, "sentence": sent} for c in years
            )
        if not cands:
            return [], []
    for c in cands:
        if (
            c.measure
            and not c.pct
            and c.den is None
            # (is_average needs one of these: no call for the other numbers)
            and (averages or low.startswith("/", c.unit_end or c.e))
            and fractions.is_average(low, c, averages)
        ):
            c.measure, c.attrs = "other", {"subject": "average"}  # "5,5 biên chế/xã": a rate, not a count
            if c.how is not None:  # (recorded for --explain only)
                c.how.append(("fractions.py:average", sent[c.s : (c.unit_end or c.e) + 8]))
        if not c.surface[:1].isdigit():
            # "hàng nghìn lượt ...": FIGURES.md makes a number in words optional at best; summed in a
            # mart as 1 000 it would mislead, so it is read (for --explain) but not emitted
            c.drop = True
            c.why_dropped = "candidates.py:number_in_words"
    fractions.fractions_and_percentages(sent, low, cands)
    fractions.coverage_counts(low, cands)
    kept = [c for c in cands if c.measure and not c.drop]
    attributes.award_attrs(sent, low, kept)
    # model_status and activities read the figures of one kind of rule each: called where there are some
    kinds = {c.rule.kind for c in kept if c.rule is not None}
    if "model" in kinds:
        attributes.model_status(low, kept)
    if "campaign" in kinds:
        attributes.activities(sent, low, kept)
    kept = parts.breakdown(sent, cands, kept)
    parts.part_of(low, kept, before)
    if trace is not None:
        for c in cands:
            entry = {"start": offset + c.s, "surface": c.surface, "sentence": sent, "how": c.how or []}
            if c.measure and not c.drop:
                entry.update(measure=c.measure, unit=c.unit, value=c.value, attrs=c.attrs)
            else:
                entry["dropped"] = c.why_dropped or (c.how[-1][0] if c.how else "classify.py:no_counted_noun")
            trace.append(entry)
    return [
        figure_from_dict(
            {
                "doc": doc,
                "surface": c.surface,
                "value": c.value,
                "unit": c.unit,
                "measure": c.measure,
                "qualifier": c.qualifier,
                "attrs": c.attrs,
                "start": offset + c.s,
                "end": offset + c.e,
                "sentence": sent,
            }
        )
        for c in kept
    ], kept
