"""minutes review (serve the review page) and minutes user (reviewer accounts)."""

from __future__ import annotations

import sys

import click

from pipeline.commands import db_option


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Keep 127.0.0.1 and put a reverse proxy (HTTPS) in front to share it.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--root-path", default="", metavar="PATH",
              help="URL prefix when a reverse proxy serves the page below a path, e.g. /duyet.")
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True,
              help="Proxies whose X-Forwarded-Proto/For headers are trusted.")
@db_option
def review(host: str, port: int, root_path: str, forwarded_allow_ips: str, db: str | None) -> None:
    """Serve the review page: the queue, each document with its items, the summary.

    Reviewers log in with an account made by `minutes user add NAME`. Sessions
    are signed with $MINUTES_SECRET, else with a secret generated on first run
    and kept in the state folder ($MINUTES_STATE_DIR/secret).
    """
    import uvicorn

    from pipeline.review.app import create_app
    from pipeline.store import database_url, open_store
    from pipeline.store import review as rv

    url = database_url(db)
    app = create_app(url)
    with open_store(url)() as session:
        if not rv.users(session):
            click.echo("Chưa có tài khoản nào: tạo bằng `minutes user add TÊN` trước khi đăng nhập.", err=True)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    click.echo(f"Trang duyệt: http://{shown}:{port}{root_path}/  (Ctrl+C để dừng)", err=True)
    uvicorn.run(app, host=host, port=port, root_path=root_path, proxy_headers=True,
                forwarded_allow_ips=forwarded_allow_ips, log_level="warning")


@click.group()
def user() -> None:
    """Reviewer accounts of the review page."""


@user.command("add")
@click.argument("name")
@click.option("--admin", is_flag=True, help="Administrator (may reopen any reviewed document).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@db_option
def user_add(name: str, admin: bool, password_stdin: bool, db: str | None) -> None:
    """Create the account NAME (asks for its password twice, or reads it from stdin)."""
    from pipeline.review.security import hash_password
    from pipeline.store import open_store
    from pipeline.store import review as rv

    password = _read_password(password_stdin)
    with open_store(db)() as session:
        try:
            rv.add_user(session, name, hash_password(password), admin=admin)
        except rv.ReviewError as err:
            raise click.ClickException(err.message) from None
        session.commit()
    click.echo(f"Đã tạo tài khoản {name}" + (" (quản trị)" if admin else "") + ".", err=True)


@user.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
@db_option
def user_passwd(name: str, password_stdin: bool, db: str | None) -> None:
    """Set a new password for NAME."""
    from pipeline.review.security import hash_password
    from pipeline.store import open_store
    from pipeline.store import review as rv

    password = _read_password(password_stdin)
    with open_store(db)() as session:
        u = rv.user_by_name(session, name)
        if u is None:
            raise click.ClickException(f"Không có tài khoản {name!r}.")
        u.password_hash = hash_password(password)
        session.commit()
    click.echo(f"Đã đổi mật khẩu của {name}.", err=True)


@user.command("list")
@db_option
def user_list(db: str | None) -> None:
    """List the accounts."""
    from pipeline.review.app import fmt_time
    from pipeline.store import open_store
    from pipeline.store import review as rv

    with open_store(db)() as session:
        for u in rv.users(session):
            click.echo(f"{u.name}\t{'admin' if u.is_admin else 'reviewer'}\t"
                       f"{'active' if u.active else 'disabled'}\tlast login {fmt_time(u.last_login) or '-'}")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Mật khẩu", hide_input=True, confirmation_prompt="Nhập lại mật khẩu")
    if len(password) < 8:
        raise click.ClickException("Mật khẩu phải có ít nhất 8 ký tự.")
    return password
