"""Configuration: command-line options first, then environment variables, then defaults.

| variable | default | what |
| --- | --- | --- |
| MINUTES_DATABASE_URL | sqlite:///output/minutes.db | any SQLAlchemy URL (postgresql+psycopg://…) |
| MINUTES_STATE_DIR | output/state | Prefect's home (its own SQLite), review secrets |
| MINUTES_MAX_MB | 100 | files larger than this fail with a reason |
| MINUTES_WORKERS | the number of cores | parallel worker processes for ingest |
| MINUTES_SERVER | auto | off: no background Prefect server (see pipeline.server) |
| MINUTES_SERVER_IDLE | 30 | minutes without a command before the background server stops |
| MINUTES_SERVER_PORT | a free port | the background Prefect server's port |
| MINUTES_SERVER_WORKERS | MINUTES_WORKERS | warm workers of the background runner (0: no runner) |
"""

from __future__ import annotations

import os
from pathlib import Path


DEFAULT_DATABASE_URL = "sqlite:///output/minutes.db"


def database_url(url: str | None = None) -> str:
    """--db URL, else $MINUTES_DATABASE_URL, else the SQLite file output/minutes.db."""
    return url or os.environ.get("MINUTES_DATABASE_URL") or DEFAULT_DATABASE_URL


def absolute_database_url(url: str) -> str:
    """The URL with a relative SQLite path made absolute (for a process in another folder)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url.startswith(prefix + "/"):
        return url
    path, sep, query = url[len(prefix):].partition("?")
    if not path or path == ":memory:" or path.startswith("file:"):
        return url
    return prefix + os.path.abspath(path) + sep + query


def state_dir() -> Path:
    d = Path(os.environ.get("MINUTES_STATE_DIR", "output/state"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def max_bytes() -> int:
    return int(float(os.environ.get("MINUTES_MAX_MB", "100")) * 1024 * 1024)


def default_workers() -> int:
    env = os.environ.get("MINUTES_WORKERS")
    if env:
        return max(1, int(env))
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def prepare_prefect() -> None:
    """Keep Prefect's state inside the project's state folder and its console quiet.

    Must run before ``prefect`` is imported. A user's own PREFECT_* settings win.
    """
    os.environ.setdefault("PREFECT_HOME", str((state_dir() / "prefect").resolve()))
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # the temporary API server migrates its own SQLite on first start: give it time on a busy machine
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    if not os.environ.get("PREFECT_API_URL"):
        # A temporary server started by this process is the same Prefect version: skip the version
        # round trip each process (and each pool worker) makes, and the services nobody uses on a
        # server that lives for one command (automations, the event log). Measured here: the
        # server's start-up CPU drops by about a fifth; see `minutes bench`.
        os.environ.setdefault("PREFECT_CLIENT_SERVER_VERSION_CHECK_ENABLED", "false")
        for service in ("TRIGGERS", "EVENT_LOGGER"):
            os.environ.setdefault(f"PREFECT_SERVER_SERVICES_{service}_ENABLED", "false")
