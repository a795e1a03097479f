"""The local background server: one Prefect server and one warm runner, shared by every ``minutes`` command.

The first command that needs Prefect and finds no ``PREFECT_API_URL`` starts, in the background, a
small supervisor process (``python -m pipeline.server.supervisor``) with two children:

* a Prefect server (API and UI) on a free port of 127.0.0.1, its database in the state folder
  (``$MINUTES_STATE_DIR/prefect``, Prefect's ``PREFECT_HOME``);
* the runner (``pipeline.server.runner``): a process that has imported Prefect and the flows once and
  keeps worker processes warm (the pipeline imported, the segmenter's model and the extractors
  loaded). ``minutes ingest`` hands it the files over a Unix socket and shows its progress; the runner
  runs the ingest flow (a Prefect flow run like any other, in the UI) on those workers.

Every later command reuses them. Their files are in ``$MINUTES_STATE_DIR/server/``:
``prefect-server.pid`` (the supervisor's pid), ``prefect-server.port``, ``server.json`` (addresses and
state), the logs (``prefect-server.log``, ``runner.log``, ``supervisor.log``), the runner's socket, and:

* ``start.lock``, held while a command looks for (or starts) the server, and by the supervisor while it
  stops for idleness: two commands starting at once start one server;
* ``users.lock``, held (shared) by every command using the server for as long as it runs; after
  ``MINUTES_SERVER_IDLE`` minutes (default 30) with no such command, the supervisor stops everything;
* ``last-used``, touched when a command starts and ends using the server.

A pid file whose process is gone (or is another program) is stale and cleared; a Prefect server or
runner that died is started again by the supervisor, and a supervisor that died by the next command.
``minutes server stop`` stops it all. ``PREFECT_API_URL``, when set, wins: commands use that server and
none is started. ``MINUTES_SERVER=off``: each command runs its flows itself, with Prefect's temporary
in-process server, as before this module existed.

Only the standard library is imported here, so that a command reaching the runner pays for nothing else.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

DEFAULT_IDLE_MINUTES = 30.0
#: the first start migrates Prefect's database: on a busy machine that takes a while
START_TIMEOUT = 300.0
SUPERVISOR = "pipeline.server.supervisor"
RUNNER = "pipeline.server.runner"

#: MINUTES_* variables that do not change what the runner computes (they are sent with each request,
#: or concern other commands); any other MINUTES_* variable must be the same in a command and the runner
_NEUTRAL_ENV = ("MINUTES_DATABASE_URL", "MINUTES_WORKERS", "MINUTES_MAX_MB", "MINUTES_STATE_DIR", "MINUTES_SECRET",
                "MINUTES_SHARED", "MINUTES_TEST_PG_URL", "MINUTES_ARCHIVE", "MINUTES_VENV", "MINUTES_SKIP_APT")
_NEUTRAL_PREFIXES = ("MINUTES_SERVER", "MINUTES_WATCH_", "MINUTES_SERVE_")  # MINUTES_SERVER_* too


class ServerError(RuntimeError):
    """The background server could not be started or reached (one sentence, with the log to read)."""


# --------------------------------------------------------------------------------------------
# settings and files


def mode() -> str:
    """``auto`` (start or reuse the background server) or ``off`` ($MINUTES_SERVER)."""
    value = os.environ.get("MINUTES_SERVER", "auto").strip().lower()
    return "off" if value in ("off", "0", "no", "false") else "auto"


def idle_minutes(value: str | float | None = None) -> float:
    """Minutes without a command before the server stops itself ($MINUTES_SERVER_IDLE; 0: never)."""
    raw = value if value is not None else os.environ.get("MINUTES_SERVER_IDLE", DEFAULT_IDLE_MINUTES)
    try:
        minutes = float(raw)
    except ValueError:
        raise ServerError(f"MINUTES_SERVER_IDLE must be a number of minutes, not {raw!r}") from None
    return max(0.0, minutes)


def preferred_port() -> int | None:
    raw = os.environ.get("MINUTES_SERVER_PORT")
    return int(raw) if raw and raw.isdigit() else None


class Files:
    """The server's files in ``STATE/server/``."""

    def __init__(self, state: str | Path | None = None) -> None:
        if state is None:
            from pipeline.config import state_dir

            state = state_dir()
        self.state = Path(state).resolve()
        self.dir = d = self.state / "server"
        self.pid = d / "prefect-server.pid"  # the supervisor's
        self.port = d / "prefect-server.port"
        self.info = d / "server.json"
        self.prefect_log = d / "prefect-server.log"
        self.runner_log = d / "runner.log"
        self.supervisor_log = d / "supervisor.log"
        self.start_lock = d / "start.lock"
        self.users_lock = d / "users.lock"
        self.last_used = d / "last-used"

    @property
    def socket(self) -> Path:
        """The runner's socket: in the folder, or (a path too long for a socket) a private folder in /tmp."""
        p = self.dir / "runner.sock"
        if len(str(p)) <= 100:
            return p
        short = Path("/tmp") / f"minutes-{os.getuid()}"
        short.mkdir(mode=0o700, exist_ok=True)
        return short / (hashlib.sha1(str(self.dir).encode()).hexdigest()[:16] + ".sock")

    @property
    def prefect_home(self) -> Path:
        return Path(os.environ.get("PREFECT_HOME") or self.state / "prefect").resolve()

    def make(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def touch(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.touch()


@contextlib.contextmanager
def locked(path: Path, how: int = fcntl.LOCK_EX, blocking: bool = True) -> Iterator[bool]:
    """flock ``path`` (created if needed) for the block; yields False when ``blocking`` is off and it is taken."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, how | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def in_use(files: Files) -> bool:
    """Some command holds a lease on the server right now."""
    with locked(files.users_lock, fcntl.LOCK_EX, blocking=False) as free:
        return not free


# --------------------------------------------------------------------------------------------
# processes


def _cmdline(pid: int) -> list[str] | None:
    """A live process's arguments (None if it is gone or a zombie)."""
    proc = Path(f"/proc/{pid}")
    if proc.is_dir():
        try:
            stat = (proc / "stat").read_text()
            if stat.rsplit(")", 1)[-1].split()[0] in ("Z", "X"):
                return None
            return [a for a in (proc / "cmdline").read_bytes().decode("utf-8", "replace").split("\0") if a]
        except OSError:
            return None
    try:  # not Linux
        import psutil

        p = psutil.Process(pid)
        return None if p.status() == psutil.STATUS_ZOMBIE else p.cmdline()
    except Exception:  # noqa: BLE001
        return None


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def supervisor_pid(files: Files) -> int | None:
    """The pid in the pid file, if that process is this state folder's supervisor (else the file is stale)."""
    pid = _read_int(files.pid)
    if pid is None or pid == os.getpid():
        return None
    args = _cmdline(pid)
    if not args or SUPERVISOR not in args or str(files.state) not in args:
        return None
    return pid


def info(files: Files) -> dict | None:
    """The running server's addresses and state, or None (not running, or a stale pid file)."""
    pid = supervisor_pid(files)
    if pid is None:
        return None
    try:
        data = json.loads(files.info.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    port = _read_int(files.port) or data.get("port")
    data.update(pid=pid, port=port)
    if port:
        data["api_url"] = f"http://127.0.0.1:{port}/api"
        data["ui_url"] = f"http://127.0.0.1:{port}"
    return data


def clear(files: Files) -> None:
    """Remove a stopped (or stale) server's pid, port, state and socket files."""
    for p in (files.pid, files.port, files.info, files.socket):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


# --------------------------------------------------------------------------------------------
# start, reuse, stop


def ensure(files: Files | None = None, *, port: int | None = None, idle: float | None = None,
           say: Callable[[str], None] | None = None, lease: bool = False, timeout: float = START_TIMEOUT) -> dict:
    """The running server's info; started (and waited for) if it is not running, or was stale.

    ``lease``: also take this process's lease (see ``take_lease``), under the same lock as the check,
    so the server cannot stop for idleness in between."""
    files = files or Files()
    files.make()
    with locked(files.start_lock):
        cur = info(files)
        # its supervisor checks the Prefect server's health every few seconds: "ready" and a listening
        # port are enough here (an HTTP round trip per command is not)
        if cur is not None and not (cur.get("prefect") == "ready" and _listening(cur.get("port"))):
            # running but not answering: its supervisor is starting or restarting the Prefect server
            try:
                cur = _wait_ready(files, None, timeout, say)
            except ServerError as err:  # it never came back: replaced by a new one
                if say:
                    say(f"{err}: starting a new one")
                _stop_locked(files)
                cur = None
        if cur is None:
            if files.pid.exists():
                if say:
                    say(f"the background server's pid file was stale (pid {_read_int(files.pid)}): starting a new one")
                clear(files)
            if say:
                say(f"starting the local Prefect server in the background (state in {files.dir}; the first "
                    "start takes up to a minute) …")
            proc = _spawn_supervisor(files, port, idle_minutes(idle))
            cur = _wait_ready(files, proc, timeout, say)
        if lease:
            take_lease(files)
        else:
            touch(files.last_used)  # `minutes server start`, a status check that started it: a use all the same
        return cur


def _listening(port: int | None) -> bool:
    if not port:
        return False
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def _spawn_supervisor(files: Files, port: int | None, idle: float) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["MINUTES_STATE_DIR"] = str(files.state)
    env["PREFECT_HOME"] = str(files.prefect_home)
    args = [sys.executable, "-m", SUPERVISOR, "--state", str(files.state), "--idle", repr(idle)]
    port = port or preferred_port()
    if port:
        args += ["--port", str(port)]
    with open(files.supervisor_log, "ab") as log:
        return subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _wait_ready(files: Files, proc: subprocess.Popen | None, timeout: float,
                say: Callable[[str], None] | None) -> dict:
    from pipeline.server.prefect import healthy

    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise ServerError(f"the background server exited with {proc.returncode} while starting"
                              f"{_log_tail(files.supervisor_log)}")
        cur = info(files)
        if cur is None and proc is None:
            raise ServerError("the background server stopped while starting")
        if cur is not None and cur.get("state") == "failed":
            raise ServerError(f"the background server could not start: {cur.get('error')}")
        if cur is not None and cur.get("prefect") == "ready" and healthy(cur.get("api_url") or ""):
            return cur
        if time.monotonic() > deadline:
            raise ServerError(f"the background server was not ready within {timeout:.0f} s"
                              f"{_log_tail(files.supervisor_log)}")
        time.sleep(0.2)


def _log_tail(path: Path, lines: int = 5) -> str:
    try:
        tail = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:]
    except OSError:
        return ""
    return f" (see {path}):\n" + "\n".join(tail) if tail else f" (see {path})"


def stop(files: Files | None = None, timeout: float = 60.0) -> int | None:
    """Stop the server (its supervisor stops the Prefect server and the runner); the pid stopped, or None."""
    files = files or Files()
    files.make()
    with locked(files.start_lock):
        return _stop_locked(files, timeout)


def _stop_locked(files: Files, timeout: float = 60.0) -> int | None:
    pid = supervisor_pid(files)
    if pid is None:
        clear(files)
        return None
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _cmdline(pid) is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    if _cmdline(pid) is not None:  # stuck: its whole process group (the runner and its workers)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    clear(files)
    return pid


def status(files: Files | None = None) -> dict:
    """What ``minutes server status`` prints."""
    from pipeline.server.prefect import healthy

    files = files or Files()
    out: dict = {"state_dir": str(files.dir), "running": False, "idle_minutes": idle_minutes(),
                 "logs": {k: str(getattr(files, k)) for k in ("prefect_log", "runner_log", "supervisor_log")}}
    env_url = os.environ.get("PREFECT_API_URL")
    if env_url:
        out["prefect_api_url_env"] = env_url
        out["prefect_api_url_env_healthy"] = healthy(env_url)
    if files.dir.is_dir():
        cur = info(files)
        if cur is None and files.pid.exists():
            out["stale_pid"] = _read_int(files.pid)
        if cur is not None:
            out.update(cur, running=True, healthy=healthy(cur.get("api_url") or ""), in_use=in_use(files))
            with contextlib.suppress(OSError):
                out["last_used"] = files.last_used.stat().st_mtime
            try:
                if cur.get("runner") == "off":
                    raise ServerError("no runner")
                pong = request(files, {"op": "ping"}, timeout=5)
                out["runner_ready"] = pong.get("event") == "pong"
                out["runner_workers"] = pong.get("workers")
            except (OSError, ServerError, ValueError):
                out["runner_ready"] = False
    return out


# --------------------------------------------------------------------------------------------
# a command's lease


_LEASE: dict = {}


def take_lease(files: Files) -> None:
    """Hold the server for as long as this process runs (idle time counts from when it ends)."""
    if _LEASE.get("fd") is not None:
        return
    fd = os.open(files.users_lock, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_SH)
    touch(files.last_used)
    _LEASE.update(fd=fd, files=files)
    atexit.register(release_lease)


def release_lease() -> None:
    fd = _LEASE.pop("fd", None)
    files = _LEASE.pop("files", None)
    if fd is None:
        return
    if files is not None:
        touch(files.last_used)
    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def connect(say: Callable[[str], None] | None = None, port: int | None = None) -> dict | None:
    """For a command that needs Prefect, before Prefect is imported: the local server's info (started
    if needed, held by this process, its API in this process's PREFECT_API_URL); None when
    PREFECT_API_URL was set already (that server wins) or MINUTES_SERVER=off."""
    if os.environ.get("PREFECT_API_URL") or mode() == "off":
        return None
    cur = ensure(port=port, say=say, lease=True)
    os.environ["PREFECT_API_URL"] = cur["api_url"]
    # the same Prefect as this one (same installation), a server without CSRF tokens: no round trips for them
    os.environ.setdefault("PREFECT_CLIENT_SERVER_VERSION_CHECK_ENABLED", "false")
    os.environ.setdefault("PREFECT_CLIENT_CSRF_SUPPORT_ENABLED", "false")
    return cur


# --------------------------------------------------------------------------------------------
# the runner


def code_fingerprint() -> str:
    """Sizes and times of the project's source files and the interpreter: a runner started before an
    edit (or by another installation) must not serve a command."""
    root = Path(__file__).resolve().parent.parent.parent
    h = hashlib.sha256(sys.executable.encode())
    for pkg in ("pipeline", "extractors", "flows"):
        for folder, dirs, names in os.walk(root / pkg):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(names):
                if name.endswith((".py", ".txt")):
                    with contextlib.suppress(OSError):
                        st = os.stat(os.path.join(folder, name))
                        h.update(f"{folder}/{name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()[:16]


def env_fingerprint(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The MINUTES_* settings that change what the pipeline computes (readers, OCR, NLP switches…)."""
    environ = os.environ if environ is None else environ
    return {k: v for k, v in sorted(environ.items()) if k.startswith("MINUTES_") and k not in _NEUTRAL_ENV
            and not k.startswith(_NEUTRAL_PREFIXES)}


FINAL_EVENTS = ("done", "refused", "error", "pong", "ok")


def request(files: Files, req: dict, on_event: Callable[[dict], None] | None = None,
            timeout: float | None = None) -> dict:
    """Send one request to the runner; events go to ``on_event``; returns the final event."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout if timeout is not None else 10.0)
        s.connect(str(files.socket))
        s.sendall(json.dumps(req, ensure_ascii=False).encode() + b"\n")
        s.settimeout(timeout)  # a long ingest: no limit unless asked
        with s.makefile("rb") as f:
            for line in f:
                event = json.loads(line)
                if event.get("event") in FINAL_EVENTS:
                    return event
                if on_event:
                    on_event(event)
    raise ServerError("the runner closed the connection before the end of the run (see its log)")


def runner_ready(files: Files, timeout: float = 120.0) -> dict | None:
    """The runner's answer to a ping, waiting while it starts; None when it cannot serve this command
    (the command then runs its flow itself): the runner is not there, or it was started before the
    source changed (it is then told to retire, and its supervisor starts a fresh one)."""
    cur = info(files)
    if cur is None or cur.get("runner") == "off":
        return None
    code = code_fingerprint()
    deadline = time.monotonic() + timeout
    while True:
        try:
            pong = request(files, {"op": "ping"}, timeout=10)
        except (OSError, ValueError, ServerError):
            pong = None
        if pong is not None and pong.get("event") == "pong":
            if pong.get("code") == code and not pong.get("retiring"):
                return pong
            if pong.get("code") != code:
                with contextlib.suppress(OSError, ValueError, ServerError):
                    request(files, {"op": "retire"}, timeout=10)
            return None
        if supervisor_pid(files) is None or time.monotonic() > deadline:
            return None
        time.sleep(0.2)
