"""Figure extractor: Vietnamese ANTQ reports -> figures (FIGURES.md) with their report's province,
date and period.

Public API (stable):
    EXTRACTOR_VERSION
    extract_bytes(data, name, time_budget=None) -> Report
                                             raises UnreadableReport(reason) for bad input, nothing else;
                                             OverTimeBudget (an UnreadableReport) after time_budget seconds
    extract_text(text, doc, time_budget=None) -> Report
    extract_path(path) -> Report
    cli_format_table(reports) -> str
    cli_format_jsonl(reports) -> Iterator[str]
"""

from __future__ import annotations

import functools
import os
import unicodedata
from dataclasses import fields
from pathlib import Path

from .model import Deadline, Figure, OverTimeBudget, Report, ReportSource, UnreadableReport
from .output import cli_format_jsonl, cli_format_reports, cli_format_table

EXTRACTOR_VERSION = "1.6.1"

__all__ = [
    "EXTRACTOR_VERSION",
    "Figure",
    "Report",
    "ReportSource",
    "UnreadableReport",
    "OverTimeBudget",
    "extract_bytes",
    "extract_text",
    "extract_path",
    "cli_format_table",
    "cli_format_jsonl",
    "cli_format_reports",
]


_REPORT_FIELDS = frozenset(f.name for f in fields(Report))


@functools.cache
def _meta_fields_of_report(meta_type: type) -> tuple[str, ...]:
    """The fields of report_meta.Meta that a Report carries too, in Meta's order (looked up once)."""
    return tuple(f.name for f in fields(meta_type) if f.name in _REPORT_FIELDS)


def extract_text(
    text: str,
    doc: str,
    *,
    source_format: str = "txt",
    encoding: str | None = None,
    source: ReportSource | None = None,
    time_budget: float | None = None,
) -> Report:
    """Figures and metadata of a report given as text (normalised to NFC first). `source`: what a
    manifest row says of the report (its url, publication date, province), which comes first. Given
    time_budget (seconds), raises OverTimeBudget when extraction takes longer."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return _extract_nfc(text, doc, source_format, encoding, source, Deadline(time_budget) if time_budget else None)


def _extract_nfc(
    text: str,
    doc: str,
    source_format: str,
    encoding: str | None,
    source: ReportSource | None = None,
    deadline: Deadline | None = None,
) -> Report:
    """extract_text of a text already NFC."""
    from .report_meta import extract_meta, resolve
    from .rules.figures import extract_figures, lower_aligned

    low = lower_aligned(text)
    meta = resolve(extract_meta(text, low), text, low, source)
    figures = extract_figures(text, doc, low, deadline=deadline)
    return Report(
        doc=doc,
        text=text,
        figures=figures,
        extractor_version=EXTRACTOR_VERSION,
        source_format=source_format,
        encoding=encoding,
        # the metadata a Report carries: province, date, period ... (not Meta's working fields such as n_years)
        **{name: getattr(meta, name) for name in _meta_fields_of_report(type(meta))},
    )


def extract_bytes(
    data: bytes, name: str, source: ReportSource | None = None, time_budget: float | None = None
) -> Report:
    """Decode a report file's bytes (txt in any supported encoding, html, docx, pdf) and extract.
    Raises UnreadableReport(reason) when the bytes cannot become text; never anything else for bad input.
    Given time_budget (seconds, decoding included), raises OverTimeBudget when it takes longer."""
    from .decode import decode_bytes

    deadline = Deadline(time_budget) if time_budget else None
    doc = os.path.basename(str(name)) or "report"
    try:
        text, fmt, enc = decode_bytes(data, doc)
    except UnreadableReport:
        raise
    except (MemoryError, KeyboardInterrupt):
        raise
    except Exception as e:  # a library choking on a malformed file is still a bad file
        raise UnreadableReport(f"cannot read this file: {type(e).__name__}: {e}") from None
    if deadline is not None:
        deadline.check("after decoding")
    # decode_bytes returns its text through decode.clean_text, NFC already: no second pass over it
    return _extract_nfc(text, doc, fmt, enc, source, deadline)


def extract_path(path, source: ReportSource | None = None) -> Report:
    p = Path(path)
    try:
        data = p.read_bytes()
    except IsADirectoryError:
        raise UnreadableReport("a directory, not a file") from None
    except OSError as e:
        raise UnreadableReport(f"cannot open the file: {e.strerror or e}") from None
    return extract_bytes(data, p.name, source)
