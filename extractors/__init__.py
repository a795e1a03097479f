"""Extractors: one rule module per field, then the trained model over candidates.

A rule module is a pure function ``(Doc, Text) -> list[Item]`` registered
with ``@register(field, version)``. ``extract_all`` runs every rule module,
then (when a model is present, which it always is in a checkout: one ships
in ``extractors/learn/shipped``) the candidates of ``extractors.learn`` are
scored by the model, the rules' items being one candidate source and one
feature among many. A field's version is its rules' version plus the model's
hash: bump a module's version whenever its rules change, and a new model
changes every field's; either way the store re-extracts exactly the documents
whose recorded version differs.
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


def rule_versions() -> dict[str, str]:
    """field -> version of every registered rule extractor."""
    return {f: e.version for f, e in sorted(load_all().items())}


def versions() -> dict[str, str]:
    """field -> version of every field's extraction: the rules' version, and
    with a model "+m" and the model's hash."""
    from extractors.learn.scorer import current_model

    model = current_model()
    suffix = f"+m{model.hash}" if model is not None else ""
    return {f: v + suffix for f, v in rule_versions().items()}


def version_tag() -> str:
    """One string naming every extractor's version, stored with a document."""
    return ",".join(f"{f}@{v}" for f, v in versions().items())


def extract_rules(doc: Doc, text: Text, fields: tuple[str, ...] | None = None) -> list[Item]:
    """The rule extractors' items, every field (or ``fields``)."""
    items: list[Item] = []
    for field in FIELDS:
        ext = load_all().get(field)
        if ext is None or (fields and field not in fields):
            continue
        items.extend(ext.fn(doc, text))
    return items


def extract_all(doc: Doc, text: Text, fields: tuple[str, ...] | None = None) -> list[Item]:
    """The document's items: the rules, then the model's decisions over the
    candidates (the rules' items alone when no model is found)."""
    from extractors.learn.run import learned_items
    from extractors.learn.scorer import current_model

    model = current_model()
    if model is None:
        return extract_rules(doc, text, fields)
    rules = extract_rules(doc, text)
    items = learned_items(doc, text, rules, model, versions())
    return [it for it in items if not fields or it.field in fields]


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
