"""Extractor for the ``themes`` field (see ../shared/eval/SCHEMA.md).

Rules:

A. "chủ đề" / "chuyên đề" (``theme_heads``), an optional specifier without
   quotes ("năm 2021", "toàn khóa và năm 2021", "học tập và làm theo …
   năm 2023", "của Tháng Thanh niên 2015"), optionally ":" / "là" / "về",
   then a quoted text: the theme. A specifier naming something else
   (``theme_not_theme``: "chủ đề Cuộc vận động “…”") leaves it out;
B. "với chủ đề …", "chủ đề … là: …", "chủ đề: …" without quotes: the text
   up to the end of the sentence (weaker);
C. a quoted "Năm <noun phrase>" ("“Năm văn hóa công sở” 2017"): a
   year's theme.

The year is the one of the specifier, else one written right after the
theme, else "Năm 2019, …" opening the sentence, else a bare year right
after a campaign noun before the theme (``theme_campaign_nouns``: "Tháng
Thanh niên 2022 với chủ đề …"), else another "năm YYYY" of
the sentence, else the one year the document gives its themes
("chuyên đề năm 2021").
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from spacy.tokens import Doc

from extractors import register
from extractors.base import fold, lexicon_regex, make_item
from extractors.models import ALL_QUOTES, sentence_of, opens_after_trigger, read_quoted
from pipeline.model import Item, Text

VERSION = "1.4.0"
NAME = "themes"

_Q = re.escape("".join(sorted(ALL_QUOTES)))
_HEAD = lexicon_regex("theme_heads")
_NOT_THEME_RE = re.compile(rf"(?<!\w)(?:{lexicon_regex('theme_not_theme')})(?!\w)", re.IGNORECASE)
_QUOTED_RE = re.compile(
    rf"(?<!\w)(?P<head>{_HEAD})(?!\w)(?P<spec>(?:(?!(?:{_HEAD})(?!\w))[^{_Q}\n.;!?]){{0,140}}?)(?P<sep>\s*(?::|là(?!\w):?|về(?!\w))?\s*)(?P<q>[{_Q}])",
    re.IGNORECASE)
_UNQUOTED_RE = re.compile(
    rf"(?:(?<!\w)[Vv]ới\s+(?P<h1>{_HEAD})(?!\w)(?!\s*[:{_Q}])\s+"
    rf"|(?<!\w)(?P<h2>{_HEAD})(?!\w)(?P<spec>[^{_Q}\n.;:!?]{{0,60}}?)[ \t]*(?:là(?!\w)[ \t]*:?|:)(?![ \t]*[{_Q}])[ \t]*)",
    re.IGNORECASE)
_NAM_THEME_RE = re.compile(rf"(?P<q>[{_Q}])Năm\s+[a-zđà-ỹ]")
_YEAR_RE = re.compile(r"(?<![\d/.-])((?:19|20)\d{2})(?![\d/])")
_YEAR_AFTER_RE = re.compile(rf"^[{_Q}\s]*(?:,\s*)?(?:năm\s+)?((?:19|20)\d{{2}})(?!\d)", re.IGNORECASE)
_SENT_START_YEAR_RE = re.compile(r"^(?:\S+\s+){0,2}?[Nn]ăm\s+((?:19|20)\d{2})\s*,")
_CAMPAIGN_YEAR_RE = re.compile(
    rf"(?<!\w)(?:{lexicon_regex('theme_campaign_nouns')})(?!\w)"
    r"(?:\s+(?!năm(?!\w))[^\W\d_][\w-]*){0,6}?\s+(?:năm\s+)?(?P<y>(?:19|20)\d{2})(?![\d/])", re.IGNORECASE)
_NAM_YEAR_RE = re.compile(r"(?<!\w)năm\s+((?:19|20)\d{2})(?!\d)", re.IGNORECASE)
_DOC_YEAR_RE = re.compile(
    rf"(?<!\w)(?:{_HEAD})(?!\w)[^{_Q}\n.;]{{0,100}}?(?<!\w)năm\s+((?:19|20)\d{{2}})(?!\d)", re.IGNORECASE)
_TRAILING_YEAR_RE = re.compile(r"\s+(?:năm\s+)?((?:19|20)\d{2})$")
_SPEC_END_RE = re.compile(r"(?:(?:19|20)\d{2}|toàn khóa|toàn khoá)\s*(?::|là)?\s*$", re.IGNORECASE)
_COVER_HEAD_RE = re.compile(rf"^(?:{_HEAD})(?!\w)", re.IGNORECASE)
_ORG_START_RE = re.compile(rf"^(?:{lexicon_regex('org_heads')})(?!\w)", re.IGNORECASE)
_PLURAL_BEFORE_RE = re.compile(r"(?<![\w./])(?:các|những|nhiều|một số|\d{1,2}|hai|ba|bốn)\s+$", re.IGNORECASE)
_AUX_RE = re.compile(r"(?<!\w)(?:đã|đang|sẽ|vừa|được|cũng)(?!\w)", re.IGNORECASE)
_WEAK_START_RE = re.compile(r"^(?:này|đó|trên|chung|riêng|chính|của|về|là|năm|được)\b", re.IGNORECASE)


def _year(text: str, spec: str, tstart: int, tend: int, doc_year: int | None) -> tuple[int | None, bool]:
    """(year, stated locally)."""
    m = _YEAR_RE.search(spec or "")
    if m:
        return int(m.group(1)), True
    m = _YEAR_AFTER_RE.match(text[tend:tend + 16])
    if m:
        return int(m.group(1)), True
    s, e = sentence_of(text, tstart)
    m = _SENT_START_YEAR_RE.match(text[s:tstart])
    if m:
        return int(m.group(1)), True
    # "Tháng Thanh niên 2022 với chủ đề …": a bare year right after a campaign's name
    for m in _CAMPAIGN_YEAR_RE.finditer(text, s, tstart):
        return int(m.group("y")), True
    for m in _NAM_YEAR_RE.finditer(text, s, e):
        if not (tstart <= m.start() < tend):
            return int(m.group(1)), True
    return doc_year, False


def _is_caps_line(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def _cover_title(t: str) -> tuple[str, int | None, float, int, int] | None:
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", t[:3000])][:12]
    for i, (ls, le) in enumerate(lines[:3]):
        head = t[ls:le]
        if len(head) > 200 or not _COVER_HEAD_RE.match(head):
            continue
        y = _YEAR_RE.search(head)
        run: list[tuple[int, int]] = []
        for j, (ms, me) in enumerate(lines[i + 1:]):
            line = t[ms:me]
            if not _is_caps_line(line) or re.search(r"\d", line):
                break
            if not run and j == 0 and _ORG_START_RE.match(line):
                continue  # the issuing body's name
            run.append((ms, me))
        if not run:
            return None
        title = " ".join(t[a:b].strip() for a, b in run)
        if len(title.split()) < 5:
            return None
        return title, (int(y.group(1)) if y else None), 0.6, run[0][0], run[-1][1]
    return None


def _doc_year(text: str) -> int | None:
    years = {int(m.group(1)) for m in _DOC_YEAR_RE.finditer(text)}
    return years.pop() if len(years) == 1 else None


def _good(theme: str) -> bool:
    words = theme.split()
    return 2 <= len(words) <= 80 and any(ch.isalpha() for ch in theme)


@register("themes", VERSION)
def extract(doc: Doc, text: Text) -> list[Item]:
    t = text.text
    doc_year = _doc_year(t)
    found: list[tuple[str, int | None, float, int, int]] = []
    used: set[int] = set()
    heads: set[int] = set()  # heads whose quoted theme was found

    # A. quoted theme after chủ đề / chuyên đề
    for m in _QUOTED_RE.finditer(t):
        if _PLURAL_BEFORE_RE.search(t, max(0, m.start() - 12), m.start()):
            continue
        spec = m.group("spec")
        if _NOT_THEME_RE.search(spec) or spec.rstrip().endswith(","):
            continue  # the quotes name something else, or sit inside an unquoted theme
        q = m.start("q")
        if not opens_after_trigger(t, q) and t[q] not in "“‘«":
            continue
        r = read_quoted(t, q)
        if not r:
            continue
        s_, e_, closed = r
        theme = t[s_:e_]
        if not _good(theme):
            continue
        used.add(q)
        heads.add(m.start("head"))
        year, local = _year(t, spec, s_, e_, doc_year)
        conf = 0.93 if closed else 0.75
        if len(spec.split()) > 6 and not _SPEC_END_RE.search(spec):
            conf = min(conf, 0.75)  # a long stretch of text between the head and the quote
        if _AUX_RE.search(spec):
            conf = min(conf, 0.65)  # a clause, not a specifier, stands between
        if not local and year is not None:
            conf -= 0.03
        found.append((theme, year, conf, s_, e_))
    # C. “Năm <noun phrase>”
    for m in _NAM_THEME_RE.finditer(t):
        q = m.start("q")
        if q in used:
            continue
        r = read_quoted(t, q, 120)
        if not r or not r[2]:
            continue
        s_, e_, _ = r
        theme = t[s_:e_]
        if len(theme.split()) > 12:
            continue
        y = _TRAILING_YEAR_RE.search(theme)
        if y:
            year = int(y.group(1))
            e_ = s_ + y.start()
            theme = t[s_:e_]
        else:
            year, _local = _year(t, "", s_, e_, None)
        if _good(theme):
            used.add(q)
            found.append((theme, year, 0.85, s_, e_))
    # B. unquoted theme after "với chủ đề", "chủ đề …: …"
    for m in _UNQUOTED_RE.finditer(t):
        hs = m.start("h1") if m.group("h1") else m.start("h2")
        if hs in heads or _PLURAL_BEFORE_RE.search(t, max(0, hs - 12), hs):
            continue  # "các chủ đề: …", "3 chuyên đề: …" list topics, not a theme
        spec = m.group("spec") or ""
        if _NOT_THEME_RE.search(spec) or re.search(r"(?<!\w)như sau\s*$", spec):
            continue  # "… như sau:" announces a plan, not a theme
        s_ = m.end()
        _s, e_ = sentence_of(t, s_)
        e_ = min(e_, s_ + 400)
        aux = _AUX_RE.search(t, s_, e_)
        if aux:
            e_ = aux.start()  # "với chủ đề X đã diễn ra …": the predicate is not the theme
        while e_ > s_ and t[e_ - 1] in " .,;:…":
            e_ -= 1
        theme = t[s_:e_]
        if not _good(theme) or _WEAK_START_RE.match(theme) or len(theme.split()) < 4:
            continue
        year, local = _year(t, spec, s_, e_, doc_year)
        found.append((theme, year, 0.6, s_, e_))
    # D. the cover of a thematic booklet: a short "Chuyên đề … <year>" heading
    # line, then the title in capitals over several lines (an issuing body's
    # name first, a "place, year" line after)
    cover = _cover_title(t)
    if cover:
        found.append(cover)
    # one item per theme and year
    best: dict[tuple[str, int | None], tuple] = {}
    for theme, year, conf, s_, e_ in found:
        k = (fold(theme), year)
        if k not in best or conf > best[k][2]:
            best[k] = (theme, year, conf, s_, e_)
    # a misspelt or misread repeat of a theme is the same theme
    keys = sorted(best, key=lambda k: (-best[k][2], best[k][3]))
    for i, k in enumerate(keys):
        if k not in best:
            continue
        for o in keys[i + 1:]:
            if (o in best and (o[1] == k[1] or o[1] is None) and re.findall(r"\d+", k[0]) == re.findall(r"\d+", o[0])
                    and SequenceMatcher(None, k[0], o[0], autojunk=False).ratio() >= 0.9):
                del best[o]
    dated = {k[0] for k in best if k[1] is not None}
    items = []
    for (ft, year), (theme, _y, conf, s_, e_) in sorted(best.items(), key=lambda kv: kv[1][3]):
        if year is None and ft in dated:
            continue  # the same theme also given with its year
        items.append(make_item("themes", {"text": theme, "year": year}, s_, e_, conf, text, NAME, VERSION))
    return items
