"""minutes bench: the corpus (every copy its own content hash, same content for the readers) and a
short run that prints and writes every figure. Speed is never asserted here."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from click.testing import CliRunner

from pipeline.bench import bench, build_corpus, vary


def test_copies_differ_in_bytes_not_in_content(tmp_path):
    from pipeline.readers import read_bytes

    txt = "Chi bộ tổ chức Hội nghị ngày 14/5/2023.\n".encode()
    copies = [vary(txt, ".txt", i) for i in range(50)]
    assert len({hashlib.sha256(c).hexdigest() for c in copies}) == 50
    texts = {"\n".join(b.text for b in read_bytes(c, "a.txt").blocks).strip() for c in copies}
    assert len(texts) == 1
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    a, b = vary(buf.getvalue(), ".docx", 1), vary(buf.getvalue(), ".docx", 2)
    assert a != b and zipfile.ZipFile(io.BytesIO(a)).read("word/document.xml") == b"<w:document/>"
    pdf = b"%PDF-1.4\n...%%EOF\n"
    assert vary(pdf, ".pdf", 1).startswith(pdf) and vary(pdf, ".pdf", 1) != vary(pdf, ".pdf", 2)


def test_corpus_hashes_are_unique(tmp_path, shared):
    paths = build_corpus(30, tmp_path / "c", ("pdf", "docx", "txt"))
    assert len(paths) == 30
    assert {p.suffix for p in paths[:3]} == {".pdf", ".docx", ".txt"}  # formats interleaved
    assert len({hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}) == 30


@pytest.mark.slow
def test_bench_prints_and_writes_the_figures(tmp_path, shared):
    out = tmp_path / "bench.json"
    r = CliRunner().invoke(bench, ["--docs", "6", "--skip-flow", "--skip-server", "--baseline-pages", "2",
                                   "--ner-chars", "300", "--json", str(out)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text())
    for stage in ("read", "normalize", "nlp", "extract", "store", "nlp+extract"):
        assert data["stages"][stage]["docs"] > 0
        assert data["stages"][stage]["peak_rss_mb"] > 0 and data["stages"][stage]["peak_rise_mb"] >= 0  # per stage
    assert data["baselines"]["underthesea_ner"]["chars"] > 0
    assert "nlp_extract_vs_ner" in data["ratios"]
    assert "ratios" in r.output and "nlp_extract_vs_ner" in r.output
