"""The stages chained as plain functions: file -> blocks -> text -> Doc -> items."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.model import Item, SourceDoc, Text
from pipeline.nlp import make_doc
from pipeline.normalize import normalize
from pipeline.readers import DEFAULT_MAX_BYTES, read_file


@dataclass
class Analysis:
    source: SourceDoc
    text: Text
    items: list[Item]


def analyze(source: SourceDoc, fields: tuple[str, ...] | None = None) -> Analysis:
    """Normalize, segment and extract from a document already read."""
    from extractors import extract_all

    text = normalize(source.blocks)
    doc = make_doc(text.text)
    items = extract_all(doc, text, fields)
    return Analysis(source, text, items)


def analyze_path(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Analysis:
    return analyze(read_file(path, max_bytes))
