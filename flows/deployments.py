"""The deployments ``minutes serve`` runs in one long-lived process (Prefect's ``serve``).

Orchestration only; the work is in ``flows.ingest`` and ``pipeline.watch``.

* ``minutes-ingest/nightly``: the ingest flow over the archive folders on a
  cron schedule. At most one run at a time (``concurrency_limit=1``); each
  run publishes its summary as a markdown artifact; a run killed halfway is
  simply run again: documents are keyed by content, so nothing doubles.
* ``minutes-watch/inbox``: the watcher as a long-running flow run (each burst
  of files is a child ``minutes-ingest`` run). ``serve_all`` starts it and
  starts it again if it ends, so staff's inbox is always watched.
* ``minutes-train/retrain`` (only with a ``retrain_cron``; off by default):
  retrain the model on the reviewed documents (``pipeline.retrain``), then
  re-extract the stored documents; reviewing goes on meanwhile.

The deployments use module entrypoints (``flows.ingest.ingest_flow``), so
the same deployments run on a Prefect work pool on any machine where the
project is installed (see docs/operations.md). The database URL is not a
parameter (parameters are shown in the UI): flow runs read
``MINUTES_DATABASE_URL`` from their environment.
"""

from __future__ import annotations

import logging
import threading

from pipeline.config import prepare_prefect

prepare_prefect()

from prefect import flow, serve  # noqa: E402
from prefect.schedules import Cron  # noqa: E402
from prefect.types.entrypoint import EntrypointType  # noqa: E402

from flows.ingest import ingest_flow  # noqa: E402

log = logging.getLogger("minutes.serve")

NIGHTLY = "nightly"
WATCH = "inbox"
WATCH_FLOW = "minutes-watch"
RETRAIN = "retrain"


@flow(name="minutes-train", log_prints=True)
def retrain_flow() -> dict:
    """Retrain on the reviewed documents of $MINUTES_DATABASE_URL (and $MINUTES_RETRAIN_GOLD), then re-extract."""
    from pipeline.retrain import RetrainError, retrain_gold, train_from_reviews

    try:
        res = train_from_reviews(None, retrain_gold(), trigger="schedule", keep_richer=True)
    except RetrainError as err:
        print(f"no retraining: {err.message}")
        return {"skipped": err.message}
    for m in res.messages:
        print(m)
    return {"model": res.model_hash, "documents": res.documents, "make_up": res.make_up,
            "reextracted": res.reextracted}


@flow(name=WATCH_FLOW, log_prints=True)
def watch_flow(root: str, db_url: str | None = None, settle: float | None = None, burst: int | None = None,
               workers: int | None = None, limit_bytes: int | None = None) -> dict:
    """Watch ROOT/inbox/ until stopped (SIGTERM from the runner, or a cancel in the UI); returns the counts."""
    from pipeline.watch.watcher import WatchSettings, run_watcher

    _forward_logs()
    kwargs = {k: v for k, v in {"settle": settle, "burst": burst, "workers": workers}.items() if v is not None}
    return run_watcher(WatchSettings(root=root, db_url=db_url, limit_bytes=limit_bytes, **kwargs))


def _forward_logs() -> None:
    """The watcher's one line per file to stderr and to the flow run's logs in the UI."""
    logger = logging.getLogger("minutes")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    if not any(isinstance(h, logging.StreamHandler) for h in logger.handlers):
        h = logging.StreamHandler()
        h.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
        logger.addHandler(h)
    try:
        from prefect.logging.handlers import APILogHandler

        if not any(isinstance(h, APILogHandler) for h in logger.handlers):
            logger.addHandler(APILogHandler())
    except Exception:  # noqa: BLE001 - logs in the UI are a nicety
        pass


def build_deployments(archive: list[str], watch_root: str | None, cron: str, timezone: str = "Asia/Ho_Chi_Minh",
                      workers: int | None = None, limit_bytes: int | None = None,
                      retrain_cron: str | None = None) -> list:
    out = []
    if archive:
        params = {"paths": list(archive)}
        if workers:
            params["workers"] = workers
        if limit_bytes:
            params["limit_bytes"] = limit_bytes
        out.append(ingest_flow.to_deployment(
            name=NIGHTLY, schedules=[Cron(cron, timezone=timezone)], parameters=params, concurrency_limit=1,
            description="Ingest the archive folders (scheduled batch). Re-running adds no duplicates.",
            tags=["minutes", "batch"], entrypoint_type=EntrypointType.MODULE_PATH))
    if watch_root:
        params = {"root": watch_root}
        if limit_bytes:
            params["limit_bytes"] = limit_bytes
        out.append(watch_flow.to_deployment(
            name=WATCH, parameters=params,
            description="Watch ROOT/inbox/ and ingest each file dropped there (started and kept running by serve).",
            tags=["minutes", "watch"], entrypoint_type=EntrypointType.MODULE_PATH))
    if retrain_cron:
        out.append(retrain_flow.to_deployment(
            name=RETRAIN, schedules=[Cron(retrain_cron, timezone=timezone)], concurrency_limit=1,
            description="Retrain the model on the reviewed documents, then re-extract the stored documents.",
            tags=["minutes", "train"], entrypoint_type=EntrypointType.MODULE_PATH))
    return out


ACTIVE = ["SCHEDULED", "PENDING", "RUNNING", "PAUSED", "CANCELLING"]


def cancel_leftovers(name: str = f"{WATCH_FLOW}/{WATCH}") -> int:
    """Cancel the watcher runs an earlier serve left active (it died without cleaning up).

    Called before this serve starts its runner, so none of them is picked up:
    this process is the only one serving the watcher deployment. Returns how
    many were cancelled.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (DeploymentFilter, DeploymentFilterId, FlowRunFilter,
                                                FlowRunFilterState, FlowRunFilterStateType)
    from prefect.client.schemas.objects import StateType
    from prefect.exceptions import ObjectNotFound
    from prefect.states import Cancelled

    with get_client(sync_client=True) as client:
        try:
            dep = client.read_deployment_by_name(name)
        except ObjectNotFound:
            return 0
        stale = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[dep.id])),
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(
                type=FlowRunFilterStateType(any_=[StateType(s) for s in ACTIVE]))))
        for fr in stale:
            client.set_flow_run_state(fr.id, Cancelled(message="left over by an earlier serve"), force=True)
            log.info("cancelled watcher run %s, left over by an earlier serve", fr.name)
        return len(stale)


def keep_watching(stop: threading.Event, parameters: dict, name: str = f"{WATCH_FLOW}/{WATCH}",
                  period: float = 15.0) -> None:
    """Keep one run of the watcher deployment going while ``serve`` runs.

    A new run is created at start and whenever ours has failed or crashed,
    backing off while it keeps failing. A run that ended on purpose (SIGTERM
    at shutdown, a cancel in the UI) is left ended. Runs are created with
    this serve's ``parameters``: the deployment read from the API may still be
    the one an earlier serve registered (another ROOT) until the runner has
    applied ours.
    """
    from prefect.client.orchestration import get_client

    ours = None
    failures = 0
    delay = 0.0
    while not stop.wait(delay):
        delay = period
        try:
            with get_client(sync_client=True) as client:
                dep = client.read_deployment_by_name(name)
                if ours is not None:
                    state = client.read_flow_run(ours).state
                    if state is None or not state.is_final():
                        continue
                    if not (state.is_failed() or state.is_crashed()):
                        # stopped on purpose (a signal, a cancel in the UI): leave it stopped
                        log.info("the watcher run ended (%s); run minutes-watch/%s again to restart it",
                                 state.name, WATCH)
                        return
                    failures += 1
                    wait = min(600.0, period * 2 ** min(failures, 6))
                    log.warning("the watcher run ended (%s); starting it again in %.0f s", state.name, wait)
                    if stop.wait(wait):
                        return
                run = client.create_flow_run_from_deployment(dep.id, parameters=parameters, tags=["watch"])
                ours = run.id
                log.info("watcher run %s started", run.name)
        except Exception as err:  # noqa: BLE001 - the API may not be up yet, the deployment not yet registered
            log.debug("watcher supervisor: %s", err)
            delay = 2.0 if ours is None else period


def serve_all(archive: list[str], watch_root: str | None, cron: str, timezone: str = "Asia/Ho_Chi_Minh",
              workers: int | None = None, limit_bytes: int | None = None, retrain_cron: str | None = None) -> None:
    """Serve the deployments until SIGINT/SIGTERM (the runner stops its flow runs on the way out)."""
    deployments = build_deployments(archive, watch_root, cron, timezone, workers, limit_bytes, retrain_cron)
    stop = threading.Event()
    for d in deployments:
        if d.name == WATCH:
            try:
                cancel_leftovers()
            except Exception as err:  # noqa: BLE001 - never a reason not to serve
                log.warning("could not look for left-over watcher runs: %s", err)
            threading.Thread(target=keep_watching, args=(stop, dict(d.parameters)), name="keep-watching",
                             daemon=True).start()
    for d in deployments:
        log.info("serving %s/%s%s", d.flow_name, d.name,
                 f" on '{cron}' ({timezone})" if d.name == NIGHTLY
                 else f" on '{retrain_cron}' ({timezone})" if d.name == RETRAIN else "")
    try:
        serve(*deployments, print_starting_message=False)
    finally:
        stop.set()
