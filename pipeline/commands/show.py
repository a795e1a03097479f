"""minutes show FILE_OR_ID: one document's records, each with its source sentence."""

from __future__ import annotations

import json

import click

from pipeline.commands import db_option


@click.command()
@click.argument("ref")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON instead.")
@click.option("--why", is_flag=True,
              help="Say why the model chose each value: the candidate rule that proposed it, its probability "
                   "and the features that weighed most for and against it.")
def show(ref: str, db: str | None, as_json: bool, why: bool) -> None:
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
        reasons = explain_document(doc) if why else {}
        if why and not reasons:
            console.print("[yellow]No model is in use: the values are the rules' own.[/]")
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
                if why:
                    from extractors import item_key

                    for line in why_lines(reasons.get((field, item_key(field, it["value"] or {})))):
                        console.print(f"    [cyan]{escape(line)}[/]")


def explain_document(doc) -> dict:
    """Why the model in use chose each of a stored document's values,
    recomputed from its stored blocks (nothing is read again)."""
    from extractors import extract_rules
    from extractors.learn.run import explain_items
    from extractors.learn.scorer import current_model
    from pipeline.nlp import make_doc
    from pipeline.normalize import normalize
    from pipeline.store import repo

    model = current_model()
    if model is None or doc.status != "done":
        return {}
    text = normalize(repo.source_blocks(doc).blocks)
    nlp_doc = make_doc(text.text)
    return explain_items(nlp_doc, text, extract_rules(nlp_doc, text), model)


def _weights(pairs: list) -> str:
    return ", ".join(f"{name} {w:+.2f}" for name, w in pairs) or "-"


def why_lines(reason: dict | None) -> list[str]:
    """A value's reasons as lines of text (empty when the model did not choose it)."""
    if not reason:
        return ["why: not the model's choice (added or edited by a reviewer, or extracted by another version)"]
    out = []
    if reason.get("task"):
        out.append(f"why: proposed by '{reason['candidate_rule']}', probability {reason['probability']:.2f} "
                   f"(threshold {reason['threshold']:.2f})")
        out.append(f"  for: {_weights(reason['for'])}")
        out.append(f"  against: {_weights(reason['against'])}")
    for attr, r in (reason.get("attributes") or {}).items():
        out.append(f"  {attr} = {r['value']!r}: proposed by '{r['candidate_rule']}', probability {r['probability']:.2f}; "
                   f"for: {_weights(r['for'][:3])}; against: {_weights(r['against'][:3])}")
    return out
