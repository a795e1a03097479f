"""The background runner: ``python -m pipeline.server.runner --state DIR --socket PATH [--workers N]``.

Started by the supervisor (``pipeline.server.supervisor``). It imports Prefect and the flows once,
starts its worker processes (each with the pipeline imported, the segmenter's model and the extractors
loaded) and keeps them; then it answers on a Unix socket (mode 0600), one JSON object per line:

* ``{"op": "ping"}``: ``{"event": "pong", "code": …, "workers": …}``;
* ``{"op": "ingest", "paths": […], "db_url": …, "workers": …, "force": …, "limit_bytes": …, "code": …,
  "env": {…}}``: ``accepted`` (with the number of files), one ``batch`` event per finished batch, then
  ``done`` with the run's summary, or ``error``; ``refused`` when the command's source code or settings
  differ from this process's (the command then runs the flow itself);
* ``{"op": "retire"}``: exit once the runs in progress have ended (the supervisor starts a fresh runner).

Each ingest is an ordinary run of the ``minutes-ingest`` flow (``flows.ingest.ingest_flow``) against the
local Prefect server, its batches on the warm workers. A command that goes away (Ctrl-C) stops its run
after the batches in progress: what is stored stays stored, and the same command completes the rest.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from contextvars import ContextVar
from pathlib import Path

from pipeline.server import Files, code_fingerprint, env_fingerprint

log = logging.getLogger("minutes.runner")

#: the run's "the command went away" flag, read by the pool lease of the flow run in this thread
_cancelled: ContextVar[threading.Event | None] = ContextVar("cancelled", default=None)


class Interrupted(Exception):
    """The command that asked for this run went away: the remaining batches are not run."""


#: a short report each worker reads and analyzes once at start, so the first real documents pay for no
#: lazy imports or first calls (the readers' libraries, the extractors' first matches)
_WARM_TEXT = ("ĐẢNG BỘ TỈNH NGHỆ AN\nSố 12-BC/TU\nVinh, ngày 4 tháng 4 năm 2022\n\nBÁO CÁO\n"
              "Ngày 4/4/2022, Ban Thường vụ Tỉnh ủy tổ chức Hội nghị sơ kết mô hình “Dân vận khéo”. "
              "Đồng chí Nguyễn Văn An, Phó Bí thư Tỉnh ủy chủ trì. Có 346 cá nhân, 67 chi bộ đăng ký; "
              "thực hiện Kế hoạch số 165-KH/ĐUK ngày 31/10/2019.\n")


def _worker_init() -> None:  # runs in each worker process (no PR_SET_PDEATHSIG here: it would fire when
    # the thread that happened to start the worker ends; an orphan worker exits at its next read of the pool's pipe)
    import importlib

    from pipeline.ingest import WORKER_MODULES, warm_worker

    warm_worker()
    for module in (*WORKER_MODULES, "pypdfium2", "pdfplumber", "docx"):
        with contextlib.suppress(Exception):
            importlib.import_module(module)
    with contextlib.suppress(Exception):
        from pipeline.process import analyze
        from pipeline.readers import read_bytes

        analyze(read_bytes(_WARM_TEXT.encode(), "warm.txt"))
    with contextlib.suppress(Exception):  # the store's migrations machinery, on a throwaway database
        import tempfile

        from pipeline.store import open_store

        with tempfile.TemporaryDirectory(prefix="minutes-warm-") as tmp:
            open_store(f"sqlite:///{tmp}/warm.db").kw["bind"].dispose()
            open_store.cache_clear()


def _version_tag() -> str:  # runs in a worker: the runner itself never imports the extractors
    from extractors import version_tag

    return version_tag()


class WarmPool:
    """The runner's worker processes, started once and shared by every run (``flows.ingest.pool_provider``)."""

    def __init__(self, workers: int) -> None:
        from flows.ingest import WorkerPool

        self.pool = WorkerPool(workers, method="spawn", initializer=_worker_init)
        self.pool.start()
        self.workers = workers
        self.version_tag = self.pool.call(_version_tag)

    def lease(self, workers: int) -> Lease:
        return Lease(self, min(max(1, workers), self.workers), _cancelled.get())

    def close(self) -> None:
        self.pool.close()


class Lease:
    """One flow run's use of the warm pool: at most ``workers`` batches at a time."""

    def __init__(self, warm: WarmPool, workers: int, cancelled: threading.Event | None) -> None:
        self.warm, self.workers, self.cancelled = warm, workers, cancelled

    def run(self, paths: list[str], db_url: str, limit: int, force: bool) -> list[dict]:
        if self.cancelled is not None and self.cancelled.is_set():
            raise Interrupted("the command that started this run was interrupted; the rest was not ingested")
        return self.warm.pool.run(paths, db_url, limit, force)

    def versions(self) -> str:
        return self.warm.version_tag

    def close(self) -> None:
        pass  # the pool outlives the run


class Runner:
    def __init__(self, files: Files, sock_path: Path, workers: int) -> None:
        self.files = files
        self.sock_path = sock_path
        self.code = code_fingerprint()
        self.env = env_fingerprint()
        t = time.monotonic()
        import flows.ingest as flow_mod

        self.flow_mod = flow_mod
        self.warm = WarmPool(workers)
        flow_mod.pool_provider = self.warm.lease
        self._warm_up()
        log.info("warm: %d worker(s), extractors %s (%.1f s)", workers, self.warm.version_tag, time.monotonic() - t)
        self.active = 0
        self.retiring = False
        self.cond = threading.Condition()

    def _warm_up(self) -> None:
        """What the first command would otherwise pay for (seconds): a first flow run in this process, an
        empty ingest (named "warm-up" in the UI) into a throwaway database in the server's folder, once
        the Prefect server answers."""
        from pipeline.server.prefect import healthy

        api = os.environ.get("PREFECT_API_URL", "")
        deadline = time.monotonic() + 300
        while not healthy(api) and time.monotonic() < deadline:
            time.sleep(0.5)
        warm = self.files.dir / "runner-warm-up.db"
        try:
            from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

            warm.unlink(missing_ok=True)
            with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
                self.flow_mod.ingest_flow.with_options(flow_run_name="warm-up (the background runner starting)")(
                    paths=[], db_url=f"sqlite:///{warm}", workers=1)
        except Exception as err:  # noqa: BLE001 - a warm-up never stops the runner
            log.warning("warm-up run failed: %s", err)

    # ------------------------------------------------------------------ the socket

    def serve(self) -> None:
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        with contextlib.suppress(FileNotFoundError):
            self.sock_path.unlink()
        srv.bind(str(self.sock_path))
        os.chmod(self.sock_path, 0o600)
        srv.listen(16)
        srv.settimeout(0.5)
        log.info("ready on %s", self.sock_path)
        try:
            while True:
                with self.cond:
                    if self.retiring and not self.active:
                        log.info("retired (the source changed)")
                        return
                try:
                    conn, _ = srv.accept()
                except TimeoutError:
                    continue
                with self.cond:
                    self.active += 1
                threading.Thread(target=self._handle, args=(conn,), daemon=True).start()
        finally:
            srv.close()
            with contextlib.suppress(FileNotFoundError):
                if self.sock_path.exists():
                    self.sock_path.unlink()

    def _handle(self, conn: socket.socket) -> None:
        lock = threading.Lock()

        def send(event: dict) -> None:
            with lock:
                conn.sendall(json.dumps(event, ensure_ascii=False, default=str).encode() + b"\n")

        try:
            with conn, conn.makefile("rb") as rfile:
                line = rfile.readline()
                if not line:
                    return
                req = json.loads(line)
                op = req.get("op")
                if op == "ping":
                    send({"event": "pong", "pid": os.getpid(), "code": self.code, "workers": self.warm.workers,
                          "versions": self.warm.version_tag, "retiring": self.retiring})
                elif op == "retire":
                    self.retire()
                    send({"event": "ok"})
                elif op == "ingest":
                    self._ingest(req, send)
                else:
                    send({"event": "error", "message": f"unknown request {op!r}"})
        except (OSError, ValueError) as err:
            log.info("a command went away: %s", err)
        finally:
            with self.cond:
                self.active -= 1
                self.cond.notify_all()

    def retire(self) -> None:
        with self.cond:
            self.retiring = True

    # ------------------------------------------------------------------ ingest

    def _ingest(self, req: dict, send) -> None:
        if req.get("code") != self.code:
            self.retire()
            send({"event": "refused", "reason": "the source code changed since the background runner started"})
            return
        if self.retiring:
            send({"event": "refused", "reason": "the background runner is restarting"})
            return
        theirs = req.get("env") or {}
        differ = sorted(k for k in set(theirs) | set(self.env) if theirs.get(k) != self.env.get(k))
        if differ:
            send({"event": "refused", "reason": f"the background runner was started with other settings "
                                                f"({', '.join(differ)})"})
            return
        from pipeline.ingest import collect

        try:
            files = [str(p) for p in collect(req["paths"])]
        except (FileNotFoundError, KeyError) as err:
            send({"event": "error", "message": str(err)})
            return
        send({"event": "accepted", "files": len(files)})
        if not files:
            send({"event": "done", "summary": None})
            return
        cancelled = threading.Event()

        def progress(batch) -> None:
            failed = sum(1 for o in batch if o.status == "failed")
            try:
                send({"event": "batch", "n": len(batch), "failed": failed, "last": batch[-1].path})
            except OSError:
                if not cancelled.is_set():
                    log.info("the command went away: stopping its run after the batches in progress")
                cancelled.set()

        from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

        t = time.monotonic()
        tokens = (self.flow_mod.run_progress.set(progress), _cancelled.set(cancelled))
        try:
            # no heartbeat thread: the end of a run would wait for it up to a second (a command that
            # ingests one file takes about a third of that in all)
            with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
                summary = self.flow_mod.ingest_flow(paths=files, db_url=req["db_url"], workers=req.get("workers"),
                                                    force=bool(req.get("force")), limit_bytes=req.get("limit_bytes"))
        except Exception as err:  # noqa: BLE001 - reported to the command, which prints it
            log.warning("ingest of %d file(s) failed: %s", len(files), err)
            with contextlib.suppress(OSError):
                send({"event": "error", "message": f"{type(err).__name__}: {err}"})
            return
        finally:
            self.flow_mod.run_progress.reset(tokens[0])
            _cancelled.reset(tokens[1])
        log.info("ingest of %d file(s) in %.2f s: %s", len(files), time.monotonic() - t, summary.get("status"))
        with contextlib.suppress(OSError):
            send({"event": "done", "summary": summary})

    def close(self) -> None:
        self.warm.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.server.runner", description=__doc__)
    ap.add_argument("--state", required=True)
    ap.add_argument("--socket", required=True)
    ap.add_argument("--workers", type=int, default=None, help="[default: $MINUTES_WORKERS or the number of cores]")
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s runner[%(process)d] %(message)s",
                        datefmt="%Y-%m-%d %H:%M:%S", stream=sys.stderr)
    log.setLevel(logging.INFO)

    def on_signal(signum, _frame) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_signal)
    from pipeline.config import default_workers, prepare_prefect

    prepare_prefect()
    runner = Runner(Files(a.state), Path(a.socket), a.workers or default_workers())
    try:
        runner.serve()
    finally:
        runner.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
