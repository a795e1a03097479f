"""OCR of a page image with tesseract (Vietnamese, ``vie``).

The page is rendered by pypdfium2 at ``MINUTES_OCR_DPI`` (default 300) in
grey and piped to ``tesseract - - -l vie --psm 6 tsv`` as a PGM image; the
TSV gives words with boxes and confidences, from which lines are built.
Each call has a timeout (``MINUTES_OCR_TIMEOUT``, default 180 s) and runs
tesseract single-threaded (``OMP_THREAD_LIMIT=1``) since pages are OCRed in
parallel by the PDF reader. A document gets at most ``MINUTES_OCR_MAX_PAGES``
pages (default 40) and ``MINUTES_OCR_MAX_SECONDS`` seconds (default 300) of
OCR; the PDF reader records the pages left out (``ocr_cut``) and says so in
the document's warnings.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache

from pipeline.model import ReadError

DEFAULT_DPI = 300
DEFAULT_TIMEOUT = 180.0
LANG = "vie"


@dataclass
class Image:
    width: int
    height: int
    pgm: bytes


@dataclass
class OcrLine:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    conf: float


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def tesseract_path() -> str | None:
    """tesseract: $MINUTES_TESSERACT, else on PATH."""
    env = os.environ.get("MINUTES_TESSERACT")
    if env:
        return env if os.path.exists(env) else None
    return shutil.which("tesseract")


@lru_cache(maxsize=1)
def _languages(path: str) -> frozenset[str]:
    try:
        out = subprocess.run([path, "--list-langs"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    text = (out.stdout + out.stderr).decode("utf-8", "replace")
    return frozenset(line.strip() for line in text.splitlines()[1:] if line.strip())


def missing() -> str | None:
    """A plain sentence saying what is missing for OCR, or None when ready."""
    path = tesseract_path()
    if not path:
        return "Tesseract OCR is needed to read scanned pages: install tesseract-ocr and tesseract-ocr-vie."
    if LANG not in _languages(path):
        return "The Vietnamese data for Tesseract OCR is missing: install tesseract-ocr-vie."
    return None


#: per document: at most this many pages OCRed, and OCR stopped after this many seconds (0: no limit)
DEFAULT_MAX_PAGES = 40
DEFAULT_MAX_SECONDS = 300.0


def limits() -> tuple[int, float]:
    """(pages, seconds) of OCR allowed per document: ``MINUTES_OCR_MAX_PAGES`` and
    ``MINUTES_OCR_MAX_SECONDS`` (0: no limit). What is cut is recorded on the document."""
    return max(0, int(_env_float("MINUTES_OCR_MAX_PAGES", DEFAULT_MAX_PAGES))), \
        max(0.0, _env_float("MINUTES_OCR_MAX_SECONDS", DEFAULT_MAX_SECONDS))


def default_workers() -> int:
    try:
        n = int(os.environ.get("MINUTES_OCR_WORKERS", "0"))
    except ValueError:
        n = 0
    return n if n > 0 else (os.cpu_count() or 1)


def render_page(page, dpi: int | None = None) -> Image:
    """Render a pypdfium2 page to a grey PGM image (caller holds the pdfium lock)."""
    dpi = dpi or int(_env_float("MINUTES_OCR_DPI", DEFAULT_DPI))
    w, h = page.get_size()
    # keep huge pages (posters, bad sizes) to at most ~40 megapixels
    scale = dpi / 72
    if w * h * scale * scale > 40e6:
        scale = (40e6 / (w * h)) ** 0.5
    bitmap = page.render(scale=scale, grayscale=True)
    width, height, stride = bitmap.width, bitmap.height, bitmap.stride
    buf = bytes(bitmap.buffer)
    if bitmap.n_channels != 1:  # some builds render grey as BGR(x)
        pil = bitmap.to_pil().convert("L")
        data = pil.tobytes()
    elif stride == width:
        data = buf[: width * height]
    else:
        data = b"".join(buf[r * stride: r * stride + width] for r in range(height))
    header = f"P5\n{width} {height}\n255\n".encode()
    return Image(width, height, header + data)


def run_tesseract(image_bytes: bytes, timeout: float | None = None, psm: int = 6) -> str:
    path = tesseract_path()
    if not path:
        raise ReadError(missing() or "Tesseract OCR is missing.", "unreadable")
    timeout = timeout or _env_float("MINUTES_OCR_TIMEOUT", DEFAULT_TIMEOUT)
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        proc = subprocess.run([path, "-", "-", "-l", LANG, "--psm", str(psm), "tsv"], input=image_bytes,
                              capture_output=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise ReadError(f"OCR of a scanned page took longer than {int(timeout)} seconds and was stopped.", "timeout")
    except OSError as err:
        raise ReadError(f"Tesseract OCR could not be started ({err.strerror}).", "unreadable")
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ReadError("OCR of a scanned page failed" + (f" ({detail[-1][:100]})" if detail else "") + ".",
                        "unreadable")
    return proc.stdout.decode("utf-8", "replace")


def parse_tsv(tsv: str) -> tuple[list[OcrLine], float | None]:
    """Lines (in reading order) and the mean word confidence (0-100)."""
    lines: dict[tuple[int, int, int, int], list[tuple[str, int, int, int, int, float]]] = {}
    confs: list[float] = []
    for row in tsv.splitlines()[1:]:
        parts = row.split("\t")
        if len(parts) < 12 or parts[0] != "5":
            continue
        text = parts[11].strip()
        if not text:
            continue
        try:
            key = (int(parts[1]), int(parts[2]), int(parts[3]), int(parts[4]))
            left, top, width, height = (int(parts[i]) for i in (6, 7, 8, 9))
            conf = float(parts[10])
        except ValueError:
            continue
        if conf >= 0:
            confs.append(conf)
        lines.setdefault(key, []).append((text, left, top, width, height, conf))
    out = []
    for key in sorted(lines):
        words = sorted(lines[key], key=lambda w: w[1])
        heights = sorted(w[4] for w in words)
        gap = 2.5 * heights[len(heights) // 2] if heights else 50
        seg = [words[0]]
        for w in words[1:]:
            if w[1] - (seg[-1][1] + seg[-1][3]) > gap:  # a column gap: split the line
                out.append(_ocr_line(seg))
                seg = []
            seg.append(w)
        out.append(_ocr_line(seg))
    mean = round(sum(confs) / len(confs), 1) if confs else None
    return out, mean


def _ocr_line(words) -> OcrLine:
    tops = sorted(w[2] for w in words)
    bottoms = sorted(w[2] + w[4] for w in words)
    return OcrLine(text=" ".join(w[0] for w in words),
                   x0=min(w[1] for w in words), x1=max(w[1] + w[3] for w in words),
                   top=tops[len(tops) // 2], bottom=bottoms[len(bottoms) // 2],
                   conf=sum(w[5] for w in words) / len(words))


def ocr_image(image: Image, timeout: float | None = None) -> tuple[list[OcrLine], float | None]:
    return parse_tsv(run_tesseract(image.pgm, timeout))
