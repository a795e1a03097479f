"""Ruled tables of a PDF page found from its vector lines, with pypdfium2 only.

pdfplumber's ``find_tables`` costs ~0.4 s a page (it parses every object in
Python); this reads the page's path objects through pdfium (a few ms):
thin filled rectangles and stroked line segments become horizontal and
vertical rules, rules that touch are grouped into tables, and each row band
is cut into cells at the vertical rules that cross it (so a cell merged
across columns stays one cell, at its first column's index).

Coordinates returned are top-down (distance from the top of the page), as
the PDF reader uses.
"""

from __future__ import annotations

import ctypes

SNAP = 2.0  # points: rules closer than this are the same rule
THIN = 3.0  # a rectangle thinner than this is a rule


def _edges(page, height: float):
    import pypdfium2.raw as raw

    hs: list[tuple[float, float, float]] = []  # (y, x0, x1) in top-down coords
    vs: list[tuple[float, float, float]] = []  # (x, top, bottom)
    x = ctypes.c_float()
    y = ctypes.c_float()
    for obj in page.get_objects(max_depth=2):
        if obj.type != raw.FPDF_PAGEOBJ_PATH:
            continue
        try:
            left, bottom, right, top = obj.get_bounds()
        except Exception:
            continue
        w, h = right - left, top - bottom
        if h < THIN and w > 6:
            hs.append((height - (top + bottom) / 2, left, right))
            continue
        if w < THIN and h > 6:
            vs.append(((left + right) / 2, height - top, height - bottom))
            continue
        if w < 6 or h < 6:
            continue
        # a larger path: walk its segments (rectangles, polylines) when it is stroked;
        # filled boxes without a stroke are highlights and shading, not rules
        fill = ctypes.c_int()
        stroke = ctypes.c_int()
        if raw.FPDFPath_GetDrawMode(obj.raw, ctypes.byref(fill), ctypes.byref(stroke)) and not stroke.value:
            continue
        m = obj.get_matrix()
        n = raw.FPDFPath_CountSegments(obj.raw)
        if n <= 0 or n > 4000:
            continue
        pts: list[tuple[float, float, int, bool]] = []
        for i in range(n):
            seg = raw.FPDFPath_GetPathSegment(obj.raw, i)
            if not seg or not raw.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y)):
                continue
            px = m.a * x.value + m.c * y.value + m.e
            py = m.b * x.value + m.d * y.value + m.f
            pts.append((px, py, raw.FPDFPathSegment_GetType(seg), bool(raw.FPDFPathSegment_GetClose(seg))))
        start = None
        prev = None
        for px, py, kind, close in pts:
            if kind == raw.FPDF_SEGMENT_MOVETO:
                start = prev = (px, py)
                continue
            if prev is None:
                start = prev = (px, py)
                continue
            if kind == raw.FPDF_SEGMENT_LINETO:
                _add(prev, (px, py), hs, vs, height)
            prev = (px, py)
            if close and start:
                _add(prev, start, hs, vs, height)
                prev = start
    return hs, vs


def _add(a, b, hs, vs, height):
    (x0, y0), (x1, y1) = a, b
    if abs(y0 - y1) < 0.5 and abs(x1 - x0) > 6:
        hs.append((height - y0, min(x0, x1), max(x0, x1)))
    elif abs(x0 - x1) < 0.5 and abs(y1 - y0) > 6:
        vs.append((x0, height - max(y0, y1), height - min(y0, y1)))


def _cluster(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= SNAP:
            continue
        out.append(v)
    return out


def find_tables(page, height: float):
    """[(bbox (x0, top, x1, bottom), rows: [[cell bbox or None, ...], ...])]."""
    hs, vs = _edges(page, height)
    if len(hs) < 2 or len(vs) < 2:
        return []
    # group rules that touch each other into tables (union-find over rules)
    rules = [("h", *e) for e in hs] + [("v", *e) for e in vs]
    parent = list(range(len(rules)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    hidx = [i for i, r in enumerate(rules) if r[0] == "h"]
    vidx = [i for i, r in enumerate(rules) if r[0] == "v"]
    for i in hidx:
        _t, y, x0, x1 = rules[i]
        for j in vidx:
            _t2, x, top, bottom = rules[j]
            if x0 - SNAP <= x <= x1 + SNAP and top - SNAP <= y <= bottom + SNAP:
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(rules)):
        groups.setdefault(find(i), []).append(i)
    tables = []
    for members in groups.values():
        gh = [rules[i] for i in members if rules[i][0] == "h"]
        gv = [rules[i] for i in members if rules[i][0] == "v"]
        if len(gh) < 2 or len(gv) < 2:
            continue
        ys = _cluster([r[1] for r in gh])
        xs = _cluster([r[1] for r in gv])
        if len(ys) < 3 and len(xs) < 3:
            continue  # a single box (a frame, a signature stamp), not a table
        if len(ys) < 2 or len(xs) < 2:
            continue
        rows = []
        for top, bottom in zip(ys, ys[1:]):
            mid = (top + bottom) / 2
            cuts = [x for x in xs if any(abs(r[1] - x) <= SNAP and r[2] - SNAP <= mid <= r[3] + SNAP for r in gv)]
            if len(cuts) < 2:
                continue
            row: list = [None] * (len(xs) - 1)
            for a, b in zip(cuts, cuts[1:]):
                col = min(range(len(xs)), key=lambda k: abs(xs[k] - a))
                if col < len(row):
                    row[col] = (a, top, b, bottom)
            rows.append(row)
        widths = sorted(c[2] - c[0] for r in rows for c in r if c)
        heights = sorted(r[0][3] - r[0][1] for r in rows if r and r[0])
        if len(xs) > 25 or not widths or widths[len(widths) // 2] < 15 or (heights and heights[len(heights) // 2] < 8):
            continue  # word-sized boxes: underlines or a drawing, not a table
        if len(rows) >= 2 and max(sum(c is not None for c in r) for r in rows) >= 2:
            tables.append(((xs[0], ys[0], xs[-1], ys[-1]), rows))
    tables.sort(key=lambda t: t[0][1])
    return tables
