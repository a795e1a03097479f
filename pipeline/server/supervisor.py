"""The background server's supervisor: ``python -m pipeline.server.supervisor --state DIR [--idle MIN] [--port N]``.

Started by the first command that needs it (``pipeline.server.ensure``), in a session of its own. It
runs the Prefect server and the runner as children (both die with it), writes the pid, port and
``server.json`` files, starts a child again when it dies (the Prefect server also when it stops
answering for a minute), and stops everything after ``--idle`` minutes without a command holding the
server (0: never), on SIGTERM (``minutes server stop``) or SIGINT. Only the standard library: it
costs a few MB while it waits.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import time

from pipeline.server import RUNNER, Files, _read_int, clear, locked, touch, write_atomic
from pipeline.server.prefect import LocalPrefectServer, _die_with_parent, healthy

log = logging.getLogger("minutes.server")

#: the Prefect server is started again after this many seconds without answering its health check
UNHEALTHY_AFTER = 60.0


class Stop(Exception):
    """SIGTERM/SIGINT: stop everything and exit."""


class Supervisor:
    def __init__(self, files: Files, idle_minutes: float, port: int | None) -> None:
        self.files = files
        self.idle = idle_minutes * 60
        self.port = port
        self.tick = min(5.0, max(0.25, self.idle / 6)) if self.idle else 5.0
        self.prefect: LocalPrefectServer | None = None
        self.runner: subprocess.Popen | None = None
        self.runner_restarts = 0
        self.prefect_restarts = 0
        self.runner_next_start = 0.0
        self.unhealthy_since: float | None = None
        self.last_active = time.time()
        self.started_at = time.time()
        self.stopping = False
        raw = os.environ.get("MINUTES_SERVER_WORKERS", "").strip()
        #: the runner's warm workers (None: its default, the cores); 0: no runner at all
        self.runner_workers = int(raw) if raw.isdigit() else None
        self.state = {"prefect": "starting", "runner": "off" if self.runner_workers == 0 else "starting"}

    # ------------------------------------------------------------------ files

    def write_info(self, **extra) -> None:
        self.state.update(extra)
        p = self.prefect
        data = {"pid": os.getpid(), "port": p.port if p else None, "started_at": self.started_at,
                "idle_minutes": self.idle / 60, "prefect_pid": p.proc.pid if p and p.proc else None,
                "runner_pid": self.runner.pid if self.runner else None, "socket": str(self.files.socket),
                "restarts": {"prefect": self.prefect_restarts, "runner": self.runner_restarts}, **self.state}
        if p:
            data.update(api_url=p.api_url, ui_url=p.ui_url)
            write_atomic(self.files.port, f"{p.port}\n")
        write_atomic(self.files.info, json.dumps(data, indent=1))

    # ------------------------------------------------------------------ children

    def prefect_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
        env.setdefault("DO_NOT_TRACK", "1")
        env.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        env.setdefault("PREFECT_SERVER_SERVICES_EVENT_LOGGER_ENABLED", "false")  # debug output nobody reads
        return env

    def new_prefect(self) -> None:
        self.prefect = LocalPrefectServer(self.port, log=self.files.prefect_log, env=self.prefect_env())
        self.port = self.prefect.port

    def start_prefect(self) -> None:
        assert self.prefect is not None
        self.write_info(prefect="starting")
        log.info("starting the Prefect server on %s", self.prefect.ui_url)
        t = time.monotonic()
        self.prefect.start()
        self.unhealthy_since = None
        log.info("the Prefect server answers on %s (%.1f s)", self.prefect.api_url, time.monotonic() - t)
        self.write_info(prefect="ready")

    def start_runner(self) -> None:
        assert self.prefect is not None
        if self.runner_workers == 0:
            return
        self.files.socket.unlink(missing_ok=True)
        env = dict(os.environ, PREFECT_API_URL=self.prefect.api_url, PREFECT_CLIENT_SERVER_VERSION_CHECK_ENABLED="false",
                   PREFECT_CLIENT_CSRF_SUPPORT_ENABLED="false")  # the same Prefect, and a server without CSRF
        args = ["--workers", str(self.runner_workers)] if self.runner_workers else []
        with open(self.files.runner_log, "ab") as out:
            self.runner = subprocess.Popen(
                [sys.executable, "-m", RUNNER, "--state", str(self.files.state), "--socket", str(self.files.socket), *args],
                env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
        log.info("runner started (pid %d)", self.runner.pid)
        self.write_info(runner="running")

    def stop_runner(self) -> None:
        r, self.runner = self.runner, None
        if r is None or r.poll() is not None:
            return
        r.terminate()
        try:
            r.wait(30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                r.kill()
            r.wait(5)

    def check_children(self) -> None:
        p = self.prefect
        if p is not None and not p.alive():
            log.warning("the Prefect server exited (%s): starting it again", p.proc.returncode if p.proc else "?")
            self.restart_prefect()
        elif p is not None and not healthy(p.api_url, timeout=5):
            now = time.monotonic()
            self.unhealthy_since = self.unhealthy_since or now
            if now - self.unhealthy_since > UNHEALTHY_AFTER:
                log.warning("the Prefect server has not answered for %.0f s: starting it again", UNHEALTHY_AFTER)
                p.stop()
                self.restart_prefect()
        else:
            self.unhealthy_since = None
        r = self.runner
        if r is not None and r.poll() is not None:
            code = r.returncode
            self.runner = None
            if code == 0:
                log.info("the runner retired (the source changed): starting a fresh one")
                self.runner_next_start = 0.0
            else:
                self.runner_restarts += 1
                wait = min(300.0, 2.0 * 2 ** min(self.runner_restarts, 7))
                log.warning("the runner exited with %s: starting it again in %.0f s", code, wait)
                self.runner_next_start = time.monotonic() + wait
            self.write_info(runner="restarting")
        if self.runner is None and self.runner_workers != 0 and time.monotonic() >= self.runner_next_start:
            self.start_runner()

    def restart_prefect(self) -> None:
        old_port = self.port
        self.prefect_restarts += 1
        self.new_prefect()
        self.start_prefect()
        if self.port != old_port:  # the port was taken meanwhile: the runner must use the new one
            self.stop_runner()

    # ------------------------------------------------------------------ idleness

    def idle_for(self) -> float | None:
        """Seconds since a command last held the server (None while one does, or one is starting)."""
        with locked(self.files.start_lock, blocking=False) as free:
            if not free:
                return None
            with locked(self.files.users_lock, blocking=False) as unused:
                if not unused:
                    self.last_active = time.time()
                    return None
        with contextlib.suppress(OSError):
            self.last_active = max(self.last_active, self.files.last_used.stat().st_mtime)
        return time.time() - self.last_active

    def idle_stop(self) -> bool:
        """Stop everything when idle long enough; the start lock is held while stopping, so a command
        starting meanwhile waits, then finds no server and starts a new one."""
        if not self.idle:
            return False
        idle = self.idle_for()
        if idle is None or idle < self.idle:
            return False
        with locked(self.files.start_lock, blocking=False) as free:
            if not free:
                return False
            with locked(self.files.users_lock, blocking=False) as unused:
                if not unused:
                    return False
            log.info("no command for %.1f minutes: stopping", idle / 60)
            self.shutdown()
        return True

    # ------------------------------------------------------------------ the loop

    def run(self) -> int:
        try:
            self.new_prefect()
            self.write_info()
            self.start_runner()  # its warm-up overlaps the Prefect server's start
            try:
                self.start_prefect()
            except RuntimeError as err:
                log.error("%s", err)
                self.write_info(state="failed", error=str(err))
                return 1
            self.write_info(state="ready")
            self.last_active = time.time()  # idle from now, not from before the (long) start
            while True:
                time.sleep(self.tick)
                try:
                    self.check_children()
                except RuntimeError as err:  # the Prefect server does not start again: the next command will
                    log.error("%s: stopping", err)
                    return 1
                if self.idle_stop():
                    return 0
        except Stop:
            log.info("stopping (signal)")
            return 0
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        if self.stopping:
            return
        self.stopping = True
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        self.stop_runner()
        if self.prefect is not None:
            self.prefect.stop()
        if _read_int(self.files.pid) == os.getpid():
            clear(self.files)
        touch(self.files.last_used)
        log.info("stopped")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.server.supervisor", description=__doc__)
    ap.add_argument("--state", required=True, help="the state folder (its server/ subfolder holds the files)")
    ap.add_argument("--idle", type=float, default=30.0, help="minutes without a command before stopping (0: never)")
    ap.add_argument("--port", type=int, default=None, help="the Prefect server's port (a free one if taken)")
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s supervisor[%(process)d] %(message)s",
                        datefmt="%Y-%m-%d %H:%M:%S", stream=sys.stderr)
    log.setLevel(logging.INFO)
    files = Files(a.state)
    files.make()

    def on_signal(signum, _frame) -> None:
        raise Stop()

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    write_atomic(files.pid, f"{os.getpid()}\n")
    log.info("started for %s (idle stop after %s)", files.state, f"{a.idle:g} min" if a.idle else "never")
    return Supervisor(files, a.idle, a.port).run()


if __name__ == "__main__":
    raise SystemExit(main())
