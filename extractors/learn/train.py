"""Fit the model: one L2-regularized logistic regression per task over the
candidates' features, calibrated and thresholded on held-out folds.

For each task:

1. features seen in fewer than ``min_count`` training documents are dropped
   (a word of one document teaches nothing about the next);
2. out-of-fold scores: the learner is fitted ``folds`` times, each time
   without one fold of documents, and scores that fold;
3. Platt scaling on the out-of-fold scores gives the calibration (the
   confidence shown to reviewers is a probability measured on documents the
   learner had not seen);
4. the decision threshold maximizes F1 on the out-of-fold decisions, counted
   the way the decoder decides (one value per group);
5. the final weights are fitted on every training document.

scikit-learn does the fitting; nothing of it is kept: the weights go to JSON.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from extractors.learn import ATTR_TASKS, ITEM_TASKS, SLOT_TASKS, TASKS
from extractors.learn.candidates import Candidate
from extractors.learn.scorer import Model, TaskModel

C_BY_TASK = {"default": 0.3}
ATTR_THRESHOLD = 0.05


@dataclass
class Example:
    """One annotated document: its candidates (labeled) and its gold record."""

    name: str
    candidates: list[Candidate]
    gold: dict[str, Any]
    rules: list[dict[str, Any]] = field(default_factory=list)  # the rule items, as {field, value, confidence}
    origin: str = "gold"  # gold | review
    chars: int = 0


def _rows(examples: list[Example], task: str, drop: tuple[str, ...]):
    X, y, docs, groups, cands = [], [], [], [], []
    for di, ex in enumerate(examples):
        for c in ex.candidates:
            if c.task != task or c.label is None:
                continue
            f = {k: v for k, v in c.feats.items() if not k.startswith(drop)} if drop else c.feats
            X.append(f)
            y.append(c.label)
            docs.append(di)
            groups.append(f"{di}:{c.parent if task in ATTR_TASKS else c.group}")
            cands.append(c)
    return X, y, docs, groups, cands


def _fit_raw(X: list[dict], y: list[int], docs: list[int], C: float, min_count: int):
    """(bias, weights) of a logistic regression, or a constant model for one class."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    if len(set(y)) < 2:
        p = min(max(sum(y) / max(1, len(y)), 1e-3), 1 - 1e-3)
        return math.log(p / (1 - p)), {}
    seen: dict[str, set[int]] = defaultdict(set)
    for f, d in zip(X, docs):
        for k in f:
            seen[k].add(d)
    keep = {k for k, ds in seen.items() if len(ds) >= min_count}
    Xk = [{k: v for k, v in f.items() if k in keep} for f in X]
    vec = DictVectorizer(sparse=True)
    M = vec.fit_transform(Xk).tocsr()
    M.indices = M.indices.astype("int32")  # liblinear takes 32-bit indices only
    M.indptr = M.indptr.astype("int32")
    clf = LogisticRegression(C=C, solver="liblinear", max_iter=2000)
    clf.fit(M, y)
    names = vec.get_feature_names_out()
    weights = {str(n): float(w) for n, w in zip(names, clf.coef_[0]) if abs(w) > 1e-6}
    return float(clf.intercept_[0]), weights


def _raw(bias: float, weights: dict[str, float], f: dict[str, float]) -> float:
    return bias + sum(v * weights.get(k, 0.0) for k, v in f.items())


def _platt(z: list[float], y: list[int]) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    if len(set(y)) < 2:
        return 1.0, 0.0
    clf = LogisticRegression(C=1e4, solver="lbfgs")
    clf.fit([[v] for v in z], y)
    return float(clf.coef_[0][0]), float(clf.intercept_[0])


def _threshold(task: str, probs: list[float], y: list[int], groups: list[str], has_gold: dict[str, bool]) -> float:
    """The threshold that maximizes F1 of the decoder's decisions out of fold."""
    if task in ATTR_TASKS:
        return ATTR_THRESHOLD
    best_in: dict[str, tuple[float, int]] = {}
    for p, lab, g in zip(probs, y, groups):
        if g not in best_in or p > best_in[g][0]:
            best_in[g] = (p, lab)
    positives = {g for g, lab in zip(groups, y) if lab == 1}
    if task in SLOT_TASKS:
        positives = {g for g in best_in if has_gold.get(g)}
    best_t, best_f = 0.5, -1.0
    for t in [i / 100 for i in range(10, 91, 2)]:
        tp = fp = 0
        for g, (p, lab) in best_in.items():
            if p >= t:
                if lab == 1:
                    tp += 1
                else:
                    fp += 1
        fn = len(positives) - tp
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f1 > best_f + 1e-9:
            best_t, best_f = t, f1
    return best_t


def fit_task(examples: list[Example], task: str, folds: int = 5, min_count: int = 2,
             drop: tuple[str, ...] = (), C: float | None = None) -> TaskModel | None:
    X, y, docs, groups, _ = _rows(examples, task, drop)
    if not X:
        return None
    C = C if C is not None else C_BY_TASK.get(task, C_BY_TASK["default"])
    has_gold: dict[str, bool] = {}
    if task in SLOT_TASKS:
        key = task.split(".", 1)[1]
        for g, d in zip(groups, docs):
            has_gold[g] = (examples[d].gold.get("meeting") or {}).get(key) not in (None, "")
    # out-of-fold raw scores, folds grouped by document
    ndocs = len(examples)
    k = max(2, min(folds, ndocs))
    fold_of = {d: d % k for d in range(ndocs)}
    z = [0.0] * len(X)
    for fo in range(k):
        tr = [i for i, d in enumerate(docs) if fold_of[d] != fo]
        te = [i for i, d in enumerate(docs) if fold_of[d] == fo]
        if not tr or not te:
            continue
        b, w = _fit_raw([X[i] for i in tr], [y[i] for i in tr], [docs[i] for i in tr], C, min_count)
        for i in te:
            z[i] = _raw(b, w, X[i])
    a, bb = _platt(z, y)
    tm_probs = [1 / (1 + math.exp(-(a * v + bb))) for v in z]
    thr = _threshold(task, tm_probs, y, groups, has_gold)
    b, w = _fit_raw(X, y, docs, C, min_count)
    return TaskModel(b, w, (a, bb), thr)


def fit(examples: list[Example], tasks: Iterable[str] = TASKS, folds: int = 5, min_count: int = 2,
        drop: tuple[str, ...] = (), meta: dict[str, Any] | None = None) -> Model:
    """A model for every task that has labeled candidates in ``examples``."""
    models = {}
    for task in tasks:
        tm = fit_task(examples, task, folds, min_count, drop)
        if tm is not None:
            models[task] = tm
    origins = Counter(ex.origin for ex in examples)
    info = {"trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "documents": len(examples), "documents_by_origin": dict(origins),
            "candidates": sum(len(ex.candidates) for ex in examples),
            "learner": "logistic regression (L2, liblinear), Platt-calibrated on out-of-fold scores",
            "min_count": min_count, "dropped_features": list(drop)}
    info.update(meta or {})
    return Model(models, info)


def items_for_tasks() -> tuple[str, ...]:
    return ITEM_TASKS
