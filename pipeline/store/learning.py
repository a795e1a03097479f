"""Store operations of learning from reviews: the page's settings (auto-accept
thresholds per field, the check threshold), the machine's auto-acceptances,
and the record of retraining runs.

Auto-acceptance is the machine's: a suggestion whose confidence reaches its
field's threshold (set by an administrator; none by default) is accepted with
``Decision.machine`` set and :data:`review.MACHINE` as the one who decided,
never in a person's name, and the document does not count as in review. A
reviewer may still reject or edit it; a document marked reviewed by a person
then stands for all its values. Documents already marked reviewed are left
alone (what the machine newly suggests there shows as "mới sau duyệt").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.model import FIELDS
from pipeline.store import review as rv
from pipeline.store.models import Document, Setting, TrainingRun, now

AUTO_ACCEPT = "auto_accept"
CHECK_BELOW = "check_below"


@dataclass
class PageSettings:
    auto_accept: dict[str, float | None]  # field -> threshold (None: off)
    check_below: float
    updated_by: str | None = None
    updated_at: datetime | None = None


def _setting(session: Session, key: str) -> Setting | None:
    return session.get(Setting, key)


def page_settings(session: Session) -> PageSettings:
    auto = _setting(session, AUTO_ACCEPT)
    check = _setting(session, CHECK_BELOW)
    thresholds = {f: None for f in FIELDS}
    if auto is not None and isinstance(auto.value, dict):
        thresholds.update({f: float(v) for f, v in auto.value.items() if f in thresholds and v is not None})
    below = float(check.value) if check is not None and check.value is not None else rv.CHECK_BELOW
    latest = max((s for s in (auto, check) if s is not None), key=lambda s: s.updated_at, default=None)
    return PageSettings(thresholds, below, latest.updated_by if latest else None, latest.updated_at if latest else None)


def parse_threshold(raw: str) -> float | None:
    """A threshold as typed in the page: "" (off), "0,95", "0.95" or "95%"; raises ValueError."""
    t = (raw or "").strip().replace(",", ".")
    if not t:
        return None
    pct = t.endswith("%")
    v = float(t.rstrip("%").strip())
    if pct or v > 1:
        v /= 100
    if not 0.5 <= v <= 1:
        raise ValueError("Ngưỡng phải từ 0,5 đến 1 (hoặc 50% đến 100%).")
    return round(v, 4)


def save_settings(session: Session, who: str, auto_accept: dict[str, float | None] | None = None,
                  check_below: float | None = None) -> None:
    """Store the settings an administrator changed (the caller commits)."""
    for key, value in ((AUTO_ACCEPT, auto_accept), (CHECK_BELOW, check_below)):
        if value is None:
            continue
        row = _setting(session, key) or Setting(key=key)
        row.value = ({f: value.get(f) for f in FIELDS} if isinstance(value, dict) else value)
        row.updated_by, row.updated_at = who, now()
        session.add(row)
    session.flush()


def apply_auto_accept(session: Session, doc_ids: Iterable[int] | None = None) -> int:
    """Accept, as the machine, every pending suggestion whose confidence reaches its
    field's threshold, in documents not marked reviewed. Returns how many. The caller commits."""
    thresholds = {f: t for f, t in page_settings(session).auto_accept.items() if t is not None}
    if not thresholds:
        return 0
    n = 0
    ids = sorted(set(doc_ids)) if doc_ids is not None else None
    for _doc_id, (doc, views) in rv.all_views(session, ids).items():
        if doc.review_state == "reviewed":
            continue
        for v in views:
            t = thresholds.get(v.field)
            if (t is None or v.state != "suggested" or v.item_id is None or v.confidence is None
                    or v.confidence < t):
                continue
            rv.decide(session, doc, v.field, v.key, "accept", rv.MACHINE, v.version, machine=True,
                      comment=f"Máy tự chấp nhận: độ tin cậy {v.confidence:.0%} ≥ ngưỡng {t:.0%}")
            n += 1
    return n


# ---------------------------------------------------------------- training runs

ACTIVE_RUN_STATES = ("queued", "running")


def new_run(session: Session, trigger: str, started_by: str | None) -> TrainingRun:
    run = TrainingRun(state="queued", trigger=trigger, started_by=started_by, created_at=now())
    session.add(run)
    session.flush()
    return run


def active_run(session: Session) -> TrainingRun | None:
    """The retraining under way, if any (one whose process is gone is marked failed)."""
    run = session.scalar(select(TrainingRun).where(TrainingRun.state.in_(ACTIVE_RUN_STATES))
                         .order_by(TrainingRun.id.desc()).limit(1))
    if run is None:
        return None
    created = run.created_at if run.created_at.tzinfo else run.created_at.replace(tzinfo=UTC)
    if (run.pid is not None and not _alive(run.pid)) or (run.pid is None and now() - created > timedelta(minutes=5)):
        run.state, run.finished_at = "failed", now()
        run.message = run.message or "Tiến trình huấn luyện đã dừng giữa chừng."
        session.flush()
        return None
    return run


def recent_runs(session: Session, limit: int = 5) -> list[TrainingRun]:
    return list(session.scalars(select(TrainingRun).order_by(TrainingRun.id.desc()).limit(limit)))


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a finished child not yet reaped is a zombie: gone for our purpose
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def reviewed_counts(session: Session) -> dict[str, int]:
    """Documents a retraining would learn from: marked reviewed, and in review with a person's decisions."""
    from sqlalchemy import func

    from pipeline.store.models import Review

    reviewed = session.scalar(select(func.count()).select_from(Document).where(
        Document.status == "done", Document.review_state == "reviewed")) or 0
    partial = session.scalar(select(func.count(func.distinct(Review.document_id))).join(
        Document, Document.id == Review.document_id).where(
        Document.status == "done", Document.review_state != "reviewed", Review.machine.is_(False))) or 0
    return {"reviewed": reviewed, "in_review": partial}


def model_summary() -> dict[str, Any] | None:
    """The model in use as the summary page shows it (None: the rules alone)."""
    from extractors.learn.scorer import current_model

    try:
        model = current_model()
    except (FileNotFoundError, ValueError):
        return None
    if model is None:
        return None
    meta = model.meta or {}
    return {"hash": model.hash, "trained_at": meta.get("trained_at"), "documents": meta.get("documents"),
            "by_origin": meta.get("documents_by_origin") or {}, "review_documents": meta.get("review_documents") or {},
            "path": str(model.path) if model.path else None}
