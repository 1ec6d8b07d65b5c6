"""Every format and encoding a user may drop in the folder, each with a real file made from a sample
report (builders in sample_files.py): the decoded text and the figures must be those of the original.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

import extractors
from extractors import UnreadableReport
from extractors.decode import clean_text
from extractors.legacy import decode_tcvn3, decode_vni, encode_tcvn3, encode_vni

from sample_files import docx_bytes, encode_cp1258, paragraphs, pdf_bytes, scanned_pdf, zip_bytes

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "seeds" / "004_f927958248fcde9a.txt"  # a web page saved as text: menus, quotes, awards
SAMPLE2 = ROOT / "seeds" / "000_19a092f55bfce8ee.txt"  # long paragraphs, lists, fractions


@pytest.fixture(scope="module")
def text() -> str:
    # as the decoder hands it on: NFC, "\n" line ends, no-break spaces as spaces
    return clean_text(SAMPLE.read_text(encoding="utf-8"))


def figures(report_or_text, doc="x.txt"):
    r = (
        report_or_text
        if isinstance(report_or_text, extractors.Report)
        else extractors.extract_text(report_or_text, doc)
    )
    return [(f.value, f.measure, f.qualifier) for f in r.figures]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


# ---- encodings ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding, make",
    [
        ("utf-8", lambda t: t.encode("utf-8")),
        ("utf-8-sig", lambda t: b"\xef\xbb\xbf" + t.encode("utf-8")),
        ("utf-16", lambda t: t.encode("utf-16")),  # with BOM
        ("utf-16-le", lambda t: t.encode("utf-16-le")),  # without BOM
        ("utf-16-be", lambda t: t.encode("utf-16-be")),
        ("windows-1258", encode_cp1258),
        ("vni", encode_vni),
    ],
)
def test_text_encodings_decode_to_the_same_text(tmp_path, text, encoding, make):
    path = write(tmp_path, f"report-{encoding}.txt", make(text))
    r = extractors.extract_path(path)
    assert r.source_format == "txt"
    assert r.encoding == encoding
    assert r.text == text or (encoding == "windows-1258" and figures(r) == figures(text))
    assert figures(r) == figures(text)
    assert r.province == "Kon Tum"


def test_windows_1258_text_is_exact_where_the_code_page_can_write_it(tmp_path):
    t = (
        "Năm 2022, Công an tỉnh Bắc Kạn đã vận động thu hồi 334 khẩu súng, 97 viên đạn quân dụng; "
        "thu hút 58.831 lượt người tham gia phong trào toàn dân bảo vệ an ninh Tổ quốc."
    )
    r = extractors.extract_path(write(tmp_path, "cp1258.txt", encode_cp1258(t)))
    assert r.encoding == "windows-1258" and r.text == t


def test_tcvn3(tmp_path, text):
    data = encode_tcvn3(text)
    assert data.decode("latin-1") != text
    r = extractors.extract_path(write(tmp_path, "tcvn3.txt", data))
    assert r.encoding == "tcvn3"
    # TCVN3 cannot write capitals with tone marks: they come back in lower case, nothing else changes
    expected = "".join(c if c in r.text else c.lower() for c in text)
    assert r.text == "".join(a if a == b else b for a, b in zip(expected, r.text))
    assert sum(a != b for a, b in zip(text, r.text)) == sum(
        1
        for c in text
        if unicodedata.normalize("NFD", c)[0].isupper()
        and c != unicodedata.normalize("NFD", c)[0]
        and c not in "ĂÂÊÔƠƯĐ"
    )
    assert figures(r) == figures(text)


@pytest.mark.parametrize(
    "word, tcvn3, vni",
    [
        ("Việt Nam", b"Vi\xd6t Nam", b"Vie\xe4t Nam"),
        ("người", b"ng\xad\xeai", b"ng\xf6\xf4\xf8i"),
        ("được", b"\xae\xad\xeec", b"\xf1\xf6\xf4\xefc"),
        ("tỉnh", b"t\xd8nh", b"t\xe6nh"),
        ("Công an", b"C\xabng an", b"Co\xe2ng an"),
        ("Đảng", b"\xa7\xb6ng", b"\xd1a\xfbng"),
        ("khẩu súng", b"kh\xc8u s\xf3ng", b"kha\xe5u su\xf9ng"),
    ],
)
def test_legacy_maps_known_words(word, tcvn3, vni):
    assert encode_tcvn3(word) == tcvn3 and decode_tcvn3(tcvn3) == word
    assert encode_vni(word) == vni and decode_vni(vni) == word


def _letters(vowels: str) -> str:
    """Each vowel bare and with each of the five tone marks, in NFC."""
    return "".join(
        unicodedata.normalize("NFC", b + m)
        for b in vowels
        for m in ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
    )


def test_vni_round_trips_every_vietnamese_letter():
    letters = _letters("aăâeêioôơuưyAĂÂEÊIOÔƠUƯY") + "đĐ"
    assert decode_vni(encode_vni(letters)) == letters


def test_tcvn3_round_trips_every_lower_case_letter():
    letters = _letters("aăâeêioôơuưy") + "đĂÂÊÔƠƯĐ"
    assert decode_tcvn3(encode_tcvn3(letters)) == letters


def test_nfd_text_is_normalised_to_nfc(tmp_path, text):
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    r = extractors.extract_path(write(tmp_path, "nfd.txt", nfd.encode("utf-8")))
    assert r.text == text
    assert figures(r) == figures(text)
    assert all(r.text[f.start : f.end] == f.surface for f in r.figures)


def test_windows_line_endings(tmp_path, text):
    r = extractors.extract_path(write(tmp_path, "crlf.txt", text.replace("\n", "\r\n").encode("utf-8")))
    assert figures(r) == figures(text)


# ---- documents ----------------------------------------------------------------------------


def test_html_main_text_without_menus(tmp_path, text):
    paras = paragraphs(text)
    body = "\n".join(f"<p>{p}</p>" for p in paras[1:])  # the menu line goes into the page chrome
    html = f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Kon Tum</title></head>
<body><header><nav><ul><li><a href="/">Trang chủ</a></li><li><a href="/tin">Tin tức</a></li>
<li><a href="/an-ninh">An ninh trật tự</a></li></ul></nav>
<div class="tools">A- A A+ | Tăng tương phản Giảm tương phản</div></header>
<main><article><h1>{paras[0] if not paras[0].startswith("A-") else paras[1]}</h1>{body}</article></main>
<aside><h3>Tin liên quan</h3><ul><li><a href="/x">Hội nghị năm 2021 có 55 đại biểu dự</a></li></ul></aside>
<footer>Bản quyền © 2024 Công an tỉnh. Điện thoại 0260.3862.333</footer></body></html>"""
    r = extractors.extract_path(write(tmp_path, "page.html", html.encode("utf-8")))
    assert r.source_format == "html"
    assert "Tăng tương phản" not in r.text and "Trang chủ" not in r.text
    assert figures(r) == figures(text)


def test_html_in_a_legacy_charset(tmp_path):
    html = (
        '<html><head><meta charset="windows-1258"></head><body><article><p>Năm 2023, Công an tỉnh '
        "Kon Tum đã vận động thu hồi 120 khẩu súng các loại và 35 kg thuốc nổ; phát hành 36.944 tài liệu "
        "tuyên truyền phong trào toàn dân bảo vệ an ninh Tổ quốc.</p></article></body></html>"
    )
    r = extractors.extract_path(write(tmp_path, "p.htm", encode_cp1258(html)))
    assert [(f.value, f.measure) for f in r.figures] == [
        (120, "weapons.guns"),
        (35, "weapons.explosives"),
        (36944, "campaign.materials"),
    ]


def test_docx(tmp_path, text):
    data = docx_bytes(paragraphs(text), [("Chỉ tiêu", "Kết quả"), ("Thu hồi vũ khí", "thu hồi 15 khẩu súng")])
    r = extractors.extract_path(write(tmp_path, "report.docx", data))
    assert r.source_format == "docx"
    assert figures(r) == figures(text) + [(15, "weapons.guns", "exact")]


@pytest.mark.parametrize("sample", [SAMPLE, SAMPLE2], ids=["004", "000"])
def test_pdf_with_a_text_layer(tmp_path, sample):
    text = clean_text(sample.read_text(encoding="utf-8"))
    r = extractors.extract_path(write(tmp_path, "report.pdf", pdf_bytes(paragraphs(text))))
    assert r.source_format == "pdf"
    assert figures(r) == figures(text)
    assert all(r.text[f.start : f.end] == f.surface for f in r.figures)


# ---- what cannot be read ------------------------------------------------------------------

ZIPPED = {"a.txt": "Năm 2023 thu hồi 5 khẩu súng."}


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"   \n\n ", "empty"),
        ("random.bin", bytes(range(256)) * 40, "binary"),
        ("archive.zip", zip_bytes(ZIPPED), "zip"),
        ("archive.docx", zip_bytes(ZIPPED), "zip"),
        ("scan.pdf", scanned_pdf(), "text layer"),
        ("broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", "PDF"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ".doc"),
        ("image.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10, "binary"),
        ("bad-utf16.txt", b"\xff\xfe" + b"\x00\xd8" * 50, "utf-16"),
    ],
)
def test_unreadable_files_get_a_reason(tmp_path, name, data, reason):
    with pytest.raises(UnreadableReport) as e:
        extractors.extract_path(write(tmp_path, name, data))
    assert reason.lower() in e.value.reason.lower()


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(UnreadableReport):
        extractors.extract_path(tmp_path / "nope.txt")
    with pytest.raises(UnreadableReport):
        extractors.extract_path(tmp_path)


def test_a_batch_of_odd_files_never_crashes(tmp_path):
    import random

    rng = random.Random(7)
    text = SAMPLE.read_text(encoding="utf-8")
    blobs = [text.encode("utf-8")[: rng.randint(0, 3000)] for _ in range(20)]
    blobs += [bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 2000))) for _ in range(20)]
    blobs += [encode_vni(text)[: rng.randint(1, 5000)] for _ in range(10)]
    for i, data in enumerate(blobs):
        for ext in ("txt", "html", "pdf", "docx"):
            try:
                extractors.extract_bytes(data, f"f{i}.{ext}")
            except UnreadableReport as e:
                assert e.reason
