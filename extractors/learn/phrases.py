"""Phrase options shared by suggesters: organization-like noun phrases (a
pledge's subject, a meeting's organizer), quoted spans, the extents of an
unquoted name, where a noun run ends.

They propose several extents (one word, two words …, nested phrases)
rather than one guess: which extent is right is the model's decision, taught
by the gold records, with the POS tags and the lexicons as its evidence.
"""

from __future__ import annotations

import re

from extractors.learn.context import NOUNISH, DocContext, Word

_STOP_CHARS = set(".;:!?()[]\"“”‘’«»\n")


def noun_run_end(ctx: DocContext, words: list[Word]) -> int | None:
    """End offset of the leading run of noun-tagged words (None without tags)."""
    if not words or not any(w.tag for w in words):
        return None
    end = None
    for w in words:
        if w.tag in NOUNISH or (w.tag == "A" and end is not None):
            end = w.end
        else:
            break
    return end


ORG_START_RE = re.compile(r"^(?:toàn|các|cả)$", re.IGNORECASE)
_ORG_JOIN = {"và", ",", "các", "cấp", "khối", "-", "–"}


def org_phrases(ctx: DocContext, a: int, b: int, max_words: int = 14, per_start: int = 12,
                lower_heads: bool = True, whole_heads: bool = False) -> list[tuple[int, int]]:
    """Organization-like noun phrases in [a, b): runs that start on a capital
    letter, an organization head word or "toàn/các", extended over capitalized
    words, nouns and joiners; every extent that ends on a content word is
    proposed, nested ones included. With ``whole_heads`` an organization head
    of several words ("Cụm thi đua") is read whole."""
    ws = ctx.words_in(a, b)
    heads = {(x, y) for x, y in ctx.between("orghead", a, b)}
    head_starts = {x for x, _ in heads}
    head_end = {x: y for x, y in heads}
    out: list[tuple[int, int]] = []
    seen = set()
    for i, w in enumerate(ws):
        starts_here = (w.text[:1].isupper() and w.text[:1].isalpha()) or w.start in head_starts \
            or (lower_heads and ORG_START_RE.match(w.text))
        if not starts_here:
            continue
        if i > 0 and ws[i - 1].end == w.start - 1 and ws[i - 1].text[:1].isupper() and w.text[:1].isupper() \
                and not ctx.s[ws[i - 1].end:w.start].strip():
            # inside a capitalized run: only its first word starts a phrase, unless a head begins here
            if w.start not in head_starts:
                continue
        k = 0
        prev_end = w.start
        skip_to = -1
        for j in range(i, min(len(ws), i + max_words)):
            x = ws[j]
            if x.start < skip_to:
                if x.end == skip_to and j > i:
                    prev_end = x.end
                    span = (w.start, x.end)
                    if span not in seen:
                        seen.add(span)
                        out.append(span)
                        k += 1
                continue
            if whole_heads and x.start in head_end and head_end[x.start] > x.end:
                # an organization head of several words ("Cụm thi đua") is read whole
                skip_to = head_end[x.start]
                prev_end = x.end
                continue
            if x.text == "(" and j > i:
                # a parenthesis inside a name ("thôn Tân Hoa (Sơn Mai)") is kept whole when it closes soon
                close_at = ctx.s.find(")", x.end, min(len(ctx.s), x.end + 80))
                if close_at > 0 and "\n" not in ctx.s[x.end:close_at] and close_at > x.end:
                    skip_to = close_at + 1
                    prev_end = skip_to
                    span = (w.start, skip_to)
                    if span not in seen:
                        seen.add(span)
                        out.append(span)
                    continue
                break
            gap = ctx.s[prev_end:x.start]
            if j > i and (any(c in _STOP_CHARS or c in "," for c in gap) and x.lower not in _ORG_JOIN):
                break
            if any(c in _STOP_CHARS for c in x.text):
                break
            content = x.text[:1].isupper() or x.tag in NOUNISH or x.tag in ("M", "A") or x.text[:1].isdigit() \
                or (not x.tag and x.text[:1].isalpha() and x.lower not in _ORG_JOIN)
            if x.tag in ("V", "E", "C", "R", "CH") and not x.text[:1].isupper() and x.lower not in _ORG_JOIN:
                break
            if not content and x.lower not in _ORG_JOIN:
                break
            prev_end = x.end
            if content and x.lower not in _ORG_JOIN:
                span = (w.start, x.end)
                if span not in seen:
                    seen.add(span)
                    out.append(span)
                    k += 1
                    if k >= per_start:
                        break
    return out


def trim(s: str) -> str:
    return s.strip(" ,;:-–—\"“”'‘’()")


def quoted_spans(ctx: DocContext, limit: int = 250) -> list[tuple[int, int, int, bool]]:
    """(quote offset, start, end, closed) of every quoted text of the document,
    the quotation marks left out; nested quotes are followed."""
    from extractors.models import ALL_QUOTES, _is_opening, read_quoted

    s = ctx.s
    out = []
    i = 0
    n = len(s)
    while i < n:
        if s[i] in ALL_QUOTES and _is_opening(s, i):
            got = read_quoted(s, i)
            if got:
                a, b, closed = got
                if 0 < b - a <= limit:
                    out.append((i, a, b, closed))
                    if closed:
                        i = b
        i += 1
    return out


_NAME_STOP_RE = re.compile(r"[,.;:!?()\n“”\"«»]|\s(?:của|tại|do|được|đã|với|nhằm|góp phần|và|là|trong|thì|để|đến|từ|"
                           r"gắn với|theo|cho|như|ở|giúp|mang lại|có|đạt|nên|vào)(?=\s)", re.IGNORECASE)


def name_options(ctx: DocContext, start: int, max_words: int = 12) -> list[tuple[int, int]]:
    """Extents of an unquoted name starting at ``start`` (after "mô hình …"):
    every prefix of up to ``max_words`` words before the first stop word or
    punctuation, plus the extent that runs to that stop."""
    m = _NAME_STOP_RE.search(ctx.s, start, min(len(ctx.s), start + 200))
    hi = m.start() if m else min(len(ctx.s), start + 200)
    ws = ctx.words_in(start, hi)[:max_words]
    return [(ws[0].start, w.end) for w in ws] if ws else []
