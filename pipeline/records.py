"""Items -> one record in the SCHEMA.md format (the export and scoring shape)."""

from __future__ import annotations

from typing import Any

from pipeline.model import FIELDS

EMPTY_MEETING = {"date": None, "title": None, "organizer": None, "location": None}


def to_record(source: str, items: list[Any], extra: bool = True) -> dict[str, Any]:
    """Build a record from items (``Item`` objects or dicts with field/value).

    With ``extra``, each value also carries its span, confidence and, where
    known, its review state (the scorer ignores extra keys).
    """
    rec: dict[str, Any] = {"source": source, "meeting": dict(EMPTY_MEETING)}
    for f in FIELDS:
        if f != "meeting":
            rec[f] = []
    for it in sorted(items, key=lambda i: _get(i, "start") or 0):
        field = _get(it, "field")
        value = dict(_get(it, "value") or {})
        if extra:
            for k in ("start", "end", "confidence", "state", "page"):
                v = _get(it, k)
                if v is not None:
                    value[f"_{k}"] = v
        if field == "meeting":
            rec["meeting"].update({k: v for k, v in value.items() if not k.startswith("_")})
            if extra:
                rec["meeting"].update({k: v for k, v in value.items() if k.startswith("_")})
        elif field in rec:
            rec[field].append(value)
    return rec


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(key)
    return getattr(obj, key, None)
