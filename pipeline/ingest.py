"""Ingest one file: read, analyze, store — idempotently.

``ingest_file`` is the unit of work the flows orchestrate. A file whose bytes
are already stored with the current extractor versions is skipped
("unchanged"); the same bytes under another name are a "duplicate" (one
document, the new path remembered); stored bytes with older extractor
versions are re-extracted from their stored blocks ("reextracted"); a file
that cannot be read is stored as a failed document with its reason. Every
outcome is committed in one transaction, so a crash mid-batch leaves each
file either fully stored or absent, and a re-run completes the rest without
duplicates.
"""

from __future__ import annotations

import hashlib
import os
import random
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from pipeline.model import ReadError
from pipeline.readers import DEFAULT_MAX_BYTES, read_bytes, sniff
from pipeline.store import repo
from pipeline.store.models import Document, Item, SourceFile, now

SUPPORTED_SUFFIXES = {".txt", ".md", ".docx", ".doc", ".pdf", ".rtf"}
IGNORED_PREFIXES = ("~$", ".~lock.", ".")
IGNORED_SUFFIXES = {".tmp", ".part", ".crdownload", ".partial", ".error.txt"}


@dataclass
class Outcome:
    path: str
    status: str  # done | unchanged | duplicate | reextracted | failed
    sha256: str | None = None
    document_id: int | None = None
    reason: str | None = None
    error_kind: str | None = None
    items: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    chars: int = 0
    pages: int | None = None
    cut: str | None = None  # what a limit left out of the document (OCR pages), one sentence

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def to_dict(self) -> dict:
        return asdict(self)


def is_candidate(path: Path) -> bool:
    """Files a folder sweep picks up: not hidden, not Office lock files or partial downloads."""
    name = path.name
    if name.startswith(IGNORED_PREFIXES):
        return False
    lname = name.lower()
    return not any(lname.endswith(s) for s in IGNORED_SUFFIXES)


def collect(paths: list[str | Path]) -> list[Path]:
    """Files named, and the candidate files below folders named, sorted, each once."""
    seen: dict[str, Path] = {}
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and is_candidate(f) and not any(part.startswith(".") for part in f.relative_to(p).parts):
                    seen.setdefault(str(f.resolve()), f)
        elif p.exists():
            seen.setdefault(str(p.resolve()), p)
        else:
            raise FileNotFoundError(f"No such file or folder: {p}")
    return list(seen.values())


def _count(items) -> dict[str, int]:
    return dict(Counter(i.field for i in items))


def ingest_file(path: str | Path, sessions: sessionmaker[Session], *, versions: str | None = None,
                max_bytes: int = DEFAULT_MAX_BYTES, force: bool = False) -> Outcome:
    """Ingest one file; never raises for a bad file (returns a failed Outcome)."""
    from extractors import version_tag
    from pipeline.process import analyze

    t0 = time.perf_counter()
    path = Path(path)
    versions = versions or version_tag()
    try:
        before = os.stat(path)
        size = before.st_size
        if size > max_bytes:
            raise ReadError(f"The file is too large ({size / 2**20:.0f} MB; the limit is {max_bytes / 2**20:.0f} MB).",
                            "too_large")
        data = path.read_bytes()
        stat = _stable_stat(path, before, len(data))
    except ReadError as err:
        return _fail(sessions, path, _file_sha256(path), size, err, t0)
    except OSError as err:
        return Outcome(str(path), "failed", reason=f"The file cannot be opened: {err.strerror or err}.",
                       error_kind="unreadable", seconds=time.perf_counter() - t0)
    sha = hashlib.sha256(data).hexdigest()
    return _ingest_bytes(path, data, sha, sessions, versions, force, t0, analyze, stat)


#: A file modified less than this before it was read may be modified again within the same tick of its
#: file system's clock, its size unchanged: its size and time are then not trusted to recognise it.
RACY_NS = 2_000_000_000


def _stable_stat(path: Path, before: os.stat_result, n_read: int) -> tuple[int, int] | None:
    """(size, mtime in ns) of the bytes just read, when they identify them: unchanged while reading,
    and not modified within the last moments."""
    try:
        after = os.stat(path)
    except OSError:
        return None
    same = (before.st_size, before.st_mtime_ns, before.st_ino) == (after.st_size, after.st_mtime_ns, after.st_ino)
    if not same or after.st_size != n_read or time.time_ns() - after.st_mtime_ns < RACY_NS:
        return None
    return after.st_size, after.st_mtime_ns


#: attempts at a database step before the error is raised (another writer, a dropped connection)
ATTEMPTS = 6


def _retrying(step):
    """Run a short database step, again after an IntegrityError (another process stored the same
    row meanwhile: the next attempt sees it) or an OperationalError (locked, deadlock, connection
    lost), with a growing, jittered pause."""
    for attempt in range(ATTEMPTS):
        try:
            return step()
        except (IntegrityError, OperationalError):
            if attempt == ATTEMPTS - 1:
                raise
            time.sleep(random.uniform(0.05, 0.25) * (attempt + 1))
    raise AssertionError("unreachable")


def _is_current(doc, versions: str, force: bool) -> bool:
    return doc is not None and not force and doc.status == "done" and doc.extractor_versions == versions


def _locked_document(session: Session, sha: str):
    """The document row for ``sha``, locked until the transaction ends (PostgreSQL; SQLite
    serializes writers by itself)."""
    return session.scalar(select(Document).where(Document.sha256 == sha).with_for_update())


def _seen(session: Session, doc, path: Path, sha: str, t0: float, stat: tuple[int, int] | None = None) -> Outcome:
    is_dup = repo.record_file(session, doc, path, stat)
    session.commit()
    return Outcome(str(path), "duplicate" if is_dup else "unchanged", sha, doc.id,
                   items=_count(repo.active_items(session, doc.id)),
                   seconds=time.perf_counter() - t0, chars=len(doc.text or ""), pages=doc.pages)


def _seen_unchanged(session: Session, row, path: Path, sha: str, t0: float, stat: tuple[int, int] | None) -> Outcome:
    """``_seen`` for a row of columns: the path recorded (or its last_seen bumped), items counted in SQL."""
    resolved = str(path.resolve())
    sf_id = session.scalar(select(SourceFile.id).where(SourceFile.document_id == row.id, SourceFile.path == resolved))
    if sf_id is not None:
        session.execute(update(SourceFile).where(SourceFile.id == sf_id).values(last_seen=now()))
    else:
        session.add(SourceFile(document_id=row.id, path=resolved, name=path.name))
    if stat is not None and (row.files or {}).get(resolved) != list(stat):
        # the next run recognises this file without reading it
        meta = session.scalar(select(Document.meta).where(Document.id == row.id))
        session.execute(update(Document).where(Document.id == row.id)
                        .values(meta=repo.remember_stat(meta, resolved, stat)))
    session.commit()
    items = dict(session.execute(select(Item.field, func.count()).where(Item.document_id == row.id,
                                                                        Item.active.is_(True))
                                 .group_by(Item.field)).all())
    return Outcome(str(path), "unchanged" if sf_id is not None else "duplicate", sha, row.id, items=items,
                   seconds=time.perf_counter() - t0, chars=row[4] or 0, pages=row.pages)


def _ingest_bytes(path, data, sha, sessions, versions, force, t0, analyze, stat=None) -> Outcome:
    """Look (short transaction), analyze (no transaction open: it takes seconds), then write
    with the document's row locked and its state checked again: two processes given the same
    bytes at once store one document, and the later one records its path."""

    def look():
        with sessions() as session:
            # columns only: an unchanged file (the common case of a nightly sweep) never loads the
            # stored text, blocks and items
            row = session.execute(select(Document.id, Document.status, Document.extractor_versions, Document.pages,
                                         func.length(Document.text), Document.meta["files"].label("files"))
                                  .where(Document.sha256 == sha)).first()
            if row is None or force:
                return None, None
            if row.status == "done" and row.extractor_versions == versions:
                return _seen_unchanged(session, row, path, sha, t0, stat), None
            doc = session.get(Document, row.id)
            if doc.status == "done" and doc.blocks:
                return None, repo.source_blocks(doc)
            return None, None

    done, stored = _retrying(look)
    if done is not None:
        return done
    status = "reextracted" if stored is not None else "done"
    try:
        source = stored if stored is not None else read_bytes(data, path.name)
        a = analyze(source)
    except ReadError as err:
        return _fail(sessions, path, sha, len(data), err, t0, data, versions)
    except Exception as err:  # a reader or extractor bug must not stop the batch
        return _fail(sessions, path, sha, len(data),
                     ReadError(f"The file could not be processed ({type(err).__name__}: {err}).", "error"), t0, data,
                     versions)

    def write():
        with sessions() as session:
            doc = _locked_document(session, sha)
            if _is_current(doc, versions, force=False) and not force:
                return _seen(session, doc, path, sha, t0, stat)  # another process stored it meanwhile
            doc = repo.save_analysis(session, sha, path, len(data), source, a.text, a.items, versions, stat)
            session.commit()
            return Outcome(str(path), status, sha, doc.id, items=_count(a.items), seconds=time.perf_counter() - t0,
                           chars=len(a.text.text), pages=source.pages,
                           cut=(source.metadata.get("ocr_cut") or {}).get("note"))

    return _retrying(write)


def _fail(sessions, path: Path, sha: str | None, size: int, err: ReadError, t0: float,
          data: bytes | None = None, versions: str | None = None) -> Outcome:
    sha = sha or hashlib.sha256(data or b"").hexdigest()
    fmt = None
    if data:
        try:
            fmt = sniff(data, path.name)
        except ReadError:
            pass

    def write():
        with sessions() as session:
            doc = _locked_document(session, sha)
            if versions and _is_current(doc, versions, force=False):
                return _seen(session, doc, path, sha, t0)  # another process read it: keep its result
            doc = repo.save_failure(session, sha, path, size, err.reason, err.kind, fmt)
            session.commit()
            return Outcome(str(path), "failed", sha, doc.id, reason=err.reason, error_kind=err.kind,
                           seconds=time.perf_counter() - t0)

    return _retrying(write)


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def unchanged_by_stat(paths: list[str], db_url: str, versions: str) -> tuple[list[dict], list[str]]:
    """Split ``paths`` into files recognised as unchanged without opening them, and the rest.

    A file is unchanged when its path, size and modification time are those recorded when it was
    last read or hashed (``Document.meta["files"]``), and its document is stored with the current
    extractor versions. Its ``last_seen`` is bumped like any unchanged file's. Anything else (a new
    path, another size or time, a failed or older document) goes through ``ingest_file``, where the
    content hash decides. Returns (the outcomes as dicts, the other paths in their order)."""
    from pipeline.store import open_store

    t0 = time.perf_counter()
    stats: dict[str, tuple[str, int, int]] = {}
    for p in paths:
        try:
            st = os.stat(p)
        except OSError:
            continue
        stats[str(Path(p).resolve())] = (p, st.st_size, st.st_mtime_ns)
    known: dict[str, tuple] = {}
    out: list[dict] = []
    sessions = open_store(db_url)
    with sessions() as session:
        keys = list(stats)
        for i in range(0, len(keys), 500):
            q = (select(SourceFile.id.label("file_id"), SourceFile.path, Document.id.label("doc_id"), Document.sha256,
                        Document.size, Document.status, Document.extractor_versions, Document.pages,
                        func.length(Document.text).label("chars"), Document.meta["files"].label("files"))
                 .join(Document, Document.id == SourceFile.document_id).where(SourceFile.path.in_(keys[i:i + 500])))
            for r in session.execute(q):
                _given, size, mtime = stats[r.path]
                if (r.status == "done" and r.extractor_versions == versions and r.size == size
                        and (r.files or {}).get(r.path) == [size, mtime]):
                    known[r.path] = r
        if known:
            file_ids = [r.file_id for r in known.values()]
            for i in range(0, len(file_ids), 500):
                session.execute(update(SourceFile).where(SourceFile.id.in_(file_ids[i:i + 500])).values(last_seen=now()))
            doc_ids = sorted({r.doc_id for r in known.values()})
            counts: dict[int, dict[str, int]] = {}
            for i in range(0, len(doc_ids), 500):
                for doc_id, fld, n in session.execute(
                        select(Item.document_id, Item.field, func.count())
                        .where(Item.document_id.in_(doc_ids[i:i + 500]), Item.active.is_(True))
                        .group_by(Item.document_id, Item.field)):
                    counts.setdefault(doc_id, {})[fld] = n
            session.commit()
            each = (time.perf_counter() - t0) / len(known)
            for key, r in known.items():
                out.append(Outcome(stats[key][0], "unchanged", r.sha256, r.doc_id, items=counts.get(r.doc_id, {}),
                                   seconds=each, chars=r.chars or 0, pages=r.pages).to_dict())
    skipped = {stats[k][0] for k in known}
    return out, [p for p in paths if p not in skipped]


def ingest_paths(paths: list[str], db_url: str, limit: int = DEFAULT_MAX_BYTES, force: bool = False) -> list[dict]:
    """Ingest a batch of files into the database at ``db_url``; the outcomes as dicts.

    What a worker process runs: it needs no Prefect (a worker imports only the pipeline)."""
    from extractors import version_tag
    from pipeline.store import open_store

    sessions = open_store(db_url)
    versions = version_tag()
    return [ingest_file(p, sessions, versions=versions, max_bytes=limit, force=force).to_dict() for p in paths]


#: What a worker process imports before it forks off (forkserver preload): everything a batch needs.
WORKER_MODULES = ["pipeline.ingest", "pipeline.process", "pipeline.nlp", "pipeline.normalize", "extractors",
                  "pipeline.store", "pipeline.store.repo", "pipeline.readers", "pipeline.readers.pdf_reader",
                  "pipeline.readers.docx_reader", "pipeline.readers.txt_reader", "spacy", "underthesea"]


def warm_worker() -> None:
    """Load the extractors and the segmenter's model once per worker process (not per batch)."""
    try:
        from extractors import load_all
        from pipeline.nlp import make_doc

        load_all()
        make_doc("Hội nghị lần thứ 8.")
    except Exception:  # noqa: BLE001 - a warm-up never stops a worker; the batch reports real errors
        pass


def worker_ready(delay: float = 0.0) -> int:
    """A no-op a worker process runs to show it has started (and warmed up); its pid."""
    time.sleep(delay)
    return os.getpid()


def summarize(outcomes: list[Outcome]) -> dict:
    """Counts for a run: files, by status, failures with reasons, items per field."""
    status = Counter(o.status for o in outcomes)
    items: Counter[str] = Counter()
    for o in outcomes:
        if o.status in ("done", "reextracted"):
            items.update(o.items)
    return {
        "files": len(outcomes),
        "status": dict(status),
        "failed": [{"path": o.path, "reason": o.reason} for o in outcomes if o.status == "failed"],
        "cut": [{"path": o.path, "note": o.cut} for o in outcomes if o.cut],
        "items": dict(items),
        "chars": sum(o.chars for o in outcomes),
        "seconds": round(sum(o.seconds for o in outcomes), 3),
    }
