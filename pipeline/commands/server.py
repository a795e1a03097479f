"""minutes server start|stop|status: the background Prefect server (and warm runner) commands share."""

from __future__ import annotations

import json
import sys
import time

import click


@click.group()
def server() -> None:
    """The local Prefect server that runs in the background.

    The first command that needs Prefect (ingest, watch, serve, eval) starts
    it when PREFECT_API_URL is not set: a Prefect server (API and UI) on a
    free port of 127.0.0.1, its database in $MINUTES_STATE_DIR/prefect, and a
    runner that keeps the pipeline loaded in warm worker processes, so that
    later commands answer in seconds. It stops by itself after
    $MINUTES_SERVER_IDLE minutes (default 30) without a command, and with
    `minutes server stop`. MINUTES_SERVER=off: no background server.

    \b
    Example:
      minutes server status        # where it is, and the Prefect UI's address
      minutes server stop
    """


@server.command()
@click.option("--idle", type=float, default=None,
              help="Minutes without a command before it stops (0: never) [default: $MINUTES_SERVER_IDLE or 30].")
@click.option("--port", type=int, default=None, help="The Prefect server's port [default: $MINUTES_SERVER_PORT or a free one].")
def start(idle: float | None, port: int | None) -> None:
    """Start the background server now (if it is not running) and print its addresses."""
    from pipeline import server as srv

    try:
        cur = srv.ensure(port=port, idle=idle, say=lambda m: click.echo(m, err=True))
    except srv.ServerError as err:
        raise click.ClickException(str(err)) from None
    pong = srv.runner_ready(srv.Files())
    runner = ("" if pong else "; no runner (MINUTES_SERVER_WORKERS=0)" if cur.get("runner") == "off"
              else "; the runner is not ready (see its log)")
    click.echo(f"running (pid {cur['pid']}): Prefect UI {cur['ui_url']}, API {cur['api_url']}{runner}")


@server.command()
def stop() -> None:
    """Stop the background server (the Prefect server, the runner and its workers)."""
    from pipeline import server as srv

    files = srv.Files()
    busy = srv.supervisor_pid(files) is not None and srv.in_use(files)
    pid = srv.stop(files)
    if pid is None:
        click.echo("not running")
        return
    click.echo(f"stopped (pid {pid})" + ("; a running command (watch, serve or ingest) was using it" if busy else ""))


@server.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def status(as_json: bool) -> None:
    """Where the background server is: its pid, the Prefect UI's address, its files. Exit 3 when it is not running."""
    from pipeline import server as srv

    st = srv.status()
    if as_json:
        click.echo(json.dumps(st, indent=1))
        sys.exit(0 if st["running"] else 3)
    if st.get("prefect_api_url_env"):
        click.echo(f"PREFECT_API_URL is set: commands use {st['prefect_api_url_env']} "
                   f"({'answering' if st['prefect_api_url_env_healthy'] else 'not answering'}), not this server.")
    if not st["running"]:
        click.echo("not running" + (f" (a stale pid file named pid {st['stale_pid']})" if st.get("stale_pid") else "")
                   + f"; the next command that needs it starts it (state in {st['state_dir']})")
        sys.exit(3)
    idle = st.get("idle_minutes") or 0
    since = time.strftime("%Y-%m-%d %H:%M", time.localtime(st["started_at"])) if st.get("started_at") else "?"
    last = st.get("last_used")
    lines = [
        f"running (pid {st['pid']}) since {since}; Prefect server {'answering' if st.get('healthy') else 'NOT answering'}",
        f"  Prefect UI   {st.get('ui_url')}",
        f"  API          {st.get('api_url')}",
        "  runner       " + ("off (MINUTES_SERVER_WORKERS=0)" if st.get("runner") == "off" else
                            f"ready, {st.get('runner_workers')} warm worker(s)" if st.get("runner_ready") else
                            f"not ready ({st.get('runner')})"),
        "  in use       " + ("yes (a command is running)" if st.get("in_use") else
                            "no" + (f", last used {time.strftime('%H:%M:%S', time.localtime(last))}" if last else "")),
        "  idle stop    " + (f"after {idle:g} minutes without a command" if idle else "never"),
        f"  files        {st['state_dir']}",
    ]
    lines += [f"  log          {p}" for p in st["logs"].values()]
    click.echo("\n".join(lines))
