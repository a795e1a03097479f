"""The deployments ``minutes serve`` registers, built without a server; the command's argument checks."""

from __future__ import annotations

from click.testing import CliRunner

from pipeline.cli import main


def test_deployments_schedule_parameters_and_entrypoints(tmp_path):
    from flows.deployments import build_deployments

    nightly, watch = build_deployments([str(tmp_path / "a"), str(tmp_path / "b")], str(tmp_path / "root"),
                                       "5 4 * * *", timezone="UTC", workers=3, limit_bytes=2**20)
    assert (nightly.flow_name, nightly.name) == ("minutes-ingest", "nightly")
    assert [s.schedule.cron for s in nightly.schedules] == ["5 4 * * *"]
    assert nightly.schedules[0].schedule.timezone == "UTC"
    assert nightly.parameters == {"paths": [str(tmp_path / "a"), str(tmp_path / "b")], "workers": 3,
                                  "limit_bytes": 2**20}
    assert nightly.concurrency_limit == 1
    assert nightly.entrypoint == "flows.ingest.ingest_flow"
    assert (watch.flow_name, watch.name) == ("minutes-watch", "inbox")
    assert watch.parameters == {"root": str(tmp_path / "root"), "limit_bytes": 2**20} and not watch.schedules
    assert watch.entrypoint == "flows.deployments.watch_flow"
    assert build_deployments([], None, "0 2 * * *") == []


def test_serve_needs_something_to_serve(tmp_path, monkeypatch):
    monkeypatch.delenv("MINUTES_ARCHIVE", raising=False)
    monkeypatch.delenv("MINUTES_WATCH_ROOT", raising=False)
    r = CliRunner().invoke(main, ["serve"])
    assert r.exit_code == 2 and "Nothing to serve" in r.output
    r = CliRunner().invoke(main, ["serve", "--archive", str(tmp_path / "missing")])
    assert r.exit_code == 2 and "not a folder" in r.output


def test_watch_refuses_bad_settings(tmp_path):
    r = CliRunner().invoke(main, ["watch", str(tmp_path), "--burst", "0"])
    assert r.exit_code == 2 and "burst" in r.output
