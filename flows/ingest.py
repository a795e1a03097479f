"""The ingest flow: a list of files or folders -> documents and items in the database.

Orchestration only: every step is a function of ``pipeline``. Files are
processed in batches (one Prefect task per batch), so Prefect's bookkeeping
stays a small share of the time; with more than one worker the batches run
in worker processes forked from a preloaded forkserver (``runner="pool"``,
the default; each batch still a Prefect task run), in Prefect's
``ProcessPoolTaskRunner`` (``runner="process"``), or on a Dask cluster
(``runner="dask"``: a ``LocalCluster``, or the scheduler at
``$MINUTES_DASK_ADDRESS``); each process has its own database connection. A batch
that hits a transient database error is retried; since ingest is idempotent,
a retried or re-run batch never duplicates.

Scale-out (see docs/scaling.md): ``deploy_to_pool`` registers
``minutes-ingest`` and ``minutes-sweep`` on a Prefect work pool (module
entrypoints: any machine with the project installed can run them);
``sweep_flow`` splits a folder into batches and creates one
``minutes-ingest`` flow run per batch, so each file goes to exactly one
worker, and the database (documents unique by content hash) settles any
overlap with another sweep. ``python -m flows.ingest deploy|sweep`` are the
commands.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from contextvars import ContextVar

from pipeline.config import default_workers, max_bytes, prepare_prefect

prepare_prefect()

from prefect import flow, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402
from prefect.futures import as_completed  # noqa: E402
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner  # noqa: E402

from pipeline.ingest import Outcome, collect, ingest_file, ingest_paths, summarize, unchanged_by_stat  # noqa: E402,F401
from pipeline.store import database_url, open_store  # noqa: E402

#: Called with (outcomes of a finished batch) in the flow's process; the CLI sets it for its progress bar.
progress_hook: Callable[[list[Outcome]], None] | None = None
#: The same, for one run only (the background runner serves several commands at once).
run_progress: ContextVar[Callable[[list[Outcome]], None] | None] = ContextVar("run_progress", default=None)
#: Set by a long-lived process (the background runner, ``pipeline.server.runner``) to run every batch on
#: its warm worker processes: called with the run's worker count, it returns a lease with
#: ``run(paths, db_url, limit, force)``, ``versions()``, ``workers`` and ``close()``.
pool_provider: Callable[[int], object] | None = None


def _transient(task, task_run, state) -> bool:
    try:
        state.result()
    except Exception as err:  # noqa: BLE001
        from sqlalchemy.exc import DBAPIError, OperationalError

        return isinstance(err, (OperationalError, DBAPIError))
    return False


@task(name="ingest-batch", retries=2, retry_delay_seconds=2, retry_condition_fn=_transient)
def ingest_batch(paths: list[str], db_url: str, limit: int, force: bool = False) -> list[dict]:
    return ingest_paths(paths, db_url, limit, force)


class WorkerPool:
    """Worker processes for the CPU-bound stages, without Prefect in them.

    Forked from a forkserver that has imported the pipeline once (``WORKER_MODULES``), so a worker
    starts in a fraction of a second instead of importing Prefect, SQLAlchemy, spaCy and
    underthesea again (about 4-5 s of CPU per worker on this machine). The batches stay Prefect
    task runs (retries, states, the UI): each runs in a thread of the flow's process and waits for
    its batch in the pool. A worker that dies (out of memory on a monster file) fails its batch
    only: the pool is replaced and the batch retried.
    """

    def __init__(self, workers: int, method: str = "forkserver", initializer: Callable[[], None] | None = None):
        import multiprocessing as mp
        import threading

        from pipeline.ingest import WORKER_MODULES, warm_worker

        self._ctx = None
        if method == "forkserver":
            try:
                self._ctx = mp.get_context("forkserver")
                self._ctx.set_forkserver_preload(WORKER_MODULES)
            except ValueError:  # no forkserver on this platform
                self._ctx = None
        self._ctx = self._ctx or mp.get_context("spawn" if method == "forkserver" else method)
        self.workers = workers
        self._initializer = initializer or warm_worker
        self._lock = threading.Lock()
        self._executor = self._new()

    def _new(self):
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(max_workers=self.workers, mp_context=self._ctx, initializer=self._initializer)

    def start(self) -> None:
        """Start (and warm) every worker now rather than on the first batches."""
        from pipeline.ingest import worker_ready

        for f in [self._executor.submit(worker_ready, 0.5) for _ in range(self.workers)]:
            f.result()

    def call(self, fn: Callable, *args):
        """``fn(*args)`` in a worker (a picklable module-level function); a dead worker's pool is replaced."""
        from concurrent.futures.process import BrokenProcessPool

        executor = self._executor
        try:
            return executor.submit(fn, *args).result()
        except BrokenProcessPool:
            with self._lock:
                if self._executor is executor:
                    self._executor = self._new()
            executor.shutdown(wait=False, cancel_futures=True)
            raise

    def run(self, paths: list[str], db_url: str, limit: int, force: bool) -> list[dict]:
        return self.call(ingest_paths, paths, db_url, limit, force)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


_POOLS: dict[str, WorkerPool] = {}

#: Below this much input (and few files), worker processes cost more than they save (a watcher's burst).
POOL_MIN_BYTES = 512 * 1024


def worth_a_pool(files: list[str], workers: int) -> bool:
    """Enough work for worker processes: starting them costs seconds of CPU (the forkserver's imports)."""
    if len(files) >= 8 * workers:
        return True
    total = 0
    for f in files:
        try:
            total += os.path.getsize(f)
        except OSError:
            continue
        if total >= POOL_MIN_BYTES:
            return True
    return False


def _broken_or_transient(task, task_run, state) -> bool:
    try:
        state.result()
    except Exception as err:  # noqa: BLE001
        from concurrent.futures.process import BrokenProcessPool

        return isinstance(err, BrokenProcessPool) or _transient(task, task_run, state)
    return False


@task(name="ingest-batch", retries=2, retry_delay_seconds=2, retry_condition_fn=_broken_or_transient)
def ingest_batch_pooled(paths: list[str], db_url: str, limit: int, force: bool, pool: str) -> list[dict]:
    return _POOLS[pool].run(paths, db_url, limit, force)


def batches(paths: list[str], workers: int, size: int = 16) -> list[list[str]]:
    """Split into batches of at most ``size``, at least 4 per worker when there are enough files."""
    if not paths:
        return []
    n = max(math.ceil(len(paths) / size), min(len(paths), workers * 4 if workers > 1 else 1))
    step = math.ceil(len(paths) / n)
    return [paths[i:i + step] for i in range(0, len(paths), step)]


def summary_markdown(summary: dict) -> str:
    lines = ["# Ingest run", "", f"Files: {summary['files']}", ""]
    lines += ["| status | files |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in sorted(summary["status"].items())]
    if summary["items"]:
        lines += ["", "| field | items |", "| --- | --- |"]
        lines += [f"| {k} | {v} |" for k, v in sorted(summary["items"].items())]
    if summary["failed"]:
        lines += ["", "## Failed", "", "| file | reason |", "| --- | --- |"]
        lines += [f"| {f['path']} | {f['reason']} |" for f in summary["failed"]]
    if summary.get("cut"):
        lines += ["", "## Read in part (a limit per document)", "", "| file | left out |", "| --- | --- |"]
        lines += [f"| {c['path']} | {c['note']} |" for c in summary["cut"]]
    return "\n".join(lines)


def auto_accept(url: str, outcomes: list[Outcome]) -> int:
    """The administrator's auto-accept thresholds (review page), applied to the documents this run
    stored or re-extracted: the machine's acceptances, never a person's (``pipeline.store.learning``)."""
    ids = [o.document_id for o in outcomes if o.status in ("done", "reextracted") and o.document_id]
    if not ids:
        return 0
    from pipeline.store.learning import apply_auto_accept

    with open_store(url)() as session:
        n = apply_auto_accept(session, ids)
        session.commit()
    return n


RUNNERS = ("pool", "process", "dask", "thread")


def _share_api():
    """Give task processes this flow run's API address.

    Without PREFECT_API_URL the flow talks to a temporary server started in this process; its
    address is not in the settings the task runners hand to their processes, so each worker
    process would start a temporary server of its own (seconds of CPU and ~200 MB each).
    """
    import contextlib

    from prefect.context import FlowRunContext
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():
        return contextlib.nullcontext()
    ctx = FlowRunContext.get()
    url = str(ctx.client.api_url) if ctx is not None and ctx.client is not None else ""
    if not url.startswith(("http://127.0.0.1", "http://localhost")):
        return contextlib.nullcontext()
    return temporary_settings(updates={PREFECT_API_URL: url})


def make_runner(kind: str, workers: int):
    """The Prefect task runner for the batches: Prefect's process pool, a Dask cluster, or threads."""
    if kind == "dask":
        from prefect_dask import DaskTaskRunner

        address = os.environ.get("MINUTES_DASK_ADDRESS")
        if address:
            return DaskTaskRunner(address=address)
        return DaskTaskRunner(cluster_class="distributed.LocalCluster",
                              cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                              "dashboard_address": None})
    if kind == "thread":
        return ThreadPoolTaskRunner(max_workers=workers)
    if kind == "process":
        return ProcessPoolTaskRunner(max_workers=workers)
    raise ValueError(f"unknown task runner {kind!r} (one of {', '.join(RUNNERS)})")


@flow(name="minutes-ingest", task_runner=ThreadPoolTaskRunner(max_workers=1), log_prints=True)
def ingest_flow(paths: list[str], db_url: str | None = None, workers: int | None = None,
                force: bool = False, limit_bytes: int | None = None, runner: str | None = None) -> dict:
    """Ingest files and folders into the database; returns the run's summary.

    ``runner`` (or ``$MINUTES_TASK_RUNNER``), for the batches when ``workers`` > 1: "pool"
    (default: worker processes forked from a preloaded forkserver, see ``WorkerPool``), "process"
    (Prefect's ProcessPoolTaskRunner: each worker imports everything, Prefect included), "dask"
    (prefect-dask: a LocalCluster, or the scheduler at ``$MINUTES_DASK_ADDRESS``) or "thread". In the
    background runner (``pool_provider`` set) every batch goes to its warm workers instead.

    Files whose path, size and modification time match what was recorded when they were last read
    are "unchanged" at once, never opened (``skip-unchanged``); unless ``force``.
    """
    url = database_url(db_url)
    open_store(url)  # migrate once, before the workers start
    files = [str(p) for p in collect(paths)]
    workers = workers or default_workers()
    limit = limit_bytes or max_bytes()
    kind = runner or os.environ.get("MINUTES_TASK_RUNNER") or "pool"
    if kind not in RUNNERS:
        raise ValueError(f"unknown task runner {kind!r} (one of {', '.join(RUNNERS)})")
    outcomes: list[Outcome] = []
    lease = pool_provider(workers) if kind == "pool" and pool_provider is not None else None
    try:
        if files and not force:
            seen = skip_unchanged(files, url, lease.versions() if lease is not None else None)
            _collect(seen["outcomes"], outcomes)
            files = seen["rest"]
        if lease is not None:
            _pooled(lease, batches(files, lease.workers), url, limit, force, outcomes)
        else:
            parts = batches(files, workers)
            if kind == "pool" and workers > 1 and len(parts) > 1 and worth_a_pool(files, workers):
                pool = WorkerPool(min(workers, len(parts)))
                try:
                    _pooled(pool, parts, url, limit, force, outcomes)
                finally:
                    pool.close()
            elif kind != "pool" and (workers > 1 or kind == "dask") and len(parts) > 1:
                with _share_api(), make_runner(kind, workers) as pool:
                    futures = [pool.submit(ingest_batch, {"paths": b, "db_url": url, "limit": limit, "force": force})
                               for b in parts]
                    for fut in as_completed(futures):
                        _collect(fut.result(), outcomes)
            else:
                for b in parts:
                    _collect(ingest_batch(b, url, limit, force), outcomes)
    finally:
        if lease is not None:
            lease.close()
    summary = summarize(outcomes)
    summary["auto_accepted"] = auto_accept(url, outcomes)
    summary["outcomes"] = [o.to_dict() for o in outcomes]
    try:
        create_markdown_artifact(summary_markdown(summary), key="ingest-summary", description="minutes ingest run")
    except Exception:  # noqa: BLE001 - an artifact must never fail the run
        pass
    return summary


@task(name="skip-unchanged")
def skip_unchanged(files: list[str], db_url: str, versions: str | None = None) -> dict:
    """Files recognised as unchanged from their path, size and modification time (never opened), and the rest."""
    if versions is None:
        from extractors import version_tag

        versions = version_tag()
    known, rest = unchanged_by_stat(files, db_url, versions)
    return {"outcomes": known, "rest": rest}


def _pooled(pool, parts: list[list[str]], url: str, limit: int, force: bool, outcomes: list[Outcome]) -> None:
    """The batches on worker processes, each batch a task run in a thread of this process."""
    if not parts:
        return
    import uuid

    key = uuid.uuid4().hex
    _POOLS[key] = pool
    try:
        with ThreadPoolTaskRunner(max_workers=min(pool.workers, len(parts))) as threads:
            futures = [threads.submit(ingest_batch_pooled, {"paths": b, "db_url": url, "limit": limit,
                                                            "force": force, "pool": key}) for b in parts]
            for fut in as_completed(futures):
                _collect(fut.result(), outcomes)
    finally:
        _POOLS.pop(key, None)


def _collect(results: list[dict], outcomes: list[Outcome]) -> None:
    if not results:
        return
    batch = [Outcome(**r) for r in results]
    outcomes.extend(batch)
    for hook in (progress_hook, run_progress.get()):
        if hook:
            hook(batch)


# ---------------------------------------------------------------------------------------------
# scale-out: work pools


def split(files: list[str], size: int) -> list[list[str]]:
    """Consecutive batches of at most ``size`` files (a folder's files stay together)."""
    size = max(1, size)
    return [files[i:i + size] for i in range(0, len(files), size)]


@flow(name="minutes-sweep", log_prints=True)
def sweep_flow(paths: list[str], deployment: str = "minutes-ingest/pool", batch_size: int = 100,
               workers: int | None = None, db_url: str | None = None, force: bool = False) -> dict:
    """Split files and folders into batches and create one ``deployment`` flow run per batch.

    A flow run is claimed by exactly one worker of the pool, so each file is processed once; the
    runs are not awaited (this run ends at once, and frees its worker slot). ``db_url`` is better
    left to the workers' ``$MINUTES_DATABASE_URL`` (flow parameters are shown in the UI).
    """
    from prefect.deployments import run_deployment

    files = [str(p) for p in collect(paths)]
    runs = []
    for i, part in enumerate(split(files, batch_size)):
        params: dict = {"paths": part, "force": force}
        if workers:
            params["workers"] = workers
        if db_url:
            params["db_url"] = db_url
        fr = run_deployment(deployment, parameters=params, timeout=0,
                            flow_run_name=f"batch-{i + 1:04d}-of-{math.ceil(len(files) / max(1, batch_size)):04d}")
        runs.append(str(fr.id))
    print(f"{len(files)} files in {len(runs)} flow runs of {deployment}")
    return {"files": len(files), "flow_runs": runs, "deployment": deployment}


def deploy_to_pool(pool: str, name: str = "pool", workers: int | None = None) -> list[str]:
    """Register ``minutes-ingest/NAME`` and ``minutes-sweep/NAME`` on the work pool ``pool``.

    Module entrypoints (``flows.ingest.ingest_flow``): no code is uploaded; each worker's machine
    runs the project installed there, in the worker's environment ($MINUTES_DATABASE_URL, …).
    """
    from prefect.types.entrypoint import EntrypointType

    ids = []
    params = {"workers": workers} if workers else {}
    ids.append(str(ingest_flow.deploy(name=name, work_pool_name=pool, entrypoint_type=EntrypointType.MODULE_PATH,
                                      parameters=params, build=False, push=False, print_next_steps=False)))
    ids.append(str(sweep_flow.deploy(name=name, work_pool_name=pool, entrypoint_type=EntrypointType.MODULE_PATH,
                                     parameters={"deployment": f"minutes-ingest/{name}"}, build=False, push=False,
                                     print_next_steps=False)))
    return ids


def main(argv: list[str] | None = None) -> int:
    """python -m flows.ingest deploy --pool POOL [--name NAME] | sweep PATH... [--deployment D] [--batch N]"""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m flows.ingest", description=main.__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("deploy", help="register the ingest and sweep deployments on a work pool")
    d.add_argument("--pool", required=True)
    d.add_argument("--name", default="pool")
    d.add_argument("--workers", type=int, default=None, help="worker processes per flow run [default: the cores]")
    w = sub.add_parser("sweep", help="split files/folders into one ingest flow run per batch (run here)")
    w.add_argument("paths", nargs="+")
    w.add_argument("--deployment", default="minutes-ingest/pool")
    w.add_argument("--batch", type=int, default=100)
    w.add_argument("--workers", type=int, default=None)
    a = ap.parse_args(argv)
    if a.cmd == "deploy":
        for i in deploy_to_pool(a.pool, a.name, a.workers):
            print(i)
    else:
        res = sweep_flow(paths=[os.path.abspath(p) for p in a.paths], deployment=a.deployment, batch_size=a.batch,
                         workers=a.workers)
        print("\n".join(res["flow_runs"]))
    return 0


if __name__ == "__main__":
    # through the package's module, so deployments name flows.ingest (not __main__) as their entrypoint
    from flows.ingest import main as _main

    raise SystemExit(_main())
