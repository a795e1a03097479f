"""A run of the fuzzer (scripts/fuzz.py) over 30 mutants of the corpus: nothing crashes, nothing hangs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _fuzz():
    spec = importlib.util.spec_from_file_location("minutes_fuzz", ROOT / "scripts" / "fuzz.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_mutations_are_seeded(tmp_path):
    fuzz = _fuzz()
    src = ROOT / "tests" / "fixtures" / "readers" / "ke_hoach.docx"
    a = fuzz.make_mutants([src], 5, 7, tmp_path / "a")
    b = fuzz.make_mutants([src], 5, 7, tmp_path / "b")
    assert [m["mutation"] for m in a] == [m["mutation"] for m in b]
    assert [Path(m["file"]).read_bytes() for m in a] == [Path(m["file"]).read_bytes() for m in b]


def test_worker_survives_a_hang(tmp_path):
    """The parent kills a worker that does not answer in time and goes on with a fresh one."""
    import os
    import shutil

    fuzz = _fuzz()
    good = tmp_path / "a.txt"
    good.write_text("Chi bộ thôn Đông họp ngày 5 tháng 5 năm 2026.", encoding="utf-8")
    doc = tmp_path / "cu.doc"
    shutil.copy(ROOT / "tests" / "fixtures" / "readers" / "ke_hoach.doc", doc)
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nsleep 30\n")
    fake.chmod(0o755)
    # a LibreOffice that never finishes, and a reader timeout longer than the fuzzer's
    env = dict(os.environ, MINUTES_SOFFICE=str(fake), MINUTES_SOFFICE_TIMEOUT="600")
    results = fuzz.run_all([{"file": str(doc), "source": "doc", "mutation": "-"},
                            {"file": str(good), "source": "a", "mutation": "-"}], 1, 8, env, progress=False)
    assert results[0]["status"] == "timeout"
    assert results[1]["status"] in ("ok", "analyze_error")


@pytest.mark.slow
def test_fuzz_30(shared, tmp_path):
    import json

    fuzz = _fuzz()
    out = tmp_path
    rc = fuzz.main(["-n", "30", "--seed", "20261127", "--timeout", "300", "--json", str(out / "r.json")])
    results = json.loads((out / "r.json").read_text(encoding="utf-8"))
    assert len(results) == 30
    bad = [r for r in results if r["status"] in ("crash", "error", "timeout")]
    assert not bad, bad
    assert rc == 0
    for r in results:
        if r["status"] == "refused":
            assert r["reason"][0].isupper() and r["reason"].endswith("."), r
