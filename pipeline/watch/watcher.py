"""Watch ROOT/inbox/: ingest each complete file once, then move it to done/ or failed/.

How it works:

* watchdog events (and a scan at start, and a slow rescan as a safety net)
  put candidate paths into a :class:`Tracker`; Office lock files, partial
  downloads and hidden files are never candidates (``pipeline.ingest.is_candidate``);
* a file is *ready* once its size and mtime have not changed for ``settle``
  seconds by our own clock (an empty file must stay empty three times as
  long: copies start empty), so a half-copied file is never read;
* the main loop takes the ready files in bursts (one Prefect flow run of
  ``flows.ingest.ingest_flow`` per burst keeps Prefect's overhead small) and
  moves each file by its ``Outcome`` as soon as its batch finishes;
* moves are crash-safe and never overwrite: the file is hard-linked to a free
  name (``NAME (2).ext`` on a clash), the error note is written, then the
  inbox entry is unlinked. The database (documents keyed by sha256) is the
  source of truth for "processed once": a file that was stored but not moved
  when the process died comes back as "unchanged" at the next start and is
  moved; a half-finished move is recognised (same inode) and completed.

Signals: the first SIGINT/SIGTERM stops taking new files; if a burst is
running it is abandoned cleanly (the file in progress is rolled back and
stays in inbox/ with the rest of the burst, for the next start).
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.ingest import Outcome, is_candidate

log = logging.getLogger("minutes.watch")

DONE_STATUSES = {"done", "unchanged", "duplicate", "reextracted"}
ERROR_SUFFIX = ".error.txt"


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


@dataclass
class WatchSettings:
    """What ``minutes watch`` needs; every field has an option and an environment variable."""

    root: Path
    db_url: str | None = None
    settle: float = field(default_factory=lambda: env_float("MINUTES_WATCH_SETTLE", 2.0))
    burst: int = field(default_factory=lambda: env_int("MINUTES_WATCH_BURST", 32))
    workers: int = field(default_factory=lambda: env_int("MINUTES_WATCH_WORKERS", 1))
    poll: float = 0.5
    rescan: float = field(default_factory=lambda: env_float("MINUTES_WATCH_RESCAN", 30.0))
    limit_bytes: int | None = None

    def __post_init__(self) -> None:
        self.root = Path(self.root).expanduser().resolve()
        if self.settle < 0 or self.burst < 1 or self.workers < 1 or self.poll <= 0:
            raise ValueError("settle must be >= 0, burst and workers >= 1, poll > 0")

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def done(self) -> Path:
        return self.root / "done"

    @property
    def failed(self) -> Path:
        return self.root / "failed"


def wanted(path: Path, inbox: Path) -> bool:
    """A file below ``inbox`` that the watcher should process (no hidden folders, no temporary names)."""
    try:
        rel = path.relative_to(inbox)
    except ValueError:
        return False
    if not rel.parts or any(part.startswith(".") for part in rel.parts[:-1]):
        return False
    return is_candidate(path)


# --------------------------------------------------------------------------- stability


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float  # our clock when this (size, mtime) was first seen
    not_before: float = 0.0  # retry back-off after a failed run


class Tracker:
    """Pending files and their stability. Thread-safe: watchdog's thread adds, the main loop takes."""

    def __init__(self, settle: float, clock=time.monotonic) -> None:
        self.settle = settle
        self.clock = clock
        self._lock = threading.Lock()
        self._pending: dict[Path, _Seen | None] = {}
        self._inflight: set[Path] = set()

    def add(self, path: Path, not_before: float = 0.0) -> None:
        with self._lock:
            if path in self._inflight:
                return
            seen = self._pending.get(path)
            if seen is None:
                self._pending[path] = _Seen(-1, -1, self.clock(), not_before) if not_before else None
            elif not_before:
                seen.not_before = not_before

    def __len__(self) -> int:
        with self._lock:
            return len(self._pending)

    def pending(self) -> list[Path]:
        with self._lock:
            return sorted(self._pending)

    def ready(self) -> list[Path]:
        """Files whose size and mtime have been stable long enough; vanished files are dropped."""
        now = self.clock()
        out: list[Path] = []
        with self._lock:
            paths = list(self._pending)
        for path in paths:
            try:
                st = path.stat()
            except OSError:
                with self._lock:
                    self._pending.pop(path, None)
                continue
            if not path.is_file():
                with self._lock:
                    self._pending.pop(path, None)
                continue
            with self._lock:
                if path not in self._pending:
                    continue
                seen = self._pending[path]
                if seen is None or (seen.size, seen.mtime_ns) != (st.st_size, st.st_mtime_ns):
                    self._pending[path] = _Seen(st.st_size, st.st_mtime_ns, now,
                                                seen.not_before if seen else 0.0)
                    continue
                wait = self.settle * (3 if st.st_size == 0 else 1)
                if now - seen.since >= wait and now >= seen.not_before:
                    out.append(path)
        return sorted(out)

    def take(self, paths: list[Path]) -> None:
        """Mark files as being processed: events for them are ignored until ``release``."""
        with self._lock:
            for p in paths:
                self._pending.pop(p, None)
                self._inflight.add(p)

    def release(self, paths: list[Path]) -> None:
        with self._lock:
            for p in paths:
                self._inflight.discard(p)


# --------------------------------------------------------------------------- moves


def _split(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return name, ""
    return stem, "." + ext


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def move_unique(src: Path, dst_dir: Path, note: str | None = None) -> Path:
    """Move ``src`` into ``dst_dir`` under its name, or ``NAME (2).ext``… if taken; never overwrite.

    With ``note``, ``NAME.error.txt`` is written beside the moved file, and a
    name is free only if neither it nor its note exists. Crash-safe: the file
    is hard-linked first, then the note written, then ``src`` unlinked; when
    a run dies in between, the next call finds the same inode under the name
    and finishes the job instead of making a second copy.
    """
    dst_dir.mkdir(parents=True, exist_ok=True)
    stem, ext = _split(src.name)
    n = 1
    while True:
        name = src.name if n == 1 else f"{stem} ({n}){ext}"
        dst = dst_dir / name
        n += 1
        if _same_file(src, dst):  # a move that was interrupted: finish it
            break
        if dst.exists() or dst.is_symlink() or (note is not None and (dst_dir / (name + ERROR_SUFFIX)).exists()):
            continue
        try:
            os.link(src, dst)
        except FileExistsError:
            continue
        except OSError as err:
            if err.errno not in (errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EMLINK, errno.EACCES):
                raise
            # no hard links here (another file system, a share): rename when the name is free
            if dst.exists():
                continue
            if note is not None:
                _write_atomic(dst_dir / (name + ERROR_SUFFIX), note)
            os.rename(src, dst)
            return dst
        break
    if note is not None:
        _write_atomic(dst_dir / (dst.name + ERROR_SUFFIX), note)
    try:
        os.unlink(src)
    except FileNotFoundError:
        pass
    return dst


def error_note(outcome: Outcome) -> str:
    """The text of NAME.error.txt: one plain sentence saying why."""
    reason = (outcome.reason or "The file could not be processed.").strip()
    if not reason.endswith((".", "!", "?")):
        reason += "."
    return reason + "\n"


# --------------------------------------------------------------------------- the watcher


class Abandon(BaseException):
    """Raised in the main thread by a stop signal while a burst runs: leave the rest for the next start."""


class AlreadyWatched(RuntimeError):
    pass


class Watcher:
    def __init__(self, settings: WatchSettings) -> None:
        self.s = settings
        self.tracker = Tracker(settings.settle)
        self.stop = threading.Event()
        self.wake = threading.Event()
        self.busy = False
        self._abandoning = False
        self._observer = None
        self._lock_fh = None
        self._placed: set[str] = set()
        self._taken: dict[str, tuple[int, int] | None] = {}  # path -> (size, mtime) when taken
        self._stuck: dict[Path, tuple[int, int] | None] = {}  # could not be moved: skipped until it changes
        self._next_rescan = 0.0
        self._failures = 0
        self.counts: dict[str, int] = {}
        self.bursts = 0

    # ----------------------------------------------------------------- set-up

    def open(self) -> None:
        """Create the folders, take the ROOT lock, start watchdog, queue what is already waiting."""
        s = self.s
        for d in (s.inbox, s.done, s.failed):
            d.mkdir(parents=True, exist_ok=True)
        self._lock_fh = open(s.root / ".minutes-watch.lock", "a+")
        try:
            fcntl.flock(self._lock_fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock_fh.close()
            self._lock_fh = None
            raise AlreadyWatched(f"Another watcher is already running on {s.root}.") from None
        self._lock_fh.seek(0)
        self._lock_fh.truncate()
        self._lock_fh.write(f"{os.getpid()}\n")
        self._lock_fh.flush()
        self._start_observer()
        self.scan()

    def _start_observer(self) -> None:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event) -> None:  # noqa: D401 - watchdog's API
                if event.event_type in ("deleted", "opened", "closed_no_write"):
                    return
                path = event.dest_path if event.event_type == "moved" else event.src_path
                if not path:
                    return
                path = Path(os.fsdecode(path))
                if event.is_directory:
                    if event.event_type in ("created", "moved"):
                        watcher.scan(path)
                    return
                watcher.offer(path)

        self._observer = Observer()
        self._observer.schedule(Handler(), str(self.s.inbox), recursive=True)
        self._observer.daemon = True
        self._observer.start()

    def offer(self, path: Path) -> None:
        if wanted(path, self.s.inbox) and not self._is_stuck(path):
            self.tracker.add(path)
            self.wake.set()

    def _is_stuck(self, path: Path) -> bool:
        if path not in self._stuck:
            return False
        if _signature(path) == self._stuck[path]:
            return True
        del self._stuck[path]
        return False

    def scan(self, folder: Path | None = None) -> int:
        """Queue every candidate file below ``folder`` (default: the inbox); returns how many."""
        n = 0
        for dirpath, dirnames, filenames in os.walk(folder or self.s.inbox):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in filenames:
                p = Path(dirpath) / name
                if wanted(p, self.s.inbox) and not self._is_stuck(p):
                    self.tracker.add(p)
                    n += 1
        if n:
            self.wake.set()
        return n

    def close(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
            self._observer = None
        if self._lock_fh is not None:
            try:
                fcntl.flock(self._lock_fh.fileno(), fcntl.LOCK_UN)
            finally:
                self._lock_fh.close()
                self._lock_fh = None

    # ----------------------------------------------------------------- signals

    def install_signals(self) -> dict:
        """First SIGINT/SIGTERM: stop (abandon a running burst). Returns the previous handlers."""

        def handler(signum, _frame) -> None:
            first = not self.stop.is_set()
            self.stop.set()
            self.wake.set()
            if first:
                log.info("stopping (%s)%s", signal.Signals(signum).name,
                         ": abandoning the current burst, its files stay in inbox/" if self.busy else "")
            if self.busy and not self._abandoning:
                self._abandoning = True
                raise Abandon()

        previous = {}
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, handler)
        return previous

    # ----------------------------------------------------------------- the loop

    def run(self, once: bool = False) -> dict:
        """Process files until stopped (or, with ``once``, until the inbox is empty). Returns counts."""
        from flows import ingest as flow_mod  # noqa: F401 - import Prefect now, not on the first file

        log.info("watching %s (settle %.1f s, bursts of up to %d files); %d file(s) waiting",
                 self.s.inbox, self.s.settle, self.s.burst, len(self.tracker))
        self._next_rescan = time.monotonic() + self.s.rescan
        while not self.stop.is_set():
            ready = self.tracker.ready()
            if ready:
                self.process(ready[: self.s.burst])
                continue
            now = time.monotonic()
            if now >= self._next_rescan:
                self.scan()
                self._next_rescan = now + self.s.rescan
            if once and not len(self.tracker):
                break
            if len(self.tracker):
                self.stop.wait(self.s.poll)
            else:
                self.wake.wait(min(self.s.rescan, max(0.0, self._next_rescan - now)) or self.s.poll)
                self.wake.clear()
        log.info("stopped: %s", ", ".join(f"{v} {k}" for k, v in sorted(self.counts.items())) or "no files")
        return dict(self.counts)

    def process(self, paths: list[Path]) -> None:
        """One burst through the Prefect ingest flow; each file is moved as soon as its batch is stored."""
        from flows import ingest as flow_mod

        self.tracker.take(paths)
        self._placed = set()
        self._taken = {str(p): _signature(p) for p in paths}
        self._changed: set[str] = set()
        self.bursts += 1
        previous_hook = flow_mod.progress_hook
        flow_mod.progress_hook = self._place_batch
        error: BaseException | None = None
        summary: dict | None = None
        self.busy = True
        try:
            if self.stop.is_set():
                raise Abandon()
            name = f"watch: {len(paths)} file{'s' if len(paths) != 1 else ''} from {self.s.inbox.name}/"
            summary = flow_mod.ingest_flow.with_options(flow_run_name=name)(
                paths=[str(p) for p in paths], db_url=self.s.db_url, workers=self.s.workers,
                limit_bytes=self.s.limit_bytes)
        except (Abandon, KeyboardInterrupt) as err:
            error = err
        except BaseException as err:  # noqa: BLE001 - Prefect's TerminationSignal, a database outage…
            if type(err).__name__ == "TerminationSignal" or self.stop.is_set():
                error = Abandon()
            else:
                error = err
        finally:
            self.busy = False
            flow_mod.progress_hook = previous_hook
        try:
            if summary is not None:
                # outcomes whose batch did not go through the hook (it should not happen)
                rest = [Outcome(**o) for o in summary.get("outcomes", []) if o["path"] not in self._placed and o["path"] not in self._changed]
                if rest:
                    self._place_batch(rest)
        finally:
            self.tracker.release(paths)
        left = [p for p in paths if str(p) not in self._placed and p.exists()]
        if isinstance(error, (Abandon, KeyboardInterrupt)):
            if left:
                log.info("abandoned %d file(s) of the burst; they stay in inbox/ for the next start", len(left))
            self.stop.set()
            return
        if error is not None:
            self._failures += 1
            delay = min(300.0, 5.0 * 2 ** min(self._failures - 1, 6))
            log.error("the ingest run failed (%s: %s); %d file(s) stay in inbox/, retrying in %.0f s",
                      type(error).__name__, str(error).splitlines()[0][:300] if str(error) else "", len(left), delay)
            for p in left:
                self.tracker.add(p, not_before=time.monotonic() + delay)
            return
        self._failures = 0
        for p in left:
            if str(p) in self._changed:  # overwritten meanwhile: read the new content once it is stable
                self.tracker.add(p)
                continue
            # not in the flow's outcomes: should not happen; try again later
            log.warning("%s was not processed; it stays in inbox/ and will be retried", self._rel(p))
            self.tracker.add(p, not_before=time.monotonic() + 5.0)

    # ----------------------------------------------------------------- moving

    def _rel(self, p: Path) -> str:
        try:
            return str(p.relative_to(self.s.root))
        except ValueError:
            return str(p)

    def _place_batch(self, outcomes: list[Outcome]) -> None:
        for o in outcomes:
            if o.path in self._placed:
                continue
            try:
                if self.place(o) is None and o.path in self._changed:
                    continue
            except (Abandon, KeyboardInterrupt):
                raise
            except Exception as err:  # noqa: BLE001 - one file's move must not stop the others
                p = Path(o.path)
                log.error("%-10s %s: could not be moved (%s); it is left in inbox/ until it changes", "error",
                          self._rel(p), err)
                self._stuck[p] = _signature(p)
            self._placed.add(o.path)

    def place(self, o: Outcome) -> Path | None:
        """Move one processed file by its outcome and log one line; returns where it went."""
        src = Path(o.path)
        try:
            rel_dir = src.parent.relative_to(self.s.inbox)
        except ValueError:
            rel_dir = Path()
        if not src.exists():
            log.warning("%-10s %s: the file disappeared before it could be moved", o.status, self._rel(src))
            self._count("vanished")
            return None
        taken = self._taken.get(o.path)
        if taken is not None and _signature(src) != taken:
            # overwritten while it was being read: what was stored is not what is there now
            log.info("%-10s %s: the file changed while it was being read; it will be read again", "changed",
                     self._rel(src))
            self._changed.add(o.path)
            return None
        if o.status in DONE_STATUSES:
            dst = move_unique(src, self.s.done / rel_dir)
            detail = self._detail(o)
        else:
            dst = move_unique(src, self.s.failed / rel_dir, note=error_note(o))
            detail = error_note(o).strip()
        self._count(o.status)
        log.info("%-10s %s -> %s: %s", o.status, self._rel(src), self._rel(dst), detail)
        return dst

    def _count(self, key: str) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1

    @staticmethod
    def _detail(o: Outcome) -> str:
        items = ", ".join(f"{v} {k}" for k, v in sorted(o.items.items())) or "no items"
        if o.status == "duplicate":
            return f"same content as document {o.document_id}, already stored; kept as a duplicate ({items})"
        if o.status == "unchanged":
            return f"already stored as document {o.document_id} ({items})"
        return f"document {o.document_id}; {items}; {o.seconds:.1f} s"


def run_watcher(settings: WatchSettings, *, once: bool = False, handle_signals: bool = True) -> dict:
    """Open, run until stopped, close. Signal handlers are installed only in the main thread."""
    watcher = Watcher(settings)
    previous: dict = {}
    if handle_signals and threading.current_thread() is threading.main_thread():
        previous = watcher.install_signals()
    try:
        watcher.open()
        return watcher.run(once=once)
    except Abandon:
        return dict(watcher.counts)
    finally:
        watcher.close()
        for sig, h in previous.items():
            signal.signal(sig, h)
