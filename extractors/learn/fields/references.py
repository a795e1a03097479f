"""Reference candidates: the rules' numbered documents (their number grammar
is precise), scored so that their confidence is a probability."""

from __future__ import annotations

import re

from extractors.learn.candidates import Candidate, suggester
from extractors.learn.context import DocContext, bucket, low, position_features, window_features


@suggester("references")
def suggest(ctx: DocContext) -> list[Candidate]:
    out = []
    for it in ctx.rule_items("references"):
        v = it.value
        num = v.get("number") or ""
        f: dict[str, float] = {"src=rule": 1.0, f"rule.conf={bucket(it.confidence, (0.5, 0.6, 0.7, 0.8, 0.9))}": 1.0,
                               f"type={low(v.get('type') or '')}": 1.0, "date" if v.get("date") else "no_date": 1.0}
        f[f"number.shape={re.sub(r'[0-9]+', '9', re.sub(r'[A-ZĐa-zđ]+', 'A', num))[:16]}"] = 1.0
        f.update(window_features(ctx, it.start, it.end, 2, "w"))
        f.update(position_features(ctx, it.start))
        out.append(Candidate("references", dict(v), it.start, it.end, "rule", f"r{it.start}", f))
    return out
