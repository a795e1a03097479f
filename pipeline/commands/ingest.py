"""minutes ingest PATH... : files or folders through the Prefect flow, with a progress bar and a summary."""

from __future__ import annotations

import os
import sys

import click

from pipeline.commands import db_option


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@db_option
@click.option("--workers", type=int, default=None,
              help="Worker processes [default: $MINUTES_WORKERS or the number of cores; at most the background "
                   "runner's warm workers].")
@click.option("--force", is_flag=True, help="Re-read and re-extract files already stored.")
@click.option("--strict", is_flag=True, help="Exit 1 if any file failed.")
@click.option("--max-mb", type=float, default=None, help="Fail files larger than this [default: $MINUTES_MAX_MB or 100].")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), default=None, help="Also write the run summary as JSON here.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def ingest(paths: tuple[str, ...], db: str | None, workers: int | None, force: bool, strict: bool,
           max_mb: float | None, json_out: str | None, quiet: bool) -> None:
    """Read files or folders (.docx, .pdf, .doc, .txt) and store their records.

    Each file is processed once: the same content again (even under another
    name) is recorded as unchanged or duplicate; a file that cannot be read
    is stored as failed with its reason. Exit 0 when every file was
    processed or recorded as failed (--strict: 1 if any failed).

    The work runs in the background server (started if needed, see
    `minutes server --help`) unless PREFECT_API_URL is set or
    MINUTES_SERVER=off: then in this process.
    """
    import json

    from rich.console import Console

    from pipeline import server
    from pipeline.config import absolute_database_url, database_url

    console = Console(stderr=True)
    url = absolute_database_url(database_url(db))
    limit = int(max_mb * 1024 * 1024) if max_mb else None
    summary = None
    with _progress(console, quiet) as bar:
        try:
            local = server.connect(say=lambda m: console.print(f"[dim]{m}[/]"))
        except server.ServerError as err:
            console.print(f"[yellow]{err}; running in this process instead[/]")
            local = None
        if local is not None and _runner_can(url):
            summary = _via_runner(paths, url, workers, force, limit, bar, console)
        if summary is None:
            summary = _in_process(paths, url, workers, force, limit, bar)
    if summary is False:
        console.print("Không có tệp nào để xử lý. (No files to process.)")
        return
    print_summary(summary, console)
    if json_out:
        with open(json_out, "w", encoding="utf-8") as fh:
            json.dump(summary, fh, ensure_ascii=False, indent=1)
    if strict and summary["status"].get("failed"):
        sys.exit(1)


def _progress(console, quiet: bool):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        TextColumn("{task.description}"), console=console, disable=quiet, transient=False)
    progress.main = progress.add_task("starting Prefect…", total=None)
    return progress


def _advance(bar, n: int, last: str, failed: int) -> None:
    bar.update(bar.main, advance=n, description=last.rsplit("/", 1)[-1][:40] + (f" ({failed} failed)" if failed else ""))


def _runner_can(url: str) -> bool:
    """The runner takes the run (the default pool runner, a database another process can open)."""
    return (os.environ.get("MINUTES_TASK_RUNNER") or "pool") == "pool" and url not in ("sqlite://", "sqlite:///:memory:")


def _via_runner(paths, url: str, workers: int | None, force: bool, limit: int | None, bar, console) -> dict | bool | None:
    """The run on the background runner: its summary, False for no files, or None when it cannot take it."""
    from pipeline import server

    files = server.Files()
    pong = server.runner_ready(files)
    if pong is None:
        console.print("[dim]the background runner is not ready: running in this process[/]")
        return None
    if workers and workers > pong["workers"]:
        console.print(f"[dim]the background runner keeps {pong['workers']} warm worker(s) (MINUTES_SERVER_WORKERS): "
                      f"using {pong['workers']}, not {workers}[/]")
    req = {"op": "ingest", "paths": [os.path.abspath(p) for p in paths], "db_url": url, "workers": workers,
           "force": force, "limit_bytes": limit, "code": pong["code"], "env": server.env_fingerprint()}

    def on_event(ev: dict) -> None:
        if ev["event"] == "accepted":
            bar.update(bar.main, total=ev["files"], description="")
        elif ev["event"] == "batch":
            _advance(bar, ev["n"], ev["last"], ev["failed"])

    try:
        end = server.request(files, req, on_event, timeout=None)
    except (OSError, server.ServerError) as err:
        raise click.ClickException(f"the background runner stopped during the run ({err}); run the same "
                                   f"command again to finish (see {files.runner_log})") from None
    if end["event"] == "refused":
        console.print(f"[dim]{end['reason']}: running in this process[/]")
        return None
    if end["event"] == "error":
        raise click.ClickException(end["message"])
    return end["summary"] or False


def _in_process(paths, url: str, workers: int | None, force: bool, limit: int | None, bar) -> dict | bool:
    from pipeline.ingest import collect

    files = collect(list(paths))
    if not files:
        return False
    bar.update(bar.main, total=len(files))
    from flows import ingest as flow_mod

    flow_mod.progress_hook = lambda batch: _advance(bar, len(batch), batch[-1].path,
                                                    sum(1 for o in batch if o.status == "failed"))
    return flow_mod.ingest_flow(paths=[str(f) for f in files], db_url=url, workers=workers, force=force,
                                limit_bytes=limit)


def print_summary(summary: dict, console) -> None:
    """The run's summary: files by status, items per field, failures with their reasons."""
    _table(console, f"{summary['files']} files", ("status", "files"),
           [(k, str(v)) for k, v in sorted(summary["status"].items())])
    _table(console, "items extracted", ("field", "items"), [(k, str(v)) for k, v in sorted(summary["items"].items())])
    _table(console, "failed", ("file", "reason"), [(f["path"], f["reason"] or "") for f in summary["failed"]])
    _table(console, "read in part (a limit per document)", ("file", "left out"),
           [(c["path"], c["note"]) for c in summary.get("cut", [])])


def _table(console, title: str, columns: tuple[str, str], rows: list[tuple[str, str]]) -> None:
    from rich.table import Table

    if not rows:
        return
    t = Table(title=title, show_header=True)
    t.add_column(columns[0])
    t.add_column(columns[1], justify="right" if columns[1] in ("files", "items") else "left")
    for row in rows:
        t.add_row(*row)
    console.print(t)
