"""minutes watch ROOT and minutes serve: the commands staff never run, but an operator starts once."""

from __future__ import annotations

import logging
import os
import sys

import click

from pipeline.commands import db_option

DEFAULT_CRON = "0 2 * * *"


def _logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    logger = logging.getLogger("minutes")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.propagate = False


def _max_bytes(max_mb: float | None) -> int | None:
    return int(max_mb * 1024 * 1024) if max_mb else None


settle_option = click.option(
    "--settle", type=float, default=None, envvar="MINUTES_WATCH_SETTLE", show_envvar=True,
    help="Seconds a file's size and modification time must stay unchanged before it is read [default: 2].")
burst_option = click.option(
    "--burst", type=int, default=None, envvar="MINUTES_WATCH_BURST", show_envvar=True,
    help="At most this many ready files per ingest flow run [default: 32].")
max_mb_option = click.option(
    "--max-mb", type=float, default=None, help="Fail files larger than this [default: $MINUTES_MAX_MB or 100].")


@click.command()
@click.argument("root", type=click.Path(file_okay=False))
@db_option
@settle_option
@burst_option
@click.option("--workers", type=int, default=None, envvar="MINUTES_WATCH_WORKERS", show_envvar=True,
              help="Worker processes per burst [default: 1: files arrive a few at a time and the models stay "
                   "loaded in this process; more pays off only for large bursts].")
@max_mb_option
@click.option("--once", is_flag=True, help="Process what is waiting in inbox/, then exit (no watching).")
@click.option("--verbose", "-v", is_flag=True, help="Debug logging.")
def watch(root: str, db: str | None, settle: float | None, burst: int | None, workers: int | None,
          max_mb: float | None, once: bool, verbose: bool) -> None:
    """Watch ROOT/inbox/ and process each file dropped there (and in its subfolders).

    A file is read once its size and time stop changing (--settle seconds;
    Office lock files ~$*, *.tmp, *.part and .~lock.* are ignored), goes
    through the Prefect ingest flow, and is moved to ROOT/done/ on success or
    to ROOT/failed/ with NAME.error.txt saying why. The same content dropped
    again is recorded once and its copy moved to done/ as a duplicate. Files
    already waiting are processed at start; SIGINT/SIGTERM stops cleanly (an
    unfinished file stays in inbox/ for the next start). One log line per file.

    \b
    Example:
      minutes watch /srv/minutes --db sqlite:////srv/minutes/minutes.db
      cp report.docx /srv/minutes/inbox/
    """
    from pipeline.config import prepare_prefect
    from pipeline.store import database_url
    from pipeline.watch.watcher import AlreadyWatched, WatchSettings, run_watcher

    kwargs = {k: v for k, v in {"settle": settle, "burst": burst, "workers": workers}.items() if v is not None}
    try:
        settings = WatchSettings(root=root, db_url=database_url(db), limit_bytes=_max_bytes(max_mb), **kwargs)
    except ValueError as err:
        raise click.BadParameter(str(err)) from None
    _logging(verbose)
    _use_background_server()
    prepare_prefect()
    try:
        run_watcher(settings, once=once)
    except AlreadyWatched as err:
        click.echo(str(err), err=True)
        sys.exit(1)


@click.command()
@db_option
@click.option("--archive", "archive", multiple=True, type=click.Path(file_okay=False),
              help="Folder the scheduled batch ingests (repeatable) [default: $MINUTES_ARCHIVE, paths separated by ':'].")
@click.option("--cron", default=None, envvar="MINUTES_SERVE_CRON", show_envvar=True,
              help=f"When the batch runs, a cron expression [default: '{DEFAULT_CRON}', nightly at 02:00].")
@click.option("--timezone", "tz", default=None, envvar="MINUTES_SERVE_TIMEZONE", show_envvar=True,
              help="Time zone of --cron [default: Asia/Ho_Chi_Minh].")
@click.option("--watch", "watch_root", default=None, envvar="MINUTES_WATCH_ROOT", show_envvar=True,
              type=click.Path(file_okay=False), help="Also run the watcher on this ROOT (its inbox/).")
@click.option("--workers", type=int, default=None,
              help="Worker processes of a batch run [default: $MINUTES_WORKERS or the number of cores].")
@click.option("--retrain-cron", default=None, envvar="MINUTES_RETRAIN_CRON", show_envvar=True,
              help="Also retrain the model on the reviewed documents on this cron schedule, then re-extract "
                   "(off by default), e.g. '0 3 * * 0'.")
@settle_option
@max_mb_option
@click.option("--prefect-port", type=int, default=4200, show_default=True,
              help="Without PREFECT_API_URL: the port of the local Prefect server (and UI), if serve has to "
                   "start it (a free one if taken).")
@click.option("--verbose", "-v", is_flag=True, help="Debug logging.")
def serve(db: str | None, archive: tuple[str, ...], cron: str | None, tz: str | None, watch_root: str | None,
          workers: int | None, retrain_cron: str | None, settle: float | None, max_mb: float | None,
          prefect_port: int, verbose: bool) -> None:
    """Run the scheduled batch and the watcher as Prefect deployments, in one long-lived process.

    Deployments: "minutes-ingest/nightly" ingests the --archive folders on
    the --cron schedule (a re-run after a crash adds no duplicates: documents
    are keyed by content); "minutes-watch/inbox" runs the watcher on --watch
    ROOT and is restarted if it stops; "minutes-train/retrain" (only with
    --retrain-cron) retrains the model on the reviewed documents and
    re-extracts the stored ones. Runs, schedules and each batch's
    summary artifact are visible in the Prefect UI: the server at
    PREFECT_API_URL, or else the background server every minutes command
    shares (see `minutes server --help`; started on --prefect-port if it
    is not running yet; it stays up while serve runs).

    \b
    Example:
      prefect server start &                       # the UI on http://127.0.0.1:4200
      export PREFECT_API_URL=http://127.0.0.1:4200/api
      minutes serve --archive /srv/archive --watch /srv/minutes --cron "0 2 * * *"
    """
    from pipeline.config import prepare_prefect
    from pipeline.store import database_url

    folders = list(archive) or [p for p in os.environ.get("MINUTES_ARCHIVE", "").split(os.pathsep) if p]
    if not folders and not watch_root and not retrain_cron:
        raise click.UsageError("Nothing to serve: give --archive DIR (the scheduled batch), --watch ROOT "
                               "and/or --retrain-cron CRON.")
    for f in folders:
        if not os.path.isdir(f):
            raise click.BadParameter(f"{f} is not a folder", param_hint="--archive")
    _logging(verbose)
    url = database_url(db)
    # flow runs are subprocesses of this one: they read the URL from the environment,
    # so a password never ends up in the deployment's parameters (shown in the UI)
    os.environ["MINUTES_DATABASE_URL"] = url
    if settle is not None:
        os.environ["MINUTES_WATCH_SETTLE"] = str(settle)
    server = None
    # before Prefect is imported: every process (this one, the flow runs) then uses this one server
    if _use_background_server(prefect_port) is None and not os.environ.get("PREFECT_API_URL"):
        # MINUTES_SERVER=off: a Prefect server of serve's own, stopped with it
        prepare_prefect()
        from pipeline.config import state_dir
        from pipeline.server.prefect import LocalPrefectServer

        server = LocalPrefectServer(prefect_port, log=state_dir() / "prefect-server.log")
        logging.getLogger("minutes.serve").info("no PREFECT_API_URL: starting a local Prefect server on %s …",
                                                server.ui_url)
        try:
            os.environ["PREFECT_API_URL"] = server.start()
        except RuntimeError as err:
            raise click.ClickException(f"{err}; or set PREFECT_API_URL to a running Prefect server") from None
        logging.getLogger("minutes.serve").info("Prefect UI on %s", server.ui_url)
    prepare_prefect()
    try:
        _serve(folders, watch_root, cron, tz, workers, max_mb, retrain_cron)
    finally:
        if server is not None:
            server.stop()


def _use_background_server(port: int | None = None) -> dict | None:
    """The background Prefect server (started if needed, held while this command runs), unless
    PREFECT_API_URL is set or MINUTES_SERVER=off."""
    from pipeline import server

    say = logging.getLogger("minutes.server").info
    try:
        cur = server.connect(say=say, port=port)
    except server.ServerError as err:
        raise click.ClickException(f"{err}; or set PREFECT_API_URL to a running Prefect server") from None
    if cur is not None:
        say("Prefect UI on %s (the background server; `minutes server status`)", cur["ui_url"])
    return cur


def _serve(folders, watch_root, cron, tz, workers, max_mb, retrain_cron=None) -> None:
    from flows.deployments import serve_all

    serve_all(archive=[os.path.abspath(f) for f in folders], watch_root=os.path.abspath(watch_root) if watch_root else None,
              cron=cron or DEFAULT_CRON, timezone=tz or "Asia/Ho_Chi_Minh", workers=workers,
              limit_bytes=_max_bytes(max_mb), retrain_cron=retrain_cron)
