"""Reviewers teach the machine: importing reviewed records, decisions as training labels,
retraining that keeps every decision, the queue by uncertainty, the machine's auto-acceptances,
and the retraining schedule of `minutes serve`. Real SQLite files and PostgreSQL (db_url),
real documents and the real command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from pipeline.cli import main
from pipeline.store import open_store
from pipeline.store import review as rv
from pipeline.store.models import Decision, Document, Review, TrainingRun
from test_review_support import DOC_TEXT, SCRIPT_TEXT, ingest, make_user, write_doc

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "extraction"
PASSWORD = "mat-khau-thu-nghiem"

#: the reviewed record of bao_cao_an_phu.txt as a reviewer would write it (SCHEMA.md)
AN_PHU_RECORD = {
    "source": "bao_cao_an_phu.txt",
    "meeting": {"date": "2024-03-14", "title": "Hội nghị sơ kết 01 năm thực hiện Kế hoạch số 45-KH/ĐU",
                "organizer": "Ban Thường vụ Đảng ủy xã An Phú", "location": None},
    "themes": [],
    "pledges": [{"value": 215, "kind": "count", "unit": "đảng viên", "subject": "Toàn Đảng bộ"},
                {"value": 18, "kind": "count", "unit": "chi bộ", "subject": "Toàn Đảng bộ"},
                {"value": 9, "kind": "count", "unit": "mô hình", "subject": "Các chi bộ", "note": "bị sót"}],
    "models": [{"name": "Chi bộ 4 tốt", "organization": "Chi bộ thôn Tây"},
               {"name": "Dân vận khéo", "organization": "Chi bộ thôn Đông"}],
    "references": [{"type": "Kế hoạch", "number": "45-KH/ĐU", "date": "2023-01-10"}],
    "people": [{"name": "Trần Văn Bình", "roles": ["Bí thư Đảng ủy xã An Phú"]},
               {"name": "Lê Thị Hoa", "roles": ["Phó Bí thư Đảng ủy"]},
               {"name": "Phạm Quốc Cường", "roles": ["Chủ tịch Ủy ban nhân dân xã"], "optional": True}],
}


def _site(url: str, tmp_path: Path) -> int:
    doc = ingest(write_doc(tmp_path / "docs"), url).document_id
    make_user(url, "lan", PASSWORD)
    make_user(url, "minh", PASSWORD, admin=True)
    return doc


def _records(folder: Path, records: dict[str, dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rec in records.items():
        (folder / name).write_text(json.dumps(rec, ensure_ascii=False), encoding="utf-8")
    return folder


def _views(url: str, doc_id: int) -> dict[tuple[str, str], rv.ItemView]:
    with open_store(url)() as s:
        d = s.get(Document, doc_id)
        out = {}
        for v in rv.item_views(s, d, with_history=True):
            val = v.value or {}
            out[(v.field, str(val.get("name") or val.get("number") or val.get("value") or v.key))] = v
        return out


def _decisions(url: str) -> list[tuple]:
    with open_store(url)() as s:
        return [(d.document_id, d.field, d.key, d.action, json.dumps(d.after, ensure_ascii=False, sort_keys=True),
                 d.reviewer, d.machine) for d in s.scalars(select(Decision).order_by(Decision.id))]


# ---------------------------------------------------------------- minutes review import


def test_import_stores_a_reviewers_decisions_and_is_idempotent(db_url, tmp_path):
    doc = _site(db_url, tmp_path)
    folder = _records(tmp_path / "reviewed", {"bao_cao_an_phu.json": AN_PHU_RECORD})
    r = CliRunner().invoke(main, ["review", "import", str(folder), "--reviewer", "lan", "--db", db_url])
    assert r.exit_code == 0, r.output
    assert "1 records matched stored documents; 1 changed" in r.output
    v = _views(db_url, doc)
    assert v[("pledges", "215")].state == "accepted"  # held unchanged: accepted
    assert v[("people", "Trần Văn Bình")].state == "edited"  # other roles: edited
    assert v[("people", "Trần Văn Bình")].value["roles"] == ["Bí thư Đảng ủy xã An Phú"]
    assert v[("references", "12-BC/ĐU")].state == "rejected"  # left out: rejected
    assert v[("models", "Dân vận khéo")].state == "added"  # nobody suggested it: added, with its span
    with open_store(db_url)() as s:
        text = s.get(Document, doc).text
    added = v[("models", "Dân vận khéo")]
    assert text[added.start:added.end] == "Dân vận khéo"
    assert v[("pledges", "9")].state == "added" and "note" not in v[("pledges", "9")].value
    assert ("people", "Phạm Quốc Cường") not in v  # optional and not suggested: not added
    assert v[("models", "Chi bộ 4 tốt")].history[-1].reviewer == "lan"
    assert v[("models", "Chi bộ 4 tốt")].history[-1].comment == "Nhập từ bao_cao_an_phu.json"
    with open_store(db_url)() as s:
        d = s.get(Document, doc)
        assert d.review_state == "reviewed" and d.reviewed_by == "lan"
        assert not any(x.machine for x in s.scalars(select(Decision)))
    before = _decisions(db_url)
    # again: nothing new is stored
    r = CliRunner().invoke(main, ["review", "import", str(folder), "--reviewer", "lan", "--db", db_url])
    assert r.exit_code == 0, r.output
    assert "0 changed (nothing new)" in r.output
    assert _decisions(db_url) == before
    # the export writes the same record back (notes and optional items not suggested left out)
    out = tmp_path / "gold"
    assert CliRunner().invoke(main, ["export", "--format", "gold", "--out", str(out), "--db", db_url]).exit_code == 0
    back = json.loads((out / "bao_cao_an_phu.json").read_text(encoding="utf-8"))
    assert sorted(p["value"] for p in back["pledges"]) == [9, 18, 215]
    assert [x["number"] for x in back["references"]] == ["45-KH/ĐU"]
    assert {p["name"] for p in back["people"]} == {"Trần Văn Bình", "Lê Thị Hoa"}


def test_import_reports_unknown_documents_and_matches_by_content_hash(db_url, tmp_path):
    doc = _site(db_url, tmp_path)
    with open_store(db_url)() as s:
        sha = s.get(Document, doc).sha256
    renamed = {**AN_PHU_RECORD, "source": "ten_khac.docx", "_document": {"sha256": sha}}
    folder = _records(tmp_path / "reviewed", {
        "ten_khac.json": renamed,
        "khong_co.json": {"source": "khong_co.txt", "meeting": None, "pledges": [], "models": [], "themes": [],
                          "references": [], "people": []}})
    r = CliRunner().invoke(main, ["review", "import", str(folder), "--reviewer", "lan", "--db", db_url])
    assert r.exit_code == 0, r.output
    assert "1 records matched stored documents" in r.output
    assert "1 records not imported" in r.output and "khong_co.json: no stored document" in r.output
    assert _views(db_url, doc)[("references", "12-BC/ĐU")].state == "rejected"


@pytest.mark.parametrize("bad, where", [
    ({"pledges": [{"value": "mười tám", "kind": "count", "unit": "chi bộ"}]}, "pledges[0].value: expected a number"),
    ({"people": [{"roles": ["Bí thư"]}]}, "people[0]: name is missing"),
    ({"meeting": {"date": "14/3/2024"}}, "meeting.date: expected an ISO date"),
    ({"pledge": []}, "unknown key 'pledge'"),
])
def test_malformed_record_is_a_clear_error_and_nothing_is_stored(sqlite_url, tmp_path, bad, where):
    doc = _site(sqlite_url, tmp_path)
    folder = _records(tmp_path / "reviewed", {"a_good.json": {**AN_PHU_RECORD, "source": "bao_cao_an_phu.txt"},
                                              "z_bad.json": {"source": "bao_cao_an_phu.txt", **bad}})
    r = CliRunner().invoke(main, ["review", "import", str(folder), "--reviewer", "lan", "--db", sqlite_url])
    assert r.exit_code == 1
    assert "malformed records, nothing imported" in r.output and f"z_bad.json: {where}" in r.output
    with open_store(sqlite_url)() as s:
        assert s.scalar(select(func.count()).select_from(Decision)) == 0
        assert s.scalar(select(func.count()).select_from(Review)) == 0
        assert s.get(Document, doc).review_state == "new"
    (folder / "z_bad.json").write_text("{not json", encoding="utf-8")
    r = CliRunner().invoke(main, ["review", "import", str(folder), "--reviewer", "lan", "--db", sqlite_url])
    assert r.exit_code == 1 and "z_bad.json: not JSON" in r.output


def test_import_needs_an_existing_active_account(sqlite_url, tmp_path):
    _site(sqlite_url, tmp_path)
    folder = _records(tmp_path / "reviewed", {"bao_cao_an_phu.json": AN_PHU_RECORD})
    r = CliRunner().invoke(main, ["review", "import", str(folder), "--reviewer", "ai-do", "--db", sqlite_url])
    assert r.exit_code == 1 and "No account 'ai-do'" in r.output
    assert CliRunner().invoke(main, ["user", "disable", "lan", "--db", sqlite_url]).exit_code == 0
    r = CliRunner().invoke(main, ["review", "import", str(folder), "--reviewer", "lan", "--db", sqlite_url])
    assert r.exit_code == 1 and "disabled" in r.output
    with open_store(sqlite_url)() as s:
        assert s.scalar(select(func.count()).select_from(Decision)) == 0


# ---------------------------------------------------------------- decisions -> labels


def _cand(task: str, value, group: str, parent: str | None = None):
    from extractors.learn.candidates import Candidate

    return Candidate(task=task, value=value, start=0, end=1, source="test", group=group, parent=parent)


def test_decisions_become_labels(sqlite_url, tmp_path):
    from pipeline.retrain import apply_labels, review_labels

    doc_id = _site(sqlite_url, tmp_path)
    with open_store(sqlite_url)() as s:
        d = s.get(Document, doc_id)
        v = {(x.field, (x.value or {}).get("name") or (x.value or {}).get("number")): x for x in rv.item_views(s, d)}
        rv.decide(s, d, "references", v[("references", "12-BC/ĐU")].key, "reject", "lan", 0)
        rv.decide(s, d, "people", v[("people", "Trần Văn Bình")].key, "accept", "lan", 0)
        rv.decide(s, d, "people", v[("people", "Lê Thị Hoa")].key, "accept", rv.MACHINE, 0, machine=True)
        s.commit()
        labels = review_labels(d, rv.item_views(s, d))
    cands = [_cand("references", {"number": "12-BC/ĐU"}, "r1"), _cand("references", {"number": "45-KH/ĐU"}, "r2"),
             _cand("people", {"name": "Trần Văn Bình"}, "p1"), _cand("people", {"name": "Lê Thị Hoa"}, "p2"),
             _cand("meeting.title", "Hội nghị sơ kết", "m")]
    apply_labels(cands, labels)
    # in review: the accepted value is a positive, the rejected one a negative; what nobody decided (and
    # the machine's own acceptance) is unknown, and so is the meeting
    assert [c.label for c in cands] == [0, None, 1, None, None]
    with open_store(sqlite_url)() as s:
        d = s.get(Document, doc_id)
        rv.mark_reviewed(s, d, "lan")
        s.commit()
        labels = review_labels(d, rv.item_views(s, d))
    apply_labels(cands, labels)
    # marked reviewed: every value it holds is a positive, what is absent is absent
    assert [c.label for c in cands] == [0, 1, 1, 1, 0]
    with open_store(sqlite_url)() as s:  # a document nobody decided on teaches nothing
        other = ingest(write_doc(tmp_path / "docs", "thu_script.txt", SCRIPT_TEXT), sqlite_url).document_id
        d = s.get(Document, other)
        assert review_labels(d, rv.item_views(s, d)) is None


# ---------------------------------------------------------------- retraining keeps every decision


@pytest.mark.slow
def test_retrain_from_reviews_keeps_decisions_and_reextracts(sqlite_url, tmp_path, monkeypatch):
    from extractors import version_tag
    from extractors.learn.scorer import Model

    monkeypatch.setenv("MINUTES_STATE_DIR", str(tmp_path / "state"))  # the new model is the one in use here
    monkeypatch.delenv("MINUTES_MODEL_DIR", raising=False)
    monkeypatch.delenv("MINUTES_RETRAIN_GOLD", raising=False)
    url = sqlite_url
    doc = _site(url, tmp_path)
    other = ingest(write_doc(tmp_path / "docs", "thu_script.txt", SCRIPT_TEXT), url).document_id
    folder = _records(tmp_path / "reviewed", {"bao_cao_an_phu.json": AN_PHU_RECORD})
    assert CliRunner().invoke(main, ["review", "import", str(folder), "--reviewer", "lan", "--db", url]).exit_code == 0
    with open_store(url)() as s:  # the other document: in review, one decision
        d = s.get(Document, other)
        pledge = next(v for v in rv.item_views(s, d) if v.field == "pledges")
        rv.decide(s, d, "pledges", pledge.key, "accept", "minh", 0)
        s.commit()
    # a gold folder holding the reviewed document too (and two others): the review wins, it counts once
    gold = tmp_path / "g"
    (gold / "docs").mkdir(parents=True)
    (gold / "gold").mkdir()
    shutil.copy(tmp_path / "docs" / "bao_cao_an_phu.txt", gold / "docs" / "bao_cao_an_phu.txt")
    (gold / "gold" / "bao_cao_an_phu.json").write_text(json.dumps({**AN_PHU_RECORD, "pledges": []}), encoding="utf-8")
    for stem in ("pmt_lacxuan_dangky_thidua", "tanmy_bieuduong_dienhinh"):
        shutil.copy(FIXTURES / "docs" / f"{stem}.txt", gold / "docs")
        shutil.copy(FIXTURES / "gold" / f"{stem}.json", gold / "gold")
    out = tmp_path / "before"
    assert CliRunner().invoke(main, ["export", "--format", "gold", "--out", str(out), "--db", url]).exit_code == 0
    decisions = _decisions(url)

    r = CliRunner().invoke(main, ["train", "--from-reviews", "--gold", str(gold / "gold"), "--db", url])
    assert r.exit_code == 0, r.output
    assert "training set: 4 documents: 2 reviewed (1 marked reviewed, 1 in review), 2 gold" in r.output
    assert "(1 gold documents replaced by their review)" in r.output
    model = Model.load(tmp_path / "state" / "model")
    assert model.meta["documents_by_origin"] == {"review": 2, "gold": 2}
    assert model.meta["review_documents"] == {"complete": 1, "partial": 1}
    assert model.meta["gold_replaced_by_review"] == ["bao_cao_an_phu.txt"]
    assert "pw" not in model.meta["from_reviews"] or "***" in model.meta["from_reviews"]
    # the stored documents were re-extracted with the new model; no decision changed
    with open_store(url)() as s:
        assert {d.extractor_versions for d in s.scalars(select(Document))} == {version_tag()}
        run = s.scalars(select(TrainingRun)).one()
        assert run.state == "done" and run.trigger == "command" and run.documents == 4
        assert run.make_up["review"] == 2 and run.reextracted == 2
    assert _decisions(url) == decisions
    after = tmp_path / "after"
    assert CliRunner().invoke(main, ["export", "--format", "gold", "--out", str(after), "--db", url]).exit_code == 0
    assert (after / "bao_cao_an_phu.json").read_text(encoding="utf-8") == (out / "bao_cao_an_phu.json").read_text(encoding="utf-8")
    v = _views(url, doc)
    assert v[("models", "Dân vận khéo")].state == "added"  # a value a reviewer added stays added
    assert v[("references", "12-BC/ĐU")].state == "rejected"


def test_retrain_with_nothing_to_learn_says_so(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("MINUTES_STATE_DIR", str(tmp_path / "state"))
    _site(sqlite_url, tmp_path)
    r = CliRunner().invoke(main, ["train", "--from-reviews", "--db", sqlite_url])
    assert r.exit_code == 1 and "Nothing to train on" in r.output
    assert not (tmp_path / "state" / "model").exists()
    with open_store(sqlite_url)() as s:
        run = s.scalars(select(TrainingRun)).one()
        assert run.state == "failed" and "không có gì để học" in run.message


# ---------------------------------------------------------------- the queue asks for what teaches most


def test_queue_and_items_by_uncertainty(db_url, tmp_path):
    an_phu = _site(db_url, tmp_path)  # confidences 0.55 … 0.95
    script = ingest(write_doc(tmp_path / "docs", "thu_script.txt", SCRIPT_TEXT), db_url).document_id  # 0.4, 0.9
    with open_store(db_url)() as s:
        rows = rv.queue(s)
        assert [r.doc.id for r in rows] == [an_phu, script]
        assert rows[0].uncertainty == pytest.approx(sum(1 - abs(2 * p - 1) for p in
                                                        (0.8, 0.95, 0.93, 0.72, 0.9, 0.55, 0.6, 0.81)), abs=1e-3)
        assert rows[0].to_check == 5 and rows[1].to_check == 1  # below 0.9
        assert [r.to_check for r in rv.queue(s, check_below=0.5)] == [0, 1]
        assert [r.doc.id for r in rv.queue(s, order="newest")] == [script, an_phu]
        # within a document: the most uncertain first (0.55, then 0.6, then 0.72 …)
        d = s.get(Document, an_phu)
        order = [v.confidence for v in rv.by_uncertainty(rv.item_views(s, d))]
        assert order == sorted(order, key=lambda p: abs(2 * p - 1))
        # a document with nothing pending goes last, whatever its confidences were
        rv.mark_reviewed(s, d, "lan")
        s.commit()
        assert [r.doc.id for r in rv.queue(s)] == [script, an_phu]


# ---------------------------------------------------------------- auto-accept is the machine's


def test_auto_accept_is_recorded_as_the_machines(db_url, tmp_path):
    from pipeline.store import learning

    doc = _site(db_url, tmp_path)
    with open_store(db_url)() as s:
        learning.save_settings(s, "minh", auto_accept={"people": 0.8, "references": 0.94})
        s.commit()
        assert learning.apply_auto_accept(s) == 2  # Lê Thị Hoa 0.81, 12-BC/ĐU 0.95; not Trần Văn Bình 0.72
        s.commit()
        assert learning.apply_auto_accept(s) == 0  # once
    v = _views(db_url, doc)
    hoa = v[("people", "Lê Thị Hoa")]
    assert hoa.state == "accepted" and hoa.machine and hoa.review.reviewer == rv.MACHINE
    assert [(h.action, h.machine, h.reviewer) for h in hoa.history] == [("accept", True, rv.MACHINE)]
    assert "0.81" not in hoa.history[0].comment and "81%" in hoa.history[0].comment
    assert v[("people", "Trần Văn Bình")].state == "suggested"
    with open_store(db_url)() as s:
        d = s.get(Document, doc)
        assert d.review_state == "new"  # no person has touched it
        # a person may still reject it; then it is the person's
        rv.decide(s, d, "references", v[("references", "12-BC/ĐU")].key, "reject", "lan",
                  v[("references", "12-BC/ĐU")].version)
        rv.mark_reviewed(s, d, "lan")
        s.commit()
    v = _views(db_url, doc)
    assert not v[("references", "12-BC/ĐU")].machine and v[("references", "12-BC/ĐU")].review.reviewer == "lan"
    # marking the document reviewed accepts the pending ones as lan's, never the machine's as lan's
    assert [(h.action, h.machine) for h in v[("people", "Lê Thị Hoa")].history] == [("accept", True)]
    assert v[("people", "Trần Văn Bình")].history[-1].reviewer == "lan"
    with open_store(db_url)() as s:
        with pytest.raises(rv.ReviewError):
            rv.add_user(s, "Máy", "x")  # nobody may pass for the machine
    with pytest.raises(ValueError):
        learning.parse_threshold("0,3")
    assert learning.parse_threshold("95%") == 0.95 and learning.parse_threshold("0,9") == 0.9
    assert learning.parse_threshold("") is None


def test_thresholds_apply_to_newly_ingested_documents(sqlite_url, tmp_path):
    from flows.ingest import auto_accept
    from pipeline.ingest import Outcome
    from pipeline.store import learning

    doc = _site(sqlite_url, tmp_path)
    with open_store(sqlite_url)() as s:
        learning.save_settings(s, "minh", auto_accept={"pledges": 0.9})
        s.commit()
    assert auto_accept(sqlite_url, [Outcome("x", "unchanged", document_id=doc)]) == 0  # only what a run stored
    assert auto_accept(sqlite_url, [Outcome("x", "done", document_id=doc)]) == 1
    assert _views(sqlite_url, doc)[("pledges", "215")].machine


# ---------------------------------------------------------------- schema, schedule


def test_migrations_match_the_tables(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from pipeline.store.models import Base

    engine = open_store(db_url).kw["bind"]
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], diff


def test_serve_can_retrain_on_a_schedule(tmp_path):
    from flows.deployments import build_deployments

    assert [d.name for d in build_deployments([str(tmp_path)], None, "0 2 * * *")] == ["nightly"]  # off by default
    (retrain,) = build_deployments([], None, "0 2 * * *", timezone="UTC", retrain_cron="0 3 * * 0")
    assert (retrain.flow_name, retrain.name) == ("minutes-train", "retrain")
    assert [s.schedule.cron for s in retrain.schedules] == ["0 3 * * 0"]
    assert retrain.concurrency_limit == 1 and retrain.entrypoint == "flows.deployments.retrain_flow"
    r = CliRunner().invoke(main, ["serve", "--help"])
    assert "--retrain-cron" in r.output and "MINUTES_RETRAIN_CRON" in r.output
