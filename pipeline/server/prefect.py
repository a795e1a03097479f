"""A Prefect server (API and UI) as a child process: ``prefect server start`` on 127.0.0.1.

The background supervisor (``pipeline.server.supervisor``) runs one for every
``minutes`` command of a state folder. The child dies with its parent
(PR_SET_PDEATHSIG on Linux), so a killed supervisor never leaves an orphan
server holding the port and the database.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def port_free(port: int) -> bool:
    """Nothing listens on ``port`` (a port left in TIME_WAIT by a server that just died counts as free,
    as it does for the server, which binds with SO_REUSEADDR)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(api_url: str, timeout: float = 2.0) -> bool:
    """The Prefect API at ``api_url`` answers its health check."""
    try:
        with urllib.request.urlopen(api_url.rstrip("/") + "/health", timeout=timeout) as r:
            return r.status == 200
    except (OSError, ValueError):
        return False


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - not Linux: the server outlives a killed parent
        pass


class LocalPrefectServer:
    """``prefect server start`` on ``port`` (a free one if taken), its output appended to ``log``."""

    def __init__(self, port: int | None = None, log: Path | None = None, env: dict[str, str] | None = None) -> None:
        self.port = port if port and port_free(port) else free_port()
        self.log = log
        self.env = env
        self.proc: subprocess.Popen | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 240.0) -> str:
        """Start the server and wait until its API answers; returns the API URL."""
        env = {k: v for k, v in (self.env if self.env is not None else os.environ).items() if k != "PREFECT_API_URL"}
        home = env.get("PREFECT_HOME")
        if home:
            Path(home).mkdir(parents=True, exist_ok=True)  # Prefect cannot create its database without it
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
                env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
        finally:
            if out is not subprocess.DEVNULL:
                out.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the Prefect server exited with {self.proc.returncode}"
                                   + (f" (see {self.log})" if self.log else ""))
            if healthy(self.api_url):
                return self.api_url
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the Prefect server did not start within {timeout:.0f} s")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        except ProcessLookupError:
            pass
