"""Theme candidates: quoted texts, and the unquoted text after "chủ đề",
"chuyên đề" ("với chủ đề …", "chủ đề năm 2021 là: …") at every sentence or
clause end. The year comes from the words around it (the rules' reading:
"chủ đề năm 2021 “…”", a year right after the theme, "Năm 2019, …").

Whether a quoted text is a theme (and not a model, a slogan or a title) is
the model's decision: the trigger before it and at what distance, what the
text looks like, the headline, and what the rules said.
"""

from __future__ import annotations

import re

from extractors.learn.candidates import Candidate, suggester
from extractors.learn.context import DocContext, bucket, edge_features, low, span_context_features, vkey
from extractors.learn.phrases import quoted_spans, trim
from extractors.themes import _doc_year, _year

_HEAD_RE = re.compile(r"(?<!\w)(?:chủ đề|chuyên đề)(?!\w)", re.IGNORECASE)
_SPEC_END_RE = re.compile(r"\s*(?::|là(?!\w)\s*:?|về(?!\w))?\s*")
_STOP_RE = re.compile(r"[,;.!?\n]|\s(?:nhằm|do|tại|để|được|đã|đến|với sự|góp phần|vào|trong đó|gồm)(?=\s)", re.IGNORECASE)
_NAMED_YEAR_RE = re.compile(r"(?<=[a-zđà-ỹ,] )Năm(?: [a-zđà-ỹ]+){1,7}(?= (?:năm )?(?:19|20)\d\d(?!\d))")
_QUOTE_CHARS = "“”\"'‘’«»"
SENT_CLASSES = ("theme", "model", "quoteword", "campaign", "event", "reg", "build", "mtrig")


def _options(ctx: DocContext) -> list[tuple[int, int, str, str, int | None]]:
    """(start, end, source, group, trigger end) of every theme option."""
    out = []
    heads = ctx.spans("theme")
    head_ends = [b for _, b in heads]
    for q, a, b, closed in quoted_spans(ctx, limit=400):
        trig = None
        for he in reversed(head_ends):
            if he <= q and q - he <= 160 and "\n" not in ctx.s[he:q]:
                trig = he
                break
            if he <= q:
                break
        out.append((a, b, "quote" if closed else "quote_open", f"t{a}", trig))
        if not closed:
            # a quote never closed: also each clause end and stop word inside it
            for p in _STOP_RE.finditer(ctx.s, a, b):
                if p.start() - a >= 6:
                    out.append((a, p.start(), "quote_open_cut", f"t{a}", trig))
    for m in _HEAD_RE.finditer(ctx.s):
        after = _SPEC_END_RE.match(ctx.s, m.end())
        start = after.end() if after else m.end()
        sa, sb = ctx.sentence(m.start())
        la, lb = ctx.line(m.start())
        hi = min(sb, lb)
        if any(c in _QUOTE_CHARS for c in ctx.s[start:min(hi, start + 80)]):
            continue  # a quoted theme follows: the quote is the candidate
        ends = {hi}
        for p in _STOP_RE.finditer(ctx.s, start, hi):
            ends.add(p.start())
        for e in sorted(ends)[:4]:
            if 6 <= e - start <= 250:
                out.append((start, e, "after_head", f"t{start}", m.end()))
    for m in _NAMED_YEAR_RE.finditer(ctx.s):
        # "hưởng ứng Năm an toàn giao thông 2017": a year named by its theme, unquoted
        ws = ctx.words_in(m.start(), m.end())
        for w in ws[1:]:
            out.append((m.start(), w.end, "named_year", f"t{m.start()}", None))
    for it in ctx.rule_items("themes"):
        t = it.value.get("text") or ""
        pos = ctx.s.find(t, max(0, it.start - 200), it.end + 200) if t else -1
        if pos >= 0:
            out.append((pos, pos + len(t), "rule", f"t{pos}", None))
    return out


@suggester("themes")
def suggest(ctx: DocContext) -> list[Candidate]:
    rules = {vkey(it.value.get("text")): it for it in ctx.rule_items("themes")}
    doc_year = _doc_year(ctx.s)
    out = []
    seen = set()
    for a, b, src, group, trig in _options(ctx):
        text = trim(ctx.s[a:b])
        if len(text) < 3 or (a, b) in seen:
            continue
        seen.add((a, b))
        key = vkey(text)
        rule = rules.get(key)
        if rule is not None:
            year = rule.value.get("year")
        else:
            spec = ctx.s[trig:a] if trig is not None else ""
            year, _local = _year(ctx.s, spec, a, b, doc_year)
        stated = year is not None
        if year is None:
            year = _fallback_year(ctx, a, b)
        f = _features(ctx, a, b, src, text, trig)
        if rule is not None:
            f["rule.eq"] = 1.0
            f[f"rule.conf={bucket(rule.confidence, (0.6, 0.75, 0.9))}"] = 1.0
        if not stated:
            f["no_year"] = 1.0
        out.append(Candidate("themes", {"text": text, "year": year}, a, b, src, group, f))
    return out


_ANY_YEAR_RE = re.compile(r"(?<![\d/.-])(?:\d{1,2}[/.-]\d{1,2}[/.-])?((?:19|20)\d\d)(?![\d/])")


def _fallback_year(ctx: DocContext, a: int, b: int) -> int | None:
    """Where no "năm YYYY" dates the theme: the year of a date in its sentence
    ("từ ngày 9/10 đến 22/12/2019 với chủ đề …"), else the document's year when
    one year dominates its dates."""
    sa, sb = ctx.sentence(a)
    ys = [int(m.group(1)) for m in _ANY_YEAR_RE.finditer(ctx.s, sa, sb) if not (a <= m.start() < b)]
    if ys and len(set(ys)) == 1:
        return ys[0]
    cache = getattr(ctx, "_doc_years", None)
    if cache is None:
        counts: dict[int, int] = {}
        for m in _ANY_YEAR_RE.finditer(ctx.s):
            y = int(m.group(1))
            counts[y] = counts.get(y, 0) + 1
        top = sorted(counts.items(), key=lambda kv: -kv[1])
        cache = top[0][0] if top and top[0][1] * 2 > sum(counts.values()) else None
        ctx._doc_years = cache
    return cache


def _features(ctx: DocContext, a: int, b: int, src: str, text: str, trig: int | None) -> dict[str, float]:
    f: dict[str, float] = {f"src={src}": 1.0}
    ws = ctx.words_in(a, b)
    f[f"len={bucket(len(ws), (2, 4, 7, 12, 20, 30))}"] = 1.0
    f.update(edge_features(ws))
    if trig is not None:
        gap = len(ctx.words_in(trig, a))
        f[f"trigger.gap={bucket(gap, (1, 2, 4, 8, 16))}"] = 1.0
        f[f"trigger={low(ctx.s[max(0, trig - 9):trig].split()[-1] if ctx.s[max(0, trig - 9):trig].split() else '')}"] = 1.0
        if re.search(r"(?<!\w)năm\s+(?:19|20)\d\d", ctx.s[trig:a]):
            f["trigger.year"] = 1.0
        if ctx.has("quoteword", trig, a) or ctx.has("model", trig, a):
            f["trigger.other_between"] = 1.0
    f.update(span_context_features(ctx, a, b, src.startswith("quote"), SENT_CLASSES))
    if text.isupper():
        f["allcaps"] = 1.0
    if ";" in text or any(c in _QUOTE_CHARS for c in text):
        f["inner_punct"] = 1.0
    f[f"chars={bucket(len(text), (10, 20, 40, 80, 120, 200))}"] = 1.0
    return f


def _end_kind(ctx: DocContext, b: int, src: str) -> str:
    """What follows the text: its closing quote, punctuation, the line's end,
    a word that opens another clause ("nhằm", "do", "tại" …) or any word."""
    if src == "quote":
        return "quote"
    k = b
    while k < len(ctx.s) and ctx.s[k] in " \t":
        k += 1
    if k >= len(ctx.s) or ctx.s[k] == "\n":
        return "line"
    if ctx.s[k] in _QUOTE_CHARS:
        return "quote_char"
    if ctx.s[k] in ",;.:!?…)":
        return "punct"
    if _STOP_RE.match(ctx.s, k - 1) or _STOP_RE.match(ctx.s, b):
        return "stop"
    return "word"
