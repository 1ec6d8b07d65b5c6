"""Where a place is: districts and communes -> their province, across the 2025 reorganisation, and
the outlet of a web address -> its province.

- lexicons/gazetteer.csv (built by tools/build_gazetteer.py): every district and commune before
  1 July 2025 with its province then (63 provinces), and every commune after it with its province now
  (34 provinces). A commune named in a report dated after the reorganisation is looked up among the
  new communes first ("xã Sơn Kim 2" of 2025 is in the new Hà Tĩnh); in an older report among the old
  ones first.
- lexicons/outlets.yaml: outlets whose host does not spell their province, and national outlets.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from urllib.parse import urlsplit

import yaml

from .lexicon import LEXICONS, REPO

MERGER_DAY = date(2025, 7, 1)  # the 34 provinces and the new communes are in force from this day


def fold(s: str) -> str:
    """Lower case without accents: "Phú Thọ" -> "phu tho"."""
    s = unicodedata.normalize("NFD", s.lower()).replace("đ", "d")
    return "".join(c for c in s if unicodedata.category(c) != "Mn")


def tone_variants(name: str, pairs) -> list[str]:
    """A name in each tone placement of `pairs` ("oà"/"òa"): "Thanh Hóa" and "Thanh Hoá"."""
    out = [name]
    for x, y in pairs:
        for a, b in ((x, y), (y, x)):
            if a in name:
                out.append(name.replace(a, b))
    return out


@dataclass(frozen=True)
class Gazetteer:
    districts: dict[str, frozenset[str]]  # name -> provinces (before 2025)
    communes_before: dict[str, frozenset[str]]  # name -> provinces (before 2025)
    communes_after: dict[str, frozenset[str]]  # name -> provinces (after 2025)
    successor: dict[str, str]  # province before 2025 -> the province it is part of now

    def commune(self, name: str, after_merger: bool) -> frozenset[str]:
        """The provinces a commune of this name is in, for a report after the merger or before it."""
        first, second = (
            (self.communes_after, self.communes_before) if after_merger else (self.communes_before, self.communes_after)
        )
        return first.get(name) or second.get(name) or frozenset()

    def district(self, name: str) -> frozenset[str]:
        return self.districts.get(name, frozenset())


@lru_cache(maxsize=1)
def gazetteer(tone_pairs: tuple = ()) -> Gazetteer:
    tables: dict[tuple[str, str], dict[str, set[str]]] = {}
    with open(LEXICONS / "gazetteer.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            table = tables.setdefault((row["era"], row["level"]), {})
            for v in tone_variants(row["name"], tone_pairs):
                table.setdefault(v, set()).add(row["province"])
    successor: dict[str, str] = {}
    try:
        with open(REPO / "dbt_project" / "seeds" / "provinces.csv", encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                if row.get("valid_to") and row.get("successor_name"):
                    successor[row["province_name"]] = row["successor_name"]
    except (OSError, KeyError):
        pass
    freeze = lambda t: {k: frozenset(v) for k, v in t.items()}  # noqa: E731
    return Gazetteer(
        districts=freeze(tables.get(("before_2025", "district"), {})),
        communes_before=freeze(tables.get(("before_2025", "commune"), {})),
        communes_after=freeze(tables.get(("after_2025", "commune"), {})),
        successor=successor,
    )


# ---- outlets --------------------------------------------------------------------------------

_NOT_NAMES = {"www", "m", "amp", "vn", "com", "net", "org", "gov", "edu", "info"}


@lru_cache(maxsize=1)
def _outlets() -> tuple[dict[str, str], tuple[str, ...]]:
    with open(LEXICONS / "outlets.yaml", encoding="utf-8") as f:
        data = yaml.safe_load(f)
    provincial = {h.lower(): p for h, p in (data.get("provincial") or {}).items()}
    national = tuple(h.lower() for h in (data.get("national") or []))
    return provincial, national


def host_of(url: str) -> str | None:
    """The host of a web address, lower case, without "www."; None when it has none."""
    if not url:
        return None
    try:
        parts = urlsplit(url if "//" in url else "//" + url)
        host = (parts.hostname or "").lower().strip(".")
    except ValueError:
        return None
    return host or None


def _matches(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def outlet_of_url(url: str, provinces: dict[str, str]) -> tuple[str | None, str]:
    """(province, how) for the outlet of a web address: how is "listed" (outlets.yaml), "host" (a
    province's name in the host), "national" (a national outlet: no province) or "unknown".
    `provinces` maps folded names without spaces ("phutho") to the province."""
    host = host_of(url)
    if host is None:
        return None, "unknown"
    provincial, national = _outlets()
    for domain, province in provincial.items():
        if _matches(host, domain):
            return province, "listed"
    if any(_matches(host, d) for d in national):
        return None, "national"
    best: tuple[int, str] | None = None
    for label in host.split("."):
        if label in _NOT_NAMES:
            continue
        label = label.replace("-", "")
        for folded, province in provinces.items():
            if len(folded) >= 5 and folded in label and (best is None or len(folded) > best[0]):
                best = (len(folded), province)
    if best:
        return best[1], "host"
    return None, "unknown"


_SPACES = re.compile(r"[\s-]+")


def folded_key(name: str) -> str:
    """ "Bà Rịa - Vũng Tàu" -> "bariavungtau": how a name is written in a web address."""
    return _SPACES.sub("", fold(name))
