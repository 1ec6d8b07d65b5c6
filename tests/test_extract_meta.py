"""Per report: province, report date and the period its figures cover, as other reports write them."""

from __future__ import annotations

from datetime import date

import pytest

import extractors


def meta(text):
    r = extractors.extract_text(text, "m.txt")
    return r.province, r.report_date, r.period_label, r.period_start, r.period_end


@pytest.mark.parametrize(
    "text, province, report_date, label, start, end",
    [
        (
            "(CAND) - Sáng 12/1, Công an tỉnh Nghệ An tổ chức Hội nghị tổng kết phong trào toàn dân "
            "bảo vệ ANTQ năm 2023.",
            "Nghệ An",
            date(2024, 1, 12),
            "năm 2023",
            date(2023, 1, 1),
            date(2023, 12, 31),
        ),
        (
            "Trong 6 tháng đầu năm 2024, Công an huyện Ba Bể đã phối hợp tổ chức 120 buổi tuyên "
            "truyền. Ngày 15/7, hội nghị.",
            "Bắc Kạn",
            date(2024, 7, 15),
            "6 tháng đầu năm 2024",
            date(2024, 1, 1),
            date(2024, 6, 30),
        ),
        (
            "Thứ Hai, 15/01/2024 10:30\nTừ năm 2019 đến nay, lực lượng Công an TP. Hồ Chí Minh đã "
            "xây dựng 1.200 mô hình.",
            "Hồ Chí Minh",
            date(2024, 1, 15),
            "từ năm 2019 đến nay",
            date(2019, 1, 1),
            date(2024, 1, 15),
        ),
        (
            "Quý I/2024, Công an tỉnh Thừa Thiên Huế tiếp nhận 345 tin báo.",
            "Thừa Thiên Huế",
            None,
            "quý I/2024",
            date(2024, 1, 1),
            date(2024, 3, 31),
        ),
        (
            "Ngày 20/11, tại Bà Rịa - Vũng Tàu, Hội nghị sơ kết 5 năm thực hiện phong trào giai đoạn 2019-2024.",
            # a period still running on the report's day ends on it
            "Bà Rịa - Vũng Tàu",
            date(2024, 11, 20),
            "giai đoạn 2019-2024",
            date(2019, 1, 1),
            date(2024, 11, 20),
        ),
        (
            "date 2024-12 BHG - Sáng 03/12, Hội nghị tổng kết năm 2024 được tổ chức.",
            "Hà Giang",
            date(2024, 12, 3),
            "năm 2024",
            date(2024, 1, 1),
            date(2024, 12, 3),
        ),
        (
            "9 tháng năm 2023, thành phố Hà Nội tổ chức 5.000 buổi tuyên truyền.",
            "Hà Nội",
            None,
            "9 tháng năm 2023",
            date(2023, 1, 1),
            date(2023, 9, 30),
        ),
        (
            "Sáng 25/5, Hội nghị tổng kết 10 năm thực hiện Chương trình phối hợp số 09 ngày "
            "01/8/2013 tại huyện Mường Nhé.",
            "Điện Biên",
            date(2023, 5, 25),
            "10 năm thực hiện (2013-2023)",
            date(2013, 8, 1),
            date(2023, 5, 25),
        ),
    ],
)
def test_meta(text, province, report_date, label, start, end):
    assert meta(text) == (province, report_date, label, start, end)


def test_province_from_a_web_address():
    assert meta("Lực lượng chức năng ra quân (ảnh: congan.kontum.gov.vn)")[0] == "Kon Tum"


def test_the_subject_province_wins_over_neighbours():
    text = (
        "Công an tỉnh Lạng Sơn phối hợp với Công an 3 tỉnh (Cao Bằng, Bắc Giang, Quảng Ninh) xây dựng cụm "
        "an ninh. Tỉnh Lạng Sơn có 230 tổ an ninh nhân dân."
    )
    assert meta(text)[0] == "Lạng Sơn"


def test_no_province_no_date():
    assert meta("Phong trào đạt nhiều kết quả, thu hút 500 lượt người tham gia.")[:3] == (None, None, None)


def test_dates_of_documents_and_spans_are_not_the_report_date():
    text = (
        "Thực hiện Kế hoạch số 125/KH-UBND ngày 12/3/2023 của UBND tỉnh Lạng Sơn, từ ngày 15/11 đến "
        "31/12/2023, Công an tỉnh mở đợt cao điểm. Chiều 05/01, Công an tỉnh tổ chức hội nghị tổng kết năm 2023."
    )
    assert meta(text)[:2] == ("Lạng Sơn", date(2024, 1, 5))


def test_the_words_come_from_the_lexicon():
    """Every word list of lexicons/report_meta.yaml is non-empty and is what makes its phrases read:
    each word, put in a phrase, changes the result the same phrase without it gives."""
    import yaml

    from extractors.lexicon import LEXICONS
    from extractors.report_meta import _tone_variants

    with open(LEXICONS / "report_meta.yaml", encoding="utf-8") as f:
        lex = yaml.safe_load(f)
    assert set(lex) == {
        "place_words",
        "province_words",
        "city_words",
        "commune_words",
        "national_words",
        "region_names",
        "tone_pairs",
        "day_words",
        "day_words_spelled",
        "span_words",
        "document_words",
        "range_words",
        "month_part_words",
        "since_words",
        "n_years_what",
        "future_words",
    }, "a new list in report_meta.yaml needs its use in report_meta.py and a check here"
    assert all(lex.values())
    # province: a district after any place word, a province after a province word, a city after a city word
    assert meta("Lực lượng Công an Ba Bể ra quân.")[0] is None
    for w in set(lex["place_words"]) - set(lex["commune_words"]):
        assert meta(f"Lực lượng Công an {w} Ba Bể ra quân.")[0] == "Bắc Kạn", w
    assert meta("Lực lượng Công an Cẩm Nhượng ra quân.")[0] is None
    for w in lex["commune_words"]:
        assert meta(f"Lực lượng Công an {w} Cẩm Nhượng ra quân.")[0] == "Hà Tĩnh", w
    # national: a national body in the head and no province; a region named twice with one
    assert extractors.extract_text("Hôm qua, cơ quan chức năng họp báo về tình hình.", "m.txt").scope is None
    for w in lex["national_words"]:
        r = extractors.extract_text(f"Hôm qua, {w.capitalize()} họp báo về tình hình.", "m.txt")
        assert (r.scope, r.province) == ("national", None), w
    for w in lex["region_names"]:
        r = extractors.extract_text(
            f"Tại tỉnh Sóc Trăng, Bộ Công an tổng kết phong trào khu vực {w.title()}; "
            f"các tỉnh {w.title()} có nhiều mô hình.",
            "m.txt",
        )
        assert (r.scope, r.province) == ("region", None), w
    assert meta("Đoàn Cao Bằng làm việc với Công an Lạng Sơn.")[0] == "Cao Bằng"
    for w in lex["province_words"]:
        assert meta(f"Đoàn Cao Bằng làm việc với Công an {w} Lạng Sơn.")[0] == "Lạng Sơn", w
    assert meta("Hội nghị tổ chức tại Tam Kỳ.")[0] is None
    for w in lex["city_words"]:
        assert meta(f"Hội nghị tổ chức tại {w} Tam Kỳ.")[0] == "Quảng Nam", w
    for a, b in lex["tone_pairs"]:
        assert f"x{b}y" in _tone_variants(f"x{a}y") and f"x{a}y" in _tone_variants(f"x{b}y"), (a, b)
    assert meta("Công an tỉnh Thanh Hoá tổ chức hội nghị.")[0] == "Thanh Hóa"
    # report date: a day word makes a day the report's; a span or document word before it does not
    assert meta("Lúc 15/11, hội nghị tổng kết năm 2023.")[1] is None
    for w in lex["day_words"]:
        assert meta(f"{w.capitalize()} 15/11, hội nghị tổng kết năm 2023.")[1] == date(2023, 11, 15), w
    assert meta("Lúc 5 tháng 3 năm 2024, hội nghị.")[1] is None
    for w in lex["day_words_spelled"]:
        assert meta(f"{w.capitalize()} 5 tháng 3 năm 2024, hội nghị.")[1] == date(2024, 3, 5), w
    assert meta("Hội nghị tổng kết năm 2023 ngày 15/11.")[1] == date(2023, 11, 15)
    for w in lex["span_words"] + lex["document_words"]:
        assert meta(f"Hội nghị tổng kết năm 2023, {w} ngày 15/11.")[1] is None, w
    # period: the words of ranges, parts of a year, "từ ... đến nay", "N năm ..." and of plans
    for w in lex["range_words"]:
        assert meta(f"Tổng kết giai đoạn 2019 {w} 2024.")[2] == "giai đoạn 2019-2024", w
    for w in lex["month_part_words"]:
        assert meta(f"Trong 6 tháng {w} năm 2024, hội nghị.")[2] == f"6 tháng {w} năm 2024", w
    for w in lex["since_words"]:
        assert meta(f"Từ năm 2019 {w} nay, hội nghị.")[2] == "từ năm 2019 đến nay", w
    assert meta("Hội nghị tổng kết 5 năm lẻ.")[2] is None
    for w in lex["n_years_what"]:
        assert meta(f"Hội nghị tổng kết 5 năm {w}.")[2] == f"5 năm {w}", w
    assert meta("Hội nghị bàn về giai đoạn 2025-2030.")[2] == "giai đoạn 2025-2030"
    for w in lex["future_words"]:
        assert meta(f"Hội nghị bàn về {w} giai đoạn 2025-2030.")[2] is None, w
