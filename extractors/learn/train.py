"""Fit the model: one linear scorer per task over the candidates' features,
calibrated and thresholded on held-out folds.

The learner is a *conditional* (softmax) logistic regression: the candidates
of one group (the unit options of one number, the title candidates of one
document) compete with each other and with "none of them", whose score is a
learned constant. P(candidate) is its share of the group; the loss is the
negative log-likelihood of the gold choice (any of the right candidates, or
"none"), with an L2 penalty. This is the ranking model the tasks are: which
extent is the unit, which phrase is the title, or nothing. A plain binary
logistic regression per candidate (``learner="binary"``) is kept for
comparison in the cross-validation.

For each task:

1. features seen in fewer than ``min_count`` training documents are dropped
   (a word of one document teaches nothing about the next);
2. out-of-fold scores: the learner is fitted ``folds`` times, each time
   without one fold of documents, and scores that fold;
3. Platt scaling of those out-of-fold scores gives the calibration (the
   confidence reviewers see is a probability measured on unseen documents);
4. the decision threshold maximizes F1 on the out-of-fold decisions, counted
   the way the decoder decides (one value per group);
5. the final weights are fitted on every training document.

numpy/scipy fit the softmax model (scikit-learn the binary one); only the
weights are kept, as JSON.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from extractors.learn import ATTR_TASKS, ITEM_TASKS, SLOT_TASKS, TASKS
from extractors.learn.candidates import Candidate
from extractors.learn.scorer import NULL, Model, TaskModel, group_probs

C_DEFAULT = 0.6
ATTR_THRESHOLD = 0.05
LEARNER = "softmax"
RULE_PREFIX = "rule."
RULE_DROPOUT = 0.0
#: Features a task never uses. The rules' attribute readings (a subject, an
#: organization) were right on the documents they were written on and far less
#: elsewhere (cross-validation on the others: 0.73 vs 0.65 subject accuracy
#: without them), so the attribute rankers learn from the text alone.
TASK_DROP: dict[str, tuple[str, ...]] = {}
_UNUSED = {"pledges.subject": ("rule.", "src=rule"),
                                         "models.organization": ("rule.", "src=rule")}


@dataclass
class Example:
    """One annotated document: its candidates (labeled) and its gold record."""

    name: str
    candidates: list[Candidate]
    gold: dict[str, Any]
    rules: list[dict[str, Any]] = field(default_factory=list)  # the rule items, as {field, value, confidence}
    origin: str = "gold"  # gold | review | error:<reason>
    chars: int = 0


@dataclass
class Rows:
    X: list[dict[str, float]]
    y: list[int]
    docs: list[int]
    groups: list[str]
    keys: list[str] = field(default_factory=list)  # item tasks: the value's identity in its document


def _group_key(task: str, di: int, c: Candidate) -> str:
    return f"{di}:{c.parent if task in ATTR_TASKS else c.group}"


def _rule_blind(name: str, share: float) -> bool:
    """Whether a training document is shown without the rules' verdict: a
    stable pseudo-random share of the documents, by name."""
    h = int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    return h < share


def _rows(examples: list[Example], task: str, drop: tuple[str, ...], rule_dropout: float = 0.0) -> Rows:
    """The task's labeled candidates; a group holding a candidate that matches
    only an optional gold value (label None) is left out whole. With
    ``rule_dropout``, that share of the documents is shown without the rules'
    verdict, so that the model learns the other evidence as well (the rules
    were written on some of the training documents and are right on those far
    more often than elsewhere)."""
    from extractors import item_key

    r = Rows([], [], [], [], [])
    for di, ex in enumerate(examples):
        cs = [c for c in ex.candidates if c.task == task]
        unknown = {_group_key(task, di, c) for c in cs if c.label is None}
        dropped = drop + (RULE_PREFIX,) if rule_dropout and _rule_blind(ex.name, rule_dropout) else drop
        for c in cs:
            g = _group_key(task, di, c)
            if g in unknown:
                continue
            r.X.append({k: v for k, v in c.feats.items() if not k.startswith(dropped)} if dropped else c.feats)
            r.y.append(int(c.label or 0))
            r.docs.append(di)
            r.groups.append(g)
            r.keys.append(f"{di}:{item_key(task, c.value)}" if task in ITEM_TASKS else g)
    return r


def _vocabulary(X: list[dict], docs: list[int], min_count: int) -> dict[str, int]:
    seen: dict[str, set[int]] = defaultdict(set)
    for f, d in zip(X, docs):
        for k in f:
            seen[k].add(d)
    return {k: i for i, k in enumerate(sorted(k for k, ds in seen.items() if len(ds) >= min_count))}


def _matrix(X: list[dict], vocab: dict[str, int]):
    import numpy as np
    from scipy import sparse

    indptr, indices, data = [0], [], []
    for f in X:
        for k, v in f.items():
            j = vocab.get(k)
            if j is not None:
                indices.append(j)
                data.append(v)
        indptr.append(len(indices))
    return sparse.csr_matrix((np.array(data, dtype=float), np.array(indices, dtype=np.int32),
                              np.array(indptr, dtype=np.int64)), shape=(len(X), len(vocab)))


def _fit_softmax(rows: Rows, C: float, min_count: int) -> tuple[float, dict[str, float]]:
    """(null score, weights) of the conditional logit over the rows' groups."""
    import numpy as np
    from scipy.optimize import minimize

    vocab = _vocabulary(rows.X, rows.docs, min_count)
    order = sorted(range(len(rows.X)), key=lambda i: rows.groups[i])
    X = [rows.X[i] for i in order]
    y = np.array([rows.y[i] for i in order], dtype=float)
    gs = [rows.groups[i] for i in order]
    M = _matrix(X, vocab)
    starts = np.array([i for i in range(len(gs)) if i == 0 or gs[i] != gs[i - 1]], dtype=np.int64)
    sizes = np.diff(np.append(starts, len(gs)))
    gid = np.repeat(np.arange(len(starts)), sizes)
    has_pos = np.add.reduceat(y, starts) > 0
    d = M.shape[1]

    def loss_grad(theta):
        w, beta = theta[:d], theta[d]
        s = M @ w if d else np.zeros(len(gs))
        mx = np.maximum(np.maximum.reduceat(s, starts), beta)
        e = np.exp(s - mx[gid])
        en = np.exp(beta - mx)
        zsum = np.add.reduceat(e, starts) + en
        logz = mx + np.log(zsum)
        p = e / zsum[gid]
        pn = en / zsum
        # the gold side: the right candidates of a group, or "none"
        ep = e * y
        psum = np.add.reduceat(ep, starts)
        with np.errstate(divide="ignore"):
            logp = np.where(has_pos, mx + np.log(np.where(has_pos, psum, 1.0)), beta)
        q = np.where(has_pos[gid], ep / np.where(has_pos, psum, 1.0)[gid], 0.0)
        qn = (~has_pos).astype(float)
        nll = float(np.sum(logz - logp))
        reg = 0.5 / C * float(w @ w)
        gw = (M.T @ (p - q) if d else np.zeros(0)) + w / C
        gb = float(np.sum(pn - qn))
        return nll + reg, np.append(gw, gb)

    res = minimize(loss_grad, np.zeros(d + 1), jac=True, method="L-BFGS-B", options={"maxiter": 500})
    w = res.x[:d]
    names = sorted(vocab, key=vocab.get)
    weights = {n: float(v) for n, v in zip(names, w) if abs(v) > 1e-6}
    return float(res.x[d]), weights


def _fit_binary(rows: Rows, C: float, min_count: int) -> tuple[float, dict[str, float]]:
    """(bias, weights) of a plain logistic regression, or a constant model for one class."""
    from sklearn.linear_model import LogisticRegression

    y = rows.y
    if len(set(y)) < 2:
        p = min(max(sum(y) / max(1, len(y)), 1e-3), 1 - 1e-3)
        return math.log(p / (1 - p)), {}
    vocab = _vocabulary(rows.X, rows.docs, min_count)
    clf = LogisticRegression(C=C, solver="liblinear", max_iter=2000)
    clf.fit(_matrix(rows.X, vocab), y)
    names = sorted(vocab, key=vocab.get)
    return float(clf.intercept_[0]), {n: float(v) for n, v in zip(names, clf.coef_[0]) if abs(v) > 1e-6}


def _platt(z: list[float], y: list[int]) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    if len(set(y)) < 2:
        return 1.0, 0.0
    clf = LogisticRegression(C=1e4, solver="lbfgs")
    clf.fit([[v] for v in z], y)
    return float(clf.coef_[0][0]), float(clf.intercept_[0])


def _threshold(task: str, probs: list[float], y: list[int], groups: list[str], has_gold: dict[str, bool],
               keys: list[str] | None = None) -> float:
    """The threshold that maximizes F1 of the decoder's decisions out of fold,
    counted as the decoder keeps them: one decision per group, and one value
    per identity in a document (a value mentioned three times is one item)."""
    if task in ATTR_TASKS:
        return ATTR_THRESHOLD
    keys = keys or groups
    best_in: dict[str, tuple[float, int, str]] = {}
    for p, lab, g, k in zip(probs, y, groups, keys):
        if g not in best_in or p > best_in[g][0]:
            best_in[g] = (p, lab, k)
    pos_key: dict[str, tuple[float, str]] = {}
    for p, lab, g, k in zip(probs, y, groups, keys):
        if lab == 1 and (g not in pos_key or p > pos_key[g][0]):
            pos_key[g] = (p, k)
    positives = {k for _, k in pos_key.values()}
    if task in SLOT_TASKS:
        positives = {g for g in best_in if has_gold.get(g)}
    # a group's decision, by the identity of its best value: kept once
    decisions: dict[str, tuple[float, int]] = {}
    for g, (p, lab, k) in best_in.items():
        key = g if task in SLOT_TASKS else k
        if key not in decisions or p > decisions[key][0]:
            decisions[key] = (p, lab)
    grid = [i / 100 for i in range(10, 91, 2)]
    f1s = []
    for t in grid:
        tp = fp = 0
        for p, lab in decisions.values():
            if p >= t:
                if lab == 1:
                    tp += 1
                else:
                    fp += 1
        fn = max(0, len(positives) - tp)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    # the F1 curve of a few hundred decisions is jagged: pick the middle of its
    # best plateau (F1 averaged over +-0.06) rather than its highest tooth
    smooth = [sum(f1s[max(0, i - 3):i + 4]) / len(f1s[max(0, i - 3):i + 4]) for i in range(len(grid))]
    best_t = grid[max(range(len(grid)), key=lambda i: (smooth[i], -abs(grid[i] - 0.5)))]
    return best_t


def _uncalibrated(tm: TaskModel, rows: Rows, idx: list[int]) -> list[float]:
    """The task model's raw scores of rows ``idx``: the log-odds of the
    candidate's share of its group (softmax) or its logit (binary)."""
    if tm.kind == "binary":
        return [tm.raw(rows.X[i]) for i in idx]
    by_group: dict[str, list[int]] = defaultdict(list)
    for i in idx:
        by_group[rows.groups[i]].append(i)
    out = {}
    for g, ii in by_group.items():
        for i, p in zip(ii, group_probs(tm, [rows.X[i] for i in ii])):
            p = min(max(p, 1e-9), 1 - 1e-9)
            out[i] = math.log(p / (1 - p))
    return [out[i] for i in idx]


def fit_task(examples: list[Example], task: str, folds: int = 5, min_count: int = 2,
             drop: tuple[str, ...] = (), C: float | None = None, learner: str | None = None,
             rule_dropout: float | None = None) -> TaskModel | None:
    drop = drop + TASK_DROP.get(task, ())
    rows = _rows(examples, task, drop, RULE_DROPOUT if rule_dropout is None else rule_dropout)
    if not rows.X:
        return None
    C = C if C is not None else C_DEFAULT
    learner = learner or LEARNER
    fit_raw = _fit_softmax if learner == "softmax" else _fit_binary
    has_gold: dict[str, bool] = {}
    if task in SLOT_TASKS:
        key = task.split(".", 1)[1]
        for g, d in zip(rows.groups, rows.docs):
            has_gold[g] = (examples[d].gold.get("meeting") or {}).get(key) not in (None, "")
    ndocs = len(examples)
    k = max(2, min(folds, ndocs))
    z = [0.0] * len(rows.X)
    for fo in range(k):
        tr = [i for i, d in enumerate(rows.docs) if d % k != fo]
        te = [i for i, d in enumerate(rows.docs) if d % k == fo]
        if not tr or not te:
            continue
        sub = Rows([rows.X[i] for i in tr], [rows.y[i] for i in tr], [rows.docs[i] for i in tr],
                   [rows.groups[i] for i in tr], [rows.keys[i] for i in tr])
        b, w = fit_raw(sub, C, min_count)
        tm = TaskModel(b, w, kind=learner)
        for i, v in zip(te, _uncalibrated(tm, rows, te)):
            z[i] = v
    a, bb = _platt(z, rows.y)
    probs = [1 / (1 + math.exp(-(a * v + bb))) for v in z]
    thr = _threshold(task, probs, rows.y, rows.groups, has_gold, rows.keys)
    b, w = fit_raw(rows, C, min_count)
    return TaskModel(b, w, (a, bb), thr, kind=learner, drop=TASK_DROP.get(task, ()))


def fit(examples: list[Example], tasks: Iterable[str] = TASKS, folds: int = 5, min_count: int = 3,
        drop: tuple[str, ...] = (), meta: dict[str, Any] | None = None, learner: str | None = None,
        C: float | None = None) -> Model:
    """A model for every task that has labeled candidates in ``examples``."""
    models = {}
    for task in tasks:
        tm = fit_task(examples, task, folds, min_count, drop, C=C, learner=learner)
        if tm is not None:
            models[task] = tm
    origins = Counter(ex.origin for ex in examples)
    info = {"trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "documents": len(examples), "documents_by_origin": dict(origins),
            "candidates": sum(len(ex.candidates) for ex in examples),
            "learner": ("conditional logistic regression (softmax over each group's candidates and 'none')"
                        if (learner or LEARNER) == "softmax" else "logistic regression")
            + f", L2 C={C if C is not None else C_DEFAULT}; Platt-calibrated on out-of-fold scores",
            "min_count": min_count, "dropped_features": list(drop), "null_feature": NULL}
    info.update(meta or {})
    return Model(models, info)
