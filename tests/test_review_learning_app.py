"""The review page opened to more reviewers, and teaching the machine from it (HTTP level, a real
SQLite file): failed-login throttling, disabled accounts, the queue's paging and order, the
administrator's thresholds, why a value was suggested, retraining from the summary page."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from pipeline.cli import main
from pipeline.store import open_store
from pipeline.store import review as rv
from pipeline.store.models import Decision, Document, LoginFailure, TrainingRun, now
from test_review_app import PASSWORD, client, csrf_of, item_form, login, site  # noqa: F401 (site: a fixture)
from test_review_support import ingest, write_doc


def _try(c, name: str, password: str):
    token = csrf_of(c.get("/login").text)
    return c.post("/login", data={"username": name, "password": password, "csrf_token": token})


def test_failed_logins_are_throttled_per_account_and_address(site, caplog):
    c = client(site)
    caplog.set_level(logging.WARNING, logger="minutes.review")
    for _ in range(3):  # the first failures cost nothing
        r = _try(c, "lan", "sai")
        assert r.status_code == 401 and "thử tiếp theo" not in r.text
    r = _try(c, "lan", "sai")  # the 4th: a delay, growing from here
    assert r.status_code == 401 and "Lần thử tiếp theo sau 2 giây" in r.text
    with open_store(site["url"])() as s:  # two failures more (8 s): room for a slow machine
        s.execute(update(LoginFailure).values(failures=LoginFailure.failures + 2, last_failure=now()))
        s.commit()
    r = _try(c, "lan", PASSWORD)  # within the delay even the right password is refused, unchecked
    assert r.status_code == 429 and "hãy thử lại sau" in r.text and 1 <= int(r.headers["retry-after"]) <= 8
    assert any("failed login for account 'lan'" in m for m in caplog.messages)
    assert any("refused" in m for m in caplog.messages)
    # the address is throttled too: another account from it waits as well
    r = _try(c, "minh", PASSWORD)
    assert r.status_code == 429
    with open_store(site["url"])() as s:
        rows = {(f.scope, f.subject): f.failures for f in s.scalars(select(LoginFailure))}
        assert rows == {("account", "lan"): 6, ("address", "testclient"): 6}  # refusals are not counted
        # the delay doubles: 2 s after the 4th failure, 4 s after the 5th …
        from pipeline.review.throttle import delay_after

        assert [delay_after(n) for n in (2, 3, 4, 5, 6, 30)] == [0, 0, 2, 4, 8, 900]
        s.execute(update(LoginFailure).values(last_failure=now() - timedelta(seconds=9)))
        s.commit()
    r = _try(c, "lan", PASSWORD)  # the delay over: the right password works and clears the counts
    assert r.status_code == 303
    with open_store(site["url"])() as s:
        assert s.scalars(select(LoginFailure)).all() == []


def test_disabling_an_account_ends_its_sessions_at_once_and_keeps_its_history(site):
    c, token = login(site)
    doc = site["doc"]
    form = item_form(c.get(f"/documents/{doc}").text, "12-BC/ĐU")
    assert c.post(f"/documents/{doc}/items", data={**form, "action": "reject", "csrf_token": token}).status_code == 303
    r = CliRunner().invoke(main, ["user", "disable", "lan", "--db", site["url"]])
    assert r.exit_code == 0, r.output
    assert c.get("/documents").status_code == 303  # the session ended at once
    assert c.get("/login").status_code == 200  # and no redirect loop
    assert _try(client(site), "lan", PASSWORD).status_code == 401
    with open_store(site["url"])() as s:
        assert [d.reviewer for d in s.scalars(select(Decision))] == ["lan"]  # history kept
        assert rv.user_by_name(s, "lan").active is False
    assert "lan\treviewer\tdisabled" in CliRunner().invoke(main, ["user", "list", "--db", site["url"]]).output
    assert CliRunner().invoke(main, ["user", "enable", "lan", "--db", site["url"]]).exit_code == 0
    assert c.get("/documents").status_code == 303  # the old session stays ended
    assert _try(client(site), "lan", PASSWORD).status_code == 303
    assert CliRunner().invoke(main, ["user", "disable", "ai-do", "--db", site["url"]]).exit_code == 1


def test_queue_pages_past_500_rows(site):
    with open_store(site["url"])() as s:
        s.add_all(Document(sha256=f"{i:064x}", filename=f"tai_lieu_{i:04d}.txt", status="done", text="…")
                  for i in range(1, 502))
        s.commit()
    c, _ = login(site)
    first = c.get("/documents").text
    assert first.count('<tr>\n        <td><a href="/documents/') == 500
    assert "Tài liệu 1–500 trên 502" in first and "trang 1/2" in first
    nxt = re.search(r'href="([^"]*page=2[^"]*)" rel="next"', first)[1].replace("&amp;", "&")
    second = c.get(nxt).text
    assert second.count('<tr>\n        <td><a href="/documents/') == 2 and "trang 2/2" in second
    assert 'rel="prev"' in second and 'rel="next"' not in second
    newest = c.get("/documents", params={"order": "newest", "page": "2"}).text
    assert "tai_lieu_0001.txt" in newest and "bao_cao_an_phu.txt" in newest  # the oldest two, on page 2
    assert "order=newest" in re.search(r'href="([^"]*)" rel="prev"', newest)[1]
    assert c.get("/documents", params={"page": "99"}).status_code == 200  # past the end: the last page


def test_document_items_uncertain_first_or_in_text_order(site):
    c, _ = login(site)
    doc = site["doc"]

    def people_order(html: str) -> list[str]:
        return re.findall(r"<b>(Trần Văn Bình|Lê Thị Hoa)</b>", html)

    assert people_order(c.get(f"/documents/{doc}").text) == ["Trần Văn Bình", "Lê Thị Hoa"]  # 0.72 before 0.81
    with open_store(site["url"])() as s:  # make Lê Thị Hoa the uncertain one
        from pipeline.store.models import Item

        s.execute(update(Item).where(Item.document_id == doc, Item.field == "people",
                                     Item.key.like("lê%")).values(confidence=0.5))
        s.commit()
    html = c.get(f"/documents/{doc}").text
    assert people_order(html) == ["Lê Thị Hoa", "Trần Văn Bình"]
    assert "mục dưới 90% cần kiểm tra" in html and 'class="conf low"' in html
    html = c.get(f"/documents/{doc}", params={"order": "text"}).text
    assert people_order(html) == ["Trần Văn Bình", "Lê Thị Hoa"]
    assert people_order(c.get(f"/documents/{doc}").text) == ["Trần Văn Bình", "Lê Thị Hoa"]  # the choice is kept


def test_admin_sets_auto_accept_thresholds_in_the_page(site):
    c, token = login(site)  # lan: a reviewer, not an administrator
    r = c.post("/summary/settings", data={"csrf_token": token, "auto_people": "80%"})
    assert r.status_code == 403 and "Chỉ quản trị viên" in r.text
    assert c.post("/summary/retrain", data={"csrf_token": token}).status_code == 403
    html = c.get("/summary").text
    assert "Ngưỡng độ tin cậy" in html and 'name="auto_people"' not in html and "tắt" in html
    assert "retrain-form" not in html
    a, atoken = login(site, "minh")
    r = a.post("/summary/settings", data={"csrf_token": atoken, "auto_people": "0,3"})
    assert r.status_code == 400 and "Ngưỡng phải từ 0,5 đến 1" in r.text
    r = a.post("/summary/settings", data={"csrf_token": atoken, "auto_people": "80%", "check_below": "85%"})
    assert r.status_code == 303
    page = a.get(r.headers["location"]).text
    assert "Đã lưu các ngưỡng. Máy đã tự chấp nhận 1 mục." in page and 'value="80%"' in page
    assert "Sửa lần cuối bởi minh" in page
    doc = site["doc"]
    html = c.get(f"/documents/{doc}").text
    assert "tự chấp nhận ≥ 80%" in html and "Máy tự chấp nhận" in html
    hist = c.get(f"/documents/{doc}/history").text
    row = next(r for r in re.findall(r"<tr>.*?</tr>", hist, re.S) if "Lê Thị Hoa" in r)
    assert "máy (không phải người duyệt)" in row and "Máy tự chấp nhận" in row and "minh" not in row
    assert "Cần kiểm tra (&lt; 85%)" in c.get("/documents").text


def test_why_needs_a_machine_suggestion(site):
    c, _ = login(site)
    doc = site["doc"]
    html = c.get(f"/documents/{doc}").text
    assert html.count('<details class="why"') == 8 and "Vì sao?" in html
    assert c.get(f"/documents/{doc}/why", params={"uid": "i999999"}).status_code == 404
    assert c.get(f"/documents/{doc}/why", params={"uid": "nothing"}).status_code == 404


def test_summary_shows_the_model_and_refuses_a_second_retraining(site):
    a, token = login(site, "minh")
    html = a.get("/summary").text
    assert "Máy học từ các quyết định duyệt" in html and "Huấn luyện lại" in html
    assert "Có thể học thêm từ 0 tài liệu đã duyệt và 0 tài liệu đang duyệt" in html
    import os

    with open_store(site["url"])() as s:  # a retraining under way (this process stands for it)
        s.add(TrainingRun(state="running", trigger="page", started_by="minh", pid=os.getpid()))
        s.commit()
    html = a.get("/summary").text
    assert "Đang huấn luyện" in html and 'data-active="1"' in html
    r = a.post("/summary/retrain", data={"csrf_token": token})
    assert r.status_code == 409 and "Đang có một lần huấn luyện chạy" in r.text
    assert "Đang huấn luyện" in a.get("/summary/training").text
    with open_store(site["url"])() as s:  # its process gone: marked failed, a new one may start
        s.execute(update(TrainingRun).values(pid=2**22 + 12345))
        s.commit()
    html = a.get("/summary").text
    assert "Đang huấn luyện" not in html and "Tiến trình huấn luyện đã dừng giữa chừng" in html


@pytest.mark.slow
def test_why_shows_the_rule_and_the_features(site, tmp_path, monkeypatch):
    """A small model trained on the extraction fixtures; a document extracted with it for real."""
    from pathlib import Path

    fixtures = Path(__file__).parent / "fixtures" / "extraction"
    model_dir = tmp_path / "model"
    r = CliRunner().invoke(main, ["train", "--gold", str(fixtures / "gold"), "--docs", str(fixtures / "docs"),
                                  "--out", str(model_dir), "--no-setaside", "--workers", "1"])
    assert r.exit_code == 0, r.output
    monkeypatch.setenv("MINUTES_MODEL_DIR", str(model_dir))
    from pipeline.ingest import ingest_file

    out = ingest_file(fixtures / "docs" / "pmt_lacxuan_dangky_thidua.txt", open_store(site["url"]))
    assert out.status == "done" and out.items
    c, _ = login(site)
    html = c.get(f"/documents/{out.document_id}").text
    uid = re.search(r'<details class="why" data-src="/documents/\d+/why\?uid=(i\d+)"', html)[1]
    frag = c.get(f"/documents/{out.document_id}/why", params={"uid": uid}, headers={"X-Requested-With": "fetch"})
    assert frag.status_code == 200 and "<html" not in frag.text
    assert "Quy tắc đề xuất" in frag.text and "Xác suất" in frag.text and "ngưỡng" in frag.text
    assert "Ủng hộ" in frag.text and "Phản đối" in frag.text and re.search(r"<code>[^<]+</code> <span class=\"w\">\+", frag.text)
    page = c.get(f"/documents/{out.document_id}/why", params={"uid": uid})  # without the script: a page
    assert page.status_code == 200 and "Vì sao máy gợi ý" in page.text and "Quy tắc đề xuất" in page.text
