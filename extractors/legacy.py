"""The legacy Vietnamese 8-bit encodings no library decodes: TCVN3 (ABC) and VNI (VNI-Windows).

TCVN3 (TCVN 5712:1993, the ".Vn" fonts) gives each lower-case precomposed letter one byte in
0xA1-0xFE; upper-case letters with tone marks have no code of their own (documents set them in a
capitals font with the same codes), so they decode as lower case.

VNI writes a base ASCII letter followed by one or two mark bytes (cp1252 characters): "Vieät" =
"Việt", "ñöôïc" = "được".

`decode_tcvn3(data)` and `decode_vni(data)` turn bytes into text; `encode_tcvn3` and `encode_vni`
are their inverses (used by the tests to make real files).
"""

from __future__ import annotations

import re
import unicodedata

# ---- TCVN3 ----------------------------------------------------------------------------------
_TCVN3_CHARS = {
    0xA1: "Ă",
    0xA2: "Â",
    0xA3: "Ê",
    0xA4: "Ô",
    0xA5: "Ơ",
    0xA6: "Ư",
    0xA7: "Đ",
    0xA8: "ă",
    0xA9: "â",
    0xAA: "ê",
    0xAB: "ô",
    0xAC: "ơ",
    0xAD: "ư",
    0xAE: "đ",
    0xB5: "à",
    0xB6: "ả",
    0xB7: "ã",
    0xB8: "á",
    0xB9: "ạ",
    0xBB: "ằ",
    0xBC: "ẳ",
    0xBD: "ẵ",
    0xBE: "ắ",
    0xC6: "ặ",
    0xC7: "ầ",
    0xC8: "ẩ",
    0xC9: "ẫ",
    0xCA: "ấ",
    0xCB: "ậ",
    0xCC: "è",
    0xCE: "ẻ",
    0xCF: "ẽ",
    0xD0: "é",
    0xD1: "ẹ",
    0xD2: "ề",
    0xD3: "ể",
    0xD4: "ễ",
    0xD5: "ế",
    0xD6: "ệ",
    0xD7: "ì",
    0xD8: "ỉ",
    0xDC: "ĩ",
    0xDD: "í",
    0xDE: "ị",
    0xDF: "ò",
    0xE1: "ỏ",
    0xE2: "õ",
    0xE3: "ó",
    0xE4: "ọ",
    0xE5: "ồ",
    0xE6: "ổ",
    0xE7: "ỗ",
    0xE8: "ố",
    0xE9: "ộ",
    0xEA: "ờ",
    0xEB: "ở",
    0xEC: "ỡ",
    0xED: "ớ",
    0xEE: "ợ",
    0xEF: "ù",
    0xF1: "ủ",
    0xF2: "ũ",
    0xF3: "ú",
    0xF4: "ụ",
    0xF5: "ừ",
    0xF6: "ử",
    0xF7: "ữ",
    0xF8: "ứ",
    0xF9: "ự",
    0xFA: "ỳ",
    0xFB: "ỷ",
    0xFC: "ỹ",
    0xFD: "ý",
    0xFE: "ỵ",
}


def _cp1252(i: int) -> str:
    try:
        return bytes([i]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(i)


# bytes not in the table decode as Windows-1252 (ASCII, and the quotes and dashes of 0x80-0x9F
# that the .Vn fonts leave alone)
_TCVN3_TABLE = "".join(_TCVN3_CHARS.get(i) or _cp1252(i) for i in range(256))
_TCVN3_ENCODE = {ch: bytes([i]) for i, ch in enumerate(_TCVN3_TABLE) if i >= 128}


def decode_tcvn3(data: bytes) -> str:
    return data.decode("latin-1").translate({i: _TCVN3_TABLE[i] for i in range(128, 256)})


def encode_tcvn3(text: str) -> bytes:
    """TCVN3 bytes of text. Upper-case letters with tone marks, which TCVN3 cannot write, are
    written as their lower-case letter (what a capitals font does)."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        if ch in _TCVN3_ENCODE:
            out += _TCVN3_ENCODE[ch]
        elif ord(ch) < 128:
            out.append(ord(ch))
        elif ch.lower() in _TCVN3_ENCODE:
            out += _TCVN3_ENCODE[ch.lower()]
        else:
            out += unicodedata.normalize("NFD", ch)[0].encode("ascii", errors="replace")
    return bytes(out)


# ---- VNI ------------------------------------------------------------------------------------
# mark bytes after a base letter (lower-case forms; upper-case letters take the upper-case form)
_TONES = {"\u0301": "ù", "\u0300": "ø", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_CIRC_TONES = {"": "â", "\u0301": "á", "\u0300": "à", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
_BREVE_TONES = {"": "ê", "\u0301": "é", "\u0300": "è", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}
# letters with a byte of their own
_VNI_SINGLE = {
    "đ": "ñ",
    "Đ": "Ñ",
    "ơ": "ô",
    "Ơ": "Ô",
    "ư": "ö",
    "Ư": "Ö",
    "í": "í",
    "Í": "Í",
    "ì": "ì",
    "Ì": "Ì",
    "ỉ": "æ",
    "Ỉ": "Æ",
    "ĩ": "ó",
    "Ĩ": "Ó",
    "ị": "ò",
    "Ị": "Ò",
    "ỵ": "î",
    "Ỵ": "Î",
}


def _vni_table() -> dict[str, str]:
    """Unicode letter -> VNI string."""
    table: dict[str, str] = dict(_VNI_SINGLE)
    for base in "aeiouyAEIOUY":
        for mark, code in _TONES.items():
            ch = unicodedata.normalize("NFC", base + mark)
            if ch not in table:
                table[ch] = base + (code if base.islower() else code.upper())
    for base in "aeoAEO":  # circumflex: â ê ô
        for tone, code in _CIRC_TONES.items():
            ch = unicodedata.normalize("NFC", base + "\u0302" + tone)
            table[ch] = base + (code if base.islower() else code.upper())
    for base in "aA":  # breve: ă
        for tone, code in _BREVE_TONES.items():
            ch = unicodedata.normalize("NFC", base + "\u0306" + tone)
            table[ch] = base + (code if base.islower() else code.upper())
    for base, single in (("ơ", "ô"), ("Ơ", "Ô"), ("ư", "ö"), ("Ư", "Ö")):  # horn letters + tone
        for mark, code in _TONES.items():
            ch = unicodedata.normalize("NFC", base + mark)
            table[ch] = single + (code if base.islower() else code.upper())
    return table


_VNI_ENCODE = _vni_table()
_VNI_DECODE = {v: k for k, v in _VNI_ENCODE.items() if len(v) > 1}
_VNI_SINGLE_DECODE = {v: k for k, v in _VNI_SINGLE.items()}
# longest sequences first; then single bytes
_VNI_RE = re.compile(
    "|".join(re.escape(s) for s in sorted(_VNI_DECODE, key=len, reverse=True))
    + "|["
    + re.escape("".join(_VNI_SINGLE_DECODE))
    + "]"
)


def decode_vni(data: bytes) -> str:
    text = data.decode("cp1252", errors="replace")

    def sub(m: re.Match) -> str:
        s = m.group()
        return _VNI_DECODE.get(s) or _VNI_SINGLE_DECODE.get(s, s)

    return _VNI_RE.sub(sub, text)


def encode_vni(text: str) -> bytes:
    out = []
    for ch in unicodedata.normalize("NFC", text):
        out.append(_VNI_ENCODE.get(ch, ch))
    return "".join(out).encode("cp1252", errors="replace")
