"""``minutes serve`` as a real subprocess against a real Prefect server: the scheduled deployment is
registered with its cron, a triggered run ingests the archive folder and publishes its summary
artifact, and the watcher deployment is started and processes a dropped file."""

from __future__ import annotations

import signal
import time

import pytest

from test_watch_harness import (Proc, docx_bytes, documents, files, minutes_env, prefect_server,
                                vietnamese_report, wait_for)

CRON = "17 3 * * *"


@pytest.mark.slow
def test_serve_registers_the_schedule_and_a_triggered_run_ingests(tmp_path):
    api_url = prefect_server()
    archive, root, db = tmp_path / "archive", tmp_path / "root", f"sqlite:///{tmp_path / 'm.db'}"
    for i in range(5):
        (archive / ("sub" if i % 2 else "")).mkdir(parents=True, exist_ok=True)
        (archive / ("sub" if i % 2 else "") / f"luu_tru_{i}.txt").write_text(vietnamese_report(i, seed=11),
                                                                              encoding="utf-8")
    (archive / "hong.pdf").write_bytes(b"%PDF-1.4 truncated")
    env = minutes_env(tmp_path, api_url)
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    # an earlier serve, for another ROOT, died and left its deployment and a run behind
    old_root = tmp_path / "old_root"
    with temporary_settings({PREFECT_API_URL: api_url}):
        from flows.deployments import build_deployments

        (old,) = build_deployments([], str(old_root), CRON)
        old_id = old.apply()
        with get_client(sync_client=True) as c:
            leftover = c.create_flow_run_from_deployment(old_id).id
    s = Proc(["serve", "--db", db, "--archive", str(archive), "--watch", str(root), "--cron", CRON,
              "--workers", "1", "--settle", "1"], env, tmp_path, tmp_path / "serve.log")
    try:
        with temporary_settings({PREFECT_API_URL: api_url}):
            def deployment():
                with get_client(sync_client=True) as c:
                    try:
                        return c.read_deployment_by_name("minutes-ingest/nightly")
                    except Exception:  # noqa: BLE001 - not registered yet
                        return None

            dep = wait_for(deployment, 120, "the nightly deployment to be registered", interval=1, proc=s)
            assert [sch.schedule.cron for sch in dep.schedules] == [CRON]
            assert dep.schedules[0].active and dep.schedules[0].schedule.timezone == "Asia/Ho_Chi_Minh"
            assert dep.parameters["paths"] == [str(archive)] and "db_url" not in dep.parameters
            assert dep.entrypoint == "flows.ingest.ingest_flow"

            # the watcher deployment is started by serve and processes a dropped file
            (root / "inbox").mkdir(parents=True, exist_ok=True)
            (root / "inbox" / "nop.docx").write_bytes(docx_bytes(vietnamese_report(42, seed=11)))
            wait_for(lambda: files(root / "done") == ["nop.docx"], 180, "the watcher to move nop.docx to done/",
                     interval=1, proc=s)

            from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
            from prefect.deployments import run_deployment

            t0 = time.monotonic()
            run = run_deployment("minutes-ingest/nightly", timeout=240, poll_interval=2)
            assert run.state is not None and run.state.is_completed(), (run.state, s.tail())
            print(f"triggered run completed in {time.monotonic() - t0:.1f} s")
            with get_client(sync_client=True) as c:
                arts = c.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id])))
            assert arts and "Files: 6" in arts[0].data and "hong.pdf" in arts[0].data, arts

            # a second run (a batch killed halfway is simply run again) adds nothing
            again = run_deployment("minutes-ingest/nightly", timeout=240, poll_interval=2)
            assert again.state.is_completed()
        docs = documents(db)
        names = sorted(d[2] for d in docs)
        assert names == sorted([f"luu_tru_{i}.txt" for i in range(5)] + ["hong.pdf", "nop.docx"]), docs
        assert sorted(d[1] for d in docs).count("failed") == 1
        assert files(archive) == sorted(["hong.pdf", "luu_tru_0.txt", "luu_tru_2.txt", "luu_tru_4.txt",
                                         "sub/luu_tru_1.txt", "sub/luu_tru_3.txt"])  # the archive is left as it is
        s.signal(signal.SIGTERM)
        assert s.wait_exit(90) == 0, s.tail()
        # stopped on purpose: the watcher is not started again behind the operator's back
        from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

        with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as c:
            watch = c.read_deployment_by_name("minutes-watch/inbox")
            runs = c.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[watch.id])))
            left = c.read_flow_run(leftover)
        assert runs and all(r.state.is_final() for r in runs), [(r.name, r.state.name) for r in runs]
        assert left.state.is_cancelled() and not old_root.exists()  # the leftover never ran
        assert "stopping (SIGTERM)" in s.text()
    finally:
        s.kill()


@pytest.mark.slow
def test_serve_without_a_prefect_server_starts_its_own(tmp_path):
    """No PREFECT_API_URL and MINUTES_SERVER=off (no background server): serve starts one local Prefect
    server (UI included) for itself and its flow runs, the watcher works through it, and the server goes
    away with serve. (With the background server, see test_server.py.)"""
    import urllib.request

    from test_watch_harness import free_port, premigrated_prefect_home

    prefect_server()  # (only for its migrated database, copied below: a quicker start)
    root, db = tmp_path / "root", f"sqlite:///{tmp_path / 'm.db'}"
    (root / "inbox").mkdir(parents=True)
    (root / "inbox" / "mot.txt").write_text(vietnamese_report(1, seed=13), encoding="utf-8")
    premigrated_prefect_home(tmp_path / "state" / "prefect")
    port = free_port()
    s = Proc(["serve", "--db", db, "--watch", str(root), "--settle", "1", "--prefect-port", str(port)],
             {**minutes_env(tmp_path, None), "MINUTES_SERVER": "off"}, tmp_path, tmp_path / "serve.log")
    try:
        wait_for(lambda: files(root / "done") == ["mot.txt"], 240, "mot.txt in done/", interval=1, proc=s)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as r:
            assert r.status == 200
        assert f"Prefect UI on http://127.0.0.1:{port}" in s.text()
        s.signal(signal.SIGTERM)
        assert s.wait_exit(90) == 0, s.tail()
    finally:
        s.kill()
    assert len(documents(db)) == 1

    def down() -> bool:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2)
        except OSError:
            return True
        return False

    wait_for(down, 30, "the local Prefect server to stop with serve")
