"""Report files in the formats and encodings a user may drop in the landing folder, built in memory
from text, for the tests that extract them (test_extract_formats) or ingest them (test_bad_input)."""

from __future__ import annotations

import io
import unicodedata
import zipfile


def encode_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: base letters (with ă â ê ô ơ ư đ) and a combining tone."""
    out = bytearray()
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        d = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in d if c not in tones))
        tone = "".join(c for c in d if c in tones)
        try:
            out += (base + tone).encode("cp1258")
        except UnicodeEncodeError:
            out += {"“": b'"', "”": b'"', "…": b"..."}.get(ch, b"?")
    return bytes(out)


def paragraphs(text: str) -> list[str]:
    """The non-blank lines of a report, stripped: what a document builder sets as paragraphs."""
    return [p.strip() for p in text.split("\n") if p.strip()]


def docx_bytes(paragraphs: list[str], table: list[tuple[str, str]] | None = None) -> bytes:
    """A Word document: the paragraphs, then (if given) a two-column table of the rows."""
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    if table:
        t = d.add_table(rows=len(table), cols=2)
        for r, (a, b) in enumerate(table):
            t.cell(r, 0).text, t.cell(r, 1).text = a, b
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def pdf_bytes(paragraphs: list[str], password: str | None = None) -> bytes:
    """A PDF with a text layer, set in Roboto from the `font-roboto` package (a dev dependency, so no
    system font is needed); encrypted when a password is given."""
    from xml.sax.saxutils import escape

    import font_roboto
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    pdfmetrics.registerFont(TTFont("Roboto", font_roboto.Roboto))
    style = ParagraphStyle("vi", fontName="Roboto", fontSize=10, leading=13)
    buf = io.BytesIO()
    encrypt = StandardEncryption(password, "owner", strength=128) if password else None
    SimpleDocTemplate(buf, pagesize=A4, encrypt=encrypt).build([Paragraph(escape(p), style) for p in paragraphs])
    return buf.getvalue()


def scanned_pdf() -> bytes:
    """A PDF as a scanner makes it: a page that is all picture, no text layer."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.rect(50, 50, 400, 600, fill=1)
    c.showPage()
    c.save()
    return buf.getvalue()


def zip_bytes(files: dict[str, str]) -> bytes:
    """A zip archive of the files {name: text}."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


def odt_bytes(paragraphs_: list[str], mimetype: str = "application/vnd.oasis.opendocument.text") -> bytes:
    """An OpenDocument text (.odt) as LibreOffice writes one: mimetype first, content.xml with the
    paragraphs as text:p (with an inline span, as bold text would be)."""
    from xml.sax.saxutils import escape

    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )
    body = "".join(
        f'<text:p text:style-name="P1"><text:span text:style-name="T1"></text:span>{escape(p)}</text:p>'
        for p in paragraphs_
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.3">'
        f'<office:body><office:text><text:h text:outline-level="1">Báo cáo</text:h>{body}'
        "</office:text></office:body></office:document-content>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), mimetype)
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", "<manifest/>")
    return buf.getvalue()


def rtf_bytes(text: str, codepage: int = 1258) -> bytes:
    """RTF as Word saves Vietnamese: \\uN with a '?' fallback, \\par for line breaks, a font and a
    colour table and a {\\* ...} destination that are not text."""
    body = "".join(
        f"\\u{ord(c) - 65536 if ord(c) > 32767 else ord(c)}?"
        if ord(c) > 127
        else "\\par\n"
        if c == "\n"
        else "\\" + c
        if c in "\\{}"
        else c
        for c in text
    )
    return (
        f"{{\\rtf1\\ansi\\ansicpg{codepage}\\deff0"
        "{\\fonttbl{\\f0\\fnil Times New Roman;}}"
        "{\\colortbl ;\\red0\\green0\\blue0;}{\\*\\generator Riched20 10.0.19041}\\viewkind4\\uc1\\pard\\f0\\fs24 "
        + body
        + "\\par\n}"
    ).encode("ascii")
