"""Counts broken down by place, model sites and statuses, award runs and issuers, on sentences written
for these tests the way reports of other provinces write them (none comes from a report)."""

from __future__ import annotations

import extractors


def figs(text: str):
    return extractors.extract_text(text, "t.txt").figures


def test_a_breakdown_by_place_in_brackets_counts_what_its_whole_counts():
    fs = figs("Hiện toàn tỉnh có 120 mô hình tự quản về ANTT (Châu Thành 45, Tân Phú 40, Long Mỹ 35).")
    assert [(f.value, f.measure, f.attrs.get("part_of"), f.attrs["status"]) for f in fs] == [
        (120, "models.count", None, "active"),
        (45, "models.count", "120", "active"),
        (40, "models.count", "120", "active"),
        (35, "models.count", "120", "active"),
    ]


def test_numbers_in_brackets_that_do_not_add_up_are_not_parts():
    fs = figs("Hiện toàn tỉnh có 50 mô hình tự quản (Châu Thành 45, Tân Phú 40).")
    assert [(f.value, f.measure) for f in fs] == [(50, "models.count")]


def test_sites_where_models_are_replicated():
    fs = figs("Giai đoạn này, tỉnh nhân rộng 25 mô hình tại 140 điểm; duy trì 60 mô hình với 300 điểm nhân rộng.")
    assert [(f.value, f.measure, f.attrs["status"]) for f in fs] == [
        (25, "models.count", "replicated"),
        (140, "models.count", "replicated"),
        (60, "models.count", "active"),
        (300, "models.count", "replicated"),
    ]


def test_model_status_is_read_on_its_own_side_of_a_comma():
    fs = figs("Các huyện đã xây dựng 80 mô hình, nhân rộng 12 mô hình về bảo vệ ANTQ.")
    assert [(f.value, f.attrs["status"]) for f in fs] == [(80, "active"), (12, "replicated")]
    fs = figs("Tỉnh có 9 mô hình được Bộ Công an công nhận, có 4 mô hình được Ban Chỉ đạo tỉnh nhân rộng.")
    assert [(f.value, f.attrs["status"]) for f in fs] == [(9, "recognised"), (4, "replicated")]


def test_a_count_that_receives_its_own_award_is_its_own_run():
    fs = figs("Dịp này, 3 tập thể nhận cờ thi đua, 20 tập thể, 35 cá nhân được UBND tỉnh tặng Bằng khen.")
    got = [(f.value, f.unit, f.attrs.get("issuer"), f.attrs.get("award_type")) for f in fs]
    assert got == [
        (3, "tập thể", None, "co_thi_dua"),
        (20, "tập thể", "UBND tỉnh", "bang_khen"),
        (35, "cá nhân", "UBND tỉnh", "bang_khen"),
    ]


def test_the_directorate_is_part_of_the_issuer():
    [f] = figs("Có 12 tập thể được Ban Giám đốc Công an tỉnh tặng Giấy khen.")
    assert (f.measure, f.attrs["issuer"], f.attrs["award_type"]) == (
        "awards.collectives",
        "Ban Giám đốc Công an tỉnh",
        "giay_khen",
    )


def test_the_ministry_medal_is_the_ministrys_when_no_issuer_is_named():
    [f] = figs("Dịp này, Đại tá Lê Văn Minh trao Kỷ niệm chương Bảo vệ an ninh Tổ quốc cho 5 cá nhân.")
    assert (f.measure, f.attrs.get("issuer"), f.attrs["award_type"]) == (
        "awards.individuals",
        "Bộ Công an",
        "ky_niem_chuong",
    )


def test_awards_counted_as_items():
    [f] = figs("Công an tỉnh được tặng 20 huân chương các loại cho tập thể và cá nhân.")
    assert (f.value, f.measure) == (20, "awards.mixed")


def test_a_provinces_make_up_is_context_not_coverage():
    fs = figs("Sau sắp xếp, tỉnh có 102 đơn vị hành chính cấp xã (90 xã và 12 phường).")
    assert [(f.value, f.measure) for f in fs] == [(102, "other"), (90, "other"), (12, "other")]


def test_communes_chosen_to_hold_the_ngay_hoi_are_campaign_locations():
    fs = figs("Năm nay có 5 xã, thị trấn được chọn làm điểm tổ chức Ngày hội toàn dân bảo vệ ANTQ.")
    assert [(f.value, f.measure) for f in fs] == [(5, "campaign.locations")]
