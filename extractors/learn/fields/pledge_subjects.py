"""Who registered: the subject candidates of a pledge.

The organization-like noun phrases around the number (their distance, rank
and what stands between), tuned for pledges: the folding of phrase texts is memoized and the phrases
of a sentence are computed once per document rather than once per number
(the shared function spent most of the pledges suggester's time there), and
a few more features say what the phrase looks like (its first word's POS, a
digit, a time word); an organization head of several words ("Cụm thi đua",
"Khối thi đua") is read whole, so "Cụm thi đua số 5" is a candidate; "của/
thuộc/trong X" is looked for after every extent of the counted noun.
"""

from __future__ import annotations

import re

from extractors.learn.candidates import Candidate
from extractors.learn.context import DocContext, bucket, fword, low
from extractors.learn.phrases import org_phrases as _org_phrases, trim



def org_phrases(ctx: DocContext, a: int, b: int, **kw) -> list[tuple[int, int]]:
    """``phrases.org_phrases`` reading an organization head of several words whole."""
    return _org_phrases(ctx, a, b, whole_heads=True, **kw)
_TIME_WORDS = frozenset({"giai đoạn", "năm", "quý", "tháng", "tuần", "ngày", "đợt", "nhiệm kỳ", "kỳ", "khóa",
                         "sáng", "chiều", "tối", "hôm nay", "hiện nay", "đến nay", "tính đến"})




_OF_RE = re.compile(r"\s*[”\"'’»]?\s*(?:\(|của|tại|ở|thuộc|trong|do)\s+", re.IGNORECASE)
_TOAN_RE = re.compile(r"(?<!\w)(?:[Tt]oàn|[Cc]ả)\s+(?:\w+\s?){1,3}")
_QUOTE_RE = re.compile(r"[“\"«‘]")


def subject_candidates(ctx: DocContext, task: str, a: int, b: int, group: str, rule_values: list,
                       toan: bool = False, cache: dict | None = None,
                       unit_ends: list[int] | None = None) -> list[Candidate]:
    s = ctx.s
    cache = cache if cache is not None else {}

    def phrases(x: int, y: int) -> list[tuple[int, int]]:
        key = (x, y)
        if key not in cache:
            cache[key] = org_phrases(ctx, x, y)
        return cache[key]
    opts: dict[tuple[int, int], set[str]] = {}

    def add(x: int, y: int, src: str) -> None:
        while y > x and s[y - 1] in " ,;:-–(":
            y -= 1
        if y - x >= 2:
            opts.setdefault((x, y), set()).add(src)

    sa, sb = ctx.sentence(a)
    for x, y in org_phrases(ctx, sa, a):
        add(x, y, "before")
    for x, y in org_phrases(ctx, b, sb):
        add(x, y, "after")
    for e in sorted({b, *(unit_ends or ())}):
        m = _OF_RE.match(s, e)  # "N đơn vị thuộc/của/trong X"
        if m:
            for x, y in org_phrases(ctx, m.end(), min(sb, m.end() + 200), per_start=12):
                if x == m.end():
                    add(x, y, "of")
    if sa > 0:
        pa, pb = ctx.sentence(sa - 1)
        for x, y in phrases(pa, pb)[:16]:
            add(x, y, "prev")
    head = ctx.list_header(a)
    if head:
        for x, y in phrases(*head)[:16]:
            add(x, y, "listhead")
    if toan:
        for m2 in _TOAN_RE.finditer(s, sa, a):
            ws = ctx.words_in(m2.start(), m2.end())
            for j in range(1, len(ws)):
                add(ws[0].start, ws[j].end, "toan")
    for x, y in phrases(*ctx.lines[ctx.first_body_line])[:10]:
        add(x, y, "headline")
    for v in rule_values:
        pos = ctx.locate(v, b + 300) if v else -1
        if pos >= 0:
            add(pos, pos + len(v), "rule")
    # rank of each option by distance, before and after the item separately
    dist = {}
    for (x, y) in opts:
        dist[(x, y)] = len(ctx.words_in(y, a)) if y <= a else -len(ctx.words_in(b, x)) if x >= b else 0
    before = sorted((k for k in opts if k[1] <= a and ctx.sentence(k[0])[0] == sa), key=lambda k: (dist[k], -(k[1] - k[0])))
    after = sorted((k for k in opts if k[0] >= b and k[0] < sb), key=lambda k: (-dist[k], -(k[1] - k[0])))
    rank = {}
    for lst in (before, after):
        starts_seen: list[int] = []
        for k in lst:
            if k[0] not in starts_seen:
                starts_seen.append(k[0])
            rank[k] = len(starts_seen)
    counts: dict[str, int] = {}
    for (x, y) in opts:
        counts[low(s[x:y])] = counts.get(low(s[x:y]), 0) + 1
    out = []
    for (x, y), srcs in opts.items():
        val = trim(s[x:y])
        if len(val) < 2:
            continue
        ws = ctx.words_in(x, y)
        f: dict[str, float] = {f"src={src}": 1.0 for src in srcs}
        f[f"len={min(len(ws), 8)}"] = 1.0
        if ws:
            f[f"head={fword(ws[0].text)}"] = 1.0
            f[f"last={fword(ws[-1].text)}"] = 1.0
            f[f"headshape={'Xx' if ws[0].text[:1].isupper() else 'x'}"] = 1.0
            f[f"headpos={ws[0].tag or '?'}"] = 1.0
            if low(ws[0].text) in _TIME_WORDS:
                f["head.time"] = 1.0
            if any(ch.isdigit() for ch in val):
                f["digit"] = 1.0
        if any(h == x for h, _ in ctx.between("orghead", x, y)):
            f["orghead.start"] = 1.0
        if ctx.has("place", x, y):
            f["place"] = 1.0
        d = dist[(x, y)]
        f[f"dist={bucket(d, (-12, -4, -1, 1, 3, 6, 12, 25))}"] = 1.0
        r = rank.get((x, y))
        if r is not None:
            f[f"rank.{'before' if y <= a else 'after'}={min(r, 4)}"] = 1.0
        lo, hi = (y, a) if y <= a else (b, x)
        if lo < hi:
            gap = s[lo:hi]
            if "\n" not in gap:
                f["same_line"] = 1.0
            if not any(c in gap for c in ",;:."):
                f["same_clause"] = 1.0
            if _QUOTE_RE.search(gap):
                f["quote_between"] = 1.0
            if ctx.has("build", lo, hi) or ctx.has("reg", lo, hi):
                f["verb.between"] = 1.0
            if ctx.has("model", lo, hi):
                f["model_word.between"] = 1.0
        prv = ctx.words_before(x, 1)
        f[f"prev={fword(prv[0].text) if prv else '<line>'}"] = 1.0
        nxt = ctx.words_after(y, 1)
        f[f"next={fword(nxt[0].text) if nxt else '</line>'}"] = 1.0
        if nxt and nxt[0].tag:
            f[f"next.pos={nxt[0].tag}"] = 1.0
        if y < len(s) and s[y:y + 1] in ",;:.)":
            f[f"ends_at={s[y]}"] = 1.0
        f[f"freq={bucket(counts.get(low(val), 1), (2, 3))}"] = 1.0
        if "rule" in srcs and len(srcs) == 1:
            f["rule.only"] = 1.0
        out.append(Candidate(task, val, x, y, "+".join(sorted(srcs)), f"{group}.org", f, parent=group))
    return out
