"""minutes eval: ingest documents into a throwaway database, export, score against gold."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import click

from pipeline.commands import db_option
from pipeline.commands.train import model_option, use_model


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
@click.option("--cv", "folds", type=int, default=None, metavar="K",
              help="Cross-validate the trained model instead: K folds grouped by document, each scored by a model "
                   "fitted on the others; prints candidate recall, the rules alone beside, calibration, a learning "
                   "curve and ablations. The set-aside documents are left out.")
@click.option("--curve/--no-curve", default=True, show_default=True, help="With --cv: the learning curve (25 %, 50 %, 100 %).")
@click.option("--setaside", "setaside", is_flag=True,
              help="Train on every document but the set-aside ones (extractors/learn/setaside.txt) and score those.")
@click.option("--review-curve", "review_curve", is_flag=True,
              help="Simulate reviewers instead: per fold (--cv K, default 5) import the gold of k = 0, 10, 25, 50, "
                   "100 training documents as reviews, retrain with --from-reviews only, score the held-out fold; "
                   "prints F1 per field against documents reviewed (see pipeline/review_curve.py).")
@click.option("--review-base", type=int, default=50, show_default=True, metavar="N",
              help="With --review-curve: also a line that starts from a model trained on N gold documents (0: none).")
@click.option("--svg", "svg", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --review-curve: also draw the curve as an SVG here (the README's is docs/review_curve.svg).")
@click.option("--workers", type=int, default=None)
@model_option
@db_option
def eval_cmd(docs: Path | None, gold: Path | None, verbose: bool, ablation: bool, against_reviews: bool,
             json_out: Path | None, folds: int | None, curve: bool, setaside: bool, review_curve: bool,
             review_base: int, svg: Path | None, workers: int | None, model_dir: Path | None, db: str | None) -> None:
    """Per-field precision, recall and F1, attribute accuracy and a calibration table.

    By default the documents go through the real path (the ingest flow into
    a throwaway SQLite database with the model in use, then the JSON export),
    and the export is scored with ../shared/eval/score.py. With --cv K the
    model is cross-validated instead (in process, no database); with
    --setaside it is trained without the set-aside documents and scored on them.

    \b
    Examples:
      minutes eval                 # the model in use on ../shared/eval/dev
      minutes eval --cv 5          # cross-validation, learning curve, ablations
      minutes eval --setaside      # the documents kept out of design and training
      minutes eval --review-curve --svg docs/review_curve.svg   # what reviewing teaches
    """
    from pipeline import evaluate as ev

    use_model(model_dir)
    if against_reviews:
        res = ev.eval_against_reviews(db, verbose=verbose)
        _write(json_out, res)
        return
    dev = ev.shared_dir() / "eval" / "dev"
    docs = docs or dev / "docs"
    gold = gold or dev / "gold"
    if (folds or setaside) and not review_curve:
        from extractors.learn.data import read_setaside

        names = read_setaside()
        if setaside:
            res = ev.eval_setaside(docs, gold, names, workers=workers, verbose=verbose)
        else:
            if folds < 2:
                raise click.UsageError("--cv needs at least 2 folds.")
            res = ev.eval_cv(docs, gold, folds, curve=curve, ablation=ablation, exclude=names, workers=workers,
                             verbose=verbose)
        _write(json_out, res)
        return
    # the rest runs Prefect flows: the background server
    from pipeline import server

    try:
        server.connect(say=lambda m: click.echo(m, err=True))
    except server.ServerError as err:
        click.echo(f"{err}; Prefect's temporary server instead", err=True)
    if review_curve:
        from extractors.learn.data import read_setaside
        from pipeline.review_curve import run_review_curve

        _write(json_out, run_review_curve(docs, gold, folds or 5, base=review_base, exclude=read_setaside(),
                                          workers=workers, svg=svg))
        return
    with tempfile.TemporaryDirectory(prefix="minutes-eval-") as tmp:
        res = ev.eval_through_store(docs, gold, Path(tmp), verbose=verbose, workers=workers)
        if ablation:
            res["ablations"] = ev.ablations(docs, gold, Path(tmp) / "ablation")
    _write(json_out, res)


def _write(path: Path | None, res: dict) -> None:
    if path:
        path.write_text(json.dumps(res, ensure_ascii=False, indent=2), encoding="utf-8")
