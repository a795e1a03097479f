"""The watched folder: unit tests of its parts (quick), then ``minutes watch`` as a real subprocess
against a temporary ROOT, a real SQLite file and a real Prefect server (slow)."""

from __future__ import annotations

import logging
import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from pipeline.ingest import Outcome
from pipeline.watch.watcher import Tracker, WatchSettings, error_note, move_unique, wanted
from test_watch_harness import (docx_bytes, documents, encrypted_pdf, exe_bytes, files, premigrated_prefect_home,
                                prefect_server,
                                start_watch, vietnamese_report, wait_for)

# ------------------------------------------------------------------ parts


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_tracker_waits_until_size_and_mtime_are_stable(tmp_path):
    clock = Clock()
    tr = Tracker(settle=2.0, clock=clock)
    f = tmp_path / "a.txt"
    f.write_text("first half")
    tr.add(f)
    assert tr.ready() == []  # first look
    clock.t += 1.5
    assert tr.ready() == []
    with open(f, "a") as fh:  # still being written
        fh.write(" second half")
    clock.t += 1.0
    assert tr.ready() == []  # changed: the clock starts again
    clock.t += 1.9
    assert tr.ready() == []
    clock.t += 0.2
    assert tr.ready() == [f]
    tr.take([f])
    tr.add(f)  # an event for a file being processed is ignored
    assert len(tr) == 0
    tr.release([f])
    f.unlink()
    tr.add(f)
    assert tr.ready() == [] and len(tr) == 0  # vanished files are dropped


def test_tracker_empty_files_wait_longer(tmp_path):
    clock = Clock()
    tr = Tracker(settle=1.0, clock=clock)
    f = tmp_path / "empty.txt"
    f.write_bytes(b"")
    tr.add(f)
    tr.ready()
    clock.t += 1.5
    assert tr.ready() == []
    clock.t += 2.0
    assert tr.ready() == [f]


def test_wanted_ignores_temporary_and_lock_files(tmp_path):
    inbox = tmp_path / "inbox"
    for name in ["~$bao_cao.docx", "x.tmp", "y.PART", ".~lock.a.docx#", ".hidden.txt", "z.crdownload"]:
        assert not wanted(inbox / name, inbox), name
    assert not wanted(inbox / ".sync" / "a.docx", inbox)
    assert not wanted(tmp_path / "done" / "a.docx", inbox)
    assert wanted(inbox / "a.docx", inbox) and wanted(inbox / "sub" / "b.pdf", inbox)
    assert wanted(inbox / "prog.exe", inbox)  # unsupported types are processed, and fail with a reason


def test_move_never_overwrites_and_writes_the_note(tmp_path):
    inbox, done = tmp_path / "inbox", tmp_path / "failed"
    inbox.mkdir()
    done.mkdir()
    (done / "a.pdf").write_text("earlier")
    (done / "a (2).pdf.error.txt").write_text("an orphan note")
    src = inbox / "a.pdf"
    src.write_text("new")
    dst = move_unique(src, done, note="The file is empty.\n")
    assert dst.name == "a (3).pdf" and dst.read_text() == "new" and not src.exists()
    assert (done / "a.pdf").read_text() == "earlier"
    assert (done / "a (3).pdf.error.txt").read_text() == "The file is empty.\n"
    noext = inbox / "README"
    noext.write_text("x")
    (done / "README").write_text("y")
    assert move_unique(noext, done).name == "README (2)"


def test_move_finishes_an_interrupted_move(tmp_path):
    inbox, done = tmp_path / "inbox", tmp_path / "done"
    inbox.mkdir()
    done.mkdir()
    src = inbox / "a.txt"
    src.write_text("content")
    os.link(src, done / "a.txt")  # the process died after the link, before the unlink
    dst = move_unique(src, done)
    assert dst == done / "a.txt" and not src.exists() and files(done) == ["a.txt"]


def test_error_note_is_one_sentence():
    o = Outcome("x.pdf", "failed", reason="The PDF is protected with a password")
    assert error_note(o) == "The PDF is protected with a password.\n"
    assert error_note(Outcome("x", "failed")).strip().endswith(".")


def _watcher(tmp_path: Path):
    from pipeline.watch.watcher import Watcher

    w = Watcher(WatchSettings(root=tmp_path / "root", settle=0.1))
    for d in (w.s.inbox, w.s.done):
        d.mkdir(parents=True, exist_ok=True)
    w._placed, w._changed = set(), set()
    return w


def test_place_moves_each_file_by_its_outcome(tmp_path, caplog):
    w = _watcher(tmp_path)
    inbox = w.s.inbox
    for name in ["sub/a.txt", "b.pdf", "c.txt"]:
        (inbox / name).parent.mkdir(parents=True, exist_ok=True)
        (inbox / name).write_text(name)
    w._taken = {str(inbox / n): None for n in ["sub/a.txt", "b.pdf", "c.txt"]}
    logger = logging.getLogger("minutes.watch")
    logger.addHandler(caplog.handler)  # ("minutes" may not propagate once a command configured it)
    with caplog.at_level("INFO", logger="minutes.watch"):
        w._place_batch([Outcome(str(inbox / "sub" / "a.txt"), "done", document_id=1, items={"people": 2}),
                        Outcome(str(inbox / "b.pdf"), "failed", reason="The file is empty."),
                        Outcome(str(inbox / "c.txt"), "duplicate", document_id=1)])
    logger.removeHandler(caplog.handler)
    assert files(w.s.done) == ["c.txt", "sub/a.txt"]
    assert files(w.s.failed) == ["b.pdf", "b.pdf.error.txt"] and files(inbox) == []
    assert (w.s.failed / "b.pdf.error.txt").read_text() == "The file is empty.\n"
    lines = list(dict.fromkeys(r.getMessage() for r in caplog.records))
    assert len(lines) == 3  # one line per file, paths relative to ROOT
    assert lines[0].startswith("done       inbox/sub/a.txt -> done/sub/a.txt: document 1; 2 people"), lines
    assert lines[1] == "failed     inbox/b.pdf -> failed/b.pdf: The file is empty.", lines
    assert any(ln.startswith("duplicate  inbox/c.txt -> done/c.txt") for ln in lines), lines
    assert w.counts == {"done": 1, "failed": 1, "duplicate": 1}


def test_a_file_overwritten_while_read_is_read_again(tmp_path):
    from pipeline.watch.watcher import _signature

    w = _watcher(tmp_path)
    f = w.s.inbox / "a.txt"
    f.write_text("old")
    w._taken = {str(f): _signature(f)}
    time.sleep(0.01)
    f.write_text("new content")
    w._place_batch([Outcome(str(f), "done", document_id=1)])
    assert f.exists() and files(w.s.done) == [] and str(f) in w._changed and str(f) not in w._placed


def test_a_file_that_cannot_be_moved_is_left_until_it_changes(tmp_path):
    w = _watcher(tmp_path)
    w.s.failed.write_text("not a folder")  # moving into failed/ fails
    f = w.s.inbox / "x.pdf"
    f.write_text("broken")
    w._taken = {str(f): None}
    w._place_batch([Outcome(str(f), "failed", reason="The file is damaged.")])
    assert f.exists() and str(f) in w._placed
    w.offer(f)
    assert w.scan() == 0 and len(w.tracker) == 0  # not picked up again: no loop
    f.write_text("a new copy")
    w.offer(f)
    assert len(w.tracker) == 1


def test_settings_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MINUTES_WATCH_SETTLE", "0.5")
    monkeypatch.setenv("MINUTES_WATCH_BURST", "7")
    s = WatchSettings(root=tmp_path)
    assert (s.settle, s.burst, s.inbox) == (0.5, 7, tmp_path.resolve() / "inbox")
    with pytest.raises(ValueError):
        WatchSettings(root=tmp_path, burst=0)


# ------------------------------------------------------------------ the real watcher

@pytest.fixture(scope="module")
def api_url() -> str:
    return prefect_server()


def _lines(log: str, status: str) -> list[str]:
    return [ln for ln in log.splitlines() if f" {status} " in ln and " -> " in ln]


def _drop(path: Path, data: bytes) -> None:
    """Copy a file in the way a file manager does: written into place in one go."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.mark.slow
def test_200_files_dropped_at_once(tmp_path, api_url):
    root, db = tmp_path / "root", f"sqlite:///{tmp_path / 'm.db'}"
    w = start_watch(tmp_path, root, db, api_url)
    try:
        w.wait_log(r"watching .*inbox", 90)
        t0 = time.monotonic()
        names = []
        for i in range(200):
            name = f"{'sub/' if i % 10 == 0 else ''}bao_cao_{i:03d}.txt"
            _drop(root / "inbox" / name, vietnamese_report(i).encode())
            names.append(name)
        wait_for(lambda: len(files(root / "done")) >= 200, 150, "200 files in done/", interval=1, proc=w)
        elapsed = time.monotonic() - t0
        time.sleep(1.5)  # nothing more happens afterwards
        w.signal(signal.SIGTERM)
        assert w.wait_exit(60) == 0
    finally:
        w.kill()
    log = w.text()
    assert files(root / "done") == sorted(names)
    assert files(root / "inbox") == [] and files(root / "failed") == []
    docs = documents(db)
    assert len(docs) == 200 and {d[1] for d in docs} == {"done"}
    done_lines = _lines(log, "done")
    assert len(done_lines) == 200, log[-3000:]
    moved = Counter(ln.split(" -> ")[0].split()[-1] for ln in done_lines)
    assert max(moved.values()) == 1  # nothing twice
    print(f"200 files in {elapsed:.1f} s")


@pytest.mark.slow
def test_half_written_file_bad_files_and_duplicates(tmp_path, api_url):
    root, db = tmp_path / "root", f"sqlite:///{tmp_path / 'm.db'}"
    inbox = root / "inbox"
    w = start_watch(tmp_path, root, db, api_url, "--settle", "2.5")
    try:
        w.wait_log(r"watching .*inbox", 90)
        # a .docx written in two halves with a pause: read too early it would be a damaged zip
        whole = docx_bytes(vietnamese_report(1))
        with open(inbox / "hai_nua.docx", "wb") as fh:
            fh.write(whole[: len(whole) // 2])
            fh.flush()
            time.sleep(1.2)
            fh.write(whole[len(whole) // 2:])
        # bad files among good ones
        _drop(inbox / "tot_1.txt", vietnamese_report(2).encode())
        _drop(inbox / "hong.docx", b"PK\x03\x04" + docx_bytes(vietnamese_report(3))[4:1500])
        _drop(inbox / "mat_khau.pdf", encrypted_pdf())
        _drop(inbox / "rong.txt", b"")
        _drop(inbox / "chuong_trinh.pdf", exe_bytes())
        _drop(inbox / "tot_2.docx", docx_bytes(vietnamese_report(4)))
        # a download that ends with a rename is picked up under its final name
        _drop(inbox / "tai_ve.txt.part", vietnamese_report(7).encode())
        os.rename(inbox / "tai_ve.txt.part", inbox / "tai_ve.txt")
        # files that are never touched
        for name in ["~$hai_nua.docx", "dang_chep.part", "tam.tmp", ".~lock.tot_2.docx#"]:
            _drop(inbox / name, b"temporary")
        # the same content twice under different names, and a name that is already in done/
        same = vietnamese_report(5).encode()
        _drop(inbox / "ban_goc.txt", same)
        wait_for(lambda: "ban_goc.txt" in files(root / "done"), 60, "ban_goc.txt in done/", proc=w)
        _drop(inbox / "ban_sao.txt", same)
        _drop(inbox / "tot_1.txt", vietnamese_report(6).encode())  # same name, new content
        wait_for(lambda: len(files(root / "done")) >= 7 and len(files(root / "failed")) >= 8, 90,
                 "7 files in done/ and 4 failed files with their notes", proc=w)
        time.sleep(2)
        w.signal(signal.SIGTERM)
        assert w.wait_exit(60) == 0
    finally:
        w.kill()
    log = w.text()
    done = files(root / "done")
    assert done == ["ban_goc.txt", "ban_sao.txt", "hai_nua.docx", "tai_ve.txt", "tot_1 (2).txt", "tot_1.txt",
                    "tot_2.docx"], log
    assert (root / "done" / "hai_nua.docx").read_bytes() == whole  # whole, once
    assert (root / "done" / "tot_1.txt").read_text() == vietnamese_report(2)  # the earlier file is kept
    failed = files(root / "failed")
    assert failed == sorted(["chuong_trinh.pdf", "chuong_trinh.pdf.error.txt", "hong.docx", "hong.docx.error.txt",
                             "mat_khau.pdf", "mat_khau.pdf.error.txt", "rong.txt", "rong.txt.error.txt"]), log
    notes = {n: (root / "failed" / n).read_text(encoding="utf-8") for n in failed if n.endswith(".error.txt")}
    for name, note in notes.items():
        assert note.count("\n") == 1 and note.strip().endswith(".") and len(note) > 10, (name, note)
    assert "password" in notes["mat_khau.pdf.error.txt"].lower() or "encrypt" in notes["mat_khau.pdf.error.txt"]
    assert "empty" in notes["rong.txt.error.txt"].lower()
    assert "program" in notes["chuong_trinh.pdf.error.txt"].lower() or "not a" in notes["chuong_trinh.pdf.error.txt"]
    assert "damaged" in notes["hong.docx.error.txt"].lower() or "corrupt" in notes["hong.docx.error.txt"].lower()
    assert files(inbox) == sorted(["~$hai_nua.docx", "dang_chep.part", "tam.tmp"])  # (.~lock is hidden)
    assert (inbox / ".~lock.tot_2.docx#").exists()
    docs = documents(db)
    by_status = Counter(d[1] for d in docs)
    assert by_status == {"done": 6, "failed": 4}, docs  # ban_goc/ban_sao are one document
    assert len(_lines(log, "duplicate")) == 1 and "ban_sao.txt" in _lines(log, "duplicate")[0]
    assert len(_lines(log, "failed")) == 4
    assert len([ln for ln in log.splitlines() if "hai_nua.docx ->" in ln]) == 1


@pytest.mark.slow
def test_waiting_files_sigterm_mid_batch_and_restart(tmp_path, api_url):
    root, db = tmp_path / "root", f"sqlite:///{tmp_path / 'm.db'}"
    names = [f"cho_{i:02d}.txt" for i in range(60)]
    for i, name in enumerate(names):
        _drop(root / "inbox" / name, vietnamese_report(i, seed=3).encode())
    w = start_watch(tmp_path, root, db, api_url, "--burst", "6")
    try:
        wait_for(lambda: len(files(root / "done")) >= 6, 120, "the first files in done/", interval=0.1, proc=w)
        w.signal(signal.SIGTERM)
        assert w.wait_exit(60) == 0
    finally:
        w.kill()
    first = w.text()
    assert "stopping (SIGTERM)" in first
    left = files(root / "inbox")
    # nothing lost so far (a file caught between its link into done/ and its unlink is in both)
    assert 0 < len(left) < 60 and set(files(root / "done")) | set(left) == set(names)
    w2 = start_watch(tmp_path, root, db, api_url, log="watch2.log")
    try:
        wait_for(lambda: len(files(root / "done")) >= 60, 120, "all 60 files in done/", proc=w2)
        time.sleep(1)
        w2.signal(signal.SIGTERM)
        assert w2.wait_exit(60) == 0
    finally:
        w2.kill()
    assert files(root / "done") == names and files(root / "inbox") == [] and files(root / "failed") == []
    docs = documents(db)
    assert len(docs) == 60 and len({d[0] for d in docs}) == 60
    second = w2.text()
    # every file moved exactly once over both runs
    moved = Counter(ln.split(" -> ")[0].split()[-1] for ln in (first + second).splitlines() if " -> " in ln)
    assert sorted(moved) == [f"inbox/{n}" for n in names] and max(moved.values()) == 1


@pytest.mark.slow
def test_killed_without_warning_then_restart(tmp_path, api_url):
    """SIGKILL: files stored but not yet moved come back as "unchanged" and are moved; nothing doubles."""
    root, db = tmp_path / "root", f"sqlite:///{tmp_path / 'm.db'}"
    names = [f"k_{i:02d}.txt" for i in range(40)]
    for i, name in enumerate(names):
        _drop(root / "inbox" / name, vietnamese_report(i, seed=9).encode())
    w = start_watch(tmp_path, root, db, api_url, "--burst", "40")
    try:
        wait_for(lambda: len(files(root / "done")) >= 1, 120, "the first file in done/", interval=0.05, proc=w)
        w.signal(signal.SIGKILL)
        w.wait_exit(30)
    finally:
        w.kill()
    stored_before, moved_before, left = len(documents(db)), len(files(root / "done")), files(root / "inbox")
    assert left, "the burst finished before the kill; nothing to recover"
    w2 = start_watch(tmp_path, root, db, api_url, log="watch2.log")
    try:
        wait_for(lambda: len(files(root / "done")) >= 40, 120, "all 40 files in done/", proc=w2)
        time.sleep(1)
        w2.signal(signal.SIGINT)
        assert w2.wait_exit(60) == 0
    finally:
        w2.kill()
    assert files(root / "done") == names and files(root / "inbox") == []
    docs = documents(db)
    assert len(docs) == 40 and len({d[0] for d in docs}) == 40
    second = w2.text()
    moved = Counter(ln.split(" -> ")[0].split()[-1] for ln in second.splitlines() if " -> " in ln)
    assert sorted(moved) == [f"inbox/{n}" for n in left] and max(moved.values()) == 1
    # stored before the kill but not yet moved: recognised as unchanged, moved, not stored again
    # (or re-extracted, if the extractors changed in between)
    again = len(_lines(second, "unchanged")) + len(_lines(second, "reextracted"))
    assert again >= stored_before - moved_before
    assert len(_lines(second, "done")) == 40 - stored_before


@pytest.mark.slow
def test_without_a_prefect_server(tmp_path, api_url):
    """No PREFECT_API_URL: the flow runs on Prefect's temporary local server; --once empties the inbox."""
    root, db = tmp_path / "root", f"sqlite:///{tmp_path / 'm.db'}"
    _drop(root / "inbox" / "mot.txt", vietnamese_report(1, seed=5).encode())
    _drop(root / "inbox" / "hai" / "hai.docx", docx_bytes(vietnamese_report(2, seed=5)))
    premigrated_prefect_home(tmp_path / "state" / "prefect")  # (api_url: the session server's database)
    w = start_watch(tmp_path, root, db, None, "--once")
    try:
        assert w.wait_exit(240) == 0, w.tail()
    finally:
        w.kill()
    assert files(root / "done") == ["hai/hai.docx", "mot.txt"], w.tail()
    assert len(documents(db)) == 2
