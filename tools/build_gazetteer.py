"""Build extractors/lexicons/gazetteer.csv: every district and commune of Vietnam, before and after the
2025 reorganisation, with its province.

The source is the data of the MIT-licensed PyPI package `vietnamadminunits` (1.0.4: the 63 provinces,
their ~700 districts and ~10,000 communes before 1 July 2025; the 34 provinces and 3,321 communes after
it). It is not a dependency of antq: run this by hand when the country's units change, and commit the
CSV.

    pip download --no-deps vietnamadminunits==1.0.4 -d /tmp/vau && unzip -oq /tmp/vau/*.whl -d /tmp/vau
    python tools/build_gazetteer.py /tmp/vau/vietnamadminunits/data
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "extractors" / "lexicons" / "gazetteer.csv"
# the package's short names that the warehouse spells otherwise (dbt_project/seeds/provinces.csv)
LEGACY_NAMES = {"Huế": "Thừa Thiên Huế"}


def _name(short: str) -> str:
    """'Vĩnh Thuận (Thị trấn)' -> 'Vĩnh Thuận': the package tells homonyms apart in brackets."""
    return re.sub(r"\s*\(.*?\)\s*$", "", short).strip()


def main(data_dir: str) -> None:
    data = Path(data_dir)
    legacy = json.loads((data / "parser_legacy.json").read_text(encoding="utf-8"))
    new = json.loads((data / "parser_from_2025.json").read_text(encoding="utf-8"))
    rows: set[tuple[str, str, str, str, str]] = set()
    provinces = legacy["DICT_PROVINCE"]
    for pkey, districts in legacy["DICT_PROVINCE_DISTRICT"].items():
        prov = provinces[pkey]["provinceShort"]
        prov = LEGACY_NAMES.get(prov, prov)
        for d in districts.values():
            rows.add(("before_2025", "district", d["districtType"].lower(), _name(d["districtShort"]), prov))
    for pkey, districts in legacy["DICT_PROVINCE_DISTRICT_WARD_NO_ACCENTED"].items():
        prov = provinces[pkey]["provinceShort"]
        prov = LEGACY_NAMES.get(prov, prov)
        for wards in districts.values():
            for w in wards.values():
                if not isinstance(w.get("wardShort"), str):
                    continue  # an island district without communes
                rows.add(("before_2025", "commune", w["wardType"].lower(), _name(w["wardShort"]), prov))
    new_provinces = new["DICT_PROVINCE"]
    for pkey, wards in new["DICT_PROVINCE_WARD_NO_ACCENTED"].items():
        prov = new_provinces[pkey]["provinceShort"]
        for w in wards.values():
            rows.add(("after_2025", "commune", w["wardType"].lower(), _name(w["wardShort"]), prov))
    with OUT.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["era", "level", "kind", "name", "province"])
        out.writerows(sorted(rows))
    print(f"{len(rows)} units written to {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
