"""HTTP-level tests of the review page (FastAPI TestClient over a temporary SQLite database)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pipeline.store import open_store
from pipeline.store import review as rv
from pipeline.store.models import Document
from test_review_support import SCRIPT_TEXT, ingest, make_user, write_doc

SECRET = "test-secret-" + "x" * 32
PASSWORD = "mat-khau-thu-nghiem"


@pytest.fixture
def site(sqlite_url, tmp_path):
    doc = ingest(write_doc(tmp_path / "docs"), sqlite_url).document_id
    make_user(sqlite_url, "lan", PASSWORD)
    make_user(sqlite_url, "minh", PASSWORD, admin=True)
    from pipeline.review.app import create_app

    app = create_app(sqlite_url, secret=SECRET)
    return {"url": sqlite_url, "app": app, "doc": doc, "tmp": tmp_path}


def client(site) -> TestClient:
    return TestClient(site["app"], follow_redirects=False)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html)[1]


def login(site, name="lan") -> tuple[TestClient, str]:
    c = client(site)
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token, "next": "/documents"})
    assert r.status_code == 303 and r.headers["location"] == "/documents"
    page = c.get("/documents")
    assert page.status_code == 200
    return c, csrf_of(page.text)


def item_form(html: str, uid_contains: str) -> dict[str, str]:
    """The hidden fields of the accept/reject form of the item whose value shows ``uid_contains``."""
    for li in re.findall(r'<li class="item[^"]*" id="item-[^"]+".*?</li>\s*(?=<li class="item|</ol>)', html, re.S):
        if uid_contains in li:
            fields = dict(re.findall(r'<input type="hidden" name="(field|key|version|uid)" value="([^"]*)"', li))
            return {k: _unescape(v) for k, v in fields.items()}
    raise AssertionError(f"no item showing {uid_contains}")


def _unescape(s: str) -> str:
    import html

    return html.unescape(s)


def test_pages_need_a_session(site):
    c = client(site)
    for path in ("/documents", f"/documents/{site['doc']}", "/summary", f"/documents/{site['doc']}/history"):
        r = c.get(path)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/login"), path
    r = c.get("/documents?state=new")
    assert r.headers["location"] == "/login?next=%2Fdocuments%3Fstate%3Dnew"
    login_page = c.get("/login")
    assert login_page.status_code == 200 and "Đăng nhập" in login_page.text and 'lang="vi"' in login_page.text
    # a forged or foreign cookie is no session
    c.cookies.set("minutes_session", "eyJ1aWQiOjF9.forged.sig")
    assert c.get("/documents").status_code == 303


def test_unknown_pages_answer_in_vietnamese(site):
    c, _ = login(site)
    for path in ("/documents/999", "/documents/abc", "/khong-co"):
        r = c.get(path)
        assert r.status_code == 404 and "Không tìm thấy" in r.text, path


def test_login_checks_password_and_sets_a_safe_cookie(site):
    c = client(site)
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"username": "lan", "password": "sai", "csrf_token": token})
    assert r.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in r.text
    r = c.post("/login", data={"username": "ai-do", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 401
    r = c.post("/login", data={"username": "lan", "password": PASSWORD, "csrf_token": token, "next": "//evil.example/"})
    assert r.status_code == 303 and r.headers["location"] == "/documents"
    cookie = r.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert PASSWORD not in cookie
    with open_store(site["url"])() as s:
        h = rv.user_by_name(s, "lan").password_hash
        assert h.startswith("$argon2") and PASSWORD not in h
    # the CSRF token changes at login
    assert csrf_of(c.get("/documents").text) != token
    r = c.post("/logout", data={"csrf_token": csrf_of(c.get("/documents").text)})
    assert r.status_code == 303 and c.get("/documents").status_code == 303


def test_post_without_csrf_is_403(site):
    c = client(site)
    c.get("/login")
    r = c.post("/login", data={"username": "lan", "password": PASSWORD})
    assert r.status_code == 403 and "CSRF" in r.text
    c, token = login(site)
    doc = site["doc"]
    form = item_form(c.get(f"/documents/{doc}").text, "Trần Văn Bình")
    for data, headers in (({**form, "action": "reject"}, {}),
                          ({**form, "action": "reject", "csrf_token": "wrong"}, {}),
                          ({**form, "action": "reject"}, {"X-CSRF-Token": "wrong"})):
        r = c.post(f"/documents/{doc}/items", data=data, headers=headers)
        assert r.status_code == 403
    assert c.post(f"/documents/{doc}/reviewed").status_code == 403
    assert c.post("/logout").status_code == 403
    with open_store(site["url"])() as s:
        assert rv.history(s, doc) == []
    # the header works as well as the form field
    r = c.post(f"/documents/{doc}/items", data={**form, "action": "reject"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 303


def test_script_in_a_document_is_shown_not_run(site):
    out = ingest(write_doc(site["tmp"] / "docs", "thu_script.txt", SCRIPT_TEXT), site["url"])
    c, token = login(site)
    page = c.get(f"/documents/{out.document_id}")
    assert page.status_code == 200
    html = page.text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<b>Toàn chi bộ</b>" not in html and "&lt;b&gt;Toàn chi bộ&lt;/b&gt;" in html
    # the only scripts are the page's own file, and the policy forbids inline ones
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/review.js">']
    assert "script-src 'self'" in page.headers["content-security-policy"]
    # values typed by a reviewer are escaped too (item list, history)
    form = item_form(html, "Toàn chi bộ")
    r = c.post(f"/documents/{out.document_id}/items", data={
        **form, "action": "edit", "csrf_token": token, "v_value": "12", "v_kind": "count", "v_unit": "đảng viên",
        "v_subject": "<script>alert(3)</script>", "comment": "<i>ghi chú</i>"})
    assert r.status_code == 303
    html = c.get(f"/documents/{out.document_id}").text
    assert "<script>alert(3)</script>" not in html and "&lt;script&gt;alert(3)&lt;/script&gt;" in html
    assert "<i>ghi chú</i>" not in html
    hist = c.get(f"/documents/{out.document_id}/history").text
    assert "<script>alert(3)" not in hist and "&lt;i&gt;ghi chú&lt;/i&gt;" in hist
    # the document name in the queue as well
    assert "<script>" not in c.get("/documents").text.replace('<script src="/static/review.js">', "")


def test_second_reviewer_gets_a_conflict_not_an_overwrite(site):
    doc = site["doc"]
    lan, lan_token = login(site, "lan")
    minh, minh_token = login(site, "minh")
    lan_form = item_form(lan.get(f"/documents/{doc}").text, "Trần Văn Bình")
    minh_form = item_form(minh.get(f"/documents/{doc}").text, "Trần Văn Bình")
    assert lan_form["version"] == minh_form["version"] == "0"
    r = lan.post(f"/documents/{doc}/items", data={
        **lan_form, "action": "edit", "csrf_token": lan_token, "v_name": "Trần Văn Bình",
        "v_roles": "Bí thư Đảng ủy xã An Phú"})
    assert r.status_code == 303
    r = minh.post(f"/documents/{doc}/items", data={
        **minh_form, "action": "edit", "csrf_token": minh_token, "v_name": "Trần Văn Bính", "v_roles": ""})
    assert r.status_code == 409
    assert "Xung đột" in r.text and "lan" in r.text
    assert re.search(r'class="current-value">[^<]*Bí thư Đảng ủy xã An Phú', r.text)  # the current value shown
    assert "chưa được lưu" in r.text
    with open_store(site["url"])() as s:
        v = next(v for v in rv.item_views(s, s.get(Document, doc)) if v.field == "people" and "Bình" in v.value["name"])
        assert v.value == {"name": "Trần Văn Bình", "roles": ["Bí thư Đảng ủy xã An Phú"]} and v.version == 1
        assert [d.reviewer for d in rv.history(s, doc)] == ["lan"]
    # the conflict page carries the current version: saving again from it works
    again = item_form(r.text, "Trần Văn Bình")
    assert again["version"] == "1"
    r = minh.post(f"/documents/{doc}/items", data={**again, "action": "accept", "csrf_token": minh_token})
    assert r.status_code == 303


def test_actions_history_add_and_mark_reviewed(site):
    doc = site["doc"]
    c, token = login(site)
    html = c.get(f"/documents/{doc}").text
    assert "Chấp nhận" in html and "Bác bỏ" in html and "Sửa" in html and "Đánh dấu đã duyệt" in html
    assert 'class="hl f-people' in html and 'id="span-i' in html  # spans highlighted in the field's colour
    accept = item_form(html, "<b>215 đảng viên</b>")
    assert c.post(f"/documents/{doc}/items", data={**accept, "action": "accept", "csrf_token": token}).status_code == 303
    reject = item_form(html, "12-BC/ĐU")
    r = c.post(f"/documents/{doc}/items", data={**reject, "action": "reject", "csrf_token": token,
                                                 "comment": "số hiệu của chính báo cáo"})
    assert r.status_code == 303 and "done=reject" in r.headers["location"]
    edit = item_form(html, "Lê Thị Hoa")
    r = c.post(f"/documents/{doc}/items", data={**edit, "action": "edit", "csrf_token": token, "v_name": "Lê Thị Hoa",
                                                 "v_roles": "Phó Bí thư Thường trực Đảng ủy\nỦy viên Ban Thường vụ",
                                                 "comment": "đủ chức vụ"})
    assert r.status_code == 303
    bad = c.post(f"/documents/{doc}/items", data={**item_form(html, "<b>18 chi bộ</b>"),
                                                   "action": "edit", "csrf_token": token, "v_value": "mười tám",
                                                   "v_unit": "chi bộ"})
    assert bad.status_code == 400 and "không phải là một số" in bad.text
    # add a missed item from a selected span (offsets into the normalized text)
    with open_store(site["url"])() as s:
        text = s.get(Document, doc).text
    start = text.index("Dân vận khéo")
    r = c.post(f"/documents/{doc}/items", data={"action": "add", "csrf_token": token, "add_field": "models",
                                                 "start": str(start - 1), "end": str(start + 12 + 1),
                                                 "add_models_organization": "Chi bộ thôn Đông"})
    assert r.status_code == 303
    again = c.post(f"/documents/{doc}/items", data={"action": "add", "csrf_token": token, "add_field": "models",
                                                     "start": str(start), "end": str(start + 12)})
    assert again.status_code == 400 and "đã có" in again.text

    with open_store(site["url"])() as s:
        d = s.get(Document, doc)
        views = {(v.field, (v.value or {}).get("name") or (v.value or {}).get("number") or (v.value or {}).get("value")): v
                 for v in rv.item_views(s, d, with_history=True)}
        added = views[("models", "Dân vận khéo")]
        assert added.state == "added" and text[added.start:added.end] == "Dân vận khéo"
        assert added.value["organization"] == "Chi bộ thôn Đông"
        assert views[("references", "12-BC/ĐU")].state == "rejected"
        assert views[("people", "Lê Thị Hoa")].value["roles"] == ["Phó Bí thư Thường trực Đảng ủy", "Ủy viên Ban Thường vụ"]
        assert views[("pledges", 215)].state == "accepted"
        assert d.review_state == "in_review"

    # history: who, what, from what to what, when, comment
    page = c.get(f"/documents/{doc}").text
    assert "Lịch sử (1)" in page and "“đủ chức vụ”" in page
    hist = c.get(f"/documents/{doc}/history").text
    assert "Lịch sử duyệt" in hist
    row = next(r for r in re.findall(r"<tr>.*?</tr>", hist, re.S) if "đủ chức vụ" in r)
    assert "lan" in row and "Sửa" in row and "Phó Bí thư Đảng ủy" in row and "Ủy viên Ban Thường vụ" in row
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d UTC", row)

    r = c.post(f"/documents/{doc}/reviewed", data={"csrf_token": token})
    assert r.status_code == 303
    page = c.get(r.headers["location"]).text
    assert "Đã đánh dấu tài liệu là đã duyệt" in page and "Mở lại để duyệt" in page
    with open_store(site["url"])() as s:
        d = s.get(Document, doc)
        assert d.review_state == "reviewed" and d.reviewed_by == "lan"
        assert not [v for v in rv.item_views(s, d) if v.pending]


def test_queue_filters_and_order(site):
    low = ingest(write_doc(site["tmp"] / "docs", "thu_script.txt", SCRIPT_TEXT), site["url"]).document_id
    c, _ = login(site)
    html = c.get("/documents").text
    assert "Tài liệu cần duyệt" in html and "Mới" in html and "Đang duyệt" in html and "Đã duyệt" in html
    # what teaches most first: the sum of the pending items' uncertainty (an phu: 8 items, several near 0.5;
    # the script document: 0.4 and 0.9), and the newest first one click away
    assert html.index("bao_cao_an_phu.txt") < html.index("thu_script.txt")
    assert 'id="order-newest"' in html
    newest = c.get("/documents", params={"order": "newest"}).text
    assert newest.index("thu_script.txt") < newest.index("bao_cao_an_phu.txt")
    only = c.get("/documents", params={"q": "an_phu"}).text
    assert "bao_cao_an_phu.txt" in only and "thu_script.txt" not in only
    people = c.get("/documents", params={"field": "people"}).text
    assert "bao_cao_an_phu.txt" in people and "thu_script.txt" not in people
    assert "thu_script.txt" not in c.get("/documents", params={"state": "reviewed"}).text
    with open_store(site["url"])() as s:
        rv.mark_reviewed(s, s.get(Document, low), "lan")
        s.commit()
    reviewed = c.get("/documents", params={"state": "reviewed"}).text
    assert "thu_script.txt" in reviewed and "bao_cao_an_phu.txt" not in reviewed
    html = c.get("/documents").text
    assert html.index("bao_cao_an_phu.txt") < html.index("thu_script.txt")  # new before reviewed


def test_summary_figures_link_to_their_documents(site):
    ingest(write_doc(site["tmp"] / "docs", "thu_script.txt", SCRIPT_TEXT), site["url"])
    c, _ = login(site)
    html = c.get("/summary").text
    assert "Tổng hợp" in html and "<svg" in html and "cdn" not in html.lower()
    for label in ("đảng viên", "Chi bộ 4 tốt", "Ban Thường vụ Đảng ủy xã An Phú"):
        assert label in html
    # 215 (an phu, 2024) and 12 (script doc, no meeting item: year unknown) are separate rows
    links = dict((m[1], m[0]) for m in re.findall(r'<a href="([^"]+)">([^<]+)</a>', html))
    assert "215" in links and "12" in links
    behind = c.get(_unescape(links["215"])).text
    assert "bao_cao_an_phu.txt" in behind and "thu_script.txt" not in behind
    behind = c.get(_unescape(links["12"])).text
    assert "thu_script.txt" in behind and "bao_cao_an_phu.txt" not in behind
    model_link = re.search(r'<a href="(/documents\?model=chi\+b[^"]+)"', html)[1]
    behind = c.get(_unescape(model_link)).text
    assert "bao_cao_an_phu.txt" in behind and "thu_script.txt" not in behind
    organizer_link = re.search(r'<a href="(/documents\?organizer=[^"]+)"', html)[1]
    assert "bao_cao_an_phu.txt" in c.get(_unescape(organizer_link)).text


def test_cli_user_add_export_gold_and_eval_against_reviews(site, shared, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from pipeline.cli import main

    runner = CliRunner()
    url = site["url"]
    r = runner.invoke(main, ["user", "add", "hoa", "--password-stdin", "--db", url], input="mat-khau-cua-hoa\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["user", "add", "hoa", "--password-stdin", "--db", url], input="mat-khau-cua-hoa\n")
    assert r.exit_code != 0 and "đã có" in r.output
    r = runner.invoke(main, ["user", "add", "ngan", "--password-stdin", "--db", url], input="ngan\n")
    assert r.exit_code != 0  # too short
    r = runner.invoke(main, ["user", "list", "--db", url])
    assert "hoa\treviewer" in r.output and "minh\tadmin" in r.output
    c = client(site)
    token = csrf_of(c.get("/login").text)
    assert c.post("/login", data={"username": "hoa", "password": "mat-khau-cua-hoa", "csrf_token": token}).status_code == 303

    with open_store(url)() as s:
        d = s.get(Document, site["doc"])
        ref = next(v for v in rv.item_views(s, d) if v.field == "references" and v.value["number"] == "12-BC/ĐU")
        rv.decide(s, d, "references", ref.key, "reject", "hoa", 0)
        rv.mark_reviewed(s, d, "hoa")
        s.commit()
    out = tmp_path / "gold"
    r = runner.invoke(main, ["export", "--format", "gold", "--out", str(out), "--db", url])
    assert r.exit_code == 0, r.output
    gold = json.loads((out / "bao_cao_an_phu.json").read_text(encoding="utf-8"))
    assert [x["number"] for x in gold["references"]] == ["45-KH/ĐU"]
    r = runner.invoke(main, ["export", "--format", "json", "--reviewed-only", "--out", str(tmp_path / "j"), "--db", url])
    rec = json.loads((tmp_path / "j" / "bao_cao_an_phu.json").read_text(encoding="utf-8"))
    assert {p["_state"] for p in rec["pledges"]} == {"accepted"}
    r = runner.invoke(main, ["eval", "--against-reviews", "--db", url, "--json", str(tmp_path / "e.json")])
    assert r.exit_code == 0, r.output
    res = json.loads((tmp_path / "e.json").read_text(encoding="utf-8"))
    assert res["fields"]["references"]["precision"] == 0.5 and res["fields"]["people"]["f1"] == 1.0
    assert "1 reviewed documents" in r.output


def test_secret_is_generated_once_and_kept(tmp_path, monkeypatch):
    from pipeline.review.security import load_secret

    monkeypatch.delenv("MINUTES_SECRET", raising=False)
    monkeypatch.setenv("MINUTES_STATE_DIR", str(tmp_path / "state"))
    first = load_secret()
    path = Path(tmp_path / "state" / "secret")
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert load_secret() == first and len(first) >= 40
    monkeypatch.setenv("MINUTES_SECRET", "from-the-environment")
    assert load_secret() == "from-the-environment"


def test_behind_a_proxy_below_a_path(site):
    """`minutes review --root-path /duyet` behind a proxy that strips /duyet: links, redirects and the
    cookie carry the prefix (a real uvicorn, as the proxy would call it)."""
    import socket
    import threading
    import time

    import httpx
    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(site["app"], host="127.0.0.1", port=port, root_path="/duyet",
                                        proxy_headers=True, log_level="warning"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    while not srv.started:
        time.sleep(0.05)
    try:
        base = f"http://127.0.0.1:{port}"
        r = httpx.get(f"{base}/documents?state=new", headers={"X-Forwarded-Proto": "https"})
        assert r.status_code == 303 and r.headers["location"] == "/duyet/login?next=%2Fdocuments%3Fstate%3Dnew"
        r = httpx.get(f"{base}/login", headers={"X-Forwarded-Proto": "https"})
        cookie = r.headers["set-cookie"]
        assert "Path=/duyet" in cookie and "Secure" in cookie
        assert 'action="/duyet/login"' in r.text and 'href="/duyet/static/review.css"' in r.text
        session = cookie.split(";")[0]
        r = httpx.post(f"{base}/login", headers={"Cookie": session},
                       data={"username": "lan", "password": PASSWORD, "csrf_token": csrf_of(r.text),
                             "next": "/documents?state=new"})
        assert r.status_code == 303 and r.headers["location"] == "/duyet/documents?state=new"
        session = r.headers["set-cookie"].split(";")[0]
        page = httpx.get(f"{base}/documents", headers={"Cookie": session})
        assert page.status_code == 200 and f'href="/duyet/documents/{site["doc"]}"' in page.text
        assert 'aria-current="page">Tài liệu' in page.text
    finally:
        srv.should_exit = True
        t.join(10)


def test_minutes_review_command_serves_the_page(site, tmp_path):
    """`minutes review` on 127.0.0.1 (the default) and a free port, as a user starts it."""
    import os
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    exe = Path(sys.executable).parent / "minutes"
    env = {**os.environ, "MINUTES_SECRET": SECRET, "MINUTES_STATE_DIR": str(tmp_path / "state")}
    proc = subprocess.Popen([str(exe), "review", "--port", str(port), "--db", site["url"]], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.communicate()
                assert time.time() < deadline, "minutes review did not start"
                time.sleep(0.2)
        assert r.status_code == 200 and "Đăng nhập" in r.text
        assert httpx.get(f"http://127.0.0.1:{port}/documents").status_code == 303
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert f"http://127.0.0.1:{port}/" in err
