"""A small regression set of invented documents with gold records.

``tests/fixtures/extraction/docs/*`` are documents written for the tests
(invented units and people, Vietnamese UTF-8); ``gold/*.json`` their records
in the format of ../shared/eval/SCHEMA.md. Every document present is run
through the pipeline (``pipeline.evaluate.predict_dir``) and scored with the
shared scorer (``run_score``), field by field, against the floors below.
Documents for other fields can be added to the same folders: a field scores
once it has a floor here. A gold record annotates every field unless it says
which it annotates with an extra key ``"fields": ["pledges", ...]`` (the
scorer ignores it); a field is scored only on the records that annotate it.
A document without a gold record yet is run but not scored.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline.evaluate import calibration, load_scorer, predict_dir, run_score, shared_dir

FIXTURES = Path(__file__).parent / "fixtures" / "extraction"
DOCS, GOLD = FIXTURES / "docs", FIXTURES / "gold"

#: field -> lowest F1 accepted on the fixtures (each field scored on its own)
FLOORS = {
    "meeting": 0.85,
    "people": 0.9,
    "references": 0.95,
    # pledges, models and themes hold tighter floors on their own documents in test_extract_pledges.py
    "pledges": 0.7,  # the trained model measured 0.75 here: its misses are list lines (see test_extract_pledges.py)
    "models": 0.8,
    "themes": 0.8,
}


def _annotates(rec: dict, field: str) -> bool:
    return field in (rec.get("fields") or [field])


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    """field -> the scorer's figures for it, and where the predictions are."""
    if not (shared_dir() / "eval" / "score.py").exists():
        pytest.skip(f"no scorer at {shared_dir()}/eval/score.py (set MINUTES_SHARED)")
    out = tmp_path_factory.mktemp("fixture-pred")
    failed = predict_dir(DOCS, out, tuple(FLOORS))
    assert not failed, failed
    results = {}
    for field in FLOORS:
        gold = tmp_path_factory.mktemp(f"gold-{field}")
        for g in GOLD.glob("*.json"):
            if _annotates(json.loads(g.read_text(encoding="utf-8")), field):
                shutil.copy(g, gold / g.name)
        if not any(gold.iterdir()):
            continue
        res, table = run_score(gold, out, verbose=True)
        print(f"--- {field}\n{table}")
        results[field] = res["fields"][field]
    full = tmp_path_factory.mktemp("gold-all")  # records that annotate every field predicted
    for g in GOLD.glob("*.json"):
        if all(_annotates(json.loads(g.read_text(encoding="utf-8")), f) for f in FLOORS):
            shutil.copy(g, full / g.name)
    return results, out, full


def test_every_gold_record_has_its_document():
    gold = {p.stem for p in GOLD.glob("*.json")}
    docs = {p.stem for p in DOCS.iterdir() if p.is_file()}
    assert gold and gold <= docs, sorted(gold - docs)


def test_gold_records_are_well_formed():
    for g in sorted(GOLD.glob("*.json")):
        rec = json.loads(g.read_text(encoding="utf-8"))
        assert (DOCS / rec["source"]).is_file(), g.name
        assert set(rec["meeting"]) >= {"date", "title", "organizer", "location"}, g.name
        for field in ("themes", "pledges", "models", "references", "people"):
            assert isinstance(rec.get(field, []), list), (g.name, field)


@pytest.mark.parametrize("field", sorted(FLOORS))
def test_field_meets_its_floor(scored, field):
    results, _, _ = scored
    if field not in results:
        pytest.skip(f"no gold record annotates {field}")
    f = results[field]
    assert f["f1"] >= FLOORS[field], f"{field}: {f}"


def test_sure_items_are_right(scored):
    """Items at confidence 0.9 or more are right at least 95 % of the time."""
    _, out, full = scored
    rows = calibration(load_scorer(), full, out)
    hi = [r for r in rows if r["from"] >= 0.9]
    n, k = sum(r["items"] for r in hi), sum(r["right"] for r in hi)
    assert n == 0 or k / n >= 0.95, rows
