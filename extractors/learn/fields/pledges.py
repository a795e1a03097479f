"""Pledge candidates: every number of the text with every extent of the noun
phrase it counts, and the noun phrases that could be its subject.

A *mention* is a number (digits, a share, a ratio, number words, "246
nghìn"). Its unit options are the extents of the noun phrase after it
(``pledge_units.unit_extents``: up to the predicate, coordinations whole),
the extents of the count just before it in the same sentence (a share of the
same registration: "2.718/2.974 hộ đăng ký, chiếm 91,39%"), the noun after
"số/tỷ lệ" earlier in the sentence ("Tỷ lệ đảng viên đăng ký đạt 98%"), and
the rules' unit. The model decides whether a (mention, unit) pair is a
pledge. Features say what governs the number: the predicate right after the
counted noun phrase ("hộ hội viên | đăng ký"; for counts listed before one
verb, "5.674 cán bộ, 4.955 đoàn viên … đăng ký", the list's predicate) and
the one before the number ("đã đăng ký | 933 công trình", "có | 266 mô
hình"), their conjunction, the lexicon classes of the sentence and clause
(registration, award, attendance, target, result, negation) and what lies
between the number and its registration verb; breakdowns ("trong đó" after a
registration); shares (linked by "chiếm/đạt", equal to the count's ratio);
asides in parentheses; what the unit looks like (its words, POS, where it
ends, whether it stops before another counted noun) and what the rules said.
Subjects come from ``pledge_subjects``.
"""

from __future__ import annotations

import re

import functools

from extractors.base import fold as _fold_uncached
from extractors.learn.candidates import Candidate, suggester
from extractors.learn.context import (
    vkey,
    DocContext,
    bucket,
    class_features,
    distance_features,
    fword,
    low,
    position_features,
    window_features,
)
from extractors.learn.fields.pledge_subjects import subject_candidates
from extractors.learn.fields.pledge_units import predicate_after, predicate_before, unit_extents
from extractors.learn.phrases import noun_run_end, trim
from extractors.numbers import NumberMatch, find_numbers

SENT_CLASSES = ("reg", "block", "award", "neg", "future", "breakdown", "result", "total", "attend",
                "share", "build", "model", "sense", "filler", "have")
fold = functools.lru_cache(maxsize=100_000)(_fold_uncached)
_SCALE_RE = re.compile(r"\s*(nghìn|ngàn|triệu|vạn)(?!\w)", re.IGNORECASE)
_SCALES = {"nghìn": 1000, "ngàn": 1000, "triệu": 1_000_000, "vạn": 10_000}
_AMBIGUOUS_WORDS = {"năm", "tư", "không", "lẻ", "linh", "mốt", "lăm", "nhăm", "trăm", "nghìn", "ngàn",
                    "triệu", "mươi", "mười", "một", "ba", "bảy", "tám", "chín", "sáu", "bốn", "hai"}
_CODE_AFTER_RE = re.compile(r"\s*[-/]\s*[A-ZĐ]")
_YEAR_RE = re.compile(r"(?:19|20)\d\d")
BORROW = 6
_LABEL_RE = re.compile(r"(?<!\w)(?:số|tỷ lệ|tỉ lệ|số lượng)\s+", re.IGNORECASE)


#: Mention features that make a number worth a subject: a registration word in
#: its sentence, the sentence before or a list's header, or the rules' pledge.
_PLAUSIBLE = ("sent.before.reg", "sent.after.reg", "prev.reg", "listhead.reg", "rule.mention", "clause.before.reg")


def mentions(ctx: DocContext) -> list[tuple[NumberMatch, int | float, int, str]]:
    """(number, value, end of the number with its scale word, scale) for every
    number worth considering: years, dates, document numbers and bare number
    words that are not counts ("năm", "một") are left out."""
    out = []
    s = ctx.s
    for nm in find_numbers(s):
        raw = s[nm.start:nm.end]
        if nm.words:
            if raw.lower() in _AMBIGUOUS_WORDS and len(raw.split()) == 1:
                continue
        if nm.kind == "count" and nm.total is None and _YEAR_RE.fullmatch(raw):
            continue
        if _CODE_AFTER_RE.match(s, nm.end):
            continue
        value, end, scale = nm.value, nm.end, ""
        m = _SCALE_RE.match(s, nm.end)
        if m and not nm.words and nm.kind == "count":
            scale = m.group(1).lower()
            value = round(nm.value * _SCALES[scale], 6)
            if float(value).is_integer():
                value = int(value)
            end = m.end()
        out.append((nm, value, end, scale))
    return out


def _unit_value(ctx: DocContext, a: int, b: int) -> str:
    return trim(ctx.s[a:b])


_CHAIN_GAP_RE = re.compile(r"\s*(?:,|và|;)?\s*(?:và\s+)?(?:(?:hơn|gần|trên|khoảng|có)\s+)?", re.IGNORECASE)


def _chains(ctx: DocContext, ments, extents) -> tuple[list[int | None], list[int | None]]:
    """Counts listed one after another ("5.674 cán bộ, 4.955 đoàn viên, 52.450
    hội viên đăng ký"): for each mention, the one it is coordinated with before
    it and after it (None when it stands alone)."""
    prev: list[int | None] = [None] * len(ments)
    nxt: list[int | None] = [None] * len(ments)
    for k in range(len(ments) - 1):
        e = extents[k][-1][1] if extents[k] else ments[k][2]
        start = ments[k + 1][0].start
        if start < e or start - e > 14:
            continue
        m = _CHAIN_GAP_RE.fullmatch(ctx.s, e, start)
        if m and (ctx.s[e:start].strip() or not extents[k]):
            nxt[k] = k + 1
            prev[k + 1] = k
    return prev, nxt


@suggester("pledges")
def suggest(ctx: DocContext) -> list[Candidate]:
    out: list[Candidate] = []
    rules = ctx.rule_items("pledges")
    ments = mentions(ctx)
    extents = [unit_extents(ctx, num_end) for _, _, num_end, _ in ments]
    chain_prev, chain_next = _chains(ctx, ments, extents)
    # the predicate a chain of counts shares: the one after its last count's longest extent
    chain_pred: list[str | None] = [None] * len(ments)
    for k in range(len(ments) - 1, -1, -1):
        if chain_next[k] is not None:
            chain_pred[k] = chain_pred[chain_next[k]]
        else:
            e = extents[k][-1][1] if extents[k] else ments[k][2]
            chain_pred[k] = _pred_after(ctx, e)[0]
    pre_of: list[str] = []
    phrase_cache: dict = {}
    prev_units: dict[int, list[tuple[int, int]]] = {}  # sentence -> last count's unit options
    prev_count: dict[int, NumberMatch] = {}  # sentence -> last count
    for k, (nm, value, num_end, scale) in enumerate(ments):
        group = f"p{nm.start}"
        sa, sb = ctx.sentence(nm.start)
        si = ctx.sentence_index(nm.start)
        options: list[tuple[int, int, str]] = [(a, b, "after") for a, b in extents[k]]
        after_words = ctx.words_after(num_end, 8)
        run_end = noun_run_end(ctx, after_words)
        for a, b in prev_units.get(si, ())[:BORROW]:
            options.append((a, b, "borrow"))
        for lm in _LABEL_RE.finditer(ctx.s, sa, nm.start):
            for a, b in unit_extents(ctx, lm.end() - 1, max_words=4, max_members=3)[:4]:
                options.append((a, b, "label"))
        rule_hits = [it for it in rules if it.start <= nm.start < it.end or nm.start <= it.start < num_end + 2]
        rule_units = {vkey(it.value.get("unit")) for it in rule_hits if it.value.get("value") == value}
        for it in rule_hits:
            u = it.value.get("unit")
            if u and it.value.get("value") == value:
                pos = ctx.s.find(u, it.start, it.end + 200)
                if pos >= 0:
                    options.append((pos, pos + len(u), "rule"))
        if nm.kind == "count" and extents[k]:
            prev_units[si] = list(extents[k])
            prev_count[si] = nm
        mf, pre_cls = _mention_features(ctx, nm, value, num_end, scale, sa, sb, rule_hits)
        if chain_prev[k] is not None and pre_cls in (",", "start", "have"):
            pre_cls = pre_of[chain_prev[k]]
            mf["pre.coord"] = 1.0
            mf[f"pre={pre_cls}"] = 1.0
        pre_of.append(pre_cls)
        if nm.kind == "percent" and si in prev_count:  # a share of the count before it
            pc = prev_count[si]
            mf[f"share.after_count&pre={pre_cls}"] = 1.0
            if pc.total:
                ratio = 100.0 * float(pc.value) / float(pc.total)
                mf["share.eq_ratio" if abs(ratio - float(value)) < 1.0 else "share.ne_ratio"] = 1.0
        if not options:
            continue
        longest = extents[k][-1][1] if extents[k] else None
        seen: set[str] = set()
        for a, b, src in options:
            unit = _unit_value(ctx, a, b)
            key = vkey(unit)
            if not unit or key in seen or len(unit) > 80:
                continue
            seen.add(key)
            f = dict(mf)
            f.update(_option_features(ctx, a, b, src, run_end, key in rule_units))
            coord = chain_pred[k] if chain_next[k] is not None and src == "after" and b == longest else None
            f.update(_predicate_features(ctx, a, b, src, pre_cls, coord))
            val = {"value": value, "kind": nm.kind, "unit": unit, "subject": None}
            if nm.total is not None:
                val["total"] = nm.total
            out.append(Candidate("pledges", val, nm.start, max(b, num_end), src, group, f))
        if not any(k.startswith(_PLAUSIBLE) for k in mf):
            continue  # no registration word near it: its subject is never asked for (and costs most)
        out.extend(subject_candidates(ctx, "pledges.subject", nm.start, num_end, group,
                                      [it.value.get("subject") for it in rule_hits], toan=True, cache=phrase_cache,
                                      unit_ends=[e for _, e in extents[k]]))
    return out


_QUOTED_RE = re.compile(r"[ \t]*[“\"«][^”\"»\n]{1,100}[”\"»]")


_LAST_CLASSES = ("reg", "award", "result", "block", "attend")


def _last_class(ctx: DocContext, a: int, b: int) -> str:
    """The class of ``_LAST_CLASSES`` whose last occurrence in [a, b) is the latest."""
    best = (-1, "none")
    for c in _LAST_CLASSES:
        got = ctx.between(c, a, b)
        if got and got[-1][0] > best[0]:
            best = (got[-1][0], c)
    return best[1]


def _last_is_not_reg(ctx: DocContext, a: int, b: int) -> bool:
    return _last_class(ctx, a, b) not in ("reg", "none")


def _next_start(ctx: DocContext, b: int) -> int:
    ws = ctx.words_after(b, 1)
    return ws[0].start if ws else -1


def _pred_after(ctx: DocContext, b: int) -> tuple[str, int]:
    m = _QUOTED_RE.match(ctx.s, b)  # a quoted name after the noun ("535 điển hình “…” đăng ký")
    if m:
        b = m.end()
    _, sb = ctx.sentence(max(0, b - 1))
    hi = ctx.clause_end(b) if b < sb else sb
    return predicate_after(ctx, b, max(hi, b + 1))


def _mention_features(ctx: DocContext, nm: NumberMatch, value, num_end: int, scale: str,
                      sa: int, sb: int, rule_hits) -> tuple[dict[str, float], str]:
    """The mention's features, and the class of the predicate before it."""
    f: dict[str, float] = {"bias.mention": 1.0, f"kind={nm.kind}": 1.0,
                           f"value={bucket(float(value), (2, 10, 100, 1000, 10000))}": 1.0}
    if nm.total is not None:
        f["ratio"] = 1.0
        if nm.total < value:
            f["ratio.inverted"] = 1.0
    if nm.approx:
        f["approx"] = 1.0
    if nm.words:
        f["words"] = 1.0
    if scale:
        f["scale"] = 1.0
    f.update(window_features(ctx, nm.start, num_end, 3, "n"))
    f.update(class_features(ctx, sa, nm.start, "sent.before", SENT_CLASSES))
    f.update(class_features(ctx, num_end, sb, "sent.after", SENT_CLASSES))
    ca = ctx.clause_start(nm.start)
    f.update(class_features(ctx, ca, nm.start, "clause.before", SENT_CLASSES))
    f.update(class_features(ctx, num_end, ctx.clause_end(num_end), "clause.after", SENT_CLASSES))
    f.update(distance_features(ctx, nm.start, ("reg", "block", "award", "attend", "result", "future", "neg"),
                               sa, sb, "d"))
    # what lies between the number and its nearest registration verb
    rb = ctx.nearest_before("reg", nm.start, sa)
    ra = ctx.nearest_after("reg", num_end, sb)
    if rb:
        f.update(class_features(ctx, rb[1], nm.start, "btw.before", ("block", "award", "neg", "attend", "result",
                                                                     "future", "sense")))
        f[f"reg.before={low(ctx.text_of(rb))}"] = 1.0
        nums_between = sum(1 for _ in re.finditer(r"\d", ctx.s[rb[1]:nm.start]))
        f[f"reg.before.nums={bucket(nums_between, (1, 3, 8))}"] = 1.0
    if ra:
        f.update(class_features(ctx, num_end, ra[0], "btw.after", ("block", "award", "neg", "attend", "result",
                                                                   "future", "sense")))
        f[f"reg.after={low(ctx.text_of(ra))}"] = 1.0
    if ctx.has("sense", sa, sb):
        f["sense.in.sentence"] = 1.0
    # the previous sentence (breakdowns: "Trong đó, ...") and a list header
    if sa > 0:
        pa, pb = ctx.sentence(sa - 1)
        f.update(class_features(ctx, pa, pb, "prev", ("reg", "award", "breakdown")))
    # a breakdown of registered counts: "đăng ký 11 nội dung, trong đó … có 2 nội dung"
    bd = ctx.nearest_before("breakdown", nm.start, sa)
    if bd and rb and rb[1] <= bd[0] and not _last_is_not_reg(ctx, bd[1], nm.start):
        f["bd.after_reg"] = 1.0
    if bd and bd[0] - sa <= 3 and sa > 0:  # "Trong đó, …" after a sentence whose last verb is …
        pa, pb = ctx.sentence(sa - 1)
        f[f"bd.prev_last={_last_class(ctx, pa, pb)}"] = 1.0
    li = ctx.line_index(nm.start)
    if ctx.is_list_line(nm.start) or ctx.block_kind(nm.start) == "table_cell":
        for back in range(1, 12):
            if li - back < 0:
                break
            a, b = ctx.lines[li - back]
            line = ctx.s[a:b].rstrip()
            if line.endswith(":"):
                f.update(class_features(ctx, a, b, "listhead", ("reg", "award", "result", "block")))
                f[f"listhead.dist={bucket(back, (2, 4, 8))}"] = 1.0
                break
    ca = ctx.clause_start(nm.start)
    pcls, pword, _ = predicate_before(ctx, nm.start, ca)
    f[f"pre={pcls}"] = 1.0
    f[f"pre.w={pword}"] = 1.0
    op = ctx.s.rfind("(", sa, nm.start)  # an aside in parentheses
    if op >= 0 and ctx.s.find(")", op, nm.start) < 0 and ctx.s.find(")", nm.start, sb) >= 0:
        f["in.paren"] = 1.0
    f.update(position_features(ctx, nm.start))
    nnum = len(re.findall(r"(?<![\d.,])\d", ctx.s[sa:sb]))
    f[f"sent.nums={bucket(nnum, (2, 4, 8))}"] = 1.0
    if rule_hits:
        f["rule.mention"] = 1.0
        f[f"rule.conf={bucket(max(it.confidence for it in rule_hits), (0.6, 0.75, 0.9))}"] = 1.0
    return f, pcls


_OTHER_GOV = ("award", "result", "attend", "block", "build", "neg", "future")


def _predicate_features(ctx: DocContext, a: int, b: int, src: str, pre_cls: str,
                        coord: str | None) -> dict[str, float]:
    """What the counted noun phrase is the subject of: the predicate right
    after the extent (for a count listed with others, the list's predicate)."""
    pred, skipped = _pred_after(ctx, b)
    pre = "borrow." if src == "borrow" else ""
    if coord is not None:
        pred = coord
        skipped = 0
    f = {f"{pre}pred={pred}": 1.0}
    if skipped:
        f[f"{pre}pred.adv"] = 1.0
    if coord is not None:
        f["pred.coord"] = 1.0
    if src != "borrow" and any(x == _next_start(ctx, b) for x, _ in ctx.between("unit", b, b + 40)):
        f["unit.cut_before_unit"] = 1.0  # "hộ | hội viên phụ nữ": another counted noun follows
    if src != "borrow":
        f[f"pred={pred}&pre={pre_cls}"] = 1.0
    if src != "borrow":  # what governs the count, in one word
        ca, ce = ctx.clause_start(a), ctx.clause_end(b)
        clean = not any(ctx.has(c, ca, ce) for c in ("block", "award", "neg", "future", "attend", "sense"))
        if pred == "reg" or pre_cls == "reg":
            f["gov=reg" + (".clean" if clean else ".mixed")] = 1.0
        elif pred in _OTHER_GOV or pre_cls in _OTHER_GOV:
            f["gov=other"] = 1.0
        else:
            f["gov=none"] = 1.0
    return f


def _option_features(ctx: DocContext, a: int, b: int, src: str, run_end: int | None, rule_eq: bool) -> dict[str, float]:
    ws = ctx.words_in(a, b)
    f: dict[str, float] = {f"src={src}": 1.0, f"unit.len={min(len(ws), 6)}": 1.0}
    if ws:
        f[f"unit.head={fword(ws[0].text)}"] = 1.0
        f[f"unit.last={fword(ws[-1].text)}"] = 1.0
        f[f"unit.headshape={'X' if ws[0].text.isupper() else ('Xx' if ws[0].text[:1].isupper() else 'x')}"] = 1.0
        tags = "_".join(w.tag for w in ws[:4] if w.tag)
        if tags:
            f[f"unit.pos={tags}"] = 1.0
    members = ctx.s[a:b].count(",") + len(re.findall(r"(?<!\w)và(?!\w)", ctx.s[a:b]))
    f[f"unit.members={min(members, 2)}"] = 1.0
    nxt = ctx.words_after(b, 1)
    if nxt:
        f[f"unit.next={fword(nxt[0].text)}"] = 1.0
        if nxt[0].tag:
            f[f"unit.next.pos={nxt[0].tag}"] = 1.0
    else:
        f["unit.next=</line>"] = 1.0
    if run_end is not None and src == "after":
        f["unit.is_noun_run" if b == run_end else ("unit.inside_noun_run" if b < run_end else "unit.past_noun_run")] = 1.0
    if ctx.has("unit", a, b):
        f["unit.lex.any"] = 1.0
        if any(x == a and y == b for x, y in ctx.between("unit", a, b)):
            f["unit.lex.full"] = 1.0
        if any(x == a for x, _ in ctx.between("unit", a, b)):
            f["unit.lex.head"] = 1.0
    if rule_eq:
        f["rule.unit_eq"] = 1.0
    return f
