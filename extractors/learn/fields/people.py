"""People candidates: the rules' names (with their roles), scored so that
their confidence is a probability and doubtful ones (a byline, a name with no
title) can be left out."""

from __future__ import annotations

from extractors.learn.candidates import Candidate, suggester
from extractors.learn.context import DocContext, bucket, class_features, low, position_features, window_features, vkey


@suggester("people")
def suggest(ctx: DocContext) -> list[Candidate]:
    out = []
    items = ctx.rule_items("people")
    counts: dict[str, int] = {}
    for it in items:
        k = vkey(it.value.get("name"))
        counts[k] = counts.get(k, 0) + ctx.s.count(it.value.get("name") or "\x00")
    for it in items:
        name = it.value.get("name") or ""
        roles = it.value.get("roles") or []
        f: dict[str, float] = {"src=rule": 1.0, f"rule.conf={bucket(it.confidence, (0.5, 0.6, 0.7, 0.8, 0.9))}": 1.0,
                               f"roles={min(len(roles), 3)}": 1.0, f"words={min(len(name.split()), 5)}": 1.0,
                               f"mentions={bucket(counts.get(vkey(name), 1), (2, 3, 5))}": 1.0}
        pos = ctx.s.find(name, max(0, it.start - 5), it.end + 5)
        a = pos if pos >= 0 else it.start
        b = a + len(name)
        f.update(window_features(ctx, a, b, 2, "w"))
        f.update(class_features(ctx, max(0, a - 30), a, "before", ("honor", "role")))
        f.update(position_features(ctx, a))
        la, lb = ctx.line(a)
        if ctx.s[la:lb].strip() == name.strip():
            f["alone_on_line"] = 1.0
        for r in roles[:3]:
            ws = r.split()
            if ws:
                f[f"role.head={low(ws[0])}"] = 1.0
        out.append(Candidate("people", dict(it.value), a, b, "rule", f"h{a}", f))
    return out
