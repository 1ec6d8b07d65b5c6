"""The extractor's output types: the contract between extractors/ and the rest of antq-warehouse.

A Figure is one count or amount found in a report, written down as ../shared/domain/FIGURES.md says
(doc, surface, value, unit, measure, qualifier, attrs) plus where it came from (start, end, sentence).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date


class UnreadableReport(Exception):
    """A report file that cannot be turned into text; `reason` says why, for raw.rejected_files."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class OverTimeBudget(UnreadableReport):
    """Extraction took longer than the time budget a report is given (a hostile or broken file:
    a list of a million numbers); the batch goes on without it."""

    def __init__(self, seconds: float, where: str):
        super().__init__(
            f"extraction took longer than its time budget of {seconds:g} s (stopped {where}): no real report "
            "takes that long; check that this is a report and not a list or a data dump, or raise "
            "ANTQ_EXTRACT_SECONDS and drop it again under a new name"
        )
        self.seconds = seconds


class Deadline:
    """When an extraction must stop (time.monotonic), checked between sentences and between numbers."""

    __slots__ = ("at", "seconds")

    def __init__(self, seconds: float):
        import time

        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def check(self, where: str) -> None:
        import time

        if time.monotonic() > self.at:
            raise OverTimeBudget(self.seconds, where)


@dataclass(frozen=True)
class Figure:
    doc: str
    surface: str
    value: float
    unit: str
    measure: str
    qualifier: str = "exact"
    attrs: dict = field(default_factory=dict)
    start: int = 0  # char offsets into the decoded (NFC) text
    end: int = 0
    sentence: str = ""

    @classmethod
    def of(cls, **fields) -> Figure:
        """A Figure from all its fields, made without the frozen dataclass's per-field __setattr__
        (the extractor makes thousands a second). Every field must be given."""
        obj = object.__new__(cls)
        obj.__dict__.update(fields)
        return obj

    def to_json(self) -> dict:
        d = asdict(self)
        v = self.value
        d["value"] = int(v) if float(v).is_integer() else v
        return d


def figure_from_dict(fields: dict) -> Figure:
    """Figure.of with its fields given as a dict, which becomes the Figure's own: no keyword
    arguments to pack and no copy (the extractor's inner loop). Every field must be given."""
    obj = _new_object(Figure)
    _set_attribute(obj, "__dict__", fields)
    return obj


_new_object = object.__new__
_set_attribute = object.__setattr__  # a frozen dataclass's own __setattr__ refuses every name


@dataclass(frozen=True)
class ReportSource:
    """What is known of a report from outside its text (a manifest row): where it was published and
    when, and the province a crawler or a clerk gave it. Any of them may be None.
    scope: "province" when province is given, "national" for a report of the whole country."""

    url: str | None = None
    published: date | None = None
    province: str | None = None
    scope: str | None = None


@dataclass
class Report:
    doc: str
    text: str
    figures: list[Figure]
    extractor_version: str
    source_format: str = "txt"  # txt | html | docx | pdf
    encoding: str | None = None  # the encoding the bytes were decoded from
    province: str | None = None
    outlet: str | None = None  # dateline abbreviation of the newspaper ("BBK"), when there is one
    report_date: date | None = None
    period_label: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    scope: str | None = None  # province | national | region | None (nothing places it)
    province_source: str | None = None  # manifest | text | outlet (of the manifest's url)
    report_date_source: str | None = None  # manifest | text
    source_url: str | None = None  # the manifest's url
