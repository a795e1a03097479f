"""minutes ingest PATH... : files or folders through the Prefect flow, with a progress bar and a summary."""

from __future__ import annotations

import sys

import click

from pipeline.commands import db_option


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@db_option
@click.option("--workers", type=int, default=None, help="Worker processes [default: $MINUTES_WORKERS or the number of cores].")
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
    """
    import json

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from pipeline.ingest import collect
    from pipeline.store import database_url

    console = Console(stderr=True)
    files = collect(list(paths))
    if not files:
        console.print("Không có tệp nào để xử lý. (No files to process.)")
        return
    from flows import ingest as flow_mod

    url = database_url(db)
    with Progress(TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=console, disable=quiet, transient=False) as bar:
        task = bar.add_task("starting Prefect…", total=len(files))

        def advance(batch) -> None:
            failed = sum(1 for o in batch if o.status == "failed")
            bar.update(task, advance=len(batch), description=f"{batch[-1].path.rsplit('/', 1)[-1][:40]}"
                       + (f" ({failed} failed)" if failed else ""))

        flow_mod.progress_hook = advance
        limit = int(max_mb * 1024 * 1024) if max_mb else None
        summary = flow_mod.ingest_flow(paths=[str(f) for f in files], db_url=url, workers=workers, force=force,
                                       limit_bytes=limit)
    print_summary(summary, console)
    if json_out:
        with open(json_out, "w", encoding="utf-8") as fh:
            json.dump(summary, fh, ensure_ascii=False, indent=1)
    if strict and summary["status"].get("failed"):
        sys.exit(1)


def print_summary(summary: dict, console) -> None:
    """The run's summary: files by status, items per field, failures with their reasons."""
    _table(console, f"{summary['files']} files", ("status", "files"),
           [(k, str(v)) for k, v in sorted(summary["status"].items())])
    _table(console, "items extracted", ("field", "items"), [(k, str(v)) for k, v in sorted(summary["items"].items())])
    _table(console, "failed", ("file", "reason"), [(f["path"], f["reason"] or "") for f in summary["failed"]])


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
