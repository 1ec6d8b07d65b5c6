"""Fireworks, mixed weapons counts, pledges, parts of a whole in the next sentence, ratings of units and
page furniture, on sentences written for these rules (none comes from a report)."""

from __future__ import annotations

import pytest

from extracting import figs, vm


@pytest.mark.parametrize(
    "text, expected",
    [
        # fireworks are other (FIGURES.md "Weapons"); "tiền chất" is a precursor, not money
        (
            "Người dân giao nộp 25 khẩu súng, 640 viên đạn, 120 kg pháo, 1.500 quả pháo, 8,2 kg tiền chất thuốc pháo.",
            [(25, "weapons.guns"), (640, "weapons.ammunition"), (120, "other"), (1500, "other"), (8.2, "other")],
        ),
        # one count over several weapons measures is weapons.mixed; over one measure it keeps it
        (
            "Quần chúng giao nộp 215 khẩu súng, lựu đạn các loại và 300 quả lựu đạn, bom, mìn.",
            [(215, "weapons.mixed"), (300, "weapons.explosives")],
        ),
        ("Thu hồi 87 vũ khí, vật liệu nổ, công cụ hỗ trợ.", [(87, "weapons.mixed")]),
        # a gun barrel is a part, not a gun
        ("Thu hồi 40 nòng súng tự chế và 9 khẩu súng săn.", [(40, "weapons.other"), (9, "weapons.guns")]),
        # pledges: households (with organisations) and individuals
        (
            "Tổ chức ký cam kết được 12.000 tổ chức, hộ gia đình, hơn 3.400 cá nhân không tàng trữ vũ khí.",
            [(12000, "campaign.households"), (3400, "campaign.participants")],
        ),
        ("Tổ chức diễn đàn lắng nghe ý kiến Nhân dân được 420 buổi.", [(420, "campaign.events")]),
        ("Giúp vốn làm ăn cho 230 đối tượng vi phạm pháp luật.", [(230, "reintegration.people")]),
        (
            "Người dân cung cấp cho công an 1.200 tin, bắt 85 đối tượng phạm tội quả tang.",
            [(1200, "tips.received"), (85, "tips.arrests")],
        ),
        # points where model types run are replicated models
        ("Toàn huyện duy trì 25 loại mô hình với hơn 1.800 điểm.", [(25, "models.types"), (1800, "models.count")]),
        # the districts communes belong to are context
        ("Có 6 xã thuộc 03 huyện được đưa ra khỏi danh sách trọng điểm.", [(6, "coverage.units"), (3, "other")]),
    ],
)
def test_measures(text, expected):
    assert vm(text) == expected


def test_model_recognised_when_the_ministry_spreads_it():
    [f] = figs("Có 9 mô hình được Bộ Công an phổ biến kinh nghiệm.")
    assert (f.measure, f.attrs["status"]) == ("models.count", "recognised")
    [f] = figs("Cả nước có hơn 3.000 mô hình.")
    assert f.attrs["status"] == "active"


def test_part_in_the_next_sentence_takes_its_wholes_measure():
    fs = figs("Nhân dân cung cấp 540 nguồn tin. Trong đó, thuộc thẩm quyền là 512 tin.")
    assert [(f.value, f.measure, f.attrs.get("part_of")) for f in fs] == [
        (540, "tips.received", None),
        (512, "tips.received", "540"),
    ]
    fs = figs("Nhân dân giúp bắt giữ 900 đối tượng. Trong đó, bắt 210 đối tượng phạm tội quả tang.")
    assert [(f.value, f.measure, f.attrs.get("part_of")) for f in fs] == [
        (900, "tips.arrests", None),
        (210, "tips.arrests", "900"),
    ]


def test_units_rated_out_of_a_set():
    fs = figs(
        "Đối với 12 huyện, thành phố, có 9 địa phương được phân loại xuất sắc (gồm A, B), 2 địa phương "
        "được phân loại khá và 1 địa phương loại trung bình."
    )
    assert [(f.value, f.measure, f.attrs.get("total"), f.attrs.get("part_of")) for f in fs] == [
        (12, "other", None, None),
        (9, "coverage.units", 12, None),
        (2, "coverage.units", 12, None),
        (1, "coverage.units", 12, None),
    ]


def test_numbers_of_a_quoted_name_and_a_teaser_are_not_figures():
    assert vm("Duy trì 40 câu lạc bộ “3 không, 2 sạch” ở các thôn.") == [(40, "groups.count")]
    assert vm("Thu hồi 7 khẩu súng.\n>>> Xem thêm video người dân giao nộp 03 khẩu súng") == [(7, "weapons.guns")]
