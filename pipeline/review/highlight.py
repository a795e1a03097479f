"""The document's text as HTML with each item's span marked, every piece escaped.

Spans are character offsets into ``Document.text``. Overlapping spans are
cut at every boundary: each stretch is one ``<mark>`` naming all the items
covering it (``data-ids``) and coloured by the shortest of them. The marks
add no characters, so the page's text content is exactly the document text
(the page turns a selection back into offsets that way).
"""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup, escape


def highlight(text: str, spans: Iterable[tuple[int, int, str, str, str]]) -> Markup:
    """``spans``: (start, end, uid, field, state) tuples; returns safe HTML."""
    n = len(text)
    good = []
    for start, end, uid, field, state in spans:
        if start is None or end is None:
            continue
        s, e = max(0, int(start)), min(n, int(end))
        if s < e:
            good.append((s, e, uid, field, state))
    cuts = sorted({0, n, *(s for s, *_ in good), *(e for _, e, *_ in good)})
    out: list[str] = []
    first: set[str] = set()
    for a, b in zip(cuts, cuts[1:]):
        piece = escape(text[a:b])
        cover = [sp for sp in good if sp[0] <= a and sp[1] >= b]
        if not cover:
            out.append(piece)
            continue
        cover.sort(key=lambda sp: (sp[1] - sp[0], sp[0]))
        s, e, uid, field, state = cover[0]
        ids = " ".join(sp[2] for sp in cover)
        starts = [sp[2] for sp in cover if sp[2] not in first]
        first.update(starts)
        classes = f"hl f-{field} s-{state}" + (" multi" if len(cover) > 1 else "")
        anchor = f' id="span-{escape(starts[0])}"' if starts else ""
        out.append(f'<mark class="{classes}" data-ids="{escape(ids)}"{anchor}>{piece}</mark>')
    return Markup("".join(out))
