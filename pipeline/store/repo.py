"""Store operations used by ingest, show and export (plain functions over a Session)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pipeline import model
from pipeline.store.models import Decision, Document, Item, SourceFile, now


def document_by_sha(session: Session, sha256: str) -> Document | None:
    return session.scalar(select(Document).where(Document.sha256 == sha256))


def find_document(session: Session, ref: str) -> Document | None:
    """A document by id, sha256 (or a prefix of 8+), file name or path."""
    if ref.isdigit():
        doc = session.get(Document, int(ref))
        if doc:
            return doc
    if len(ref) >= 8 and all(c in "0123456789abcdef" for c in ref.lower()):
        doc = session.scalar(select(Document).where(Document.sha256.startswith(ref.lower())))
        if doc:
            return doc
    p = Path(ref)
    doc_id = session.scalar(select(SourceFile.document_id).where(
        (SourceFile.path == str(p.resolve())) | (SourceFile.name == p.name)).order_by(SourceFile.last_seen.desc()).limit(1))
    if doc_id:
        return session.get(Document, doc_id)
    return session.scalar(select(Document).where(Document.filename == p.name).limit(1))


def remember_stat(meta: dict[str, Any] | None, path: str, stat: tuple[int, int] | None) -> dict[str, Any] | None:
    """``meta`` with the (size, mtime in ns) of the file at ``path`` recorded under "files": what lets a
    later run recognise the file as unchanged without opening it (``pipeline.ingest.unchanged_by_stat``)."""
    if stat is None or ((meta or {}).get("files") or {}).get(path) == list(stat):
        return meta
    meta = dict(meta or {})
    meta["files"] = {**(meta.get("files") or {}), path: list(stat)}
    return meta


def record_file(session: Session, doc: Document, path: Path, stat: tuple[int, int] | None = None) -> bool:
    """Remember that ``doc``'s content was seen at ``path`` (with its size and time, ``stat``); True if
    the path is new for it."""
    resolved = str(path.resolve())
    if stat is not None:
        doc.meta = remember_stat(doc.meta, resolved, stat)
    sf = session.scalar(select(SourceFile).where(SourceFile.document_id == doc.id, SourceFile.path == resolved))
    if sf:
        sf.last_seen = now()
        return False
    session.add(SourceFile(document_id=doc.id, path=resolved, name=path.name))
    return True


def save_failure(session: Session, sha256: str, path: Path, size: int, reason: str, kind: str,
                 fmt: str | None = None) -> Document:
    doc = document_by_sha(session, sha256)
    if doc is None:
        doc = Document(sha256=sha256, filename=path.name, size=size, status="failed")
        session.add(doc)
    doc.status, doc.error, doc.error_kind, doc.format = "failed", reason, kind, fmt
    session.flush()
    record_file(session, doc, path)
    return doc


def save_analysis(session: Session, sha256: str, path: Path, size: int, source: model.SourceDoc,
                  text: model.Text, items: list[model.Item], versions: str,
                  stat: tuple[int, int] | None = None) -> Document:
    """Upsert the document and replace its active machine suggestions.

    Earlier suggestions are kept but marked inactive; decisions are untouched.
    """
    doc = document_by_sha(session, sha256)
    if doc is None:
        doc = Document(sha256=sha256, filename=path.name, size=size, status="done")
        session.add(doc)
    doc.status, doc.error, doc.error_kind = "done", None, None
    doc.format, doc.pages = source.format, source.pages
    doc.text = text.text
    doc.blocks = [b.to_dict() for b in source.blocks]
    files = (doc.meta or {}).get("files")
    doc.meta = {**source.metadata, "warnings": source.warnings, "dropped_blocks": text.dropped,
                "segments": [[s.start, s.end, s.block] for s in text.segments], **({"files": files} if files else {})}
    doc.extractor_versions = versions
    session.flush()
    session.execute(update(Item).where(Item.document_id == doc.id, Item.active.is_(True)).values(active=False))
    seen: set[tuple[str, str]] = set()
    for it in items:
        key = it.key()
        if (it.field, key) in seen:
            continue
        seen.add((it.field, key))
        session.add(Item(document_id=doc.id, field=it.field, key=key[:1024], value=it.value, start=it.start,
                         end=it.end, page=it.page, block=it.block, confidence=it.confidence,
                         evidence=it.evidence, extractor=it.extractor, version=it.version, active=True))
    record_file(session, doc, path, stat)
    return doc


def source_blocks(doc: Document) -> model.SourceDoc:
    """The stored blocks of a document, to re-extract it without its file."""
    meta = {k: v for k, v in (doc.meta or {}).items() if k not in ("warnings", "dropped_blocks", "segments", "files")}
    return model.SourceDoc(blocks=[model.Block.from_dict(b) for b in doc.blocks or []], format=doc.format or "txt",
                           pages=doc.pages, metadata=meta)


def active_items(session: Session, doc_id: int) -> list[Item]:
    return list(session.scalars(select(Item).where(Item.document_id == doc_id, Item.active.is_(True))
                                .order_by(Item.start, Item.id)))


def decisions_for(session: Session, doc_id: int) -> list[Decision]:
    return list(session.scalars(select(Decision).where(Decision.document_id == doc_id).order_by(Decision.id)))


def effective_items(session: Session, doc: Document, reviewed_only: bool = False) -> list[dict[str, Any]]:
    """The document's items as exports see them: the current reviewer decision
    on an item (``reviews``) wins over the machine suggestion, and a
    re-extraction never changes a reviewed value; rejected items are left out;
    items a reviewer added are included. Each dict has field, value, start,
    end, confidence, page, evidence and ``state`` (suggested | accepted |
    edited | added | new_since_review). ``reviewed_only`` keeps only the
    reviewed ones (accepted, edited, added)."""
    from pipeline.store.review import effective_items as _effective

    return _effective(session, doc, reviewed_only=reviewed_only)
