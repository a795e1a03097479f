"""Why the machine suggested a value: recomputed on demand from the stored
blocks with the model in use (``extractors.learn.run.explain_items``): the
candidate rule that proposed it, its calibrated probability against the
task's threshold, and the features that weighed most for and against it
(and the same for each attribute or meeting slot). A few documents'
explanations are kept in memory per model."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from pipeline.review.forms import ATTRS
from pipeline.store.models import Document

#: what an attribute or a meeting slot is called in the page
PART_LABELS = {"subject": next(a.label for a in ATTRS["pledges"] if a.name == "subject"),
               "organization": next(a.label for a in ATTRS["models"] if a.name == "organization"),
               **{a.name: a.label for a in ATTRS["meeting"]}}
_LOCK = threading.Lock()
_CACHE: OrderedDict[tuple[str, str], dict] = OrderedDict()
CACHE_SIZE = 32


@dataclass
class Reason:
    label: str | None  # None: the value itself; else the attribute or slot it explains
    value: Any
    rule: str | None
    probability: float | None
    threshold: float | None
    pros: list[tuple[str, float]] = field(default_factory=list)
    cons: list[tuple[str, float]] = field(default_factory=list)


@dataclass
class Why:
    """What the page shows; ``note`` (Vietnamese) when there is no explanation to give."""

    reasons: list[Reason]
    note: str | None = None
    model_hash: str | None = None
    stale: bool = False  # the stored suggestion was made by another extractor version


def _reason(label: str | None, value: Any, d: dict[str, Any]) -> Reason:
    return Reason(label, value, d.get("candidate_rule"), d.get("probability"), d.get("threshold"),
                  [tuple(x) for x in d.get("for") or []], [tuple(x) for x in d.get("against") or []])


def _explained(doc: Document, model: Any) -> dict:
    """(field, key) -> explanation, for one stored document (kept per content and model)."""
    from extractors import extract_rules
    from extractors.learn.run import explain_items
    from pipeline.nlp import make_doc
    from pipeline.normalize import normalize
    from pipeline.store import repo

    k = (doc.sha256, model.hash)
    with _LOCK:  # one computation at a time per process: it takes a second of CPU
        if k in _CACHE:
            _CACHE.move_to_end(k)
            return _CACHE[k]
        text = normalize(repo.source_blocks(doc).blocks)
        nlp_doc = make_doc(text.text)
        table = explain_items(nlp_doc, text, extract_rules(nlp_doc, text), model)
        _CACHE[k] = table
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
        return table


def explain(doc: Document, field_name: str, key: str, item_version: str | None = None) -> Why:
    """Why the item (field, key) of a stored document was suggested."""
    from extractors import versions
    from extractors.learn.scorer import current_model

    try:
        model = current_model()
    except (FileNotFoundError, ValueError):
        model = None
    if model is None:
        return Why([], "Chưa có mô hình huấn luyện: các mục do quy tắc trích xuất, không có điểm đặc trưng để giải thích.")
    if not doc.blocks:
        return Why([], "Tài liệu này không còn các khối văn bản đã lưu để tính lại.")
    table = _explained(doc, model)
    stale = bool(item_version) and item_version != versions().get(field_name)
    why = table.get((field_name, key))
    if why is None:
        return Why([], "Mô hình hiện tại không gợi ý mục này nữa (mục do một phiên bản trước gợi ý); "
                       "lần trích xuất lại sau sẽ cập nhật.", model.hash, stale)
    reasons = []
    if why.get("candidate_rule") is not None:
        reasons.append(_reason(None, None, why))
    for name, d in (why.get("attributes") or {}).items():
        reasons.append(_reason(PART_LABELS.get(name, name), d.get("value"), d))
    return Why(reasons, None, model.hash, stale)
