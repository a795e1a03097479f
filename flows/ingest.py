"""The ingest flow: a list of files or folders -> documents and items in the database.

Orchestration only: every step is a function of ``pipeline``. Files are
processed in batches (one Prefect task per batch), so Prefect's bookkeeping
stays a small share of the time; with more than one worker the batches run
in a process pool (``ProcessPoolTaskRunner``), each process with its own
database connection. A batch that hits a transient database error is retried;
since ingest is idempotent, a retried or re-run batch never duplicates.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from pipeline.config import default_workers, max_bytes, prepare_prefect

prepare_prefect()

from prefect import flow, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402
from prefect.futures import as_completed  # noqa: E402
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner  # noqa: E402

from pipeline.ingest import Outcome, collect, ingest_file, summarize  # noqa: E402
from pipeline.store import database_url, open_store  # noqa: E402

#: Called with (outcomes of a finished batch) in the flow's process; the CLI sets it for its progress bar.
progress_hook: Callable[[list[Outcome]], None] | None = None


def _transient(task, task_run, state) -> bool:
    try:
        state.result()
    except Exception as err:  # noqa: BLE001
        from sqlalchemy.exc import DBAPIError, OperationalError

        return isinstance(err, (OperationalError, DBAPIError))
    return False


@task(name="ingest-batch", retries=2, retry_delay_seconds=2, retry_condition_fn=_transient)
def ingest_batch(paths: list[str], db_url: str, limit: int, force: bool = False) -> list[dict]:
    from extractors import version_tag

    sessions = open_store(db_url)
    versions = version_tag()
    return [ingest_file(p, sessions, versions=versions, max_bytes=limit, force=force).to_dict() for p in paths]


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
    return "\n".join(lines)


@flow(name="minutes-ingest", task_runner=ThreadPoolTaskRunner(max_workers=1), log_prints=True)
def ingest_flow(paths: list[str], db_url: str | None = None, workers: int | None = None,
                force: bool = False, limit_bytes: int | None = None) -> dict:
    """Ingest files and folders into the database; returns the run's summary."""
    url = database_url(db_url)
    open_store(url)  # migrate once, before the workers start
    files = [str(p) for p in collect(paths)]
    workers = workers or default_workers()
    limit = limit_bytes or max_bytes()
    outcomes: list[Outcome] = []
    parts = batches(files, workers)
    if workers > 1 and len(parts) > 1:
        with ProcessPoolTaskRunner(max_workers=workers) as runner:
            futures = [runner.submit(ingest_batch, {"paths": b, "db_url": url, "limit": limit, "force": force})
                       for b in parts]
            for fut in as_completed(futures):
                _collect(fut.result(), outcomes)
    else:
        for b in parts:
            _collect(ingest_batch(b, url, limit, force), outcomes)
    summary = summarize(outcomes)
    summary["outcomes"] = [o.to_dict() for o in outcomes]
    try:
        create_markdown_artifact(summary_markdown(summary), key="ingest-summary", description="minutes ingest run")
    except Exception:  # noqa: BLE001 - an artifact must never fail the run
        pass
    return summary


def _collect(results: list[dict], outcomes: list[Outcome]) -> None:
    batch = [Outcome(**r) for r in results]
    outcomes.extend(batch)
    if progress_hook:
        progress_hook(batch)
