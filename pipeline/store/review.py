"""Store operations of the review page: reviewer decisions, the current reviewed
state per item, accounts, the queue and the archive summary.

An item's identity is ``(field, key)`` (``extractors.item_key``) within its
document, so decisions survive re-extraction. Two tables hold a reviewer's
work:

- ``reviews``: one row per reviewed item, its current value and state
  (accepted, edited, rejected, added) and a ``version`` that each change
  increments. A change names the version the reviewer saw; when that is no
  longer current the change is refused with :class:`Conflict` (never a
  silent overwrite).
- ``decisions``: the append-only history (who, when, action, value before
  and after, comment).

Machine suggestions (``items``) are never written here, and ingest never
writes ``reviews`` or ``decisions``.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field as dc_field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.model import FIELDS
from pipeline.store.models import Decision, Document, Item, Review, User, now

#: states of an item as the page and the exports show it
PENDING_STATES = ("suggested", "new_since_review")
REVIEWED_STATES = ("accepted", "edited", "added")
ACTION_STATE = {"accept": "accepted", "edit": "edited", "reject": "rejected", "add": "added"}
#: who the history names for the machine's auto-acceptances (``Decision.machine`` is what tells them apart)
MACHINE = "máy"


class Conflict(Exception):
    """Someone else changed the item since the reviewer loaded it."""

    def __init__(self, current: Review | None):
        super().__init__("the item was changed meanwhile")
        self.current = current


class ReviewError(ValueError):
    """A decision that cannot be applied; ``message`` is Vietnamese, for the page."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------- item views


@dataclass
class ItemView:
    """One item of a document as a reviewer sees it: suggestion and decision merged."""

    uid: str  # "i<item id>" for a suggestion, "r<review id>" for a reviewed item with no suggestion
    field: str
    key: str
    value: dict[str, Any] | None  # the effective value (reviewed value first)
    state: str  # suggested | new_since_review | accepted | edited | rejected | added
    start: int | None
    end: int | None
    confidence: float | None
    suggestion: dict[str, Any] | None = None  # the current machine value, if suggested
    item_id: int | None = None
    page: int | None = None
    evidence: str | None = None
    extractor: str | None = None
    review: Review | None = None
    #: a review exists and the machine now suggests something other than what the reviewer decided on
    suggestion_changed: bool = False
    history: list[Decision] = dc_field(default_factory=list)

    @property
    def version(self) -> int:
        return self.review.version if self.review else 0

    @property
    def pending(self) -> bool:
        return self.state in PENDING_STATES

    @property
    def machine(self) -> bool:
        """The current state is the machine's auto-acceptance, not a person's decision."""
        return self.review is not None and bool(self.review.machine)

    @property
    def uncertainty(self) -> float:
        """How much a reviewer's decision on this item would teach (see ``uncertainty``)."""
        return uncertainty(self.confidence, self.suggestion_changed)

    def as_export(self) -> dict[str, Any]:
        return {"field": self.field, "value": self.value, "start": self.start, "end": self.end,
                "confidence": self.confidence if self.confidence is not None else 1.0, "page": self.page,
                "evidence": self.evidence, "item_id": self.item_id, "state": self.state,
                "suggestion_changed": self.suggestion_changed}


def uncertainty(confidence: float | None, disagreed: bool = False) -> float:
    """1 for a coin toss (confidence 0.5) or a suggestion that disagrees with a
    reviewer's decision, 0 for a certain one: ``1 - |2p - 1|``. A value
    with no confidence (a reviewer added it) teaches nothing more."""
    if disagreed:
        return 1.0
    if confidence is None:
        return 0.0
    return 1.0 - abs(2.0 * min(max(confidence, 0.0), 1.0) - 1.0)


def by_uncertainty(views: list[ItemView]) -> list[ItemView]:
    """Most uncertain first (stable: a decision does not move an item, since it keeps its confidence)."""
    return sorted(views, key=lambda v: (-v.uncertainty, v.start if v.start is not None else 10**9, v.uid))


def merge(doc: Document, items: list[Item], reviews: list[Review]) -> list[ItemView]:
    """Suggestions and reviews of one document as item views (pure; no queries)."""
    by_key = {(r.field, r.key): r for r in reviews}
    out: list[ItemView] = []
    used: set[tuple[str, str]] = set()
    closed = doc.review_state == "reviewed"
    for it in items:
        k = (it.field, it.key)
        if k in used:
            continue
        used.add(k)
        r = by_key.get(k)
        common = dict(uid=f"i{it.id}", field=it.field, key=it.key, confidence=it.confidence, suggestion=it.value,
                      item_id=it.id, page=it.page, evidence=it.evidence, extractor=f"{it.extractor}@{it.version}")
        if r is None:
            out.append(ItemView(value=it.value, state="new_since_review" if closed else "suggested",
                                start=it.start, end=it.end, **common))
        else:
            seen = r.suggestion if r.suggestion is not None else r.value  # what the reviewer decided on
            changed = it.value != seen and it.value != r.value
            out.append(ItemView(value=r.value, state=r.state, start=r.start if r.start is not None else it.start,
                                end=r.end if r.end is not None else it.end, review=r, suggestion_changed=changed,
                                **common))
    for r in reviews:
        if (r.field, r.key) in used:
            continue
        out.append(ItemView(uid=f"r{r.id}", field=r.field, key=r.key, value=r.value, state=r.state, start=r.start,
                            end=r.end, confidence=None, review=r))
    out.sort(key=lambda v: (FIELDS.index(v.field) if v.field in FIELDS else 99,
                            v.start if v.start is not None else 10**9, v.uid))
    return out


def active_items(session: Session, doc_id: int) -> list[Item]:
    return list(session.scalars(select(Item).where(Item.document_id == doc_id, Item.active.is_(True))
                                .order_by(Item.start, Item.id)))


def reviews_for(session: Session, doc_id: int) -> list[Review]:
    return list(session.scalars(select(Review).where(Review.document_id == doc_id).order_by(Review.id)))


def item_views(session: Session, doc: Document, with_history: bool = False) -> list[ItemView]:
    views = merge(doc, active_items(session, doc.id), reviews_for(session, doc.id))
    if with_history:
        hist: dict[tuple[str, str], list[Decision]] = defaultdict(list)
        for d in history(session, doc.id):
            hist[(d.field, d.key)].append(d)
        for v in views:
            v.history = hist.get((v.field, v.key), [])
    return views


def effective_items(session: Session, doc: Document, reviewed_only: bool = False) -> list[dict[str, Any]]:
    """The document's items as exports see them (see ``repo.effective_items``)."""
    return effective_from_views(item_views(session, doc), reviewed_only)


def effective_from_views(views: list[ItemView], reviewed_only: bool = False) -> list[dict[str, Any]]:
    keep = REVIEWED_STATES if reviewed_only else REVIEWED_STATES + PENDING_STATES
    out = [v.as_export() for v in views if v.state in keep and v.value is not None]
    out.sort(key=lambda x: (x["start"] if x["start"] is not None else 10**9))
    return out


def all_views(session: Session, doc_ids: list[int] | None = None) -> dict[int, tuple[Document, list[ItemView]]]:
    """Item views of many documents in three queries (the queue and the summary)."""
    q = select(Document).where(Document.status == "done").order_by(Document.id)
    if doc_ids is not None:
        q = q.where(Document.id.in_(doc_ids))
    docs = {d.id: d for d in session.scalars(q)}
    items: dict[int, list[Item]] = defaultdict(list)
    reviews: dict[int, list[Review]] = defaultdict(list)
    iq = select(Item).where(Item.active.is_(True)).order_by(Item.document_id, Item.start, Item.id)
    rq = select(Review).order_by(Review.id)
    if doc_ids is not None:
        iq = iq.where(Item.document_id.in_(doc_ids))
        rq = rq.where(Review.document_id.in_(doc_ids))
    for it in session.scalars(iq):
        items[it.document_id].append(it)
    for r in session.scalars(rq):
        reviews[r.document_id].append(r)
    return {i: (d, merge(d, items[i], reviews[i])) for i, d in docs.items()}


# ---------------------------------------------------------------- decisions


def history(session: Session, doc_id: int, field: str | None = None, key: str | None = None) -> list[Decision]:
    q = select(Decision).where(Decision.document_id == doc_id)
    if field is not None:
        q = q.where(Decision.field == field)
    if key is not None:
        q = q.where(Decision.key == key)
    return list(session.scalars(q.order_by(Decision.created_at, Decision.id)))


def current_review(session: Session, doc_id: int, field: str, key: str) -> Review | None:
    return session.scalar(select(Review).where(Review.document_id == doc_id, Review.field == field,
                                               Review.key == key).execution_options(populate_existing=True))


def decide(session: Session, doc: Document, field: str, key: str, action: str, reviewer: str, version: int,
           value: dict[str, Any] | None = None, comment: str | None = None, start: int | None = None,
           end: int | None = None, machine: bool = False) -> Review:
    """Apply one reviewer decision to the item (doc, field, key).

    ``version`` is the review version the reviewer saw (0: none yet). Raises
    :class:`Conflict` when it is no longer current, :class:`ReviewError` when
    the decision makes no sense (accepting an item the machine no longer
    suggests, adding an item that is already listed …). ``machine`` marks
    the machine's auto-acceptance (only "accept"; ``reviewer`` is then
    :data:`MACHINE`): it is recorded as the machine's, never a person's,
    and does not move the document into review. The caller commits.
    """
    if machine and action != "accept":
        raise ReviewError("Máy chỉ có thể tự chấp nhận.")
    if action not in ACTION_STATE:
        raise ReviewError(f"Thao tác không hợp lệ: {action}")
    if field not in FIELDS:
        raise ReviewError(f"Trường không hợp lệ: {field}")
    comment = (comment or "").strip() or None
    review = current_review(session, doc.id, field, key)
    item = session.scalar(select(Item).where(Item.document_id == doc.id, Item.active.is_(True), Item.field == field,
                                             Item.key == key).order_by(Item.id).limit(1))
    if action == "add" and (review is not None or item is not None):
        raise ReviewError("Mục này đã có trong danh sách.")
    if (review.version if review else 0) != version:
        raise Conflict(review)
    before = None
    if review is not None:
        before = review.value if review.state != "rejected" else None
    elif item is not None:
        before = item.value
    state = ACTION_STATE[action]
    if action == "accept":
        if item is None:
            if review is None or review.value is None:
                raise ReviewError("Máy không còn gợi ý mục này; hãy sửa hoặc bác bỏ nó.")
            new_value = review.value  # keep what the reviewer decided (e.g. a rejected added item restored)
            state = "added" if review.state == "added" or review.suggestion is None else "accepted"
        else:
            new_value = item.value
    elif action == "edit":
        if not value:
            raise ReviewError("Thiếu giá trị để lưu.")
        new_value = value
        if item is None and (review is None or review.state == "added" or review.suggestion is None):
            state = "added"
        elif item is not None and value == item.value:
            state = "accepted"  # saved unchanged: the suggestion was right
    elif action == "reject":
        new_value = review.value if review is not None and review.value is not None else (item.value if item else None)
    else:  # add
        if review is not None or item is not None:
            raise ReviewError("Mục này đã có trong danh sách.")
        if not value:
            raise ReviewError("Thiếu giá trị để thêm.")
        new_value = value
    if start is None or end is None:
        if review is not None and review.start is not None:
            start, end = review.start, review.end
        elif item is not None:
            start, end = item.start, item.end
    values = dict(state=state, value=new_value, suggestion=item.value if item is not None else None,
                  start=start, end=end, reviewer=reviewer, updated_at=now(), machine=machine)
    if review is None:
        review = Review(document_id=doc.id, field=field, key=key, version=1, **values)
        try:
            with session.begin_nested():
                session.add(review)
                session.flush()
        except IntegrityError:
            raise Conflict(current_review(session, doc.id, field, key)) from None
    else:
        res = session.execute(update(Review).where(Review.id == review.id, Review.version == version)
                              .values(version=Review.version + 1, **values)
                              .execution_options(synchronize_session=False))
        if res.rowcount != 1:
            raise Conflict(current_review(session, doc.id, field, key))
        session.refresh(review)
    session.add(Decision(document_id=doc.id, item_id=item.id if item is not None else None, field=field, key=key,
                         action=action, before=before, after=new_value if state != "rejected" else None,
                         start=start, end=end, reviewer=reviewer, comment=comment, version=review.version,
                         machine=machine))
    if doc.review_state == "new" and not machine:
        doc.review_state = "in_review"
    session.flush()
    return review


def mark_reviewed(session: Session, doc: Document, reviewer: str) -> int:
    """Close a document: accept every item still pending, then mark it reviewed.

    Returns how many pending items were accepted. The caller commits.
    """
    n = 0
    for v in item_views(session, doc):
        if v.pending and v.item_id is not None:
            decide(session, doc, v.field, v.key, "accept", reviewer, v.version,
                   comment="Chấp nhận khi đánh dấu đã duyệt")
            n += 1
    doc.review_state = "reviewed"
    doc.reviewed_by = reviewer
    doc.reviewed_at = now()
    session.flush()
    return n


def reopen(session: Session, doc: Document) -> None:
    doc.review_state = "in_review"
    doc.reviewed_by = None
    doc.reviewed_at = None
    session.flush()


# ---------------------------------------------------------------- accounts


def user_by_name(session: Session, name: str) -> User | None:
    return session.scalar(select(User).where(User.name == name))


def add_user(session: Session, name: str, password_hash: str, admin: bool = False) -> User:
    name = name.strip()
    if not name:
        raise ReviewError("Tên tài khoản không được để trống.")
    if name.casefold() == MACHINE:
        raise ReviewError(f"Tên {name!r} dành cho máy (các mục máy tự chấp nhận).")
    if user_by_name(session, name) is not None:
        raise ReviewError(f"Tài khoản {name!r} đã có.")
    user = User(name=name, password_hash=password_hash, is_admin=admin, active=True)
    session.add(user)
    session.flush()
    return user


def set_active(session: Session, user: User, active: bool) -> None:
    """Enable or disable an account. Disabling bumps its session version, which ends
    every session it has at once; its decisions and history are kept."""
    user.active = active
    if not active:
        user.session_version = (user.session_version or 0) + 1
    session.flush()


def users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


# ---------------------------------------------------------------- queue


@dataclass
class QueueRow:
    doc: Document
    counts: dict[str, int]  # field -> items (not rejected)
    pending: int
    new_since_review: int  # suggestions nobody decided on since the review, or that differ from the decision
    min_confidence: float | None  # of the pending items
    uncertainty: float = 0.0  # what deciding its pending items would teach: the sum of their uncertainties
    to_check: int = 0  # pending items whose confidence is below the check threshold


STATE_ORDER = {"new": 0, "in_review": 1, "reviewed": 2}
#: queue orders: what teaches the model most first (uncertainty sampling), or the newest documents first
QUEUE_ORDERS = ("uncertain", "newest")
#: a value whose confidence is below this needs a reviewer's eye (the calibration: above it, ~95 % are right)
CHECK_BELOW = 0.9


def queue(session: Session, state: str | None = None, field: str | None = None, q: str | None = None,
          doc_ids: set[int] | None = None, order: str = "uncertain", check_below: float = CHECK_BELOW) -> list[QueueRow]:
    """Documents to review.

    ``order="uncertain"`` (uncertainty sampling): the documents whose pending
    decisions would teach most first, i.e. the largest sum of their pending
    items' uncertainty (``uncertainty``: a confidence near 0.5, or a new
    suggestion that disagrees with a reviewer, counts most), then the least
    confident; documents with nothing pending last. ``order="newest"``: the
    newest documents first.
    """
    views = all_views(session, sorted(doc_ids) if doc_ids is not None else None)
    rows = []
    needle = fold(q) if q else None
    for doc, vs in views.values():
        if state and doc.review_state != state:
            continue
        if needle and needle not in fold(doc.filename):
            continue
        live = [v for v in vs if v.state != "rejected"]
        if field and not any(v.field == field for v in live):
            continue
        counts = {f: sum(1 for v in live if v.field == f) for f in FIELDS}
        pend = [v for v in vs if v.pending]
        confs = [v.confidence for v in pend if v.confidence is not None]
        asked = [v for v in vs if v.pending or v.suggestion_changed]
        rows.append(QueueRow(doc, counts, len(pend), sum(1 for v in vs if v.state == "new_since_review" or v.suggestion_changed),
                             min(confs) if confs else None, round(sum(v.uncertainty for v in asked), 4),
                             sum(1 for c in confs if c < check_below)))
    if order == "newest":
        rows.sort(key=lambda r: (r.doc.created_at is None, -(r.doc.created_at.timestamp() if r.doc.created_at else 0),
                                 -r.doc.id))
    else:
        rows.sort(key=lambda r: (not (r.pending or r.new_since_review), -r.uncertainty,
                                 r.min_confidence if r.min_confidence is not None else 2.0,
                                 STATE_ORDER.get(r.doc.review_state, 9), r.doc.filename, r.doc.id))
    return rows


def state_counts(session: Session) -> dict[str, int]:
    got = dict(session.execute(select(Document.review_state, func.count()).where(Document.status == "done")
                               .group_by(Document.review_state)).all())
    return {s: got.get(s, 0) for s in STATE_ORDER}


def failed_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Document).where(Document.status == "failed")) or 0


# ---------------------------------------------------------------- summary


def fold(s: Any) -> str:
    """Case- and space-insensitive form used to group names in the summary."""
    if s is None:
        return ""
    return " ".join(unicodedata.normalize("NFC", str(s)).casefold().split()).strip(" \"'“”.,;:")


@dataclass
class Figure:
    label: str
    value: float
    docs: set[int]
    year: int | None = None
    items: int = 0
    filter: dict[str, str] = dc_field(default_factory=dict)  # query of /documents for the documents behind it
    #: models: the units that built the model (organization as written -> the documents naming it)
    parts: dict[str, set[int]] = dc_field(default_factory=dict)


@dataclass
class Scope:
    """Which documents, and which of their values, the figures count.

    The default is the review page's: every document, every value that is
    not rejected. The workbook and the report narrow it.
    """

    reviewed_only: bool = False  # only documents marked reviewed, only their reviewed values
    date_from: date | None = None  # the meeting's date, inclusive; a document with no date is then left out
    date_to: date | None = None
    organizer: str | None = None  # a part of the meeting's organizer (case and spacing ignored)
    year: int | None = None  # the document's year (see ``doc_year``)

    def admits(self, live: list[ItemView]) -> bool:
        if self.date_from is not None or self.date_to is not None:
            d = meeting_date(live)
            if d is None or (self.date_from and d < self.date_from) or (self.date_to and d > self.date_to):
                return False
        if self.organizer and fold(self.organizer) not in fold((meeting_value(live) or {}).get("organizer")):
            return False
        return self.year is None or doc_year(live) == self.year


#: documents: id -> (the document, the item views that count); what ``aggregate`` reads
Views = dict[int, tuple[Document, list[ItemView]]]


def scoped_views(session: Session, scope: Scope | None = None) -> Views:
    """The documents a scope selects, each with only the values it counts (never rejected or empty ones)."""
    scope = scope or Scope()
    keep = REVIEWED_STATES if scope.reviewed_only else REVIEWED_STATES + PENDING_STATES
    out: Views = {}
    for doc_id, (doc, vs) in all_views(session).items():
        if scope.reviewed_only and doc.review_state != "reviewed":
            continue
        live = [v for v in vs if v.state in keep and v.value]
        if scope.admits(live):
            out[doc_id] = (doc, live)
    return out


def meeting_value(vs: list[ItemView]) -> dict[str, Any] | None:
    return next((v.value for v in vs if v.field == "meeting" and v.value and v.state != "rejected"), None)


def meeting_date(vs: list[ItemView]) -> date | None:
    return iso_date((meeting_value(vs) or {}).get("date"))


def iso_date(s: Any) -> date | None:
    """An ISO ``YYYY-MM-DD`` value as a date (None for none or a malformed one)."""
    try:
        return date.fromisoformat(str(s)[:10]) if s else None
    except ValueError:
        return None


def doc_year(vs: list[ItemView]) -> int | None:
    """The year of a document: its meeting's, else the latest of its themes'."""
    for v in vs:
        if v.field == "meeting" and v.value and v.value.get("date"):
            try:
                return int(str(v.value["date"])[:4])
            except ValueError:
                pass
    years = [v.value.get("year") for v in vs if v.field == "themes" and v.value and isinstance(v.value.get("year"), int)]
    return max(years) if years else None


def summary(session: Session, limit: int | None = 15, scope: Scope | None = None) -> dict[str, list[Figure]]:
    """The archive at a glance: the figures of the review page, the workbook and the report (``aggregate``)."""
    return aggregate(scoped_views(session, scope), limit)


def aggregate(views: Views, limit: int | None = 15) -> dict[str, list[Figure]]:
    """The figures of the given documents, from the values given (reviewed values first, rejected ones left out).

    pledges: totals of counts by unit and year (the meeting's year, else the
    theme's); models (with the units that built them), themes, references (by
    number), organizers: the most frequent, by documents naming them, the
    first ``limit`` (None: all); theme_years: every theme by its own year,
    else the document's.
    """
    pledges: dict[tuple[str, int | None], Figure] = {}
    models: dict[str, Figure] = {}
    themes: dict[str, Figure] = {}
    theme_years: dict[tuple[str, int | None], Figure] = {}
    references: dict[str, Figure] = {}
    organizers: dict[str, Figure] = {}

    def count(bucket: dict[Any, Figure], key: Any, doc_id: int, label: str, **kw: Any) -> Figure:
        f = bucket.get(key)
        if f is None:
            f = bucket[key] = Figure(label, 0, set(), **kw)
        f.docs.add(doc_id)
        f.items += 1
        f.value = len(f.docs)
        return f

    for doc_id, (_doc, vs) in views.items():
        live = [v for v in vs if v.state != "rejected" and v.value]
        year = doc_year(live)
        for v in live:
            val = v.value or {}
            if v.field == "pledges" and (val.get("kind") or "count") == "count" and isinstance(val.get("value"), int | float):
                unit = fold(val.get("unit")) or "?"
                f = pledges.setdefault((unit, year), Figure(unit, 0, set(), year=year,
                                                            filter={"unit": unit, "year": str(year or "")}))
                f.value += val["value"]
                f.items += 1
                f.docs.add(doc_id)
            elif v.field == "models" and fold(val.get("name")):
                k = fold(val["name"])
                f = count(models, k, doc_id, str(val["name"]), filter={"model": k})
                if fold(val.get("organization")):
                    f.parts.setdefault(str(val["organization"]), set()).add(doc_id)
            elif v.field == "themes" and fold(val.get("text")):
                k = fold(val["text"])
                count(themes, k, doc_id, str(val["text"]), filter={"theme": k})
                y = val["year"] if isinstance(val.get("year"), int) else year
                count(theme_years, (k, y), doc_id, str(val["text"]), year=y, filter={"theme": k})
            elif v.field == "references" and fold(val.get("number")):
                k = fold(val["number"]).replace(" ", "")
                label = " ".join(str(x) for x in (val.get("type"), val["number"]) if x)
                count(references, k, doc_id, label, filter={"reference": k})
            elif v.field == "meeting" and fold(val.get("organizer")):
                k = fold(val["organizer"])
                count(organizers, k, doc_id, str(val["organizer"]), filter={"organizer": k})

    def top(d: dict[Any, Figure]) -> list[Figure]:
        return sorted(d.values(), key=lambda f: (-f.value, f.label))[:limit]

    return {"pledges": sorted(pledges.values(), key=lambda f: (f.label, f.year or 0)),
            "models": top(models), "themes": top(themes), "organizers": top(organizers),
            "references": top(references),
            "theme_years": sorted(theme_years.values(), key=lambda f: (f.year is None, f.year or 0, -f.value, f.label))}


def documents_behind(session: Session, unit: str | None = None, year: str | None = None, model: str | None = None,
                     theme: str | None = None, organizer: str | None = None) -> set[int] | None:
    """The documents behind a summary figure (None: no such filter given)."""
    if not any(x is not None for x in (unit, model, theme, organizer)):
        return None
    figs = summary(session, limit=None)
    if unit is not None:
        def same_year(f: Figure) -> bool:
            if year is None:
                return True
            return f.year is None if year == "" else str(f.year) == year

        return set().union(set(), *[f.docs for f in figs["pledges"] if f.label == unit and same_year(f)])
    kind, key = (("models", model) if model is not None else ("themes", theme) if theme is not None
                 else ("organizers", organizer))
    return set().union(set(), *[f.docs for f in figs[kind] if f.filter.get(kind[:-1]) == key])


def last_change(session: Session, doc_id: int) -> datetime | None:
    return session.scalar(select(func.max(Decision.created_at)).where(Decision.document_id == doc_id))
