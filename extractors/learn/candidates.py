"""Candidates: what a suggester proposes and the model scores.

A suggester is a function ``(DocContext) -> list[Candidate]`` registered for
one or more tasks with ``@suggester``. Candidates of one ``group`` compete
(the unit options of one number, the title candidates of one document): the
decoder keeps at most one per group. Attribute candidates (a pledge's
subject, a model's organization) name their item's group in ``parent``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from extractors.learn.context import DocContext


@dataclass
class Candidate:
    task: str  # one of extractors.learn.TASKS
    value: Any  # item tasks: the record dict; slots and attributes: the value (str)
    start: int
    end: int
    source: str  # the suggester rule that proposed it
    group: str  # candidates of a group compete; one is kept at most
    feats: dict[str, float] = field(default_factory=dict)
    parent: str | None = None  # attribute candidates: the item group they belong to
    label: int | None = None  # 1/0 when aligned with gold, None when unknown
    prob: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, "value": self.value, "start": self.start, "end": self.end,
                "source": self.source, "group": self.group, "parent": self.parent}


Suggester = Callable[[DocContext], list[Candidate]]
SUGGESTERS: dict[str, Suggester] = {}

_MODULES = ("pledges", "models", "themes", "meeting", "people", "references")


def suggester(name: str) -> Callable[[Suggester], Suggester]:
    def deco(fn: Suggester) -> Suggester:
        SUGGESTERS[name] = fn
        return fn
    return deco


def load_suggesters() -> dict[str, Suggester]:
    import importlib

    if not SUGGESTERS:
        from extractors.learn.context import CLASSES, class_regex

        for cls in CLASSES:  # compile the lexicon classes once, up front (about a second)
            class_regex(cls)
    for mod in _MODULES:
        importlib.import_module(f"extractors.learn.fields.{mod}")
    return SUGGESTERS


def suggest(ctx: DocContext) -> list[Candidate]:
    """Every candidate of every task for one document."""
    out: list[Candidate] = []
    for name, fn in load_suggesters().items():
        out.extend(fn(ctx))
    return out
