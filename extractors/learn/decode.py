"""Scored candidates -> the document's values.

* item tasks: in each group (one number, one quoted span …) the most
  probable candidate, kept when its calibrated probability reaches the task's
  threshold; one value per item identity (the store's key), the most probable;
* attributes: the most probable candidate among the item's, when it reaches
  its threshold;
* meeting slots: the most probable candidate of the document per slot.

The same function serves extraction (``extractors.extract_all``) and the
cross-validation (``extractors.learn.cv``), so what is measured is what runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from extractors.learn import ATTR_TASKS, ITEM_TASKS, SLOT_TASKS
from extractors.learn.candidates import Candidate
from extractors.learn.scorer import Model

ATTR_OF = {"pledges": ("pledges.subject", "subject"), "models": ("models.organization", "organization")}


@dataclass
class Choice:
    field: str
    value: dict[str, Any]
    start: int
    end: int
    prob: float
    cand: Candidate | None = None
    attrs: dict[str, Candidate] = field(default_factory=dict)


def _best(cands: list[Candidate]) -> Candidate:
    return max(cands, key=lambda c: (c.prob or 0.0, -c.start))


def decode(cands: list[Candidate], model: Model) -> list[Choice]:
    from extractors import item_key

    by_task: dict[str, dict[str, list[Candidate]]] = {}
    for c in cands:
        if c.prob is not None:
            by_task.setdefault(c.task, {}).setdefault(c.group if c.task not in ATTR_TASKS else (c.parent or ""),
                                                      []).append(c)
    out: list[Choice] = []
    for task in ITEM_TASKS:
        tm = model.tasks.get(task)
        if tm is None:
            continue
        chosen: dict[str, Choice] = {}
        for group, cs in by_task.get(task, {}).items():
            best = _best(cs)
            if (best.prob or 0.0) < tm.threshold:
                continue
            value = dict(best.value)
            ch = Choice(task, value, best.start, best.end, best.prob or 0.0, best)
            if task in ATTR_OF:
                atask, attr = ATTR_OF[task]
                am = model.tasks.get(atask)
                acs = by_task.get(atask, {}).get(group, [])
                if am and acs:
                    ab = _best(acs)
                    if (ab.prob or 0.0) >= am.threshold:
                        value[attr] = ab.value
                        ch.attrs[attr] = ab
                    else:
                        value[attr] = None
            key = item_key(task, value)
            if key not in chosen or chosen[key].prob < ch.prob:
                chosen[key] = ch
        out.extend(sorted(chosen.values(), key=lambda c: c.start))
    slots: dict[str, Candidate] = {}
    for task in SLOT_TASKS:
        tm = model.tasks.get(task)
        groups = by_task.get(task, {})
        cs = [c for g in groups.values() for c in g]
        if tm is None or not cs:
            continue
        best = _best(cs)
        if (best.prob or 0.0) >= tm.threshold:
            slots[task.split(".", 1)[1]] = best
    if slots:
        value = {k: (slots[k].value if k in slots else None) for k in ("date", "title", "organizer", "location")}
        first = min(slots.values(), key=lambda c: c.start)
        out.append(Choice("meeting", value, first.start, first.end, min(c.prob or 0.0 for c in slots.values()),
                          first, dict(slots)))
    return out
