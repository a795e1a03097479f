"""Model candidates: quoted names and the names that follow "mô hình",
"điển hình", "cách làm hay" unquoted; and for each, the organization-like
noun phrases around it that could be the unit that built it.

Whether a quoted text is a model (and not a theme, a slogan, a title or a
campaign) is the model's decision: features say which words come before
(the trigger, at what distance), what the name looks like, what the sentence
holds (a registration or building verb) and what the rules said.
"""

from __future__ import annotations

import re

from extractors.learn.candidates import Candidate, suggester
from extractors.learn.context import (
    DocContext,
    bucket,
    class_features,
    edge_features,
    fword,
    span_context_features,
    vkey,
)
from extractors.learn.fields.units import unit_candidates
from extractors.learn.phrases import name_options, quoted_spans, trim

_TRIGGER_RE = re.compile(r"(?<!\w)(?:mô hình(?:\s+điểm)?|điển hình(?:\s+tiên tiến)?|cách làm hay|gương điển hình|"
                         r"sáng kiến|công trình)\s+(?=[^\s“\"'‘«])", re.IGNORECASE)
SENT_CLASSES = ("reg", "build", "model", "quoteword", "theme", "campaign", "award", "mtrig", "event")


def _names(ctx: DocContext) -> list[tuple[int, int, str, str]]:
    """(start, end, source, group) of every name option; the options that start
    at the same place (a quote, the rules' reading, the extents after a
    trigger) are one group: they compete."""
    out = []
    for q, a, b, closed in quoted_spans(ctx):
        out.append((a, b, "quote" if closed else "quote_open", f"m{a}"))
    for m in _TRIGGER_RE.finditer(ctx.s):
        for a, b in name_options(ctx, m.end()):
            out.append((a, b, "after_trigger", f"m{a}"))
    out.extend(_list_items(ctx))
    for it in ctx.rule_items("models"):
        name = it.value.get("name") or ""
        pos = ctx.s.find(name, max(0, it.start - 5), it.end + 5) if name else -1
        if pos >= 0:
            out.append((pos, pos + len(name), "rule", f"m{pos}"))
    return out


_ITEM_CUT_RE = re.compile(r"[:(.;]|\s(?:của|ở|tại|do|được|đã)\s|\s[-–]\s", re.IGNORECASE)


def _list_items(ctx: DocContext) -> list[tuple[int, int, str, str]]:
    """The items of a list whose header line names models ("… các mô hình sau:")."""
    from extractors.learn.context import LIST_MARKER_RE

    out = []
    for li, (a, b) in enumerate(ctx.lines):
        line = ctx.s[a:b].rstrip()
        if not line.endswith(":") or not ctx.has("model", a, b):
            continue
        for la, lb in ctx.lines[li + 1:li + 16]:
            m = LIST_MARKER_RE.match(ctx.s[la:lb])
            if not m:
                if lb - la > 0:
                    break
                continue
            start = la + m.end()
            if start < lb and ctx.s[start] in "“\"'‘«":
                continue  # quoted: the quote is the candidate
            cut = _ITEM_CUT_RE.search(ctx.s, start, lb)
            ends = {lb} | ({cut.start()} if cut else set())
            for e in sorted(ends):
                while e > start and ctx.s[e - 1] in " ,;:.":
                    e -= 1
                if e - start >= 3:
                    out.append((start, e, "list_item", f"m{start}"))
    return out


@suggester("models")
def suggest(ctx: DocContext) -> list[Candidate]:
    rules = {vkey(it.value.get("name")): it for it in ctx.rule_items("models")}
    rule_names = set(rules)
    counts: dict[str, int] = {}
    opts = _names(ctx)
    cuts = []
    for a, b, src, g in opts:
        if src in ("rule", "list_item", "quote_open"):
            m = _CONN_IN_RE.search(ctx.s, a, b)
            if m and m.start() - a >= 3:
                cuts.append((a, m.start(), src + "_cut", g))
    for a, b, _src, _g in opts:
        k = vkey(ctx.s[a:b])
        counts[k] = counts.get(k, 0) + 1
    triggered = {vkey(ctx.s[a:b]) for a, b, src, _g in opts if src == "after_trigger"}
    intro_by_name = _intro_classes(ctx)
    out: list[Candidate] = []
    seen: set[tuple[int, int]] = set()
    anchors = _anchors(ctx, opts + cuts)
    for a, b, src, group in opts:
        name = trim(ctx.s[a:b])
        if not name or (a, b) in seen or len(name) < 2:
            continue
        seen.add((a, b))
        key = vkey(name)
        f = _features(ctx, a, b, src, name)
        if key in rule_names:
            f["rule.eq"] = 1.0
            f[f"rule.conf={bucket(rules[key].confidence, (0.6, 0.75, 0.9))}"] = 1.0
        if counts.get(key, 0) > 1:
            f["repeated"] = 1.0
        if key in triggered and src != "after_trigger":
            f["also_after_trigger"] = 1.0
        for cls in intro_by_name.get(key, ()):
            f[f"name.introduced_as={cls}"] = 1.0
        out.append(Candidate("models", {"name": name, "organization": None}, a, b, src, group, f))
    plausible = {c.group for c in out if any(k.startswith(_PLAUSIBLE) for k in c.feats)
                 and "intro.model=none" not in c.feats or "rule.eq" in c.feats}
    for group, (a, b, keys) in anchors.items():
        if group not in plausible:
            continue  # nothing presents it as a model: its unit is never asked for (and costs most)
        out.extend(unit_candidates(ctx, "models.organization", a, b, group,
                                   [it.value.get("organization") for it in ctx.rule_items("models")
                                    if vkey(it.value.get("name")) in keys]))
    return out


#: Item features that make a name worth a unit: a model word introducing it or
#: near it, a trigger before it, a list of models, the rules' model.
_PLAUSIBLE = ("rule.eq", "intro.model=", "near.model", "near.mtrig", "src=after_trigger", "src=list_item",
              "name.introduced_as=model")
_CONN_IN_RE = re.compile(r"\s(?:của|ở|tại|do|thuộc)\s+(?=\S)", re.IGNORECASE)


def _intro_classes(ctx: DocContext) -> dict[str, set[str]]:
    """Folded quoted name -> the classes of the nouns that introduce its quotes
    anywhere in the document ("mô hình “X”", "phong trào “X”", "chủ đề “X”"),
    looked for at most three words before the quote."""
    out: dict[str, set[str]] = {}
    for q, a, b, closed in quoted_spans(ctx):
        ws = ctx.words_before(q, 3)
        last = ctx.last_of(_INTRO_CLASSES, q, ws[0].start if ws else q)
        if last:
            out.setdefault(vkey(trim(ctx.s[a:b])), set()).add(last[0])
    return out


_CONN_AFTER_RE = re.compile(r"[\s”\"'’»]*(?:của|ở|tại|do|thuộc)(?!\w)", re.IGNORECASE)


def _unit_tail(ctx: DocContext, a: int, b: int) -> int:
    """An unquoted name that runs into its unit without a connector ("mô hình
    hát then xã An Lạc"): where that unit (a head noun and a proper name)
    begins, else ``b``."""
    ws = ctx.words_in(a, b)
    if len(ws) < 3 or _CONN_AFTER_RE.match(ctx.s, b):
        return b  # "… của Y" follows: Y is the unit
    heads = {x for x, _ in ctx.between("orghead", ws[1].start, b)}
    for i, w in enumerate(ws[1:-1], 1):
        if w.start in heads and ws[i + 1].text[:1].isupper():
            return w.start
    return b


def _anchors(ctx: DocContext, opts: list) -> dict[str, tuple[int, int, set[str]]]:
    """Per group, the extent the unit is looked for around: a closed quote, else
    the longest option that holds no connector ("của", "ở", "tại" …: what
    follows it is the unit); and the folded names of its options."""
    by: dict[str, list] = {}
    for a, b, src, group in opts:
        by.setdefault(group, []).append((a, b, src))
    out = {}
    for group, os_ in by.items():
        keys = {vkey(trim(ctx.s[a:b])) for a, b, _ in os_}
        quoted = [(a, b) for a, b, src in os_ if src == "quote"]
        if quoted:
            a, b = quoted[0]
        else:
            clean = [(a, b) for a, b, _ in os_ if not _CONN_IN_RE.search(ctx.s, a, b)]
            a, b = max(clean, key=lambda t: t[1]) if clean else min(((a, b) for a, b, _ in os_), key=lambda t: t[1])
            b = _unit_tail(ctx, a, b)
        out[group] = (a, b, keys)
    return out


def _features(ctx: DocContext, a: int, b: int, src: str, name: str) -> dict[str, float]:
    f: dict[str, float] = {f"src={src}": 1.0}
    ws = ctx.words_in(a, b)
    f[f"len={bucket(len(ws), (2, 3, 5, 8, 12))}"] = 1.0
    f.update(edge_features(ws))
    if any(ch.isdigit() for ch in name):
        f["digit"] = 1.0
    if name.isupper():
        f["allcaps"] = 1.0
    f.update(span_context_features(ctx, a, b, src.startswith("quote"), SENT_CLASSES))
    f.update(class_features(ctx, a, b, "in", ("model", "event", "orghead", "campaign")))
    f.update(_intro_features(ctx, a, src))
    return f


_CHAIN_SEP_RE = re.compile(r"^\s*(?:[,;/]|và|hoặc|cùng|…|\.\.\.)?\s*(?:và\s*)?$")
_INTRO_END_RE = re.compile(r"(?:[:]|(?<!\w)(?:như|gồm|là|có|sau))\s*$", re.IGNORECASE)
_INTRO_CLASSES = ("model", "campaign", "quoteword", "theme", "event")


def _chains(ctx: DocContext) -> dict[int, tuple[int, int, int]]:
    """name start -> (chain start offset, position in the chain, chain length)
    for the quoted names of the document: quotes that follow each other with
    only a separator between ("“A”, “B” và “C”") make one chain."""
    got = getattr(ctx, "_model_chains", None)
    if got is not None:
        return got
    qs = [(q, a, b) for q, a, b, closed in quoted_spans(ctx) if closed]
    out: dict[int, tuple[int, int, int]] = {}
    i = 0
    while i < len(qs):
        j = i
        while j + 1 < len(qs):
            end = qs[j][2]
            k = end
            while k < len(ctx.s) and ctx.s[k] in "”\"'’»":
                k += 1
            if k - end > 2 or not _CHAIN_SEP_RE.match(ctx.s[k:qs[j + 1][0]]) or "\n" in ctx.s[k:qs[j + 1][0]]:
                break
            j += 1
        n = j - i + 1
        for p in range(i, j + 1):
            out[qs[p][1]] = (qs[i][0], p - i, n)
        i = j + 1
    ctx._model_chains = out
    return out


def _intro_features(ctx: DocContext, a: int, src: str) -> dict[str, float]:
    """What introduces the name (or the chain of quoted names it belongs to):
    the nearest trigger word before the chain in its sentence, how far, what
    stands between, whether a colon or "như/gồm" opens the list."""
    f: dict[str, float] = {}
    c0 = a
    if src.startswith("quote"):
        ch = _chains(ctx).get(a)
        if ch:
            c0, pos, n = ch
            if n > 1:
                f[f"chain.n={bucket(n, (3, 5))}"] = 1.0
                f[f"chain.pos={'first' if pos == 0 else 'last' if pos == n - 1 else 'mid'}"] = 1.0
    sa, _ = ctx.sentence(c0)
    la, _ = ctx.line(c0)
    lo = max(sa, la)
    last = ctx.last_of(_INTRO_CLASSES, c0, lo)
    if last:
        f[f"intro.last={last[0]}"] = 1.0
    mt = ctx.nearest_before("model", c0, lo)
    if mt:
        gap = len(ctx.words_in(mt[1], c0))
        f[f"intro.model={bucket(gap, (1, 2, 4, 8, 16))}"] = 1.0
        for cls in ("campaign", "quoteword", "theme", "event"):
            if ctx.has(cls, mt[1], c0):
                f[f"intro.between.{cls}"] = 1.0
        if gap <= 3:
            for w in ctx.words_in(mt[1], c0):
                if any(ch.isalpha() for ch in w.text):
                    f[f"intro.gw={fword(w.text)}"] = 1.0
    else:
        f["intro.model=none"] = 1.0
    if _INTRO_END_RE.search(ctx.s, max(lo, c0 - 12), c0):
        f["intro.opens_list"] = 1.0
        if last:
            f[f"intro.list_of={last[0]}"] = 1.0
    return f
