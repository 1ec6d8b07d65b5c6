"""Bytes of a report file -> NFC text, whatever a user drops in the folder.

Formats: .txt (UTF-8, UTF-8 with BOM, UTF-16, Windows-1258, TCVN3, VNI, anything charset-normalizer
recognises), .html (main text by trafilatura), .docx (python-docx), .pdf with a text layer (pypdf).
A file that cannot become text raises UnreadableReport with a reason a person can act on.
"""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile

from .legacy import decode_tcvn3, decode_vni
from .model import UnreadableReport

MIN_TEXT_CHARS = 20

# Common Vietnamese words: the encoding that yields most of them is the right one.
_VI_WORDS = re.compile(
    r"(?<!\w)(?:và|của|các|được|trong|những|người|với|công|cho|đã|năm|tỉnh|này|có|là|một|không|"
    r"tại|đến|phong|trào|dân|an|ninh|tổ|quốc|bảo|vệ|xã|huyện|hội|nghị|thực|hiện|tham|gia|"
    r"lượng|tác|đồng|chí|nhân|việc|về|từ|theo|trên|nhiều|để|phát|động|tuyên|truyền)(?!\w)",
    re.IGNORECASE)
_VI_LETTERS = re.compile(r"[àáảãạăắằẳẵặâấầẩẫậèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵđ]",
                         re.IGNORECASE)
_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]")
# Menus of web pages: "A- A A+ | Tăng tương phản Giảm tương phản", "Chia sẻ", "In bài"
_WEB_CHROME = re.compile(
    r"^\s*(?:A-\s*A\s*A\+.*|.*Tăng tương phản.*|Chia sẻ|In bài( viết)?|Bản in|Gửi email|"
    r"Trang chủ(\s*[>»/|].*)?|Đăng nhập|Đăng ký|Tìm kiếm|Facebook|Twitter|Zalo|Copy link)\s*$",
    re.IGNORECASE | re.MULTILINE)


def vietnamese_score(text: str) -> float:
    """How much text reads as Vietnamese: common words and letters, less garbage characters."""
    if not text:
        return 0.0
    words = len(_VI_WORDS.findall(text))
    letters = len(_VI_LETTERS.findall(text))
    bad = len(_BAD.findall(text))
    return (3 * words + letters - 20 * bad) / max(len(text), 1)


def sniff_format(data: bytes, name: str) -> str:
    lname = name.lower()
    head = data[:1024].lstrip()
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx" if _is_docx(data) else "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"
    if lname.endswith((".html", ".htm", ".xhtml")):
        return "html"
    low = head[:200].lower()
    if low.startswith((b"<!doctype html", b"<html", b"\xef\xbb\xbf<!doctype html", b"\xef\xbb\xbf<html")):
        return "html"
    return "txt"


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "word/document.xml" in z.namelist()
    except zipfile.BadZipFile:
        return False


def decode_bytes(data: bytes, name: str = "") -> tuple[str, str, str | None]:
    """(text NFC, source_format, encoding) of a report file's bytes."""
    if not data or not data.strip():
        raise UnreadableReport("empty file")
    fmt = sniff_format(data, name)
    if fmt == "pdf":
        text, enc = _pdf_text(data), None
    elif fmt == "docx":
        text, enc = _docx_text(data), None
    elif fmt == "zip":
        raise UnreadableReport("a zip archive, not a report: unpack it and drop the files themselves")
    elif fmt == "ole":
        raise UnreadableReport("an old binary Office file (.doc/.xls): save it as .docx or .txt")
    elif fmt == "html":
        raw, enc = decode_text_bytes(data)
        text = html_main_text(raw)
    else:
        text, enc = decode_text_bytes(data)
    text = clean_text(text)
    if len(text.strip()) < MIN_TEXT_CHARS:
        raise UnreadableReport(f"no text found in this {fmt} file")
    return text, fmt, enc


def clean_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\u200b", "")
    return text


def decode_text_bytes(data: bytes) -> tuple[str, str]:
    """Text bytes -> (text, encoding name)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16"), "utf-16"
    if _looks_utf16(data):
        enc = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        return _strict(data, enc), enc
    if b"\x00" in data[:4096]:
        raise UnreadableReport("binary data, not text (NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return text, "utf-8"
    return _legacy(data)


def _strict(data: bytes, enc: str) -> str:
    try:
        return data.decode(enc)
    except UnicodeDecodeError as e:
        raise UnreadableReport(f"declared {enc} but not valid {enc}: {e.reason} at byte {e.start}") from None


def _looks_utf16(data: bytes) -> bool:
    sample = data[:4000]
    if len(sample) < 4:
        return False
    even, odd = sample[0::2], sample[1::2]
    return (odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.05 * len(even)) or (
        even.count(0) > 0.3 * len(even) and odd.count(0) < 0.05 * len(odd))


def _legacy(data: bytes) -> tuple[str, str]:
    """Not UTF-8: Windows-1258, TCVN3, VNI or whatever charset-normalizer finds; the candidate that
    reads most like Vietnamese wins."""
    cands: list[tuple[str, str]] = []
    for enc in ("cp1258",):
        try:
            cands.append((data.decode(enc), "windows-1258"))
        except UnicodeDecodeError:
            pass
    cands.append((decode_tcvn3(data), "tcvn3"))
    cands.append((decode_vni(data), "vni"))
    try:
        from charset_normalizer import from_bytes
        best = from_bytes(data).best()
        if best is not None:
            cands.append((str(best), best.encoding))
    except Exception:  # charset-normalizer is a guess; never let it break decoding
        pass
    scored = [(vietnamese_score(unicodedata.normalize("NFC", t)), t, enc) for t, enc in cands]
    score, text, enc = max(scored, key=lambda x: x[0])
    if len(_BAD.findall(text)) > 0.01 * len(text):
        raise UnreadableReport("binary data, not text in any known encoding")
    if score <= 0.02:
        raise UnreadableReport("text in an unknown encoding (not UTF-8, UTF-16, Windows-1258, TCVN3 or VNI)")
    return text, enc


def html_main_text(html: str) -> str:
    """The main text of a web page, without menus and footers."""
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=True,
                               deduplicate=False)
    if not text:
        text = trafilatura.html2txt(html) or ""
    return _WEB_CHROME.sub("", text).strip()


_SOFT_BREAK = re.compile(r"(?<=[^\s.!?:;…”\"])[ \t]*\n[ \t]*(?=\S)")


def reflow(text: str) -> str:
    """Join the lines a PDF breaks inside a sentence: a line that does not end in . ! ? : ; … or a
    closing quote goes on in the next one."""
    return _SOFT_BREAK.sub(" ", text)


def _docx_text(data: bytes) -> str:
    try:
        import docx
        d = docx.Document(io.BytesIO(data))
    except Exception as e:  # a broken .docx
        raise UnreadableReport(f"not a readable .docx: {type(e).__name__}: {e}") from None
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            cells = []
            for cell in row.cells:
                t = cell.text.strip()
                if t and (not cells or cells[-1] != t):
                    cells.append(t)
            if cells:
                parts.append(" | ".join(cells))
    return "\n".join(parts)


def _pdf_text(data: bytes) -> str:
    try:
        import logging

        from pypdf import PdfReader
        logging.getLogger("pypdf").setLevel(logging.ERROR)
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:
                raise UnreadableReport("an encrypted PDF: save it without a password") from None
        pages = [(page.extract_text() or "") for page in reader.pages]
    except UnreadableReport:
        raise
    except Exception as e:
        raise UnreadableReport(f"not a readable PDF: {type(e).__name__}: {e}") from None
    text = reflow("\n".join(pages))
    if len(text.strip()) < MIN_TEXT_CHARS:
        raise UnreadableReport("a PDF without a text layer (a scan?): run OCR on it first")
    return text
