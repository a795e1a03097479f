"""Database tables (SQLAlchemy 2). Schema changes go through Alembic migrations
in ``migrations/versions``; never change a table here without one.

Machine suggestions (``items``) and reviewer decisions (``decisions``) live in
separate tables: a re-extraction replaces the active suggestions of a
document and never touches a decision.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Document(Base):
    """One distinct file content, keyed by the sha256 of its bytes."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(512))
    format: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # done | failed
    error_kind: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer, default=0)
    pages: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    blocks: Mapped[list[Any] | None] = mapped_column(JSON)
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    extractor_versions: Mapped[str | None] = mapped_column(String(512))
    review_state: Mapped[str] = mapped_column(String(16), default="new")  # new | in_review | reviewed
    reviewed_by: Mapped[str | None] = mapped_column(String(128))  # who marked it reviewed (0002)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # (0002)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)


class SourceFile(Base):
    """A path at which a document's content was seen."""

    __tablename__ = "files"
    __table_args__ = (UniqueConstraint("path", "document_id", name="uq_files_path_document"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(2048))
    name: Mapped[str] = mapped_column(String(512))
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Item(Base):
    """A machine suggestion: one extracted value with its span and confidence."""

    __tablename__ = "items"
    __table_args__ = (Index("ix_items_document_active", "document_id", "active"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(1024))
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    page: Mapped[int | None] = mapped_column(Integer)
    block: Mapped[int | None] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float)
    evidence: Mapped[str | None] = mapped_column(Text)
    extractor: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Decision(Base):
    """A reviewer's decision on an item: accept, edit, reject, or add a missed one.

    Keyed by (document, field, key) so it survives re-extraction; ``item_id``
    names the suggestion the reviewer saw, if any. Never written by ingest.
    """

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_document_field_key", "document_id", "field", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"))
    field: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(1024))
    action: Mapped[str] = mapped_column(String(16))  # accept | edit | reject | add
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    start: Mapped[int | None] = mapped_column(Integer)
    end: Mapped[int | None] = mapped_column(Integer)
    reviewer: Mapped[str] = mapped_column(String(128))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    version: Mapped[int | None] = mapped_column(Integer)  # the Review.version this decision produced (0002)
    #: the machine's auto-acceptance above an administrator's threshold, never a person's (0003)
    machine: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Review(Base):
    """The current reviewed state of one item (document, field, key) (0002).

    One row per reviewed item, updated in place: ``version`` grows by one on
    every change, and a change is only written when the version the reviewer
    saw is still current (optimistic locking), so a second reviewer saving the
    same item gets a conflict instead of silently overwriting the first.
    ``decisions`` keeps the append-only history of every change.
    """

    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("document_id", "field", "key", name="uq_reviews_document_field_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(1024))
    state: Mapped[str] = mapped_column(String(16))  # accepted | edited | rejected | added
    value: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the reviewed value (the rejected one, if rejected)
    suggestion: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the machine value the reviewer decided on
    start: Mapped[int | None] = mapped_column(Integer)
    end: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    reviewer: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    machine: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # auto-accepted (0003)


class User(Base):
    """A reviewer account of the review page (0002). Passwords are argon2 hashes."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    last_login: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: sessions carry the version they were made under; disabling an account bumps it (0003)
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Setting(Base):
    """A setting of the review page an administrator changes (0003): ``auto_accept``
    (field -> threshold or None), ``check_below`` (confidence below which a value needs checking)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    updated_by: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class TrainingRun(Base):
    """One retraining of the model on reviewed documents (0003)."""

    __tablename__ = "training_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(16))  # queued | running | done | failed
    trigger: Mapped[str] = mapped_column(String(16))  # page | schedule | command
    started_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pid: Mapped[int | None] = mapped_column(Integer)
    model_hash: Mapped[str | None] = mapped_column(String(32))
    documents: Mapped[int | None] = mapped_column(Integer)
    make_up: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reextracted: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(Text)


class LoginFailure(Base):
    """Failed logins in a row for an account or an address (0003); a success clears them."""

    __tablename__ = "login_failures"
    __table_args__ = (UniqueConstraint("scope", "subject", name="uq_login_failures_scope_subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))  # account | address
    subject: Mapped[str] = mapped_column(String(256))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Run(Base):
    """One ingest run (a CLI call, a scheduled batch, a watcher burst)."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source: Mapped[str | None] = mapped_column(String(2048))
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
