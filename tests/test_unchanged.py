"""The fast path of a re-run: a file whose path, size and modification time are those recorded when it
was read is recognised without being opened; anything else goes back to the content hash. Real files,
real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import time

from sqlalchemy import select

from pipeline.ingest import ingest_paths, unchanged_by_stat
from pipeline.store import Document, SourceFile, open_store
from test_watch_harness import vietnamese_report

HOUR = 3600


def _write(path, text: str, age: float = HOUR) -> None:
    path.write_text(text, encoding="utf-8")
    t = time.time() - age
    os.utime(path, (t, t))


def _versions() -> str:
    from extractors import version_tag

    return version_tag()


def test_unchanged_files_are_recognised_without_reading_them(db_url, tmp_path):
    files = [tmp_path / f"bc_{i}.txt" for i in range(3)]
    for i, f in enumerate(files):
        _write(f, vietnamese_report(i, seed=3))
    paths = [str(f) for f in files]
    first = ingest_paths(paths, db_url)
    assert [o["status"] for o in first] == ["done"] * 3
    with open_store(db_url)() as s:
        seen_before = {sf.path: sf.last_seen for sf in s.scalars(select(SourceFile))}
        meta = {d.filename: d.meta["files"] for d in s.scalars(select(Document))}
    st = os.stat(files[0])
    assert meta["bc_0.txt"] == {str(files[0].resolve()): [st.st_size, st.st_mtime_ns]}

    known, rest = unchanged_by_stat(paths, db_url, _versions())
    assert rest == [] and [o["status"] for o in known] == ["unchanged"] * 3
    assert {o["document_id"] for o in known} == {o["document_id"] for o in first}
    assert all(o["items"] == f["items"] for o, f in zip(sorted(known, key=lambda o: o["path"]), first))
    with open_store(db_url)() as s:
        assert all(sf.last_seen > seen_before[sf.path] for sf in s.scalars(select(SourceFile)))

    # the identity is (path, size, time): other bytes of the same size under the old time are not read
    # (what the fast path trades for not hashing); a new time sends the file back to the hash
    other = vietnamese_report(99, seed=3)[: len(files[0].read_text(encoding="utf-8"))]
    t = os.stat(files[0]).st_mtime_ns
    files[0].write_text(other, encoding="utf-8")
    os.utime(files[0], ns=(t, t))
    if os.stat(files[0]).st_size == st.st_size:
        assert unchanged_by_stat(paths, db_url, _versions())[1] == []
    _write(files[0], other, age=HOUR / 2)
    known, rest = unchanged_by_stat(paths, db_url, _versions())
    assert rest == [paths[0]] and len(known) == 2
    assert ingest_paths(rest, db_url)[0]["status"] == "done"  # new content: a new document


def test_a_touched_file_is_hashed_once_then_recognised_again(db_url, tmp_path):
    f = tmp_path / "bc.txt"
    _write(f, vietnamese_report(1, seed=4))
    assert ingest_paths([str(f)], db_url)[0]["status"] == "done"
    t = time.time() - HOUR / 2
    os.utime(f, (t, t))  # the same bytes, another time (a copy, a restore)
    assert unchanged_by_stat([str(f)], db_url, _versions())[1] == [str(f)]
    assert ingest_paths([str(f)], db_url)[0]["status"] == "unchanged"  # by its hash
    assert unchanged_by_stat([str(f)], db_url, _versions())[1] == []  # and its new time is remembered


def test_a_file_written_just_now_is_not_trusted_by_its_time(db_url, tmp_path):
    f = tmp_path / "bc.txt"
    f.write_text(vietnamese_report(2, seed=4), encoding="utf-8")  # mtime: now
    assert ingest_paths([str(f)], db_url)[0]["status"] == "done"
    # it could change again within the same tick of the clock, its size unchanged: always hashed
    assert unchanged_by_stat([str(f)], db_url, _versions())[1] == [str(f)]


def test_older_extractor_versions_and_failed_files_are_not_skipped(db_url, tmp_path):
    good, bad = tmp_path / "bc.txt", tmp_path / "hong.pdf"
    _write(good, vietnamese_report(3, seed=4))
    bad.write_bytes(b"%PDF-1.4 truncated")
    t = time.time() - HOUR
    os.utime(bad, (t, t))
    out = ingest_paths([str(good), str(bad)], db_url)
    assert [o["status"] for o in out] == ["done", "failed"]
    known, rest = unchanged_by_stat([str(good), str(bad)], db_url, _versions())
    assert rest == [str(bad)]  # a failed file is tried again
    assert unchanged_by_stat([str(good)], db_url, "meeting@0.0.1")[1] == [str(good)]  # re-extraction is due
