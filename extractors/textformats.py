"""Text formats that are not prose as they stand: RTF, JSON, XML, OpenDocument text (.odt).

Each is turned into the text a person reads in it (#15): RTF without its control words (its \\uN and
\\'hh escapes decoded), the string values of a JSON document (its \\u escapes decoded, its keys and
numbers left out), the text of an XML document (never its attributes: `id="778899"` is no figure),
the paragraphs of an .odt. Markup is never read as text. Each raises UnreadableReport when the file
is damaged beyond reading.
"""

from __future__ import annotations

import io
import json
import re
import zipfile

from .model import UnreadableReport

# ---- RTF -------------------------------------------------------------------------------------------

_RTF_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\(.)|([{}])|[\r\n]+|([^\\{}\r\n]+)", re.S
)
# destinations whose text is not the document's: fonts, colours, styles, pictures, metadata
_RTF_SKIP = frozenset(
    b"""fonttbl colortbl stylesheet info pict object header footer headerl headerr footerl
footerr headerf footerf themedata colorschememapping datastore latentstyles listtable listoverridetable rsidtbl
generator xmlnstbl mmathPr filetbl revtbl pgdsctbl fldinst bkmkstart bkmkend xe tc txe nonshppict
shppict""".split()
)
_RTF_CHARS = {
    b"par": "\n",
    b"line": "\n",
    b"sect": "\n",
    b"page": "\n",
    b"row": "\n",
    b"cell": " | ",
    b"tab": "\t",
    b"emdash": "—",
    b"endash": "–",
    b"lquote": "‘",
    b"rquote": "’",
    b"ldblquote": "“",
    b"rdblquote": "”",
    b"bullet": "•",
    b"~": " ",
    b"emspace": " ",
    b"enspace": " ",
}


def is_rtf(data: bytes) -> bool:
    return data[:64].lstrip()[:5] == b"{\\rtf"


def rtf_text(data: bytes) -> str:
    """The text of an RTF document: \\par is a line break, \\uN a Unicode character (its fallback
    skipped), \\'hh a byte of the document's code page (\\ansicpgN, Windows-1252 by default)."""
    m = re.search(rb"\\ansicpg(\d{3,5})", data[:2000])
    codepage = f"cp{int(m.group(1))}" if m else "cp1252"
    try:
        b"".decode(codepage)
    except LookupError:
        codepage = "cp1252"
    out: list[str] = []
    pending = bytearray()  # \'hh bytes, decoded together (a code page may use two bytes a character)
    skip, uc, to_skip = False, 1, 0
    stack: list[tuple[bool, int]] = []
    first_in_group = False

    def flush():
        if pending:
            out.append(pending.decode(codepage, "replace"))
            pending.clear()

    for t in _RTF_TOKEN.finditer(data):
        word, arg, hexbyte, sym, brace, text = t.groups()
        if brace:
            flush()
            if brace == b"{":
                if len(stack) > 10_000:
                    raise UnreadableReport(
                        "a damaged RTF file (groups nested too deep): save it again as .docx or .txt"
                    )
                stack.append((skip, uc))
                first_in_group = True
            elif stack:
                skip, uc = stack.pop()
            to_skip = 0
            continue
        starts_group, first_in_group = first_in_group, False
        if word is not None:
            if word in _RTF_SKIP:
                skip = True
            elif word == b"uc" and arg is not None:
                uc = max(0, int(arg))
            elif word == b"u" and arg is not None:
                if not skip:
                    flush()
                    n = int(arg)
                    out.append(chr(n + 65536 if n < 0 else n) if -32768 <= n < 1_114_112 else "\ufffd")
                to_skip = uc
            elif not skip and word in _RTF_CHARS:
                flush()
                out.append(_RTF_CHARS[word])
            continue
        if sym is not None:
            if sym == b"*" and starts_group is False and stack:
                skip = True  # {\* ...}: a destination this reader does not know
            elif sym in (b"{", b"}", b"\\") and not skip:
                flush()
                out.append(sym.decode())
            elif sym == b"~" and not skip:
                out.append(" ")
            elif sym in (b"\n", b"\r") and not skip:
                flush()
                out.append("\n")
            continue
        if hexbyte is not None:
            if to_skip:
                to_skip -= 1
            elif not skip:
                pending.append(int(hexbyte, 16))
            continue
        if text is not None:
            if to_skip:
                n = min(to_skip, len(text))
                text, to_skip = text[n:], to_skip - n
            if text and not skip:
                flush()
                out.append(text.decode(codepage, "replace"))
    flush()
    return "".join(out)


# ---- JSON ------------------------------------------------------------------------------------------


def json_text(raw: str) -> str | None:
    """The string values of a JSON document, one a line (keys, numbers and booleans left out), or
    None if the text is not JSON."""
    head = raw[:256].lstrip()[:1]
    if head not in ("{", "["):
        return None
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    out: list[str] = []
    stack = [doc]
    while stack:  # no recursion: a document may nest thousands deep
        v = stack.pop()
        if isinstance(v, str):
            if any(c.isalpha() for c in v):
                out.append(v)
        elif isinstance(v, dict):
            stack.extend(reversed(list(v.values())))
        elif isinstance(v, list):
            stack.extend(reversed(v))
    return "\n".join(out)


# ---- XML -------------------------------------------------------------------------------------------


def is_xml(data: bytes, name: str) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")[:400].lower()
    if b"<html" in head or b"<!doctype html" in head:
        return False
    return head.startswith(b"<?xml") or (name.lower().endswith(".xml") and head.startswith(b"<"))


def _etree_root(data: bytes):
    import xml.etree.ElementTree as ET  # expat: no external entities, exponential entity expansion refused

    try:
        return ET.fromstring(data)
    except ET.ParseError as e:
        raise UnreadableReport(f"a damaged XML file ({e}): save it again, or as .docx, .pdf or .txt") from None


def _texts(root) -> list[tuple[str, bool]]:
    """(text, ends a paragraph) of each text node of the tree, in reading order, without recursion
    (a document may nest deep): a leaf element with a sentence of text or more is a paragraph."""
    out: list[tuple[str, bool]] = []
    stack: list = [(False, root)]
    while stack:
        is_tail, el = stack.pop()
        if is_tail:
            if el.tail:
                out.append((el.tail, False))
            continue
        children = list(el)
        if el.text:
            out.append((el.text, not children and len(el.text.strip()) >= 40))
        for child in reversed(children):
            stack.append((True, child))
            stack.append((False, child))
    return out


def xml_text(data: bytes) -> str:
    """The text of an XML document, never its attributes or tags; a leaf element with a sentence
    or more of text ends its line."""
    root = _etree_root(data)
    parts: list[str] = []
    for text, ends in _texts(root):
        parts.append(text)
        if ends:
            parts.append("\n")
    return "".join(parts)


# ---- OpenDocument text ---------------------------------------------------------------------------

_ODF_TEXT = "application/vnd.oasis.opendocument.text"
_ODF_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_ODF_KINDS = {
    "application/vnd.oasis.opendocument.spreadsheet": "an OpenDocument spreadsheet (.ods)",
    "application/vnd.oasis.opendocument.presentation": "an OpenDocument presentation (.odp)",
}


def odf_kind(z: zipfile.ZipFile, names: set[str]) -> str | None:
    """'odt' for an OpenDocument text, the name of another OpenDocument kind, None if not one."""
    if "mimetype" not in names or "content.xml" not in names:
        return None
    try:
        mime = z.read("mimetype").decode("ascii", "replace").strip()
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError):
        return None
    if mime.startswith(_ODF_TEXT):
        return "odt"
    return _ODF_KINDS.get(mime, "an OpenDocument file")


def odt_text(data: bytes) -> str:
    """The paragraphs and headings of an .odt (its content.xml), one a line; table cells included."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            info = z.getinfo("content.xml")
            if info.file_size > 200 * 1024 * 1024:
                raise UnreadableReport("an .odt whose text unpacks to more than 200 MB: not a report")
            content = z.read("content.xml")
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, EOFError) as e:
        raise UnreadableReport(
            f"a damaged .odt ({type(e).__name__}): open it and save it again, or as .docx, .pdf or .txt"
        ) from None
    root = _etree_root(content)
    lines = []
    for el in root.iter():
        if el.tag in (_ODF_NS + "p", _ODF_NS + "h"):
            lines.append("".join(el.itertext()))
    return "\n".join(lines)
