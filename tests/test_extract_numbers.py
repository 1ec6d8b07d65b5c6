"""Vietnamese numbers: the parser, scale words, and the round trip format_vi -> parse_number."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import extractors
from extractors.numbers import apply_scale, format_vi, parse_number


@pytest.mark.parametrize(
    "surface, value",
    [
        ("1.107", 1107),
        ("872.128", 872128),
        ("106,7", 106.7),
        ("01", 1),
        ("07", 7),
        ("48,55", 48.55),
        ("0", 0),
        ("1.000.000", 1_000_000),
        ("12", 12),
        ("3,5", 3.5),
        ("252.554", 252554),
    ],
)
def test_parse(surface, value):
    assert parse_number(surface) == value


@pytest.mark.parametrize("bad", ["1.10", "1.1077", "abc", "", "1..107", ",5", "1,", "12.12.2022x"])
def test_not_numbers(bad):
    with pytest.raises(ValueError):
        parse_number(bad)


def test_scales():
    assert apply_scale(48.55, "triệu") == 48_550_000
    assert apply_scale(3, "nghìn") == 3000
    assert apply_scale(3, "ngàn") == 3000
    assert apply_scale(1.2, "tỷ") == 1_200_000_000
    assert apply_scale(2, "vạn") == 20_000


def _values(text):
    return [(f.surface, f.value, f.qualifier) for f in extractors.extract_text(text, "t.txt").figures]


def test_numbers_in_sentences():
    assert _values("Phạt tiền 48,55 triệu đồng.") == [("48,55 triệu", 48_550_000, "exact")]
    assert _values("Tuần tra được hơn 3 nghìn lượt.") == [("3 nghìn", 3000, "more_than")]
    assert _values("Thu hút gần 9.000 lượt người tham gia.") == [("9.000", 9000, "nearly")]
    assert _values("Có khoảng 1,5 tỷ đồng được huy động.") == [("1,5 tỷ", 1_500_000_000, "about")]
    assert _values("Tổ chức trên 2.100 buổi học tập.") == [("2.100", 2100, "more_than")]
    assert _values("Duy trì ít nhất 15 tổ tự quản.") == [("15", 15, "at_least")]
    assert _values("Thu hồi 01 khẩu súng.") == [("01", 1, "exact")]


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**12))
def test_integers_round_trip(n):
    assert parse_number(format_vi(n)) == n


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=9))
def test_leading_zero_round_trip(n):
    assert parse_number(format_vi(n, leading_zero=True)) == n


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=0, max_value=10**9, places=3, allow_nan=False, allow_infinity=False))
def test_decimals_round_trip(d):
    x = float(d)
    assert parse_number(format_vi(x)) == pytest.approx(x, rel=1e-12, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=10**7))
def test_written_number_extracts_to_itself(n):
    """A number written the Vietnamese way in a report sentence comes out of the extractor as itself."""
    figs = extractors.extract_text(f"Lực lượng Công an đã thu hồi {format_vi(n)} khẩu súng các loại.", "t").figures
    assert [(f.value, f.measure) for f in figs] == [(n, "weapons.guns")]


_WORDS = [
    "thu hồi",
    "khẩu súng",
    "tập thể",
    "cá nhân",
    "được",
    "UBND tỉnh",
    "tặng",
    "Bằng khen",
    "cho",
    "trong đó",
    "gồm",
    "hơn",
    "gần",
    "ngày",
    "năm",
    "tổ",
    "xã",
    "lượt người",
    "đạt",
    "chỉ tiêu",
    "%",
    "/",
    ",",
    ";",
    ".",
    "\n",
    "(",
    ")",
    "“",
    "”",
    "-",
    "triệu",
    "tỷ",
    "đồng",
    "số",
    "Đề án",
    "Công an",
    "tỉnh",
    "vụ",
    "tin",
]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(_WORDS),
            st.integers(0, 10**7).map(str),
            st.integers(0, 10**7).map(format_vi),
            st.text(max_size=3),
        ),
        max_size=40,
    )
)
def test_any_text_extracts_without_error_and_stays_grounded(parts):
    text = " ".join(parts)
    r = extractors.extract_text(text, "fuzz.txt")
    for f in r.figures:
        assert r.text[f.start : f.end] == f.surface
        assert f.measure
