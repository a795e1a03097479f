"""Who built a model: the unit options of one model mention, as candidates of
``models.organization``.

Options are the organization-like noun phrases of the mention's sentence,
the sentence before, a list's header line and the headline (``unit_phrases``:
a head noun that starts a word, a capitalized run, a lower-case unit or place
noun such as "thôn", "tổ dân phố"), never a phrase inside a quoted name nor
the mention itself.

Features say how the phrase is tied to the mention, the way Vietnamese ties
a unit to its model:

* "mô hình “X” của / ở / tại / do Y": the phrase right after a connector
  that follows the name (``of.direct``), or after a connector later in the
  clause (``of.later``);
* "Y (đã) xây dựng / đăng ký / triển khai mô hình X": the phrase opens the
  clause or sentence and a building or registering verb stands between
  (``subj``);
* "Tại Y, …", "Y: mô hình …", "Y với mô hình …";
* what stands between: other quoted names or model words (another model's
  unit), other unit phrases (rank), clause and line breaks;
* what the phrase looks like: its head, capitals, a place word, whether it
  is the longest extent from its start, what follows it.
"""

from __future__ import annotations

import bisect
import re

from extractors.learn.candidates import Candidate
from extractors.learn.context import NOUNISH, DocContext, bucket, fword
from extractors.learn.phrases import quoted_spans, trim

_STOP_CHARS = set(".;:!?()[]\"“”‘’«»\n")
_JOIN = {"và", ",", "các", "cấp", "khối", "-", "–", "&"}
#: Lower-case nouns that open a unit or a place where no head of the lexicon does.
_UNIT_START_RE = re.compile(r"(?:tổ dân phố|khu dân cư|khu phố|tổ liên gia|tổ|thôn|xóm|ấp|bản|làng|buôn|khu|"
                            r"đội|chi hội|chi đoàn|tuổi trẻ|lực lượng|hộ|nhóm|câu lạc bộ|CLB|toàn|các|cả)(?!\w)",
                            re.IGNORECASE)
_CONNECTORS = ("của", "ở", "tại", "thuộc", "do", "trong", "cho")
_CONN_RE = re.compile(r"(?<!\w)(?:của|ở|tại|thuộc|do|trong)(?!\w)", re.IGNORECASE)
_CLOSE_Q = "”\"'’»"
_LISTMARK_RE = re.compile(r"^[ \t]*(?:[-–•+*·]|\d{1,2}\s*[.)/]|[a-zđ]\s*[.)])\s*")
_INTRO_RE = re.compile(r"^(?:tại|ở|với|riêng|đối với|trong đó|như|điển hình|nổi bật|tiêu biểu)(?!\w)\s*(?:là\s*)?",
                       re.IGNORECASE)


def _doc_cache(ctx: DocContext) -> dict:
    cache = getattr(ctx, "_units_cache", None)
    if cache is None:
        quotes = [(a, b) for _q, a, b, closed in quoted_spans(ctx) if closed]
        cache = {"quotes": quotes, "phrases": {}, "trig": ctx.spans("model")}
        ctx._units_cache = cache
    return cache


def _in_quote(cache: dict, x: int, y: int) -> bool:
    for qa, qb in cache["quotes"]:
        if qa <= x < qb:
            return True
        if qa > x:
            break
    return False


def unit_phrases(ctx: DocContext, a: int, b: int, max_words: int = 14, per_start: int = 10) -> list[tuple[int, int]]:
    """Unit-like noun phrases in [a, b): every extent that ends on a content word,
    from every word that can open a unit's name."""
    ws = ctx.words_in(a, b)
    if not ws:
        return []
    head_spans = ctx.between("orghead", a, b)
    word_ends = {w.end for w in ws}
    word_starts = {w.start for w in ws}
    # a head noun counts where it starts a word and ends at a word's end ("xã" but not "xã hội")
    head_starts = {x for x, y in head_spans if x in word_starts and y in word_ends}
    out: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    for i, w in enumerate(ws):
        first = w.text[:1]
        cap = first.isupper() and first.isalpha()
        lower_unit = bool(_UNIT_START_RE.match(ctx.s, w.start)) and _UNIT_START_RE.match(ctx.s, w.start).end() in word_ends
        if not (cap or w.start in head_starts or lower_unit):
            continue
        if cap and w.start not in head_starts and not lower_unit and _weak_capital(ctx, w):
            continue
        if i > 0 and cap and ws[i - 1].text[:1].isupper() and not ctx.s[ws[i - 1].end:w.start].strip() \
                and w.start not in head_starts:
            continue  # inside a capitalized run: only its first word opens a phrase
        k = 0
        prev_end = w.start
        skip_to = -1
        proper = False
        for j in range(i, min(len(ws), i + max_words)):
            x = ws[j]
            if x.start < skip_to:
                continue
            if x.text == "(" and j > i:
                close_at = ctx.s.find(")", x.end, min(len(ctx.s), x.end + 80))
                if close_at > 0 and "\n" not in ctx.s[x.end:close_at] and close_at < b:
                    skip_to = close_at + 1
                    prev_end = skip_to
                    if (w.start, skip_to) not in seen:
                        seen.add((w.start, skip_to))
                        out.append((w.start, skip_to))
                    continue
                break
            gap = ctx.s[prev_end:x.start]
            if j > i and any(c in _STOP_CHARS or c == "," for c in gap) and x.lower not in _JOIN:
                break
            if any(c in _STOP_CHARS for c in x.text):
                break
            content = x.text[:1].isupper() or x.tag in NOUNISH or x.tag in ("M", "A") or x.text[:1].isdigit() \
                or (not x.tag and x.text[:1].isalpha() and x.lower not in _JOIN)
            if x.tag in ("V", "E", "C", "R", "CH", "P", "L") and not x.text[:1].isupper() and x.lower not in _JOIN \
                    and j > i:
                break
            if not content and x.lower not in _JOIN:
                break
            in_head = any(hx <= x.start and x.end <= hy for hx, hy in head_spans) or bool(_UNIT_START_RE.match(ctx.s, x.start))
            if proper and not x.text[:1].isupper() and not x.text[:1].isdigit() and not in_head \
                    and x.lower not in _JOIN:
                break  # after a proper name only another unit goes on ("… Cẩm Xuyên huyện …", not "… trước đây")
            if x.text[:1].isupper() and not in_head:
                proper = True
            prev_end = x.end
            if content and x.lower not in _JOIN:
                if (w.start, x.end) not in seen:
                    seen.add((w.start, x.end))
                    out.append((w.start, x.end))
                    k += 1
                    if k >= per_start:
                        break
    return out


def _weak_capital(ctx: DocContext, w) -> bool:
    """A capital that says nothing about a name: the first word of a sentence
    or line that is no proper noun ("Để", "Từ năm …"), or any word of a line
    written in capitals."""
    la, lb = ctx.line(w.start)
    caps = getattr(ctx, "_caps_lines", None)
    if caps is None:
        caps = ctx._caps_lines = {}
    got = caps.get(la)
    if got is None:
        letters = [c for c in ctx.s[la:lb] if c.isalpha()]
        got = caps[la] = len(letters) > 8 and all(c.isupper() for c in letters)
    if got:
        return True
    sa, _ = ctx.sentence(w.start)
    lo = max(la, sa)
    if not any(c.isalnum() for c in ctx.s[lo:w.start]) and w.tag not in ("Np", "Ny"):
        return True
    return False


def _cached_phrases(ctx: DocContext, cache: dict, a: int, b: int) -> list[tuple[int, int]]:
    key = (a, b)
    got = cache["phrases"].get(key)
    if got is None:
        got = [(x, y) for x, y in unit_phrases(ctx, a, b) if not _in_quote(cache, x, y)]
        cache["phrases"][key] = got
    return got


def _extended_elsewhere(ctx: DocContext, cache: dict, val: str) -> bool:
    """Whether the document names a longer unit that begins with this one
    ("Đảng ủy Bệnh viện" beside "Đảng ủy Bệnh viện đa khoa huyện X")."""
    vals = cache.get("all")
    if vals is None:
        vals = sorted({trim(ctx.s[x:y]).lower() for x, y in _cached_phrases(ctx, cache, 0, len(ctx.s))})
        cache["all"] = vals
    i = bisect.bisect_left(vals, val + " ")
    return i < len(vals) and vals[i].startswith(val + " ")


def _clause_open(ctx: DocContext, x: int) -> str | None:
    """How the phrase at ``x`` opens its clause: "sent" (sentence or line start,
    after a list marker or an introducing word such as "Tại"), "clause" (after
    , ; :), else None."""
    la, _ = ctx.line(x)
    sa, _ = ctx.sentence(x)
    lo = max(la, sa)
    before = ctx.s[lo:x]
    cut = max(before.rfind(","), before.rfind(";"), before.rfind(":"))
    kind = "sent"
    if cut >= 0:
        before = before[cut + 1:]
        kind = "clause"
    else:
        m = _LISTMARK_RE.match(before)
        if m:
            before = before[m.end():]
    rest = _INTRO_RE.sub("", before.strip())
    return kind if not rest.strip() else None


def unit_candidates(ctx: DocContext, task: str, a: int, b: int, group: str, rule_values: list) -> list[Candidate]:
    s = ctx.s
    cache = _doc_cache(ctx)
    opts: dict[tuple[int, int], set[str]] = {}

    def add(x: int, y: int, src: str) -> None:
        while y > x and s[y - 1] in " ,;:-–(":
            y -= 1
        if y - x >= 2 and not (x < b and y > a):
            opts.setdefault((x, y), set()).add(src)

    sa, sb = ctx.sentence(a)
    la, lb = ctx.line(a)
    for x, y in _cached_phrases(ctx, cache, sa, a):
        add(x, y, "before")
    for x, y in _cached_phrases(ctx, cache, b, sb):
        add(x, y, "after")
    if sa > 0:
        pa, pb = ctx.sentence(sa - 1)
        for x, y in _cached_phrases(ctx, cache, pa, pb)[:20]:
            add(x, y, "prev")
    head = ctx.list_header(a)
    if head:
        for x, y in _cached_phrases(ctx, cache, *head)[:20]:
            add(x, y, "listhead")
    for x, y in _cached_phrases(ctx, cache, *ctx.lines[ctx.first_body_line])[:12]:
        add(x, y, "headline")
    for v in rule_values:
        pos = ctx.locate(v, b + 300) if v else -1
        if pos >= 0:
            add(pos, pos + len(v), "rule")
    if not opts:
        return []

    # the connector right after the name: "“X” của Y", "X ở Y"
    direct = None
    k = b
    while k < len(s) and (s[k] in _CLOSE_Q or s[k] == " "):
        k += 1
    m = _CONN_RE.match(s, k)
    if m:
        direct = (m.group(0).lower(), m.end())
    # other model mentions: quoted names and model words, for "what stands between"
    quotes = cache["quotes"]
    trig = cache["trig"]

    def others_between(lo: int, hi: int) -> int:
        n = sum(1 for qa, qb in quotes if lo <= qa and qb <= hi and not (qa <= a < qb))
        n += sum(1 for ta, tb in trig if lo <= ta and tb <= hi)
        return n


    longest: dict[int, int] = {}
    for x, y in opts:
        longest[x] = max(longest.get(x, 0), y)
    dist = {}
    for (x, y) in opts:
        dist[(x, y)] = len(ctx.words_in(y, a)) if y <= a else -len(ctx.words_in(b, x)) if x >= b else 0
    before = sorted({k[0] for k in opts if k[1] <= a and sa <= k[0]}, reverse=True)
    after = sorted({k[0] for k in opts if k[0] >= b and k[0] < sb})
    rank = {x: i + 1 for i, x in enumerate(before)}
    rank.update({x: i + 1 for i, x in enumerate(after)})
    counts: dict[str, int] = {}
    for (x, y) in opts:
        lv = s[x:y].lower()
        counts[lv] = counts.get(lv, 0) + 1
    head_text = cache.get("head_text")
    if head_text is None:
        head_text = cache["head_text"] = s[slice(*ctx.lines[ctx.first_body_line])].lower()
    out = []
    for (x, y), srcs in opts.items():
        val = trim(s[x:y])
        if len(val) < 2:
            continue
        ws = ctx.words_in(x, y)
        f: dict[str, float] = {}
        side = "b" if y <= a else "a"
        same_sent = sa <= x < sb
        where = ("before" if side == "b" else "after") if same_sent else (
            "prev" if "prev" in srcs else "listhead" if "listhead" in srcs else "headline" if "headline" in srcs
            else "far")
        f[f"where={where}"] = 1.0
        if "headline" in srcs:
            f["in_headline"] = 1.0
        if "rule" in srcs:
            f["src=rule"] = 1.0
        f[f"len={min(len(ws), 8)}"] = 1.0
        if ws:
            f[f"head={fword(ws[0].text)}"] = 1.0
            f[f"headshape={'Xx' if ws[0].text[:1].isupper() else 'x'}"] = 1.0
        if any(h == x for h, _ in ctx.between("orghead", x, y)):
            f["orghead.start"] = 1.0
        elif _UNIT_START_RE.match(s, x):
            f["unitword.start"] = 1.0
        if ctx.has("place", x, y):
            f["place"] = 1.0
        if longest.get(x) == y:
            f["longest"] = 1.0
        if same_sent:
            d = dist[(x, y)]
            f[f"dist={bucket(d, (-12, -4, -1, 1, 3, 6, 12, 25))}"] = 1.0
            r = rank.get(x)
            if r is not None:
                f[f"rank.{side}={min(r, 4)}"] = 1.0
            lo, hi = (y, a) if side == "b" else (b, x)
            gap = s[lo:hi]
            n_other = others_between(lo, hi)
            f[f"others_between={min(n_other, 2)}"] = 1.0
            if "\n" in gap:
                f["line_break"] = 1.0
            clause = not any(c in gap for c in ",;:")
            if clause:
                f[f"same_clause.{side}"] = 1.0
            if ";" in gap:
                f["semicolon_between"] = 1.0
            if side == "a":
                if direct and direct[1] <= x and not s[direct[1]:x].strip():
                    f["of.direct"] = 1.0
                    f[f"of.direct={direct[0]}"] = 1.0
                else:
                    pw = ctx.words_before(x, 1)
                    if pw and pw[0].lower in _CONNECTORS:
                        f["of.later"] = 1.0
                        f[f"of.later={pw[0].lower}"] = 1.0
                        if n_other == 0:
                            f["of.later.clear"] = 1.0
            else:
                op = _clause_open(ctx, x)
                vb = "reg" if ctx.has("reg", lo, hi) else "build" if ctx.has("build", lo, hi) else "none"
                if op:
                    f[f"subj.{op}"] = 1.0
                    f[f"subj.{vb}"] = 1.0
                    f[f"subj.{op}.{vb}"] = 1.0
                    if n_other == 0:
                        f["subj.clear"] = 1.0
                else:
                    f[f"verb_between={vb}"] = 1.0
                after_txt = s[y:y + 8]
                if after_txt.lstrip().startswith(":"):
                    f["colon_after"] = 1.0
                nx = ctx.words_after(y, 1)
                if nx and nx[0].lower == "với":
                    f["voi_after"] = 1.0
                pw = ctx.words_before(x, 1)
                if pw and pw[0].lower in ("tại", "ở") and s[y:y + 2].lstrip()[:1] == ",":
                    f["tai_comma"] = 1.0
        prv = ctx.words_before(x, 1)
        if prv:
            f[f"prev={fword(prv[0].text)}"] = 1.0
            if ctx.has("role", prv[0].start, prv[0].end) or ctx.has("role", max(0, x - 14), x):
                f["after_role"] = 1.0
        else:
            f["prev=<line>"] = 1.0
        nxt = ctx.words_after(y, 1)
        if nxt and nxt[0].tag:
            f[f"next.pos={nxt[0].tag}"] = 1.0
        if y < len(s) and s[y:y + 1] in ",;:.)":
            f[f"ends_at={s[y]}"] = 1.0
        lv = val.lower()
        f[f"freq={bucket(counts.get(lv, 1), (2, 3))}"] = 1.0
        if lv in head_text:
            f["named_in_headline"] = 1.0
        if _extended_elsewhere(ctx, cache, lv):
            f["extended_elsewhere"] = 1.0
        out.append(Candidate(task, val, x, y, "+".join(sorted(srcs)), f"{group}.org", f, parent=group))
    return out
