"""Annotated documents -> training examples (labeled candidates).

A gold folder holds one JSON record per document (../shared/eval/SCHEMA.md);
the documents folder holds the documents under the same stem (any format the
readers take). Each document is read, normalized, segmented and tagged, the
rules run, the suggesters propose, and the candidates are labeled against
the record (``align.label``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from extractors.learn.align import label
from extractors.learn.train import Example


def read_setaside(path: Path | None = None) -> set[str]:
    """The file names of ``setaside.txt`` (documents kept out of design and training)."""
    path = path or Path(__file__).parent / "setaside.txt"
    if not path.exists():
        return set()
    return {ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()
            if ln.strip() and not ln.lstrip().startswith("#")}


def pairs(docs_dir: Path, gold_dir: Path) -> list[tuple[Path, Path]]:
    """(document, gold record) pairs, matched by file stem."""
    by_stem: dict[str, Path] = {}
    for p in sorted(docs_dir.iterdir()):
        if p.is_file():
            by_stem.setdefault(p.stem, p)
    out = []
    for g in sorted(gold_dir.glob("*.json")):
        d = by_stem.get(g.stem)
        if d is not None:
            out.append((d, g))
    return out


def example_from_analysis(name: str, text, doc, rules, gold: dict[str, Any], origin: str = "gold") -> Example:
    from extractors.learn.run import candidates_for

    cands = candidates_for(doc, text, rules)
    label(cands, gold)
    return Example(name, cands, gold,
                   [{"field": it.field, "value": it.value, "start": it.start, "confidence": it.confidence}
                    for it in rules], origin, len(text.text))


def example_from_file(doc_path: Path, gold: dict[str, Any], origin: str = "gold") -> Example:
    from extractors import extract_rules
    from pipeline.nlp import make_doc
    from pipeline.normalize import normalize
    from pipeline.readers import read_file

    text = normalize(read_file(doc_path).blocks)
    doc = make_doc(text.text)
    rules = extract_rules(doc, text)
    return example_from_analysis(doc_path.name, text, doc, rules, gold, origin)


def _one(args: tuple[str, str, dict[str, str]]) -> Example | None:
    doc_path, gold_path, env = args
    from pipeline import nlp

    before = nlp.POS_ENABLED, nlp.SEGMENT_ENABLED
    nlp.POS_ENABLED = env.get("pos", "1") == "1"
    nlp.SEGMENT_ENABLED = env.get("seg", "1") == "1"
    gold = json.loads(Path(gold_path).read_text(encoding="utf-8"))
    try:
        return example_from_file(Path(doc_path), gold)
    except Exception as err:  # noqa: BLE001 - one unreadable document must not stop training
        return Example(Path(doc_path).name, [], gold, [], "error:" + str(err)[:200])
    finally:
        nlp.POS_ENABLED, nlp.SEGMENT_ENABLED = before


def load_examples(docs_dir: Path, gold_dir: Path, exclude: Iterable[str] = (), include: Iterable[str] | None = None,
                  workers: int | None = None, pos: bool | None = None, segment: bool | None = None,
                  progress=None) -> list[Example]:
    """Examples of every (document, gold) pair, in file-name order, leaving out
    the names in ``exclude`` (and keeping only ``include`` when given)."""
    from pipeline import nlp

    excl = set(exclude)
    incl = set(include) if include is not None else None
    todo = [(d, g) for d, g in pairs(docs_dir, gold_dir)
            if d.name not in excl and g.stem not in {Path(x).stem for x in excl}
            and (incl is None or d.name in incl)]
    env = {"pos": "1" if (nlp.POS_ENABLED if pos is None else pos) else "0",
           "seg": "1" if (nlp.SEGMENT_ENABLED if segment is None else segment) else "0"}
    args = [(str(d), str(g), env) for d, g in todo]
    workers = workers if workers is not None else min(len(os.sched_getaffinity(0)), 4)
    out: list[Example] = []
    if workers > 1 and len(args) > 8:
        import multiprocessing as mp

        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            for ex in pool.map(_one, args, chunksize=4):
                out.append(ex)
                if progress:
                    progress(ex)
    else:
        for a in args:
            ex = _one(a)
            out.append(ex)
            if progress:
                progress(ex)
    return [ex for ex in out if ex is not None]
