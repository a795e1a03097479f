"""MINUTES_DATABASE_URL=postgresql+psycopg://… for every command that touches the database, as a user
runs them (new processes, no --db): ingest (through the Prefect flow, two workers), show, export,
user add/list, and the Alembic migrations from the alembic command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from pipeline.store import Document, Item, open_store

ROOT = Path(__file__).resolve().parent.parent
MINUTES = [sys.executable, "-m", "pipeline.cli"]

REPORTS = {
    "bao_cao_so_ket.txt": "Đảng ủy Khối Doanh nghiệp tỉnh tổ chức Hội nghị sơ kết ngày 14/5/2023.\n"
                          "Toàn Đảng bộ có 215 cá nhân, 31 chi bộ đăng ký nêu gương, trong đó có 18 mô hình.\n",
    "bien_ban_chi_bo.txt": "Chi bộ số 3 tổ chức sinh hoạt chuyên đề theo Chỉ thị số 05-CT/TW ngày 15/5/2016.\n"
                           "Đồng chí Nguyễn Văn An, Bí thư Chi bộ chủ trì.\n",
    "ke_hoach.txt": "Thực hiện Kế hoạch số 12-KH/ĐU ngày 02/3/2024, 42 đảng viên đăng ký mô hình “Dân vận khéo”.\n",
    "ban_sao.txt": "Đảng ủy Khối Doanh nghiệp tỉnh tổ chức Hội nghị sơ kết ngày 14/5/2023.\n"
                   "Toàn Đảng bộ có 215 cá nhân, 31 chi bộ đăng ký nêu gương, trong đó có 18 mô hình.\n",
}


def _run(args: list[str], env: dict, timeout: float = 600, stdin: str | None = None) -> subprocess.CompletedProcess:
    r = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, input=stdin)
    assert r.returncode == 0, (args, r.stdout[-2000:], r.stderr[-4000:])
    return r


@pytest.mark.slow
@pytest.mark.postgres
def test_every_command_on_postgresql(tmp_path, pg_url):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in REPORTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    env = {**os.environ, "MINUTES_DATABASE_URL": pg_url, "MINUTES_STATE_DIR": str(tmp_path / "state"),
           "PYTHONPATH": str(ROOT)}
    env = {k: v for k, v in env.items() if not k.startswith("PREFECT_")}

    # ingest: the Prefect flow, two worker processes, into PostgreSQL (migrated by the command)
    _run([*MINUTES, "ingest", str(folder), "--workers", "2", "-q", "--json", str(tmp_path / "s.json")], env)
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["status"] == {"done": 3, "duplicate": 1}, summary
    sessions = open_store(pg_url)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 3
        assert s.scalar(select(func.count()).select_from(Item).where(Item.active.is_(True))) > 0
    assert "alembic_version" in inspect(sessions.kw["bind"]).get_table_names()

    # again: nothing changes
    _run([*MINUTES, "ingest", str(folder), "--workers", "1", "-q", "--json", str(tmp_path / "s2.json")], env)
    assert json.loads((tmp_path / "s2.json").read_text())["status"] == {"unchanged": 4}

    # show, export
    out = _run([*MINUTES, "show", str(folder / "bao_cao_so_ket.txt"), "--json"], env).stdout
    assert "215" in out
    _run([*MINUTES, "export", "--format", "json", "--out", str(tmp_path / "json")], env)
    assert len(list((tmp_path / "json").glob("*.json"))) >= 3
    _run([*MINUTES, "export", "--format", "csv", "--out", str(tmp_path / "csv")], env)
    assert list((tmp_path / "csv").glob("*.csv"))

    # reviewer accounts live in the same database
    _run([*MINUTES, "user", "add", "nguyen.van.an", "--password-stdin"], env, stdin="mat-khau-dai-2024\n")
    assert "nguyen.van.an" in _run([*MINUTES, "user", "list"], env).stdout


@pytest.mark.postgres
def test_alembic_command_line_on_postgresql(tmp_path, pg_url):
    """`alembic upgrade head` / `downgrade base` with the project's migrations, on PostgreSQL."""
    from alembic import command

    from pipeline.store.db import alembic_config, make_engine

    eng = make_engine(pg_url)
    cfg = alembic_config(eng)
    command.upgrade(cfg, "head")
    assert {"documents", "files", "items", "decisions"} <= set(inspect(eng).get_table_names())
    command.downgrade(cfg, "base")
    assert "documents" not in inspect(eng).get_table_names()
    command.upgrade(cfg, "head")
    eng.dispose()
