"""Extraction with the model: rules, candidates, scores, decisions, items.

``learned_items`` is what ``extractors.extract_all`` runs for every document;
``explain_items`` recomputes the same decisions with the reasons kept, for
``minutes show --why`` and the review page.
"""

from __future__ import annotations

from typing import Any

from spacy.tokens import Doc

from extractors.learn.candidates import Candidate, suggest
from extractors.learn.context import DocContext
from extractors.learn.decode import Choice, decode
from extractors.learn.scorer import Model
from pipeline.model import Item, Text


def candidates_for(doc: Doc, text: Text, rule_items: list[Item]) -> list[Candidate]:
    return suggest(DocContext(text, doc, rule_items))


def choose(doc: Doc, text: Text, rule_items: list[Item], model: Model) -> list[Choice]:
    cands = candidates_for(doc, text, rule_items)
    model.score(cands)
    return decode(cands, model)


def to_items(choices: list[Choice], text: Text, versions: dict[str, str]) -> list[Item]:
    from extractors.base import make_item

    items = []
    for ch in choices:
        version = versions.get(ch.field, "?")
        items.append(make_item(ch.field, ch.value, ch.start, ch.end, ch.prob, text,
                               f"{ch.field}@{version}", version))
    return items


def learned_items(doc: Doc, text: Text, rule_items: list[Item], model: Model, versions: dict[str, str]) -> list[Item]:
    return to_items(choose(doc, text, rule_items, model), text, versions)


def _reason(c: Candidate, model: Model) -> dict[str, Any]:
    tm = model.tasks.get(c.task)
    ex = tm.explain(c.feats) if tm else {"for": [], "against": []}
    return {"task": c.task, "candidate_rule": c.source, "probability": round(c.prob or 0.0, 3),
            "threshold": tm.threshold if tm else None, "for": ex["for"], "against": ex["against"]}


def explain_items(doc: Doc, text: Text, rule_items: list[Item], model: Model) -> dict[tuple[str, str], dict[str, Any]]:
    """(field, item key) -> why the model chose that value: the candidate rule
    that proposed it, its probability, and the features that weighed most for
    and against it (and, for attributes and meeting slots, each one's own)."""
    from extractors import item_key

    out: dict[tuple[str, str], dict[str, Any]] = {}
    for ch in choose(doc, text, rule_items, model):
        why = _reason(ch.cand, model) if ch.cand is not None and ch.field != "meeting" else {}
        if ch.attrs:
            why["attributes"] = {k: {"value": c.value, **_reason(c, model)} for k, c in ch.attrs.items()}
        out[(ch.field, item_key(ch.field, ch.value))] = why
    return out
