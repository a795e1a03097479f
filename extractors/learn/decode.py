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


#: Tasks decided "rules first": where the rules proposed a value for a group
#: (a number's unit, a quoted name, a meeting slot), that value is kept; the
#: model decides the groups the rules left alone, and every confidence.
RULES_FIRST: set[str] = {"meeting.title", "meeting.date", "meeting.organizer", "meeting.location"}
RULE_MARKS = ("rule.eq", "rule.unit_eq")
#: ... unless the model finds the rules' value this improbable: then it decides as elsewhere.
RULE_VETO = 0.15


def _is_rules(c: Candidate) -> bool:
    return c.source == "rule" and c.task in ("people", "references") or any(m in c.feats for m in RULE_MARKS)


def _best(cands: list[Candidate]) -> Candidate:
    if cands and cands[0].task in RULES_FIRST:
        ruled = [c for c in cands if _is_rules(c) and (c.prob or 0.0) >= RULE_VETO]
        if ruled:
            return max(ruled, key=lambda c: (c.prob or 0.0, -c.start))
    return max(cands, key=lambda c: (c.prob or 0.0, -c.start))


def _passes(c: Candidate, threshold: float) -> bool:
    return (c.prob or 0.0) >= threshold or (c.task in RULES_FIRST and _is_rules(c) and (c.prob or 0.0) >= RULE_VETO)


def _keep_better_attrs(kept: Choice, other: Choice) -> None:
    """The same item found twice: keep each attribute from the mention whose
    attribute candidate is the more probable."""
    for attr, c in other.attrs.items():
        mine = kept.attrs.get(attr)
        if mine is None or (c.prob or 0.0) > (mine.prob or 0.0):
            kept.attrs[attr] = c
            kept.value[attr] = c.value


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
            if not _passes(best, tm.threshold):
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
            old = chosen.get(key)
            if old is None or old.prob < ch.prob:
                if old is not None:
                    _keep_better_attrs(ch, old)
                chosen[key] = ch
            else:
                _keep_better_attrs(old, ch)
        out.extend(sorted(chosen.values(), key=lambda c: c.start))
    slots: dict[str, Candidate] = {}
    for task in SLOT_TASKS:
        tm = model.tasks.get(task)
        groups = by_task.get(task, {})
        cs = [c for g in groups.values() for c in g]
        if tm is None or not cs:
            continue
        best = _best(cs)
        if _passes(best, tm.threshold):
            slots[task.split(".", 1)[1]] = best
    if slots:
        value = {k: (slots[k].value if k in slots else None) for k in ("date", "title", "organizer", "location")}
        first = min(slots.values(), key=lambda c: c.start)
        out.append(Choice("meeting", value, first.start, first.end, min(c.prob or 0.0 for c in slots.values()),
                          first, dict(slots)))
    return out
