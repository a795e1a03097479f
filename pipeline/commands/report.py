"""minutes report: the Word summary report (Vietnamese) of the stored records."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.commands import db_option


@click.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("output/report.docx"),
              show_default=True, help="The report's file (.docx).")
@click.option("--year", type=click.IntRange(1900, 2100), default=None, metavar="YYYY",
              help="Only documents of that year (the meeting's year, else the year of its themes).")
@click.option("--reviewed-only", is_flag=True, help="Only documents marked reviewed, only reviewed values.")
@db_option
def report(out: Path, year: int | None, reviewed_only: bool, db: str | None) -> None:
    """Write a Word summary in Vietnamese: documents counted, registrations by unit and year, models and
    their units, themes by year, the documents cited most, each figure traced to its documents in an
    appendix. The figures are those of the review page's summary; reviewed values win over suggestions."""
    from pipeline.report import write_report
    from pipeline.store import open_store
    from pipeline.store.review import Scope

    if out.suffix.lower() != ".docx":
        raise click.UsageError(f"--out must name a .docx file, not {out}.")
    with open_store(db)() as session:
        stats = write_report(session, out, Scope(reviewed_only=reviewed_only, year=year))
    click.echo(f"wrote the report of {stats.documents} documents ({stats.reviewed} reviewed) to {out}", err=True)
