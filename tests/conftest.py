"""Shared fixtures. Real parts only: real files, a real SQLite file, a real PostgreSQL server
(MINUTES_TEST_PG_URL, started by ./run.sh test), the real ../shared documents read in place."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("MINUTES_STATE_DIR", str(ROOT / "output" / "state-tests"))
# Commands run by tests keep to their own process (Prefect's temporary server), as CI starts with no
# background processes; tests/test_server.py starts the background server on purpose, and stops it.
os.environ.setdefault("MINUTES_SERVER", "off")


def _shared() -> Path:
    from pipeline.evaluate import shared_dir

    return shared_dir()


@pytest.fixture(scope="session")
def shared() -> Path:
    """../shared (or $MINUTES_SHARED); tests that read the real documents skip without it."""
    d = _shared()
    if not (d / "eval" / "dev" / "docs").is_dir():
        pytest.skip(f"the shared documents are not at {d} (set MINUTES_SHARED to run tests on real documents)")
    return d


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'minutes.db'}"


@pytest.fixture
def pg_url() -> str:
    """A fresh database on the test PostgreSQL server (skips when none is configured)."""
    base = os.environ.get("MINUTES_TEST_PG_URL")
    if not base:
        pytest.skip("no PostgreSQL server: MINUTES_TEST_PG_URL is not set (./run.sh test starts one)")
    from sqlalchemy import create_engine, text

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + "/" + name
    yield url
    from pipeline.store.db import open_store

    open_store.cache_clear()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path: Path) -> str:
    """Runs a database test against both SQLite and PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'minutes.db'}"
    return request.getfixturevalue("pg_url")
