"""Legacy Vietnamese font encodings (TCVN3/ABC and VNI) decoded to Unicode.

Before Unicode, Vietnamese documents were typed in fonts whose glyphs sit on
Latin-1 code points: ``.VnTime`` (TCVN3, one byte per letter) or
``VNI-Times`` (VNI, a base letter followed by a diacritic byte). A Word file
stores those bytes as the Latin-1 characters, so "Số" reads "Sè" unless it is
decoded by the font's name. Fonts whose name ends in "H" (``.VnTimeH``) draw
every letter as a capital, so their text is upper-cased after decoding.

Mind the order: in TCVN3 the byte 0xAD is "ư", which generic cleaners drop as
a soft hyphen; decode before anything cleans the text.

The tables are built here from the published layouts (TCVN 5712:1993 VN3 and
the VNI Windows layout) and tested on round trips in tests/test_legacy.py.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# --- TCVN3 (ABC) ------------------------------------------------------------
# Each vowel series: its codes for acute, grave, hook, tilde, dot below.
_TCVN3_SERIES = {
    "a": "\xb8\xb5\xb6\xb7\xb9",  # á à ả ã ạ  (acute, grave, hook, tilde, dot)
    "ă": "\xbe\xbb\xbc\xbd\xc6",
    "â": "\xca\xc7\xc8\xc9\xcb",
    "e": "\xd0\xcc\xce\xcf\xd1",
    "ê": "\xd5\xd2\xd3\xd4\xd6",
    "i": "\xdd\xd7\xd8\xdc\xde",
    "o": "\xe3\xdf\xe1\xe2\xe4",
    "ô": "\xe8\xe5\xe6\xe7\xe9",
    "ơ": "\xed\xea\xeb\xec\xee",
    "u": "\xf3\xef\xf1\xf2\xf4",
    "ư": "\xf8\xf5\xf6\xf7\xf9",
    "y": "\xfd\xfa\xfb\xfc\xfe",
}
_TONES = "\u0301\u0300\u0309\u0303\u0323"  # acute, grave, hook, tilde, dot below
_TCVN3_PLAIN = {
    "\xa8": "ă", "\xa9": "â", "\xaa": "ê", "\xab": "ô", "\xac": "ơ", "\xad": "ư", "\xae": "đ",
    "\xa1": "Ă", "\xa2": "Â", "\xa3": "Ê", "\xa4": "Ô", "\xa5": "Ơ", "\xa6": "Ư", "\xa7": "Đ",
}


def _build_tcvn3() -> dict[str, str]:
    table = dict(_TCVN3_PLAIN)
    for base, codes in _TCVN3_SERIES.items():
        for code, tone in zip(codes, _TONES):
            table[code] = unicodedata.normalize("NFC", base + tone)
    return table


TCVN3_TO_UNICODE: dict[str, str] = _build_tcvn3()
UNICODE_TO_TCVN3: dict[str, str] = {v: k for k, v in TCVN3_TO_UNICODE.items()}

# --- VNI ----------------------------------------------------------------------
# VNI writes a base letter then a diacritic byte (lowercase byte after a
# lowercase letter, the uppercase byte after a capital).
_VNI_TONE = {"\u0301": "ù", "\u0300": "ø", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_VNI_CIRC_TONE = {"": "â", "\u0301": "á", "\u0300": "à", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
_VNI_BREVE_TONE = {"": "ê", "\u0301": "é", "\u0300": "è", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}
_VNI_I = {"\u0301": "í", "\u0300": "ì", "\u0309": "æ", "\u0303": "ó", "\u0323": "ò"}


def _build_vni() -> dict[str, str]:
    """Unicode letter -> VNI character sequence (both cases)."""
    out: dict[str, str] = {"đ": "ñ", "ơ": "ô", "ư": "ö"}
    for base in "aeouy":
        for tone, code in _VNI_TONE.items():
            out[unicodedata.normalize("NFC", base + tone)] = base + code
    out["ỵ"] = "î"  # y with dot below is one byte in VNI
    for base, table in (("a", _VNI_CIRC_TONE), ("e", _VNI_CIRC_TONE), ("o", _VNI_CIRC_TONE)):
        for tone, code in table.items():
            out[unicodedata.normalize("NFC", base + "\u0302" + tone)] = base + code
    for tone, code in _VNI_BREVE_TONE.items():
        out[unicodedata.normalize("NFC", "a\u0306" + tone)] = "a" + code
    for tone, code in _VNI_TONE.items():
        out[unicodedata.normalize("NFC", "ơ" + tone)] = "ô" + code
        out[unicodedata.normalize("NFC", "ư" + tone)] = "ö" + code
    for tone, code in _VNI_I.items():
        out[unicodedata.normalize("NFC", "i" + tone)] = code
    upper = {k.upper(): v.upper() for k, v in out.items()}
    out.update(upper)
    return out


UNICODE_TO_VNI: dict[str, str] = _build_vni()
VNI_TO_UNICODE: dict[str, str] = {v: k for k, v in UNICODE_TO_VNI.items()}
_VNI_RE = re.compile("|".join(sorted((re.escape(k) for k in VNI_TO_UNICODE), key=len, reverse=True)))


# --- decoding -------------------------------------------------------------------

def _unmap_private(s: str) -> str:
    """Symbol-font text may come as U+F0xx (Word's private-use mapping)."""
    if any("\uf000" <= c <= "\uf0ff" for c in s):
        s = "".join(chr(ord(c) - 0xF000) if "\uf020" <= c <= "\uf0ff" else c for c in s)
    return s


_CP1252_BACK = {}
for _b in range(0x80, 0xA0):
    try:
        _CP1252_BACK[bytes([_b]).decode("cp1252")] = chr(_b)
    except UnicodeDecodeError:
        pass


def decode_tcvn3(s: str, upper: bool = False) -> str:
    s = _unmap_private(s)
    out = "".join(TCVN3_TO_UNICODE.get(_CP1252_BACK.get(c, c), c) for c in s)
    return out.upper() if upper else out


def decode_vni(s: str, upper: bool = False) -> str:
    s = _unmap_private(s)
    out = _VNI_RE.sub(lambda m: VNI_TO_UNICODE[m.group(0)], s)
    return out.upper() if upper else out


def encode_tcvn3(s: str) -> str:
    """Unicode -> TCVN3 (lowercase letters; capitals with tone marks have no
    single code in TCVN3 and are written lowercase, as the H fonts expect)."""
    out = []
    for c in unicodedata.normalize("NFC", s):
        if c in UNICODE_TO_TCVN3:
            out.append(UNICODE_TO_TCVN3[c])
        elif c.lower() in UNICODE_TO_TCVN3 and c.isupper():
            out.append(UNICODE_TO_TCVN3[c.lower()])
        else:
            out.append(c)
    return "".join(out)


def encode_vni(s: str) -> str:
    return "".join(UNICODE_TO_VNI.get(c, c) for c in unicodedata.normalize("NFC", s))


def font_encoding(font: str | None) -> tuple[str | None, bool]:
    """(encoding, all-caps) of a font name: ("tcvn3"|"vni"|None, bool)."""
    if not font:
        return None, False
    f = font.strip()
    low = f.lower()
    if low.startswith(".vn"):
        # .VnTimeH, .VnArialH, .VnTimeH Bold ...: the H fonts draw capitals
        core = re.sub(r"[\s,-]*(bold|italic|narrow|bolditalic)*$", "", f, flags=re.I)
        return "tcvn3", core.endswith("H")
    if low.startswith("vni-") or low.startswith("vni "):
        return "vni", False
    if low.startswith("abc") or low.startswith("vn3"):
        return "tcvn3", False
    return None, False


def decode_by_font(text: str, font: str | None) -> tuple[str, bool]:
    """(text decoded by its font, whether it was decoded)."""
    enc, upper = font_encoding(font)
    if enc == "tcvn3":
        return decode_tcvn3(text, upper), True
    if enc == "vni":
        return decode_vni(text, upper), True
    return text, False


# --- detection --------------------------------------------------------------------

_VN_UNICODE = set("ăđơưĂĐƠƯĩĨũŨ") | {c for c in map(chr, range(0x1EA0, 0x1EFA))}
# TCVN3 bytes that are rare in real Latin-1 text (Vietnamese letters in TCVN3)
# TCVN3 codes that are not themselves letters of Vietnamese Unicode text
_TCVN3_STRONG = set(TCVN3_TO_UNICODE) - set("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")


def looks_like_tcvn3(text: str) -> bool:
    """True when ``text`` reads as TCVN3 bytes shown as Latin-1: several
    characters typical of TCVN3 and no Vietnamese-only Unicode letters."""
    if not text:
        return False
    text = _unmap_private(text)
    if any(c in _VN_UNICODE for c in text):
        return False
    letters = sum(c.isalpha() for c in text)
    marks = sum(c in _TCVN3_STRONG for c in text)
    if marks < 2 or letters == 0:
        return bool(marks == 1 and letters <= 6 and len(text.strip()) <= 8 and _plausible_after(text))
    if marks / max(letters, 1) < 0.04:
        return False
    return _plausible_after(text)


def _plausible_after(text: str) -> bool:
    """The words that hold TCVN3 codes should decode to Vietnamese syllables."""
    words = [w for w in re.split(r"[\s\d.,;:!?()\[\]/\\\"'“”‘’<>=+*-]+", text)
             if len(w) >= 2 and any(c in _TCVN3_STRONG for c in w)]
    if not words:
        return False
    ok = sum(is_vietnamese_syllable(decode_tcvn3(w)) for w in words)
    return ok / len(words) >= 0.7


def looks_like_vni(text: str) -> bool:
    if not text or any(c in _VN_UNICODE for c in text):
        return False
    hits = len(_VNI_RE.findall(text))
    words = re.findall(r"[^\W\d_]+", text)
    if hits < 2 or not words:
        return False
    decoded = decode_vni(text)
    dwords = re.findall(r"[^\W\d_]+", decoded)
    ok = sum(is_vietnamese_syllable(w) for w in dwords)
    return ok / max(len(dwords), 1) >= 0.8 and hits / len(words) >= 0.15


def fix_text(text: str) -> tuple[str, str | None]:
    """Decode a run of unknown font when it looks like TCVN3 or VNI.

    Returns (text, encoding-name or None)."""
    if looks_like_tcvn3(text):
        return decode_tcvn3(text), "TCVN3"
    if looks_like_vni(text):
        return decode_vni(text), "VNI"
    return text, None


# --- Vietnamese syllable check (also used by the PDF plausibility test) ------------

_ONSETS = ("ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "b", "c", "d", "đ", "g",
           "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "")
_CODAS = ("ch", "ng", "nh", "c", "m", "n", "p", "t", "i", "y", "o", "u", "")
_VOWEL_BASES = set("aăâeêioôơuưy")
_NUCLEI = {
    "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y",
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iê", "iu", "oa", "oă", "oe", "oi", "ôi",
    "ơi", "ua", "uâ", "uê", "ui", "uô", "uơ", "uy", "ưa", "ưi", "ươ", "ưu", "yê", "iêu", "oai", "oay",
    "oeo", "uây", "uôi", "uya", "uyê", "uyu", "ươi", "ươu", "yêu", "oo", "uu",
}


def _strip_tone(w: str) -> str:
    d = unicodedata.normalize("NFD", w)
    d = "".join(c for c in d if c not in _TONES)
    return unicodedata.normalize("NFC", d)


@lru_cache(maxsize=65536)
def is_vietnamese_syllable(word: str) -> bool:
    """A rough check that ``word`` spells one Vietnamese syllable."""
    w = word.lower()
    if not w or len(w) > 7:
        return False
    tones = sum(c in _TONES for c in unicodedata.normalize("NFD", w))
    if tones > 1:
        return False
    w = _strip_tone(w)
    if not all(c.isascii() or c in _VOWEL_BASES or c == "đ" for c in w):
        return False
    for onset in _ONSETS:
        if not w.startswith(onset):
            continue
        rest = w[len(onset):]
        if onset == "gi" and (not rest or rest[0] not in _VOWEL_BASES):
            rest = "i" + rest
        if onset == "qu" and not rest:
            continue
        for coda in _CODAS:
            if coda and not rest.endswith(coda):
                continue
            nucleus = rest[: len(rest) - len(coda)] if coda else rest
            if nucleus in _NUCLEI:
                return True
    return False
