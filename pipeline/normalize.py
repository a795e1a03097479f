"""Blocks -> one normalized string with an offset map back to the source.

What normalization does, in order, to each block's text:

* Unicode NFC (decomposed tone marks composed);
* 'Ð'/'ð' (Icelandic eth, a common stand-in) -> 'Đ'/'đ';
* one tone-mark spelling: the traditional placement on open ``oa``, ``oe``,
  ``uy`` syllables ("hòa", "thủy", "Ủy ban"), which is what most of these
  documents use; closed syllables ("hoàn", "khuyến") are never touched.
  ``normalize_str`` applies the same function to lexicons and queries;
* zero-width characters and soft hyphens dropped, non-breaking and other
  spaces folded to one space, each line stripped, empty lines dropped;
* a block that repeats an earlier block (same letters and digits, case and
  punctuation ignored) is left out of the text: news pages repeat captions
  and lead paragraphs.

Header, footer and other furniture blocks are kept in ``Text.blocks`` but
left out of ``Text.text``.
"""

from __future__ import annotations

import unicodedata

from pipeline.model import Block, Segment, Text

BLOCK_SEPARATOR = "\n\n"
_DUP_MIN_KEY = 30  # letters+digits a block needs before it can be a duplicate

_LOOKALIKES = {"Ð": "Đ", "ð": "đ", "\u0110": "Đ"}
_DROP = set("\u200b\u200c\u200d\u2060\ufeff\u00ad")
_SPACES = set("\t\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\x0b\x0c")

_TONE_MARKS = "\u0300\u0301\u0309\u0303\u0323"  # grave, acute, hook, tilde, dot below


def _tone_of(ch: str) -> tuple[str, str]:
    d = unicodedata.normalize("NFD", ch)
    tone = "".join(c for c in d if c in _TONE_MARKS)
    base = "".join(c for c in d if c not in _TONE_MARKS)
    return unicodedata.normalize("NFC", base), tone


def _is_letter(ch: str) -> bool:
    return ch.isalpha()


def _fix_tones(chars: list[str]) -> None:
    """In place: move the tone from the 2nd to the 1st vowel of open oa/oe/uy."""
    n = len(chars)
    for i in range(n - 1):
        a, b = chars[i], chars[i + 1]
        if a not in "oOuU":
            continue
        b_base, b_tone = _tone_of(b)
        if not b_tone or len(b_tone) != 1:
            continue
        pair = (a + b_base).lower()
        if pair not in ("oa", "oe", "uy"):
            continue
        # open syllable: no letter after the pair
        if i + 2 < n and _is_letter(chars[i + 2]):
            continue
        # "qu" + y: the u belongs to the consonant ("quý" keeps its tone on y)
        if pair == "uy" and i > 0 and chars[i - 1] in "qQ":
            continue
        chars[i] = unicodedata.normalize("NFC", a + b_tone)
        chars[i + 1] = b_base


def _normalize_chars(raw: str) -> tuple[list[str], list[int]]:
    """Normalize one block's raw text, keeping each output char's source offset."""
    out: list[str] = []
    offs: list[int] = []
    # NFC per cluster (base char + following combining marks)
    i, n = 0, len(raw)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(raw[j]):
            j += 1
        cluster = unicodedata.normalize("NFC", raw[i:j])
        for ch in cluster:
            ch = _LOOKALIKES.get(ch, ch)
            if ch in _DROP:
                continue
            if ch in _SPACES:
                ch = " "
            elif ch == "\r":
                ch = "\n"
            elif unicodedata.category(ch) == "Cc" and ch != "\n":
                continue
            out.append(ch)
            offs.append(i)
        i = j
    _fix_tones(out)
    # whitespace: strip lines, fold runs of spaces, drop empty lines
    chars: list[str] = []
    coffs: list[int] = []
    for ch, o in zip(out, offs):
        if ch == " ":
            if not chars or chars[-1] in " \n":
                continue
        elif ch == "\n":
            while chars and chars[-1] == " ":
                chars.pop()
                coffs.pop()
            if not chars or chars[-1] == "\n":
                continue
        chars.append(ch)
        coffs.append(o)
    while chars and chars[-1] in " \n":
        chars.pop()
        coffs.pop()
    return chars, coffs


def normalize_str(s: str) -> str:
    """The same normalization for a lexicon entry, a query or a test string."""
    return "".join(_normalize_chars(s)[0])


def dedupe_key(s: str) -> str:
    return "".join(ch for ch in s.casefold() if ch.isalnum())


def normalize(blocks: list[Block]) -> Text:
    """Build the normalized text of a document from its blocks."""
    parts: list[str] = []
    source_offsets: list[int] = []
    segments: list[Segment] = []
    dropped: list[int] = []
    seen: set[str] = set()
    pos = 0
    for bi, block in enumerate(blocks):
        if block.is_furniture:
            continue
        chars, offs = _normalize_chars(block.text)
        if not chars:
            continue
        text = "".join(chars)
        if block.kind != "table_cell":
            key = dedupe_key(text)
            if len(key) >= _DUP_MIN_KEY:
                if key in seen:
                    dropped.append(bi)
                    continue
                seen.add(key)
        if parts:
            parts.append(BLOCK_SEPARATOR)
            last = source_offsets[-1] if source_offsets else 0
            source_offsets.extend([last] * len(BLOCK_SEPARATOR))
            pos += len(BLOCK_SEPARATOR)
        parts.append(text)
        source_offsets.extend(offs)
        segments.append(Segment(pos, pos + len(text), bi))
        pos += len(text)
    return Text("".join(parts), list(blocks), segments, source_offsets, dropped)
