"""What every extractor shares: making grounded items, folding text, lexicons."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from pipeline.model import Item, Text
from pipeline.normalize import normalize_str

LEXICON_DIR = Path(__file__).parent / "lexicons"

_QUOTES = str.maketrans({c: '"' for c in "“”„‟«»'‘’`"})
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−"})


@functools.lru_cache(maxsize=1 << 16)
def _fold_str(s: str) -> str:
    t = normalize_str(s).casefold().translate(_QUOTES).translate(_DASHES)
    t = re.sub(r"\s+", " ", t).strip()
    return t.strip(" \"'.,;:()[]…-")


def fold(s: object) -> str:
    """A comparison key: normalized, case-folded, straight quotes and dashes,
    whitespace folded, outer punctuation trimmed."""
    if s is None:
        return ""
    return _fold_str(str(s))


@functools.lru_cache(maxsize=None)
def lexicon(name: str) -> tuple[str, ...]:
    """Entries of ``lexicons/NAME.txt`` (one per line, '#' comments), normalized
    like the documents, longest first so alternations prefer the longest."""
    path = LEXICON_DIR / f"{name}.txt"
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            entries.append(normalize_str(line))
    return tuple(sorted(set(entries), key=lambda e: (-len(e), e)))


def lexicon_regex(name: str) -> str:
    """An alternation of a lexicon's entries, longest first, for use in a regex."""
    return "|".join(re.escape(e) for e in lexicon(name))


def make_item(field: str, value: dict[str, Any], start: int, end: int, confidence: float,
              text: Text, extractor: str, version: str) -> Item:
    """An item with its page, block and source sentence filled in from the text."""
    s, e = text.sentence_around(start, end)
    block, _ = text.locate(start)
    return Item(
        field=field,
        value=value,
        start=start,
        end=end,
        confidence=round(max(0.0, min(1.0, confidence)), 3),
        extractor=extractor,
        version=version,
        page=text.page_at(start),
        block=block,
        evidence=text.text[s:e],
    )
