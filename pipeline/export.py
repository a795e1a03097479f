"""Exports: JSON per document in the SCHEMA.md format, CSV per field, gold records.

Reviewed values come first: the latest reviewer decision on an item wins
over the machine suggestion, rejected items are left out, added items are in
(see ``store.repo.effective_items``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.model import FIELDS
from pipeline.records import to_record
from pipeline.store import repo
from pipeline.store.models import Document


def documents(session: Session, reviewed_only: bool = False) -> Iterator[Document]:
    q = select(Document).where(Document.status == "done").order_by(Document.id)
    if reviewed_only:
        q = q.where(Document.review_state == "reviewed")
    yield from session.scalars(q)


def record_for(session: Session, doc: Document, reviewed_only: bool = False, extra: bool = True) -> dict[str, Any]:
    items = repo.effective_items(session, doc, reviewed_only=reviewed_only)
    rec = to_record(doc.filename, items, extra=extra)
    if extra:
        rec["_document"] = {"id": doc.id, "sha256": doc.sha256, "format": doc.format, "pages": doc.pages,
                            "review_state": doc.review_state, "extractor_versions": doc.extractor_versions}
    return rec


def _stem_names(docs: list[Document]) -> dict[int, str]:
    """File stem per document; a stem shared by several contents gets the sha prefix."""
    stems: dict[str, list[Document]] = {}
    for d in docs:
        stems.setdefault(Path(d.filename).stem, []).append(d)
    out = {}
    for stem, ds in stems.items():
        for d in ds:
            out[d.id] = stem if len(ds) == 1 else f"{stem}.{d.sha256[:8]}"
    return out


def export_json(session: Session, out: Path, reviewed_only: bool = False, gold: bool = False) -> int:
    """One JSON file per document; ``gold`` writes reviewed documents as bare gold records."""
    out.mkdir(parents=True, exist_ok=True)
    docs = list(documents(session, reviewed_only=reviewed_only or gold))
    names = _stem_names(docs)
    for d in docs:
        rec = record_for(session, d, reviewed_only=reviewed_only or gold, extra=not gold)
        (out / f"{names[d.id]}.json").write_text(json.dumps(rec, ensure_ascii=False, indent=2), encoding="utf-8")
    return len(docs)


CSV_COLUMNS = {
    "meeting": ["date", "title", "organizer", "location"],
    "themes": ["text", "year"],
    "pledges": ["value", "kind", "unit", "subject", "total"],
    "models": ["name", "organization"],
    "references": ["type", "number", "date"],
    "people": ["name", "roles"],
}


def export_csv(session: Session, out: Path, reviewed_only: bool = False) -> int:
    """One CSV file per field (UTF-8 with BOM so Excel shows Vietnamese), a row per item."""
    out.mkdir(parents=True, exist_ok=True)
    writers, handles = {}, []
    for f in FIELDS:
        fh = open(out / f"{f}.csv", "w", encoding="utf-8-sig", newline="")
        handles.append(fh)
        w = csv.writer(fh)
        w.writerow(["document", "document_id", *CSV_COLUMNS[f], "state", "confidence", "start", "end", "page", "evidence"])
        writers[f] = w
    n = 0
    try:
        for d in documents(session, reviewed_only=reviewed_only):
            n += 1
            for it in repo.effective_items(session, d, reviewed_only=reviewed_only):
                v = it["value"] or {}
                cols = ["; ".join(v.get(c) or []) if c == "roles" else v.get(c) for c in CSV_COLUMNS[it["field"]]]
                writers[it["field"]].writerow([d.filename, d.id, *cols, it["state"], it["confidence"], it["start"],
                                               it["end"], it["page"], it["evidence"]])
    finally:
        for fh in handles:
            fh.close()
    return n
