"""minutes review (serve the review page) and minutes user (reviewer accounts)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.commands import db_option


@click.group(invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Keep 127.0.0.1 and put a reverse proxy (HTTPS) in front to share it.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--root-path", default="", metavar="PATH",
              help="URL prefix when a reverse proxy serves the page below a path, e.g. /duyet.")
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True,
              help="Proxies whose X-Forwarded-Proto/For headers are trusted.")
@db_option
@click.pass_context
def review(ctx: click.Context, host: str, port: int, root_path: str, forwarded_allow_ips: str,
           db: str | None) -> None:
    """Serve the review page: the queue, each document with its items, the summary.

    Reviewers log in with an account made by `minutes user add NAME`. Sessions
    are signed with $MINUTES_SECRET, else with a secret generated on first run
    and kept in the state folder ($MINUTES_STATE_DIR/secret).

    `minutes review import DIR --reviewer NAME` stores gold records as that
    reviewer's decisions instead (see its --help).
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"db": db}
        return
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


@review.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--reviewer", required=True, metavar="NAME", help="The existing account the decisions are stored as.")
@db_option
@click.pass_context
def review_import(ctx: click.Context, folder: Path, reviewer: str, db: str | None) -> None:
    """Store the records in FOLDER (SCHEMA.md, one JSON per document) as NAME's decisions.

    Each record is matched to a stored document by content hash (its
    _document.sha256, as `minutes export --format json` writes it) or by file
    name (its "source", else the JSON file's name), and stored as if NAME had
    typed it in the review page: suggestions it holds are accepted (edited
    where it holds other attribute values), values nobody suggested are added,
    suggestions it leaves out are rejected, and the document is marked
    reviewed. Importing again stores nothing new. Records of documents not in
    the database are listed; a malformed record stops the import with nothing
    stored. Then `minutes train --from-reviews` learns from them.

    \b
    Example:
      minutes review import corrected/ --reviewer lan
    """
    from pipeline.review_import import MalformedRecord, import_records
    from pipeline.store import open_store
    from pipeline.store import review as rv

    db = db or (ctx.obj or {}).get("db")
    with open_store(db)() as session:
        try:
            report = import_records(session, folder, reviewer)
        except MalformedRecord as err:
            session.rollback()
            raise click.ClickException("malformed records, nothing imported:\n  " + "\n  ".join(err.problems)) from None
        except rv.ReviewError as err:
            session.rollback()
            raise click.ClickException(err.message) from None
        session.commit()
    acts = ", ".join(f"{n} {a}" for a, n in sorted(report.actions.items())) or "nothing new"
    click.echo(f"{report.documents} records matched stored documents; {report.changed} changed ({acts}).")
    if report.unknown:
        click.echo(f"{len(report.unknown)} records not imported (no such document in the database):", err=True)
        for name, why in report.unknown:
            click.echo(f"  {name}: {why}", err=True)


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


def _activation(active: bool, doc: str, said: str) -> click.Command:
    """``minutes user disable NAME`` / ``enable NAME``."""

    @click.argument("name")
    @db_option
    def command(name: str, db: str | None) -> None:
        from pipeline.store import open_store
        from pipeline.store import review as rv

        with open_store(db)() as session:
            u = rv.user_by_name(session, name)
            if u is None:
                raise click.ClickException(f"Không có tài khoản {name!r}.")
            rv.set_active(session, u, active)
            session.commit()
        click.echo(said.format(name=name), err=True)

    command.__doc__ = doc
    return user.command("enable" if active else "disable")(command)


user_disable = _activation(False, "Disable NAME: its sessions end at once, it cannot log in; its decisions and "
                                  "history stay.",
                           "Đã khoá tài khoản {name}; các phiên đăng nhập của nó đã kết thúc.")
user_enable = _activation(True, "Enable NAME again (it logs in anew).", "Đã mở lại tài khoản {name}.")


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
