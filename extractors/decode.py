"""Bytes of a report file -> NFC text, whatever a user drops in the folder.

Formats: .txt (UTF-8, UTF-8 with BOM, UTF-16, Windows-1258, TCVN3, VNI, anything charset-normalizer
recognises), .html (main text by trafilatura), .docx (python-docx), .pdf with a text layer (pypdf),
and (textformats.py) RTF, JSON (its string values), XML (its text, never its attributes), .odt.
A file that cannot become text raises UnreadableReport with a reason a person can act on, and so does
text that is not readable Vietnamese (check_readable): replacement characters where letters were
lost, mojibake that cannot be undone, letters replaced by "?", text without its diacritics.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile

from . import textformats
from .legacy import decode_tcvn3, decode_vni
from .model import UnreadableReport

MIN_TEXT_CHARS = 20

# Common Vietnamese words: the encoding that yields most of them is the right one.
_VI_WORDS = re.compile(
    r"(?<!\w)(?:và|của|các|được|trong|những|người|với|công|cho|đã|năm|tỉnh|này|có|là|một|không|"
    r"tại|đến|phong|trào|dân|an|ninh|tổ|quốc|bảo|vệ|xã|huyện|hội|nghị|thực|hiện|tham|gia|"
    r"lượng|tác|đồng|chí|nhân|việc|về|từ|theo|trên|nhiều|để|phát|động|tuyên|truyền)(?!\w)",
    re.IGNORECASE,
)
_VI_LETTERS = re.compile(r"[àáảãạăắằẳẵặâấầẩẫậèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵđ]", re.IGNORECASE)
_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]")
# Menus of web pages: "A- A A+ | Tăng tương phản Giảm tương phản", "Chia sẻ", "In bài"
_WEB_CHROME = re.compile(
    r"^\s*(?:A-\s*A\s*A\+.*|.*Tăng tương phản.*|Chia sẻ|In bài( viết)?|Bản in|Gửi email|"
    r"Trang chủ(\s*[>»/|].*)?|Đăng nhập|Đăng ký|Tìm kiếm|Facebook|Twitter|Zalo|Copy link)\s*$",
    re.IGNORECASE | re.MULTILINE,
)


def vietnamese_score(text: str) -> float:
    """How much text reads as Vietnamese: common words and letters, less garbage characters."""
    if not text:
        return 0.0
    words = len(_VI_WORDS.findall(text))
    letters = len(_VI_LETTERS.findall(text))
    bad = len(_BAD.findall(text))
    return (3 * words + letters - 20 * bad) / max(len(text), 1)


# Files that are plainly not reports: (magic bytes, what to call them, what the operator should do)
_NOT_REPORTS = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image", "if it is a scanned page, run OCR and drop the text or a searchable PDF"),
    (b"\xff\xd8\xff", "a JPEG image", "if it is a scanned page, run OCR and drop the text or a searchable PDF"),
    (b"GIF8", "a GIF image", "drop the report itself"),
    (b"II*\x00", "a TIFF image", "if it is a scanned page, run OCR and drop the text or a searchable PDF"),
    (b"MM\x00*", "a TIFF image", "if it is a scanned page, run OCR and drop the text or a searchable PDF"),
    (b"\x1f\x8b", "a gzip archive", "unpack it and drop the files themselves"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "unpack it and drop the files themselves"),
    (b"Rar!", "a RAR archive", "unpack it and drop the files themselves"),
    (b"BZh", "a bzip2 archive", "unpack it and drop the files themselves"),
    (b"\xfd7zXZ\x00", "an xz archive", "unpack it and drop the files themselves"),
)
_OFFICE_ZIP_SUFFIXES = (".docx", ".docm", ".dotx", ".xlsx", ".pptx", ".odt")


def sniff_format(data: bytes, name: str) -> str:
    lname = name.lower()
    head = data[:1024].lstrip()
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        kind = _zip_kind(data)
        if kind == "broken" and lname.endswith(_OFFICE_ZIP_SUFFIXES):
            return "broken-office"
        return kind
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"
    if textformats.is_rtf(data):
        return "rtf"
    if lname.endswith((".html", ".htm", ".xhtml")):
        return "html"
    if textformats.is_xml(data, lname):
        return "xml"
    low = head[:200].lower()
    if low.startswith((b"<!doctype html", b"<html", b"\xef\xbb\xbf<!doctype html", b"\xef\xbb\xbf<html")):
        return "html"
    return "txt"


def _zip_kind(data: bytes) -> str:
    """docx | xlsx | odt | odf:<what> (another OpenDocument) | zip | broken (a zip container that
    cannot be opened: damaged or cut short)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            odf = textformats.odf_kind(z, names)
    except (zipfile.BadZipFile, ValueError, EOFError, OSError):
        return "broken"
    if odf:
        return odf if odf == "odt" else "odf:" + odf
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return "zip"


def _not_a_report(data: bytes) -> str | None:
    for magic, what, todo in _NOT_REPORTS:
        if data.startswith(magic):
            return f"binary data: {what}, not a report: {todo}"
    return None


def decode_bytes(data: bytes, name: str = "") -> tuple[str, str, str | None]:
    """(text NFC, source_format, encoding) of a report file's bytes."""
    if not data or not data.strip():
        raise UnreadableReport("empty file")
    not_report = _not_a_report(data)
    if not_report:
        raise UnreadableReport(not_report)
    fmt = sniff_format(data, name)
    if fmt == "pdf":
        text, enc = _pdf_text(data), None
    elif fmt == "docx":
        text, enc = _docx_text(data), None
    elif fmt == "odt":
        text, enc = textformats.odt_text(data), None
    elif fmt.startswith("odf:"):
        raise UnreadableReport(f"{fmt[4:]}, not a text document: drop the report itself (.odt, .docx, .pdf, .txt)")
    elif fmt == "rtf":
        text, enc = textformats.rtf_text(data), None
    elif fmt == "xml":
        text, enc = textformats.xml_text(data), None
    elif fmt in ("zip", "broken"):
        raise UnreadableReport(
            "a zip archive, not a report: unpack it and drop the files themselves"
            + (" (and this one is damaged or cut short)" if fmt == "broken" else "")
        )
    elif fmt == "broken-office":
        raise UnreadableReport(
            "a damaged Office file (its zip container is broken or cut short): "
            "open it in Word and save it again, or export it as .pdf or .txt"
        )
    elif fmt == "xlsx":
        raise UnreadableReport("an Excel workbook, not a report: drop the report itself (.docx, .pdf, .txt, .html)")
    elif fmt == "ole":
        raise UnreadableReport("an old binary Office file (.doc/.xls): save it as .docx or .txt")
    elif fmt == "html":
        raw, enc = decode_text_bytes(data)
        text = html_main_text(raw)
        if text.strip() and not has_prose(text):
            raise UnreadableReport(
                "a web page with menus and links but no article text: save the article "
                "page itself (or its text), not a section or home page"
            )
    else:
        text, enc = decode_text_bytes(data)
        from_json = textformats.json_text(text)
        if from_json is not None:  # a JSON document: its string values, \u escapes decoded
            text, fmt = from_json, "json"
    text, enc = undo_mojibake(text, enc)
    text = clean_text(text)
    if len(text.strip()) < MIN_TEXT_CHARS:
        raise UnreadableReport(f"no text found in this {fmt} file")
    check_readable(text)
    return text, fmt, enc


# Readable Vietnamese (#15): what a text that passed decoding may still be.
# Mojibake: UTF-8 read as Windows-1252 or Latin-1. A Vietnamese letter's UTF-8 opens with C3, C4, C5,
# C6 (read "Ã", "Ä", "Å", "Æ") or E1 BA / E1 BB ("áº", "á»"), and goes on with bytes 80..BF.
_CP1252_CHAR = {}
for _b in range(256):
    try:
        _CP1252_CHAR[_b] = bytes([_b]).decode("cp1252")
    except UnicodeDecodeError:  # 81, 8D, 8F, 90, 9D: tools keep them as the C1 control of that number
        _CP1252_CHAR[_b] = chr(_b)
_BYTE_OF = {c: b for b, c in _CP1252_CHAR.items()}
_BYTE_OF.update({chr(b): b for b in range(0x80, 0xA0) if chr(b) not in _BYTE_OF})  # read as Latin-1
_CONT = "".join(sorted({_CP1252_CHAR[b] for b in range(0x80, 0xC0)} | {chr(b) for b in range(0x80, 0xC0)}))
_MOJIBAKE = re.compile(rf"(?:[ÃÄÅÆ]|á[º»])[{re.escape(_CONT)}]")
_LOST_LETTER = re.compile(r"[^\W\d_]\?+[^\W\d_]")
MIN_LETTERS_TO_JUDGE = 200  # fewer letters than that: too little to say what language it is
MIN_VIETNAMESE_SHARE = 0.05  # of letters with Vietnamese diacritics; the dev reports have 25 % or more


def undo_mojibake(text: str, enc: str | None) -> tuple[str, str | None]:
    """Mojibake (UTF-8 read as Windows-1252 or Latin-1: "CÃ´ng an tá»‰nh") undone, line by line, before
    anything else touches the text; UnreadableReport where it cannot be."""
    if "Ã" not in text:  # the common case, at C speed: mojibake of Vietnamese has "Ã" (ô, â, ê, á, …)
        return text, enc
    moji = len(_MOJIBAKE.findall(text))
    if moji < 3:
        return text, enc
    fixed = _undo_mojibake(text)
    if fixed is None:
        raise UnreadableReport(
            f'mojibake: {moji} places where UTF-8 was read in another encoding ("CÃ´ng an tá»‰nh" for '
            '"Công an tỉnh") and cannot be undone: save the original file again as UTF-8'
        )
    return fixed, f"{enc or 'utf-8'}+mojibake-undone"


def check_readable(text: str) -> None:
    """UnreadableReport for decoded text that does not read as Vietnamese: replacement characters
    where letters were lost, letters replaced by "?", text without Vietnamese diacritics (or not
    Vietnamese at all). Short texts are not judged."""
    # cheap counts first (str.count runs at C speed); the letters are counted only where needed
    lost = text.count("\ufffd") if "\ufffd" in text else 0  # (a search stops at the first; a count reads all)
    if lost >= 3 and lost > 0.002 * _letters(text):
        raise UnreadableReport(
            f"{lost} replacement characters (\ufffd) where letters were lost when the file was converted: "
            "save the original again as UTF-8 (or .docx, .pdf)"
        )
    if "?" in text and text.count("?") >= 5:  # (a search for one character stops at the first)
        marks = len(_LOST_LETTER.findall(text))
        if marks >= 5 and marks > 0.005 * _letters(text):
            raise UnreadableReport(
                f'{marks} words with "?" in place of letters ("C?ng an t?nh"): the file was saved in an '
                "encoding without Vietnamese letters (e.g. Windows-1252) and they are lost: save the original as UTF-8"
            )
    head = text[:4000]
    # the first 2 000 characters hold enough of them already in every dev and generated report: the rest
    # is counted only when they do not
    enough = 0.02 * len(head)
    if _holds_at_least(head, 2000, enough) or _holds_at_least(head, len(head), enough):
        return  # plainly Vietnamese: these six letters are over 4 % of every dev report's characters
    letters = _letters(text)
    if letters >= MIN_LETTERS_TO_JUDGE:
        share = len(_VI_LETTERS.findall(text)) / letters
        if share < MIN_VIETNAMESE_SHARE:
            raise UnreadableReport(
                f"too little Vietnamese: {share:.1%} of {letters:,} letters carry Vietnamese diacritics (a report "
                f'has over 20%): text without its diacritics ("Cong an tinh") or not Vietnamese; drop the '
                "report with its diacritics (UTF-8, .docx or .pdf)"
            )


_COMMON_VI = ("đ", "ư", "ơ", "ô", "á", "à")


def _holds_at_least(text: str, end: int, enough: float) -> bool:
    """Whether text[:end] holds at least `enough` of the _COMMON_VI letters (counted one letter at a
    time, until there are enough)."""
    total = 0
    for c in _COMMON_VI:
        total += text.count(c, 0, end)
        if total >= enough:
            return True
    return False


_NOT_LETTER = re.compile(r"[\W\d_]+")


def _letters(text: str) -> int:
    return max(1, len(_NOT_LETTER.sub("", text)))


def _undo_mojibake(text: str) -> str | None:
    """The text the mojibake was made from, or None when a line does not go back to clean UTF-8."""
    out = []
    for line in text.split("\n"):
        if not _MOJIBAKE.search(line):
            out.append(line)
            continue
        raw = bytearray()
        for ch in line:
            b = _BYTE_OF.get(ch)
            if b is None:
                if ord(ch) > 0xFF:
                    return None  # a character no single byte was read as
                b = ord(ch)
            raw.append(b)
        try:
            out.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            return None
    return "\n".join(out)


def clean_text(text: str) -> str:
    """Line breaks as "\\n", no-break spaces as spaces, no zero-width spaces, and NFC (last: taking out a
    zero-width space may leave a letter and a mark that compose), so the text is NFC as it stands."""
    if "\r" in text:  # looking for one character is much faster than for "\r\n"
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ")
    if "\u200b" in text:  # deleting scans the whole text even when there is nothing to delete
        text = text.replace("\u200b", "")
    return unicodedata.normalize("NFC", text)


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
    except UnicodeDecodeError as e:
        if _cut_short(e, data):  # a file cut inside its last character: keep every whole character
            return data[: e.start].decode("utf-8"), "utf-8"
        mixed = _mostly_utf8(data)
        if mixed is not None:
            return mixed
    else:
        return text, "utf-8"
    return _legacy(data)


def _cut_short(e: UnicodeDecodeError, data: bytes) -> bool:
    """The only error is an incomplete character at the very end (a copy cut short)."""
    return e.reason in ("unexpected end of data", "truncated data") and len(data) - e.start < 4


def _mostly_utf8(data: bytes) -> tuple[str, str] | None:
    """A UTF-8 file with some lines in a legacy encoding (a paragraph pasted from an old document):
    each line that is valid UTF-8 stays so, the others are decoded together as legacy text.
    None when too few lines are UTF-8 for that (then the whole file is legacy text)."""
    lines = data.split(b"\n")
    good, bad, good_bytes, all_bytes = [], [], 0, 0
    for i, line in enumerate(lines):
        if line.isascii():
            continue
        high = sum(1 for b in line if b >= 0x80)
        all_bytes += high
        try:
            line.decode("utf-8")
            good.append(i)
            good_bytes += high
        except UnicodeDecodeError:
            bad.append(i)
    # a legacy line is valid UTF-8 only by chance (a short one); real UTF-8 lines carry a good share
    if len(good) < 2 or good_bytes < 0.2 * all_bytes:
        return None
    legacy_text, enc = _legacy(b"\n".join(lines[i] for i in bad))
    legacy_lines = legacy_text.split("\n")
    if len(legacy_lines) != len(bad):
        return None
    decoded = dict(zip(bad, legacy_lines))
    text = "\n".join(decoded[i] if i in decoded else line.decode("utf-8") for i, line in enumerate(lines))
    return text, f"utf-8+{enc}"


def _strict(data: bytes, enc: str) -> str:
    try:
        return data.decode(enc)
    except UnicodeDecodeError as e:
        if _cut_short(e, data):
            return data[: e.start].decode(enc)
        raise UnreadableReport(f"declared {enc} but not valid {enc}: {e.reason} at byte {e.start}") from None


def _looks_utf16(data: bytes) -> bool:
    sample = data[:4000]
    if len(sample) < 4 or b"\x00" not in sample:  # no NUL byte: not UTF-16 (a fast test first)
        return False
    even, odd = sample[0::2], sample[1::2]
    return (odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.05 * len(even)) or (
        even.count(0) > 0.3 * len(even) and odd.count(0) < 0.05 * len(odd)
    )


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
    if score <= 0.02 or not _reads_as_vietnamese(text):
        raise UnreadableReport(
            "text in an unknown encoding (not UTF-8, UTF-16, Windows-1258, TCVN3 or VNI): "
            "save it as UTF-8 and drop it again"
        )
    return text, enc


def _reads_as_vietnamese(text: str) -> bool:
    """Legacy decoders turn any high byte into a Vietnamese letter, so letters alone prove nothing:
    a real Vietnamese text also has common words (one syllable in ten, at least)."""
    text = unicodedata.normalize("NFC", text)
    syllables = len(re.findall(r"\w+", text))
    return len(_VI_WORDS.findall(text)) >= max(1, 0.1 * syllables)


_WORD = re.compile(r"[^\W\d_]+")


def has_prose(text: str, min_words: int = 10) -> bool:
    """At least one line reads as a sentence (min_words words), not a menu item or a link."""
    return any(len(_WORD.findall(line)) >= min_words for line in text.splitlines())


def html_main_text(html: str) -> str:
    """The main text of a web page, without menus and footers."""
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=True, deduplicate=False)
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
                opened = reader.decrypt("")  # a PDF locked only against editing opens with no password
            except Exception:
                opened = 0
            if not opened:  # PasswordType.NOT_DECRYPTED
                raise UnreadableReport("an encrypted PDF that needs a password to open: save it without one")
        pages = [(page.extract_text() or "") for page in reader.pages]
    except UnreadableReport:
        raise
    except Exception as e:
        raise UnreadableReport(f"not a readable PDF: {type(e).__name__}: {e}") from None
    text = reflow("\n".join(pages))
    if len(text.strip()) < MIN_TEXT_CHARS:
        raise UnreadableReport("a PDF without a text layer (a scan?): run OCR on it first")
    return text
