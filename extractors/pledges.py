"""Extractor for the ``pledges`` field (see ../shared/eval/SCHEMA.md)."""

from __future__ import annotations

from spacy.tokens import Doc

from extractors import register
from pipeline.model import Item, Text

VERSION = "0.0.1"


@register("pledges", VERSION)
def extract(doc: Doc, text: Text) -> list[Item]:
    return []
