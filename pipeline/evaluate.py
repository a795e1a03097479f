"""Score extraction against gold records with ../shared/eval/score.py.

``python -m pipeline.evaluate --docs DIR --gold DIR`` runs the stages in
process (no database) over every document in DIR and prints the scorer's
table and a calibration table; ``minutes eval`` does the same through a
throwaway database and the export, as a user's run would.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from pipeline import nlp
from pipeline.records import to_record

ROOT = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    """Where ../shared is: $MINUTES_SHARED, else beside the repository."""
    env = os.environ.get("MINUTES_SHARED")
    return Path(env) if env else ROOT.parent / "shared"


def load_scorer(path: Path | None = None) -> ModuleType:
    path = path or shared_dir() / "eval" / "score.py"
    if not path.exists():
        raise FileNotFoundError(f"no scorer at {path} (set MINUTES_SHARED to the shared folder)")
    spec = importlib.util.spec_from_file_location("minutes_score", path)
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader
    spec.loader.exec_module(mod)
    return mod


def predict_dir(docs: Path, out: Path, fields: tuple[str, ...] | None = None) -> list[str]:
    """Write one record per document of ``docs`` into ``out``; returns failures."""
    from pipeline.model import ReadError
    from pipeline.process import analyze
    from pipeline.readers import read_file

    out.mkdir(parents=True, exist_ok=True)
    failed = []
    for f in sorted(p for p in docs.iterdir() if p.is_file()):
        try:
            a = analyze(read_file(f), fields)
        except ReadError as err:
            failed.append(f"{f.name}: {err.reason}")
            continue
        rec = to_record(f.name, a.items)
        (out / f"{f.stem}.json").write_text(json.dumps(rec, ensure_ascii=False, indent=1), encoding="utf-8")
    return failed


def calibration(scorer: ModuleType, gold_dir: Path, pred_dir: Path,
                bins: tuple[float, ...] = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95)) -> list[dict[str, Any]]:
    """Share of predicted items that match a gold item, by confidence bin.

    Predictions paired with optional gold items are left out (neither right
    nor wrong); the meeting's keys are one item each.
    """
    counts = {b: [0, 0] for b in bins}
    for gf in sorted(gold_dir.glob("*.json")):
        pf = pred_dir / gf.name
        if not pf.exists():
            continue
        gold, pred = scorer.load(gf), scorer.load(pf)
        for field, (match, _attrs) in scorer.SPEC.items():
            g = [x for x in gold.get(field) or [] if isinstance(x, dict)]
            p = [x for x in pred.get(field) or [] if isinstance(x, dict)]
            pairs = dict((j, i) for i, j in scorer.pair_up(g, p, match))
            for j, item in enumerate(p):
                c = item.get("_confidence")
                if c is None:
                    continue
                if j in pairs and g[pairs[j]].get("optional"):
                    continue
                b = max(x for x in bins if c >= x)
                counts[b][0] += j in pairs
                counts[b][1] += 1
        gm, pm = gold.get("meeting") or {}, pred.get("meeting") or {}
        c = pm.get("_confidence")
        if c is not None:
            for key, ok in scorer.MEETING_KEYS.items():
                if pm.get(key) in (None, ""):
                    continue
                b = max(x for x in bins if c >= x)
                counts[b][0] += bool(gm.get(key) not in (None, "") and ok(gm.get(key), pm.get(key)))
                counts[b][1] += 1
    rows = []
    for i, b in enumerate(bins):
        hi = bins[i + 1] if i + 1 < len(bins) else 1.0
        right, total = counts[b]
        rows.append({"from": b, "to": hi, "items": total, "right": right,
                     "precision": round(right / total, 3) if total else None})
    return rows


def print_calibration(rows: list[dict[str, Any]], file=sys.stdout) -> None:
    print("confidence     items  right  precision", file=file)
    for r in rows:
        p = f"{r['precision']:.3f}" if r["precision"] is not None else "   -"
        print(f"[{r['from']:.2f}, {r['to']:.2f}{']' if r['to'] == 1.0 else ')'}  {r['items']:6d} {r['right']:6d}  {p}", file=file)
    hi = [r for r in rows if r["from"] >= 0.9]
    n, k = sum(r["items"] for r in hi), sum(r["right"] for r in hi)
    if n:
        print(f"confidence >= 0.90: {k}/{n} right ({k / n:.3f})", file=file)


def run_score(gold: Path, pred: Path, verbose: bool = False) -> tuple[dict, str]:
    scorer = load_scorer()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        argv = ["--gold", str(gold), "--pred", str(pred)] + (["--verbose"] if verbose else [])
        with tempfile.NamedTemporaryFile(suffix=".json") as tmp:
            scorer.main(argv + ["--json", tmp.name])
            res = json.loads(Path(tmp.name).read_text(encoding="utf-8"))
    return res, buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ev = shared_dir() / "eval" / "dev"
    ap.add_argument("--docs", type=Path, default=ev / "docs")
    ap.add_argument("--gold", type=Path, default=ev / "gold")
    ap.add_argument("--out", type=Path, default=None, help="where to write predictions (default: a temp dir)")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--fields", default=None, help="comma-separated fields to run (default all)")
    args = ap.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="minutes-eval-"))
    fields = tuple(args.fields.split(",")) if args.fields else None
    failed = predict_dir(args.docs, out, fields)
    for f in failed:
        print("failed:", f)
    _res, table = run_score(args.gold, out, args.verbose)
    print(table, end="")
    print_calibration(calibration(load_scorer(), args.gold, out))
    print(f"predictions in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


def eval_through_store(docs: Path, gold: Path, tmp: Path, verbose: bool = False, workers: int | None = None) -> dict:
    """Ingest ``docs`` through the flow into a throwaway database, export JSON, score, print."""
    from flows.ingest import ingest_flow
    from pipeline.export import export_json
    from pipeline.store import open_store

    url = f"sqlite:///{tmp / 'eval.db'}"
    summary = ingest_flow(paths=[str(docs)], db_url=url, workers=workers)
    for f in summary["failed"]:
        print(f"failed: {f['path']}: {f['reason']}")
    pred = tmp / "pred"
    with open_store(url)() as session:
        export_json(session, pred)
    res, table = run_score(gold, pred, verbose)
    print(table, end="")
    rows = calibration(load_scorer(), gold, pred)
    print_calibration(rows)
    res["calibration"] = rows
    return res


def ablations(docs: Path, gold: Path, out: Path) -> dict:
    """The same documents in process without underthesea's features, one at a time:
    POS tags (``pos_tags`` returns nothing) and word segmentation (tokens are
    single syllables), so what each contributes is known."""
    from pipeline import nlp

    results = {}
    for name, flag in (("no_pos", "POS_ENABLED"), ("no_segmentation", "SEGMENT_ENABLED")):
        before = getattr(nlp, flag)
        setattr(nlp, flag, False)
        try:
            predict_dir(docs, out / name)
        finally:
            setattr(nlp, flag, before)
        res, _ = run_score(gold, out / name)
        results[name] = {"headline_f1": res["headline_f1"], "all_fields_f1": res["all_fields_f1"],
                         "fields": {k: v["f1"] for k, v in res["fields"].items()}}
        label = "underthesea POS" if name == "no_pos" else "underthesea word segmentation"
        fields = ", ".join(f"{k} {v:.3f}" for k, v in results[name]["fields"].items())
        print(f"ablation without {label}: headline F1 {res['headline_f1']:.3f}; all fields F1 "
              f"{res['all_fields_f1']:.3f} ({fields})")
    print(f"calls to the POS tagger in this process: {nlp.POS_CALLS}")
    return results


def eval_against_reviews(db: str | None, verbose: bool = False) -> dict:
    """The extractors' current suggestions scored against what reviewers decided.

    The documents marked reviewed in ``db`` are exported as gold records
    (``minutes export --format gold``: reviewed values only, rejected items
    left out, added items in) and their active machine suggestions as
    predictions, one file per document under the same name, then scored with
    ../shared/eval/score.py. Returns the scorer's figures ({} when no document
    is reviewed yet).
    """
    from pipeline.export import _stem_names, documents, export_json
    from pipeline.store import open_store, repo

    sessions = open_store(db)
    with tempfile.TemporaryDirectory(prefix="minutes-reviews-") as tmp:
        gold, pred = Path(tmp) / "gold", Path(tmp) / "pred"
        with sessions() as session:
            docs = list(documents(session, reviewed_only=True))
            if not docs:
                print("No reviewed documents yet: mark documents reviewed in the review page first.")
                return {}
            n = export_json(session, gold, gold=True)
            names = _stem_names(docs)
            pred.mkdir()
            for d in docs:
                items = [{"field": i.field, "value": i.value, "start": i.start, "confidence": i.confidence}
                         for i in repo.active_items(session, d.id)]
                (pred / f"{names[d.id]}.json").write_text(
                    json.dumps(to_record(d.filename, items, extra=False), ensure_ascii=False), encoding="utf-8")
        res, table = run_score(gold, pred, verbose)
    print(f"{n} reviewed documents: the extractors' suggestions against the reviewers' decisions")
    print(table, end="")
    res["reviewed_documents"] = n
    return res


# ---------------------------------------------------------------- the trained model, cross-validated

FIELD_ORDER = ("pledges", "models", "themes", "references", "people", "meeting")


def _fields_table(rows: list[tuple[str, dict]], file=sys.stdout) -> None:
    """Per-field F1 (P/R) and attributes, one column block per scored run."""
    head = f"{'field':<11}" + "".join(f" | {name:^44}" for name, _ in rows)
    print(head, file=file)
    for f in FIELD_ORDER:
        line = f"{f:<11}"
        for _, res in rows:
            v = res["fields"][f]
            attrs = ",".join(f"{k[:4]} {a:.2f}" for k, a in v["attributes"].items())
            line += f" | F1 {v['f1']:.3f} P {v['precision']:.2f} R {v['recall']:.2f} {attrs:<22.22}"
        print(line, file=file)
    print(f"{'headline':<11}" + "".join(f" | {res['headline_f1']:<44.3f}" for _, res in rows), file=file)
    print(f"{'all fields':<11}" + "".join(f" | {res['all_fields_f1']:<44.3f}" for _, res in rows), file=file)


def _hi_conf(res: dict) -> str:
    hi = [r for r in res.get("calibration", []) if r["from"] >= 0.9]
    n, k = sum(r["items"] for r in hi), sum(r["right"] for r in hi)
    return f"{k}/{n} right ({k / n:.3f})" if n else "none"


def eval_cv(docs: Path, gold: Path, k: int = 5, curve: bool = True, ablation: bool = True,
            exclude: set[str] | None = None, workers: int | None = None, verbose: bool = False) -> dict:
    """``minutes eval --cv K``: everything measured on documents the model did not see."""
    from extractors.learn.cv import candidate_recall, cross_validate, rules_record, score_records
    from extractors.learn.data import load_examples

    scorer = load_scorer()
    exclude = exclude or set()
    t0 = time.perf_counter()
    examples = [ex for ex in load_examples(docs, gold, exclude=exclude, workers=workers)
                if not ex.origin.startswith("error")]
    print(f"{len(examples)} annotated documents ({len(exclude)} set aside, not used), "
          f"{sum(len(e.candidates) for e in examples)} candidates; analysis {time.perf_counter() - t0:.1f} s")
    out: dict[str, Any] = {"documents": len(examples), "folds": k}
    rec = candidate_recall(examples)
    out["candidate_recall"] = {s: {"found": a, "gold": b, "recall": round(a / b, 4) if b else None}
                               for s, (a, b) in sorted(rec.items())}
    print("\ncandidate recall (gold values some candidate matches; the ceiling of what follows):")
    for s, (a, b) in sorted(rec.items()):
        print(f"  {s:<20} {a:4d}/{b:<4d} {a / b if b else 0:.3f}")
    t0 = time.perf_counter()
    cv_recs = cross_validate(examples, k)
    cv_res, cv_table = score_records(examples, cv_recs, scorer, verbose)
    rules_res, _ = score_records(examples, {e.name: rules_record(e) for e in examples}, scorer)
    print(f"\n{k}-fold cross-validation, folds grouped by document ({time.perf_counter() - t0:.1f} s); "
          "beside it the rules alone on the same documents:")
    _fields_table([(f"model, {k}-fold CV", cv_res), ("rules only", rules_res)])
    if verbose:
        print(cv_table)
    print("\ncalibration of the cross-validated confidences:")
    print_calibration(cv_res["calibration"])
    out["cv"], out["rules_only"] = cv_res, rules_res
    if curve:
        print("\nlearning curve (share of the training folds; headline F1, then per field):")
        out["learning_curve"] = {}
        for frac in (0.25, 0.5, 1.0):
            res = cv_res if frac == 1.0 else score_records(examples, cross_validate(examples, k, fraction=frac), scorer)[0]
            n_train = round(len(examples) * (k - 1) / k * frac)
            out["learning_curve"][str(frac)] = {"train_documents": n_train, "headline_f1": res["headline_f1"],
                                                "fields": {f: res["fields"][f]["f1"] for f in FIELD_ORDER}}
            fields = " ".join(f"{f} {res['fields'][f]['f1']:.3f}" for f in FIELD_ORDER)
            print(f"  {frac:>4.0%} (~{n_train:3d} documents): headline {res['headline_f1']:.3f}  {fields}")
    if ablation:
        print("\nablations (each a full cross-validation without one source of evidence):")
        out["ablations"] = {}
        runs = [("without the rules' verdict", "no_rule_feature", examples, ("rule.",))]
        if nlp.POS_ENABLED:
            runs.append(("without underthesea POS tags", "no_pos",
                         load_examples(docs, gold, exclude=exclude, workers=workers, pos=False), ()))
        if nlp.SEGMENT_ENABLED:
            runs.append(("without underthesea word segmentation (syllables)", "no_segmentation",
                         load_examples(docs, gold, exclude=exclude, workers=workers, segment=False, pos=False), ()))
        for label, key, exs, drop in runs:
            exs = [e for e in exs if not e.origin.startswith("error")]
            res = score_records(exs, cross_validate(exs, k, drop=drop), scorer)[0]
            out["ablations"][key] = {"headline_f1": res["headline_f1"], "all_fields_f1": res["all_fields_f1"],
                                     "fields": {f: res["fields"][f]["f1"] for f in FIELD_ORDER}}
            fields = " ".join(f"{f} {res['fields'][f]['f1']:.3f}" for f in FIELD_ORDER)
            print(f"  {label}: headline {res['headline_f1']:.3f}, all {res['all_fields_f1']:.3f}  ({fields})")
    print(f"\nheadline F1 {cv_res['headline_f1']:.3f} (rules only {rules_res['headline_f1']:.3f}); "
          f"all fields {cv_res['all_fields_f1']:.3f}; confidence >= 0.9: {_hi_conf(cv_res)}")
    return out


def eval_setaside(docs: Path, gold: Path, names: set[str], workers: int | None = None,
                  verbose: bool = False) -> dict:
    """Train on every document but the set-aside ones, score the set-aside ones
    (and the rules alone on them)."""
    from extractors.learn.cv import record_of, rules_record, score_records
    from extractors.learn.data import load_examples
    from extractors.learn.train import fit

    scorer = load_scorer()
    train = [e for e in load_examples(docs, gold, exclude=names, workers=workers) if not e.origin.startswith("error")]
    held = [e for e in load_examples(docs, gold, include=names, workers=workers) if not e.origin.startswith("error")]
    if not held:
        print("None of the set-aside documents is in this folder.")
        return {}
    model = fit(train)
    res, table = score_records(held, {e.name: record_of(e, model) for e in held}, scorer, verbose)
    rules_res, _ = score_records(held, {e.name: rules_record(e) for e in held}, scorer)
    print(f"trained on {len(train)} documents; scored on the {len(held)} set-aside documents:")
    _fields_table([("model", res), ("rules only", rules_res)])
    if verbose:
        print(table)
    print_calibration(res["calibration"])
    return {"setaside": res, "rules_only": rules_res, "train_documents": len(train), "documents": len(held)}
