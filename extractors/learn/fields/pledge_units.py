"""The noun phrase a number counts, and the predicate that governs it.

``unit_extents`` proposes the extents of the counted noun phrase after a
number: every prefix that ends on a content word, read over nouns,
coordinated nouns ("cán bộ, đảng viên, công chức", proposed whole only) and
the odd word the tagger calls a verb ("mô hình thi đua"), leaving out
extents that stop inside a run of nouns; it stops where a clause's
predicate begins (an adverb such as "đã", "đều"; "được", "có", "thuộc"; a
word of the registration, award, result or attendance lexicons), at a
preposition ("của", "trong", "tại"), at a connective that is followed by
another number, and at punctuation other than a comma.

``predicate_after`` names what follows an extent: the lexicon class of the
first predicate word past any adverbs ("hộ hội viên | đăng ký" -> reg,
"chi hội | thực hiện" -> build, "hộ | hội viên" -> a noun, so the extent
stops short of its noun phrase; "tham gia ký cam kết" -> reg). ``predicate_before`` does the same for the
words before a number ("vận động | trên 10.000 hộ", "xây dựng được | 8 mô
hình", "có | 266 mô hình").

All of it is Vietnamese syntax and lexicon classes: no document's words.
"""

from __future__ import annotations

from extractors.learn.context import NOUNISH, DocContext, Word

_STOP_CHARS = set(".;:!?()[]\"“”‘’«»\n")
_CONNECTORS = {",", "và", "/", "-", "–"}
_HEAD_SKIP = {"tổng số", "số", "trong tổng số", "trên tổng số", "các", "những", "tổng", "trên tổng", "số lượng"}
#: Words that open a predicate or a prepositional phrase: a counted noun phrase ends before them.
STOP_WORDS = frozenset({
    "đã", "đều", "cũng", "đang", "sẽ", "vừa", "mới", "được", "bị", "có", "là", "thuộc", "trực thuộc",
    "của", "trong", "tại", "ở", "về", "với", "từ", "do", "đến", "cho", "theo", "trên", "để", "nhằm",
    "thì", "mà", "gồm", "bao gồm", "như", "tham gia", "đạt", "thực hiện", "xây dựng", "chiếm", "tiến hành",
    "đối với", "qua", "sau", "trước", "khi", "nên", "vì", "nhưng", "hoặc", "hay", "ra", "vào", "lên", "đi",
})
#: Words skipped when looking for the predicate after a noun phrase.
ADVERBS = frozenset({"đã", "đều", "cũng", "đang", "sẽ", "vừa", "mới", "cùng", "đồng thời", "tiếp tục", "tự nguyện",
                     "tự giác", "trực tiếp", "chủ động", "tích cực", "nhiệt tình", "thường xuyên"})
#: Verbs that hand over to the verb after them ("tham gia ký cam kết").
LIGHT_VERBS = frozenset({"tham gia", "tiến hành", "thực hiện"})
#: Words skipped when looking for the predicate before a number (approximators, quantifiers).
PRE_SKIP = frozenset({"hơn", "gần", "trên", "khoảng", "chừng", "tới", "đến", "được", "lên", "lên tới", "lên đến",
                      "tổng", "tổng số", "tổng cộng", "cả", "tất cả", "toàn bộ", "gần như", "ít nhất", "với", "là",
                      "có", "đã", "đều", "cho", "thêm", "mới", "cùng", "và", ","})
PRED_CLASSES = ("neg", "reg", "award", "result", "attend", "block", "future", "share", "build", "breakdown",
                "total", "have")


def _starts_class(ctx: DocContext, w: Word, classes=PRED_CLASSES) -> str | None:
    for c in classes:
        for a, _ in ctx.between(c, w.start, w.start + 40):
            if a == w.start:
                return c
            break
    return None


#: Extents that stop inside a run of nouns ("hộ | hội viên") are left out, lexicon units kept.
PRUNE = True
#: Coordinated counted nouns are proposed whole only ("cán bộ, đảng viên, công chức").
COORD = 1


def words_from(ctx: DocContext, end: int, n: int) -> list[Word]:
    """The words after offset ``end`` on its line; a word the segmenter ran
    across ``end`` ("52.450 hội viên" as one token) gives its tail as the first."""
    out = ctx.words_after(end, n)
    i = ctx.word_index(end)
    if i > 0:
        w = ctx.words[i - 1]
        if w.start < end < w.end:
            tail = ctx.s[end:w.end]
            lead = len(tail) - len(tail.lstrip())
            if tail.strip() and tail.strip()[0].isalpha():
                out = [Word(w.i, tail.strip(), end + lead, w.end, "N" if w.tag in ("M", "Np", "V", "") else w.tag)] + out
    return out[:n]


def unit_extents(ctx: DocContext, end: int, max_words: int = 9, max_members: int = 6,
                 limit: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of every extent of the noun phrase after offset ``end``."""
    ws = words_from(ctx, end, max_words + max_members + 4)
    i = 0
    while i < len(ws) and ws[i].lower in _HEAD_SKIP and i < 3:
        i += 1
    out: list[tuple[int, int]] = []
    members = 1
    n = 0
    prev_end = end
    verbs = 0
    after_conn = False
    mem: list[int] = []
    names = False
    for j in range(i, len(ws)):
        w = ws[j]
        gap = ctx.s[prev_end:w.start]
        if any(c in _STOP_CHARS for c in gap) or any(c in _STOP_CHARS for c in w.text):
            break
        if w.text[:1].isdigit():
            break
        lw = w.lower
        if lw in _CONNECTORS:
            nxt = ws[j + 1] if j + 1 < len(ws) else None
            if not out or nxt is None or nxt.text[:1].isdigit() or nxt.lower in PRE_SKIP or nxt.lower in STOP_WORDS:
                break
            members += 1
            if members > max_members:
                break
            names = names or (nxt.text[:1].isupper() and not ws[i].text[:1].isupper())
            prev_end = w.end
            after_conn = True
            continue
        if j == i and (lw in STOP_WORDS or w.tag in ("R", "E", "C", "CH")
                       or _starts_class(ctx, w, ("neg", "reg", "award", "result", "attend"))):
            break
        if j > i and not after_conn:
            if lw in STOP_WORDS or w.tag in ("R", "E", "Cc", "C", "CH", "L") or _starts_class(ctx, w):
                break
        elif j > i and after_conn and (lw in STOP_WORDS or _starts_class(ctx, w)):
            break
        if w.tag == "V" and j > i:
            verbs += 1
            if verbs > 2:
                break
        after_conn = False
        n += 1
        if n > max_words:
            break
        out.append((ws[i].start, w.end))
        mem.append(members)
        prev_end = w.end
        if limit and len(out) >= limit:
            break
    if COORD and mem and mem[-1] > 1 and not names:
        # coordinated counted nouns are counted together ("cán bộ, đảng viên, công chức"): no
        # extent stops after the first or some of them (the gold records nearly always count the
        # whole coordination); a list of names after one noun is left as it is
        out = [o for o, m in zip(out, mem) if m == mem[-1]]
    if PRUNE and len(out) > 1:
        lex = set(ctx.between("unit", out[0][0], out[-1][1]))
        kept = [out[0]]
        for a, b in out[1:]:
            nx = words_from(ctx, b, 1)
            if nx and nx[0].tag in NOUNISH and not ctx.s[b:nx[0].start].strip() and (a, b) not in lex:
                continue
            kept.append((a, b))
        out = kept
    return out


def predicate_after(ctx: DocContext, b: int, hi: int) -> tuple[str, int]:
    """(what follows offset ``b`` in its clause, adverbs skipped): a lexicon
    class of ``PRED_CLASSES``, else "pos:<tag>", ",", "end"; and how many
    adverbs were skipped."""
    ws = words_from(ctx, b, 6)
    skipped = 0
    for k, w in enumerate(ws):
        if w.start >= hi:
            break
        if ctx.s[b:w.start].strip(" ") and any(c in ".;:!?\n" for c in ctx.s[b:w.start]):
            return "end", skipped
        c = _starts_class(ctx, w)
        if c == "neg":
            return "neg", skipped
        if w.lower in ADVERBS or (w.tag == "R" and not c):
            skipped += 1
            continue
        if w.lower in LIGHT_VERBS and k + 1 < len(ws):
            # "tham gia ký cam kết", "tiến hành ký kết": the verb after the light one
            if _starts_class(ctx, ws[k + 1]) == "reg":
                return "reg", skipped + 1
        if c:
            return c, skipped
        if w.text in ",":
            return ",", skipped
        if not any(ch.isalnum() for ch in w.text):
            return "punct", skipped
        if w.lower == "được":
            return "passive", skipped
        return f"pos:{w.tag or '?'}", skipped
    return "end", skipped


def predicate_before(ctx: DocContext, a: int, lo: int) -> tuple[str, str, int]:
    """(class of the nearest predicate word before offset ``a`` in [lo, a),
    approximators and quantifiers skipped; that word; words skipped)."""
    ws = ctx.words_before(a, 6)
    skipped = 0
    for w in reversed(ws):
        if w.end <= lo:
            break
        if w.lower in PRE_SKIP and w.lower not in ("có", "là", "với", "được", ","):
            skipped += 1
            continue
        c = _starts_class(ctx, w)
        if c:
            return c, w.lower, skipped
        if w.lower in ("có", "là", "với", "được"):
            return w.lower, w.lower, skipped
        if not any(ch.isalnum() for ch in w.text):
            return "punct" if w.text != "," else ",", w.text, skipped
        return f"pos:{w.tag or '?'}", w.lower, skipped
    return "start", "", skipped


def noun_like(w: Word) -> bool:
    return w.tag in NOUNISH or w.text[:1].isupper()
