"""Meeting candidates, one ranking per slot (the model picks at most one each):

* date: every full date, every day-month completed with the years the
  document writes (its sentence's, its dateline's or publication stamp's,
  its most frequent), the rules' date;
* title: every phrase opened by an event noun ("Hội nghị", "Lễ", "Đại hội"
  …) or an event verb ("phát động", "ký kết", "sinh hoạt" …), cut at each
  place a title can end (a comma, "tại", "vào", "do", "đã", the sentence or
  line end), the headline and its parts, the rules' title;
* organizer: the organization-like noun phrases before an organizing verb
  ("X tổ chức", "X long trọng tổ chức"), after "do" ("do X tổ chức"), after
  "của" in a title, in the headline and the administrative header, the rules';
* location: what follows "tại" or "Địa điểm:", at each place it can end.

Features say where the candidate stands (the headline, the lead, a dateline,
a list), what governs it (an organizing verb, "được tổ chức", a cited
document's "số … ngày"), what it looks like, and what the rules said.
"""

from __future__ import annotations

import re
from collections import Counter

from extractors.dates import find_datelines, find_day_months, find_full_dates, make_iso, years_in
from extractors.learn.candidates import Candidate, suggester
from extractors.learn.context import (
    DocContext,
    bucket,
    class_features,
    edge_features,
    fword,
    low,
    position_features,
    vkey,
    window_features,
)
from extractors.learn.phrases import org_phrases, trim

TITLE_WITHIN = 3000  # characters from the top where a title candidate may start
SENT_CLASSES = ("event", "mverb", "passive", "doctype", "time", "attend", "future", "agent")
_TITLE_VERB_RE = re.compile(r"(?<!\w)(?:phát động|ký kết|kí kết|sinh hoạt|gặp mặt|giao ban|tọa đàm|tọa đàm|"
                            r"tuyên dương|kỷ niệm|tổng kết|sơ kết|tiếp xúc cử tri|họp mặt|ra mắt|khai giảng)(?!\w)",
                            re.IGNORECASE)
_TITLE_END_RE = re.compile(r"[,;.!?\n:]|\s(?:tại|vào|do|đã|diễn ra|được|với sự|với|nhằm|để|cho|sáng|chiều|tối|"
                           r"ngày|trong|theo|có|thu hút|gồm)(?=\s)", re.IGNORECASE)
_REF_BEFORE_RE = re.compile(r"(?:số\s*)?\d+[^\s]*[-/][A-ZĐa-zđ]+[^\s]*\s*(?:của\s+[^,;]{0,60})?ngày\s*$", re.IGNORECASE)
_ORG_VERB_RE = re.compile(r"(?<!\w)(?:(?:đã|vừa|sẽ)\s+)?(?:long trọng|trọng thể|trang trọng|phối hợp|chính thức)?\s*"
                          r"(?:tổ chức|khai mạc|chủ trì|tiến hành|có buổi|họp|phát động|ký kết)(?!\w)", re.IGNORECASE)
_DO_RE = re.compile(r"(?<!\w)do\s+", re.IGNORECASE)
_OF_RE = re.compile(r"(?<!\w)của\s+", re.IGNORECASE)
_AT_RE = re.compile(r"(?<!\w)(?:tại|ở)\s+|Địa điểm\s*(?:tại)?\s*:\s*", re.IGNORECASE)
_LOC_END_RE = re.compile(r"[;.!?\n(]|\s(?:đã|vào|với|do|nhằm|để|có|diễn ra|tổ chức|long trọng|khai mạc|sáng|chiều|"
                         r"ngày|thu hút|gồm|cho|về)(?=\s)", re.IGNORECASE)


@suggester("meeting")
def suggest(ctx: DocContext) -> list[Candidate]:
    rule = next(iter(ctx.rule_items("meeting")), None)
    rv = rule.value if rule else {}
    out: list[Candidate] = []
    out += _dates(ctx, rv.get("date"))
    titles = _titles(ctx, rv.get("title"))
    out += titles
    out += _organizers(ctx, rv.get("organizer"))
    out += _locations(ctx, rv.get("location"))
    # a value the rules read but no suggester proposed (not verbatim in the text: a date
    # completed from "hôm nay", a title put together) is a candidate of its own
    for key in ("date", "title", "organizer", "location"):
        v = rv.get(key)
        task = f"meeting.{key}"
        if v and not any(c.task == task and low(c.value) == low(v) for c in out):
            f = _common(ctx, rule.start, rule.end)
            f["src=rule"] = 1.0
            f["rule.eq"] = 1.0
            f["rule.not_in_text"] = 1.0
            out.append(Candidate(task, v, rule.start, rule.end, "rule", task, f))
    return out


def _common(ctx: DocContext, a: int, b: int) -> dict[str, float]:
    f = position_features(ctx, a)
    sa, sb = ctx.sentence(a)
    f.update(class_features(ctx, sa, sb, "sent", SENT_CLASSES))
    if ctx.line_index(a) == ctx.first_body_line:
        f["headline"] = 1.0
    si = ctx.sentence_index(a)
    f[f"sent.index={bucket(si, (1, 2, 3, 5, 10))}"] = 1.0
    return f


def _rule_feats(f: dict[str, float], value: str, rule_value: str | None, exact: bool = False) -> None:
    if not rule_value:
        f["rule.none"] = 1.0
        return
    a, b = low(value), low(rule_value)
    if a == b:
        f["rule.eq"] = 1.0
    elif not exact and _overlap(a, b) >= 0.7:
        f["rule.close"] = 1.0


def _overlap(a: str, b: str) -> float:
    """Share of the shorter phrase's words found in the other (a cheap nearness)."""
    wa, wb = set(a.split()), set(b.split())
    return len(wa & wb) / max(1, min(len(wa), len(wb)))


# ---------------------------------------------------------------- dates

def _dates(ctx: DocContext, rule_date: str | None) -> list[Candidate]:
    s = ctx.s
    ys = years_in(s)
    mode = Counter(ys).most_common(1)[0][0] if ys else None
    datelines = find_datelines(s[:3000])
    dl_year = int(datelines[0][2][:4]) if datelines else None
    dl_iso = datelines[0][2] if datelines else None
    opts: list[tuple[int, int, str, str]] = []
    for a, b, iso in find_full_dates(s):
        opts.append((a, b, iso, "full"))
    for a, b, d, mo in find_day_months(s):
        sa, sb = ctx.sentence(a)
        years = {}
        for y in years_in(s[sa:sb]):
            years.setdefault(y, "sentence")
        if dl_year:
            years.setdefault(dl_year, "dateline")
        if mode:
            years.setdefault(mode, "mode")
        for y, src in years.items():
            iso = make_iso(y, mo, d)
            if iso:
                opts.append((a, b, iso, "daymonth." + src))
    counts = Counter(iso for _, _, iso, _ in opts)
    out = []
    first_seen: dict[str, int] = {}
    for a, b, iso, src in opts:
        first_seen.setdefault(iso, a)
    for a, b, iso, src in opts:
        f = _common(ctx, a, b)
        f[f"src={src}"] = 1.0
        f.update(window_features(ctx, a, b, 3, "w"))
        before = s[max(0, a - 80):a]
        if _REF_BEFORE_RE.search(before):
            f["cited_document_date"] = 1.0
        if re.search(r"(?:ban hành|kí|ký)\s*(?:ngày)?\s*$", before, re.IGNORECASE):
            f["issued"] = 1.0
        if any(x <= a < y for x, y, _, _ in datelines):
            f["dateline"] = 1.0
        if re.search(r"(?:đến|tới|trước|từ|hết|hạn)\s*(?:ngày)?\s*$", before, re.IGNORECASE):
            f["range_word_before"] = 1.0
        f[f"mentions={bucket(counts[iso], (2, 3, 5))}"] = 1.0
        if first_seen[iso] == a:
            f["first_of_value"] = 1.0
        if dl_iso:
            f["vs_dateline=" + ("same" if iso == dl_iso else ("before" if iso < dl_iso else "after"))] = 1.0
        _rule_feats(f, iso, rule_date, exact=True)
        out.append(Candidate("meeting.date", iso, a, b, src, "meeting.date", f))
    return out


# ---------------------------------------------------------------- titles

def _title_ends(ctx: DocContext, start: int, limit: int = 260) -> list[int]:
    hi = min(len(ctx.s), start + limit)
    ends = []
    for m in _TITLE_END_RE.finditer(ctx.s, start + 3, hi):
        ends.append(m.start())
        if ctx.s[m.start()] in ".;!?\n" or len(ends) >= 7:
            break
    # a closing parenthesis right after an end is part of the title ("(nhiệm kỳ 2020 - 2025)")
    more = []
    for e in ends:
        if ctx.s.startswith(" (", e) or ctx.s.startswith("(", e):
            close_at = ctx.s.find(")", e, e + 60)
            if close_at > 0:
                more.append(close_at + 1)
    return sorted(set(ends + more))


def _titles(ctx: DocContext, rule_title: str | None) -> list[Candidate]:
    s = ctx.s
    opts: dict[tuple[int, int], str] = {}
    # the meeting a report is about is named near its top: later event nouns are other events
    starts = [(a, "event") for a, _ in ctx.spans("event") if a < TITLE_WITHIN] + \
        [(m.start(), "verb") for m in _TITLE_VERB_RE.finditer(s, 0, TITLE_WITHIN)]
    for a, src in starts:
        for e in _title_ends(ctx, a):
            while e > a and s[e - 1] in " ,:-–":
                e -= 1
            if e - a >= 6:
                opts.setdefault((a, e), src)
    la, lb = ctx.lines[ctx.first_body_line]
    if lb - la > 8:
        opts.setdefault((la, lb), "headline")
        for m in re.finditer(r"\s*[:|–—-]\s+", s[la:lb]):
            opts.setdefault((la, la + m.start()), "headline.part")
            opts.setdefault((la + m.end(), lb), "headline.part")
    if rule_title:
        pos = s.find(rule_title)
        if pos >= 0:
            opts.setdefault((pos, pos + len(rule_title)), "rule")
    seen: set[str] = set()
    out = []
    for (a, b), src in opts.items():
        val = trim(s[a:b])
        key = vkey(val)
        if len(val) < 6 or len(val) > 300:
            continue
        ws = ctx.words_in(a, b)
        f = _common(ctx, a, b)
        f[f"src={src}"] = 1.0
        f.update(window_features(ctx, a, b, 2, "w"))
        f[f"len={bucket(len(ws), (2, 3, 5, 8, 12, 18, 25))}"] = 1.0
        f.update(edge_features(ws))
        end_ch = s[b:b + 1]
        f[f"end={'punct:' + end_ch if end_ch and not end_ch.isalnum() and end_ch != ' ' else low(s[b:b + 8].split()[0] if s[b:b + 8].split() else '</>')}"] = 1.0
        if re.search(r"(?:19|20)\d\d", val):
            f["has_year"] = 1.0
        if re.search(r"(?<!\w)lần thứ(?!\w)", val, re.IGNORECASE):
            f["has_lan_thu"] = 1.0
        if ctx.has("mverb", max(0, a - 40), a):
            f["verb_before"] = 1.0
        if ctx.has("passive", b, min(len(s), b + 40)):
            f["passive_after"] = 1.0
        if key in seen:
            f["repeat"] = 1.0
        seen.add(key)
        _rule_feats(f, val, rule_title)
        out.append(Candidate("meeting.title", val, a, b, src, "meeting.title", f))
    return out


# ---------------------------------------------------------------- organizers

def _header_orgs(ctx: DocContext) -> list[tuple[int, int]]:
    """The administrative header's issuing body: upper-case lines at the top."""
    out = []
    for a, b in ctx.lines[:8]:
        line = ctx.s[a:b].strip()
        if 3 < len(line) < 90 and line.isupper() and not re.search(r"CỘNG HÒA|CỘNG HOÀ|ĐỘC LẬP|ĐẢNG CỘNG SẢN VIỆT NAM", line):
            out.append((a + ctx.s[a:b].index(line[0]), a + ctx.s[a:b].index(line[0]) + len(line)))
    return out


def _organizers(ctx: DocContext, rule_org: str | None) -> list[Candidate]:
    s = ctx.s
    opts: dict[tuple[int, int], set[str]] = {}

    def add(x: int, y: int, src: str) -> None:
        opts.setdefault((x, y), set()).add(src)

    for m in _ORG_VERB_RE.finditer(s):
        ca = ctx.sentence(m.start())[0]
        for x, y in org_phrases(ctx, ca, m.start()):
            if len(ctx.words_in(y, m.start())) <= 3:
                add(x, y, "before_verb")
    for m in _DO_RE.finditer(s):
        ce = ctx.clause_end(m.end())
        for x, y in org_phrases(ctx, m.end(), min(ce, m.end() + 160), per_start=8):
            if x == m.end():
                add(x, y, "do")
    for a, _ in ctx.spans("event"):
        ce = min(len(s), a + 200)
        for m in _OF_RE.finditer(s, a, ce):
            for x, y in org_phrases(ctx, m.end(), min(ctx.clause_end(m.end()), m.end() + 150), per_start=8):
                if x == m.end():
                    add(x, y, "of_event")
            break
    la, lb = ctx.lines[ctx.first_body_line]
    for x, y in org_phrases(ctx, la, lb):
        add(x, y, "headline")
    for x, y in _header_orgs(ctx):
        add(x, y, "header")
    if rule_org:
        pos = s.find(rule_org)
        if pos >= 0:
            add(pos, pos + len(rule_org), "rule")
    out = []
    for (a, b), srcs in opts.items():
        val = trim(s[a:b])
        if len(val) < 3:
            continue
        ws = ctx.words_in(a, b)
        f = _common(ctx, a, b)
        for src in srcs:
            f[f"src={src}"] = 1.0
        f.update(window_features(ctx, a, b, 2, "w"))
        f[f"len={bucket(len(ws), (2, 3, 4, 6, 9, 13))}"] = 1.0
        f.update(edge_features(ws))
        if any(h == a for h, _ in ctx.between("orghead", a, b)):
            f["orghead.start"] = 1.0
        if ctx.has("place", a, b):
            f["place"] = 1.0
        if val.isupper():
            f["allcaps"] = 1.0
        _rule_feats(f, val, rule_org)
        out.append(Candidate("meeting.organizer", val, a, b, "+".join(sorted(srcs)), "meeting.organizer", f))
    return out


# ---------------------------------------------------------------- locations

def _locations(ctx: DocContext, rule_loc: str | None) -> list[Candidate]:
    s = ctx.s
    opts: dict[tuple[int, int], str] = {}
    for m in _AT_RE.finditer(s):
        a = m.end()
        hi = min(len(s), a + 160)
        stop = _LOC_END_RE.search(s, a, hi)
        e_max = stop.start() if stop else hi
        ends = [a + p.start() for p in re.finditer(",", s[a:e_max])][:3] + [e_max]
        src = "dia_diem" if s[m.start()] in "Đđ" else "tai"
        for e in ends:
            while e > a and s[e - 1] in " ,:-–":
                e -= 1
            if e - a >= 3:
                opts.setdefault((a, e), src)
    if rule_loc:
        pos = s.find(rule_loc)
        if pos >= 0:
            opts.setdefault((pos, pos + len(rule_loc)), "rule")
    out = []
    for (a, b), src in opts.items():
        val = trim(s[a:b])
        if len(val) < 3:
            continue
        ws = ctx.words_in(a, b)
        f = _common(ctx, a, b)
        f[f"src={src}"] = 1.0
        f.update(window_features(ctx, a, b, 2, "w"))
        f[f"len={bucket(len(ws), (2, 3, 5, 8, 12))}"] = 1.0
        f[f"commas={min(val.count(','), 2)}"] = 1.0
        if ws:
            f[f"first={fword(ws[0].text)}"] = 1.0
            f[f"firstshape={'Xx' if ws[0].text[:1].isupper() else 'x'}"] = 1.0
        if ctx.has("place", a, min(b, a + 25)):
            f["place"] = 1.0
        sa, _ = ctx.sentence(a)
        if ctx.has("event", sa, a) or ctx.has("mverb", sa, a):
            f["event_before"] = 1.0
        _rule_feats(f, val, rule_loc)
        out.append(Candidate("meeting.location", val, a, b, src, "meeting.location", f))
    return out
