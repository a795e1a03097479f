"""Cross-validation: every figure measured on documents the model did not see.

Folds are grouped by document. For each fold a model is fitted on the other
folds (with its own inner out-of-fold calibration) and decides the fold's
documents; the pooled predictions are scored with ../shared/eval/score.py,
as one run over the whole set would be. Beside it: the rules alone, the
candidates' recall per slot (the ceiling of everything after them), a
learning curve over shares of the training folds, ablations (features
dropped at training and scoring), and a calibration table.
"""

from __future__ import annotations

import json
import random
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from extractors.learn import ATTR_TASKS, ITEM_TASKS, SLOT_TASKS
from extractors.learn.align import ATTR, MATCH, MEETING_MATCH, close
from extractors.learn.decode import decode
from extractors.learn.scorer import Model
from extractors.learn.train import Example, fit
from pipeline.records import to_record


def record_of(ex: Example, model: Model, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    cands = ex.candidates
    if drop:
        saved = [c.feats for c in cands]
        for c in cands:
            c.feats = {k: v for k, v in c.feats.items() if not k.startswith(drop)}
    model.score(cands)
    if drop:
        for c, f in zip(cands, saved):
            c.feats = f
    items = [{"field": ch.field, "value": ch.value, "start": ch.start, "confidence": round(ch.prob, 3)}
             for ch in decode(cands, model)]
    return to_record(ex.name, items)


def rules_record(ex: Example) -> dict[str, Any]:
    return to_record(ex.name, ex.rules)


def fold_of(examples: list[Example], k: int, seed: int = 13) -> list[int]:
    order = sorted(range(len(examples)), key=lambda i: examples[i].name)
    random.Random(seed).shuffle(order)
    folds = [0] * len(examples)
    for pos, i in enumerate(order):
        folds[i] = pos % k
    return folds


def cross_validate(examples: list[Example], k: int = 5, fraction: float = 1.0, drop: tuple[str, ...] = (),
                   seed: int = 13, on_fold: Callable[[int], None] | None = None) -> dict[str, dict[str, Any]]:
    """name -> predicted record, each by a model that never saw that document."""
    folds = fold_of(examples, k, seed)
    out: dict[str, dict[str, Any]] = {}
    for fo in range(k):
        train = [ex for ex, f in zip(examples, folds) if f != fo]
        if fraction < 1.0:
            rng = random.Random(seed + fo)
            train = rng.sample(train, max(2, round(len(train) * fraction)))
        model = fit(train, drop=drop)
        for ex, f in zip(examples, folds):
            if f == fo:
                out[ex.name] = record_of(ex, model, drop)
        if on_fold:
            on_fold(fo)
    return out


def score_records(examples: list[Example], records: dict[str, dict[str, Any]], scorer,
                  verbose: bool = False) -> tuple[dict[str, Any], str]:
    """The scorer's figures (and its printed table) for ``records`` against the examples' gold."""
    import contextlib
    import io

    with tempfile.TemporaryDirectory(prefix="minutes-cv-") as tmp:
        gold, pred = Path(tmp) / "gold", Path(tmp) / "pred"
        gold.mkdir()
        pred.mkdir()
        for ex in examples:
            stem = Path(ex.name).stem
            (gold / f"{stem}.json").write_text(json.dumps(ex.gold, ensure_ascii=False), encoding="utf-8")
            if ex.name in records:
                (pred / f"{stem}.json").write_text(json.dumps(records[ex.name], ensure_ascii=False), encoding="utf-8")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            res = scorer.score(gold, pred, verbose)
        from pipeline.evaluate import calibration

        res["calibration"] = calibration(scorer, gold, pred)
    return res, buf.getvalue()


def candidate_recall(examples: list[Example]) -> dict[str, tuple[int, int]]:
    """slot -> (gold values some candidate matches, gold values), optional ones left out."""
    got: dict[str, list[int]] = {}

    def tally(slot: str, hit: bool) -> None:
        t = got.setdefault(slot, [0, 0])
        t[0] += hit
        t[1] += 1

    for ex in examples:
        by_task: dict[str, list] = {}
        for c in ex.candidates:
            by_task.setdefault(c.task, []).append(c)
        for task in ITEM_TASKS:
            cs = by_task.get(task, [])
            for g in ex.gold.get(task) or []:
                if not isinstance(g, dict) or g.get("optional"):
                    continue
                groups = {c.group for c in cs if MATCH[task](g, c.value)}
                tally(task, bool(groups))
                for atask, (field, attr, thr) in ATTR.items():
                    if field == task and g.get(attr) not in (None, "") and groups:
                        acs = [c for c in by_task.get(atask, []) if c.parent in groups]
                        tally(atask, any(close(g[attr], c.value, thr) for c in acs))
        gm = ex.gold.get("meeting") or {}
        for task in SLOT_TASKS:
            key = task.split(".", 1)[1]
            if gm.get(key) in (None, ""):
                continue
            tally(task, any(MEETING_MATCH[key](gm[key], c.value) for c in by_task.get(task, [])))
    return {k: (v[0], v[1]) for k, v in got.items()}


def attribute_tasks() -> tuple[str, ...]:
    return ATTR_TASKS
