"""The compiled result that the workbook (``xlsx_export``) and the Word report
(``report``) are written from: the documents a scope selects, one row of
facts per document, and the figures of ``store.review.aggregate`` (the review
page's summary, computed in that one place).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.model import FIELDS
from pipeline.store import review as rv
from pipeline.store.models import SourceFile


@dataclass
class DocRow:
    """One selected document, as the Documents sheet and the report's appendix list it."""

    id: int
    filename: str
    paths: list[str]
    format: str | None
    pages: int | None
    meeting_date: date | None
    title: str | None
    organizer: str | None
    year: int | None
    counts: dict[str, int]  # field -> values counted
    review_state: str
    reviewed_by: str | None
    reviewed_at: datetime | None  # naive UTC (spreadsheets know no time zones)


@dataclass
class Compiled:
    scope: rv.Scope
    views: rv.Views  # document id -> (document, the values counted)
    docs: list[DocRow]  # by meeting date (undated last), then file name
    figures: dict[str, list[rv.Figure]]

    @cached_property
    def number(self) -> dict[int, int]:
        """Document id -> its number (1, 2 …) in the order of ``docs`` (the report's appendix)."""
        return {d.id: i for i, d in enumerate(self.docs, 1)}

    def filenames(self, ids: set[int]) -> list[str]:
        """The file names of some of the documents, in the order of ``docs``."""
        return [self.docs[n - 1].filename for n in sorted(self.number[i] for i in ids)]

    @property
    def reviewed(self) -> int:
        return sum(1 for d in self.docs if d.review_state == "reviewed")

    def period(self) -> tuple[date | None, date | None]:
        """The earliest and latest meeting date of the selected documents."""
        dates = [d.meeting_date for d in self.docs if d.meeting_date]
        return (min(dates), max(dates)) if dates else (None, None)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def clean_text(s: object) -> str:
    """Text without the control characters that neither a workbook nor a Word file may hold."""
    return _CONTROL.sub("", str(s))


def naive_utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.astimezone(UTC).replace(tzinfo=None) if dt.tzinfo else dt


def compile_archive(session: Session, scope: rv.Scope | None = None, limit: int | None = None) -> Compiled:
    """Select the documents and compute the figures (``limit`` cuts the most-frequent lists)."""
    scope = scope or rv.Scope()
    views = rv.scoped_views(session, scope)
    paths: dict[int, list[str]] = defaultdict(list)
    if views:
        q = select(SourceFile.document_id, SourceFile.path).order_by(SourceFile.id)
        for doc_id, path in session.execute(q.where(SourceFile.document_id.in_(list(views)))):
            paths[doc_id].append(path)
    docs = []
    for doc_id, (doc, vs) in views.items():
        meeting = rv.meeting_value(vs) or {}
        docs.append(DocRow(
            id=doc_id, filename=doc.filename, paths=paths[doc_id], format=doc.format, pages=doc.pages,
            meeting_date=rv.iso_date(meeting.get("date")), title=meeting.get("title"),
            organizer=meeting.get("organizer"), year=rv.doc_year(vs),
            counts={f: sum(1 for v in vs if v.field == f) for f in FIELDS}, review_state=doc.review_state,
            reviewed_by=doc.reviewed_by, reviewed_at=naive_utc(doc.reviewed_at)))
    docs.sort(key=lambda d: (d.meeting_date is None, d.meeting_date or date.min, d.filename, d.id))
    return Compiled(scope, views, docs, rv.aggregate(views, limit))


def vn_date(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


def scope_text(scope: rv.Scope) -> str:
    """The scope in one Vietnamese sentence, for the head of the workbook and of the report."""
    parts = ["chỉ các tài liệu đã duyệt và giá trị đã duyệt" if scope.reviewed_only
             else "mọi tài liệu; giá trị đã duyệt trước, gợi ý của máy cho phần chưa duyệt"]
    if scope.year is not None:
        parts.append(f"năm {scope.year} (năm của hội nghị, nếu không có thì năm của chủ đề)")
    if scope.date_from or scope.date_to:
        parts.append("hội nghị " + " ".join(x for x in (scope.date_from and f"từ ngày {vn_date(scope.date_from)}",
                                                          scope.date_to and f"đến ngày {vn_date(scope.date_to)}") if x))
    if scope.organizer:
        parts.append(f"đơn vị tổ chức có “{scope.organizer}”")
    return "Phạm vi: " + "; ".join(parts) + ". Mục bị bác bỏ không được tính."
