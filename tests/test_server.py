"""The background server (``pipeline.server``), as users meet it: real ``minutes`` subprocesses, a real
Prefect server, the runner and its worker processes, real SQLite files. Start, reuse, concurrent
start, a stale pid file, a dead server restarted, the idle stop and ``minutes server stop``. Every
test stops the servers it started (the fixture below), so no process outlives the test."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_watch_harness import documents, vietnamese_report, wait_for

PY = sys.executable

pytestmark = pytest.mark.slow


def minutes(args: list[str], env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "pipeline.cli", *args], env=env, capture_output=True, text=True, timeout=timeout)


def status(env: dict) -> dict:
    r = minutes(["server", "status", "--json"], env, timeout=60)
    assert r.returncode in (0, 3), r.stderr
    return json.loads(r.stdout)


def alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


_TEMPLATE: dict = {}


@pytest.fixture
def server_env(tmp_path):
    """An environment whose commands use a background server of their own (state in tmp_path), with one
    warm worker; whatever server it started is stopped at the end (and any process left is killed)."""
    state = tmp_path / "state"
    env = {**os.environ, "MINUTES_STATE_DIR": str(state), "PREFECT_HOME": str(state / "prefect"),
           "MINUTES_SERVER": "auto", "MINUTES_WORKERS": "1", "PYTHONUNBUFFERED": "1"}
    for k in ("PREFECT_API_URL", "MINUTES_DATABASE_URL", "MINUTES_SERVER_IDLE", "MINUTES_SERVER_WORKERS"):
        env.pop(k, None)
    if _TEMPLATE.get("db"):  # Prefect's database, migrated by the first test: later servers start sooner
        (state / "prefect").mkdir(parents=True)
        shutil.copy(_TEMPLATE["db"], state / "prefect" / "prefect.db")
    yield env
    pids = []
    info = state / "server" / "server.json"
    if info.exists():
        data = json.loads(info.read_text())
        pids = [data.get("pid"), data.get("prefect_pid"), data.get("runner_pid")]
    minutes(["server", "stop"], env, timeout=120)
    for pid in pids:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    db = state / "prefect" / "prefect.db"
    if not _TEMPLATE.get("db") and db.exists():
        keep = Path(os.environ.get("MINUTES_STATE_DIR", "output/state-tests")) / "prefect-template.db"
        keep.parent.mkdir(parents=True, exist_ok=True)
        a, b = sqlite3.connect(db), sqlite3.connect(keep)
        try:
            a.backup(b)
        finally:
            a.close()
            b.close()
        _TEMPLATE["db"] = keep


def test_start_reuse_status_and_stop(server_env, tmp_path):
    """The first ingest starts the server, the next ones reuse it (its runner and workers); an unchanged
    file is recognised without being read; `minutes server stop` stops every process of it."""
    env = server_env
    db = f"sqlite:///{tmp_path / 'm.db'}"
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(3):
        (docs / f"bao_cao_{i}.txt").write_text(vietnamese_report(i, seed=5), encoding="utf-8")
    os.utime(docs / "bao_cao_0.txt", (time.time() - 60, time.time() - 60))
    assert status(env)["running"] is False

    r = minutes(["ingest", str(docs / "bao_cao_0.txt"), "--db", db, "--json", str(tmp_path / "s1.json")], env)
    assert r.returncode == 0, r.stderr
    assert "starting the local Prefect server" in r.stderr
    first = status(env)
    assert first["running"] and first["healthy"] and first["runner_ready"], first
    assert Path(first["state_dir"], "prefect-server.pid").read_text().strip() == str(first["pid"])
    assert Path(first["state_dir"], "prefect-server.port").read_text().strip() == str(first["port"])
    assert first["ui_url"] == f"http://127.0.0.1:{first['port']}"

    r = minutes(["ingest", str(docs), "--db", db, "--json", str(tmp_path / "s2.json")], env)
    assert r.returncode == 0, r.stderr
    assert "starting" not in r.stderr
    again = status(env)
    assert (again["pid"], again["port"], again["prefect_pid"], again["runner_pid"]) == \
        (first["pid"], first["port"], first["prefect_pid"], first["runner_pid"])
    s2 = json.loads((tmp_path / "s2.json").read_text())
    assert s2["status"] == {"done": 2, "unchanged": 1}, s2
    # the unchanged file was recognised by its path, size and time: not even opened
    skipped = [o for o in s2["outcomes"] if o["status"] == "unchanged"]
    assert skipped[0]["path"].endswith("bao_cao_0.txt")
    assert len(documents(db)) == 3
    runs = (tmp_path / "state" / "server" / "runner.log").read_text()
    assert runs.count("ingest of ") == 2, runs  # both runs in the same warm runner

    text = minutes(["server", "status"], env, timeout=60)
    assert text.returncode == 0 and f"Prefect UI   http://127.0.0.1:{first['port']}" in text.stdout

    r = minutes(["server", "stop"], env, timeout=120)
    assert r.returncode == 0 and f"stopped (pid {first['pid']})" in r.stdout, r.stdout + r.stderr
    wait_for(lambda: not any(alive(p) for p in (first["pid"], first["prefect_pid"], first["runner_pid"])), 30,
             "every process of the server to exit")
    after = status(env)
    assert after["running"] is False and not Path(first["state_dir"], "prefect-server.pid").exists()
    assert minutes(["server", "status"], env, timeout=60).returncode == 3


def test_concurrent_commands_start_one_server(server_env):
    env = {**server_env, "MINUTES_SERVER_WORKERS": "0"}  # the Prefect server only: what the lock is about
    procs = [subprocess.Popen([PY, "-m", "pipeline.cli", "server", "start"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    st = status(env)
    assert all(f"running (pid {st['pid']})" in out for out, _ in outs), outs
    assert sum("starting the local Prefect server" in err for _, err in outs) == 1, outs
    supervisors = [pid for pid in os.listdir("/proc") if pid.isdigit() and alive(int(pid))
                   and "pipeline.server.supervisor" in _cmdline(int(pid)) and env["MINUTES_STATE_DIR"] in _cmdline(int(pid))]
    assert supervisors == [str(st["pid"])]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_a_stale_pid_file_and_a_dead_server(server_env):
    """A pid file naming another program is stale; a Prefect server that dies is started again on its port
    by the supervisor; a supervisor killed outright leaves a stale pid file, and the next command starts
    a new server."""
    env = {**server_env, "MINUTES_SERVER_WORKERS": "0"}
    folder = Path(env["MINUTES_STATE_DIR"]) / "server"
    folder.mkdir(parents=True)
    other = subprocess.Popen([PY, "-c", "import time; time.sleep(600)"])  # a live process that is not ours
    try:
        (folder / "prefect-server.pid").write_text(f"{other.pid}\n")
        st = status(env)
        assert st["running"] is False and st["stale_pid"] == other.pid
        r = minutes(["server", "start"], env)
        assert r.returncode == 0 and "stale" in r.stderr, r.stderr
        assert alive(other.pid)  # never signalled
    finally:
        other.kill()
        other.wait()
    st = status(env)
    assert st["running"] and st["pid"] != other.pid

    os.kill(st["prefect_pid"], signal.SIGKILL)  # the Prefect server dies
    wait_for(lambda: (s := status(env)).get("healthy") and s["prefect_pid"] != st["prefect_pid"] and s, 120,
             "the supervisor to start the Prefect server again", interval=1)
    restarted = status(env)
    assert restarted["pid"] == st["pid"] and restarted["port"] == st["port"]

    os.kill(restarted["pid"], signal.SIGKILL)  # the supervisor dies: its Prefect server goes with it
    wait_for(lambda: not alive(restarted["prefect_pid"]), 60, "the Prefect server to follow its supervisor")
    assert status(env).get("stale_pid") == restarted["pid"]
    r = minutes(["server", "start"], env)
    assert r.returncode == 0, r.stderr
    assert status(env)["pid"] not in (restarted["pid"], None)


def test_idle_stop_waits_for_running_commands(server_env):
    env = {**server_env, "MINUTES_SERVER_WORKERS": "0", "MINUTES_SERVER_IDLE": "0.05"}  # 3 seconds
    folder = Path(env["MINUTES_STATE_DIR"]) / "server"
    folder.mkdir(parents=True)
    # a command holding the server (what ingest, watch and serve do while they run): it stays up
    fd = os.open(folder / "users.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        assert minutes(["server", "start"], env).returncode == 0
        st = status(env)
        assert st["idle_minutes"] == 0.05
        time.sleep(8)
        assert alive(st["pid"]) and status(env)["in_use"] is True
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    t = time.monotonic()
    wait_for(lambda: not alive(st["pid"]) and not alive(st["prefect_pid"]), 60, "the idle server to stop")
    assert time.monotonic() - t >= 2  # not before its idle time
    assert status(env)["running"] is False
    assert "no command for" in (Path(st["state_dir"]) / "supervisor.log").read_text()


def test_watch_uses_the_same_server(server_env, tmp_path):
    """`minutes watch` finds the running server and reports its flow runs to it (`minutes serve` finds it
    through the same function, ``pipeline.watch.cli._use_background_server``)."""
    import urllib.request

    from test_watch_harness import files

    env = {**server_env, "MINUTES_SERVER_WORKERS": "0"}
    assert minutes(["server", "start"], env).returncode == 0
    st = status(env)
    db = f"sqlite:///{tmp_path / 'm.db'}"
    root = tmp_path / "root"
    (root / "inbox").mkdir(parents=True)
    (root / "inbox" / "mot.txt").write_text(vietnamese_report(1, seed=21), encoding="utf-8")
    r = minutes(["watch", str(root), "--db", db, "--settle", "0.5", "--once"], env)
    assert r.returncode == 0, r.stderr
    assert files(root / "done") == ["mot.txt"]
    assert f"Prefect UI on {st['ui_url']}" in r.stderr and "starting the local" not in r.stderr
    assert status(env)["pid"] == st["pid"]
    req = urllib.request.Request(st["api_url"] + "/flow_runs/filter", data=b"{}", method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert len(json.loads(resp.read())) >= 1  # the watcher's burst, in this server
