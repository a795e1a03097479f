"""ingest_file: content-hash identity, idempotence, duplicates, failures, re-extraction that keeps decisions."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from pipeline.ingest import collect, ingest_file
from pipeline.store import Decision, Document, Item, SourceFile, open_store
from pipeline.store import repo
from pipeline.store.review import decide

REPORT = """Đảng ủy Khối Doanh nghiệp tỉnh tổ chức Hội nghị sơ kết ngày 14/5/2023.
Toàn Đảng bộ có 215 cá nhân, 31 chi bộ đăng ký nêu gương, trong đó có 18 mô hình.
Chi bộ Công ty Điện lực với mô hình “Thắp sáng đường quê” được đánh giá cao.
"""


def write(p: Path, text: str) -> Path:
    p.write_text(text, encoding="utf-8")
    return p


def counts(sessions):
    with sessions() as s:
        return (s.scalar(select(func.count()).select_from(Document)),
                s.scalar(select(func.count()).select_from(Item).where(Item.active.is_(True))),
                s.scalar(select(func.count()).select_from(SourceFile)))


def test_same_file_twice_changes_nothing(tmp_path, db_url):
    sessions = open_store(db_url)
    f = write(tmp_path / "bao_cao.txt", REPORT)
    first = ingest_file(f, sessions)
    assert first.status == "done" and first.items.get("pledges")
    before = counts(sessions)
    again = ingest_file(f, sessions)
    assert again.status == "unchanged" and again.document_id == first.document_id
    assert counts(sessions) == before


def test_copy_under_another_name_is_a_duplicate(tmp_path, db_url):
    sessions = open_store(db_url)
    a = write(tmp_path / "a.txt", REPORT)
    b = write(tmp_path / "ban_sao.txt", REPORT)
    assert ingest_file(a, sessions).status == "done"
    dup = ingest_file(b, sessions)
    assert dup.status == "duplicate"
    docs, _items, files = counts(sessions)
    assert docs == 1 and files == 2


def test_bad_files_are_stored_as_failed_with_a_reason(tmp_path, db_url):
    sessions = open_store(db_url)
    empty = write(tmp_path / "rong.txt", "")
    exe = tmp_path / "chuong_trinh.pdf"
    exe.write_bytes(b"MZ\x90\x00" + bytes(range(256)) * 4)
    big = write(tmp_path / "lon.txt", REPORT * 50)
    outs = [ingest_file(empty, sessions), ingest_file(exe, sessions), ingest_file(big, sessions, max_bytes=1000)]
    assert [o.status for o in outs] == ["failed"] * 3
    assert [o.error_kind for o in outs] == ["empty", "unsupported", "too_large"]
    for o in outs:
        assert o.reason and o.reason.endswith(".")
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Document).where(Document.status == "failed")) == 3


def test_new_extractor_version_reextracts_and_keeps_decisions(tmp_path, db_url):
    sessions = open_store(db_url)
    f = write(tmp_path / "bao_cao.txt", REPORT)
    out = ingest_file(f, sessions)
    with sessions() as s:
        doc = s.get(Document, out.document_id)
        item = next(i for i in repo.active_items(s, doc.id) if i.field == "pledges")
        decide(s, doc, item.field, item.key, "edit", reviewer="lan", version=0,
               value={**item.value, "subject": "Đảng bộ Khối"})
        s.commit()
        old_ids = {i.id for i in repo.active_items(s, doc.id)}
    again = ingest_file(f, sessions, versions="pledges@99")
    assert again.status == "reextracted"
    with sessions() as s:
        doc = s.get(Document, out.document_id)
        new = repo.active_items(s, doc.id)
        assert new and not old_ids & {i.id for i in new}
        assert s.scalar(select(func.count()).select_from(Decision)) == 1
        eff = [e for e in repo.effective_items(s, doc) if e["field"] == "pledges"]
        edited = [e for e in eff if e["state"] == "edited"]
        assert edited and edited[0]["value"]["subject"] == "Đảng bộ Khối"


def test_collect_skips_lock_and_partial_files(tmp_path):
    for name in ("a.docx", "~$a.docx", ".~lock.a.docx#", "b.pdf.part", "c.tmp", "d.txt"):
        write(tmp_path / name, "x")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "e.txt", "y")
    assert sorted(p.name for p in collect([tmp_path])) == ["a.docx", "d.txt", "e.txt"]
    with pytest.raises(FileNotFoundError):
        collect([tmp_path / "missing"])
