"""Vietnamese numbers: "1.107" = 1107, "106,7" = 106.7, "01" = 1, "48,55 triệu" = 48 550 000.

`parse_number` reads the digits of one number as Vietnamese writes them ("." groups thousands,
"," is the decimal mark); `SCALES` are the scale words; `format_vi` writes a number back in the
same form, so that `parse_number(format_vi(x)) == x` (the property the tests check).
"""

from __future__ import annotations

import re
from decimal import Decimal

# A number as written: thousands grouped by "." (groups of exactly three digits), an optional
# decimal part after ",". "1.107", "872.128", "106,7", "48,55", "01".
NUMBER_RE = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
_NUMBER = re.compile(rf"^(?:{NUMBER_RE})$")

SCALES: dict[str, int] = {
    "nghìn": 1_000,
    "ngàn": 1_000,
    "ngh": 1_000,
    "vạn": 10_000,
    "triệu": 1_000_000,
    "tr": 1_000_000,
    "tỷ": 1_000_000_000,
    "tỉ": 1_000_000_000,
}


def parse_number(surface: str) -> float:
    """The value of a Vietnamese-written number (no scale word). Raises ValueError if not one."""
    s = surface.strip()
    if not _NUMBER.match(s):
        raise ValueError(f"not a Vietnamese number: {surface!r}")
    return value_of(s)


def value_of(surface: str) -> float:
    """parse_number without the check, for digits already known to match NUMBER_RE."""
    if surface.isdecimal():  # most are plain digits: "507", "01"
        return float(int(surface))
    whole, _, frac = surface.partition(",")
    whole = whole.replace(".", "")
    return float(f"{whole}.{frac}") if frac else float(int(whole))


def apply_scale(value: float, scale_word: str | None) -> float:
    if not scale_word:
        return value
    v = Decimal(repr(value)) * SCALES[scale_word.lower()]
    return float(v)


def format_vi(value: float | int, decimals: int | None = None, leading_zero: bool = False) -> str:
    """Write a number as a Vietnamese report would: 1107 -> "1.107", 106.7 -> "106,7", 1 -> "01"
    (with leading_zero for numbers below 10)."""
    if isinstance(value, float) and value.is_integer() and decimals is None:
        value = int(value)
    if isinstance(value, int):
        digits = f"{abs(value):,}".replace(",", ".")
        if leading_zero and 0 <= value < 10:
            digits = f"0{value}"
        return ("-" if value < 0 else "") + digits
    text = repr(float(value)) if decimals is None else f"{float(value):.{decimals}f}"
    if "e" in text or "E" in text:
        text = f"{Decimal(text):f}"
    whole, _, frac = text.lstrip("-").partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    out = grouped + ("," + frac if frac and frac.strip("0") else "")
    return ("-" if float(value) < 0 else "") + out
