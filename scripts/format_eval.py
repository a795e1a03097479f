"""Format targets: extraction F1 and text fidelity of each rendering of the dev set.

For every format folder under ../shared/eval/dev/formats (docx, pdf, doc,
tcvn3, scan) this reads each document through ``pipeline.readers.read_file``
and ``pipeline.process.analyze`` and prints, next to the same run over the
text versions (../shared/eval/dev/docs):

* F1 (all fields and headline) from ../shared/eval/score.py and its ratio to
  the text versions' F1 (targets: >= 0.98, scan >= 0.90);
* text fidelity, independent of the extractors: the normalized text of each
  rendering against the normalized text of its .txt — word recall and
  precision (bags of words) and the order-aware ratio of difflib over words;
* reading speed (pages/s for PDF) and, for the scans, OCR seconds per page.

    .venv/bin/python scripts/format_eval.py [--formats docx,pdf] [--limit 10] [--no-f1]
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.evaluate import run_score, shared_dir  # noqa: E402
from pipeline.model import ReadError  # noqa: E402
from pipeline.normalize import normalize  # noqa: E402
from pipeline.readers import read_file  # noqa: E402

FORMATS = ("docx", "pdf", "doc", "tcvn3", "scan")
TARGET = {"scan": 0.90}
DEFAULT_TARGET = 0.98
_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def fidelity(ref: str, got: str) -> dict[str, float]:
    a, b = words(ref), words(got)
    ca, cb = Counter(a), Counter(b)
    common = sum((ca & cb).values())
    recall = common / len(a) if a else 1.0
    precision = common / len(b) if b else 1.0
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return {"recall": recall, "precision": precision, "order": sm.ratio()}


def run_format(files: list[Path], gold: Path, with_f1: bool) -> dict:
    from pipeline.records import to_record

    out = Path(tempfile.mkdtemp(prefix="minutes-fmt-"))
    texts: dict[str, str] = {}
    failed: list[str] = []
    pages = 0
    ocr_pages = 0
    t0 = time.perf_counter()
    read_time = 0.0
    for f in files:
        try:
            t = time.perf_counter()
            src = read_file(f)
            read_time += time.perf_counter() - t
        except ReadError as err:
            failed.append(f"{f.name}: {err.reason}")
            continue
        pages += src.pages or 0
        ocr_pages += len(src.metadata.get("ocr_pages", []))
        texts[f.stem] = normalize(src.blocks).text
        if with_f1:
            from pipeline.process import analyze

            try:
                a = analyze(src)
                rec = to_record(f.name, a.items)
            except Exception as err:  # an extractor bug must not stop the measurement
                failed.append(f"{f.name}: analyze failed ({type(err).__name__}: {err})")
                continue
            (out / f"{f.stem}.json").write_text(json.dumps(rec, ensure_ascii=False), encoding="utf-8")
    res = {"texts": texts, "failed": failed, "pages": pages, "ocr_pages": ocr_pages,
           "seconds": time.perf_counter() - t0, "read_seconds": read_time}
    if with_f1:
        scores, _table = run_score(gold, out)
        res["f1"] = scores.get("all_fields_f1")
        res["headline"] = scores.get("headline_f1")
    shutil.rmtree(out, ignore_errors=True)
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--limit", type=int, default=0, help="only the first N documents (0 = all)")
    ap.add_argument("--no-f1", action="store_true", help="text fidelity only (no extraction)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args(argv)

    dev = shared_dir() / "eval" / "dev"
    if not dev.exists():
        print(f"no dev set at {dev} (set MINUTES_SHARED)", file=sys.stderr)
        return 2
    docs = sorted((dev / "docs").glob("*.txt"))
    if args.limit:
        docs = docs[: args.limit]
    stems = {d.stem for d in docs}
    gold = Path(tempfile.mkdtemp(prefix="minutes-gold-"))
    for g in (dev / "gold").glob("*.json"):
        if g.stem in stems:
            shutil.copy(g, gold / g.name)
    with_f1 = not args.no_f1

    base = run_format(docs, gold, with_f1)
    rows = []
    summary: dict[str, dict] = {"txt": {k: v for k, v in base.items() if k != "texts"}}
    for fmt in [f for f in args.formats.split(",") if f]:
        folder = dev / "formats" / fmt
        files = sorted(p for p in folder.iterdir() if p.is_file() and p.stem in stems) if folder.exists() else []
        if not files:
            print(f"{fmt}: no files in {folder}")
            continue
        res = run_format(files, gold, with_f1)
        fids = [fidelity(base["texts"][s], t) for s, t in res["texts"].items() if s in base["texts"]]
        # a document that failed to read counts as fidelity 0
        n = len(files)
        fid = {k: (sum(x[k] for x in fids) / n if n else 0.0) for k in ("recall", "precision", "order")}
        worst = sorted(((fidelity(base["texts"][s], t)["recall"], s) for s, t in res["texts"].items()
                        if s in base["texts"]))[:3]
        ratio = None
        if with_f1 and base.get("f1"):
            ratio = res["f1"] / base["f1"]
        target = TARGET.get(fmt, DEFAULT_TARGET)
        row = {"format": fmt, "docs": n, "failed": sum("analyze failed" not in f for f in res["failed"]), "f1": res.get("f1"),
               "headline": res.get("headline"), "ratio": ratio, "target": target,
               "fidelity": fid, "pages": res["pages"], "ocr_pages": res["ocr_pages"],
               "read_seconds": res["read_seconds"], "worst": worst, "failures": res["failed"]}
        rows.append(row)
        summary[fmt] = row

    print()
    if with_f1:
        print(f"text versions: {len(docs)} documents, all-fields F1 {base['f1']:.3f}, headline F1 "
              f"{base['headline']:.3f}")
    hdr = f"{'format':7} {'docs':>4} {'fail':>4} {'F1':>6} {'ratio':>6} {'target':>6}  {'recall':>6} {'prec':>6} {'order':>6}  speed"
    print(hdr)
    for r in rows:
        f1 = f"{r['f1']:.3f}" if r["f1"] is not None else "  -  "
        if r["ratio"] is None:
            ratio, verdict = "  -  ", "(F1 of the text versions is 0: ratio undefined)" if with_f1 else ""
        else:
            ratio = f"{r['ratio']:.3f}"
            verdict = "ok" if r["ratio"] >= r["target"] else "BELOW TARGET"
        fid = r["fidelity"]
        if r["pages"]:
            speed = f"{r['pages'] / r['read_seconds']:.1f} pages/s" if r["read_seconds"] else ""
        else:
            speed = f"{r['docs'] / r['read_seconds']:.1f} docs/s" if r["read_seconds"] else ""
        print(f"{r['format']:7} {r['docs']:4d} {r['failed']:4d} {f1:>6} {ratio:>6} {r['target']:6.2f}  "
              f"{fid['recall']:6.3f} {fid['precision']:6.3f} {fid['order']:6.3f}  {speed}  {verdict}")
    for r in rows:
        if r["ocr_pages"]:
            print(f"OCR ({r['format']}): {r['ocr_pages']} pages OCRed, "
                  f"{r['read_seconds'] / r['ocr_pages']:.2f} s per page (wall clock, pages OCRed in parallel)")
    for r in rows:
        analyze_failures = [f for f in r["failures"] if "analyze failed" in f]
        for f in r["failures"]:
            if f not in analyze_failures:
                print(f"  {r['format']} could not be read: {f}")
        if analyze_failures:
            print(f"  {r['format']}: {len(analyze_failures)} document(s) read but failed in the extractors "
                  f"(not a reader problem), e.g. {analyze_failures[0]}")
        low = [f"{s} {v:.3f}" for v, s in r["worst"] if v < 0.97]
        if low:
            print(f"  {r['format']} lowest word recall: " + ", ".join(low))
    if args.json:
        args.json.write_text(json.dumps(summary, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    shutil.rmtree(gold, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
