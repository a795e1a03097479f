"""minutes eval: ingest documents into a throwaway database, export, score against gold."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import click

from pipeline.commands import db_option


@click.command("eval")
@click.option("--docs", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Documents to ingest [default: ../shared/eval/dev/docs].")
@click.option("--gold", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Gold records [default: ../shared/eval/dev/gold].")
@click.option("--verbose", "-v", is_flag=True, help="List each miss and extra item.")
@click.option("--ablation/--no-ablation", default=True, show_default=True,
              help="Also score without underthesea's POS tags, and without its word segmentation, to show what each adds.")
@click.option("--against-reviews", is_flag=True,
              help="Score the machine suggestions against what reviewers decided in --db instead.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the figures as JSON here.")
@click.option("--workers", type=int, default=None)
@db_option
def eval_cmd(docs: Path | None, gold: Path | None, verbose: bool, ablation: bool, against_reviews: bool,
             json_out: Path | None, workers: int | None, db: str | None) -> None:
    """Per-field precision, recall and F1, attribute accuracy and a calibration table.

    The documents go through the real path (the ingest flow into a throwaway
    SQLite database, then the JSON export), and the export is scored with
    ../shared/eval/score.py.
    """
    from pipeline import evaluate as ev

    if against_reviews:
        res = ev.eval_against_reviews(db, verbose=verbose)
        _write(json_out, res)
        return
    from pipeline import server

    try:
        server.connect(say=lambda m: click.echo(m, err=True))
    except server.ServerError as err:
        click.echo(f"{err}; Prefect's temporary server instead", err=True)
    dev = ev.shared_dir() / "eval" / "dev"
    docs = docs or dev / "docs"
    gold = gold or dev / "gold"
    with tempfile.TemporaryDirectory(prefix="minutes-eval-") as tmp:
        res = ev.eval_through_store(docs, gold, Path(tmp), verbose=verbose, workers=workers)
        if ablation:
            res["ablations"] = ev.ablations(docs, gold, Path(tmp) / "ablation")
    _write(json_out, res)


def _write(path: Path | None, res: dict) -> None:
    if path:
        path.write_text(json.dumps(res, ensure_ascii=False, indent=2), encoding="utf-8")
