"""PDF -> blocks, page by page (``Block.page`` is 1-based).

* Text comes from pypdfium2 (fast, ~100+ pages/s) with a box per character;
  lines are rebuilt from those boxes and joined into paragraphs by
  indentation, short last lines, vertical gaps and list markers.
* The two-column administrative header on the first page (issuer and
  "Số: ..." on the left, motto and "..., ngày ... tháng ... năm ..." on the
  right) is split by the gap between the columns: the left column's lines
  come out as one block, then the right column's.
* Tables: on pages with ruling lines, ruled tables are found from the
  page's vector lines through pdfium (``pdf_tables``; pdfplumber only if
  that fails); their cells become ``table_cell`` blocks.
* Page numbers, running headers/footers repeated across pages and
  digital-signature stamps ("Ký bởi", "Thời gian ký", "Cơ quan:", ...) become
  ``furniture`` blocks (kept, not fed to NLP).
* A page with no or too little text, or whose text fails a Vietnamese
  plausibility check, is OCRed (see ``pipeline.readers.ocr``); text typed in
  a TCVN3 font is decoded instead.
* A PDF that needs a password to open raises ReadError("encrypted"); owner
  passwords (printing/copying limits) are ignored, as every viewer does.
"""

from __future__ import annotations

import re
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

from pipeline.model import Block, ReadError, SourceDoc
from pipeline.readers import legacy
from pipeline.readers.header import _doc_type as doc_type_of
from pipeline.readers.header import parse_header
from pipeline.readers.pdf_tables import find_tables

#: pdfium is not thread-safe: every call into it holds this lock.
PDFIUM_LOCK = threading.RLock()

MIN_LETTERS = 30  # fewer letters than this on a page with pictures: OCR it


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    top: float  # distance from the top of the page
    bottom: float
    column: str | None = None  # "left"/"right" in the first page's header
    chars: list | None = None  # (char, left, right) when the text layer gave them


@dataclass
class PageResult:
    number: int
    blocks: list[Block] = field(default_factory=list)  # table cells first, then the laid-out lines
    lines: list[Line] = field(default_factory=list)
    cells: list[tuple[float, Block]] = field(default_factory=list)
    width: float = 612.0
    height: float = 792.0
    ocr: bool = False
    confidence: float | None = None
    font: str | None = None
    warning: str | None = None

    def edge_keys(self) -> set[str]:
        if not self.lines:
            return set()
        by_top = sorted(self.lines, key=lambda x: x.top)
        edge = by_top[:2] + by_top[-2:]
        return {_key(ln.text) for ln in edge if ln.top < 0.12 * self.height or ln.bottom > 0.88 * self.height}

    def text(self) -> str:
        return "\n".join([ln.text for ln in self.lines] + [b.text for _t, b in self.cells])


# --------------------------------------------------------------------------------
# plausibility of a text layer

_WORD_RE = re.compile(r"[^\W\d_]+")
_BAD_CHARS_RE = re.compile(r"[\ufffd\ue000-\uf8ff\x00-\x08\x0e-\x1f]")


def text_problem(text: str) -> str | None:
    """Why a page's text layer is not usable Vietnamese text, or None."""
    letters = sum(c.isalpha() for c in text)
    if letters < MIN_LETTERS:
        return "too little text"
    bad = len(_BAD_CHARS_RE.findall(text))
    if bad > 0.05 * letters:
        return "unreadable characters"
    words = _WORD_RE.findall(text)
    if not words:
        return "no words"
    singles = sum(len(w) == 1 for w in words)
    if len(words) >= 20 and singles / len(words) > 0.35:
        return "spaced letters"
    lower = [w for w in words[:600] if not w.isupper() or len(w) > 5]
    if len(lower) >= 20:
        valid = sum(legacy.is_vietnamese_syllable(w) for w in lower)
        non_ascii = sum(any(ord(c) > 127 for c in w) for w in lower)
        if non_ascii / len(lower) < 0.08 and valid / len(lower) > 0.3:
            return "no diacritics"
        if valid / len(lower) < 0.55:
            return "not Vietnamese words"
    return None


def text_score(text: str) -> float:
    """Share of words that are Vietnamese syllables (to compare OCR and text layer)."""
    words = _WORD_RE.findall(text)
    if not words:
        return 0.0
    return sum(legacy.is_vietnamese_syllable(w) or w.isupper() for w in words) / len(words)


# --------------------------------------------------------------------------------
# lines from pdfium characters

def _page_lines(textpage, height: float) -> list[list[tuple[str, float, float, float, float]]]:
    """Lines as pdfium orders them: lists of (char, left, top, right, bottom)."""
    n = textpage.count_chars()
    if n <= 0:
        return []
    text = textpage.get_text_range(0, n)
    aligned = len(text) == n
    lines: list[list[tuple[str, float, float, float, float]]] = []
    cur: list[tuple[str, float, float, float, float]] = []
    last = None
    import ctypes

    import pypdfium2.raw as raw

    rect = raw.FS_RECTF()
    rect_ref = ctypes.byref(rect)
    get_box = raw.FPDFText_GetLooseCharBox
    tp_raw = textpage.raw
    for i, ch in enumerate(text if aligned else ""):
        if ch in "\r\n":
            if cur:
                lines.append(cur)
                cur = []
            continue
        get_box(tp_raw, i, rect_ref)
        l, b, r, t = rect.left, rect.bottom, rect.right, rect.top
        if r - l <= 0 and t - b <= 0 and ch == " ":
            # a generated space: give it the previous char's box
            if last:
                l, b, r, t = last[2], last[1], last[2], last[0]
        cur.append((ch, l, height - t, r, height - b))
        last = (t, b, r)
    if cur:
        lines.append(cur)
    if not aligned:  # surrogate pairs broke the index map: lines without geometry
        y = 0.0
        lines = []
        for s in text.replace("\r", "").split("\n"):
            if s.strip():
                lines.append([(c, 0.0, y, 0.0, y + 10) for c in s])
                y += 12
    return lines


def _segments(chars, gap_factor: float = 3.5) -> list[Line]:
    """Split one pdfium line at wide horizontal gaps (columns) into Lines."""
    chars = [c for c in chars if c[3] >= c[1]]
    if not chars:
        return []
    widths = sorted(c[3] - c[1] for c in chars if c[3] > c[1] and c[0] != " ")
    cw = widths[len(widths) // 2] if widths else 5.0
    out: list[Line] = []
    seg = [chars[0]]
    last_right = chars[0][3] if chars[0][0].strip() else None
    for c in chars[1:]:
        if c[0].strip():
            if last_right is not None and c[1] - last_right > max(gap_factor * cw, 18):
                out.append(_line(seg))
                seg = []
            last_right = c[3] if last_right is None else max(c[3], last_right) if c[1] >= last_right - 2 * cw else c[3]
        seg.append(c)
    if seg:
        out.append(_line(seg))
    return [ln for ln in out if ln.text.strip()]


def _line(chars) -> Line:
    text = "".join(c[0] for c in chars)
    vis = [c for c in chars if c[0] != " "] or chars
    tops = sorted(c[2] for c in vis)
    bottoms = sorted(c[4] for c in vis)
    return Line(text=" ".join(text.split()), x0=min(c[1] for c in vis), x1=max(c[3] for c in vis),
                top=tops[len(tops) // 2], bottom=bottoms[len(bottoms) // 2],
                chars=[(c[0], c[1], c[3]) for c in chars])


# --------------------------------------------------------------------------------
# header, furniture, paragraphs

_SIGNATURE_RE = re.compile(
    r"^\s*(ký bởi|ky boi|người ký|nguoi ky|thời gian ký|thoi gian ky|ngày ký|signed by|signature valid|"
    r"signing time|digitally signed|chữ ký số|được ký bởi)", re.I)
# lines that belong to a signature stamp only when one is next to them
_STAMP_DETAIL_RE = re.compile(r"^\s*(cơ quan|co quan|email|e-mail|chức vụ|chuc vu|thời gian|ngày giờ|tổ chức)\s*:", re.I)
_PAGE_NO_RE = re.compile(r"^[\s\-–—.(]*(trang|page)?\s*\d{1,4}(\s*(/|trên|of)\s*\d{1,4})?[\s\-–—.)]*$", re.I)
_LIST_START_RE = re.compile(r"^([-–+•*▪●○◦]|\(?[0-9]{1,3}(\.[0-9]{1,3})*[.)]\s|\(?[a-zđ][).]\s|[IVXLC]{1,6}[.\-)]\s|"
                            r"(Điều|Chương|Mục|Phần|Khoản)\s+[0-9IVXLC]+|Căn cứ|Xét |Nơi nhận|Kính gửi)")
_END_SENTENCE = ".;:!?…"


def _split_header(lines: list[Line], width: float, height: float) -> tuple[list[Line], list[Line]] | None:
    """The first page's two-column header: (header lines tagged left/right, the rest)."""
    mid = width / 2
    if lines:
        mid = (min(x.x0 for x in lines) + max(x.x1 for x in lines)) / 2
    head: list[Line] = []
    i = 0
    while i < len(lines) and len(head) < 16:
        ln = lines[i]
        if ln.top > 0.45 * height:
            break
        center = (ln.x0 + ln.x1) / 2
        same_row = [x for x in lines if abs(x.top - ln.top) < 2]
        centered = abs(center - mid) < 0.08 * width and ln.x0 < mid - 20 and ln.x1 > mid + 20
        if head and ((centered and len(same_row) == 1) or doc_type_of(ln.text)):
            break  # the title line: the header is over
        head.append(ln)
        i += 1
    rights = [x for x in head if (x.x0 + x.x1) / 2 >= mid]
    if rights:
        # the header ends a little below the right column's last line; a left-aligned
        # title further down is not part of it
        heights = sorted(x.bottom - x.top for x in head if x.bottom > x.top) or [12.0]
        limit = max(x.bottom for x in rights) + 2.2 * heights[len(heights) // 2]
        cut = next((k for k, x in enumerate(head) if x.top > limit), len(head))
        i -= len(head) - cut
        head = head[:cut]
        rights = [x for x in head if (x.x0 + x.x1) / 2 >= mid]
    lefts = [x for x in head if (x.x0 + x.x1) / 2 < mid]
    if not lefts or not rights or i >= len(lines) and len(lines) > 16:
        return None
    # both columns must sit side by side somewhere (a real two-column header)
    if not any(abs(a.top - b.top) < 30 for a in lefts for b in rights):
        return None
    # short pieces that come later in the content stream but sit inside the header
    # (numbers and dates stamped by signing software as form fields) join their row
    bottom = max(x.bottom for x in head) + 2
    rest = []
    for x in lines[i:]:
        if x.bottom <= bottom and len(x.text) <= 40 and x.top >= min(h.top for h in head) - 2:
            (lefts if (x.x0 + x.x1) / 2 < mid else rights).append(x)
        else:
            rest.append(x)
    ordered = _rows(lefts, "left") + _rows(rights, "right")
    return ordered, rest


def _rows(lines: list[Line], column: str) -> list[Line]:
    """Lines of one header column, pieces on the same row joined left to right.

    A short piece lying inside a row (a number stamped into "Số:    /KH-...")
    is put where it sits between that row's characters."""
    out: list[Line] = []
    for x in sorted(lines, key=lambda x: (x.top, x.x0)):
        prev = out[-1] if out else None
        if prev and (abs(x.top - prev.top) < 3 or prev.top - 1 <= (x.top + x.bottom) / 2 <= prev.bottom + 1):
            out[-1] = _merge_row(prev, x, column)
        else:
            x.column = column
            out.append(x)
    return out


def _merge_row(a: Line, b: Line, column: str) -> Line:
    if b.x0 < a.x0:
        a, b = b, a
    chars = None
    if a.chars is not None and b.chars is not None:
        # interleave the characters by position; a space marks each piece's edges
        pieces = [(c[1], c[0]) for c in a.chars] + [(b.x0 - 0.01, " ")] + \
                 [(c[1], c[0]) for c in b.chars] + [(b.x1 + 0.01, " ")]
        pieces.sort(key=lambda p: p[0])
        text = " ".join("".join(p[1] for p in pieces).split())
        chars = [(ch, x, x) for x, ch in pieces]
    else:
        text = f"{a.text} {b.text}"
    return Line(text, min(a.x0, b.x0), max(a.x1, b.x1), a.top, max(a.bottom, b.bottom), column, chars)


def _paragraphs(lines: list[Line], width: float) -> list[list[Line]]:
    if not lines:
        return []
    body = [ln for ln in lines if ln.x1 > ln.x0]
    left = min((ln.x0 for ln in body), default=0.0)
    right = max((ln.x1 for ln in body), default=width)
    xs = sorted(ln.x0 for ln in body)
    if xs:
        left = Counter(round(x / 3) * 3 for x in xs).most_common(1)[0][0]
        left = min(left, statistics.median(xs))
    ends = sorted(ln.x1 for ln in body)
    if ends:
        right = ends[int(len(ends) * 0.85)] if len(ends) > 3 else max(ends)
    steps = [b.top - a.top for a, b in zip(lines, lines[1:]) if 0 < b.top - a.top < 60]
    leading = statistics.median(steps) if steps else 14.0
    span = max(right - left, 1.0)
    paras: list[list[Line]] = []
    cur: list[Line] = []
    for ln in lines:
        if cur:
            prev = cur[-1]
            gap = ln.top - prev.top
            brk = False
            if gap > 1.35 * leading or gap < -2:
                brk = True
            elif prev.x1 < right - 0.12 * span and not prev.text.endswith((",", "-")):
                brk = True  # the previous line stopped short: end of its paragraph
            elif ln.x0 > left + 12 and ln.x0 - left < 0.3 * span:
                brk = True  # first-line indent
            elif _LIST_START_RE.match(ln.text) and prev.text.rstrip().endswith(tuple(_END_SENTENCE)):
                brk = True
            elif _SIGNATURE_RE.match(ln.text) or _STAMP_DETAIL_RE.match(ln.text) or _SIGNATURE_RE.match(prev.text):
                brk = True  # the lines of a signature stamp stand apart
            elif prev.text.isupper() != ln.text.isupper() and len(prev.text) < 80:
                brk = True
            elif abs((ln.x0 + ln.x1) / 2 - (left + right) / 2) < 8 and ln.x0 > left + 30:
                brk = True  # a centered line
            if brk:
                paras.append(cur)
                cur = []
        cur.append(ln)
    if cur:
        paras.append(cur)
    return paras


def _join(lines: list[Line]) -> str:
    out = ""
    for ln in lines:
        t = ln.text.strip()
        if not out:
            out = t
        elif out.endswith("-") and not out.endswith(" -") and t[:1].islower():
            out = out[:-1] + t
        else:
            out += " " + t
    return out


def _kind(text: str) -> str:
    return "furniture" if _SIGNATURE_RE.match(text) else "paragraph"


# --------------------------------------------------------------------------------
# tables (pdfplumber, only where ruling lines are)

def _tables(data: bytes, page_index: int, plumber_doc) -> list[tuple[tuple[float, float, float, float], list]]:
    """[(bbox top-down, rows of cell bboxes)] of the page's ruled tables."""
    try:
        page = plumber_doc.pages[page_index]
        found = page.find_tables()
    except Exception:
        return []
    out = []
    for t in found:
        rows = [r.cells for r in t.rows]
        if len(rows) >= 2 and max(len(r) for r in rows) >= 2:
            out.append((t.bbox, rows))
    return out


def _chars_in(chars, box) -> list:
    x0, top, x1, bottom = box
    return [c for c in chars if x0 - 1 <= (c[1] + c[3]) / 2 <= x1 + 1 and top - 1 <= (c[2] + c[4]) / 2 <= bottom + 1]


# --------------------------------------------------------------------------------
# one page

def _read_text_page(pdf, index: int, data: bytes,
                    plumber: Callable[[], object] | None) -> tuple[PageResult, str | None, bool]:
    """(page result, why the text layer is unusable or None, page has images)."""
    import pypdfium2.raw as raw

    res = PageResult(number=index + 1)
    with PDFIUM_LOCK:
        page = pdf[index]
        if raw.FPDFPage_GetAnnotCount(page.raw) > 0:
            # form fields and stamps (a number or date filled in at signing) carry text in
            # their appearance: flatten them into the page so the text layer has them
            if raw.FPDFPage_Flatten(page.raw, raw.FLAT_NORMALDISPLAY) == raw.FLATTEN_SUCCESS:
                page.close()
                page = pdf[index]
        width, height = page.get_size()
        textpage = page.get_textpage()
        raw_lines = _page_lines(textpage, height)
        n_images = hlines = vlines = boxes = 0
        for obj in page.get_objects(max_depth=1):
            if obj.type == raw.FPDF_PAGEOBJ_IMAGE:
                n_images += 1
            elif obj.type == raw.FPDF_PAGEOBJ_PATH:
                try:
                    left, bottom, right, top = obj.get_bounds()
                except Exception:
                    continue
                w, h = right - left, top - bottom
                if h < 3 and w > 15:
                    hlines += 1
                elif w < 3 and h > 8:
                    vlines += 1
                elif w > 8 and h > 8:
                    boxes += 1
        tables = []
        table_error = False
        if (hlines >= 2 and vlines >= 2) or boxes >= 1:
            try:
                tables = find_tables(page, height)
            except Exception:
                table_error = True
    all_text = "\n".join("".join(c[0] for c in ln) for ln in raw_lines)
    font = None
    if legacy.looks_like_tcvn3(all_text):
        raw_lines = [[(legacy.decode_tcvn3(c[0]),) + tuple(c[1:]) for c in ln] for ln in raw_lines]
        all_text = legacy.decode_tcvn3(all_text)
        font = "TCVN3"
    problem = text_problem(all_text)
    res.width, res.height, res.font = width, height, font
    if problem:
        res.lines = [x for ln in raw_lines for x in _segments(ln) if x.text]
        return res, problem, n_images > 0

    # tables on ruled pages (pdfplumber only if the quick finder failed)
    if table_error and plumber is not None:
        doc = plumber()
        if doc is not None:
            tables = _tables(data, index, doc)
    cell_blocks: list[tuple[float, Block]] = []
    if tables:
        kept = []
        in_table: list[list[list]] = [[] for _ in tables]  # per table: its lines' chars
        for ln in raw_lines:
            rest_chars = []
            per_table: list[list] = [[] for _ in tables]
            for c in ln:
                cx, cy = (c[1] + c[3]) / 2, (c[2] + c[4]) / 2
                for k, (bx, _rows) in enumerate(tables):
                    if bx[0] - 1 <= cx <= bx[2] + 1 and bx[1] - 1 <= cy <= bx[3] + 1:
                        per_table[k].append(c)
                        break
                else:
                    rest_chars.append(c)
            kept.append(rest_chars)
            for k, chars in enumerate(per_table):
                if chars:
                    in_table[k].append(chars)
        for tno, (bbox, rows) in enumerate(tables):
            for ri, row in enumerate(rows):
                for ci, cell in enumerate(row):
                    if cell is None:
                        continue
                    texts = []
                    for ln in in_table[tno]:
                        inside = _chars_in(ln, cell)
                        if inside:
                            texts.append(" ".join("".join(c[0] for c in inside).split()))
                    text = " ".join(t for t in texts if t)
                    if text:
                        cell_blocks.append((bbox[1] + ri * 0.001 + ci * 0.00001,
                                            Block(text, kind="table_cell", page=index + 1, table=tno, row=ri, col=ci,
                                                  font=font)))
        raw_lines = [ln for ln in kept if ln]

    lines: list[Line] = []
    for ln in raw_lines:
        lines.extend(_segments(ln))
    res.lines = [ln for ln in lines if ln.text]
    res.cells = cell_blocks
    res.width, res.height, res.font = width, height, font
    return res, None, n_images > 0


def _layout(res: PageResult, repeated: set[str]) -> None:
    """Lines (and table cells) of one page -> blocks."""
    page_no, width, height = res.number, res.width, res.height
    extra = {"ocr": True, "ocr_confidence": res.confidence} if res.ocr else {}
    font = res.font
    positioned: list[tuple[float, Block]] = []
    lines = []
    for ln in res.lines:
        edge = ln.top < 0.12 * height or ln.bottom > 0.88 * height
        if edge and _key(ln.text) in repeated:
            positioned.append((ln.top, Block(ln.text, kind="furniture", page=page_no, font=font, **extra)))
        else:
            lines.append(ln)
    if page_no == 1:
        split = _split_header(lines, width, height)
        if split:
            head, lines = split
            for col in ("left", "right"):
                col_lines = [x for x in head if x.column == col]
                if col_lines:
                    positioned.append((col_lines[0].top - 1000 + (0 if col == "left" else 1),
                                       Block("\n".join(x.text for x in col_lines), kind="paragraph",
                                             page=page_no, font=font, **extra)))
    rest = []
    for ln in lines:
        edge = ln.top < 0.12 * height or ln.bottom > 0.88 * height
        if edge and _PAGE_NO_RE.match(ln.text):
            positioned.append((ln.top, Block(ln.text, kind="furniture", page=page_no, font=font, **extra)))
        else:
            rest.append(ln)
    for para in _paragraphs(rest, width):
        text = _join(para)
        positioned.append((para[0].top, Block(text, kind=_kind(text), page=page_no, font=font, **extra)))
    positioned.extend(res.cells)
    positioned.sort(key=lambda x: x[0])
    res.blocks = [b for _t, b in positioned]
    _mark_signature_boxes(res.blocks)


def _mark_signature_boxes(blocks: list[Block]) -> None:
    """Blocks next to a signature stamp line ("Ký bởi: ...") that read as its details
    ("Cơ quan: ...", "Email: ...", a time) are furniture too."""
    stamps = [i for i, b in enumerate(blocks) if b.kind == "furniture" and _SIGNATURE_RE.match(b.text)]
    for i in stamps:
        for step in (-1, 1):
            j = i + step
            while 0 <= j < len(blocks) and abs(j - i) <= 4 and blocks[j].kind == "paragraph":
                t = blocks[j].text
                if _STAMP_DETAIL_RE.match(t) or _SIGNATURE_RE.match(t) or (
                        len(t) < 80 and re.search(r"@|\d{1,2}:\d{2}(:\d{2})?|[+-]\d{2}:?\d{2}\b", t)):
                    blocks[j].kind = "furniture"
                    j += step
                else:
                    break


def _ocr_page(pdf, index: int, ocr_mod, timeout: float | None = None) -> PageResult:
    with PDFIUM_LOCK:
        page = pdf[index]
        width, height = page.get_size()
        image = ocr_mod.render_page(page)
    lines, conf = ocr_mod.ocr_image(image, timeout)
    # OCR lines are in pixels: scale to points for the layout
    scale = width / image.width if image.width else 1.0
    pts = [Line(ln.text, ln.x0 * scale, ln.x1 * scale, ln.top * scale, ln.bottom * scale) for ln in lines]
    return PageResult(number=index + 1, lines=pts, width=width, height=height, ocr=True, confidence=conf)


# --------------------------------------------------------------------------------

def _open(data: bytes):
    import pypdfium2 as pdfium

    try:
        with PDFIUM_LOCK:
            pdf = pdfium.PdfDocument(data)
            n = len(pdf)
    except pdfium.PdfiumError as err:
        msg = str(err).lower()
        if "password" in msg:
            raise ReadError("The PDF is protected with a password: ask the sender for an unprotected copy.",
                            "encrypted")
        if "format" in msg or "file" in msg or "page" in msg:
            raise ReadError("The PDF is damaged and cannot be opened; ask for a new copy of the file.", "corrupt")
        raise ReadError(f"The PDF cannot be opened ({err}); ask for a new copy of the file.", "corrupt")
    except Exception as err:
        raise ReadError(f"The PDF cannot be opened ({type(err).__name__}); ask for a new copy of the file.",
                        "corrupt")
    if n <= 0:
        raise ReadError("The PDF has no pages.", "empty")
    return pdf, n


def read(data: bytes, name: str = "", progress: Callable[[int, int], None] | None = None,
         workers: int | None = None, ocr: bool = True) -> SourceDoc:
    """Read a PDF. ``progress(done, total)`` is called after each page."""
    import os

    from pipeline.readers import ocr as ocr_mod

    pdf, n = _open(data)
    plumber_doc = [None, False]

    def plumber():
        if not plumber_doc[1]:
            plumber_doc[1] = True
            try:
                import io

                import pdfplumber

                plumber_doc[0] = pdfplumber.open(io.BytesIO(data))
            except Exception:
                plumber_doc[0] = None
        return plumber_doc[0]

    results: dict[int, PageResult] = {}
    need_ocr: list[tuple[int, str]] = []
    warnings: list[str] = []
    cut: list[int] = []  # scanned pages left out: over the page limit, or when the time ran out
    cut_by_time: list[int] = []
    done = 0
    try:
        for i in range(n):
            try:
                res, problem, has_images = _read_text_page(pdf, i, data, plumber)
            except ReadError:
                raise
            except Exception as err:
                res, problem, has_images = PageResult(number=i + 1), f"unreadable page ({type(err).__name__})", True
            results[i] = res
            if problem and (has_images or problem != "too little text"):
                need_ocr.append((i, problem))
            else:
                done += 1
                if progress:
                    progress(done, n)
    finally:
        if plumber_doc[0] is not None:
            try:
                plumber_doc[0].close()
            except Exception:
                pass

    if need_ocr and ocr:
        missing = ocr_mod.missing()
        if missing:
            scanned = {i for i, _p in need_ocr}
            if not any(r.lines for i, r in results.items() if i not in scanned):
                with PDFIUM_LOCK:
                    pdf.close()
                raise ReadError(missing, "unreadable")
            warnings.append(f"{len(need_ocr)} page(s) look scanned but were not read: {missing}")
        else:
            workers = workers or ocr_mod.default_workers()
            lock = threading.Lock()
            max_pages, max_seconds = ocr_mod.limits()
            todo = need_ocr[:max_pages] if max_pages else need_ocr
            cut += [i + 1 for i, _p in need_ocr[len(todo):]]
            deadline = time.monotonic() + max_seconds if max_seconds else None
            page_timeout = ocr_mod._env_float("MINUTES_OCR_TIMEOUT", ocr_mod.DEFAULT_TIMEOUT)

            def job(item):
                i, problem = item
                timeout = page_timeout
                if deadline is not None:
                    timeout = min(page_timeout, deadline - time.monotonic())
                    if timeout < 1:
                        return i, problem, None  # the document's OCR time is spent
                try:
                    r = _ocr_page(pdf, i, ocr_mod, timeout)
                except ReadError as err:
                    if err.kind == "timeout" and timeout < page_timeout:
                        return i, problem, None
                    r = PageResult(number=i + 1, warning=f"page {i + 1}: {err.reason}")
                except Exception as err:  # one bad page must not sink the document
                    r = PageResult(number=i + 1, warning=f"page {i + 1} could not be OCRed ({type(err).__name__})")
                return i, problem, r

            with ThreadPoolExecutor(max_workers=max(1, workers)) as ex:
                for i, problem, r in ex.map(job, todo):
                    if r is None:
                        cut_by_time.append(i + 1)
                        continue
                    old = results[i]
                    old_text, new_text = old.text(), r.text()
                    if r.lines and (not old.lines or problem == "too little text"
                                    or text_score(new_text) >= text_score(old_text)):
                        results[i] = r
                    if r.warning:
                        warnings.append(r.warning)
                    with lock:
                        done += 1
                        if progress:
                            progress(done, n)
    with PDFIUM_LOCK:
        pdf.close()

    repeated = _running_keys(results, n)
    for r in results.values():
        _layout(r, repeated)
    blocks: list[Block] = []
    tables: dict[tuple[int, int], int] = {}
    for i in range(n):
        for b in results[i].blocks:
            b.index = len(blocks)
            if b.table is not None:  # tables are numbered per page while reading: number them in the document
                b.table = tables.setdefault((i, b.table), len(tables))
            blocks.append(b)
    cut_note = _ocr_cut(cut, cut_by_time, ocr_mod) if cut or cut_by_time else None
    if not any(not b.is_furniture for b in blocks):
        if cut_note:
            raise ReadError(f"The PDF's scanned pages were not read: {cut_note['note']}", "ocr_limit")
        if need_ocr and not ocr:
            raise ReadError("The PDF holds only scanned pages and OCR is turned off.", "empty")
        raise ReadError("The PDF has no readable text (it may be blank or hold only pictures that OCR could "
                        "not read).", "empty")
    ocr_pages = sorted(i + 1 for i in results if results[i].ocr)
    meta = parse_header(blocks)
    if ocr_pages:
        meta["ocr_pages"] = ocr_pages
        confs = [results[i - 1].confidence for i in ocr_pages if results[i - 1].confidence is not None]
        if confs:
            meta["ocr_confidence"] = round(sum(confs) / len(confs), 1)
        warnings.append(f"{len(ocr_pages)} page(s) read by OCR; check names and numbers against the original.")
    if cut_note:
        meta["ocr_cut"] = cut_note
        warnings.append(cut_note["note"])
    return SourceDoc(blocks=blocks, format="pdf", pages=n, metadata=meta, warnings=warnings)


def _ocr_cut(by_pages: list[int], by_time: list[int], ocr_mod) -> dict:
    """What the OCR limits per document left out: the pages, the limits, and one sentence saying so."""
    max_pages, max_seconds = ocr_mod.limits()
    pages = sorted(by_pages + by_time)
    why = []
    if by_pages:
        why.append(f"at most {max_pages} scanned pages are read per document (MINUTES_OCR_MAX_PAGES)")
    if by_time:
        why.append(f"OCR stops after {max_seconds:g} s per document (MINUTES_OCR_MAX_SECONDS)")
    note = (f"{len(pages)} scanned page(s) not read ({_page_list(pages)}): {' and '.join(why)}; "
            "check the original for what they hold.")
    return {"pages": pages, "max_pages": max_pages, "max_seconds": max_seconds, "note": note}


def _page_list(pages: list[int]) -> str:
    """1, 2, 3, 7 -> "pages 1-3, 7"."""
    runs: list[list[int]] = []
    for p in pages:
        if runs and p == runs[-1][-1] + 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    parts = [f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs]
    return ("pages " if len(pages) > 1 else "page ") + ", ".join(parts)


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", text.strip().lower()))


def _running_keys(results: dict[int, PageResult], n: int) -> set[str]:
    """Lines at the top/bottom edge repeated on many pages: running headers/footers."""
    if n < 2:
        return set()
    counts: Counter = Counter()
    for r in results.values():
        for k in r.edge_keys():
            counts[k] += 1
    need = max(2, int(0.4 * n))
    return {k for k, c in counts.items() if c >= need and len(k) >= 3}
