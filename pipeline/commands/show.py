"""minutes show FILE_OR_ID: one document's records, each with its source sentence."""

from __future__ import annotations

import json

import click

from pipeline.commands import db_option


@click.command()
@click.argument("ref")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON instead.")
def show(ref: str, db: str | None, as_json: bool) -> None:
    """Show a document (by id, sha256 prefix, file name or path) and its records."""
    from rich.console import Console
    from rich.markup import escape

    from pipeline.export import record_for
    from pipeline.model import FIELDS
    from pipeline.store import open_store, repo

    console = Console()
    with open_store(db)() as session:
        doc = repo.find_document(session, ref)
        if doc is None:
            raise click.ClickException(f"No document matches {ref!r} in the database.")
        if as_json:
            click.echo(json.dumps(record_for(session, doc), ensure_ascii=False, indent=2))
            return
        console.print(f"[bold]{escape(doc.filename)}[/]  id {doc.id}  {doc.format or '?'}  "
                      f"{doc.pages or '-'} pages  sha256 {doc.sha256[:12]}  [{doc.status}] {doc.review_state}")
        if doc.status == "failed":
            console.print(f"[red]failed:[/] {escape(doc.error or '')}")
            return
        for warning in (doc.meta or {}).get("warnings") or []:
            console.print(f"[yellow]note:[/] {escape(warning)}")
        items = repo.effective_items(session, doc)
        for field in FIELDS:
            rows = [i for i in items if i["field"] == field]
            if not rows:
                continue
            console.print(f"\n[bold underline]{field}[/] ({len(rows)})")
            for it in rows:
                v = {k: x for k, x in (it["value"] or {}).items() if x not in (None, "", [])}
                console.print(f"  • {escape(json.dumps(v, ensure_ascii=False))}  "
                              f"[dim]conf {it['confidence']:.2f} {it['state']}"
                              + (f" p.{it['page']}" if it["page"] else "") + "[/]")
                if it["evidence"]:
                    console.print(f"    [dim]« {escape(it['evidence'][:300])} »[/]")
