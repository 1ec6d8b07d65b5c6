"""The figure rules on sentences written the way reports of other provinces and years write them
(none of these comes from the sample reports): what is a figure, what it counts, its attributes."""

from __future__ import annotations

import pytest

import extractors

from extracting import figs, vm


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Trong năm 2023, lực lượng Công an tỉnh Quảng Ninh đã phối hợp tổ chức 2.456 buổi tuyên truyền, phổ biến "
            "pháp luật cho hơn 185.000 lượt người nghe; phát hơn 50.000 tờ rơi, tờ gấp.",
            [(2456, "campaign.events"), (185000, "campaign.participants"), (50000, "campaign.materials")],
        ),
        (
            "Quần chúng nhân dân đã cung cấp cho cơ quan Công an trên 3.200 nguồn tin có giá trị, giúp phát hiện, "
            "điều tra làm rõ 412 vụ việc, bắt giữ 523 đối tượng.",
            [(3200, "tips.valuable"), (412, "tips.cases"), (523, "tips.arrests")],
        ),
        (
            "Toàn tỉnh hiện có 4.215 Tổ an ninh nhân dân với 21.347 thành viên; 1.876 Tổ hòa giải ở cơ sở; "
            "312 Tổ tự quản về an ninh trật tự.",
            [(4215, "groups.count"), (21347, "groups.members"), (1876, "groups.count"), (312, "groups.count")],
        ),
        (
            "Vận động Nhân dân giao nộp 156 khẩu súng các loại, 2.315 viên đạn, 12 quả lựu đạn, 45 kíp nổ, "
            "3,5 kg thuốc nổ và 120 vũ khí thô sơ.",
            [
                (156, "weapons.guns"),
                (2315, "weapons.ammunition"),
                (12, "weapons.explosives"),
                (45, "weapons.explosives"),
                (3.5, "weapons.explosives"),
                (120, "weapons.other"),
            ],
        ),
        (
            "Công an tỉnh đã tham mưu ban hành 125 văn bản chỉ đạo, hướng dẫn; tổ chức 3.456 lượt tuần tra, kiểm soát.",
            [(125, "documents.issued"), (3456, "patrols.count")],
        ),
        (
            "Giúp đỡ 234 người chấp hành xong án phạt tù trở về địa phương tái hòa nhập cộng đồng; giải quyết 56 vụ "
            "bạo lực gia đình.",
            [(234, "reintegration.people"), (56, "family_violence.cases")],
        ),
        (
            "Hiện toàn tỉnh có 1.890 Công an viên, 245 bảo vệ dân phố.",
            [(1890, "police.officers"), (245, "police.officers")],
        ),
        (
            "Tổ chức 86 hội nghị sơ kết, tổng kết với 12.000 đại biểu tham dự.",
            [(86, "campaign.events"), (12000, "campaign.participants")],
        ),
        (
            "Tổ chức 1.250 cuộc họp dân với 45.000 lượt người dự.",
            [(1250, "campaign.events"), (45000, "campaign.participants")],
        ),
        ("Các cơ quan báo chí đã thực hiện 1.450 tin, bài, phóng sự về phong trào.", [(1450, "campaign.media")]),
        (
            "Huy động được 12,5 tỷ đồng để lắp đặt 3.250 camera an ninh.",
            [(12_500_000_000, "money.vnd"), (3250, "other")],
        ),
        (
            "Thông qua phong trào, Nhân dân đã tố giác 1.203 tin về tội phạm; tiếp nhận, xử lý 1.456 tin báo, "
            "tố giác về tội phạm.",
            [(1203, "tips.received"), (1456, "tips.received")],
        ),
        (
            "Toàn tỉnh có 3.456 tổ liên gia tự quản, 1.234 câu lạc bộ phòng, chống tội phạm.",
            [(3456, "groups.count"), (1234, "groups.count")],
        ),
        ("Hòa giải thành công 845 vụ việc mâu thuẫn, tranh chấp trong nội bộ Nhân dân.", [(845, "mediation.cases")]),
        (
            "Các tổ an ninh đã tham gia tuần tra được 2.300 lượt, bảo đảm an toàn các ngày lễ.",
            [(2300, "patrols.count")],
        ),
        (
            "Tổ chức cho hơn 20.000 lượt hộ gia đình ký cam kết không vi phạm pháp luật.",
            [(20000, "campaign.households")],
        ),
        ("Đã có 2.323 lượt tuyên truyền, vận động cá biệt với người có uy tín.", [(2323, "campaign.outreach")]),
        ("Lực lượng Công an thu hồi 45 kg pháo nổ và 12 dao, kiếm.", [(45, "other"), (12, "weapons.other")]),
        # the counted noun stands before the number
        (
            "Trong năm, xây dựng mới 45 mô hình, nâng tổng số mô hình tự quản trên địa bàn tỉnh lên 1.567.",
            [(45, "models.count"), (1567, "models.count")],
        ),
        (
            "Tổng số tổ an ninh nhân dân là 845, số thành viên: 4.200.",
            [(845, "groups.count"), (4200, "groups.members")],
        ),
        ("Các tổ chức, cá nhân đã ủng hộ kinh phí trị giá 2,5 tỷ để lắp camera.", [(2_500_000_000, "money.vnd")]),
        (
            "Tổ chức 3 Ngày hội toàn dân bảo vệ ANTQ điểm, 15 hội thi tìm hiểu pháp luật với 3.000 học sinh tham gia.",
            [(3, "campaign.events"), (15, "campaign.events"), (3000, "campaign.participants")],
        ),
        ("Có 45/50 xã, phường, thị trấn đạt tiêu chuẩn an toàn về ANTT.", [(45, "coverage.units")]),
        ("Tiếp nhận 567 tin báo, tố giác tội phạm và kiến nghị khởi tố.", [(567, "tips.received")]),
        (
            "Hội nghị được tổ chức trực tuyến tới 10 điểm cầu với sự tham dự của 350 đại biểu.",
            [(10, "other"), (350, "campaign.participants")],
        ),
        (
            "Xử lý vi phạm hành chính 235 trường hợp, phạt tiền 1,2 tỷ đồng; tai nạn giao thông giảm "
            "trên cả 3 tiêu chí.",
            [(235, "other"), (1_200_000_000, "money.vnd")],
        ),
        ("Toàn tỉnh có 12/12 huyện, thành phố triển khai mô hình.", [(12, "coverage.units")]),
        # the sites of models are replicated models; fireworks are other; an average is other
        (
            "Duy trì 54 mô hình tự quản tại 870 điểm; nhân rộng ra 120 điểm mô hình.",
            [(54, "models.count"), (870, "models.count"), (120, "models.count")],
        ),
        ("Nhân dân giao nộp 30 kg pháo và 4 xung kích điện.", [(30, "other"), (4, "weapons.other")]),
        (
            "Tỉnh đã điều động 215 đồng chí về đảm nhiệm Công an xã, bình quân 4,2 đồng chí/xã.",
            [(215, "police.officers"), (4.2, "other")],
        ),
        # a place's own number of communes is context; propaganda places are campaign locations
        ("Huyện có 18 xã, thị trấn, trong đó có 4 xã vùng cao.", []),
        (
            "Đoàn công tác tuyên truyền pháp luật tại 9 xã biên giới, tổ chức 12 buổi với 800 học sinh.",
            [(9, "campaign.locations"), (12, "campaign.events"), (800, "campaign.participants")],
        ),
        # the public helped: "giúp lực lượng Công an ..."
        (
            "Từ đó giúp lực lượng Công an làm rõ 64 vụ việc, bắt 7 đối tượng truy nã.",
            [(64, "tips.cases"), (7, "tips.arrests")],
        ),
        ("Trưởng Ban Chỉ đạo (BCĐ) 138 huyện phát biểu.", []),
        (
            "Thông qua phong trào, đã vận động 9 đối tượng truy nã ra đầu thú; thành lập 6 đội xung "
            "kích với 72 đội viên.",
            [(9, "tips.arrests"), (6, "groups.count"), (72, "groups.members")],
        ),
        (
            "Lực lượng tham gia bảo vệ ANTT ở cơ sở của huyện có 860 thành viên; tổ chức 310 cuộc tuần tra.",
            [(860, "police.officers"), (310, "patrols.count")],
        ),
        # one count over several weapon measures is weapons.mixed; items of one measure keep it
        (
            "Nhân dân giao nộp 640 vũ khí, vật liệu nổ, công cụ hỗ trợ; 85 khẩu súng, lựu đạn; 40 quả bom, mìn.",
            [(640, "weapons.mixed"), (85, "weapons.mixed"), (40, "weapons.explosives")],
        ),
        # a number with no unit of its own takes the next one's
        (
            "Các huyện Đắk Hà, Đắk Tô và Sa Thầy lần lượt có 12, 15 và 20 tổ tự quản.",
            [(12, "groups.count"), (15, "groups.count"), (20, "groups.count")],
        ),
    ],
)
def test_measures_in_other_reports(text, expected):
    assert vm(text) == expected


def test_qualifiers():
    got = [
        (f.value, f.qualifier)
        for f in figs(
            "Thu hút hơn 5.000 lượt người, gần 300 đại biểu tham dự, khoảng 1.200 tờ rơi, trên 80 buổi "
            "tuyên truyền, ít nhất 12 tổ an ninh nhân dân."
        )
    ]
    assert got == [(5000, "more_than"), (300, "nearly"), (1200, "about"), (80, "more_than"), (12, "at_least")]


@pytest.mark.parametrize(
    "text",
    [
        "Ngày 02/9 và dịp 30/4, ngày 2-9-2023, Hội nghị lần thứ 8 Ban Chấp hành Trung ương khóa XIII diễn ra.",
        "Căn cứ Điều 5 Luật Công an nhân dân, Nghị quyết số 12-NQ/TW, Quyết định số 1131/QĐ-TTg và "
        "Thông tư 124/2021/TT-BCA.",
        "Kỷ niệm 78 năm Ngày truyền thống lực lượng CAND (19/8/1945 - 19/8/2023), lúc 19 giờ ngày 20/11.",
        "Thực hiện Đề án 06 giai đoạn 2021 - 2025, tầm nhìn đến năm 2030; trong 3 tháng cao điểm.",
        "Ca mắc COVID-19 giảm; Phòng PC06 phối hợp với Đội 3, Tổ 2 và Công an phường 5.",
        "1. Kết quả thực hiện phong trào",
        "Năm 2024 là năm thứ 2 thực hiện Luật; người dưới 18 tuổi được quan tâm.",
        "Theo Kế hoạch 150/KH-CAT, từ ngày 01/3 đến 30/6/2024 toàn tỉnh ra quân.",
        "Địa chỉ: số 12 đường Trần Phú, Quốc lộ 1A, km 15+200, tổ dân phố 7.",
        "Ban Chỉ đạo 35 của Tỉnh ủy; Chỉ thị 09 của Ban Bí thư; Bộ luật Hình sự 2015.",
        "Tuyến giáp ranh giữa Công an 4 tỉnh Tây Nguyên được củng cố.",
        "Điện thoại đường dây nóng: 0260.3862.333.",
        "Số vụ phạm pháp hình sự giảm 12 vụ so với năm 2022.",
        "Đồng chí Giám đốc và 2 đ/c Phó Giám đốc Công an tỉnh trao Giấy khen cho các tập thể.",
        "Trong 5 năm qua, sau 10 năm thực hiện, 6 tháng đầu năm 2024, quý I/2024.",
    ],
)
def test_not_figures(text):
    assert vm(text) == []


def test_a_percentage_change_is_a_figure_a_count_change_is_not():
    """FIGURES.md "Percentages and rates": "tăng 15% so với cùng kỳ" is an `other` percentage with its
    subject; "giảm 12 vụ" (a difference of counts) is not a figure."""
    figs = extractors.extract_text(
        "Số vụ phạm pháp hình sự giảm 12 vụ so với năm 2022, tội phạm về trật tự xã hội tăng 15% so với cùng kỳ.", "t"
    ).figures
    assert [(f.value, f.measure, f.unit) for f in figs] == [(15.0, "other", "%")]
    assert "trật tự xã hội" in figs[0].attrs["subject"]


@pytest.mark.parametrize(
    "text",
    [
        'Mô hình “5 tự quản” và mô hình "4 an toàn" được nhân rộng.',
        "Thực hiện mô hình chính quyền địa phương 2 cấp.",
    ],
)
def test_numbers_inside_names_are_not_figures(text):
    assert [f.value for f in extractors.extract_text(text, "t").figures if f.value in (2, 4, 5)] == []


def test_fraction_forms():
    """x trong tổng số y is a fraction; units reaching a standard are coverage; a fraction that compares
    periods or two different things never becomes a target."""

    def fig(text):
        return [
            (f.value, f.measure, f.attrs.get("total"), f.attrs.get("target"))
            for f in extractors.extract_text(text, "t").figures
        ]

    assert fig("Toàn huyện có 77 trong tổng số 89 làng, khu dân cư đạt danh hiệu an toàn.")[0] == (
        77,
        "coverage.units",
        89,
        None,
    )
    assert fig("Toàn tỉnh có 299/311 cơ quan, doanh nghiệp đạt tiêu chuẩn về ANTT.") == [
        (299, "coverage.units", 311, None)
    ]
    assert fig("Khởi tố 887 vụ/1.513 bị can.") == [(887, "other", None, None), (1513, "other", None, None)]
    got = fig("Tội phạm giảm 5,83% (3.389/3.599 vụ) so với cùng kỳ.")
    assert all(t is None for *_, t in got) and (5.83, "other", None, None) in got


def test_a_count_per_unit_is_an_average_not_a_count():
    figs = extractors.extract_text("Bố trí trung bình 5,3 Công an chính quy/xã, thị trấn.", "t").figures
    assert [(f.value, f.measure) for f in figs] == [(5.3, "other")]
    figs = extractors.extract_text("Duy trì 5,5 biên chế/xã; đăng 12 tin/bài trên cổng thông tin.", "t").figures
    assert [(f.value, f.measure) for f in figs] == [(5.5, "other"), (12, "campaign.media")]


def test_awards_recipients_first():
    fs = figs(
        "Dịp này, 15 tập thể và 28 cá nhân được Chủ tịch UBND tỉnh tặng Bằng khen; 3 tập thể, 5 cá nhân "
        "được Bộ trưởng Bộ Công an tặng Bằng khen; 02 tập thể được Bộ Công an tặng Cờ thi đua; "
        "45 tập thể, 89 cá nhân được Giám đốc Công an tỉnh tặng Giấy khen."
    )
    got = [(f.value, f.measure, f.attrs["issuer"], f.attrs["award_type"], f.attrs["status"]) for f in fs]
    assert got == [
        (15, "awards.collectives", "Chủ tịch UBND tỉnh", "bang_khen", "awarded"),
        (28, "awards.individuals", "Chủ tịch UBND tỉnh", "bang_khen", "awarded"),
        (3, "awards.collectives", "Bộ trưởng Bộ Công an", "bang_khen", "awarded"),
        (5, "awards.individuals", "Bộ trưởng Bộ Công an", "bang_khen", "awarded"),
        (2, "awards.collectives", "Bộ Công an", "co_thi_dua", "awarded"),
        (45, "awards.collectives", "Giám đốc Công an tỉnh", "giay_khen", "awarded"),
        (89, "awards.individuals", "Giám đốc Công an tỉnh", "giay_khen", "awarded"),
    ]


def test_awards_award_first_and_proposed():
    fs = figs(
        "UBND tỉnh Gia Lai đã tặng Bằng khen cho 10 tập thể, 15 cá nhân có thành tích xuất sắc. "
        "Hội nghị thống nhất đề nghị Bộ Công an tặng Bằng khen cho 2 tập thể, 3 cá nhân. "
        "Dịp này, Công an tỉnh và Ủy ban MTTQ Việt Nam tỉnh trao Giấy khen, Bằng khen cho 04 tập thể."
    )
    got = [(f.value, f.attrs.get("issuer"), f.attrs.get("award_type"), f.attrs["status"]) for f in fs]
    assert got == [
        (10, "UBND tỉnh Gia Lai", "bang_khen", "awarded"),
        (15, "UBND tỉnh Gia Lai", "bang_khen", "awarded"),
        (2, "Bộ Công an", "bang_khen", "proposed"),
        (3, "Bộ Công an", "bang_khen", "proposed"),
        (4, ["Công an tỉnh", "Ủy ban MTTQ Việt Nam tỉnh"], ["giay_khen", "bang_khen"], "awarded"),
    ]


def test_awards_mixed_with_several_issuers():
    [f] = figs(
        "Năm 2023 có hơn 250 lượt tập thể, cá nhân được Bộ trưởng Bộ Công an, Chủ tịch UBND tỉnh tặng "
        "Bằng khen, Giám đốc Công an tỉnh tặng Giấy khen."
    )
    assert (f.value, f.measure, f.qualifier) == (250, "awards.mixed", "more_than")
    assert f.attrs["issuer"] == ["Bộ trưởng Bộ Công an", "Chủ tịch UBND tỉnh", "Giám đốc Công an tỉnh"]
    assert f.attrs["award_type"] == ["bang_khen", "giay_khen"]


def test_award_other_kinds():
    [f] = figs("Có 5 tập thể được Chủ tịch nước tặng Huân chương Bảo vệ Tổ quốc hạng Ba.")
    assert (f.measure, f.attrs["issuer"], f.attrs["award_type"]) == ("awards.collectives", "Chủ tịch nước", "other")


def test_recipients_without_an_award_are_not_awards():
    assert vm("Có 45 tập thể tham gia hội thi.") == [(45, "other")]


def test_fractions():
    [t] = figs("Các tổ hòa giải đã hòa giải thành công 2.134/2.350 vụ việc, đạt tỷ lệ 90,8%.")
    assert (t.value, t.measure, t.attrs["target"], t.attrs["stated_pct"]) == (2134, "target.achievement", 2350, 90.8)
    [c1, c2] = figs("Đã bố trí Công an chính quy tại 122/122 xã, thị trấn và 15/15 phường.")
    assert (c1.value, c1.measure, c1.attrs["total"]) == (122, "coverage.units", 122)
    assert (c2.value, c2.measure, c2.attrs["total"], c2.attrs["unit_kind"]) == (15, "coverage.units", 15, "phường")


def test_part_of():
    fs = figs("Xây dựng, duy trì 1.245 mô hình tự quản về ANTT, trong đó có 156 mô hình điển hình tiên tiến.")
    assert [(f.value, f.attrs.get("part_of")) for f in fs] == [(1245, None), (156, "1.245")]
    fs = figs("Toàn tỉnh có 30 cụm an ninh liên hoàn, gồm 10 cụm liên tỉnh, 20 cụm liên xã; 15 tổ hòa giải.")
    assert [(f.value, f.attrs.get("part_of")) for f in fs] == [(30, None), (10, "30"), (20, "30"), (15, None)]


def test_models_status():
    fs = figs("Duy trì 520 mô hình tự quản; 04 mô hình được Bộ Công an công nhận; 12 mô hình được nhân rộng.")
    assert [(f.value, f.attrs["status"]) for f in fs] == [(520, "active"), (4, "recognised"), (12, "replicated")]


def test_police_roles():
    fs = figs("Bố trí 312 đồng chí Công an xã chính quy; lực lượng Công an xã bán chuyên trách với 45 đồng chí.")
    assert [(f.value, f.measure, f.attrs["role"]) for f in fs] == [
        (312, "police.officers", "Công an xã chính quy"),
        (45, "police.officers", "Công an xã bán chuyên trách"),
    ]


def test_percentage_of_a_target():
    [f] = figs("Cấp 120.500 thẻ căn cước, đạt 101,2% chỉ tiêu được giao.")
    assert (f.value, f.attrs["stated_pct"]) == (120500, 101.2)


def test_offsets_and_sentence():
    text = "Mở đầu.\nNăm 2023, thu hồi 12 khẩu súng. Phát 300 tờ rơi."
    [a, b] = figs(text)
    assert text[a.start : a.end] == "12" and a.sentence == "Năm 2023, thu hồi 12 khẩu súng."
    assert text[b.start : b.end] == "300" and b.sentence == "Phát 300 tờ rơi."


def test_a_whole_report_of_another_province():
    """A year-end report of Lào Cai written for this test (tests/data): every figure, and nothing else."""
    from pathlib import Path

    r = extractors.extract_path(Path(__file__).parent / "data" / "report_lao_cai_2023.txt")
    assert (r.province, r.report_date.isoformat(), r.period_label) == ("Lào Cai", "2023-12-28", "năm 2023")
    assert [(f.value, f.measure) for f in r.figures] == [
        (2315, "campaign.events"),
        (156000, "campaign.participants"),
        (24500, "campaign.materials"),
        (1120, "campaign.media"),
        (4126, "tips.received"),
        (1238, "tips.valuable"),
        (312, "tips.cases"),
        (187, "tips.arrests"),
        (1642, "groups.count"),
        (9850, "groups.members"),
        (1588, "groups.count"),
        (215, "models.count"),
        (12, "models.count"),
        (756, "target.achievement"),
        (100, "other"),
        (152, "coverage.units"),
        (1964, "police.officers"),
        (85, "weapons.guns"),
        (1240, "weapons.ammunition"),
        (15, "weapons.explosives"),
        (2.5, "weapons.explosives"),
        (612350, "target.achievement"),
        (8, "awards.collectives"),
        (12, "awards.individuals"),
        (35, "awards.collectives"),
        (56, "awards.individuals"),
    ]
    by = {(f.surface, f.measure): f for f in r.figures}
    assert by[("1.238", "tips.valuable")].attrs["part_of"] == "4.126"
    assert "part_of" not in by[("312", "tips.cases")].attrs
    assert by[("215", "models.count")].attrs["status"] == "active"
    assert by[("12", "models.count")].attrs == {"status": "recognised", "part_of": "215"}
    assert by[("612.350/598.000", "target.achievement")].attrs["stated_pct"] == 102.4
    assert by[("35", "awards.collectives")].attrs["issuer"] == "Giám đốc Công an tỉnh"


def test_percentages():
    assert vm("Tỷ lệ điều tra khám phá đạt 85,5%.") == [(85.5, "other")]
    [f] = figs("Điều tra làm rõ 120/150 vụ, đạt 80%.")
    assert (f.measure, f.attrs["target"], f.attrs["stated_pct"]) == ("target.achievement", 150, 80)


def test_grass_roots_security_force():
    [f] = figs("Toàn tỉnh có 1.500 thành viên lực lượng tham gia bảo vệ ANTT ở cơ sở.")
    assert (f.measure, f.attrs["role"]) == ("police.officers", "thành viên lực lượng tham gia bảo vệ ANTT ở cơ sở")
    assert vm("Thành lập 320 tổ bảo vệ ANTT ở cơ sở với 1.200 thành viên.") == [
        (320, "groups.count"),
        (1200, "groups.members"),
    ]


def test_praise_with_no_award_named_and_praised_models():
    # "gương điển hình" honoured are recipients; "tuyên dương" with no award named is award_type other;
    # models praised ("được biểu dương") are recognised
    fs = figs(
        "Hội nghị tuyên dương 25 gương điển hình tiêu biểu trong phong trào. "
        "Toàn huyện có 18 điển hình tiên tiến được biểu dương."
    )
    got = [(f.value, f.measure, f.attrs.get("award_type"), f.attrs.get("status"), f.attrs.get("issuer")) for f in fs]
    assert got == [(25, "awards.mixed", "other", "awarded", None), (18, "models.count", None, "recognised", None)]


def test_model_status_belongs_to_the_count_after_the_comma():
    fs = figs(
        "Năm qua, xây dựng mới 14 mô hình, nhân rộng 9 mô hình; có 3 mô hình được Bộ Công an ghi nhận, "
        "22 mô hình khác duy trì hoạt động."
    )
    assert [(f.value, f.attrs["status"]) for f in fs] == [
        (14, "active"),
        (9, "replicated"),
        (3, "recognised"),
        (22, "active"),
    ]
