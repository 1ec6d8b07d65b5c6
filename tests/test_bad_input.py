"""Bad and odd input, each kind made here, all dropped into ONE landing folder beside the five sample
reports and ingested together against real PostgreSQL (antq.ingest.night.run).

Every kind ends loaded (with its figures), as a duplicate of content already loaded, rejected in
raw.rejected_files with a reason naming the problem (its bytes kept in raw.report_files and/or the
quarantine folder), or ignored by design (hidden and Office lock files); the sample reports load as
they do alone, so no bad file stops a batch. Kinds that need timing or another user (a file still
being written, a file the loader may not read, a file that vanishes or changes between discover and
load) have their own tests below.

"Unreadable" without root's powers: tests run as root, for whom chmod 000 stops nothing, so the
corpus uses files that fail for root too (a link to /proc/self/mem reads EIO, a named pipe, a link to
nothing, a link loop, a link to a device); test_a_file_the_loader_may_not_read_is_rejected runs
discover in a child process that has given up root for `nobody`, where chmod 000 does stop it.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg
import pytest

import extractors
from antq import config
from antq.ingest import landing as landing_folder
from antq.ingest import night
from antq.ingest.plan import nightly
from antq.ingest.raw import load_raw
from extractors.decode import clean_text
from extractors.legacy import encode_tcvn3, encode_vni

from conftest import SEEDS_DIR
from sample_files import docx_bytes, encode_cp1258, odt_bytes, paragraphs, pdf_bytes, rtf_bytes, scanned_pdf, zip_bytes

RUN_DATE = date(2024, 1, 2)
SEEDS = sorted(p.name for p in SEEDS_DIR.glob("*.txt"))
MB = 1024 * 1024


def seed_bytes(i: int) -> bytes:
    return (SEEDS_DIR / SEEDS[i]).read_bytes()


def seed_text(i: int) -> str:
    return clean_text(seed_bytes(i).decode("utf-8"))


def tagged(i: int, tag: str) -> str:
    """Sample report i with a closing line of letters only: unique content, the same figures."""
    letters = "".join(c for c in tag if c.isalpha())
    return seed_text(i) + f"\n\nTệp thử nghiệm {letters}.\n"


TABLE_ROWS = [
    ("Chỉ tiêu", "Kết quả"),
    ("Vũ khí", "Công an tỉnh đã vận động thu hồi 120 khẩu súng các loại"),
    ("Vật liệu nổ", "thu hồi 35 kg thuốc nổ"),
    ("Tuyên truyền", "phát hành 36.944 tài liệu tuyên truyền"),
]

MENU_PAGE = """<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Công an tỉnh</title></head>
<body><nav><ul><li><a href="/">Trang chủ</a></li><li><a href="/tin">Tin tức</a></li>
<li><a href="/an-ninh">An ninh trật tự</a></li><li><a href="/gt">Giao thông</a></li>
<li><a href="/vb">Văn bản pháp luật</a></li><li><a href="/lh">Liên hệ</a></li></ul></nav>
<div class="menu"><a href="/a">Giới thiệu</a> | <a href="/b">Tổ chức bộ máy</a> | \
<a href="/c">Thủ tục hành chính</a></div>
<footer>Bản quyền © 2024 Công an tỉnh</footer></body></html>"""


def article_page(text: str) -> str:
    paras = paragraphs(text)
    body = "\n".join(f"<p>{p}</p>" for p in paras)
    return f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Báo cáo</title></head>
<body><header><nav><a href="/">Trang chủ</a> | <a href="/tin">Tin tức</a></nav></header>
<main><article><h1>Báo cáo phong trào</h1>{body}</article></main><footer>Bản quyền © 2024</footer></body></html>"""


# ---- the kinds ----------------------------------------------------------------------------------


@dataclass
class Made:
    rel: str  # relative path as made (a non-UTF-8 name as os.fsdecode gives it)
    data: bytes | None  # the bytes a reader gets (None: nothing can be read)
    extra: dict = field(default_factory=dict)


@dataclass
class Kind:
    id: str
    make: Callable[[Path, Path], Made]  # (landing, outside) -> what was made
    outcome: str  # loaded | duplicate | rejected | ignored
    words: tuple[str, ...] = ()  # rejected: the reason names the problem
    stage: str | None = None  # rejected: discover | extract
    figures: object = None  # loaded: int, ("seed", i) = as many as sample i, or a callable
    then: Callable[[Path, Made], Made] | None = None  # a change made after the first run


def write(landing: Path, rel: str, data: bytes) -> Made:
    p = landing / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return Made(rel, data)


def text_file(rel: str, i: int, encode=lambda t: t.encode("utf-8")):
    return lambda landing, outside: write(landing, rel, encode(tagged(i, rel)))


def truncated_utf8(landing, outside):
    data = tagged(0, "truncated").encode("utf-8")
    cut = len(data) * 3 // 4
    while data[cut] < 0x80:  # cut inside a multi-byte character
        cut += 1
    return write(landing, "cut short.txt", data[: cut + 1])


def mixed_encodings(landing, outside):
    data = tagged(0, "mixed").encode("utf-8") + b"\n" + encode_cp1258(seed_text(4))
    return write(landing, "mixed-encodings.txt", data)


def one_mb_line(landing, outside):
    line = " ".join(paragraphs(seed_text(4))) + " "
    data = (line * (MB // len(line.encode("utf-8")) + 1)).encode("utf-8")
    data = data[:MB].decode("utf-8", "ignore").encode("utf-8")
    assert b"\n" not in data and len(data) > MB - 4
    return write(landing, "one-line.txt", data)


def fifty_mb(landing, outside):
    block = (tagged(1, "big") + "\n").encode("utf-8")
    data = block * (50 * MB // len(block) + 1)
    return write(landing, "big/fifty-megabytes.txt", data)


def symlink(target_rel_or_abs: str, rel: str, data: bytes | None, **extra):
    def make(landing, outside):
        os.symlink(target_rel_or_abs.format(outside=outside), landing / rel)
        return Made(rel, data, extra)

    return make


def link_outside(landing, outside):
    outside.mkdir(exist_ok=True)
    data = tagged(2, "outside").encode("utf-8")
    (outside / "kept elsewhere.txt").write_bytes(data)
    os.symlink(outside / "kept elsewhere.txt", landing / "link-to-outside.txt")
    return Made("link-to-outside.txt", None, {"target": data})  # never read: no bytes to keep


SECRET = "fernet_key = c2VjcmV0LW5ldmVyLWluLXRoZS13YXJlaG91c2U="


def link_to_secret(landing, outside):
    """A link to a config file beside the warehouse (as Airflow's airflow.cfg with its Fernet key)."""
    outside.mkdir(exist_ok=True)
    cfg = outside / "airflow.cfg"
    cfg.write_text(f"[core]\n{SECRET}\nCông an tỉnh đã tổ chức 12 hội nghị với 450 người tham gia.\n", encoding="utf-8")
    os.symlink(os.path.relpath(cfg, landing), landing / "config.txt")  # relative: ../outside/airflow.cfg
    return Made("config.txt", None)


def link_to_hidden_folder(landing, outside):
    (landing / ".kept").mkdir(exist_ok=True)
    (landing / ".kept" / "inside.txt").write_bytes(tagged(1, "infolder").encode("utf-8"))
    os.symlink(".kept", landing / "linked-folder")
    return Made("linked-folder", None)


def device_node(landing, outside):
    os.mknod(landing / "null-device.txt", 0o666 | __import__("stat").S_IFCHR, os.makedev(1, 3))
    return Made("null-device.txt", None)


def link_inside(landing, outside):
    os.symlink(SEEDS[3], landing / "second name for 003.txt")
    return Made("second name for 003.txt", seed_bytes(3))


def link_to_folder_outside(landing, outside):
    outside.mkdir(exist_ok=True)
    (outside / "folder").mkdir(exist_ok=True)
    (outside / "folder" / "inside.txt").write_bytes(tagged(1, "outfolder").encode("utf-8"))
    os.symlink(outside / "folder", landing / "linked-folder-outside")
    return Made("linked-folder-outside", None)


def symlink_loop(landing, outside):
    os.symlink("loop-b.txt", landing / "loop-a.txt")
    os.symlink("loop-a.txt", landing / "loop-b.txt")
    return Made("loop-a.txt", None)


def fifo(landing, outside):
    os.mkfifo(landing / "pipe.txt")
    return Made("pipe.txt", None)


def unix_socket(landing, outside):
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(landing / "sock.txt"))
    s.close()
    return Made("sock.txt", None)


def bad_name(landing, outside):
    data = tagged(2, "badname").encode("utf-8")
    raw = os.fsencode(landing) + b"/b\xe1o-c\xe1o.txt"  # Latin-1 bytes: not UTF-8
    with open(raw, "wb") as f:
        f.write(data)
    return Made(os.fsdecode(b"b\xe1o-c\xe1o.txt"), data)


def shell_name(landing, outside):
    rel = "$(touch PWNED); `touch PWNED2` | & > < * ? ; rm -rf ~.txt"
    made = write(landing, rel, tagged(1, "shell").encode("utf-8"))
    made.extra["forbidden"] = ["PWNED", "PWNED2"]
    return made


def new_version_then(landing, made):
    data = tagged(3, "version two").encode("utf-8")
    (landing / made.rel).write_bytes(data)
    return Made(made.rel, data, {"first": made.data})


def same_content_then(landing, made):
    shutil.copy(landing / SEEDS[0], landing / "same content, new name.txt")
    return Made("same content, new name.txt", seed_bytes(0))


def jpeg(landing, outside):
    return write(landing, "photo of the report.txt", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 20)


def png(landing, outside):
    return write(landing, "scan.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20)


def docx_tables(landing, outside):
    return write(landing, "tables.docx", docx_bytes(["Báo cáo kết quả phong trào năm 2023"], TABLE_ROWS))


def table_figures(rows: list[tuple]) -> None:
    assert {(float(v), m) for v, m in rows} >= {
        (120, "weapons.guns"),
        (35, "weapons.explosives"),
        (36944, "campaign.materials"),
    }


def mixed_figures(rows: list[tuple]) -> None:
    ref = sorted(
        (float(f.value), f.measure) for i in (0, 4) for f in extractors.extract_text(seed_text(i), "x").figures
    )
    assert sorted((float(v), m) for v, m in rows) == ref


def truncated_figures(rows: list[tuple]) -> None:
    ref = [(float(f.value), f.measure) for f in extractors.extract_text(seed_text(0), "x").figures]
    got = [(float(v), m) for v, m in rows]
    assert 0 < len(got) <= len(ref) and got == ref[: len(got)]  # the figures of the part that is there


def json_export(landing, outside):
    """A report exported as JSON: its text in string values with \\u escapes, numbers of its own."""
    import json

    doc = {"id": 778899, "version": 3, "title": "Báo cáo", "paragraphs": paragraphs(tagged(2, "json"))}
    return write(landing, "export.json", json.dumps(doc, ensure_ascii=True).encode("ascii"))


def xml_export(landing, outside):
    from xml.sax.saxutils import escape

    paras = "".join(
        f'<para id="{778899 + i}" n="{i}">{escape(p)}</para>\n' for i, p in enumerate(paragraphs(tagged(3, "xml")))
    )
    return write(
        landing,
        "export.xml",
        f'<?xml version="1.0" encoding="utf-8"?>\n<report id="778899" year="2023">\n{paras}</report>\n'.encode(),
    )


def no_xml_id(rows: list[tuple]) -> None:
    assert len(rows) > 10
    assert not any(float(v) in (778899, 778900, 778901) for v, _ in rows)  # attributes are never text


def mojibake(text: str) -> bytes:
    """UTF-8 read as Windows-1252 and saved again as UTF-8 ("CÃ´ng an tá»‰nh"); the five bytes
    Windows-1252 leaves undefined kept as the C1 controls of that number, as Windows tools do."""
    return "".join(bytes([b]).decode("cp1252", "ignore") or chr(b) for b in text.encode("utf-8")).encode("utf-8")


def without_diacritics(text: str) -> bytes:
    return unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D").encode("ascii", "ignore")


KINDS = [
    # ---- loaded -------------------------------------------------------------------------------
    Kind("truncated-utf8", truncated_utf8, "loaded", figures=truncated_figures),
    Kind("mixed-encodings", mixed_encodings, "loaded", figures=mixed_figures),
    Kind("one-1mb-line", one_mb_line, "loaded", figures=lambda rows: len(rows) > 1000),
    Kind(
        "no-figures",
        lambda landing, outside: write(
            landing,
            "no figures.txt",
            "Báo cáo về phong trào toàn dân bảo vệ an ninh Tổ quốc của tỉnh. Văn bản này không có số liệu.".encode(),
        ),
        "loaded",
        figures=0,
    ),
    Kind("name-quotes", text_file("báo cáo \"quý\" 'một'.txt", 1), "loaded", figures=("seed", 1)),
    Kind("name-spaces", text_file("  a name   with spaces .txt", 2), "loaded", figures=("seed", 2)),
    Kind("name-vietnamese", text_file("Báo cáo tỉnh Lào Cai năm 2023.txt", 3), "loaded", figures=("seed", 3)),
    Kind(
        "name-vietnamese-nfd",
        text_file(unicodedata.normalize("NFD", "Kết quả phong trào.txt"), 4),
        "loaded",
        figures=("seed", 4),
    ),
    Kind("name-shell-metacharacters", shell_name, "loaded", figures=("seed", 1)),
    Kind("name-newline", text_file("first line\nsecond line.txt", 0), "loaded", figures=("seed", 0)),
    Kind("name-leading-dash", text_file("-rf --help.txt", 2), "loaded", figures=("seed", 2)),
    Kind("name-very-long", text_file("Báo cáo " * 25 + ".txt", 3), "loaded", figures=("seed", 3)),
    Kind("nested-folders", text_file("a/b c/d/deep.txt", 4), "loaded", figures=("seed", 4)),
    Kind("dated-folder", text_file("2024-03-01/dated.txt", 2), "loaded", figures=("seed", 2)),
    Kind("docx-with-tables", docx_tables, "loaded", figures=table_figures),
    Kind(
        "pdf-with-text",
        lambda landing, outside: write(landing, "report.pdf", pdf_bytes(paragraphs(tagged(4, "pdf")))),
        "loaded",
        figures=("seed", 4),
    ),
    Kind(
        "html-article",
        lambda landing, outside: write(landing, "article.html", article_page(tagged(4, "html")).encode("utf-8")),
        "loaded",
        figures=("seed", 4),
    ),
    Kind(
        "html-named-txt",
        lambda landing, outside: write(landing, "saved page.txt", article_page(tagged(3, "htmltxt")).encode("utf-8")),
        "loaded",
        figures=("seed", 3),
    ),
    Kind("text-named-pdf", text_file("not really.pdf", 1), "loaded", figures=("seed", 1)),
    Kind("utf16", text_file("utf16.txt", 2, lambda t: t.encode("utf-16")), "loaded", figures=("seed", 2)),
    Kind(
        "utf8-bom-crlf",
        text_file("bom.txt", 3, lambda t: b"\xef\xbb\xbf" + t.replace("\n", "\r\n").encode()),
        "loaded",
        figures=("seed", 3),
    ),
    Kind("windows-1258", text_file("cp1258.txt", 4, encode_cp1258), "loaded", figures=("seed", 4)),
    Kind("tcvn3", text_file("tcvn3.txt", 4, encode_tcvn3), "loaded", figures=("seed", 4)),
    Kind("vni", text_file("vni.txt", 4, encode_vni), "loaded", figures=("seed", 4)),
    Kind("new-version-same-name", text_file("monthly.txt", 2), "loaded", figures=("seed", 3), then=new_version_then),
    # decoded from their markup (#15): the text a person reads in them, never tags or attributes
    Kind(
        "rtf-unicode-escapes",
        lambda landing, outside: write(landing, "report.rtf", rtf_bytes(tagged(1, "rtf"))),
        "loaded",
        figures=("seed", 1),
    ),
    Kind("json-with-u-escapes", json_export, "loaded", figures=("seed", 2)),
    Kind("xml-with-numeric-attributes", xml_export, "loaded", figures=no_xml_id),
    Kind(
        "odt-document",
        lambda landing, outside: write(landing, "report.odt", odt_bytes(paragraphs(tagged(4, "odt")))),
        "loaded",
        figures=("seed", 4),
    ),
    Kind(
        "utf8-mojibake-undone",
        lambda landing, outside: write(landing, "mojibake.txt", mojibake(tagged(0, "mojibake"))),
        "loaded",
        figures=("seed", 0),
    ),
    # ---- the same content again ---------------------------------------------------------------
    Kind(
        "same-content-new-name",
        lambda landing, outside: Made("same content, new name.txt", seed_bytes(0)),
        "duplicate",
        then=same_content_then,
    ),
    Kind("symlink-inside", link_inside, "duplicate"),
    # ---- rejected by the extractor (bytes in raw.report_files and the quarantine folder) -------
    Kind("empty", lambda landing, outside: write(landing, "empty.txt", b""), "rejected", ("empty",), "extract"),
    Kind(
        "whitespace-only",
        lambda landing, outside: write(landing, "blank.txt", b" \n\t\r\n   \n"),
        "rejected",
        ("empty",),
        "extract",
    ),
    Kind("image-png", png, "rejected", ("PNG image", "OCR"), "extract"),
    Kind("image-jpeg-named-txt", jpeg, "rejected", ("JPEG image",), "extract"),
    Kind(
        "zip-archive",
        lambda landing, outside: write(landing, "reports.zip", zip_bytes({"a.txt": tagged(0, "zip")})),
        "rejected",
        ("zip archive", "unpack"),
        "extract",
    ),
    Kind(
        "gzip-archive",
        lambda landing, outside: write(landing, "report.txt.gz", gzip.compress(tagged(0, "gz").encode())),
        "rejected",
        ("gzip archive", "unpack"),
        "extract",
    ),
    Kind(
        "docx-damaged",
        lambda landing, outside: write(landing, "damaged.docx", docx_bytes(paragraphs(tagged(1, "dmg")))[:4000]),
        "rejected",
        ("damaged", "save it again"),
        "extract",
    ),
    Kind(
        "docx-no-text",
        lambda landing, outside: write(landing, "empty.docx", docx_bytes([])),
        "rejected",
        ("no text",),
        "extract",
    ),
    Kind(
        "xlsx-workbook",
        lambda landing, outside: write(
            landing, "figures.xlsx", zip_bytes({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})
        ),
        "rejected",
        ("Excel",),
        "extract",
    ),
    Kind(
        "pdf-no-text-layer",
        lambda landing, outside: write(landing, "scan.pdf", scanned_pdf()),
        "rejected",
        ("text layer", "OCR"),
        "extract",
    ),
    Kind(
        "pdf-with-password",
        lambda landing, outside: write(landing, "locked.pdf", pdf_bytes(paragraphs(tagged(4, "lock")), "secret")),
        "rejected",
        ("encrypted", "password"),
        "extract",
    ),
    Kind(
        "old-word-doc",
        lambda landing, outside: write(landing, "old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),
        "rejected",
        (".doc", ".docx"),
        "extract",
    ),
    Kind(
        "html-all-menus",
        lambda landing, outside: write(landing, "home.html", MENU_PAGE.encode("utf-8")),
        "rejected",
        ("menus", "no article text"),
        "extract",
    ),
    Kind(
        "unknown-encoding",
        lambda landing, outside: write(
            landing,
            "russian.txt",
            (
                "Отчёт о движении за безопасность. В этом документе нет вьетнамского текста, только русский текст. " * 5
            ).encode("cp1251"),
        ),
        "rejected",
        ("unknown encoding", "UTF-8"),
        "extract",
    ),
    Kind(
        "random-binary",
        lambda landing, outside: write(landing, "data.bin", bytes(range(256)) * 40),
        "rejected",
        ("binary",),
        "extract",
    ),
    # text that is not readable Vietnamese (#15)
    Kind(
        "mojibake-with-lost-bytes",
        lambda landing, outside: write(
            landing, "mojibake-lost.txt", tagged(1, "lost").encode("utf-8").decode("cp1252", "replace").encode("utf-8")
        ),
        "rejected",
        ("mojibake", "UTF-8"),
        "extract",
    ),
    Kind(
        "replacement-characters",
        lambda landing, outside: write(
            landing, "fffd.txt", tagged(2, "fffd").encode("utf-8").decode("ascii", "replace").encode("utf-8")
        ),
        "rejected",
        ("replacement characters", "UTF-8"),
        "extract",
    ),
    Kind(
        "windows-1252-question-marks",
        lambda landing, outside: write(landing, "cp1252.txt", tagged(3, "qmarks").encode("cp1252", "replace")),
        "rejected",
        ('"?" in place of letters', "Windows-1252"),
        "extract",
    ),
    Kind(
        "no-diacritics",
        lambda landing, outside: write(landing, "khong dau.txt", without_diacritics(tagged(4, "nodiacritics"))),
        "rejected",
        ("too little Vietnamese", "diacritics"),
        "extract",
    ),
    Kind(
        "ods-spreadsheet",
        lambda landing, outside: write(
            landing, "figures.ods", odt_bytes(["Bảng số liệu"], "application/vnd.oasis.opendocument.spreadsheet")
        ),
        "rejected",
        ("OpenDocument spreadsheet",),
        "extract",
    ),
    Kind(
        "text-with-nul-bytes",
        lambda landing, outside: write(landing, "nul.txt", seed_bytes(2)[:300] + b"\x00\x00" + seed_bytes(2)[300:]),
        "rejected",
        ("binary", "NUL"),
        "extract",
    ),
    # ---- set aside at discovery (bytes, when there are any, only in the quarantine folder) -------
    Kind("fifty-mb-file", fifty_mb, "rejected", ("too large", "ANTQ_MAX_FILE_BYTES"), "discover"),
    Kind("name-not-utf8", bad_name, "rejected", ("not valid UTF-8", "rename"), "discover"),
    Kind(
        "dangling-symlink",
        symlink("gone.txt", "dangling.txt", None),
        "rejected",
        ("symbolic link", "does not exist"),
        "discover",
    ),
    Kind("symlink-loop", symlink_loop, "rejected", ("loop",), "discover"),
    Kind("symlink-to-folder", link_to_hidden_folder, "rejected", ("links to folders are not followed",), "discover"),
    Kind("device-node", device_node, "rejected", ("device",), "discover"),
    Kind("named-pipe", fifo, "rejected", ("named pipe",), "discover"),
    Kind("unix-socket", unix_socket, "rejected", ("socket",), "discover"),
    # links out of the landing folder: never followed, their targets never read (#15)
    Kind("symlink-outside", link_outside, "rejected", ("outside the landing folder",), "discover"),
    Kind("symlink-to-secret-config", link_to_secret, "rejected", ("outside the landing folder",), "discover"),
    Kind(
        "symlink-to-etc-passwd",
        symlink("/etc/passwd", "passwd.txt", None),
        "rejected",
        ("outside the landing folder",),
        "discover",
    ),
    Kind("symlink-to-device", symlink("/dev/null", "null.txt", None), "rejected", ("outside",), "discover"),
    Kind("symlink-to-proc-mem", symlink("/proc/self/mem", "io-error.txt", None), "rejected", ("outside",), "discover"),
    Kind(
        "dangling-symlink-outside",
        symlink("{outside}/gone.txt", "dangling-outside.txt", None),
        "rejected",
        ("outside",),
        "discover",
    ),
    Kind("symlink-to-folder-outside", link_to_folder_outside, "rejected", ("outside",), "discover"),
    # a dated folder that is no real day: its files are set aside, the rest of the night loads (#15)
    Kind(
        "impossible-dated-folder",
        text_file("2024-13-45/report.txt", 0),
        "rejected",
        ("2024-13-45", "no real day", "rename"),
        "discover",
    ),
    Kind(
        "february-30-folder",
        text_file("2024-02-30/report.txt", 1),
        "rejected",
        ("2024-02-30", "no real day"),
        "discover",
    ),
    # ---- ignored by design ----------------------------------------------------------------------
    Kind(
        "hidden-file",
        lambda landing, outside: write(landing, ".DS_Store", b"\x00\x00\x00\x01Bud1" + b"\x00" * 100),
        "ignored",
    ),
    Kind(
        "office-lock-file",
        lambda landing, outside: write(landing, "~$tables.docx", b"\x05user" + b"\x00" * 150),
        "ignored",
    ),
]


# ---- one batch with every kind ------------------------------------------------------------------


@dataclass
class Corpus:
    url: str
    landing: Path
    quarantine: Path
    made: dict[str, Made]
    runs: list[dict]
    seconds: float


@pytest.fixture(scope="module")
def corpus(databases, tmp_path_factory):
    with databases.warehouse() as url:
        yield from _corpus(url, tmp_path_factory)


def _corpus(url: str, tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    landing, outside = root / "landing", root / "outside"
    shutil.copytree(SEEDS_DIR, landing)
    cwd = os.getcwd()
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("ANTQ_QUARANTINE_DIR", str(root / "quarantine"))
            mp.setenv("ANTQ_SETTLE_SECONDS", "0")
            mp.delenv("ANTQ_MAX_FILE_BYTES", raising=False)  # the default, 20 MB
            os.chdir(landing)  # a name that a shell would run would create its file here
            made = {k.id: k.make(landing, outside) for k in KINDS}
            started = time.monotonic()
            runs = [night.run(url, landing, nightly(RUN_DATE), "run-1")]
            for k in KINDS:
                if k.then:
                    made[k.id] = k.then(landing, made[k.id])
            runs.append(night.run(url, landing, nightly(RUN_DATE), "run-2"))
            runs.append(night.run(url, landing, nightly(RUN_DATE), "run-3"))  # nothing new: nothing changes
            yield Corpus(url, landing, root / "quarantine", made, runs, time.monotonic() - started)
    finally:
        os.chdir(cwd)


def q(url: str, query: str, *params):
    with psycopg.connect(config.libpq_url(url)) as conn:
        return conn.execute(query, params).fetchall()


def stored(rel: str) -> str:
    return landing_folder._stored_path(rel)[0]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_corpus_has_at_least_30_kinds_of_bad_or_odd_input():
    assert len({k.id for k in KINDS}) == len(KINDS) >= 30
    assert {k.outcome for k in KINDS} == {"loaded", "duplicate", "rejected", "ignored"}


@pytest.mark.parametrize("kind", KINDS, ids=[k.id for k in KINDS])
def test_each_kind_ends_loaded_or_rejected_with_its_bytes_kept(corpus, kind):
    made = corpus.made[kind.id]
    rel = stored(made.rel)
    ledger = q(
        corpus.url,
        "select report_id, outcome, reason from raw.file_ledger where relative_path = %s order by first_seen_at",
        rel,
    )
    if kind.outcome == "ignored":
        assert ledger == [] and q(corpus.url, "select 1 from raw.rejected_files where relative_path = %s", rel) == []
        return
    assert ledger, f"{kind.id}: {rel!r} is not in the ledger"
    report_id, outcome, note = ledger[-1]

    if kind.outcome in ("loaded", "duplicate"):
        assert outcome == ("loaded" if kind.outcome == "loaded" else "duplicate_content")
        assert report_id == sha(made.data)
        ((content,),) = q(corpus.url, "select content from raw.report_files where report_id = %s", report_id)
        assert bytes(content) == made.data  # the original bytes, as received
        staged = q(corpus.url, "select figure_count from staging.reports where report_id = %s", report_id)
        assert staged, f"{kind.id}: loaded but not staged"
        assert q(corpus.url, "select 1 from raw.rejected_files where report_id = %s", report_id) == []
        if kind.outcome == "duplicate":
            return
        rows = q(
            corpus.url, "select value, measure from staging.figures where report_id = %s order by ordinal", report_id
        )
        assert staged[0][0] == len(rows)
        if isinstance(kind.figures, int):
            assert len(rows) == kind.figures
        elif isinstance(kind.figures, tuple):
            ((expected,),) = q(
                corpus.url,
                "select figure_count from staging.reports s join raw.report_files r "
                "using (report_id) where r.relative_path = %s",
                SEEDS[kind.figures[1]],
            )
            assert len(rows) == expected > 0
        elif callable(kind.figures):
            assert kind.figures(rows) is not False
        return

    # rejected: a reason that names the problem, and the bytes kept
    assert outcome == ("rejected" if kind.stage == "discover" else "loaded")
    rejected = q(
        corpus.url,
        "select report_id, reason, stage, quarantine_path from raw.rejected_files where relative_path = %s",
        rel,
    )
    assert len(rejected) == 1, f"{kind.id}: {rejected}"
    rid, reason, stage, folder = rejected[0]
    assert rid == report_id and stage == kind.stage
    for word in kind.words:
        assert word.lower() in reason.lower(), f"{kind.id}: {word!r} not in {reason!r}"
    folder = Path(folder)
    assert folder.is_relative_to(corpus.quarantine)
    assert (folder / "REASON.txt").read_text(encoding="utf-8").strip() == reason
    if kind.stage == "discover":
        assert note == reason
    if made.data is None:  # nothing could be read: there are no bytes to keep
        assert rid.startswith("unreadable:") and [p.name for p in folder.iterdir()] == ["REASON.txt"]
        return
    assert rid == sha(made.data)
    copy = folder / Path(rel).name
    assert sha(copy.read_bytes()) == sha(made.data)
    raw = q(corpus.url, "select content from raw.report_files where report_id = %s", rid)
    if kind.stage == "extract":
        assert bytes(raw[0][0]) == made.data
    else:
        assert raw == []  # never loaded: too large for the table, or a name it cannot store


def test_the_sample_reports_load_as_they_do_alone_beside_every_bad_kind(corpus, warehouse_db, tmp_path, monkeypatch):
    monkeypatch.setenv("ANTQ_QUARANTINE_DIR", str(tmp_path / "q"))
    alone = tmp_path / "alone"
    shutil.copytree(SEEDS_DIR, alone)
    night.run(warehouse_db, alone, nightly(RUN_DATE), "alone")
    query = """select r.relative_path, s.figure_count, md5(string_agg(f.figure_id || f.value || f.measure, ','
                                                                  order by f.figure_id))
               from raw.report_files r join staging.reports s using (report_id)
               join staging.figures f using (report_id) where r.relative_path = any(%s)
               group by 1, 2 order by 1"""
    expected = q(warehouse_db, query, SEEDS)
    assert len(expected) == 5
    assert q(corpus.url, query, SEEDS) == expected


def test_the_batch_counts_add_up_and_a_rerun_changes_nothing(corpus):
    first, second, third = corpus.runs
    extract_rejects = [k for k in KINDS if k.outcome == "rejected" and k.stage == "extract"]
    assert first["rejected"] == len(extract_rejects)
    assert second["files_new"] == 2 and second["staged"] == 1 and second["rejected"] == 0
    counted = ("files_new", "reports_new", "staged", "rejected", "figures", "reextracted", "manifest_updates")
    assert {k: third[k] for k in counted} == dict.fromkeys(counted, 0)
    discover_rejects = {stored(corpus.made[k.id].rel) for k in KINDS if k.stage == "discover"}
    rows = {r[0] for r in q(corpus.url, "select relative_path from raw.rejected_files where stage = 'discover'")}
    assert discover_rejects <= rows  # (the second link of the loop is there too)
    ((dupes,),) = q(corpus.url, "select count(*) - count(distinct (relative_path, report_id)) from raw.file_ledger")
    assert dupes == 0


def test_a_new_version_under_the_same_name_is_loaded_beside_the_first(corpus):
    made = corpus.made["new-version-same-name"]
    rows = q(
        corpus.url,
        "select report_id, outcome, reason from raw.file_ledger where relative_path = %s order by first_seen_at",
        made.rel,
    )
    assert [r[0] for r in rows] == [sha(made.extra["first"]), sha(made.data)]
    assert rows[1][1] == "loaded" and "new version" in rows[1][2] and sha(made.extra["first"])[:12] in rows[1][2]
    staged = q(corpus.url, "select count(*) from staging.reports where report_id = any(%s)", [r[0] for r in rows])
    assert staged == [(2,)]


def test_names_are_never_run_by_a_shell(corpus):
    for name in corpus.made["name-shell-metacharacters"].extra["forbidden"]:
        assert not (corpus.landing / name).exists() and not Path(name).exists()


def test_nothing_a_link_out_of_the_folder_points_at_reaches_the_warehouse(corpus):
    with psycopg.connect(config.libpq_url(corpus.url)) as conn:
        key = SECRET.split(" = ")[1]
        assert (
            conn.execute(
                "select count(*) from raw.report_files where position(%s::bytea in content) > 0 "
                "or position('root:x:0:0'::bytea in content) > 0",
                (key.encode(),),
            ).fetchone()[0]
            == 0
        )
        for table, column in (("staging.sentences", "sentence"), ("raw.rejected_files", "reason")):
            hits = conn.execute(f"select count(*) from {table} where strpos({column}, %s) > 0", (key,)).fetchone()[0]
            assert hits == 0, table
        outside = corpus.made["symlink-outside"].extra["target"]
        assert (
            conn.execute("select count(*) from raw.report_files where report_id = %s", (sha(outside),)).fetchone()[0]
            == 0
        )
    for folder in corpus.quarantine.iterdir():  # no copy of a target either
        for f in folder.iterdir():
            assert SECRET not in f.read_text("utf-8", "replace") and not f.read_bytes().startswith(b"root:")


def test_the_extractor_finishes_on_a_one_megabyte_line(corpus):
    ((count,),) = q(
        corpus.url,
        "select s.figure_count from staging.reports s join raw.report_files r using (report_id) "
        "where r.relative_path = 'one-line.txt'",
    )
    assert count > 1000  # it got through the whole line (no time assertion: see extractors.bench)


# ---- kinds that need timing, another user, or a change between steps ------------------------------


@pytest.fixture
def landing(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTQ_QUARANTINE_DIR", str(tmp_path / "quarantine"))
    folder = tmp_path / "landing"
    folder.mkdir()
    shutil.copy2(SEEDS_DIR / SEEDS[0], folder / SEEDS[0])  # copy2 keeps the old mtime: settled
    return folder


WRITER = """
import sys, time
from pathlib import Path
path, stop, data = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]).read_bytes()
step = max(1, len(data) // 400)
with path.open("wb") as f:
    for i in range(0, len(data), step):
        f.write(data[i:i + step]); f.flush()
        if stop.exists():
            continue  # told to finish: write the rest at once
        time.sleep(0.05)
"""


def test_a_file_still_being_written_waits_for_the_next_run(warehouse_db, landing, tmp_path, monkeypatch):
    monkeypatch.setenv("ANTQ_SETTLE_SECONDS", "1")
    data = tagged(1, "growing").encode("utf-8")
    (tmp_path / "source.txt").write_bytes(data)
    growing, stop = landing / "growing.txt", tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(growing), str(stop), str(tmp_path / "source.txt")])
    try:
        while not growing.exists() or growing.stat().st_size == 0:
            time.sleep(0.02)
        first = night.run(warehouse_db, landing, nightly(RUN_DATE), "run-1")
        assert writer.poll() is None, "the writer finished before discover looked: make it slower"
    finally:
        stop.touch()
        writer.wait(timeout=60)
    assert first["files_new"] == 1 and first["staged"] == 1  # the settled sample report only
    assert q(warehouse_db, "select count(*) from raw.file_ledger where relative_path = 'growing.txt'") == [(0,)]
    assert q(warehouse_db, "select count(*) from raw.rejected_files") == [(0,)]

    second = night.run(warehouse_db, landing, nightly(RUN_DATE), "run-2")
    assert second["files_new"] == 1 and second["staged"] == 1 and second["rejected"] == 0
    ((content,),) = q(warehouse_db, "select content from raw.report_files where relative_path = 'growing.txt'")
    assert bytes(content) == data  # the whole file, not the part the first run saw


def _discover_as_nobody(url: str, landing: Path) -> int:
    """discover() in a forked child that has given up root (chmod 000 does not stop root)."""
    pid = os.fork()
    if pid == 0:  # child
        code = 1
        try:
            os.setgid(65534)
            os.setuid(65534)
            night.discover(url, landing, nightly(RUN_DATE), "run-nobody")
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch to user nobody")
def test_a_file_the_loader_may_not_read_is_rejected(warehouse_db, monkeypatch):
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="antq-perm-", dir="/tmp"))
    try:
        base.chmod(0o755)
        landing, quarantine = base / "landing", base / "quarantine"
        landing.mkdir()
        quarantine.mkdir()
        quarantine.chmod(0o777)
        monkeypatch.setenv("ANTQ_QUARANTINE_DIR", str(quarantine))
        shutil.copy2(SEEDS_DIR / SEEDS[0], landing / "readable.txt")
        (landing / "readable.txt").chmod(0o644)
        locked = landing / "locked.txt"
        locked.write_bytes(tagged(1, "locked").encode("utf-8"))
        locked.chmod(0o000)
        (landing / "locked-folder").mkdir()
        (landing / "locked-folder" / "inside.txt").write_bytes(b"x" * 100)
        (landing / "locked-folder").chmod(0o000)

        assert _discover_as_nobody(warehouse_db, landing) == 0
        rows = dict(q(warehouse_db, "select relative_path, reason from raw.rejected_files"))
        assert set(rows) == {"locked.txt", "locked-folder/"}
        assert "Permission denied" in rows["locked.txt"] and "permissions" in rows["locked.txt"]
        assert "Permission denied" in rows["locked-folder/"]
        assert q(warehouse_db, "select relative_path, outcome from raw.file_ledger order by 1") == [
            ("locked-folder/", "rejected"),
            ("locked.txt", "rejected"),
        ]  # readable.txt: discover does not load
    finally:
        for p in (base / "landing" / "locked-folder", base / "landing" / "locked.txt"):
            if p.exists():
                p.chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)


def test_a_file_deleted_or_changed_between_discover_and_load_waits_without_stopping_the_batch(warehouse_db, landing):
    (landing / "going.txt").write_bytes(tagged(1, "going").encode("utf-8"))
    (landing / "changing.txt").write_bytes(tagged(2, "changing").encode("utf-8"))
    found = night.discover(warehouse_db, landing, nightly(RUN_DATE), "run-1")
    assert len(found) == 3
    (landing / "going.txt").unlink()
    (landing / "changing.txt").write_bytes(tagged(3, "changed").encode("utf-8"))
    new_ids = load_raw(warehouse_db, landing, found, "run-1")
    assert new_ids == [sha(seed_bytes(0))]
    assert q(warehouse_db, "select relative_path from raw.file_ledger") == [(SEEDS[0],)]
    again = night.run(warehouse_db, landing, nightly(RUN_DATE), "run-2")
    assert again["files_new"] == 1 and again["staged"] == 2  # the changed file, and the first run's report
    ((content,),) = q(warehouse_db, "select content from raw.report_files where relative_path = 'changing.txt'")
    assert bytes(content) == tagged(3, "changed").encode("utf-8")


def test_a_rejection_at_discovery_clears_once_the_file_is_fixed(warehouse_db, landing, tmp_path, monkeypatch):
    monkeypatch.setenv("ANTQ_MAX_FILE_BYTES", "1000")
    data = tagged(2, "big").encode("utf-8")
    (landing / "big.txt").write_bytes(data)
    (landing / "parts").mkdir()
    os.symlink(landing / "parts" / "later.txt", landing / "later.txt")
    first = night.run(warehouse_db, landing, nightly(RUN_DATE), "run-1")
    assert first["staged"] == 0 and first["files_new"] == 0  # the sample is over 1000 bytes too
    assert {r[0] for r in q(warehouse_db, "select relative_path from raw.rejected_files")} == {
        "big.txt",
        "later.txt",
        SEEDS[0],
    }

    # the operator raises the limit and drops the file again under a new name; the link's target appears
    monkeypatch.setenv("ANTQ_MAX_FILE_BYTES", str(10 * MB))
    shutil.copy(landing / "big.txt", landing / "big, again.txt")
    shutil.copy(landing / SEEDS[0], landing / "sample again.txt")
    (landing / "parts" / "later.txt").write_bytes(tagged(3, "later").encode("utf-8"))
    second = night.run(warehouse_db, landing, nightly(RUN_DATE), "run-2")
    assert second["staged"] == 3 and second["rejected"] == 0  # (parts/later.txt is the link's content again)
    assert q(warehouse_db, "select relative_path from raw.rejected_files") == []  # none still stands
    outcomes = q(warehouse_db, "select relative_path, outcome from raw.file_ledger order by 1, first_seen_at")
    assert ("big.txt", "rejected") in outcomes and ("big, again.txt", "loaded") in outcomes
    assert ("later.txt", "rejected") in outcomes and ("later.txt", "loaded") in outcomes


def test_a_missing_landing_folder_is_a_clear_error(warehouse_db, tmp_path):
    with pytest.raises(FileNotFoundError, match="REPORTS_DIR"):
        night.discover(warehouse_db, tmp_path / "nowhere", nightly(RUN_DATE), "run-1")


def test_a_report_over_its_time_budget_is_rejected_while_the_batch_goes_on(warehouse_db, landing, monkeypatch):
    """#15 item 3: a report whose extraction takes longer than ANTQ_EXTRACT_SECONDS is rejected with a
    reason (bytes kept) and the other reports of the night are staged."""
    monkeypatch.setenv("ANTQ_EXTRACT_SECONDS", "0.3")
    numbers = ", ".join(f"{i % 99_991 + 1} người tham gia" for i in range(150_000))
    dump = f"Công an tỉnh đã tiếp nhận {numbers}.".encode()
    (landing / "dump.txt").write_bytes(dump)
    result = night.run(warehouse_db, landing, nightly(RUN_DATE), "run-1")
    assert result["staged"] == 1 and result["rejected"] == 1
    ((reason, stage, folder),) = q(
        warehouse_db, "select reason, stage, quarantine_path from raw.rejected_files where relative_path = 'dump.txt'"
    )
    assert stage == "extract" and "time budget" in reason and "ANTQ_EXTRACT_SECONDS" in reason
    assert sha((Path(folder) / "dump.txt").read_bytes()) == sha(dump)
    assert q(
        warehouse_db,
        "select count(*) > 0 from staging.figures f join raw.report_files r using (report_id) "
        "where r.relative_path = %s",
        SEEDS[0],
    ) == [(True,)]
