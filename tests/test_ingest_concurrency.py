"""Two ingest processes on overlapping folders, at the same time, into one database: every
content stored once, every path recorded once, no error (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pipeline.store import Document, Item, SourceFile, open_store

ROOT = Path(__file__).resolve().parent.parent

# Each worker waits for the "go" file, then ingests its list with ingest_file (no Prefect: the
# race is in the store), and prints its outcomes as JSON.
WORKER = r"""
import json, os, sys, time
from pathlib import Path
go, url, out = sys.argv[1], sys.argv[2], sys.argv[3]
paths = sys.argv[4:]
from extractors import version_tag
from pipeline.ingest import ingest_file
from pipeline.process import analyze
from pipeline.store import open_store
sessions = open_store(url)
versions = version_tag()
analyze(__import__("pipeline.readers", fromlist=["read_bytes"]).read_bytes("Hội nghị.".encode(), "x.txt"))  # warm up
deadline = time.time() + 120
while not os.path.exists(go) and time.time() < deadline:
    time.sleep(0.01)
res = [ingest_file(p, sessions, versions=versions).to_dict() for p in paths]
Path(out).write_text(json.dumps(res, ensure_ascii=False))
"""


def _texts() -> list[str]:
    """Short, varied Vietnamese reports (each different content)."""
    base = [
        "Đảng ủy Khối Doanh nghiệp tỉnh tổ chức Hội nghị sơ kết ngày 14/5/2023. Toàn Đảng bộ có {n} cá nhân đăng ký nêu gương.",
        "Chi bộ {n} tổ chức sinh hoạt chuyên đề theo Chỉ thị số 05-CT/TW ngày 15/5/2016 của Bộ Chính trị.",
        "Ban Chấp hành Đảng bộ tỉnh khóa XIX họp Hội nghị lần thứ {n}; đồng chí Nguyễn Văn An, Bí thư Tỉnh ủy chủ trì.",
    ]
    return [base[i % 3].format(n=i + 2) + "\n" for i in range(24)]


def _folders(tmp: Path) -> tuple[list[str], list[str]]:
    """Two overlapping lists: shared files (same paths), the same content under other names, and own files."""
    shared_dir = tmp / "shared"
    a_dir, b_dir = tmp / "a", tmp / "b"
    for d in (shared_dir, a_dir, b_dir):
        d.mkdir()
    texts = _texts()
    shared = []
    for i, t in enumerate(texts[:12]):
        p = shared_dir / f"bao_cao_{i:02d}.txt"
        p.write_text(t, encoding="utf-8")
        shared.append(str(p))
    a = list(shared)
    b = list(reversed(shared))
    for i, t in enumerate(texts[12:18]):  # the same content in both folders, under different names
        pa, pb = a_dir / f"ban_sao_{i}.txt", b_dir / f"copy_{i}.txt"
        pa.write_text(t, encoding="utf-8")
        pb.write_text(t, encoding="utf-8")
        a.append(str(pa))
        b.insert(0, str(pb))
    for i, t in enumerate(texts[18:]):
        p = (a_dir if i % 2 else b_dir) / f"rieng_{i}.txt"
        p.write_text(t, encoding="utf-8")
        (a if i % 2 else b).append(str(p))
    return a, b


def _run_two(tmp: Path, url: str, a: list[str], b: list[str]) -> list[list[dict]]:
    go = tmp / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    outs = [tmp / "out_a.json", tmp / "out_b.json"]
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(go), url, str(out), *paths], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for out, paths in zip(outs, (a, b))]
    try:
        time.sleep(0.5)
        deadline = time.time() + 90
        # both ready (imports done) is not observable cheaply: give them time, then start together
        while time.time() < deadline and any(p.poll() is None for p in procs) and not go.exists():
            time.sleep(3)
            go.touch()
        results = []
        for p in procs:
            _, err = p.communicate(timeout=300)
            assert p.returncode == 0, err[-3000:]
        for out in outs:
            results.append(json.loads(out.read_text()))
        return results
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def _check(url: str, a: list[str], b: list[str], results: list[list[dict]]) -> None:
    everything = [o for r in results for o in r]
    assert not [o for o in everything if o["status"] == "failed"], everything
    assert len(results[0]) == len(a) and len(results[1]) == len(b)
    distinct_content = {Path(p).read_bytes() for p in a + b}
    distinct_paths = {str(Path(p).resolve()) for p in a + b}
    sessions = open_store(url)
    with sessions() as s:
        docs = s.scalar(select(func.count()).select_from(Document))
        assert docs == len(distinct_content)
        assert s.scalar(select(func.count(func.distinct(Document.sha256)))) == docs
        files = list(s.execute(select(SourceFile.path, SourceFile.document_id)))
        assert len(files) == len(set(files)) == len(distinct_paths)
        assert {f.path for f in files} == distinct_paths
        dup_items = s.execute(select(Item.document_id, Item.field, Item.key, func.count())
                              .where(Item.active.is_(True))
                              .group_by(Item.document_id, Item.field, Item.key)
                              .having(func.count() > 1)).all()
        assert dup_items == []
        assert {d.status for d in s.scalars(select(Document))} == {"done"}
    # each document was analysed ("done") by exactly one of the two processes
    done = [o["sha256"] for o in everything if o["status"] == "done"]
    assert len(done) == len(set(done)) == len(distinct_content)


@pytest.mark.slow
def test_two_processes_on_overlapping_folders(tmp_path, db_url):
    open_store(db_url)  # migrated before the race (the race on migrations is tested below)
    a, b = _folders(tmp_path)
    results = _run_two(tmp_path, db_url, a, b)
    _check(db_url, a, b, results)


@pytest.mark.postgres
def test_concurrent_migrations_on_postgresql(pg_url):
    """Four processes open the same new PostgreSQL database at once: the advisory lock lets one migrate."""
    code = ("import sys; from pipeline.store.db import open_store; open_store(sys.argv[1]); print('ok')")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", code, pg_url], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    try:
        for p in procs:
            out, err = p.communicate(timeout=180)
            assert p.returncode == 0 and out.strip() == "ok", err[-3000:]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    from sqlalchemy import inspect

    from pipeline.store.db import make_engine

    eng = make_engine(pg_url)
    assert {"documents", "files", "items", "decisions"} <= set(inspect(eng).get_table_names())
    eng.dispose()
