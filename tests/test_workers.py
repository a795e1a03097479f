"""Scale-out on Prefect's own machinery, for real: one `prefect server` (its database on the test
PostgreSQL server), a process work pool, two `prefect worker` processes, the ingest flow deployed
on the pool; a sweep of a folder becomes one flow run per batch, and the two workers share them:
every file processed exactly once, every document stored once in the shared PostgreSQL database.

Also the optional Dask task runner (prefect-dask, a LocalCluster) inside one flow run, with
results identical to the process pool's.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pipeline.store import Document, Item, SourceFile, open_store

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
POOL = "minutes-test"

TEXTS = [
    "Đảng ủy Khối Doanh nghiệp tỉnh tổ chức Hội nghị sơ kết ngày 14/5/2023. Toàn Đảng bộ có {n} cá nhân đăng ký nêu gương.",
    "Chi bộ số {n} tổ chức sinh hoạt chuyên đề theo Chỉ thị số 05-CT/TW ngày 15/5/2016 của Bộ Chính trị.",
    "Ban Chấp hành Đảng bộ tỉnh họp Hội nghị lần thứ {n}; đồng chí Nguyễn Văn An, Bí thư Tỉnh ủy chủ trì.",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _folder(tmp: Path, n: int) -> Path:
    d = tmp / "archive"
    (d / "2023").mkdir(parents=True)
    (d / "2024").mkdir()
    for i in range(n):
        sub = "2023" if i % 2 else "2024"
        (d / sub / f"bao_cao_{i:03d}.txt").write_text(TEXTS[i % 3].format(n=i + 2) + "\n", encoding="utf-8")
    return d


def _wait_http(url: str, timeout: float, proc: subprocess.Popen | None = None, log: Path | None = None) -> None:
    import httpx

    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the server exited ({proc.returncode}): {log.read_text()[-3000:] if log else ''}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise AssertionError(f"{url} not up after {timeout} s: {log.read_text()[-3000:] if log else ''}")


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _pg_database(pg_url: str, driver: str) -> str:
    """A fresh database for Prefect's server on the same PostgreSQL server, as a URL with ``driver``."""
    from sqlalchemy import create_engine, text

    name = f"prefect_{uuid.uuid4().hex[:10]}"
    admin = create_engine(os.environ["MINUTES_TEST_PG_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return pg_url.rsplit("/", 1)[0].replace("postgresql+psycopg", driver) + "/" + name


def _flow_runs(api: str, ids: set[str]) -> list[dict]:
    import httpx

    r = httpx.post(f"{api}/flow_runs/filter", json={"flow_runs": {"id": {"any_": sorted(ids)}}}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


_RUN_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def _executed(log: Path) -> set[str]:
    """Flow runs a worker submitted and the server did not refuse it."""
    text = log.read_text()
    submitted = set(re.findall(rf"submitting flow run '({_RUN_ID})'", text))
    aborted = set(re.findall(rf"Aborted submission of flow run '({_RUN_ID})'", text))
    return submitted - aborted


@pytest.mark.slow
@pytest.mark.postgres
def test_two_workers_split_a_folder(tmp_path, pg_url):
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ,
           "PREFECT_HOME": str(tmp_path / "prefect"),
           "PREFECT_API_URL": api,
           "PREFECT_API_DATABASE_CONNECTION_URL": _pg_database(pg_url, "postgresql+asyncpg"),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
           "PREFECT_LOGGING_LEVEL": "INFO",
           "PREFECT_WORKER_QUERY_SECONDS": "2", "PREFECT_WORKER_HEARTBEAT_SECONDS": "10",
           "MINUTES_DATABASE_URL": pg_url,
           "MINUTES_STATE_DIR": str(tmp_path / "state"),
           "PYTHONPATH": str(ROOT)}
    env.pop("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", None)
    folder = _folder(tmp_path, 24)
    procs: list[subprocess.Popen] = []
    logs = tmp_path / "logs"
    logs.mkdir()

    def start(name: str, *args: str) -> subprocess.Popen:
        fh = open(logs / f"{name}.log", "w")
        p = subprocess.Popen(list(args), cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, text=True)
        procs.append(p)
        return p

    def run(*args: str, timeout: float = 300) -> str:
        r = subprocess.run(list(args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
        assert r.returncode == 0, (args, r.stdout[-2000:], r.stderr[-3000:])
        return r.stdout

    try:
        server = start("server", str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port),
                       "--no-ui", "--analytics-off")
        _wait_http(f"{api}/health", 300, server, logs / "server.log")
        run(str(BIN / "prefect"), "work-pool", "create", POOL, "--type", "process")
        run(sys.executable, "-m", "flows.ingest", "deploy", "--pool", POOL, "--name", "test", "--workers", "1")
        for w in ("w1", "w2"):
            start(w, str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--limit", "1", "--name", w)
        # 24 files in batches of 6: four flow runs for two workers
        out = run(sys.executable, "-m", "flows.ingest", "sweep", str(folder), "--deployment", "minutes-ingest/test",
                  "--batch", "6")
        run_ids = set(re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", out))
        assert len(run_ids) == 4, out
        deadline = time.time() + 900
        while True:
            runs = _flow_runs(api, run_ids)
            states = {r["id"]: r["state_type"] for r in runs}
            bad = {k: v for k, v in states.items() if v in ("FAILED", "CRASHED", "CANCELLED")}
            assert not bad, (bad, *[(p.read_text()[-3000:]) for p in logs.glob("w*.log")])
            if len(states) == 4 and set(states.values()) == {"COMPLETED"}:
                break
            assert time.time() < deadline, (states, *[(p.read_text()[-2000:]) for p in logs.glob("*.log")])
            time.sleep(3)
        # each flow run had its own files; together, the folder
        batches = [r["parameters"]["paths"] for r in runs]
        every = [p for b in batches for p in b]
        files = sorted(str(p) for p in folder.rglob("*.txt"))
        assert sorted(every) == files and len(set(every)) == len(every)
        # both workers took flow runs
        # both workers took flow runs, each run exactly one worker: a worker may start to claim a
        # run another has just taken, and the server refuses it ("Aborted submission"), which is
        # the arbitration working, not a second execution
        took = {w: _executed(logs / f"{w}.log") & run_ids for w in ("w1", "w2")}
        assert took["w1"] and took["w2"] and not (took["w1"] & took["w2"]), took
    finally:
        _stop(procs)
    # the shared database: one document per file, each path once, processed once ("done" by one run)
    sessions = open_store(pg_url)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == len(files)
        assert {d.status for d in s.scalars(select(Document))} == {"done"}
        paths = list(s.scalars(select(SourceFile.path)))
        assert sorted(paths) == sorted(str(Path(f).resolve()) for f in files)
        assert s.execute(select(Item.document_id, Item.field, Item.key).where(Item.active.is_(True))
                         .group_by(Item.document_id, Item.field, Item.key).having(func.count() > 1)).all() == []
        assert all(d.created_at is not None for d in s.scalars(select(Document)))


@pytest.mark.slow
def test_task_runners_store_the_same_records(tmp_path):
    """ingest_flow with two workers on the forkserver pool (the default), on a Dask LocalCluster and on
    Prefect's process pool stores what one worker stores."""
    pytest.importorskip("prefect_dask")
    from flows.ingest import ingest_flow, worth_a_pool
    from pipeline.bench import records

    folder = _folder(tmp_path, 16)
    assert worth_a_pool([str(p) for p in folder.rglob("*.txt")], 2)
    runs = {"one": (1, None), "pool": (2, "pool"), "dask": (2, "dask"), "process": (2, "process")}
    got = {}
    for name, (workers, kind) in runs.items():
        url = f"sqlite:///{tmp_path / name}.db"
        summary = ingest_flow(paths=[str(folder)], db_url=url, workers=workers, runner=kind)
        assert summary["status"] == {"done": 16}, (name, summary)
        got[name] = records(url)
    assert len(got["one"]) == 16
    for name in ("pool", "dask", "process"):
        assert got[name] == got["one"], name
