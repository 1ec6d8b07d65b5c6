"""The extractor on reports of other provinces and years: sentences written the way provincial news
items write them (paraphrased for these tests, with other places and numbers; none is copied from a
published text). Each case gives every figure of its text as (value, measure, qualifier, attrs), where
attrs are the attributes that must be there with these values (None: must be absent)."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

import extractors
from extractors.lexicon import LEXICONS


def figs(text: str):
    return extractors.extract_text(text, "g.txt").figures


def check(text: str, expected: list[tuple]) -> list:
    got = figs(text)
    assert [(f.value, f.measure, f.qualifier) for f in got] == [e[:3] for e in expected], [
        (f.surface, f.value, f.measure, f.qualifier, f.unit, f.attrs) for f in got
    ]
    for f, (_, _, _, attrs) in zip(got, expected):
        for k, v in attrs.items():
            if v is None:
                assert k not in f.attrs, (f.surface, k, f.attrs)
            else:
                assert f.attrs.get(k) == v, (f.surface, k, f.attrs)
    return got


# ---- tips: "có giá trị" before the number, and parts of a total ------------------------------------

TIPS = [
    # the qualifier "có giá trị" stands before the number; "khoảng" before it too
    (
        "Năm 2021, quần chúng Nhân dân tỉnh Gia Lai đã cung cấp hơn 5.200 tin, trong đó tin có giá trị khoảng "
        "1.900 tin, giúp lực lượng Công an làm rõ nhiều vụ việc.",
        [
            (5200, "tips.received", "more_than", {"part_of": None}),
            (1900, "tips.valuable", "about", {"part_of": "5.200"}),
        ],
    ),
    (
        "Người dân đã cung cấp 3.150 nguồn tin, trong đó nguồn tin có giá trị là 1.020 tin.",
        [(3150, "tips.received", "exact", {}), (1020, "tips.valuable", "exact", {"part_of": "3.150"})],
    ),
    # the parts in the next sentence, opened by "Trong đó"
    (
        "Năm 2022, Nhân dân tỉnh Cà Mau đã cung cấp cho cơ quan Công an 8.400 tin. Trong đó, tin có giá trị "
        "hơn 3.100 tin.",
        [(8400, "tips.received", "exact", {}), (3100, "tips.valuable", "more_than", {"part_of": "8.400"})],
    ),
    # the counted noun before the number, after "số"
    (
        "Quần chúng cung cấp 2.640 tin báo, tố giác tội phạm; số tin có giá trị: 980.",
        [(2640, "tips.received", "exact", {}), (980, "tips.valuable", "exact", {"part_of": None})],
    ),
    (
        "Từ nguồn tin của quần chúng, Công an tỉnh đã bắt giữ gần 4.800 đối tượng, thu hồi tài sản trên 52,3 tỷ đồng.",
        [(4800, "tips.arrests", "nearly", {}), (52_300_000_000, "money.vnd", "more_than", {})],
    ),
]


@pytest.mark.parametrize("text, expected", TIPS)
def test_tips(text, expected):
    check(text, expected)


# ---- awards: issuers in both orders, with function words, scopes and names ----------------------------


def award(value, measure, issuer, award_type, status="awarded"):
    return (value, measure, "exact", {"issuer": issuer, "award_type": award_type, "status": status})


def given_by(issuer, award_type, collectives=None, individuals=None, status="awarded"):
    """The figures of a text where one issuer gives one award: its collectives, then its individuals."""
    counted = [(collectives, "awards.collectives"), (individuals, "awards.individuals")]
    return [award(n, measure, issuer, award_type, status) for n, measure in counted if n is not None]


AWARDS = [
    # issuer before the verb, no "cho"; "đã" is not part of the issuer
    (
        "Dịp này, Bộ Công an đã tặng bằng khen 12 tập thể, UBND tỉnh tặng bằng khen 25 tập thể, 14 cá nhân và "
        "Giám đốc Công an tỉnh tặng Giấy khen 70 tập thể, 65 cá nhân có thành tích xuất sắc.",
        [
            award(12, "awards.collectives", "Bộ Công an", "bang_khen"),
            award(25, "awards.collectives", "UBND tỉnh", "bang_khen"),
            award(14, "awards.individuals", "UBND tỉnh", "bang_khen"),
            award(70, "awards.collectives", "Giám đốc Công an tỉnh", "giay_khen"),
            award(65, "awards.individuals", "Giám đốc Công an tỉnh", "giay_khen"),
        ],
    ),
    # "TP." and a name after it, with and without a space
    (
        "UBND TP. Đà Nẵng đã tặng bằng khen cho 30 tập thể và 2 cá nhân có thành tích xuất sắc.",
        given_by("UBND TP. Đà Nẵng", "bang_khen", collectives=30, individuals=2),
    ),
    (
        "Nhân dịp này, UBND TP.HCM vừa tặng bằng khen cho 25 tập thể và 9 cá nhân.",
        given_by("UBND TP.HCM", "bang_khen", collectives=25, individuals=9),
    ),
    # a scope with a capital letter
    (
        "Công an Thành phố tặng giấy khen cho 33 tập thể và 15 cá nhân có thành tích xuất sắc.",
        given_by("Công an Thành phố", "giay_khen", collectives=33, individuals=15),
    ),
    (
        "Ủy ban MTTQ Việt Nam tỉnh Bình Định đã tặng bằng khen cho 10 tập thể.",
        given_by("Ủy ban MTTQ Việt Nam tỉnh Bình Định", "bang_khen", collectives=10),
    ),
    # recipients first
    (
        "Có 15 tập thể được Thủ tướng Chính phủ tặng Bằng khen.",
        given_by("Thủ tướng Chính phủ", "bang_khen", collectives=15),
    ),
    (
        "Dịp này, 12 tập thể và 20 cá nhân được UBND TP. Hồ Chí Minh tặng bằng khen.",
        given_by("UBND TP. Hồ Chí Minh", "bang_khen", collectives=12, individuals=20),
    ),
    (
        "Chủ tịch nước tặng Huân chương Bảo vệ Tổ quốc hạng Ba cho 2 tập thể.",
        given_by("Chủ tịch nước", "other", collectives=2),
    ),
    (
        "Hội nghị thống nhất 04 cá nhân được đề nghị Bộ trưởng Bộ Công an tặng Bằng khen.",
        given_by("Bộ trưởng Bộ Công an", "bang_khen", individuals=4, status="proposed"),
    ),
    (
        "Hội nghị đề nghị Chủ tịch UBND tỉnh tặng bằng khen cho 6 tập thể, 9 cá nhân.",
        given_by("Chủ tịch UBND tỉnh", "bang_khen", collectives=6, individuals=9, status="proposed"),
    ),
    # an institution followed by its province's name, no scope word
    ("Tỉnh ủy Sóc Trăng tặng bằng khen cho 6 tập thể.", given_by("Tỉnh ủy Sóc Trăng", "bang_khen", collectives=6)),
    (
        "Ban Chỉ đạo phòng, chống tội phạm tỉnh Long An đã tặng giấy khen cho 8 tập thể.",
        given_by("Ban Chỉ đạo phòng, chống tội phạm tỉnh Long An", "giay_khen", collectives=8),
    ),
    (
        "HĐND tỉnh Trà Vinh vừa tặng bằng khen cho 3 tập thể.",
        given_by("HĐND tỉnh Trà Vinh", "bang_khen", collectives=3),
    ),
    (
        "Chủ tịch UBND huyện Krông Pắc tặng giấy khen cho 9 tập thể.",
        given_by("Chủ tịch UBND huyện Krông Pắc", "giay_khen", collectives=9),
    ),
    # several function words between issuer and verb
    (
        "UBND tỉnh Phú Yên đã ra quyết định tặng bằng khen cho 7 tập thể.",
        given_by("UBND tỉnh Phú Yên", "bang_khen", collectives=7),
    ),
    (
        "Giám đốc Công an thành phố Cần Thơ cũng đã tặng giấy khen cho 25 tập thể, 40 cá nhân.",
        given_by("Giám đốc Công an thành phố Cần Thơ", "giay_khen", collectives=25, individuals=40),
    ),
    # award kinds
    (
        "05 tập thể được tặng Kỷ niệm chương Vì an ninh Tổ quốc; 03 tập thể được Bộ Công an tặng Cờ thi đua.",
        [
            (5, "awards.collectives", "exact", {"issuer": None, "award_type": "ky_niem_chuong", "status": "awarded"}),
            award(3, "awards.collectives", "Bộ Công an", "co_thi_dua"),
        ],
    ),
    # no issuer and no award named: the keys are left out (as in the gold files), status awarded
    (
        "Khen thưởng 28 tập thể, 45 cá nhân có thành tích xuất sắc trong phong trào.",
        [
            (28, "awards.collectives", "exact", {"issuer": None, "award_type": None, "status": "awarded"}),
            (45, "awards.individuals", "exact", {"issuer": None, "award_type": None, "status": "awarded"}),
        ],
    ),
    (
        "Có 180 lượt tập thể, cá nhân được khen thưởng.",
        [(180, "awards.mixed", "exact", {"issuer": None, "status": "awarded"})],
    ),
    (
        "Có 210 lượt tập thể, cá nhân được Chủ tịch UBND tỉnh tặng Bằng khen, Giám đốc Công an tỉnh tặng Giấy khen.",
        [
            (
                210,
                "awards.mixed",
                "exact",
                {
                    "issuer": ["Chủ tịch UBND tỉnh", "Giám đốc Công an tỉnh"],
                    "award_type": ["bang_khen", "giay_khen"],
                    "status": "awarded",
                },
            )
        ],
    ),
]


@pytest.mark.parametrize("text, expected", AWARDS)
def test_awards(text, expected):
    check(text, expected)


@pytest.mark.parametrize(
    "text, issuer",
    [
        ("Bộ Công an đã tặng bằng khen 4 tập thể.", "Bộ Công an"),
        ("Ban Chỉ đạo 138 tỉnh đã tặng giấy khen cho 11 tập thể.", "Ban Chỉ đạo 138 tỉnh"),
        ("Bộ Tư pháp vừa tặng bằng khen cho 3 tập thể.", "Bộ Tư pháp"),
        (
            "Cục Cảnh sát quản lý hành chính về trật tự xã hội đã tặng giấy khen cho 6 tập thể.",
            "Cục Cảnh sát quản lý hành chính về trật tự xã hội",
        ),
        ("Sở Tư pháp tỉnh cũng đã tặng giấy khen cho 4 tập thể.", "Sở Tư pháp tỉnh"),
    ],
)
def test_issuers_never_keep_function_words(text, issuer):
    [f] = figs(text)
    assert f.attrs["issuer"] == issuer


def test_clean_issuer():
    from extractors.lexicon import clean_issuer

    assert clean_issuer("Bộ Công an đã") == "Bộ Công an"
    assert clean_issuer("Sở Tư pháp tỉnh cũng đã") == "Sở Tư pháp tỉnh"
    assert clean_issuer("UBND tỉnh vừa") == "UBND tỉnh"
    assert clean_issuer("Ủy ban MTTQ Việt Nam tỉnh") == "Ủy ban MTTQ Việt Nam tỉnh"


# ---- groups: a total of mass organisations and its parts ---------------------------------------------


def group(value, group_type, part_of=None):
    return (value, "groups.count", "exact", {"group_type": group_type, "part_of": part_of})


GROUPS = [
    (
        "Hiện nay, huyện Đắk Mil đang duy trì 9 loại mô hình quần chúng tham gia bảo vệ ANTT với 640 tổ chức "
        "quần chúng. Trong đó, có 180 tổ an ninh tự quản, 75 tổ hòa giải ở cơ sở, 210 tổ, đội dân phòng, "
        "4 cụm an ninh liên hoàn.",
        [
            (9, "models.types", "exact", {"part_of": None}),
            group(640, "tổ chức quần chúng"),
            group(180, "tổ an ninh tự quản", "640"),
            group(75, "tổ hòa giải", "640"),
            group(210, "tổ, đội dân phòng", "640"),
            group(4, "cụm an ninh liên hoàn", "640"),
        ],
    ),
    (
        "Toàn huyện có 512 tổ chức quần chúng tự quản, trong đó có 160 tổ an ninh nhân dân.",
        [group(512, "tổ chức quần chúng tự quản"), group(160, "tổ an ninh nhân dân", "512")],
    ),
    # the whole of "Trong đó" is the last figure before of the same measure, not the members
    (
        "Toàn tỉnh có 1.250 tổ an ninh nhân dân với 6.300 thành viên. Trong đó, 420 tổ hoạt động hiệu quả.",
        [group(1250, "tổ an ninh nhân dân"), (6300, "groups.members", "exact", {}), group(420, "tổ", "1.250")],
    ),
]


@pytest.mark.parametrize("text, expected", GROUPS)
def test_groups(text, expected):
    check(text, expected)


def test_trong_do_needs_the_sentence_right_before():
    fs = figs(
        "Toàn tỉnh có 300 tổ an ninh nhân dân. Phong trào được duy trì thường xuyên. "
        "Trong đó, 120 tổ hoạt động hiệu quả."
    )
    assert [(f.value, f.attrs.get("part_of")) for f in fs] == [(300, None), (120, None)]


# ---- units end before function words and years -------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Nhân dân giao nộp 48 quả đạn cùng nhiều vũ khí thô sơ, 22 quả lựu đạn cùng 5 kíp nổ.",
            [
                (48, "weapons.ammunition", "quả đạn"),
                (22, "weapons.explosives", "quả lựu đạn"),
                (5, "weapons.explosives", "kíp nổ"),
            ],
        ),
        # a fall from one year to another: two figures, the years are not figures
        (
            "Số vụ phạm tội về trật tự xã hội giảm từ 5.120 vụ năm 2014 xuống còn 3.870 vụ năm 2023.",
            [(5120, "other", "vụ"), (3870, "other", "vụ")],
        ),
        (
            "Bắt giữ 36 đối tượng và thu hồi 14 khẩu súng cùng 120 viên đạn để xử lý.",
            [(36, "other", "đối tượng"), (14, "weapons.guns", "khẩu súng"), (120, "weapons.ammunition", "viên đạn")],
        ),
        (
            "Thu giữ 312kg thuốc nổ, 1.450 kíp nổ khi đang vận chuyển.",
            [(312, "weapons.explosives", "kg thuốc nổ"), (1450, "weapons.explosives", "kíp nổ")],
        ),
    ],
)
def test_units_stop_at_function_words(text, expected):
    got = figs(text)
    assert [(f.value, f.measure, f.unit) for f in got] == expected
    assert all(f.qualifier == "exact" for f in got)


# ---- numbers in words, qualifiers, percentages -------------------------------------------------------


def test_numbers_in_words_after_hang_are_not_emitted():
    # FIGURES.md makes "hàng vạn", "hàng chục nghìn" optional at best (every gold label of one is
    # optional); a mart would sum them as exact thousands, so they are read but not emitted
    for text in (
        "Lực lượng Công an đã phối hợp quản lý, giáo dục, giúp đỡ hàng vạn đối tượng tái hòa nhập cộng đồng.",
        "Thu hút hàng chục nghìn lượt người tham gia; huy động hàng trăm triệu đồng.",
        "Trong nhiều năm, Nhân dân đã cung cấp hàng triệu nguồn tin cho lực lượng Công an.",
    ):
        assert figs(text) == []
    # digits in the same sentence are still figures
    assert [(f.value, f.measure) for f in figs("Hàng trăm người dự; thu hút 1.200 lượt người tham gia.")] == [
        (1200, "campaign.participants")
    ]


def test_hang_that_is_not_a_number():
    # "hàng năm" (yearly) names no number; a change is not a figure
    assert [
        (f.value, f.measure)
        for f in figs("Hàng năm, Công an tỉnh tổ chức 200 buổi tuyên truyền; số vụ việc tăng hàng trăm vụ.")
    ] == [(200, "campaign.events")]


def test_percentages_of_other_reports():
    # a rate with no target is a statistic of its own (unit %), as in test_extract_rules
    check("Tỷ lệ điều tra khám phá án đạt 92%.", [(92, "other", "exact", {})])
    # a result over a target, its stated percentage in brackets after it
    check(
        "Công an tỉnh điều tra khám phá 712/795 vụ phạm tội về trật tự xã hội (đạt 89,56%), 58/60 vụ phạm "
        "tội rất nghiêm trọng (đạt 96,67%).",
        [
            (712, "target.achievement", "exact", {"target": 795, "stated_pct": 89.56}),
            (58, "target.achievement", "exact", {"target": 60, "stated_pct": 96.67}),
        ],
    )


# ---- province and period of the report ----------------------------------------------------------------


def meta(text):
    r = extractors.extract_text(text, "m.txt")
    return r.province, r.report_date, r.period_label, r.period_start, r.period_end


@pytest.mark.parametrize(
    "text, province",
    [
        # a provincial capital names the province when no province is named
        ("Sáng 10/4, tại TP.Quy Nhơn, UBND tỉnh tổ chức hội nghị tổng kết phong trào năm 2023.", "Bình Định"),
        ("Tại thành phố Vinh, hội nghị tổng kết phong trào đã được tổ chức.", "Nghệ An"),
        ("Chiều 5/1, tại thị xã Sa Đéc, Công an tỉnh tổ chức hội nghị với 300 đại biểu tham dự.", "Đồng Tháp"),
        ("Hội nghị được tổ chức tại TP Tuy Hoà với 250 đại biểu.", "Phú Yên"),  # old tone placement
        ("Nhân dân TP.HCM đã cung cấp 12.000 nguồn tin.", "Hồ Chí Minh"),
        # ... but never over a province named in the text
        ("Tại TP Nha Trang, Công an tỉnh Phú Yên phối hợp tổ chức hội nghị.", "Phú Yên"),
    ],
)
def test_province_from_a_city(text, province):
    assert meta(text)[0] == province


def test_capitals_lexicon_covers_every_province():
    from extractors.report_meta import CAPITALS, PROVINCES

    with open(LEXICONS / "capitals.yaml", encoding="utf-8") as f:
        data = yaml.safe_load(f)["capitals"]
    assert len(data) == 63
    assert set(data) <= set(PROVINCES)
    assert all(cities for cities in data.values())
    assert CAPITALS["Tam Kỳ"] == "Quảng Nam" and CAPITALS["Buôn Ma Thuột"] == "Đắk Lắk"


def test_period_named_by_its_length():
    assert meta(
        "date 2024-05 Sau 10 năm đẩy mạnh thực hiện phong trào, Nhân dân Thành phố đã cung cấp 9.000 nguồn tin."
    )[1:] == (date(2024, 5, 1), "10 năm đẩy mạnh thực hiện", date(2014, 5, 1), date(2024, 5, 1))
    assert meta("Trong 10 năm (2014-2024), quần chúng Nhân dân tỉnh Hậu Giang đã cung cấp 9.350 nguồn tin.")[2:] == (
        "giai đoạn 2014-2024",
        date(2014, 1, 1),
        date(2024, 12, 31),
    )


# ---- a whole news item of another province ------------------------------------------------------------


def test_a_news_item_of_another_province():
    text = (
        "date 2021-03 Sáng 18.3, tại TP.Đông Hà, UBND tỉnh tổ chức hội nghị tổng kết phong trào "
        "“Toàn dân bảo vệ an ninh Tổ quốc” năm 2020.\n"
        "Năm 2020, Nhân dân đã cung cấp hơn 2.700 tin, trong đó tin có giá trị khoảng 1.150 tin; giao nộp "
        "38 khẩu súng, 410 viên đạn, 27 quả đạn cùng nhiều vũ khí thô sơ.\n"
        "Dịp này, Bộ Công an đã tặng bằng khen 6 tập thể, UBND tỉnh tặng bằng khen 14 tập thể, 9 cá nhân."
    )
    r = extractors.extract_text(text, "qt.txt")
    assert (r.province, r.report_date, r.period_label) == ("Quảng Trị", date(2021, 3, 18), "năm 2020")
    assert [(f.value, f.measure, f.qualifier, f.unit) for f in r.figures] == [
        (2700, "tips.received", "more_than", "tin"),
        (1150, "tips.valuable", "about", "tin"),
        (38, "weapons.guns", "exact", "khẩu súng"),
        (410, "weapons.ammunition", "exact", "viên đạn"),
        (27, "weapons.ammunition", "exact", "quả đạn"),
        (6, "awards.collectives", "exact", "tập thể"),
        (14, "awards.collectives", "exact", "tập thể"),
        (9, "awards.individuals", "exact", "cá nhân"),
    ]
    assert r.figures[1].attrs["part_of"] == "2.700"
    assert [f.attrs.get("issuer") for f in r.figures[5:]] == ["Bộ Công an", "UBND tỉnh", "UBND tỉnh"]
    for f in r.figures:
        assert r.text[f.start : f.end] == f.surface


def test_table_shows_each_figure_in_its_place():
    r = extractors.extract_text("Nhân dân cung cấp hơn 4.100 tin, giúp xử lý hành chính 4 vụ.", "t.txt")
    table = extractors.cli_format_table([r])
    row = next(line for line in table.splitlines() if line.strip().startswith("4 "))
    context = row[row.index("…") :]  # the sentence from a little before the figure, not from "4.100"
    assert "4 vụ" in context and "4.100" not in context


def test_issuer_scan_finds_what_the_issuer_regex_finds():
    """awards look for issuers from the capital letters of a text (faster); the result must be what
    ISSUER_RE.finditer gives, on every sentence of these tests and of the Lào Cai report."""
    from pathlib import Path

    from extractors.lexicon import ISSUER_RE, issuer_matches

    texts = [t for t, _ in TIPS + AWARDS + GROUPS]
    texts += (Path(__file__).parent / "data" / "report_lao_cai_2023.txt").read_text(encoding="utf-8").splitlines()
    texts.append("Các xã đã được ủy ban nhân dân huyện và uỷ ban nhân dân tỉnh tặng giấy khen.")
    found = 0
    for t in texts:
        want = [(m.start(), m.group()) for m in ISSUER_RE.finditer(t)]
        assert [(m.start(), m.group()) for m in issuer_matches(t)] == want, t
        found += len(want)
    assert found >= 30


# ---- measures of counts: weapons of mixed kinds, pledges, audiences, surrender, members, models ------

MEASURES_OF_COUNTS = [
    # one count over several kinds of weapons is weapons.mixed; its parts may be of several measures
    (
        "Năm 2023, Công an huyện đã thu hồi 212 vũ khí, vật liệu nổ, công cụ hỗ trợ. Trong đó, 8 khẩu súng "
        "quân dụng, 40 khẩu súng tự chế, 17 dao kiếm.",
        [
            (212, "weapons.mixed", "exact", {}),
            (8, "weapons.guns", "exact", {"part_of": "212"}),
            (40, "weapons.guns", "exact", {"part_of": "212"}),
            (17, "weapons.other", "exact", {"part_of": "212"}),
        ],
    ),
    (
        "Đợt cao điểm đã thu hồi 2.310 vũ khí, trong đó có 604 súng các loại, 1.150 viên đạn.",
        [
            (2310, "weapons.mixed", "exact", {}),
            (604, "weapons.guns", "exact", {"part_of": "2.310"}),
            (1150, "weapons.ammunition", "exact", {"part_of": "2.310"}),
        ],
    ),
    # primitive weapons handed in: crossbows are weapons.other (docs/extractor.md's worked example)
    (
        "Công an huyện đã vận động Nhân dân giao nộp 12 chiếc nỏ và 3 khẩu súng kíp.",
        [(12, "weapons.other", "exact", {}), (3, "weapons.guns", "exact", {})],
    ),
    # weapons destroyed, not recovered: other (FIGURES.md "Weapons")
    (
        "Công an tỉnh vừa tiêu hủy 64 khẩu súng tự chế và 410 viên đạn.",
        [(64, "other", "exact", {}), (410, "other", "exact", {})],
    ),
    # individuals who sign a pledge; the audience of a session; a bare "lượt" after a means of propaganda
    (
        "Có 37 cá nhân ký cam kết không vi phạm pháp luật; tổ chức 12 đợt tuyên truyền cho 2.480 người; "
        "tuyên truyền bằng xe loa 18 lượt, phát hành 4 bản tin.",
        [
            (37, "campaign.participants", "exact", {}),
            (12, "campaign.events", "exact", {}),
            (2480, "campaign.participants", "exact", {}),
            (18, "campaign.events", "exact", {}),
            (4, "campaign.media", "exact", {}),
        ],
    ),
    # persuaded to surrender (tips.arrests); a part with the whole's noun counts the same
    (
        "Xác minh, vận động đầu thú 42 đối tượng truy nã, trong đó có 9 đối tượng đặc biệt nguy hiểm.",
        [(42, "tips.arrests", "exact", {}), (9, "tips.arrests", "exact", {"part_of": "42"})],
    ),
    # patrol shifts; members of counted groups
    (
        "Toàn huyện tổ chức hơn 1.200 ca tuần tra. Ra mắt 58 Tổ bảo vệ an ninh trật tự tại 58 thôn, với 231 người "
        "tham gia.",
        [
            (1200, "patrols.count", "more_than", {}),
            (58, "groups.count", "exact", {}),
            (58, "coverage.units", "exact", {}),
            (231, "groups.members", "exact", {}),
        ],
    ),
    # a movement sentence with "Tổ quốc ... với N người" is not a group's membership
    (
        "Phát động phong trào toàn dân bảo vệ an ninh Tổ quốc với 4.300 người tham gia.",
        [(4300, "campaign.participants", "exact", {})],
    ),
]


@pytest.mark.parametrize("text, expected", MEASURES_OF_COUNTS)
def test_measures_of_counts(text, expected):
    check(text, expected)


@pytest.mark.parametrize(
    "text, expected",
    [
        # one verb governs the list
        (
            "Các địa phương đã nhân rộng 6 mô hình cấp huyện, 3 mô hình cấp tỉnh.",
            [
                (6, "models.count", "exact", {"status": "replicated"}),
                (3, "models.count", "exact", {"status": "replicated"}),
            ],
        ),
        # the replication belongs to the count it leads to; the places of a replication count model instances
        (
            "Tỉnh có 88 mô hình tự quản được triển khai, nhân rộng tại 412 cơ quan, doanh nghiệp, trường học.",
            [
                (88, "models.count", "exact", {"status": "active"}),
                (412, "models.count", "exact", {"status": "replicated"}),
            ],
        ),
        (
            "Khối xã, phường có 71 mô hình, nhân rộng ra toàn tỉnh với 140 mô hình.",
            [
                (71, "models.count", "exact", {"status": "active"}),
                (140, "models.count", "exact", {"status": "replicated"}),
            ],
        ),
        (
            "Nổi bật là mô hình thôn không có ma túy tại 64 thôn, bản.",
            [(64, "models.count", "exact", {"status": "replicated"})],
        ),
        # the total after "lên con số"
        (
            "Năm qua đã nâng tổng số mô hình trong phong trào toàn dân bảo vệ ANTQ toàn huyện lên con số 46.",
            [(46, "models.count", "exact", {"status": "active"})],
        ),
    ],
)
def test_model_status(text, expected):
    check(text, expected)


@pytest.mark.parametrize(
    "text, expected",
    [
        # praise with no award named: award_type other, issuer as named
        (
            "Dịp này, UBND huyện Krông Bông đã tuyên dương 45 tập thể và cá nhân có thành tích xuất sắc.",
            [(45, "awards.mixed", "exact", {"issuer": "UBND huyện Krông Bông", "award_type": "other"})],
        ),
        (
            "Có 2 tập thể và 5 cá nhân được Chủ tịch UBND xã biểu dương, khen thưởng.",
            [
                (2, "awards.collectives", "exact", {"issuer": "Chủ tịch UBND xã", "award_type": "other"}),
                (5, "awards.individuals", "exact", {"issuer": "Chủ tịch UBND xã", "award_type": "other"}),
            ],
        ),
        # the issuer after the award's quoted name
        (
            "Trao tặng kỷ niệm chương “Vì an ninh Tổ quốc” của Bộ Công an cho 24 cá nhân.",
            [(24, "awards.individuals", "exact", {"issuer": "Bộ Công an", "award_type": "ky_niem_chuong"})],
        ),
        # an issuer of a level; a list with its comma left out
        (
            "Đã có 310 lượt tập thể, cá nhân được Giám đốc Công an tỉnh và Chủ tịch UBND cấp huyện tặng giấy khen; "
            "UBND xã tặng giấy khen cho 02 cá nhân 04 tập thể.",
            [
                (310, "awards.mixed", "exact", {"issuer": ["Giám đốc Công an tỉnh", "Chủ tịch UBND cấp huyện"]}),
                (2, "awards.individuals", "exact", {"issuer": "UBND xã", "award_type": "giay_khen"}),
                (4, "awards.collectives", "exact", {"issuer": "UBND xã", "award_type": "giay_khen"}),
            ],
        ),
    ],
)
def test_award_attrs_without_named_award(text, expected):
    check(text, expected)
