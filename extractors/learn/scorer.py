"""The trained model: one logistic regression per task, kept as plain JSON.

``model.json`` holds, per task, the bias and the weight of every feature the
learner kept, a Platt calibration (``a``, ``b``: confidence =
sigmoid(a·z + b) for the raw score z, fitted on held-out folds) and the
decision threshold on that confidence; plus what it was trained on. It is
data, readable and diffable; no pickle. Loading it is reading a JSON file.

Which model is used, first found wins:

1. ``--model DIR`` on a command, or ``MINUTES_MODEL_DIR``;
2. the model ``minutes train`` wrote into the state folder
   (``$MINUTES_STATE_DIR/model/model.json``);
3. the model shipped in the repository (``extractors/learn/shipped/``),
   trained on ../shared/eval/dev without the set-aside documents.

Its hash (of the weights, not of the file) is part of every extractor's
version, so a new model re-extracts stored documents; reviewer decisions are
kept apart and are never touched by it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extractors.learn.candidates import Candidate

FORMAT = "minutes-model/1"
SHIPPED_DIR = Path(__file__).parent / "shipped"
MODEL_FILE = "model.json"


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


NULL = "<none>"  # the name under which a softmax task's "none of them" score is explained


@dataclass
class TaskModel:
    """One task's scorer. ``kind`` "softmax": a candidate's probability is its
    share of its group against the others and "none" (whose score is
    ``bias``); "binary": each candidate on its own (``bias`` + weights)."""

    bias: float
    weights: dict[str, float]
    platt: tuple[float, float] = (1.0, 0.0)
    threshold: float = 0.5
    kind: str = "softmax"
    drop: tuple[str, ...] = ()  # feature prefixes this task was trained without

    def raw(self, feats: dict[str, float]) -> float:
        w = self.weights
        base = self.bias if self.kind == "binary" else 0.0
        return base + sum(v * w.get(k, 0.0) for k, v in feats.items() if not (self.drop and k.startswith(self.drop)))

    def calibrate(self, z: float) -> float:
        a, b = self.platt
        return sigmoid(a * z + b)

    def prob(self, feats: dict[str, float]) -> float:
        """A lone candidate's confidence (a group of one)."""
        if self.kind == "binary":
            return self.calibrate(self.raw(feats))
        return self.probs([feats])[0]

    def probs(self, group: list[dict[str, float]]) -> list[float]:
        """Calibrated confidences of the candidates of one group."""
        if self.kind == "binary":
            return [self.calibrate(self.raw(f)) for f in group]
        out = []
        for p in group_probs(self, group):
            p = min(max(p, 1e-9), 1 - 1e-9)
            out.append(self.calibrate(math.log(p / (1 - p))))
        return out

    def explain(self, feats: dict[str, float], k: int = 4) -> dict[str, list[tuple[str, float]]]:
        """The features that weighed most for and against a candidate."""
        contrib = [(f, v * self.weights.get(f, 0.0)) for f, v in feats.items()]
        if self.kind == "softmax":  # the rival every candidate has: "none of them"
            contrib.append((NULL, -self.bias))
        contrib = [(f, round(c, 3)) for f, c in contrib if abs(c) > 1e-6]
        pos = sorted((x for x in contrib if x[1] > 0), key=lambda x: -x[1])[:k]
        neg = sorted((x for x in contrib if x[1] < 0), key=lambda x: x[1])[:k]
        return {"for": pos, "against": neg}

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "drop": list(self.drop), "bias": round(self.bias, 6), "platt": [round(self.platt[0], 6), round(self.platt[1], 6)],
                "threshold": round(self.threshold, 4),
                "weights": {k: round(v, 6) for k, v in sorted(self.weights.items()) if abs(v) >= 1e-6}}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> TaskModel:
        return cls(float(d["bias"]), {k: float(v) for k, v in d["weights"].items()},
                   tuple(d.get("platt", (1.0, 0.0))), float(d.get("threshold", 0.5)), d.get("kind", "binary"),
                   tuple(d.get("drop", ())))


def group_probs(tm: TaskModel, group: list[dict[str, float]]) -> list[float]:
    """Uncalibrated softmax shares of a group's candidates against each other
    and "none" (score ``tm.bias``)."""
    scores = [tm.raw(f) for f in group]
    mx = max(scores + [tm.bias])
    es = [math.exp(x - mx) for x in scores]
    z = sum(es) + math.exp(tm.bias - mx)
    return [e / z for e in es]


@dataclass
class Model:
    tasks: dict[str, TaskModel]
    meta: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def hash(self) -> str:
        body = json.dumps({k: t.to_json() for k, t in sorted(self.tasks.items())}, sort_keys=True,
                          ensure_ascii=False)
        return hashlib.sha256(body.encode("utf-8")).hexdigest()[:12]

    def score(self, cands: list[Candidate]) -> None:
        """Set ``prob`` on every candidate (None for a task the model lacks)."""
        from extractors.learn import ATTR_TASKS

        groups: dict[tuple[str, str], list[Candidate]] = {}
        for c in cands:
            groups.setdefault((c.task, (c.parent or "") if c.task in ATTR_TASKS else c.group), []).append(c)
        for (task, _g), cs in groups.items():
            t = self.tasks.get(task)
            if t is None:
                for c in cs:
                    c.prob = None
                continue
            for c, p in zip(cs, t.probs([c.feats for c in cs])):
                c.prob = p

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "hash": self.hash, "meta": self.meta,
                "tasks": {k: t.to_json() for k, t in sorted(self.tasks.items())}}

    def save(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / MODEL_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=0, sort_keys=False) + "\n",
                       encoding="utf-8")
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, directory: Path) -> Model:
        path = directory / MODEL_FILE if directory.is_dir() else directory
        d = json.loads(path.read_text(encoding="utf-8"))
        if d.get("format") != FORMAT:
            raise ValueError(f"{path}: not a minutes model (format {d.get('format')!r})")
        return cls({k: TaskModel.from_json(v) for k, v in d["tasks"].items()}, d.get("meta") or {}, path)


def state_model_dir() -> Path:
    return Path(os.environ.get("MINUTES_STATE_DIR", "output/state")) / "model"


def model_dir() -> Path | None:
    """The folder of the model in use (see the module's docstring), or None."""
    env = os.environ.get("MINUTES_MODEL_DIR")
    if env:
        return Path(env)
    trained = state_model_dir()
    if (trained / MODEL_FILE).exists():
        return trained
    if (SHIPPED_DIR / MODEL_FILE).exists():
        return SHIPPED_DIR
    return None


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> Model:
    return Model.load(Path(path))


def current_model() -> Model | None:
    """The model in use, loaded once per file version; None when there is none
    (then the rule extractors' items are used as they are)."""
    d = model_dir()
    if d is None:
        return None
    path = d / MODEL_FILE if d.is_dir() or not d.suffix else d
    if not path.exists():
        raise FileNotFoundError(f"no model at {path} (MINUTES_MODEL_DIR or --model names a folder holding {MODEL_FILE})")
    return _load_cached(str(path.resolve()), path.stat().st_mtime)
