"""The review page in a real Chromium (Debian's /usr/bin/chromium, headless), against a
uvicorn server on a free port over a temporary database: log in; accept, edit and
reject items; add one by selecting text; mark the document reviewed; reload and see
it all kept; re-ingest with a bumped extractor version and see the decisions kept.

Saves a screenshot of the document page to output/test-artifacts/review.png (and to
docs/review.png, the README's picture, when MINUTES_UPDATE_SCREENSHOT=1).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from pipeline.store import open_store
from pipeline.store import review as rv
from pipeline.store.models import Document
from test_review_support import ingest, make_user, write_doc

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PASSWORD = "mat-khau-thu-nghiem"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(sqlite_url, tmp_path):
    import uvicorn

    from pipeline.review.app import create_app

    path = write_doc(tmp_path / "docs")
    doc_id = ingest(path, sqlite_url, 1).document_id
    make_user(sqlite_url, "lan", PASSWORD)
    make_user(sqlite_url, "minh", PASSWORD, admin=True)
    port = _free_port()
    app = create_app(sqlite_url, secret="browser-test-secret-" + "y" * 24)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.time() + 30
    while not srv.started:
        assert time.time() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield {"base": f"http://127.0.0.1:{port}", "url": sqlite_url, "doc": doc_id, "path": path}
    srv.should_exit = True
    t.join(10)


@pytest.fixture
def page():
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium at /usr/bin/chromium")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)  # a busy machine
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="vi-VN")
        pg = ctx.new_page()
        pg.set_default_timeout(30_000)
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.js_errors = errors
        yield pg
        ctx.close()
        browser.close()


def _item(page, text: str):
    return page.locator("li.item", has=page.locator(".value", has_text=text))


def _select_text(page, phrase: str) -> None:
    """Select ``phrase`` in the document text as a mouse drag would, then release the mouse."""
    page.evaluate("""(phrase) => {
        const box = document.getElementById('doctext');
        const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
        let node;
        while ((node = walker.nextNode())) {
            const i = node.data.indexOf(phrase);
            if (i >= 0) {
                const r = document.createRange();
                r.setStart(node, i); r.setEnd(node, i + phrase.length);
                const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(r);
                node.parentElement.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
                return;
            }
        }
        throw new Error('phrase not found: ' + phrase);
    }""", phrase)


def test_review_a_document_in_the_browser(server, page):
    from playwright.sync_api import expect

    base, doc = server["base"], server["doc"]
    # no session: to the login page
    page.goto(f"{base}/documents/{doc}")
    expect(page).to_have_url(f"{base}/login?next=%2Fdocuments%2F{doc}")
    expect(page.locator("h1")).to_have_text("Đăng nhập")
    page.fill("input[name=username]", "lan")
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Đăng nhập')")
    expect(page).to_have_url(f"{base}/documents/{doc}")
    expect(page.locator("#doc-state")).to_have_text("Mới")
    expect(page.locator("#shortcuts")).to_be_visible()

    # clicking an item goes to its span
    _item(page, "Lê Thị Hoa").locator(".value").click()
    expect(page.locator("mark.hl.active")).to_have_text("Lê Thị Hoa")

    # accept (button)
    _item(page, "215").get_by_role("button", name="Chấp nhận").click()
    expect(_item(page, "215").locator(".badge")).to_have_text("Đã chấp nhận")
    expect(page.locator("#doc-state")).to_have_text("Đang duyệt")

    # reject (keyboard: select the item with a click, then r)
    _item(page, "12-BC/ĐU").locator(".value").click()
    page.keyboard.press("r")
    expect(_item(page, "12-BC/ĐU").locator(".badge")).to_have_text("Đã bác bỏ")

    # edit (inline form) with a comment
    item = _item(page, "Trần Văn Bình")
    item.locator("summary:has-text('Sửa')").click()
    item.locator("textarea[name=v_roles]").fill("Bí thư Đảng ủy xã An Phú")
    item.locator("input[name=comment]").fill("ghi đủ tên xã")
    item.get_by_role("button", name="Lưu").click()
    expect(_item(page, "Trần Văn Bình").locator(".badge")).to_have_text("Đã sửa")
    expect(_item(page, "Trần Văn Bình").locator(".value")).to_contain_text("Bí thư Đảng ủy xã An Phú")
    _item(page, "Trần Văn Bình").locator("summary:has-text('Lịch sử')").click()
    expect(_item(page, "Trần Văn Bình").locator("ol.history")).to_contain_text("ghi đủ tên xã")

    # clicking a highlighted span goes to its item
    page.locator("#doctext mark.hl", has_text="Chi bộ 4 tốt").click()
    expect(page.locator("li.item.current .value")).to_contain_text("Chi bộ 4 tốt")

    # keyboard: e opens the edit form, Esc closes it
    page.keyboard.press("e")
    expect(_item(page, "Chi bộ 4 tốt").locator("details.edit")).to_have_attribute("open", "")
    expect(_item(page, "Chi bộ 4 tốt").locator("input[name=v_name]")).to_be_focused()
    page.keyboard.press("Escape")
    expect(_item(page, "Chi bộ 4 tốt").locator("details.edit")).not_to_have_attribute("open", "")

    # keyboard: j/k move, a accepts
    _item(page, "Lê Thị Hoa").locator(".value").click()
    page.keyboard.press("k")
    expect(page.locator("li.item.current .value")).to_contain_text("Trần Văn Bình")
    page.keyboard.press("j")
    expect(page.locator("li.item.current .value")).to_contain_text("Lê Thị Hoa")
    page.keyboard.press("a")
    expect(_item(page, "Lê Thị Hoa").locator(".badge")).to_have_text("Đã chấp nhận")

    # add a missed model by selecting its name in the text and pressing n
    _select_text(page, "Dân vận khéo")
    page.keyboard.press("n")
    expect(page.locator("#add-panel")).to_have_attribute("open", "")
    expect(page.locator("#add-selection")).to_have_text("Dân vận khéo")
    page.select_option("#add-field", "models")
    expect(page.locator("input[name=add_models_name]")).to_have_value("Dân vận khéo")
    page.fill("input[name=add_models_organization]", "Chi bộ thôn Đông")
    page.locator("#add-form").get_by_role("button", name="Thêm").click()
    expect(_item(page, "Dân vận khéo").locator(".badge")).to_have_text("Đã thêm")
    expect(page.locator("mark.hl", has_text="Dân vận khéo")).to_have_count(1)

    # mark reviewed
    page.get_by_role("button", name="Đánh dấu đã duyệt").click()
    expect(page.locator("#doc-state")).to_have_text("Đã duyệt")

    # reload: everything kept
    page.reload()
    expect(page.locator("#doc-state")).to_have_text("Đã duyệt")
    expect(_item(page, "12-BC/ĐU").locator(".badge")).to_have_text("Đã bác bỏ")
    expect(_item(page, "Trần Văn Bình").locator(".value")).to_contain_text("Bí thư Đảng ủy xã An Phú")
    expect(_item(page, "Dân vận khéo").locator(".badge")).to_have_text("Đã thêm")
    expect(page.locator("li.item .badge", has_text="Gợi ý")).to_have_count(0)
    _item(page, "215").locator(".value").click()
    shots = ROOT / "output" / "test-artifacts"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "review.png"))
    if os.environ.get("MINUTES_UPDATE_SCREENSHOT"):  # refresh the README's picture on purpose only
        shutil.copyfile(shots / "review.png", ROOT / "docs" / "review.png")

    # re-ingest with a bumped extractor version: decisions kept, what differs shows as new
    out = ingest(server["path"], server["url"], 2)
    assert out.status == "reextracted"
    page.reload()
    expect(page.locator("#doc-state")).to_have_text("Đã duyệt")
    expect(_item(page, "12-BC/ĐU").locator(".badge")).to_have_text("Đã bác bỏ")
    expect(_item(page, "Trần Văn Bình").locator(".value")).to_contain_text("Bí thư Đảng ủy xã An Phú")
    expect(_item(page, "215").locator(".value")).to_contain_text("Toàn Đảng bộ")
    expect(_item(page, "215").locator(".changed")).to_contain_text("Đảng bộ xã An Phú")
    expect(_item(page, "Phạm Quốc Cường").locator(".badge")).to_have_text("Mới sau duyệt")
    page.screenshot(path=str(shots / "review-after-reextract.png"))

    # the queue shows it, and the summary draws its figures
    page.click("nav >> text=Tài liệu")
    expect(page.locator("table.queue")).to_contain_text("2 mới sau duyệt")
    page.click("nav >> text=Tổng hợp")
    expect(page.locator("h1")).to_have_text("Tổng hợp")
    assert page.locator("svg.bar").count() > 0
    assert page.js_errors == []

    with open_store(server["url"])() as s:
        d = s.get(Document, doc)
        assert d.review_state == "reviewed"
        assert [h.action for h in rv.history(s, doc)][:5] == ["accept", "reject", "edit", "accept", "add"]


def test_retrain_started_from_the_summary_page(server, page, tmp_path, monkeypatch):
    """An administrator reviews a document, starts a retraining from the summary page, goes on
    reviewing while it runs, and sees the new model's training set; decisions are kept, the
    document is re-extracted by the new model, and "why" explains its values."""
    from click.testing import CliRunner
    from playwright.sync_api import expect

    from extractors import version_tag
    from pipeline.cli import main

    # the model in use: a small one trained on the 12 annotated extraction fixtures (its gold folder is
    # what a retraining from the page learns from besides the reviews)
    gold = tmp_path / "g"
    shutil.copytree(ROOT / "tests" / "fixtures" / "extraction", gold)
    monkeypatch.setenv("MINUTES_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("MINUTES_MODEL_DIR", raising=False)
    monkeypatch.delenv("MINUTES_RETRAIN_GOLD", raising=False)
    r = CliRunner().invoke(main, ["train", "--gold", str(gold / "gold"), "--workers", "1"])
    assert r.exit_code == 0, r.output

    base, doc = server["base"], server["doc"]
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "minh")
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Đăng nhập')")
    page.goto(f"{base}/documents/{doc}")
    _item(page, "12-BC/ĐU").get_by_role("button", name="Bác bỏ").click()
    expect(_item(page, "12-BC/ĐU").locator(".badge")).to_have_text("Đã bác bỏ")
    page.get_by_role("button", name="Đánh dấu đã duyệt").click()
    expect(page.locator("#doc-state")).to_have_text("Đã duyệt")

    page.click("nav >> text=Tổng hợp")
    expect(page.locator("#model-documents")).to_have_text("12")
    expect(page.locator("#training")).to_contain_text("Có thể học thêm từ 1 tài liệu đã duyệt")
    page.get_by_role("button", name="Huấn luyện lại").click()
    expect(page.locator("#flash")).to_contain_text("Đã bắt đầu huấn luyện lại")
    expect(page.locator("#training-state")).to_contain_text("bởi minh")

    # reviewing goes on while it trains
    page.goto(f"{base}/documents/{doc}")
    page.get_by_role("button", name="Mở lại để duyệt").click()
    expect(page.locator("#doc-state")).to_have_text("Đang duyệt")
    _item(page, "Lê Thị Hoa").locator("summary:has-text('Sửa')").click()
    _item(page, "Lê Thị Hoa").locator("textarea[name=v_roles]").fill("Phó Bí thư Thường trực Đảng ủy")
    _item(page, "Lê Thị Hoa").get_by_role("button", name="Lưu").click()
    expect(_item(page, "Lê Thị Hoa").locator(".badge")).to_have_text("Đã sửa")
    page.get_by_role("button", name="Đánh dấu đã duyệt").click()
    expect(page.locator("#doc-state")).to_have_text("Đã duyệt")

    # the summary follows the run to its end (the page polls), then shows the new training set
    page.click("nav >> text=Tổng hợp")
    expect(page.locator("#training-state")).to_contain_text("Xong", timeout=240_000)
    expect(page.locator("#model-documents")).to_have_text("13")
    expect(page.locator("#model-review")).to_have_text("1")
    expect(page.locator("#model-gold")).to_have_text("12")
    expect(page.locator("table.runs")).to_contain_text("minh")
    shots = ROOT / "output" / "test-artifacts"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "summary-retrain.png"), full_page=True)

    # decisions kept; the document re-extracted by the new model; "why" explains its values
    with open_store(server["url"])() as s:
        d = s.get(Document, doc)
        assert d.extractor_versions == version_tag()
        assert d.review_state == "reviewed"
        views = {(v.field, (v.value or {}).get("name") or (v.value or {}).get("number")): v
                 for v in rv.item_views(s, d)}
        assert views[("references", "12-BC/ĐU")].state == "rejected"
        assert views[("people", "Lê Thị Hoa")].value["roles"] == ["Phó Bí thư Thường trực Đảng ủy"]
    page.goto(f"{base}/documents/{doc}")
    expect(_item(page, "12-BC/ĐU").locator(".item-main .badge")).to_have_text("Đã bác bỏ")
    why = page.locator("li.item details.why").first
    why.locator("summary").click()
    expect(why.locator(".why-body")).to_contain_text("Quy tắc đề xuất")
    expect(why.locator(".why-body")).to_contain_text("Ủng hộ")
    page.screenshot(path=str(shots / "review-why.png"))
    assert page.js_errors == []
