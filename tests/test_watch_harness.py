"""Harness for the watcher and serve tests: one real Prefect server per test session, subprocesses
with their logs in files, bounded waits, and small Vietnamese documents that all differ.

(No tests here; test_watch.py and test_serve.py import it.)"""

from __future__ import annotations

import atexit
import io
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

_server: dict = {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, interval: float = 0.25, proc: "Proc | None" = None):
    """Poll ``predicate`` until truthy; fail with ``what`` (and the process log) after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.p.poll() is not None:
            raise AssertionError(f"{what}: the process exited with {proc.p.returncode}\n{proc.tail()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}"
                                 + (f"\n{proc.tail()}" if proc else ""))
        time.sleep(interval)


def prefect_server() -> str:
    """The API URL of a Prefect server started once for the session (own PREFECT_HOME, killed at exit)."""
    if "url" in _server:
        return _server["url"]
    home = Path(tempfile.mkdtemp(prefix="minutes-prefect-"))
    port = free_port()
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_UI_ENABLED": "false", "DO_NOT_TRACK": "1", "PREFECT_LOGGING_LEVEL": "WARNING"}
    env.pop("PREFECT_API_URL", None)
    log = open(home / "server.log", "wb")
    p = subprocess.Popen([PY, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                         env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    _server.update(proc=p, home=home)

    def stop() -> None:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(5)

    atexit.register(stop)
    url = f"http://127.0.0.1:{port}/api"

    def healthy() -> bool:
        if p.poll() is not None:
            raise AssertionError(f"the Prefect server exited:\n{(home / 'server.log').read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    wait_for(healthy, 240, "the Prefect server to start", interval=0.5)
    _server["url"] = url
    return url


class Proc:
    """A ``minutes`` subprocess with its output in a file; always killed by ``kill()``."""

    def __init__(self, args: list[str], env: dict, cwd: Path, log: Path) -> None:
        self.log = log
        self.fh = open(log, "ab")
        self.p = subprocess.Popen([PY, "-m", "pipeline.cli", *args], env=env, cwd=cwd, stdout=self.fh,
                                  stderr=subprocess.STDOUT, start_new_session=True)

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def tail(self, n: int = 4000) -> str:
        return "--- log ---\n" + self.text()[-n:]

    def wait_log(self, pattern: str, timeout: float, count: int = 1) -> None:
        rx = re.compile(pattern, re.M)
        wait_for(lambda: len(rx.findall(self.text())) >= count, timeout, f"log /{pattern}/ x{count}", proc=self)

    def signal(self, sig: int) -> None:
        if self.p.poll() is None:
            os.kill(self.p.pid, sig)

    def wait_exit(self, timeout: float) -> int:
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the process did not exit within {timeout:.0f} s\n{self.tail()}") from None

    def kill(self) -> None:
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.p.wait(10)
        self.fh.close()


def minutes_env(tmp: Path, api_url: str | None) -> dict:
    env = {**os.environ, "MINUTES_STATE_DIR": str(tmp / "state"), "PREFECT_HOME": str(tmp / "state" / "prefect"),
           "PYTHONUNBUFFERED": "1", "MINUTES_WORKERS": "1"}
    env.pop("MINUTES_DATABASE_URL", None)
    if api_url:
        env["PREFECT_API_URL"] = api_url
    else:
        env.pop("PREFECT_API_URL", None)
    return env


def premigrated_prefect_home(dst: Path) -> Path:
    """A PREFECT_HOME whose database is a copy of the session server's (already migrated), so that
    Prefect's temporary local server starts without migrating."""
    import sqlite3

    dst.mkdir(parents=True, exist_ok=True)
    src = _server.get("home")
    if src and (src / "prefect.db").is_file() and not (dst / "prefect.db").exists():
        a, b = sqlite3.connect(src / "prefect.db"), sqlite3.connect(dst / "prefect.db")
        try:
            a.backup(b)
        finally:
            a.close()
            b.close()
    return dst


def start_watch(tmp: Path, root: Path, db_url: str, api_url: str | None, *extra: str, log: str = "watch.log") -> Proc:
    return Proc(["watch", str(root), "--db", db_url, "--settle", "1", *extra], minutes_env(tmp, api_url), tmp, tmp / log)


# ------------------------------------------------------------------ documents

_ORGS = ["Đảng bộ tỉnh Nghệ An", "Đảng ủy Khối cơ quan", "Huyện ủy Thanh Chương", "Thành ủy Vinh",
         "Đảng bộ xã Nam Đàn", "Ban Thường vụ Tỉnh ủy Hà Tĩnh", "Đảng ủy phường Bến Thủy"]
_PEOPLE = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Minh Đức", "Hoàng Thị Hoa", "Võ Quốc Khánh"]
_TOPICS = ["phát triển kinh tế - xã hội", "xây dựng nông thôn mới", "cải cách hành chính", "chuyển đổi số",
           "công tác cán bộ", "phòng, chống tham nhũng", "bảo vệ môi trường"]


def vietnamese_report(i: int, seed: int = 0) -> str:
    """A short meeting report, different for every ``i`` (so every file has its own sha256)."""
    r = random.Random(i * 7919 + seed)
    org, person, topic = r.choice(_ORGS), r.choice(_PEOPLE), r.choice(_TOPICS)
    day, month = r.randint(1, 28), r.randint(1, 12)
    return (f"{org.upper()}\nSố {100 + i}-BC/TU\n{org.split()[-1]}, ngày {day} tháng {month} năm 2024\n\n"
            f"BÁO CÁO\nKết quả hội nghị lần thứ {i + 1} về {topic}\n\n"
            f"Ngày {day}/{month}/2024, {org} tổ chức hội nghị về {topic}. Đồng chí {person} chủ trì hội nghị.\n"
            f"Hội nghị thống nhất phấn đấu hoàn thành {r.randint(2, 40)} công trình trong năm 2024 "
            f"và giao {r.randint(3, 12)} nhiệm vụ trọng tâm (mã {i}-{seed}).\n")


def docx_bytes(text: str) -> bytes:
    import docx

    d = docx.Document()
    for line in text.splitlines():
        d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


ENCRYPTED_PDF = b"""%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj
3 0 obj << /Filter /Standard /V 1 /R 2 /O <28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a> /U <28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a> /P -4 >> endobj
trailer << /Root 1 0 R /Encrypt 3 0 R /ID [<0123456789abcdef0123456789abcdef><0123456789abcdef0123456789abcdef>] >>
%%EOF
"""


def encrypted_pdf() -> bytes:
    """A PDF that needs a password to open: the readers' fixture if present, else a minimal hand-written one."""
    fixture = ROOT / "tests" / "fixtures" / "readers" / "ke_hoach_user_pw.pdf"
    return fixture.read_bytes() if fixture.is_file() else ENCRYPTED_PDF


def exe_bytes() -> bytes:
    """The start of a Windows program (MZ header, PE signature), to be renamed .pdf."""
    head = bytearray(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44)
    head[0x3C:0x40] = (0x80).to_bytes(4, "little")
    body = b"\x00" * (0x80 - len(head)) + b"PE\x00\x00" + bytes(range(256)) * 8
    return bytes(head) + body


def documents(db_url: str) -> list[tuple[str, str, str]]:
    """(sha256, status, filename) of every stored document."""
    from sqlalchemy import create_engine, text

    eng = create_engine(db_url)
    try:
        with eng.connect() as c:
            return [tuple(r) for r in c.execute(text("SELECT sha256, status, filename FROM documents"))]
    finally:
        eng.dispose()


def files(folder: Path) -> list[str]:
    """Names (relative, sorted) of the files below ``folder``, hidden files left out."""
    if not folder.is_dir():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and not p.name.startswith("."))
