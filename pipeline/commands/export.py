"""minutes export: JSON per document (SCHEMA.md), CSV per field, gold records, or one Excel workbook."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from pipeline.commands import db_option

DATE = click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"])


@click.command()
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "gold", "xlsx"]), default="json", show_default=True,
              help="json: one file per document with each item's state; csv: one file per field; "
                   "gold: reviewed documents as gold records for ../shared/eval/score.py; "
                   "xlsx: one workbook (a summary sheet, a documents sheet, a sheet per field).")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="A folder for json, csv and gold [default: output/export]; "
                   "the workbook's file for xlsx [default: output/minutes.xlsx].")
@click.option("--reviewed-only", is_flag=True, help="Only documents marked reviewed, only reviewed values.")
@click.option("--from", "date_from", type=DATE, default=None, metavar="DATE",
              help="xlsx: only meetings held on or after this date (YYYY-MM-DD or DD/MM/YYYY); "
                   "documents with no meeting date are then left out.")
@click.option("--to", "date_to", type=DATE, default=None, metavar="DATE", help="xlsx: only meetings held on or before this date.")
@click.option("--organizer", default=None, metavar="TEXT",
              help="xlsx: only meetings whose organizer contains TEXT (case and spacing ignored).")
@click.option("--review-url", default=None, metavar="URL",
              help="xlsx: the review page's address (e.g. http://127.0.0.1:8000); each value then links to "
                   "its document on that page.")
@db_option
def export(fmt: str, out: Path | None, reviewed_only: bool, date_from: datetime | None, date_to: datetime | None,
           organizer: str | None, review_url: str | None, db: str | None) -> None:
    """Export the stored records; reviewer decisions win over machine suggestions."""
    from pipeline.store import open_store

    if fmt != "xlsx" and (date_from or date_to or organizer or review_url):
        raise click.UsageError("--from, --to, --organizer and --review-url go with --format xlsx.")
    sessions = open_store(db)
    if fmt == "xlsx":
        from pipeline.store.review import Scope
        from pipeline.xlsx_export import export_xlsx

        out = out or Path("output/minutes.xlsx")
        if out.is_dir() or out.suffix.lower() != ".xlsx":
            raise click.UsageError(f"--out must name a .xlsx file for --format xlsx, not {out}.")
        scope = Scope(reviewed_only=reviewed_only, date_from=date_from and date_from.date(),
                      date_to=date_to and date_to.date(), organizer=organizer)
        with sessions() as session:
            stats = export_xlsx(session, out, scope, review_url=review_url)
        click.echo(f"exported {stats.documents} documents, {sum(stats.rows.values())} values as xlsx to {out}",
                   err=True)
        return
    from pipeline.export import export_csv, export_json

    out = out or Path("output/export")
    if out.exists() and not out.is_dir():
        raise click.UsageError(f"--out must be a folder for --format {fmt}: {out} is a file.")
    with sessions() as session:
        if fmt == "csv":
            n = export_csv(session, out, reviewed_only=reviewed_only)
        else:
            n = export_json(session, out, reviewed_only=reviewed_only, gold=fmt == "gold")
    click.echo(f"exported {n} documents as {fmt} to {out}", err=True)
