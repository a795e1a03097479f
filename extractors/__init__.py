"""Extractors: one module per field, each a pure function ``(Doc, Text) -> list[Item]``.

A module registers itself with ``@register(field, version)``. Bump a module's
version whenever its rules change: the store re-extracts exactly the
documents whose recorded version differs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from spacy.tokens import Doc

from pipeline.model import FIELDS, Item, Text

ExtractFn = Callable[[Doc, Text], list[Item]]


@dataclass(frozen=True)
class Extractor:
    field: str
    version: str
    fn: ExtractFn

    @property
    def name(self) -> str:
        return f"{self.field}@{self.version}"


REGISTRY: dict[str, Extractor] = {}

_MODULES = ("meeting", "themes", "pledges", "models", "references", "people")


def register(field: str, version: str) -> Callable[[ExtractFn], ExtractFn]:
    def deco(fn: ExtractFn) -> ExtractFn:
        REGISTRY[field] = Extractor(field, version, fn)
        return fn

    return deco


def load_all() -> dict[str, Extractor]:
    for mod in _MODULES:
        importlib.import_module(f"extractors.{mod}")
    return REGISTRY


def versions() -> dict[str, str]:
    """field -> version of every registered extractor."""
    return {f: e.version for f, e in sorted(load_all().items())}


def version_tag() -> str:
    """One string naming every extractor's version, stored with a document."""
    return ",".join(f"{f}@{v}" for f, v in versions().items())


def extract_all(doc: Doc, text: Text, fields: tuple[str, ...] | None = None) -> list[Item]:
    items: list[Item] = []
    for field in FIELDS:
        ext = load_all().get(field)
        if ext is None or (fields and field not in fields):
            continue
        items.extend(ext.fn(doc, text))
    return items


def item_key(field: str, value: dict) -> str:
    from extractors.base import fold

    if field == "meeting":
        return "meeting"
    if field == "pledges":
        return f"{value.get('kind') or 'count'}:{value.get('value')}:{fold(value.get('unit'))}"
    if field == "models":
        return fold(value.get("name"))
    if field == "themes":  # the same wording declared for two years is two themes
        year = value.get("year")
        return fold(value.get("text")) + (f"|{year}" if year else "")
    if field == "references":
        return fold(value.get("number")).replace(" ", "").upper()
    if field == "people":
        return fold(value.get("name"))
    return fold(str(value))
