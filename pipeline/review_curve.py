"""``minutes eval --review-curve``: what reviewing teaches, measured by simulated reviewers.

The annotated documents (the set-aside ones left out) are ingested once into
a throwaway database and split into K folds grouped by document (the folds
of ``minutes eval --cv``). For each fold, reviewers are simulated on the
other folds: the gold records of the first k of those documents (a fixed
random order; each k's documents include the previous k's) are imported as
a reviewer's decisions (``minutes review import``), a model is trained from
the reviews alone (``minutes train --from-reviews``: the same code), and the
held-out fold is scored with ../shared/eval/score.py, its records decided by
that model exactly as extraction decides them. k = 0 is what the system does
with no review and no model: the rules alone. The held-out folds' records are
pooled per k and scored as one run.

With ``base`` > 0 a second line starts from a model trained on ``base`` gold
documents of the training folds (a gold folder, as a shipped model is) and
adds the reviews of other training documents: what reviews add to an
existing model.

At the largest k of each fold the new model is made the one in use and the
reviewed documents are re-extracted through ingest's path: their reviewed
records must come out unchanged (reviewer decisions are never lowered).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from pipeline.evaluate import FIELD_ORDER, load_scorer

KS = (0, 10, 25, 50, 100)
REVIEWER = "mo-phong"  # the simulated reviewer's account


def _ingest_chunk(args: tuple[list[str], str]) -> list[dict]:
    from pipeline.ingest import ingest_paths
    from pipeline.store.db import open_store

    open_store.cache_clear()  # a forked worker opens its own connections
    paths, url = args
    return ingest_paths(paths, url)


def _analyze_chunk(args: tuple[list[int], str]) -> list[tuple[str, Any]]:
    from pipeline.retrain import analyze_stored
    from pipeline.store.db import open_store
    from pipeline.store.models import Document

    ids, url = args
    open_store.cache_clear()  # a forked worker opens its own connections
    out = []
    with open_store(url)() as session:
        for i in ids:
            doc = session.get(Document, i)
            out.append((doc.sha256, analyze_stored(doc)))
    return out


def _pool(fn, chunks: list, workers: int) -> list:
    if workers <= 1 or len(chunks) <= 1:
        return [r for c in chunks for r in fn(c)]
    import multiprocessing as mp

    with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
        return [r for part in pool.map(fn, chunks) for r in part]


def _split(items: list, n: int) -> list[list]:
    n = max(1, min(n, len(items)))
    return [items[i::n] for i in range(n)]


def _reviewed_records(sessions, doc_ids: list[int]) -> dict[int, Any]:
    """The reviewed record of each document, its values in a canonical order (the order of a
    field's values follows their spans, which a re-extraction may move: not a decision)."""
    from pipeline.export import record_for
    from pipeline.store.models import Document

    def canonical(rec: dict[str, Any]) -> dict[str, Any]:
        return {k: sorted(v, key=lambda x: json.dumps(x, ensure_ascii=False, sort_keys=True)) if isinstance(v, list) else v
                for k, v in rec.items()}

    with sessions() as session:
        return {i: canonical(record_for(session, session.get(Document, i), reviewed_only=True, extra=False))
                for i in doc_ids}


def run_review_curve(docs: Path, gold: Path, k_folds: int = 5, ks: tuple[int, ...] = KS, base: int = 0,
                     exclude: set[str] | None = None, workers: int | None = None, seed: int = 13,
                     svg: Path | None = None, say=print) -> dict[str, Any]:
    from extractors.learn.cv import fold_of, record_of, rules_record, score_records
    from extractors.learn.data import pairs
    from extractors.learn.scorer import Model
    from extractors.learn.train import Example
    from pipeline.retrain import reextract_stale, train_from_reviews
    from pipeline.review.security import hash_password
    from pipeline.review_import import import_records
    from pipeline.store import open_store
    from pipeline.store import review as rv
    from pipeline.store.models import Document

    scorer = load_scorer()
    exclude = exclude or set()
    workers = workers or min(len(os.sched_getaffinity(0)), 4)
    todo = [(d, g) for d, g in pairs(docs, gold) if d.name not in exclude and g.stem not in {Path(x).stem for x in exclude}]
    t0 = time.perf_counter()
    out: dict[str, Any] = {"documents": len(todo), "folds": k_folds, "ks": list(ks), "base": base}
    with tempfile.TemporaryDirectory(prefix="minutes-review-curve-") as tmp_s:
        tmp = Path(tmp_s)
        base_db = tmp / "base.db"
        base_url = f"sqlite:///{base_db}"
        sessions = open_store(base_url)
        with sessions() as session:
            rv.add_user(session, REVIEWER, hash_password("mo-phong-" + str(seed)))
            session.commit()
        sessions.kw["bind"].dispose()  # no connection crosses the fork into the workers
        say(f"ingesting {len(todo)} documents into a throwaway database ({len(exclude)} set aside, not used) …")
        _pool(_ingest_chunk, [(c, base_url) for c in _split([str(d) for d, _g in todo], workers * 4)], workers)
        with sessions() as session:
            stored = {Path(d.filename).stem: d for d in session.query(Document).filter(Document.status == "done")}
        sessions.kw["bind"].dispose()
        say(f"analyzing the stored documents once ({time.perf_counter() - t0:.0f} s so far) …")
        cache = dict(_pool(_analyze_chunk, [(c, base_url) for c in _split([d.id for d in stored.values()],
                                                                           workers * 4)], workers))
        # the held-out side: every document's candidates (from the cache) with its gold record
        examples, gold_of = [], {}
        for d, g in todo:
            doc = stored.get(d.stem)
            if doc is None:
                continue
            gold_of[d.stem] = g
            cands, rules, chars = cache[doc.sha256]
            examples.append(Example(d.name, cands, json.loads(g.read_text(encoding="utf-8")), rules, "gold", chars))
        out["documents"] = len(examples)
        folds = fold_of(examples, k_folds, seed)
        preds: dict[str, dict[int, dict[str, dict]]] = {"reviews": {k: {} for k in ks}}
        if base:
            preds["base+reviews"] = {k: {} for k in ks}
        unchanged = {"documents": 0, "changed": 0}
        say(f"{len(examples)} documents, {k_folds} folds; k = {', '.join(map(str, ks))} reviewed documents "
            f"({time.perf_counter() - t0:.0f} s so far)")
        for fo in range(k_folds):
            held = [ex for ex, f in zip(examples, folds) if f == fo]
            train = sorted(ex.name for ex, f in zip(examples, folds) if f != fo)
            random.Random(seed + fo).shuffle(train)
            lines = [("reviews", 0, train)]
            if base:
                lines.append(("base+reviews", base, train))
            for line, nbase, order in lines:
                gold_dir = None
                if nbase:
                    gold_dir = tmp / f"base-{fo}"
                    (gold_dir / "gold").mkdir(parents=True)
                    (gold_dir / "docs").mkdir()
                    for name in order[-nbase:]:  # the base gold documents: never among the reviewed ones
                        stem = Path(name).stem
                        shutil.copy(docs / name, gold_dir / "docs" / name)
                        shutil.copy(gold_of[stem], gold_dir / "gold" / f"{stem}.json")
                run_db = tmp / f"fold-{fo}-{line}.db"
                shutil.copy(base_db, run_db)
                url = f"sqlite:///{run_db}"
                done = 0
                for k in ks:
                    if k > len(order) - nbase:
                        continue
                    if k:
                        folder = tmp / f"import-{fo}-{line}-{k}"
                        folder.mkdir()
                        for name in order[done:k]:
                            shutil.copy(gold_of[Path(name).stem], folder / f"{Path(name).stem}.json")
                        with open_store(url)() as session:
                            import_records(session, folder, REVIEWER)
                            session.commit()
                        done = k
                    if not k and not nbase:
                        for ex in held:
                            preds[line][k][ex.name] = rules_record(ex)
                        continue
                    model_dir = tmp / f"model-{fo}-{line}-{k}"
                    res = train_from_reviews(url, [(gold_dir / "docs", gold_dir / "gold")] if gold_dir else [],
                                             out=model_dir, reextract=False, cache=cache, workers=1)
                    model = Model.load(model_dir)
                    for ex in held:
                        preds[line][k][ex.name] = record_of(ex, model)
                    say(f"  fold {fo + 1}/{k_folds}, {line}: k = {k:3d} → model {res.model_hash} on "
                        f"{res.documents} documents ({time.perf_counter() - t0:.0f} s)")
                    if k == max(x for x in ks if x <= len(order) - nbase) and k and line == "reviews":
                        unchanged_fold = _check_decisions_kept(url, model_dir, reextract_stale)
                        unchanged["documents"] += unchanged_fold[0]
                        unchanged["changed"] += unchanged_fold[1]
        out["decisions_kept"] = unchanged
        out["curves"] = {}
        for line, by_k in preds.items():
            out["curves"][line] = {}
            for k, recs in by_k.items():
                if len(recs) < len(examples):
                    continue
                res, _ = score_records(examples, recs, scorer)
                out["curves"][line][str(k)] = {"headline_f1": res["headline_f1"], "all_fields_f1": res["all_fields_f1"],
                                               "fields": {f: res["fields"][f]["f1"] for f in FIELD_ORDER}}
    print_curve(out)
    if svg is not None:
        svg.write_text(curve_svg(out), encoding="utf-8")
        say(f"curve written to {svg}")
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out


def _check_decisions_kept(url: str, model_dir: Path, reextract) -> tuple[int, int]:
    """Make the new model the one in use, re-extract the reviewed documents through ingest's
    path, and compare their reviewed records: (documents, documents whose record changed)."""
    from pipeline.store import open_store
    from pipeline.store.models import Document

    sessions = open_store(url)
    with sessions() as session:
        ids = [d.id for d in session.query(Document).filter(Document.review_state == "reviewed")]
    before = _reviewed_records(sessions, ids)
    saved = os.environ.get("MINUTES_MODEL_DIR")
    os.environ["MINUTES_MODEL_DIR"] = str(model_dir)
    try:
        reextract(sessions, doc_ids=ids)
    finally:
        if saved is None:
            os.environ.pop("MINUTES_MODEL_DIR", None)
        else:
            os.environ["MINUTES_MODEL_DIR"] = saved
    after = _reviewed_records(sessions, ids)
    changed = [i for i in ids if before[i] != after[i]]
    for i in changed[:3]:
        diff = {k: (before[i][k], after[i][k]) for k in before[i] if before[i][k] != after[i].get(k)}
        print(f"reviewed record changed by re-extraction: {before[i]['source']}: "
              f"{json.dumps(diff, ensure_ascii=False)[:600]}")
    return len(ids), len(changed)


def print_curve(res: dict[str, Any], file=None) -> None:
    import sys

    file = file or sys.stdout
    print(f"\nF1 on held-out documents against documents reviewed ({res['documents']} documents, "
          f"{res['folds']}-fold; each held-out document scored by a model that never saw it):", file=file)
    for line, by_k in res["curves"].items():
        title = ("reviews only (k = 0: the rules alone)" if line == "reviews"
                 else f"{res['base']} gold documents + k reviews of others")
        print(f"\n{title}", file=file)
        print(f"{'reviewed':>8} | " + " ".join(f"{f:>10}" for f in FIELD_ORDER) + " | headline | all fields", file=file)
        for k, r in by_k.items():
            print(f"{k:>8} | " + " ".join(f"{r['fields'][f]:>10.3f}" for f in FIELD_ORDER)
                  + f" | {r['headline_f1']:>8.3f} | {r['all_fields_f1']:>10.3f}", file=file)
    kept = res.get("decisions_kept") or {}
    if kept.get("documents"):
        print(f"\nreviewed documents re-extracted with the new model: {kept['documents']}, "
              f"reviewed records changed: {kept['changed']}", file=file)


COLORS = {"pledges": "#e08a1e", "models": "#2e9e55", "themes": "#8a55c8", "references": "#d04a4a",
          "people": "#b8a000", "meeting": "#4a7fd0", "headline": "#1d2430"}


def curve_svg(res: dict[str, Any], panel: int = 400, height: int = 380) -> str:
    """The curve as a standalone SVG: F1 per field (and the headline, bold) against documents
    reviewed; one panel per line (reviews only; a gold-trained model plus reviews)."""
    lines = list(res["curves"].items())
    left, gap, legend, top, bottom = 46, 40, 130, 74, 46
    width = left + len(lines) * panel + (len(lines) - 1) * gap + legend
    vals = [v for _l, by_k in lines for r in by_k.values() for v in [*r["fields"].values(), r["headline_f1"]]]
    lo = int(max(0.0, min(vals) - 0.05) * 10) / 10
    kmax = max(int(k) for _l, by_k in lines for k in by_k) or 1

    def y(v: float) -> float:
        return top + (height - top - bottom) * (1 - (v - lo) / (1 - lo))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             'font-family="sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="#fff"/>',
             f'<text x="{left}" y="18" font-size="14" font-weight="bold">F1 on held-out documents against documents '
             f'reviewed ({res["folds"]}-fold cross-validation, {res["documents"]} documents)</text>']
    for n, (line, by_k) in enumerate(lines):
        x0 = left + n * (panel + gap)
        ks = [int(k) for k in by_k]

        def x(k: float, x0: float = x0) -> float:
            return x0 + (panel - 12) * k / kmax

        title = ("reviews only (k = 0: the rules alone, no model)" if line == "reviews"
                 else f"a model trained on {res['base']} gold documents + k reviews")
        parts.append(f'<text x="{x0}" y="{top - 32}" font-weight="bold">{title}</text>')
        t = lo
        while t <= 1.0001:
            parts.append(f'<line x1="{x0}" x2="{x0 + panel - 12}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="#e3e7ee"/>')
            parts.append(f'<text x="{x0 - 6}" y="{y(t) + 4:.1f}" text-anchor="end">{t:.1f}</text>')
            t += 0.1
        for k in ks:
            parts.append(f'<text x="{x(k):.1f}" y="{height - bottom + 16}" text-anchor="middle">{k}</text>')
        parts.append(f'<text x="{x0 + (panel - 12) / 2:.0f}" y="{height - 12}" text-anchor="middle">documents reviewed</text>')
        series = {f: [by_k[str(k)]["fields"][f] for k in ks] for f in FIELD_ORDER}
        series["headline"] = [by_k[str(k)]["headline_f1"] for k in ks]
        for name, vs in series.items():
            w = 3 if name == "headline" else 1.6
            pts = " ".join(f"{x(k):.1f},{y(v):.1f}" for k, v in zip(ks, vs))
            parts.append(f'<polyline points="{pts}" fill="none" stroke="{COLORS[name]}" stroke-width="{w}"/>')
            parts += [f'<circle cx="{x(k):.1f}" cy="{y(v):.1f}" r="{w + 1}" fill="{COLORS[name]}"/>' for k, v in zip(ks, vs)]
        h = series["headline"]
        parts.append(f'<text x="{x0}" y="{top - 16}" font-size="11">headline F1 {h[0]:.2f} at k = {ks[0]} → '
                     f'{h[-1]:.2f} at k = {ks[-1]}</text>')
    lx = width - legend + 10
    for i, name in enumerate([*FIELD_ORDER, "headline"]):
        ly = top + 10 + i * 18
        w = 3 if name == "headline" else 1.6
        parts.append(f'<line x1="{lx}" x2="{lx + 20}" y1="{ly - 4}" y2="{ly - 4}" stroke="{COLORS[name]}" stroke-width="{w}"/>')
        parts.append(f'<text x="{lx + 26}" y="{ly}">{name}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
