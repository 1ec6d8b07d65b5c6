"""Invariants of the dbt seeds dbt_project/seeds/provinces.csv and province_aliases.csv.

provinces.csv holds one row per province-level unit and its period of validity:

* the 63 units that existed from 2008-08-01 (Hà Tây merged into Hà Nội) until the 2025
  reorganisation, with their 2-digit GSO code ("01" .. "96");
* the 34 units that exist now. The 10 units the 2025 reorganisation left untouched (Hà Nội,
  Cao Bằng, Điện Biên, Lai Châu, Sơn La, Lạng Sơn, Quảng Ninh, Thanh Hóa, Nghệ An, Hà Tĩnh)
  keep a single row covering both eras: valid_from 2008-08-01, valid_to empty, successor =
  itself, is_current = true. The 23 merged units (National Assembly resolution of 12 June 2025,
  in force for the new units from 2025-07-01) get a new row, code "N" + the GSO code of the
  predecessor whose name they kept (new Thái Nguyên = "N19"), valid_from 2025-07-01; all their
  predecessors, including the name-keeping one, end on 2025-06-30 and point to the new row.
* Huế is the 11th unit untouched in 2025, but it had already changed on 2025-01-01, when the
  province Thừa Thiên Huế became the centrally-run city Huế (UBTVQH resolution of 30 Nov 2024).
  So it is handled as a rename, not as an unchanged unit: Thừa Thiên Huế ("46", province) runs
  2008-08-01 .. 2024-12-31 with successor Huế; Huế ("N46", city) runs from 2025-01-01.

Row count: 63 pre-2025 rows (valid_from 2008-08-01) + Huế + 23 merged units = 87 rows, of
which 10 + 1 + 23 = 34 have is_current = true.

The new units' own codes from the 2025 code list are not used: they reuse old 2-digit codes
(and would collide with them in this single-code table), hence the "N" codes.
"""

from __future__ import annotations

import csv
import unicodedata
from collections import Counter
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds"
PROVINCES = SEEDS / "provinces.csv"
ALIASES = SEEDS / "province_aliases.csv"

HEADER = [
    "province_code",
    "province_name",
    "province_name_ascii",
    "kind",
    "region",
    "valid_from",
    "valid_to",
    "successor_code",
    "successor_name",
    "is_current",
]
REGIONS = {
    "Trung du và miền núi phía Bắc": 14,
    "Đồng bằng sông Hồng": 11,
    "Bắc Trung Bộ và duyên hải miền Trung": 14,
    "Tây Nguyên": 5,
    "Đông Nam Bộ": 6,
    "Đồng bằng sông Cửu Long": 13,
}  # region -> number of the 63 pre-2025 units in it
OLD_FROM, NEW_FROM, OLD_TO = "2008-08-01", "2025-07-01", "2025-06-30"
UNCHANGED = {
    "Hà Nội",
    "Cao Bằng",
    "Điện Biên",
    "Lai Châu",
    "Sơn La",
    "Lạng Sơn",
    "Quảng Ninh",
    "Thanh Hóa",
    "Nghệ An",
    "Hà Tĩnh",
}


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{path.name} has a BOM"
    assert b"\r" not in raw, f"{path.name} must use LF line endings"
    text = raw.decode("utf-8")
    assert text == unicodedata.normalize("NFC", text), f"{path.name} is not NFC"
    reader = csv.DictReader(text.splitlines())
    return list(reader.fieldnames or []), list(reader)


def _fold(name: str) -> str:
    name = name.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", name)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()


_, ROWS = _read(PROVINCES)
BY_CODE = {r["province_code"]: r for r in ROWS}
OLD = [r for r in ROWS if r["valid_from"] == OLD_FROM]
CURRENT = [r for r in ROWS if r["is_current"] == "true"]


def _old(name: str) -> dict[str, str]:
    (row,) = [r for r in OLD if r["province_name"] == name]
    return row


def _current(name: str) -> dict[str, str]:
    (row,) = [r for r in CURRENT if r["province_name"] == name]
    return row


def test_header_and_row_count():
    header, rows = _read(PROVINCES)
    assert header == HEADER
    assert len(rows) == 87
    assert all(len(r) == len(HEADER) and None not in r for r in rows)


def test_codes_unique_and_well_formed():
    codes = [r["province_code"] for r in ROWS]
    assert len(codes) == len(set(codes))
    for r in OLD:
        assert len(r["province_code"]) == 2 and r["province_code"].isdigit(), r
    for r in ROWS:
        if r["valid_from"] != OLD_FROM:
            assert r["province_code"][0] == "N" and r["province_code"][1:] in BY_CODE, r


def test_63_pre_2025_units():
    assert len(OLD) == 63
    assert len({r["province_name"] for r in OLD}) == 63
    assert Counter(r["region"] for r in OLD) == REGIONS
    assert {r["province_name"] for r in OLD if r["kind"] == "city"} == {
        "Hà Nội",
        "Hải Phòng",
        "Đà Nẵng",
        "Hồ Chí Minh",
        "Cần Thơ",
    }


def test_34_current_units():
    assert len(CURRENT) == 34
    assert len({r["province_name"] for r in CURRENT}) == 34
    assert {r["province_name"] for r in CURRENT if r["kind"] == "city"} == {
        "Hà Nội",
        "Huế",
        "Hải Phòng",
        "Đà Nẵng",
        "Hồ Chí Minh",
        "Cần Thơ",
    }
    assert Counter(r["valid_from"] for r in CURRENT) == {OLD_FROM: 10, NEW_FROM: 23, "2025-01-01": 1}
    assert {r["province_name"] for r in CURRENT if r["valid_from"] == OLD_FROM} == UNCHANGED


def test_columns_consistent():
    for r in ROWS:
        assert r["kind"] in {"province", "city"}, r
        assert r["region"] in REGIONS, r
        assert r["is_current"] in {"true", "false"}, r
        assert (r["is_current"] == "true") == (r["valid_to"] == ""), r
        if r["valid_to"]:
            assert r["valid_from"] < r["valid_to"], r
            assert r["valid_to"] in {OLD_TO, "2024-12-31"}, r


def test_successors_exist_and_are_current():
    for r in ROWS:
        succ = BY_CODE.get(r["successor_code"])
        assert succ is not None, r
        assert succ["is_current"] == "true", r
        assert succ["province_name"] == r["successor_name"], r
        if r["is_current"] == "true":
            assert r["successor_code"] == r["province_code"], r
        else:
            # the successor starts the day after this unit ends
            assert succ["valid_from"] > r["valid_to"], r
    # every current unit that is new has at least one predecessor; 63 -> 34 in total
    assert {r["successor_code"] for r in OLD} == {r["province_code"] for r in CURRENT}


def test_new_unit_region_and_kind_follow_name_keeping_predecessor():
    for r in CURRENT:
        if r["valid_from"] == NEW_FROM:
            pred = BY_CODE[r["province_code"][1:]]
            assert pred["province_name"] == r["province_name"], r
            assert pred["successor_code"] == r["province_code"], r
            assert pred["region"] == r["region"], r
            assert pred["kind"] == r["kind"], r


def test_anchors():
    expected_codes = {"Hà Nội": "01", "Bắc Kạn": "06", "Thái Nguyên": "19", "Kon Tum": "62", "Hồ Chí Minh": "79"}
    for name, code in expected_codes.items():
        assert _old(name)["province_code"] == code
    anchors = {
        "Bắc Kạn": "Thái Nguyên",
        "Kon Tum": "Quảng Ngãi",
        "Hà Giang": "Tuyên Quang",
        "Yên Bái": "Lào Cai",
        "Bình Dương": "Hồ Chí Minh",
        "Bà Rịa - Vũng Tàu": "Hồ Chí Minh",
        "Thừa Thiên Huế": "Huế",
    }
    for old_name, new_name in anchors.items():
        row = _old(old_name)
        assert row["successor_name"] == new_name, row
        assert row["successor_code"] == _current(new_name)["province_code"], row
        assert row["is_current"] == "false", row
    assert _current("Thái Nguyên")["province_code"] == "N19"
    tth = _old("Thừa Thiên Huế")
    assert (tth["province_code"], tth["kind"], tth["valid_to"]) == ("46", "province", "2024-12-31")
    hue = _current("Huế")
    assert (hue["province_code"], hue["kind"], hue["valid_from"]) == ("N46", "city", "2025-01-01")
    for name in UNCHANGED:
        row = _old(name)
        assert row is _current(name)
        assert row["successor_code"] == row["province_code"]


def test_merger_groups():
    groups = {
        "Tuyên Quang": {"Tuyên Quang", "Hà Giang"},
        "Lào Cai": {"Lào Cai", "Yên Bái"},
        "Thái Nguyên": {"Thái Nguyên", "Bắc Kạn"},
        "Phú Thọ": {"Phú Thọ", "Vĩnh Phúc", "Hòa Bình"},
        "Bắc Ninh": {"Bắc Ninh", "Bắc Giang"},
        "Hưng Yên": {"Hưng Yên", "Thái Bình"},
        "Hải Phòng": {"Hải Phòng", "Hải Dương"},
        "Ninh Bình": {"Ninh Bình", "Hà Nam", "Nam Định"},
        "Quảng Trị": {"Quảng Trị", "Quảng Bình"},
        "Đà Nẵng": {"Đà Nẵng", "Quảng Nam"},
        "Quảng Ngãi": {"Quảng Ngãi", "Kon Tum"},
        "Gia Lai": {"Gia Lai", "Bình Định"},
        "Khánh Hòa": {"Khánh Hòa", "Ninh Thuận"},
        "Lâm Đồng": {"Lâm Đồng", "Đắk Nông", "Bình Thuận"},
        "Đắk Lắk": {"Đắk Lắk", "Phú Yên"},
        "Hồ Chí Minh": {"Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu"},
        "Đồng Nai": {"Đồng Nai", "Bình Phước"},
        "Tây Ninh": {"Tây Ninh", "Long An"},
        "Cần Thơ": {"Cần Thơ", "Sóc Trăng", "Hậu Giang"},
        "Vĩnh Long": {"Vĩnh Long", "Bến Tre", "Trà Vinh"},
        "Đồng Tháp": {"Đồng Tháp", "Tiền Giang"},
        "Cà Mau": {"Cà Mau", "Bạc Liêu"},
        "An Giang": {"An Giang", "Kiên Giang"},
        "Huế": {"Thừa Thiên Huế"},
        **{name: {name} for name in UNCHANGED},
    }
    assert len(groups) == 34
    actual: dict[str, set[str]] = {}
    for r in OLD:
        actual.setdefault(r["successor_name"], set()).add(r["province_name"])
    assert actual == groups


def test_ascii_names():
    for r in ROWS:
        ascii_name = r["province_name_ascii"]
        assert ascii_name.isascii() and ascii_name == ascii_name.lower(), r
        assert ascii_name == _fold(r["province_name"]), r
        assert not r["province_name"].startswith(("Tỉnh ", "Thành phố ")), r


def test_aliases():
    header, aliases = _read(ALIASES)
    assert header == ["alias", "province_name"]
    assert aliases
    names = {r["province_name"] for r in ROWS}
    seen = [a["alias"] for a in aliases]
    assert len(seen) == len(set(seen)), "an alias must map to one province only"
    for a in aliases:
        assert a["alias"] and a["alias"] == a["alias"].strip(), a
        assert a["province_name"] in names, a
        assert a["alias"] not in names, f"{a['alias']} is already a canonical name"
    lookup = {a["alias"]: a["province_name"] for a in aliases}
    assert lookup["TP.HCM"] == lookup["Sài Gòn"] == "Hồ Chí Minh"
    assert lookup["BR-VT"] == "Bà Rịa - Vũng Tàu"
    assert lookup["TT-Huế"] == "Thừa Thiên Huế"
    assert lookup["Đắc Lắc"] == "Đắk Lắk"
    assert lookup["BBK"] == "Bắc Kạn"
    assert lookup["BHG"] == "Hà Giang"
