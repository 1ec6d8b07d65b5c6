"""Per report: province, report date and the period its figures cover, as other reports write them."""
from __future__ import annotations

from datetime import date

import pytest

import extractors


def meta(text):
    r = extractors.extract_text(text, "m.txt")
    return r.province, r.report_date, r.period_label, r.period_start, r.period_end


@pytest.mark.parametrize("text, province, report_date, label, start, end", [
    ("(CAND) - Sáng 12/1, Công an tỉnh Nghệ An tổ chức Hội nghị tổng kết phong trào toàn dân bảo vệ ANTQ năm 2023.",
     "Nghệ An", date(2024, 1, 12), "năm 2023", date(2023, 1, 1), date(2023, 12, 31)),
    ("Trong 6 tháng đầu năm 2024, Công an huyện Ba Bể đã phối hợp tổ chức 120 buổi tuyên truyền. Ngày 15/7, hội nghị.",
     "Bắc Kạn", date(2024, 7, 15), "6 tháng đầu năm 2024", date(2024, 1, 1), date(2024, 6, 30)),
    ("Thứ Hai, 15/01/2024 10:30\nTừ năm 2019 đến nay, lực lượng Công an TP. Hồ Chí Minh đã xây dựng 1.200 mô hình.",
     "Hồ Chí Minh", date(2024, 1, 15), "từ năm 2019 đến nay", date(2019, 1, 1), date(2024, 1, 15)),
    ("Quý I/2024, Công an tỉnh Thừa Thiên Huế tiếp nhận 345 tin báo.",
     "Thừa Thiên Huế", None, "quý I/2024", date(2024, 1, 1), date(2024, 3, 31)),
    ("Ngày 20/11, tại Bà Rịa - Vũng Tàu, Hội nghị sơ kết 5 năm thực hiện phong trào giai đoạn 2019-2024.",
     "Bà Rịa - Vũng Tàu", date(2024, 11, 20), "giai đoạn 2019-2024", date(2019, 1, 1), date(2024, 12, 31)),
    ("date 2024-12 BHG - Sáng 03/12, Hội nghị tổng kết năm 2024 được tổ chức.",
     "Hà Giang", date(2024, 12, 3), "năm 2024", date(2024, 1, 1), date(2024, 12, 31)),
    ("9 tháng năm 2023, thành phố Hà Nội tổ chức 5.000 buổi tuyên truyền.",
     "Hà Nội", None, "9 tháng năm 2023", date(2023, 1, 1), date(2023, 9, 30)),
    ("Sáng 25/5, Hội nghị tổng kết 10 năm thực hiện Chương trình phối hợp số 09 ngày 01/8/2013 tại huyện Mường Nhé.",
     "Điện Biên", date(2023, 5, 25), "10 năm thực hiện (2013-2023)", date(2013, 8, 1), date(2023, 8, 1)),
])
def test_meta(text, province, report_date, label, start, end):
    assert meta(text) == (province, report_date, label, start, end)


def test_province_from_a_web_address():
    assert meta("Lực lượng chức năng ra quân (ảnh: congan.kontum.gov.vn)")[0] == "Kon Tum"


def test_the_subject_province_wins_over_neighbours():
    text = ("Công an tỉnh Lạng Sơn phối hợp với Công an 3 tỉnh (Cao Bằng, Bắc Giang, Quảng Ninh) xây dựng cụm "
            "an ninh. Tỉnh Lạng Sơn có 230 tổ an ninh nhân dân.")
    assert meta(text)[0] == "Lạng Sơn"


def test_no_province_no_date():
    assert meta("Phong trào đạt nhiều kết quả, thu hút 500 lượt người tham gia.")[:3] == (None, None, None)


def test_dates_of_documents_and_spans_are_not_the_report_date():
    text = ("Thực hiện Kế hoạch số 125/KH-UBND ngày 12/3/2023 của UBND tỉnh Lạng Sơn, từ ngày 15/11 đến "
            "31/12/2023, Công an tỉnh mở đợt cao điểm. Chiều 05/01, Công an tỉnh tổ chức hội nghị tổng kết năm 2023.")
    assert meta(text)[:2] == ("Lạng Sơn", date(2024, 1, 5))
