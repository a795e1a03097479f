"""``minutes review import``: records in the SCHEMA.md format stored as a
reviewer's decisions, as if that reviewer had typed them in the review page.

Each JSON file is matched to a stored document by content hash (the
record's ``_document.sha256``, as ``minutes export --format json`` writes it,
or a file named by the hash) or by file name (the record's ``source``, else
the JSON file's stem against the stored files' names). Then, per field, the
record's values are paired one to one with the document's items the way the
scorer pairs them: a suggestion the record holds unchanged is accepted, one
it holds otherwise is edited, a value it holds that nobody suggested is
added, and a suggestion it does not hold is rejected; finally the document is
marked reviewed (what the record leaves out is absent). A value already
decided that way is left alone, so importing again stores nothing new.

Every record is checked before anything is written; one malformed record
stops the import with the file, the place in it and what is wrong, and
nothing is stored. Records of documents not in the database are reported.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.model import FIELDS
from pipeline.store import review as rv
from pipeline.store.models import Document, SourceFile

LIST_FIELDS = tuple(f for f in FIELDS if f != "meeting")
MEETING_KEYS = ("date", "title", "organizer", "location")
#: per field: attribute -> (kind, required); kinds: text, number, kind, year, date, roles
SHAPES: dict[str, dict[str, tuple[str, bool]]] = {
    "pledges": {"value": ("number", True), "kind": ("kind", False), "unit": ("text", False),
                "subject": ("text", False), "total": ("number", False)},
    "models": {"name": ("text", True), "organization": ("text", False)},
    "themes": {"text": ("text", True), "year": ("year", False)},
    "references": {"number": ("text", True), "type": ("text", False), "date": ("date", False)},
    "people": {"name": ("text", True), "roles": ("roles", False)},
}
NOTE_KEYS = ("optional", "note")


class MalformedRecord(ValueError):
    """Records that are not in the SCHEMA.md format: every problem, each with its file and place."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ImportReport:
    documents: int = 0  # records matched to a stored document
    changed: int = 0  # documents where a decision was stored
    actions: Counter = field(default_factory=Counter)  # accept | edit | add | reject | reviewed -> count
    unknown: list[tuple[str, str]] = field(default_factory=list)  # (file, why it matched no document)


# ---------------------------------------------------------------- checking the records


def _check_attr(kind: str, v: Any) -> str | None:
    if v is None:
        return None
    if kind == "number":
        return None if isinstance(v, int | float) and not isinstance(v, bool) else f"expected a number, got {v!r}"
    if kind == "kind":
        return None if v in ("count", "percent") else f"expected \"count\" or \"percent\", got {v!r}"
    if kind == "year":
        return None if isinstance(v, int) and not isinstance(v, bool) and 1000 <= v <= 9999 else f"expected a year, got {v!r}"
    if kind == "date":
        if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            try:
                date.fromisoformat(v)
                return None
            except ValueError:
                pass
        return f"expected an ISO date YYYY-MM-DD, got {v!r}"
    if kind == "roles":
        return None if isinstance(v, list) and all(isinstance(x, str) for x in v) else f"expected a list of texts, got {v!r}"
    return None if isinstance(v, str) else f"expected a text, got {v!r}"


def check_record(rec: Any, where: str) -> list[str]:
    """The problems of one record (empty: it is well formed)."""
    if not isinstance(rec, dict):
        return [f"{where}: expected a JSON object, got {type(rec).__name__}"]
    out = []
    for k in rec:
        if k not in FIELDS and k not in ("source", "note") and not k.startswith("_"):
            out.append(f"{where}: unknown key {k!r} (the fields are {', '.join(FIELDS)})")
    if rec.get("source") is not None and not isinstance(rec["source"], str):
        out.append(f"{where}: source: expected a file name")
    m = rec.get("meeting")
    if m is not None:
        if not isinstance(m, dict):
            out.append(f"{where}: meeting: expected an object or null")
        else:
            for k, v in m.items():
                if k.startswith("_") or k in NOTE_KEYS:
                    continue
                if k not in MEETING_KEYS:
                    out.append(f"{where}: meeting: unknown key {k!r}")
                elif (err := _check_attr("date" if k == "date" else "text", v)):
                    out.append(f"{where}: meeting.{k}: {err}")
    for f in LIST_FIELDS:
        items = rec.get(f)
        if items is None:
            continue
        if not isinstance(items, list):
            out.append(f"{where}: {f}: expected a list")
            continue
        for i, it in enumerate(items):
            at = f"{where}: {f}[{i}]"
            if not isinstance(it, dict):
                out.append(f"{at}: expected an object")
                continue
            for name, (kind, required) in SHAPES[f].items():
                v = it.get(name)
                if required and (v is None or v == ""):
                    out.append(f"{at}: {name} is missing")
                elif (err := _check_attr(kind, v)):
                    out.append(f"{at}.{name}: {err}")
            for k in it:
                if k not in SHAPES[f] and k not in NOTE_KEYS and not k.startswith("_"):
                    out.append(f"{at}: unknown key {k!r}")
    return out


def read_records(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Every ``*.json`` of the folder, checked; raises MalformedRecord listing every problem."""
    if not folder.is_dir():
        raise MalformedRecord([f"{folder}: not a folder"])
    out, problems = [], []
    files = sorted(folder.glob("*.json"))
    if not files:
        raise MalformedRecord([f"{folder}: no *.json record in it"])
    for p in files:
        try:
            rec = json.loads(p.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            problems.append(f"{p.name}: not JSON ({err})")
            continue
        problems += check_record(rec, p.name)
        out.append((p, rec))
    if problems:
        raise MalformedRecord(problems)
    return out


def clean(value: dict[str, Any], field_name: str | None = None) -> dict[str, Any]:
    """A record's value as the store keeps it: no notes, no extra ``_`` keys (a pledge's kind "count" by default)."""
    out = {k: v for k, v in value.items() if not k.startswith("_") and k not in NOTE_KEYS}
    if field_name == "pledges" and not out.get("kind"):
        out["kind"] = "count"
    return out


# ---------------------------------------------------------------- matching records to documents


def find_document(session: Session, path: Path, rec: dict[str, Any]) -> tuple[Document | None, str]:
    """The stored document a record is about, or None and why not."""
    sha = (rec.get("_document") or {}).get("sha256") if isinstance(rec.get("_document"), dict) else None
    tail = path.stem.rsplit(".", 1)[-1]
    for h in (sha, path.stem if re.fullmatch(r"[0-9a-f]{64}", path.stem) else None,
              tail if re.fullmatch(r"[0-9a-f]{8}", tail) and "." in path.stem else None):
        if h:
            doc = session.scalar(select(Document).where(Document.sha256.startswith(h.lower())))
            if doc is not None:
                return _done(doc)
    stems = {path.stem.rsplit(".", 1)[0] if tail != path.stem and re.fullmatch(r"[0-9a-f]{8}", tail) else path.stem}
    if isinstance(rec.get("source"), str) and rec["source"]:
        stems.add(Path(rec["source"]).stem)
    ids: set[int] = set()
    for d_id, name in session.execute(select(SourceFile.document_id, SourceFile.name)):
        if Path(name).stem in stems:
            ids.add(d_id)
    for d_id, name in session.execute(select(Document.id, Document.filename)):
        if Path(name).stem in stems:
            ids.add(d_id)
    if len(ids) > 1:
        return None, f"the name matches {len(ids)} stored documents (give _document.sha256 to choose)"
    if not ids:
        return None, "no stored document has this name or content hash"
    return _done(session.get(Document, ids.pop()))


def _done(doc: Document) -> tuple[Document | None, str]:
    if doc.status != "done":
        return None, f"the stored document could not be read ({doc.error or doc.status})"
    return doc, ""


# ---------------------------------------------------------------- records -> decisions


def same(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    """Equal values, a missing key being null."""
    a, b = clean(a or {}), clean(b or {})
    return all(a.get(k) in (None, "", []) and b.get(k) in (None, "", []) or a.get(k) == b.get(k)
               for k in set(a) | set(b))


def _pair(field_name: str, gold: list[dict[str, Any]], views: list[rv.ItemView]) -> list[tuple[int, int]]:
    """One-to-one (gold index, view index) pairs, the closest first (as the scorer pairs)."""
    from extractors import item_key
    from extractors.learn.align import MATCH

    match = MATCH[field_name]
    scored = []
    for i, g in enumerate(gold):
        key = item_key(field_name, g)[:1024]
        for j, v in enumerate(views):
            s = (4 if same(g, v.value) else 3 if key == v.key else 2 if v.value and match(g, v.value)
                 else 1 if v.suggestion and match(g, v.suggestion) else 0)
            if s:
                scored.append((s - (0.5 if v.state == "rejected" else 0), i, j))
    scored.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_g, used_v, pairs = set(), set(), []
    for _s, i, j in scored:
        if i not in used_g and j not in used_v:
            used_g.add(i)
            used_v.add(j)
            pairs.append((i, j))
    return pairs


def _span(text: str, field_name: str, value: dict[str, Any], rec_value: dict[str, Any]) -> tuple[int | None, int | None]:
    s, e = rec_value.get("_start"), rec_value.get("_end")
    if isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(text):
        return s, e
    from pipeline.review.forms import primary

    needle = value.get(primary(field_name)) if field_name != "meeting" else (value.get("title") or value.get("organizer"))
    if needle in (None, ""):
        return None, None
    i = text.find(str(needle))
    return (i, i + len(str(needle))) if i >= 0 else (None, None)


def plan_document(doc: Document, views: list[rv.ItemView], rec: dict[str, Any]) -> list[dict[str, Any]]:
    """The decisions that make the document's reviewed record equal ``rec`` (none when it already is)."""
    from extractors import item_key

    text = doc.text or ""
    steps: list[dict[str, Any]] = []

    def step(action: str, v: rv.ItemView | None, field_name: str, key: str, value: dict[str, Any] | None = None,
             raw: dict[str, Any] | None = None) -> None:
        s = e = None
        if action == "add" and value is not None:
            s, e = _span(text, field_name, value, raw or {})
        steps.append({"action": action, "field": field_name, "key": key, "value": value,
                      "version": v.version if v is not None else 0, "start": s, "end": e})

    def settle(v: rv.ItemView, value: dict[str, Any]) -> None:
        if v.state in rv.REVIEWED_STATES and not v.machine and same(v.value, value):
            return  # already decided this way
        if v.pending and v.suggestion is not None and same(v.suggestion, value):
            step("accept", v, v.field, v.key)
        else:
            step("edit", v, v.field, v.key, value)

    for f in LIST_FIELDS:
        raw = [g for g in rec.get(f) or []]
        gold = [clean(g, f) for g in raw]
        vs = [v for v in views if v.field == f]
        pairs = _pair(f, gold, vs)
        paired_v = {j for _i, j in pairs}
        for i, j in pairs:
            settle(vs[j], gold[i])
        keys = {v.key for v in vs}
        for i, g in enumerate(gold):
            if i in {a for a, _b in pairs} or raw[i].get("optional"):
                continue
            key = item_key(f, g)[:1024]
            if key in keys:
                continue  # the same item twice in the record
            keys.add(key)
            step("add", None, f, key, g, raw[i])
        for j, v in enumerate(vs):
            if j not in paired_v and v.state != "rejected" and v.value is not None:
                step("reject", v, f, v.key)
    m = clean(rec.get("meeting") or {})
    m = {k: m.get(k) for k in MEETING_KEYS}
    mv = next((v for v in views if v.field == "meeting"), None)
    if any(x not in (None, "") for x in m.values()):
        if mv is None:
            step("add", None, "meeting", "meeting", m, rec.get("meeting") or {})
        else:
            settle(mv, m)
    elif mv is not None and mv.state != "rejected" and mv.value is not None:
        step("reject", mv, "meeting", mv.key)
    return steps


def import_records(session: Session, folder: Path, reviewer: str) -> ImportReport:
    """Store the records of ``folder`` as ``reviewer``'s decisions (the caller commits;
    raises MalformedRecord or rv.ReviewError before anything is written)."""
    user = rv.user_by_name(session, reviewer)
    if user is None:
        raise rv.ReviewError(f"No account {reviewer!r}: create it with `minutes user add {reviewer}` first.")
    if not user.active:
        raise rv.ReviewError(f"The account {reviewer!r} is disabled.")
    records = read_records(folder)
    report = ImportReport()
    seen: dict[int, str] = {}
    for path, rec in records:
        doc, why = find_document(session, path, rec)
        if doc is None:
            report.unknown.append((path.name, why))
            continue
        if doc.id in seen:
            report.unknown.append((path.name, f"the same document as {seen[doc.id]} (left out)"))
            continue
        seen[doc.id] = path.name
        report.documents += 1
        steps = plan_document(doc, rv.item_views(session, doc), rec)
        comment = f"Nhập từ {path.name}"
        for st in steps:
            rv.decide(session, doc, st["field"], st["key"], st["action"], user.name, st["version"], value=st["value"],
                      comment=comment, start=st["start"], end=st["end"])
            report.actions[st["action"]] += 1
        marked = doc.review_state != "reviewed"
        if marked:
            rv.mark_reviewed(session, doc, user.name)
            report.actions["reviewed"] += 1
        report.changed += bool(steps or marked)
    return report
