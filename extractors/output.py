"""Figures for people and for machines: `cli_format_jsonl` (FIGURES.md form plus start, end,
sentence) and `cli_format_table` (a table a person reads)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator

from .model import Figure, Report


def figure_json(fig: Figure) -> dict:
    return fig.to_json()


def cli_format_jsonl(reports: Iterable[Report]) -> Iterator[str]:
    """One JSON object per figure (FIGURES.md form plus start, end, sentence)."""
    for r in reports:
        for f in r.figures:
            yield json.dumps(figure_json(f), ensure_ascii=False)


def report_json(r: Report) -> dict:
    """Where and when a report is from: one JSON object (`antq extract --format reports`)."""
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return {
        "doc": r.doc,
        "province": r.province,
        "province_source": r.province_source,
        "scope": r.scope,
        "report_date": iso(r.report_date),
        "report_date_source": r.report_date_source,
        "period_start": iso(r.period_start),
        "period_end": iso(r.period_end),
        "period_label": r.period_label,
        "outlet": r.outlet,
        "url": r.source_url,
        "figures": len(r.figures),
        "extractor_version": r.extractor_version,
    }


def cli_format_reports(reports: Iterable[Report]) -> Iterator[str]:
    """One JSON object per report: doc, province, province_source, scope, report date, period."""
    for r in reports:
        yield json.dumps(report_json(r), ensure_ascii=False)


def _width(s: str) -> int:
    return sum(0 if unicodedata.combining(c) else (2 if unicodedata.east_asian_width(c) in "WF" else 1) for c in s)


def _cut(s: str, n: int) -> str:
    s = " ".join(str(s).split())
    return s if len(s) <= n else s[: n - 1] + "…"


def _table_line(cells, widths) -> str:
    """One line of the table: the first cell right-aligned, the others left-aligned, by display width."""
    return (
        "  "
        + "  ".join(
            (c.rjust(w + len(c) - _width(c)) if i == 0 else c + " " * (w - _width(c)))
            for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()
    )


def _value(v: float) -> str:
    if float(v).is_integer():
        return f"{int(v):,}".replace(",", ".")
    return f"{v:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".").rstrip("0").rstrip(",")


_QUAL = {"exact": "", "more_than": ">", "nearly": "≈<", "about": "~", "at_least": "≥"}
_ATTR_KEYS = (
    "issuer",
    "award_type",
    "status",
    "target",
    "stated_pct",
    "total",
    "unit_kind",
    "group_type",
    "role",
    "activity",
    "part_of",
)


def _attrs(a: dict) -> str:
    parts = []
    for k in _ATTR_KEYS:
        if k in a:
            v = a[k]
            v = "+".join(map(str, v)) if isinstance(v, list) else v
            parts.append(f"{k}={v}")
    return "; ".join(parts)


def cli_format_table(reports: Iterable[Report], sentence_chars: int = 60) -> str:
    """A table per report: a header line (province, date, period) then one row per figure."""
    out: list[str] = []
    cols = ("value", "q", "unit", "measure", "attrs", "sentence")
    for r in reports:
        head = (
            f"{r.doc}  [{r.source_format}/{r.encoding or '-'}]  province={r.province or '?'}  "
            f"date={r.report_date or '?'}  period={r.period_label or '?'}  "
            f"figures={len(r.figures)}  extractor={r.extractor_version}"
        )
        out.append(head)
        rows = []
        for f in r.figures:
            rows.append(
                (
                    _value(f.value),
                    _QUAL.get(f.qualifier, f.qualifier),
                    _cut(f.unit, 28),
                    f.measure,
                    _cut(_attrs(f.attrs), 48),
                    _cut(_context(f), sentence_chars),
                )
            )
        if not rows:
            out.append("  (no figures)")
            out.append("")
            continue
        widths = [max(_width(c), *(_width(row[i]) for row in rows)) for i, c in enumerate(cols)]
        out.append(_table_line(cols, widths))
        out.append(_table_line(tuple("-" * w for w in widths), widths))
        out.extend(_table_line(row, widths) for row in rows)
        out.append("")
    return "\n".join(out)


def _context(f: Figure) -> str:
    """The sentence around the figure, starting a little before it."""
    s = f.sentence
    m = re.search(rf"(?<![\d.,]){re.escape(f.surface)}(?![\d]|[.,]\d)", s)
    i = m.start() if m else s.find(f.surface)
    if i > 25:
        s = "…" + s[i - 20 :]
    return s
