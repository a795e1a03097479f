"""End to end through the Prefect flow: samples/ into a temporary SQLite database, rows and spans checked;
the dev set through ingest + export, scored by ../shared/eval/score.py against a floor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pipeline.export import export_json
from pipeline.store import Document, Item, open_store

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"

# A little under what the extractors reach (see the README's quality table),
# so that a regression fails here.
HEADLINE_FLOOR = 0.70
ALL_FIELDS_FLOOR = 0.70


@pytest.fixture(scope="module")
def flow():
    from flows.ingest import ingest_flow

    return ingest_flow


@pytest.mark.slow
def test_samples_through_the_flow(flow, tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    summary = flow(paths=[str(SAMPLES)], db_url=url, workers=1)
    n = len([p for p in SAMPLES.iterdir() if p.is_file()])
    assert summary["files"] == n and summary["status"] == {"done": n}, summary["failed"]
    sessions = open_store(url)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == n
        docs = {d.id: d for d in s.scalars(select(Document))}
        items = list(s.scalars(select(Item).where(Item.active.is_(True))))
    assert {i.field for i in items} >= {"pledges", "models", "references", "people", "themes"}
    for it in items:
        text = docs[it.document_id].text
        assert 0 <= it.start < it.end <= len(text)
        assert 0.0 <= it.confidence <= 1.0 and it.version
        assert it.evidence and text[it.start:it.end] in it.evidence
    # numbers and names are found where the text says them
    for it in items:
        span = docs[it.document_id].text[it.start:it.end]
        if it.field == "references":
            assert it.value["number"].split("/")[0].split("-")[0] in span
    # a second run changes nothing
    again = flow(paths=[str(SAMPLES)], db_url=url, workers=2)
    assert again["status"] == {"unchanged": n}
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Item).where(Item.active.is_(True))) == len(items)


def _score_dir(flow, docs: Path, gold: Path, tmp: Path) -> dict:
    from pipeline.evaluate import run_score

    url = f"sqlite:///{tmp / 'eval.db'}"
    summary = flow(paths=[str(docs)], db_url=url, workers=2)
    assert not summary["failed"], summary["failed"]
    with open_store(url)() as s:
        export_json(s, tmp / "pred")
    res, _table = run_score(gold, tmp / "pred")
    return res


@pytest.mark.slow
def test_dev_set_scores_above_the_floor(flow, shared, tmp_path):
    dev = shared / "eval" / "dev"
    res = _score_dir(flow, dev / "docs", dev / "gold", tmp_path)
    assert not res["missing_predictions"]
    assert res["headline_f1"] >= HEADLINE_FLOOR, json.dumps(res["fields"], indent=1)
    assert res["all_fields_f1"] >= ALL_FIELDS_FLOOR, json.dumps(res["fields"], indent=1)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_word_and_pdf_renderings_score_like_the_text(flow, shared, tmp_path, fmt):
    dev = shared / "eval" / "dev"
    text = _score_dir(flow, dev / "docs", dev / "gold", tmp_path / "txt")
    other = _score_dir(flow, dev / "formats" / fmt, dev / "gold", tmp_path / fmt)
    assert other["headline_f1"] >= text["headline_f1"] - 0.05
    assert other["all_fields_f1"] >= text["all_fields_f1"] - 0.05


def test_repeated_paragraph_yields_its_items_once(shared):
    """The dev set's news page repeats its lead paragraph; the repeat adds nothing."""
    from pipeline.normalize import dedupe_key
    from pipeline.process import analyze_path

    path = shared / "eval" / "dev" / "docs" / "baonghean_2021_neu_guong.txt"
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if len(dedupe_key(ln)) > 30]
    keys = [dedupe_key(ln) for ln in lines]
    repeated = {k for k in keys if keys.count(k) > 1}
    assert repeated, "the fixture document no longer repeats a paragraph"
    a = analyze_path(path)
    assert a.text.dropped
    body_keys = [dedupe_key(p) for p in a.text.text.split("\n\n")]
    for k in repeated:
        assert body_keys.count(k) == 1
    people = [i.value["name"] for i in a.items if i.field == "people"]
    assert people and len(people) == len(set(people))
