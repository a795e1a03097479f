"""minutes export: JSON per document (SCHEMA.md), CSV per field, or gold records."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.commands import db_option


@click.command()
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "gold"]), default="json", show_default=True,
              help="json: one file per document with each item's state; csv: one file per field; "
                   "gold: reviewed documents as gold records for ../shared/eval/score.py.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("output/export"), show_default=True)
@click.option("--reviewed-only", is_flag=True, help="Only documents marked reviewed, only reviewed values.")
@db_option
def export(fmt: str, out: Path, reviewed_only: bool, db: str | None) -> None:
    """Export the stored records; reviewer decisions win over machine suggestions."""
    from pipeline.export import export_csv, export_json
    from pipeline.store import open_store

    sessions = open_store(db)
    with sessions() as session:
        if fmt == "csv":
            n = export_csv(session, out, reviewed_only=reviewed_only)
        else:
            n = export_json(session, out, reviewed_only=reviewed_only, gold=fmt == "gold")
    click.echo(f"exported {n} documents as {fmt} to {out}", err=True)
