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


@dataclass
class TaskModel:
    bias: float
    weights: dict[str, float]
    platt: tuple[float, float] = (1.0, 0.0)
    threshold: float = 0.5

    def raw(self, feats: dict[str, float]) -> float:
        w = self.weights
        return self.bias + sum(v * w.get(k, 0.0) for k, v in feats.items())

    def prob(self, feats: dict[str, float]) -> float:
        a, b = self.platt
        return sigmoid(a * self.raw(feats) + b)

    def explain(self, feats: dict[str, float], k: int = 4) -> dict[str, list[tuple[str, float]]]:
        """The features that weighed most for and against a candidate."""
        contrib = [(f, v * self.weights.get(f, 0.0)) for f, v in feats.items()]
        contrib = [(f, round(c, 3)) for f, c in contrib if abs(c) > 1e-6]
        pos = sorted((x for x in contrib if x[1] > 0), key=lambda x: -x[1])[:k]
        neg = sorted((x for x in contrib if x[1] < 0), key=lambda x: x[1])[:k]
        return {"for": pos, "against": neg}

    def to_json(self) -> dict[str, Any]:
        return {"bias": round(self.bias, 6), "platt": [round(self.platt[0], 6), round(self.platt[1], 6)],
                "threshold": round(self.threshold, 4),
                "weights": {k: round(v, 6) for k, v in sorted(self.weights.items()) if abs(v) >= 1e-6}}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> TaskModel:
        return cls(float(d["bias"]), {k: float(v) for k, v in d["weights"].items()},
                   tuple(d.get("platt", (1.0, 0.0))), float(d.get("threshold", 0.5)))


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
        for c in cands:
            t = self.tasks.get(c.task)
            c.prob = t.prob(c.feats) if t else None

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
