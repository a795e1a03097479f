"""Bounded time and memory per document, with real LibreOffice and tesseract: one LibreOffice
conversion at a time on the machine (a lock every process shares), and the OCR limits per
document, whose cut is recorded on the document and shown, never silently dropped."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


@pytest.mark.slow
def test_one_libreoffice_conversion_at_a_time(tmp_path):
    from pipeline.readers.doc_reader import soffice_path

    if not soffice_path():
        pytest.skip("LibreOffice is not installed")
    lock = tmp_path / "soffice.lock"
    env = {**os.environ, "MINUTES_SOFFICE_LOCK": str(lock)}
    doc = ROOT / "samples" / "bien_ban_sinh_hoat_chi_bo.doc"
    code = ("import sys, time; from pipeline.readers import read_file; t = time.time(); "
            "s = read_file(sys.argv[1]); print(time.time(), len(s.blocks))")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another process is converting
    try:
        p = subprocess.Popen([PY, "-c", code, str(doc)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, cwd=ROOT)
        time.sleep(8)
        assert p.poll() is None, p.communicate()  # still waiting for the lock
        assert not any("soffice" in c for c in _children(p.pid)), "soffice started while another held the lock"
        released = time.time()
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    out, err = p.communicate(timeout=180)
    assert p.returncode == 0, err
    finished, blocks = out.split()
    assert float(finished) >= released and int(blocks) > 0


def _children(pid: int) -> list[str]:
    import psutil

    try:
        return [" ".join(c.cmdline()) for c in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return []


@pytest.fixture
def scan2(shared) -> Path:
    """A scanned PDF of two pages from the shared set (skips without tesseract or the set)."""
    import pypdfium2 as pdfium

    from pipeline.readers.ocr import missing

    if missing():
        pytest.skip(missing())
    for p in sorted((shared / "eval" / "dev" / "formats" / "scan").glob("*.pdf")):
        if len(pdfium.PdfDocument(str(p))) == 2:
            return p
    pytest.skip("no scanned PDF of 2 pages in the shared set")


@pytest.mark.slow
def test_ocr_page_limit_is_recorded_and_shown(tmp_path, scan2, monkeypatch):
    src = scan2
    monkeypatch.setenv("MINUTES_OCR_MAX_PAGES", "1")
    from pipeline.ingest import ingest_file, summarize
    from pipeline.store import Document, open_store

    url = f"sqlite:///{tmp_path / 'm.db'}"
    sessions = open_store(url)
    out = ingest_file(src, sessions)
    assert out.status == "done", out.reason
    assert out.cut and "page 2" in out.cut and "MINUTES_OCR_MAX_PAGES" in out.cut
    assert summarize([out])["cut"] == [{"path": str(src), "note": out.cut}]
    with sessions() as s:
        doc = s.query(Document).one()
        assert doc.meta["ocr_cut"]["pages"] == [2] and doc.meta["ocr_pages"] == [1]
        assert out.cut in doc.meta["warnings"]
    shown = subprocess.run([PY, "-m", "pipeline.cli", "show", src.name, "--db", url], capture_output=True,
                           text=True, cwd=ROOT, timeout=120)
    assert shown.returncode == 0 and "not read (page 2)" in shown.stdout, shown.stdout + shown.stderr


@pytest.mark.slow
def test_ocr_time_limit_cuts_and_says_so(scan2, monkeypatch):
    src = scan2
    monkeypatch.setenv("MINUTES_OCR_MAX_SECONDS", "1.5")
    monkeypatch.setenv("MINUTES_OCR_WORKERS", "1")
    from pipeline.model import ReadError
    from pipeline.readers import read_file

    t = time.monotonic()
    try:
        src_doc = read_file(src)
    except ReadError as err:  # nothing could be read in the time: the failure says why
        assert err.kind == "ocr_limit" and "MINUTES_OCR_MAX_SECONDS" in err.reason
    else:
        cut = src_doc.metadata["ocr_cut"]
        assert cut["pages"] and "MINUTES_OCR_MAX_SECONDS" in cut["note"] and cut["note"] in src_doc.warnings
    assert time.monotonic() - t < 30
