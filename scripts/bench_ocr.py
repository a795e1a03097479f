"""OCR benchmark: seconds per page of the scanned-PDF path (render at 300 dpi + tesseract vie).

    .venv/bin/python scripts/bench_ocr.py [FILE.pdf ...] [--pages 6] [--workers N]

Without files it uses ../shared/corpus/other_011_bgddt_cv1849_scanned_signed.pdf
and the first scans of ../shared/eval/dev/formats/scan. Prints wall-clock
seconds per page through the reader (pages OCRed in parallel), and the CPU
seconds per page spent rendering (this process) and in tesseract (children),
which do not depend on how busy the machine is.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    from pipeline.evaluate import shared_dir
    from pipeline.readers import pdf_reader

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--pages", type=int, default=8, help="stop after about this many OCRed pages")
    ap.add_argument("--workers", type=int, default=0, help="OCR threads (default: cores)")
    args = ap.parse_args(argv)
    files = args.files
    if not files:
        sh = shared_dir()
        files = [sh / "corpus" / "other_011_bgddt_cv1849_scanned_signed.pdf"]
        files += sorted((sh / "eval" / "dev" / "formats" / "scan").glob("*.pdf"))[:3]
    files = [f for f in files if f.exists()]
    if not files:
        print("no scanned PDFs found (set MINUTES_SHARED or pass files)", file=sys.stderr)
        return 2
    pages = 0
    wall = 0.0
    self0 = resource.getrusage(resource.RUSAGE_SELF)
    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    for f in files:
        t = time.perf_counter()
        src = pdf_reader.read(f.read_bytes(), f.name, workers=args.workers or None)
        wall += time.perf_counter() - t
        n = len(src.metadata.get("ocr_pages", []))
        pages += n
        print(f"{f.name}: {n} OCR pages, mean confidence {src.metadata.get('ocr_confidence')}")
        if pages >= args.pages:
            break
    self1 = resource.getrusage(resource.RUSAGE_SELF)
    kids1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if not pages:
        print("no page needed OCR")
        return 1
    cpu_self = (self1.ru_utime + self1.ru_stime) - (self0.ru_utime + self0.ru_stime)
    cpu_kids = (kids1.ru_utime + kids1.ru_stime) - (kids0.ru_utime + kids0.ru_stime)
    workers = args.workers or (os.cpu_count() or 1)
    print(f"OCR: {pages} pages, {wall / pages:.2f} s/page wall clock with {workers} worker(s); "
          f"CPU {cpu_self / pages:.2f} s/page rendering + {cpu_kids / pages:.2f} s/page tesseract; "
          f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
