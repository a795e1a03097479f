"""The review web app (FastAPI, server-rendered Jinja2, a little plain JavaScript).

Pages: /login, /documents (the queue), /documents/{id} (text with highlighted
spans and the items beside it), /documents/{id}/history, /summary. Every page
but /login needs a session (a signed cookie); every POST needs the session's
CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``), else 403.
Jinja2 autoescaping is on and the highlighted text escapes every piece, so
document text is shown, never run.

Every POST answers with a redirect to the page (303) when it worked, or with
the page itself and the reason (400 invalid, 409 conflict) when it did not;
the page's JavaScript posts the same forms with fetch and swaps the result in.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipeline.model import FIELDS
from pipeline.review import forms, throttle
from pipeline.review.highlight import highlight
from pipeline.review.security import (SESSION_COOKIE, SESSION_MAX_AGE, Sessions, hash_password, load_secret,
                                      needs_rehash, same_token, verify_password)
from pipeline.store import learning
from pipeline.store import review as rv
from pipeline.store.models import Document, User, now

HERE = Path(__file__).parent
FIELD_COLORS = {"meeting": "#cfe0ff", "themes": "#ead5ff", "pledges": "#ffdca8", "models": "#c8f0d2",
                "references": "#ffd0d0", "people": "#fff0a0"}
DONE_MESSAGES = {"accept": "Đã chấp nhận.", "edit": "Đã lưu thay đổi.", "reject": "Đã bác bỏ.",
                 "add": "Đã thêm mục mới.", "reviewed": "Đã đánh dấu tài liệu là đã duyệt.",
                 "reopen": "Đã mở lại tài liệu để duyệt tiếp."}
_DUMMY_HASH = hash_password("not a password")
QUEUE_LIMIT = 500  # rows per page of the queue; filters narrow it, ?page=N goes past it


class LoginRequired(Exception):
    pass


def fmt_time(dt: datetime | None) -> str:
    if dt is None:
        return ""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%d/%m/%Y %H:%M UTC")


def value_parts(field: str, value: dict[str, Any] | None) -> tuple[str, list[tuple[str, str]]]:
    """(headline, [(label, text), …]) for a value: "215 đảng viên", [("Chủ thể", "Toàn Đảng bộ")]."""
    if not value:
        return "—", []
    attrs = {a.name: a for a in forms.ATTRS.get(field, [])}
    shown: set[str] = set()

    def s(name: str) -> str:
        shown.add(name)
        return forms.show(attrs[name], value.get(name)) if name in attrs else str(value.get(name) or "")

    if field == "pledges":
        head = s("value") + ("%" if value.get("kind") == "percent" else "")
        if value.get("total") not in (None, ""):
            head += "/" + s("total")
        head = f"{head} {s('unit')}".strip()
        shown.add("kind")
    elif field == "references":
        head = " ".join(x for x in (s("type"), s("number")) if x)
    else:
        head = s(forms.primary(field)) if field in forms.ATTRS else ""
    rest = []
    for name, a in attrs.items():
        if name not in shown and value.get(name) not in (None, "", []):
            rest.append((a.label.split(" (")[0], forms.show(a, value.get(name))))
    rest += [(k, str(v)) for k, v in value.items() if k not in attrs and v not in (None, "", [])]
    return head or "—", rest


def fmt_value(field: str, value: dict[str, Any] | None) -> str:
    """One line for a value: the headline, then the other attributes."""
    head, rest = value_parts(field, value)
    return " · ".join([head] + [f"{k}: {v}" for k, v in rest]) if value else "—"


def route_path(request: Request) -> str:
    """The request's path below the root path (``--root-path`` behind a proxy)."""
    path, root = request.url.path, request.scope.get("root_path") or ""
    if root and (path == root or path.startswith(root + "/")):
        path = path[len(root):] or "/"
    return path


def safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/documents"


def create_app(db_url: str | None = None, secret: str | None = None, sessions: sessionmaker | None = None) -> FastAPI:
    from pipeline.store import open_store

    store = sessions or open_store(db_url)
    signer = Sessions(secret or load_secret())
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    env.globals.update(FIELDS=FIELDS, FIELD_LABELS=forms.FIELD_LABELS, STATE_LABELS=forms.STATE_LABELS,
                       DOC_STATE_LABELS=forms.DOC_STATE_LABELS, ACTION_LABELS=forms.ACTION_LABELS,
                       ATTRS=forms.ATTRS, KIND_LABELS=forms.KIND_LABELS, FIELD_COLORS=FIELD_COLORS)
    env.filters.update(time=fmt_time, value=lambda v, field: fmt_value(field, v),
                       parts=lambda v, field: value_parts(field, v), show=forms.show, input_value=forms.input_value,
                       pct=lambda x: "" if x is None else f"{x:.0%}", jsonish=lambda v: json.dumps(v, ensure_ascii=False))

    def get_db() -> Iterator[Session]:
        with store() as session:
            yield session

    async def check_csrf(request: Request) -> None:
        """Every POST carries the session's CSRF token (header or form field), else 403."""
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return
        token = request.headers.get("x-csrf-token")
        if not token:
            ctype = request.headers.get("content-type", "")
            if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
                form = await request.form()
                token = form.get("csrf_token")
        if not same_token(token if isinstance(token, str) else None, request.state.session.get("csrf")):
            raise HTTPException(403, "csrf")

    app = FastAPI(title="minutes review", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(check_csrf)])
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def session_cookie(request: Request, call_next):
        data = signer.load(request.cookies.get(SESSION_COOKIE))
        fresh = data is None
        request.state.session = data or Sessions.new()
        request.state.session_changed = fresh
        response: Response = await call_next(request)
        if request.state.session_changed:
            response.set_cookie(SESSION_COOKIE, signer.dump(request.state.session), max_age=SESSION_MAX_AGE,
                                httponly=True, samesite="lax", secure=request.url.scheme == "https",
                                path=request.scope.get("root_path") or "/")
        h = response.headers
        h.setdefault("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                                "script-src 'self'; frame-ancestors 'none'; form-action 'self'; "
                                                "base-uri 'none'")
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("X-Frame-Options", "DENY")
        if not route_path(request).startswith("/static/"):
            h.setdefault("Cache-Control", "no-store")
        return response

    def url(request: Request, path: str, **query: Any) -> str:
        q = {k: v for k, v in query.items() if v not in (None, "")}
        return (request.scope.get("root_path") or "") + path + (("?" + urlencode(q)) if q else "")

    def redirect(request: Request, path: str, fragment: str = "", **query: Any) -> RedirectResponse:
        return RedirectResponse(url(request, path, **query) + (f"#{fragment}" if fragment else ""), status_code=303)

    def current_user(request: Request, db: Session = Depends(get_db)) -> User:
        uid = request.state.session.get("uid")
        user = db.get(User, uid) if uid else None
        if user is None or not user.active or request.state.session.get("sv", 0) != (user.session_version or 0):
            raise LoginRequired()  # no account, a disabled one, or a session ended by disabling it
        return user

    def admin_user(user: User = Depends(current_user)) -> User:
        if not user.is_admin:
            raise HTTPException(403, "admin")
        return user

    def render(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        ctx.setdefault("user", None)
        return templates.TemplateResponse(request, name, {
            "csrf": request.state.session["csrf"], "u": lambda p, **q: url(request, p, **q),
            "here": route_path(request), **ctx},
            status_code=status)

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _exc: LoginRequired):
        target = route_path(request) + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(url(request, "/login", next=target if request.method == "GET" else None),
                                status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        messages = {403: "Yêu cầu bị từ chối: thiếu hoặc sai mã bảo vệ biểu mẫu (CSRF). Hãy tải lại trang rồi thử lại.",
                    404: "Không tìm thấy trang hoặc tài liệu này.", 405: "Phương thức không được hỗ trợ."}
        msg = messages.get(exc.status_code, "Đã có lỗi.")
        if exc.status_code == 403 and exc.detail == "admin":
            msg = "Chỉ quản trị viên mới làm được việc này."
        if exc.status_code == 404 and exc.detail not in (None, "Not Found"):
            msg = str(exc.detail)
        return render(request, "error.html", status=exc.status_code, message=msg, code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, _exc: RequestValidationError):
        return render(request, "error.html", status=404, code=404, message="Không tìm thấy trang hoặc tài liệu này.")

    # ------------------------------------------------------------ auth

    @app.get("/", include_in_schema=False)
    def home(request: Request):
        return redirect(request, "/documents")

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str | None = None, db: Session = Depends(get_db)):
        uid = request.state.session.get("uid")
        known = db.get(User, uid) if uid else None
        if known is not None and known.active and request.state.session.get("sv", 0) == (known.session_version or 0):
            return RedirectResponse(url(request, safe_next(next)), status_code=303)
        return render(request, "login.html", next=safe_next(next), error=None, username="",
                      no_users=not rv.users(db))

    @app.post("/login", response_class=HTMLResponse)
    async def login(request: Request, db: Session = Depends(get_db)):
        form = await request.form()
        name, password = str(form.get("username") or "").strip(), str(form.get("password") or "")
        target = safe_next(str(form.get("next") or ""))
        address = request.client.host if request.client else None
        wait = throttle.wait_left(db, name, address)
        if wait > 0:
            throttle.refused(name, address, wait)
            resp = render(request, "login.html", status=429, next=target, username=name, no_users=False,
                          error=f"Đăng nhập sai nhiều lần; hãy thử lại sau {math.ceil(wait)} giây.")
            resp.headers["Retry-After"] = str(math.ceil(wait))
            return resp
        user = rv.user_by_name(db, name) if name else None
        ok = verify_password(user.password_hash if user else _DUMMY_HASH, password) and user is not None and user.active
        if not ok:
            wait = throttle.record_failure(db, name, address)
            db.commit()
            error = "Sai tên đăng nhập hoặc mật khẩu."
            if wait > 0:
                error += f" Lần thử tiếp theo sau {math.ceil(wait)} giây."
            return render(request, "login.html", status=401, next=target, username=name, no_users=False, error=error)
        throttle.clear(db, name, address)
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.last_login = now()
        db.commit()
        request.state.session = Sessions.new(user.id)  # a new CSRF token with the new session
        request.state.session["sv"] = user.session_version or 0
        request.state.session_changed = True
        return RedirectResponse(url(request, target), status_code=303)

    @app.post("/logout")
    def logout(request: Request):
        request.state.session = Sessions.new()
        request.state.session_changed = True
        return redirect(request, "/login")

    # ------------------------------------------------------------ queue

    @app.get("/documents", response_class=HTMLResponse)
    def documents(request: Request, state: str | None = None, field: str | None = None, q: str | None = None,
                  unit: str | None = None, year: str | None = None, model: str | None = None,
                  theme: str | None = None, organizer: str | None = None, order: str | None = None,
                  page: str | None = None, user: User = Depends(current_user), db: Session = Depends(get_db)):
        state = state if state in forms.DOC_STATE_LABELS else None
        field = field if field in FIELDS else None
        order = order if order in rv.QUEUE_ORDERS else rv.QUEUE_ORDERS[0]
        settings = learning.page_settings(db)
        behind = rv.documents_behind(db, unit=unit, year=year, model=model, theme=theme, organizer=organizer)
        rows = rv.queue(db, state=state, field=field, q=q, doc_ids=behind, order=order,
                        check_below=settings.check_below)
        pages = max(1, math.ceil(len(rows) / QUEUE_LIMIT))
        number = min(max(1, int(page)) if (page or "").isdigit() else 1, pages)
        figure = None
        if behind is not None:
            figure = (f"{forms.FIELD_LABELS['pledges']}: {unit}" + (f", năm {year}" if year else "") if unit is not None
                      else f"{forms.FIELD_LABELS['models']}: {model}" if model is not None
                      else f"{forms.FIELD_LABELS['themes']}: {theme}" if theme is not None
                      else f"Đơn vị tổ chức: {organizer}")
        keep = {"unit": unit, "year": year if unit is not None else None, "model": model, "theme": theme,
                "organizer": organizer}
        first = (number - 1) * QUEUE_LIMIT
        return render(request, "documents.html", user=user, rows=rows[first:first + QUEUE_LIMIT], total=len(rows),
                      first=first, page=number, pages=pages, order=order, state=state, field=field, q=q or "",
                      counts=rv.state_counts(db), failed=rv.failed_count(db), figure=figure, keep=keep,
                      check_below=settings.check_below)

    # ------------------------------------------------------------ document

    def load_doc(db: Session, doc_id: int) -> Document:
        doc = db.get(Document, doc_id)
        if doc is None or doc.status != "done":
            raise HTTPException(404, "Không tìm thấy tài liệu này.")
        return doc

    def doc_page(request: Request, db: Session, user: User, doc: Document, status: int = 200,
                 message: str | None = None, error: str | None = None, conflict: dict | None = None,
                 focus: str | None = None) -> HTMLResponse:
        views = rv.item_views(db, doc, with_history=True)
        text = doc.text or ""
        html = highlight(text, [(v.start, v.end, v.uid, v.field, v.state) for v in views])
        # the items in the order a decision teaches most (uncertain first), or as the text has them
        order = request.query_params.get("order")
        if order in ("text", "uncertain"):
            request.state.session["item_order"] = order  # kept for the next pages (a decision redirects)
            request.state.session_changed = True
        else:
            order = request.state.session.get("item_order", "uncertain")
        groups = {f: [v for v in views if v.field == f] for f in FIELDS}
        if order == "uncertain":
            groups = {f: rv.by_uncertainty(vs) for f, vs in groups.items()}
        pending = sum(1 for v in views if v.pending)
        settings = learning.page_settings(db)
        return render(request, "document.html", status=status, user=user, doc=doc, views=views, groups=groups,
                      text_html=html, pending=pending, message=message, error=error, conflict=conflict,
                      focus=focus, changed=sum(1 for v in views if v.suggestion_changed),
                      files=[f for f in _files(db, doc)], order=order, settings=settings,
                      to_check=sum(1 for v in views if v.pending and v.confidence is not None
                                   and v.confidence < settings.check_below))

    @app.get("/documents/{doc_id}", response_class=HTMLResponse)
    def document(request: Request, doc_id: int, done: str | None = None, focus: str | None = None,
                 user: User = Depends(current_user), db: Session = Depends(get_db)):
        doc = load_doc(db, doc_id)
        return doc_page(request, db, user, doc, message=DONE_MESSAGES.get(done or ""), focus=focus)

    @app.post("/documents/{doc_id}/items", response_class=HTMLResponse)
    async def decide(request: Request, doc_id: int, user: User = Depends(current_user),
                     db: Session = Depends(get_db)):
        doc = load_doc(db, doc_id)
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        action = form.get("action", "")
        field = form.get("field", "")
        uid = form.get("uid") or None
        try:
            version = int(form.get("version") or 0)
        except ValueError:
            version = -1
        try:
            value = start = end = None
            if action == "add":
                field = form.get("add_field", field)
                if field not in FIELDS:
                    raise forms.FormError("Hãy chọn trường cho mục mới.")
                start, end = _span(form, doc.text or "")
                value = forms.parse_value(field, _fill_primary(form, field, doc.text or "", start, end),
                                          prefix=f"add_{field}_")
                if start is None:
                    start, end = _find(doc.text or "", value.get(forms.primary(field)))
                from extractors import item_key

                key = item_key(field, value)[:1024]
                version = 0
            else:
                key = form.get("key", "")
                if action == "edit":
                    old = rv.current_review(db, doc.id, field, key)
                    base = old.value if old else next((v.suggestion for v in rv.item_views(db, doc)
                                                      if v.field == field and v.key == key), None)
                    value = forms.merge_extra(base, forms.parse_value(field, form))
            rv.decide(db, doc, field, key, action, user.name, version, value=value, comment=form.get("comment"),
                      start=start, end=end)
            db.commit()
        except forms.FormError as err:
            db.rollback()
            return doc_page(request, db, user, doc, status=400, error=err.message, focus=uid)
        except rv.ReviewError as err:
            db.rollback()
            return doc_page(request, db, user, doc, status=400, error=err.message, focus=uid)
        except rv.Conflict as c:
            db.rollback()
            cur = c.current
            target = next((v for v in rv.item_views(db, doc) if v.field == field and v.key == key), None)
            conflict = {"uid": target.uid if target else uid, "reviewer": cur.reviewer if cur else None,
                        "at": cur.updated_at if cur else None, "state": cur.state if cur else None,
                        "value": fmt_value(field, cur.value) if cur else None, "version": cur.version if cur else 0,
                        "mine": forms.ACTION_LABELS.get(action, action) + (f": {fmt_value(field, value)}" if value else "")}
            return doc_page(request, db, user, doc, status=409, conflict=conflict,
                            focus=target.uid if target else uid)
        focus = next((v.uid for v in rv.item_views(db, doc) if v.field == field and v.key == key), uid)
        return redirect(request, f"/documents/{doc.id}", fragment=f"item-{focus}", done=action, focus=focus)

    @app.post("/documents/{doc_id}/reviewed", response_class=HTMLResponse)
    def mark_reviewed(request: Request, doc_id: int, user: User = Depends(current_user),
                      db: Session = Depends(get_db)):
        doc = load_doc(db, doc_id)
        try:
            rv.mark_reviewed(db, doc, user.name)
            db.commit()
        except rv.Conflict:
            db.rollback()
            return doc_page(request, db, user, doc, status=409,
                            error="Một người duyệt khác vừa thay đổi tài liệu này. Hãy xem lại rồi đánh dấu lần nữa.")
        return redirect(request, f"/documents/{doc.id}", done="reviewed")

    @app.post("/documents/{doc_id}/reopen", response_class=HTMLResponse)
    def reopen(request: Request, doc_id: int, user: User = Depends(current_user), db: Session = Depends(get_db)):
        doc = load_doc(db, doc_id)
        if not user.is_admin and doc.reviewed_by not in (None, user.name):
            return doc_page(request, db, user, doc, status=403,
                            error="Chỉ quản trị viên hoặc người đã duyệt mới mở lại được tài liệu này.")
        rv.reopen(db, doc)
        db.commit()
        return redirect(request, f"/documents/{doc.id}", done="reopen")

    @app.get("/documents/{doc_id}/history", response_class=HTMLResponse)
    def doc_history(request: Request, doc_id: int, user: User = Depends(current_user),
                    db: Session = Depends(get_db)):
        doc = load_doc(db, doc_id)
        return render(request, "history.html", user=user, doc=doc, decisions=list(reversed(rv.history(db, doc.id))))

    # ------------------------------------------------------------ summary

    @app.get("/documents/{doc_id}/why", response_class=HTMLResponse)
    def why(request: Request, doc_id: int, uid: str = "", user: User = Depends(current_user),
            db: Session = Depends(get_db)):
        """Why the machine suggested an item: a fragment for the page's script, a page without it."""
        from pipeline.review.why import explain

        doc = load_doc(db, doc_id)
        view = next((v for v in rv.item_views(db, doc) if v.uid == uid and v.item_id is not None), None)
        if view is None:
            raise HTTPException(404, "Không có gợi ý này của máy trong tài liệu.")
        why = explain(doc, view.field, view.key, (view.extractor or "").rsplit("@", 1)[-1] or None)
        name = "_why.html" if request.headers.get("x-requested-with") == "fetch" else "why.html"
        return render(request, name, user=user, doc=doc, v=view, why=why)

    # ------------------------------------------------------------ summary

    def training_context(db: Session) -> dict[str, Any]:
        return {"model": learning.model_summary(), "runs": learning.recent_runs(db),
                "active": learning.active_run(db), "learnable": learning.reviewed_counts(db),
                "settings": learning.page_settings(db)}

    def summary_page(request: Request, db: Session, user: User, status: int = 200, message: str | None = None,
                     error: str | None = None) -> HTMLResponse:
        figs = rv.summary(db)
        ctx = training_context(db)
        db.commit()  # a run whose process is gone was marked failed
        return render(request, "summary.html", status=status, user=user, figs=figs, bar=bar, message=message,
                      error=error, **ctx,
                      link=lambda f: url(request, "/documents", **f.filter) if f.filter.get("year") != ""
                      else url(request, "/documents", unit=f.filter["unit"]) + "&year=")

    @app.get("/summary", response_class=HTMLResponse)
    def summary(request: Request, done: str | None = None, accepted: int | None = None,
                user: User = Depends(current_user), db: Session = Depends(get_db)):
        messages = {"retrain": "Đã bắt đầu huấn luyện lại; việc duyệt vẫn tiếp tục bình thường trong lúc đó.",
                    "settings": "Đã lưu các ngưỡng." + (f" Máy đã tự chấp nhận {accepted} mục." if accepted else "")}
        return summary_page(request, db, user, message=messages.get(done or ""))

    @app.get("/summary/training", response_class=HTMLResponse)
    def training_state(request: Request, user: User = Depends(current_user), db: Session = Depends(get_db)):
        ctx = training_context(db)
        db.commit()
        return render(request, "_training.html", user=user, **ctx)

    @app.post("/summary/retrain", response_class=HTMLResponse)
    def retrain(request: Request, user: User = Depends(admin_user), db: Session = Depends(get_db)):
        from pipeline.retrain import RetrainError, start_background

        try:
            start_background(str(db.get_bind().url.render_as_string(hide_password=False)), user.name)
        except RetrainError as err:
            return summary_page(request, db, user, status=409, error=err.message)
        return redirect(request, "/summary", fragment="training", done="retrain")

    @app.post("/summary/settings", response_class=HTMLResponse)
    async def save_settings(request: Request, user: User = Depends(admin_user), db: Session = Depends(get_db)):
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        try:
            auto = {f: learning.parse_threshold(form.get(f"auto_{f}", "")) for f in FIELDS}
            check = learning.parse_threshold(form.get("check_below", "")) if form.get("check_below") else None
        except ValueError as err:
            return summary_page(request, db, user, status=400, error=str(err) if "Ngưỡng" in str(err)
                                else "Ngưỡng phải là một số từ 0,5 đến 1 (hoặc 50% đến 100%).")
        learning.save_settings(db, user.name, auto_accept=auto, check_below=check)
        n = learning.apply_auto_accept(db)
        db.commit()
        return redirect(request, "/summary", fragment="settings", done="settings", accepted=n or None)

    return app


def bar(value: float, top: float, width: int = 220) -> Markup:
    """A horizontal bar as inline SVG (server-rendered, no script, no CDN)."""
    w = 0 if not top else max(1, round(width * value / top)) if value else 0
    return Markup(f'<svg class="bar" width="{width}" height="14" viewBox="0 0 {width} 14" role="img" '
                  f'aria-hidden="true"><rect x="0" y="1" width="{width}" height="12" class="bar-bg"/>'
                  f'<rect x="0" y="1" width="{w}" height="12" class="bar-fg"/></svg>')


def _files(db: Session, doc: Document) -> list[str]:
    from sqlalchemy import select

    from pipeline.store.models import SourceFile

    return list(db.scalars(select(SourceFile.path).where(SourceFile.document_id == doc.id).order_by(SourceFile.id)))


def _span(form: dict[str, str], text: str) -> tuple[int | None, int | None]:
    """The selected span (code-point offsets) trimmed of spaces; (None, None) when none given."""
    try:
        s, e = int(form.get("start") or ""), int(form.get("end") or "")
    except ValueError:
        return None, None
    if not (0 <= s < e <= len(text)):
        raise forms.FormError("Đoạn chọn nằm ngoài văn bản; hãy chọn lại.")
    trim = " \t\n\"'“”‘’«»,;:"  # spaces and the quotes around a name are not part of it (SCHEMA.md)
    while s < e and text[s] in trim:
        s += 1
    while e > s and text[e - 1] in trim:
        e -= 1
    return (s, e) if s < e else (None, None)


def _fill_primary(form: dict[str, str], field: str, text: str, start: int | None, end: int | None) -> dict[str, str]:
    """The selected text fills the primary attribute when the reviewer left it empty."""
    key = f"add_{field}_{forms.primary(field)}"
    if start is None or (form.get(key) or "").strip():
        return form
    chosen = " ".join(text[start:end].split())
    if field == "pledges":
        m = re.match(r"(?:gần|hơn|trên|khoảng|có)?\s*(\d[\d.,]*)\s*(%?)\s*(.*)", chosen)
        if m:
            form = {**form, key: m[1] + m[2]}
            if m[3] and not (form.get(f"add_{field}_unit") or "").strip():
                form[f"add_{field}_unit"] = m[3]
            return form
    return {**form, key: chosen}


def _find(text: str, needle: Any) -> tuple[int | None, int | None]:
    if needle in (None, ""):
        return None, None
    i = text.find(str(needle))
    return (i, i + len(str(needle))) if i >= 0 else (None, None)


