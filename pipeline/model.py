"""The small typed shapes that pass between the stages.

file bytes --reader--> SourceDoc(blocks) --normalize--> Text --nlp--> spaCy Doc
--extractors--> list[Item] --store--> database.

Each shape is a plain dataclass a test can build by hand.
"""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

BlockKind = Literal["heading", "paragraph", "table_cell", "header", "footer", "furniture", "caption"]

#: Kinds kept out of the text that NLP sees (but kept in the document).
FURNITURE_KINDS = frozenset({"header", "footer", "furniture"})

FIELDS = ("meeting", "themes", "pledges", "models", "references", "people")


@dataclass
class Block:
    """A run of text as the source file holds it, with where it came from."""

    text: str
    kind: str = "paragraph"
    page: int | None = None  # 1-based page (PDF) or None
    index: int = 0  # order of the block in the document (body order)
    table: int | None = None  # table number, for table cells
    row: int | None = None
    col: int | None = None
    ocr: bool = False
    ocr_confidence: float | None = None
    font: str | None = None  # legacy font decoded, if any

    @property
    def is_furniture(self) -> bool:
        return self.kind in FURNITURE_KINDS

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, False)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Block:
        return cls(**d)


@dataclass
class SourceDoc:
    """What a reader returns: the file's blocks and what it knows of the file."""

    blocks: list[Block]
    format: str  # txt, docx, pdf, doc
    pages: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Segment:
    """A stretch of normalized text that comes from one block."""

    start: int  # offset in Text.text
    end: int
    block: int  # index into Text.blocks


@dataclass
class Text:
    """The normalized string the extractors see, with a map back to the source.

    ``source_offsets[i]`` is the offset, in the raw text of the block that
    character ``i`` comes from, of that character (separators map to the
    end of the previous block).
    """

    text: str
    blocks: list[Block]
    segments: list[Segment]
    source_offsets: list[int]
    dropped: list[int] = field(default_factory=list)  # blocks left out as duplicates

    def _segment_at(self, offset: int) -> Segment | None:
        starts = [s.start for s in self.segments]
        i = bisect.bisect_right(starts, offset) - 1
        if i < 0:
            return None
        return self.segments[i]

    def locate(self, offset: int) -> tuple[int | None, int | None]:
        """(block index, offset in that block's raw text) for a text offset."""
        seg = self._segment_at(offset)
        if seg is None:
            return None, None
        offset = min(offset, len(self.source_offsets) - 1)
        return seg.block, self.source_offsets[offset] if offset >= 0 else None

    def block_at(self, offset: int) -> Block | None:
        seg = self._segment_at(offset)
        return self.blocks[seg.block] if seg else None

    def page_at(self, offset: int) -> int | None:
        b = self.block_at(offset)
        return b.page if b else None

    def sentence_around(self, start: int, end: int, limit: int = 600) -> tuple[int, int]:
        """The span of the sentence (or line) holding [start, end)."""
        return sentence_bounds(self.text, start, end, limit)


def sentence_bounds(text: str, start: int, end: int, limit: int = 600) -> tuple[int, int]:
    lo = max(0, start - limit)
    s = start
    while s > lo:
        ch = text[s - 1]
        if ch == "\n" or (ch in ".!?;" and s < len(text) and text[s] in " \n" and _cap_after(text, s)):
            break
        s -= 1
    hi = min(len(text), end + limit)
    e = end
    while e < hi:
        ch = text[e]
        if ch == "\n":
            break
        if ch in ".!?" and (e + 1 >= len(text) or text[e + 1] in " \n") and _cap_after(text, e + 1):
            e += 1
            break
        e += 1
    while s < e and text[s] in " \t":
        s += 1
    return s, e


def _cap_after(text: str, i: int) -> bool:
    j = i
    while j < len(text) and text[j] in " \t\"“”'‘’(":
        j += 1
    return j >= len(text) or text[j] == "\n" or text[j].isupper() or text[j].isdigit()


@dataclass
class Item:
    """One extracted value, grounded in the normalized text.

    ``value`` holds the record exactly as SCHEMA.md writes it for the field
    (e.g. ``{"value": 346, "kind": "count", "unit": "cá nhân", "subject": None}``);
    ``start``/``end`` are offsets in ``Text.text``.
    """

    field: str
    value: dict[str, Any]
    start: int
    end: int
    confidence: float
    extractor: str
    version: str
    page: int | None = None
    block: int | None = None
    evidence: str | None = None  # the source sentence

    def key(self) -> str:
        """A stable identity of the item within its document, used to carry
        reviewer decisions across re-extractions."""
        from extractors import item_key

        return item_key(self.field, self.value)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ReadError(Exception):
    """A file that cannot be read. ``reason`` is one plain sentence a clerk can act on."""

    def __init__(self, reason: str, kind: str = "unreadable"):
        super().__init__(reason)
        self.reason = reason
        self.kind = kind  # empty, corrupt, encrypted, unsupported, too_large, timeout, unreadable
