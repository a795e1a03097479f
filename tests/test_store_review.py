"""The store's review guarantees, on SQLite and (when configured) PostgreSQL:
suggestions and decisions apart, history, optimistic locking, re-extraction
never overwriting a decision, exports taking reviewed values first, gold
records and the evaluation against reviews."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from pipeline.store import open_store
from pipeline.store import review as rv
from pipeline.store.models import Decision, Document, Item, Review
from test_review_support import DOC_TEXT, ingest, write_doc


def _doc(url: str, tmp_path: Path, variant: int = 1) -> int:
    return ingest(write_doc(tmp_path / "docs"), url, variant).document_id


def _view(session, doc, field, name_or_phrase):
    for v in rv.item_views(session, doc, with_history=True):
        if v.field == field and name_or_phrase in json.dumps(v.value, ensure_ascii=False):
            return v
    raise AssertionError(f"no {field} item {name_or_phrase}")


def test_migration_adds_review_tables(db_url):
    sessions = open_store(db_url)
    insp = inspect(sessions.kw["bind"])
    assert {"users", "reviews"} <= set(insp.get_table_names())
    assert {"version", "state", "value", "suggestion", "reviewer", "updated_at"} <= {
        c["name"] for c in insp.get_columns("reviews")}
    assert "version" in {c["name"] for c in insp.get_columns("decisions")}
    assert {"reviewed_by", "reviewed_at"} <= {c["name"] for c in insp.get_columns("documents")}


def test_decisions_are_separate_and_recorded(db_url, tmp_path):
    doc_id = _doc(db_url, tmp_path)
    sessions = open_store(db_url)
    with sessions() as s:
        doc = s.get(Document, doc_id)
        items_before = [(i.id, i.value) for i in s.scalars(select(Item).where(Item.document_id == doc_id))]
        pledge = _view(s, doc, "pledges", "215")
        rv.decide(s, doc, "pledges", pledge.key, "accept", "lan", 0)
        person = _view(s, doc, "people", "Lê Thị Hoa")
        new = {**person.value, "roles": ["Phó Bí thư Thường trực Đảng ủy"]}
        rv.decide(s, doc, "people", person.key, "edit", "lan", 0, value=new, comment="thiếu “Thường trực”")
        ref = _view(s, doc, "references", "12-BC/ĐU")
        rv.decide(s, doc, "references", ref.key, "reject", "minh", 0, comment="số của chính báo cáo")
        rv.decide(s, doc, "models", "dân vận khéo", "add", "lan", 0,
                  value={"name": "Dân vận khéo", "organization": "Chi bộ thôn Đông"}, start=10, end=22)
        s.commit()
        assert doc.review_state == "in_review"
        # suggestions untouched
        assert [(i.id, i.value) for i in s.scalars(select(Item).where(Item.document_id == doc_id))] == items_before
        hist = rv.history(s, doc_id)
        assert [(d.action, d.reviewer) for d in hist] == [("accept", "lan"), ("edit", "lan"), ("reject", "minh"),
                                                          ("add", "lan")]
        edit = hist[1]
        assert edit.before == person.value and edit.after == new and edit.comment == "thiếu “Thường trực”"
        assert edit.created_at is not None and edit.version == 1
        assert hist[2].before == ref.value and hist[2].after is None
        assert hist[3].before is None and hist[3].after["name"] == "Dân vận khéo"

        eff = {(e["field"], json.dumps(e["value"], ensure_ascii=False)): e["state"]
               for e in rv.effective_items(s, doc)}
        states = sorted(eff.values())
        assert states.count("accepted") == 1 and states.count("edited") == 1 and states.count("added") == 1
        assert not any("12-BC/ĐU" in k[1] for k in eff)  # rejected: left out
        assert "suggested" in states
        reviewed = rv.effective_items(s, doc, reviewed_only=True)
        assert sorted(e["state"] for e in reviewed) == ["accepted", "added", "edited"]

        n = rv.mark_reviewed(s, doc, "lan")
        s.commit()
        assert n == len(items_before) - 3  # every still-pending suggestion accepted
        assert doc.review_state == "reviewed" and doc.reviewed_by == "lan"
        assert all(e["state"] in ("accepted", "edited", "added") for e in rv.effective_items(s, doc))


def test_second_save_of_same_item_conflicts(db_url, tmp_path):
    doc_id = _doc(db_url, tmp_path)
    sessions = open_store(db_url)
    with sessions() as a, sessions() as b:
        doc_a, doc_b = a.get(Document, doc_id), b.get(Document, doc_id)
        va = _view(a, doc_a, "people", "Trần Văn Bình")
        vb = _view(b, doc_b, "people", "Trần Văn Bình")
        assert va.version == vb.version == 0
        rv.decide(a, doc_a, "people", va.key, "edit", "lan", va.version,
                  value={**va.value, "roles": ["Bí thư Đảng ủy xã An Phú"]})
        a.commit()
        with pytest.raises(rv.Conflict) as err:
            rv.decide(b, doc_b, "people", vb.key, "reject", "minh", vb.version)
        b.rollback()
        assert err.value.current.reviewer == "lan" and err.value.current.version == 1
        assert err.value.current.value["roles"] == ["Bí thư Đảng ủy xã An Phú"]
        # the second reviewer, with the current version, may then decide
        rv.decide(b, doc_b, "people", vb.key, "reject", "minh", 1)
        b.commit()
    with sessions() as s:
        r = s.scalar(select(Review).where(Review.document_id == doc_id, Review.field == "people",
                                          Review.key == va.key))
        assert (r.state, r.version, r.reviewer) == ("rejected", 2, "minh")
        assert [d.version for d in rv.history(s, doc_id)] == [1, 2]


def test_reextraction_never_overwrites_a_decision(db_url, tmp_path):
    path = write_doc(tmp_path / "docs")
    doc_id = ingest(path, db_url, 1).document_id
    sessions = open_store(db_url)
    with sessions() as s:
        doc = s.get(Document, doc_id)
        pledge = _view(s, doc, "pledges", "215")
        rv.decide(s, doc, "pledges", pledge.key, "accept", "lan", 0)
        ref = _view(s, doc, "references", "12-BC/ĐU")
        rv.decide(s, doc, "references", ref.key, "accept", "lan", 0)
        hoa = _view(s, doc, "people", "Lê Thị Hoa")
        rv.decide(s, doc, "people", hoa.key, "edit", "lan", 0, value={"name": "Lê Thị Hoa", "roles": ["Phó Bí thư"]})
        rv.mark_reviewed(s, doc, "lan")
        s.commit()
        before = {(e["field"], json.dumps(e["value"], sort_keys=True)) for e in rv.effective_items(s, doc)}
        n_decisions = len(rv.history(s, doc_id))

    out = ingest(path, db_url, 2)  # a new extractor version
    assert out.status == "reextracted" and out.document_id == doc_id
    with sessions() as s:
        doc = s.get(Document, doc_id)
        assert doc.extractor_versions == "test@2"
        assert len(rv.history(s, doc_id)) == n_decisions  # ingest wrote no decision
        reviewed = {(e["field"], json.dumps(e["value"], sort_keys=True))
                    for e in rv.effective_items(s, doc, reviewed_only=True)}
        assert reviewed == before  # every reviewed value as it was, the dropped reference included
        pledge = _view(s, doc, "pledges", "215")
        assert pledge.state == "accepted" and pledge.value["subject"] == "Toàn Đảng bộ"
        assert pledge.suggestion_changed and pledge.suggestion["subject"] == "Đảng bộ xã An Phú"
        assert _view(s, doc, "people", "Lê Thị Hoa").value["roles"] == ["Phó Bí thư"]
        ref = _view(s, doc, "references", "12-BC/ĐU")
        assert ref.state == "accepted" and ref.item_id is None
        cuong = _view(s, doc, "people", "Phạm Quốc Cường")
        assert cuong.state == "new_since_review"
        assert doc.review_state == "reviewed"
        row = next(r for r in rv.queue(s) if r.doc.id == doc_id)
        assert row.new_since_review == 2  # Phạm Quốc Cường, and the pledge's new subject


def test_added_item_later_suggested_and_unchanged_edit(db_url, tmp_path):
    path = write_doc(tmp_path / "docs")
    doc_id = ingest(path, db_url, 1).document_id
    sessions = open_store(db_url)
    with sessions() as s:
        doc = s.get(Document, doc_id)
        # a reviewer adds the person the first version missed
        rv.decide(s, doc, "people", "phạm quốc cường", "add", "lan", 0,
                  value={"name": "Phạm Quốc Cường", "roles": ["Chủ tịch UBND xã"]})
        # saving an edit form unchanged is an acceptance
        hoa = _view(s, doc, "people", "Lê Thị Hoa")
        r = rv.decide(s, doc, "people", hoa.key, "edit", "lan", 0, value=dict(hoa.value))
        assert r.state == "accepted"
        s.commit()
    ingest(path, db_url, 2)  # now the machine finds him too, with other roles
    with sessions() as s:
        doc = s.get(Document, doc_id)
        cuong = _view(s, doc, "people", "Phạm Quốc Cường")
        assert cuong.state == "added" and cuong.value["roles"] == ["Chủ tịch UBND xã"]
        assert cuong.suggestion_changed and cuong.suggestion["roles"] == ["Chủ tịch Ủy ban nhân dân xã"]
        assert cuong.item_id is not None
        # accepting takes the new suggestion
        rv.decide(s, doc, "people", cuong.key, "accept", "minh", cuong.version)
        s.commit()
        cuong = _view(s, doc, "people", "Phạm Quốc Cường")
        assert cuong.state == "accepted" and not cuong.suggestion_changed
        assert cuong.value["roles"] == ["Chủ tịch Ủy ban nhân dân xã"]
        with pytest.raises(rv.ReviewError):
            rv.decide(s, doc, "people", cuong.key, "add", "minh", 0, value=cuong.value)


def test_exports_take_reviewed_values_first(db_url, tmp_path):
    from pipeline.export import export_csv, export_json

    doc_id = _doc(db_url, tmp_path)
    # a second document, never reviewed
    ingest(write_doc(tmp_path / "docs", "khac.txt", DOC_TEXT + "\nPhụ lục kèm theo.\n"), db_url, 1)
    sessions = open_store(db_url)
    with sessions() as s:
        doc = s.get(Document, doc_id)
        v = _view(s, doc, "pledges", '"value": 18,')
        rv.decide(s, doc, "pledges", v.key, "edit", "lan", 0, value={**v.value, "value": 19})
        ref = _view(s, doc, "references", "12-BC/ĐU")
        rv.decide(s, doc, "references", ref.key, "reject", "lan", 0)
        s.commit()
        export_json(s, tmp_path / "all")
        rec = json.loads((tmp_path / "all" / "bao_cao_an_phu.json").read_text(encoding="utf-8"))
        assert {p["value"]: p["_state"] for p in rec["pledges"]} == {215: "suggested", 19: "edited"}
        assert [r["number"] for r in rec["references"]] == ["45-KH/ĐU"]
        assert rec["meeting"]["_state"] == "suggested"
        assert rec["_document"]["review_state"] == "in_review"

        assert export_json(s, tmp_path / "reviewed", reviewed_only=True) == 0  # nothing marked reviewed yet
        rv.mark_reviewed(s, doc, "lan")
        s.commit()
        assert export_json(s, tmp_path / "reviewed", reviewed_only=True) == 1
        assert sorted(p.name for p in (tmp_path / "reviewed").iterdir()) == ["bao_cao_an_phu.json"]

        assert export_json(s, tmp_path / "gold", gold=True) == 1
        gold = json.loads((tmp_path / "gold" / "bao_cao_an_phu.json").read_text(encoding="utf-8"))
        assert set(gold) == {"source", "meeting", "themes", "pledges", "models", "references", "people"}
        assert gold["source"] == "bao_cao_an_phu.txt"
        assert set(gold["meeting"]) == {"date", "title", "organizer", "location"}
        assert {p["value"] for p in gold["pledges"]} == {215, 19}
        assert not any(k.startswith("_") for f in ("pledges", "people", "references") for x in gold[f] for k in x)

        export_csv(s, tmp_path / "csv", reviewed_only=True)
        with open(tmp_path / "csv" / "pledges.csv", encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert sorted((r["document"], r["value"], r["state"]) for r in rows) == [
            ("bao_cao_an_phu.txt", "19", "edited"), ("bao_cao_an_phu.txt", "215", "accepted")]


def test_eval_against_reviews(db_url, tmp_path, shared, capsys):
    from pipeline.evaluate import eval_against_reviews

    doc_id = _doc(db_url, tmp_path)
    sessions = open_store(db_url)
    assert eval_against_reviews(db_url) == {}  # nothing reviewed yet
    with sessions() as s:
        doc = s.get(Document, doc_id)
        ref = _view(s, doc, "references", "12-BC/ĐU")
        rv.decide(s, doc, "references", ref.key, "reject", "lan", 0)  # a wrong suggestion: fp
        rv.decide(s, doc, "models", "dân vận khéo", "add", "lan", 0,
                  value={"name": "Dân vận khéo", "organization": "Chi bộ thôn Đông"})  # a missed one: fn
        p = _view(s, doc, "pledges", '"value": 18,')
        rv.decide(s, doc, "pledges", p.key, "edit", "lan", 0, value={**p.value, "value": 19})  # wrong value: fp+fn
        rv.mark_reviewed(s, doc, "lan")
        s.commit()
    res = eval_against_reviews(db_url)
    f = res["fields"]
    assert (f["references"]["tp"], f["references"]["fp"], f["references"]["fn"]) == (1, 1, 0)
    assert (f["models"]["tp"], f["models"]["fp"], f["models"]["fn"]) == (1, 0, 1)
    assert (f["pledges"]["tp"], f["pledges"]["fp"], f["pledges"]["fn"]) == (1, 1, 1)
    assert (f["people"]["tp"], f["people"]["fp"], f["people"]["fn"]) == (2, 0, 0)
    assert f["references"]["precision"] == 0.5 and f["models"]["recall"] == 0.5
    assert res["documents"] == 1
    out = capsys.readouterr().out
    assert "1 reviewed documents" in out and "references" in out


def test_old_decisions_are_folded_into_reviews(tmp_path):
    """Upgrading a 0001 database keeps the decisions made before as the current review state."""
    from alembic import command

    from pipeline.store.db import alembic_config, make_engine

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.exec_driver_sql(
            "INSERT INTO documents (id, sha256, filename, status, size, review_state, created_at, updated_at) "
            "VALUES (1, 'ab', 'x.txt', 'done', 1, 'in_review', '2026-01-01', '2026-01-01')")
        conn.exec_driver_sql(
            "INSERT INTO decisions (document_id, field, key, action, before, after, reviewer, created_at) VALUES "
            "(1, 'people', 'a', 'accept', '{\"name\": \"A\"}', '{\"name\": \"A\"}', 'lan', '2026-01-01'),"
            "(1, 'people', 'a', 'edit', '{\"name\": \"A\"}', '{\"name\": \"Á\"}', 'lan', '2026-01-02'),"
            "(1, 'people', 'b', 'reject', '{\"name\": \"B\"}', NULL, 'minh', '2026-01-02')")
    engine.dispose()
    with open_store(url)() as s:
        got = {r.key: (r.state, r.value, r.reviewer) for r in s.scalars(select(Review))}
        assert got == {"a": ("edited", {"name": "Á"}, "lan"), "b": ("rejected", {"name": "B"}, "minh")}
        assert len(list(s.scalars(select(Decision)))) == 3
