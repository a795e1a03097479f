"""minutes train: fit the extraction model on annotated documents."""

from __future__ import annotations

import os
import time
from pathlib import Path

import click

from pipeline.commands import db_option

model_option = click.option(
    "--model", "model_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Use the model in this folder [default: $MINUTES_MODEL_DIR, else the one `minutes train` "
         "wrote into the state folder, else the shipped one].")


def use_model(model_dir: Path | None) -> None:
    """Make ``--model DIR`` the model of this process and of the workers it starts."""
    if model_dir is not None:
        if not (model_dir / "model.json").exists():
            raise click.ClickException(f"No model in {model_dir} (it holds no model.json).")
        os.environ["MINUTES_MODEL_DIR"] = str(model_dir.resolve())


def gold_sources(gold: tuple[Path, ...], docs: tuple[Path, ...]) -> list[tuple[Path, Path]]:
    """(documents folder, gold folder) pairs: --docs pairs with --gold by order;
    a gold folder without one takes the "docs" folder beside it."""
    if docs and len(docs) != len(gold):
        raise click.UsageError("Give one --docs per --gold (or none: each gold folder's sibling docs/ is used).")
    out = []
    for i, g in enumerate(gold):
        d = docs[i] if docs else g.parent / "docs"
        if not d.is_dir():
            raise click.UsageError(f"No documents folder for {g}: expected {d} (give it with --docs).")
        out.append((d, g))
    return out


@click.command()
@click.option("--gold", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A folder of gold records (SCHEMA.md), one JSON per document; repeatable "
                   "[default: ../shared/eval/dev/gold].")
@click.option("--docs", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The documents of the --gold folder of the same rank [default: the docs/ folder beside it].")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write the model here [default: the state folder, where it becomes the model in use].")
@click.option("--setaside/--no-setaside", "honour_setaside", default=True, show_default=True,
              help="Leave out the documents listed in extractors/learn/setaside.txt.")
@click.option("--workers", type=int, default=None, help="Processes that read and analyze the documents.")
@click.option("--from-reviews", is_flag=True,
              help="Also learn from every document reviewers decided on in --db (only from them, without --gold), "
                   "then re-extract the stored documents whose extractor version changed (decisions untouched).")
@click.option("--reextract/--no-reextract", default=True, show_default=True,
              help="With --from-reviews: re-extract the stored documents afterwards.")
@click.option("--run-id", type=int, default=None, hidden=True)
@click.option("--trigger", default="command", hidden=True)
@click.option("--started-by", default=None, hidden=True)
@click.option("--keep-richer", is_flag=True, hidden=True)
@db_option
def train(gold: tuple[Path, ...], docs: tuple[Path, ...], out: Path | None, honour_setaside: bool,
          workers: int | None, from_reviews: bool, reextract: bool, run_id: int | None, trigger: str,
          started_by: str | None, keep_richer: bool, db: str | None) -> None:
    """Train the extraction model on annotated documents.

    Each document is read, analyzed and its candidates are labeled against
    its gold record the way ../shared/eval/score.py matches; one logistic
    regression per task is fitted, calibrated on held-out folds, and written
    as plain JSON (model.json). Without --out the new model goes to the
    state folder and is used from then on by every command; stored documents
    are re-extracted with it the next time they are ingested (reviewer
    decisions are never touched).

    With --from-reviews the documents reviewers decided on in the database
    are training data too (accepted, edited and added values positives,
    rejected ones negatives; a document marked reviewed: what is absent is
    absent; a document also in a --gold folder counts once, the review
    winning), and the stored documents are re-extracted with the new model.

    \b
    Examples:
      minutes train                                  # ../shared/eval/dev, set-aside documents left out
      minutes train --gold my/gold --docs my/docs --out models/2026-12
      minutes train --from-reviews                   # the reviewed documents of the database only
      minutes train --from-reviews --gold ../shared/eval/dev/gold --db postgresql+psycopg://…/minutes
    """
    if from_reviews:
        from pipeline.retrain import run_cli

        run_cli(db, gold_sources(gold, docs), out, honour_setaside, workers, reextract, run_id, trigger,
                started_by, keep_richer)
        return
    from rich.console import Console

    from extractors.learn.data import load_examples, read_setaside
    from extractors.learn.scorer import state_model_dir
    from extractors.learn.train import fit
    from pipeline.evaluate import shared_dir

    console = Console(stderr=True)
    if not gold:
        dev = shared_dir() / "eval" / "dev"
        if not (dev / "gold").is_dir():
            raise click.UsageError(f"No --gold given and no evaluation set at {dev} (set MINUTES_SHARED).")
        gold = (dev / "gold",)
        docs = (dev / "docs",)
    exclude = read_setaside() if honour_setaside else set()
    t0 = time.perf_counter()
    examples = []
    for d, g in gold_sources(gold, docs):
        with console.status(f"reading and analyzing the documents of {g} …"):
            got = load_examples(d, g, exclude=exclude, workers=workers)
        bad = [ex for ex in got if ex.origin.startswith("error")]
        for ex in bad:
            console.print(f"[yellow]left out[/] {ex.name}: {ex.origin[6:]}")
        examples += [ex for ex in got if not ex.origin.startswith("error")]
    if not examples:
        raise click.ClickException("No annotated document could be read: nothing to train on.")
    t1 = time.perf_counter()
    with console.status(f"fitting on {len(examples)} documents …"):
        model = fit(examples, meta={"gold": [str(g) for g in gold],
                                    "setaside_left_out": sorted(exclude) if exclude else []})
    t2 = time.perf_counter()
    target = out or state_model_dir()
    path = model.save(target)
    console.print(f"model {model.hash}: {len(examples)} documents, {model.meta['candidates']} candidates; "
                  f"analysis {t1 - t0:.1f} s, fitting {t2 - t1:.1f} s")
    for task, tm in sorted(model.tasks.items()):
        console.print(f"  {task:<20} {len(tm.weights):5d} weights, threshold {tm.threshold:.2f}")
    click.echo(str(path))
    if out is None:
        console.print("This model is now the one in use (delete it to return to the shipped one).")
