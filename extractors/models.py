"""Extractor for the ``models`` field (see ../shared/eval/SCHEMA.md).

A model is a named initiative a unit registered or built. Rules:

A. a quoted name right after a model noun (``model_triggers``: "mô hình",
   "điển hình", "cách làm hay"), possibly with qualifiers between
   ("mô hình chi bộ “…”", "mô hình, điển hình “…”"), and the quoted names
   chained to it ("mô hình “A”, “B” và “C”"); every quotation style,
   unbalanced quotes included; a few other descriptive words may stand
   between ("mô hình tự quản về an ninh “…”", lower confidence) but never
   a predicate (``model_not_between``: "mô hình được đánh giá là “…”");
   the last item of a "<unit> với mô hình “…”" list whose "với mô hình “"
   was dropped is read too;
B. a quoted name shaped "<unit> <number> tốt/không" ("Chi bộ 3 tốt",
   "Đảng bộ cơ sở ba tốt") whatever introduces it: the shape itself names
   a model a unit builds;
C. an unquoted list after a model noun and a colon ("đăng ký 2 mô hình: A; B");
D. "mô hình X" unquoted where X is quoted elsewhere in the document;
E. photo captions: "Mô hình X của <unit>", "<unit> với mô hình X", also
   when PDF text runs the caption into the next paragraph.

Repeats are one item: truncated or misread ones ("Dần vận khéo") merge into
the full spelling, unless their numbers differ ("Tổ 3 tốt" / "Tổ 5 tốt").

Repeats are keyed without spaces, quotes and punctuation ("1 +1" = "1+1").

The organization is "<unit> với mô hình …", "“…” ở/tại/của <unit or place>"
right after the name (a place needs a place word or a two-syllable name:
"ở Giáp Trung", "tại tổ dân phố Bàu Sen"), "… của <unit>", "được <unit> …"
(never past another model noun), else the last unit named before the model
noun in the sentence, else one near the end of the previous sentence of the
paragraph, else the unit the document's title names; a unit far before the
model noun, the previous sentence's or the title's lowers the confidence.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from spacy.tokens import Doc

from extractors import register
from extractors.base import fold, lexicon, lexicon_regex, make_item
from pipeline.model import Item, Text

VERSION = "1.3.0"
NAME = "models"

# --- quotes -------------------------------------------------------------------

OPEN_QUOTES = frozenset(lexicon("quote_open"))
CLOSE_QUOTES = frozenset(lexicon("quote_close"))
ALL_QUOTES = OPEN_QUOTES | CLOSE_QUOTES
_CURLY_PAIRS = {"“": "”", "‘": "’", "«": "»", "„": "”"}
_STRAIGHT = frozenset("\"'")


def _is_opening(text: str, i: int) -> bool:
    """Whether the quote at ``i`` opens (space or start before, a letter after)."""
    ch = text[i]
    if ch in _CURLY_PAIRS:
        return True
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return (before.isspace() or before in "([:,;-–—/") and not after.isspace() and after not in ",.;:)"


def opens_after_trigger(text: str, i: int) -> bool:
    """Whether a quote that directly follows a trigger word opens a name:
    an opening quote, or a straight one after a space even when a space
    follows it (“" Đoàn kết"”)."""
    if _is_opening(text, i):
        return True
    return text[i] in _STRAIGHT and i > 0 and (text[i - 1].isspace() or text[i - 1] == ":")


def read_quoted(text: str, q: int, limit: int = 600) -> tuple[int, int, bool] | None:
    """The quoted text opened at ``q``: (start, end, closed).

    Nested quotes are followed; a quote never closed ends at the first ";",
    the sentence end or the line end.
    """
    if q >= len(text) or text[q] not in ALL_QUOTES:
        return None
    start = q + 1
    depth = 1
    i = start
    hi = min(len(text), start + limit)
    while i < hi:
        ch = text[i]
        if ch == "\n":
            break
        if ch in ALL_QUOTES:
            if ch in _CURLY_PAIRS or (ch in _STRAIGHT and _is_opening(text, i)) or (
                    ch == "”" and _is_opening(text, i) and depth > 1):
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    return _trim(text, start, i) + (True,)
        i += 1
    # unbalanced: end at the first ";" / sentence end / line end
    m = re.compile(r";|\.(?=\s|$)|\n").search(text, start, hi)
    end = m.start() if m else hi
    return _trim(text, start, end) + (False,)


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and (text[s].isspace() or text[s] in ALL_QUOTES):
        s += 1
    while e > s and (text[e - 1].isspace() or text[e - 1] in ALL_QUOTES or text[e - 1] in ",;:….!?"):
        e -= 1
    if text[s:e].endswith("..."):
        e -= 3
    return s, e


# --- organizations ------------------------------------------------------------

_ORG_HEAD_RE = re.compile(rf"(?<!\w)(?:{lexicon_regex('org_heads')})(?!\w)", re.IGNORECASE)
_ORG_WORDS = frozenset(w.casefold() for w in lexicon("org_name_words"))
_CAP = "A-ZĐÂĂÊÔƠƯÁÀẢÃẠÉÈẺẼẸÍÌỈĨỊÓÒỎÕỌÚÙỦŨỤÝỲỶỸỴ"
_PLACE_QUALIFIER_RE = re.compile(
    rf",\s*((?:phường|xã|thị trấn|huyện|quận|thị xã|thành phố|tỉnh|TT\.|TP\.?)\s*[{_CAP}][^\s,;:()]*(?:\s+[{_CAP}][^\s,;:()]*)*)")
_STANDALONE_RE = re.compile(rf"(?:{lexicon_regex('org_standalone')})", re.IGNORECASE)
_TOKEN_RE = re.compile(r"[^\s,;:()“”\"'‘’«»]+")


def read_org(text: str, start: int, end: int | None = None, starts: frozenset[int] | None = None
             ) -> tuple[int, int] | None:
    """An organisation name starting at ``start`` (which must be a head noun).

    Words continue the name while capitalized, numbers or name words
    ("Đảng ủy Khối các cơ quan huyện"); a lower-case syllable also continues
    it when the word segmenter put it in the same word as the capitalized
    syllable before it ("Sở Xây dựng"), ``starts`` being the offsets where
    words begin. A name needs one capitalized or numbered word after its
    head, unless the head names a unit on its own ("Huyện ủy").
    """
    end = len(text) if end is None else end
    h = _ORG_HEAD_RE.match(text, start, end)
    if not h:
        return None
    pos = h.end()
    last = pos
    proper = False
    prev_cap = False
    while pos < end and text[pos] == " ":
        m = _TOKEN_RE.match(text, pos + 1, end)
        if not m:
            break
        tok = m.group(0).rstrip(".")
        if not tok:
            break
        if tok[0].isupper() or tok[0].isdigit():
            proper = True
            prev_cap = True
        elif prev_cap and starts is not None and m.start() not in starts:
            pass  # the rest of a capitalized word ("Xây dựng")
        elif tok.casefold() in _ORG_WORDS:
            prev_cap = False
        else:
            break
        pos = m.start() + len(tok)
        last = pos
    if not proper:
        if text[start].isupper() and _STANDALONE_RE.fullmatch(text, start, h.end()):
            return start, h.end()
        return None
    if text[start:last].isupper() and len(text[start:last].split()) > 2:
        return None  # an all-capitals title: where the name ends cannot be told
    # trailing connectors are not part of the name
    s_text = text[start:last]
    trimmed = re.sub(r"(?:\s+(?:và|các|số|của|trực thuộc|thuộc))+$", "", s_text)
    last = start + len(trimmed)
    # a unit named by its number needs its locality: "Chi bộ 11, phường X"
    name_part = text[h.end():last].strip()
    if re.fullmatch(r"[\d\s.]+|[A-Z]{1,3}\.?\s*\d+", name_part):
        q = _PLACE_QUALIFIER_RE.match(text, last, end)
        if q:
            last = q.end(1)
    return start, last


def orgs_in(text: str, s: int, e: int, starts: frozenset[int] | None = None) -> list[tuple[int, int]]:
    """Organisation names in ``text[s:e]``, left to right, not overlapping."""
    out = []
    pos = s
    while True:
        h = _ORG_HEAD_RE.search(text, pos, e)
        if not h:
            break
        span = read_org(text, h.start(), e, starts)
        if span:
            out.append(span)
            pos = span[1]
        else:
            pos = h.end()
    return out


def _mask_parentheses(text: str, s: int, e: int) -> str:
    """``text[s:e]`` with parentheses and quoted stretches blanked out."""
    seg = text[s:e]
    seg = re.sub(r"\([^()]*\)", lambda m: " " * len(m.group(0)), seg)
    return re.sub(r"[“\"‘«][^“”\"‘’«»\n]{0,150}[”\"’»]", lambda m: " " * len(m.group(0)), seg)


# --- names --------------------------------------------------------------------

_TRIGGER = lexicon_regex("model_triggers")
_QUAL = lexicon_regex("model_qualifiers")
_QCHARS = "".join(sorted(ALL_QUOTES))
_NOT_BETWEEN = lexicon_regex("model_not_between")
_TRIGGER_QUOTE_RE = re.compile(
    rf"(?<!\w)(?P<trig>{_TRIGGER})(?:\s*,\s*(?:{_TRIGGER}))?(?:\s+(?:{_QUAL}))*"
    rf"(?P<free>(?:\s+(?!(?:{_NOT_BETWEEN})(?!\w))[a-zđà-ỹ]+){{1,6}}?)?"
    rf"\s*:?\s*(?P<q>[{re.escape(_QCHARS)}])",
    re.IGNORECASE)
_CHAIN_RE = re.compile(rf"\s*(?:,|và|;|hoặc)\s*(?P<q>[{re.escape(_QCHARS)}])")
_NUMWORD = r"(?:\d+|một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười)"
_UNIT_SHAPE_RE = re.compile(
    rf"^(?:{lexicon_regex('model_unit_nouns')})\s+{_NUMWORD}\s+(?:{lexicon_regex('model_name_qualities')})\b",
    re.IGNORECASE)
_ANY_QUOTE_RE = re.compile(rf"[{re.escape(_QCHARS)}]")
_LIST_RE = re.compile(
    rf"(?<!\w)(?:{_TRIGGER})(?:\s*,\s*(?:{_TRIGGER}))?(?P<mid>[^.:;\n{re.escape(_QCHARS)}]{{0,30}}?)"
    r"\s*(?:như|gồm|là|sau)?\s*:\s*",
    re.IGNORECASE)
_LIST_MID_BAD_RE = re.compile(r"tiêu chí|nội dung|tiêu chuẩn|giải pháp|nhiệm vụ|bước|yêu cầu", re.IGNORECASE)
_CAPTION_OF_RE = re.compile(
    rf"^(?:Mô hình|Cách làm hay)\s+(?!(?:{_NOT_BETWEEN})(?!\w))(?P<name>[a-zđà-ỹ][^\n{re.escape(_QCHARS)}]{{3,120}}?)"
    r"\s+của\s+(?P<org>[^\n]{3,100})$")
_CAPTION_START_RE = re.compile(
    rf"(?:Mô hình|Cách làm hay)\s+(?!(?:{_NOT_BETWEEN})(?!\w))(?P<name>[a-zđà-ỹ][^\n.,;:{re.escape(_QCHARS)}]{{3,120}}?)\s+của\s+")
_CAPTION_WITH_RE = re.compile(r"^(?P<org>[^\n]{3,100}?)\s+với\s+mô hình\s+(?P<name>[a-zđà-ỹ][^\n]{3,150}?)\.?$")
_WITH_BEFORE_RE = re.compile(r"\s+với\s+(?:các\s+|những\s+)?$")
_BY_AFTER_RE = re.compile(r"(?<!\w)(?:do|được|của)\s+")
_AT_AFTER_RE = re.compile(rf"[{re.escape(''.join(sorted(ALL_QUOTES)))}]?\s*(?P<prep>ở|tại|của)\s+")
# a place written after "ở/tại": "ở Giáp Trung", "tại thôn Đồng Tâm", "ở Khu phố 4":
# a place word and a name or number, or a name of two capitalized syllables or more
_PLACE_WORDS = r"(?:xã|phường|thị trấn|thôn|ấp|bản|làng|xóm|khu phố|tổ dân phố|khu dân cư|tổ|khu|huyện|quận|thị xã|tỉnh)"
_PLACE_AFTER_RE = re.compile(
    rf"(?i:{_PLACE_WORDS})\s+[{_CAP}0-9][^\s,;:.()“”\"]*(?:\s+[{_CAP}0-9][^\s,;:.()“”\"]*){{0,4}}"
    rf"|[{_CAP}][^\s,;:.()“”\"]*(?:\s+[{_CAP}0-9][^\s,;:.()“”\"]*){{1,4}}")
DISTANT = 120  # chars from a unit to the model noun beyond which the unit is a weak guess
_SENT_END_RE = re.compile(r"(?<=[.!?])\s+(?=[\"“(]?[A-ZĐÂĂÊÔƠƯÁÀẢÃẠÉÈẺẼẸÍÌỈĨỊÓÒỎÕỌÚÙỦŨỤÝỲỶỸỴ0-9])|\n+")


_ABBREV_RE = re.compile(r"(?<!\w)(?:[A-ZĐ][A-Za-zĐđ]{0,2}|[Tt]p|[Tt]x|[Tt]t|[Nn]gđ|[Tt]h[Ss])\.$")


def sentence_breaks(text: str, s: int = 0, e: int | None = None):
    """Sentence boundaries in ``text[s:e]`` (a full stop before a capital, a
    line break), not after abbreviations such as "TP.", "Q.", "ThS."."""
    e = len(text) if e is None else e
    for m in _SENT_END_RE.finditer(text, s, e):
        if m.group(0).strip(" ") == "" and _ABBREV_RE.search(text, max(0, m.start() - 5), m.start()):
            continue
        yield m


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """All sentences of ``text`` as (start, end)."""
    out, pos = [], 0
    for m in sentence_breaks(text):
        if m.start() > pos:
            out.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        out.append((pos, len(text)))
    return out


def sentence_of(text: str, i: int) -> tuple[int, int]:
    """(start, end) of the sentence holding offset ``i``."""
    s = max(text.rfind("\n", 0, i) + 1, 0)
    for m in sentence_breaks(text, s, i):
        s = m.end()
    m = next(sentence_breaks(text, i), None)
    e = m.start() if m else len(text)
    return s, e


def _name_key(name: str) -> str:
    """A name's identity: folded, without spaces, quotes and punctuation
    ("1 +1" and "1+1" are one model)."""
    return re.sub(r"[\W_]+", "", fold(name))


def _good_name(name: str) -> bool:
    words = name.split()
    if not words or len(name) < 2 or len(words) > 45:
        return False
    return any(ch.isalnum() for ch in name)


class Found:
    __slots__ = ("name", "start", "end", "conf", "org", "org_rank")

    def __init__(self, name, start, end, conf, org=None, org_rank=9):
        self.name, self.start, self.end, self.conf = name, start, end, conf
        self.org, self.org_rank = org, org_rank


def _org_for(text: str, name_start: int, name_end: int, trig_start: int, doc_org: str | None,
             starts: frozenset[int] | None = None) -> tuple[str | None, int]:
    """(organization, rank): rank 0 is the strongest evidence."""
    s, e = sentence_of(text, trig_start)
    before = text[s:trig_start]
    # "<unit> với mô hình …": back to the previous delimiter
    w = _WITH_BEFORE_RE.search(before)
    if w:
        seg = before[:w.start()]
        cut = max(seg.rfind(c) for c in ("”", "\"", ":", ";", "’", "»"))
        # a list "A với mô hình “…”, B với mô hình …": after the closing quote and comma
        org = seg[cut + 1:].strip(" ,;:") if cut >= 0 else seg.strip()
        org = re.sub(r"^(?:như|và|gồm|là)\s+", "", org)
        if org and len(org.split()) <= 14 and (org[0].isupper() or _ORG_HEAD_RE.match(org)):
            return org, 0
    # "mô hình “…” của <unit>" / "… là giải pháp được <unit> thực hiện"
    clause_end = min(e, name_end + 90)
    stop = re.search(rf"[,;:(]|(?<!\w)(?:{_TRIGGER})(?!\w)", text[name_end + 1:clause_end], re.IGNORECASE)
    if stop:
        clause_end = name_end + 1 + stop.start()  # "… và mô hình “B” của X": X is B's
    # "“…” ở/tại <unit or place>" right after the name
    at = _AT_AFTER_RE.match(text, name_end)
    if at:
        span = read_org(text, at.end(), e, starts)
        if span:
            return text[span[0]:span[1]], 1
        p = _PLACE_AFTER_RE.match(text, at.end(), e)
        if p and at.group("prep") != "của" and not _ORG_HEAD_RE.fullmatch(p.group(0).strip()):
            return p.group(0).strip(), 1
    for b in _BY_AFTER_RE.finditer(text, name_end, clause_end):
        orgs = orgs_in(text, b.end(), min(e, b.end() + 120), starts)
        if orgs and orgs[0][0] == b.end():
            return text[orgs[0][0]:orgs[0][1]], 1
    # the last unit named before the model noun in the sentence
    masked = text[:s] + _mask_parentheses(text, s, trig_start)
    orgs = orgs_in(masked, s, trig_start, starts)
    if orgs:
        o = orgs[-1]
        # a unit named far before the model noun is a weaker guess
        return masked[o[0]:o[1]].strip(), 2 if trig_start - o[1] <= DISTANT else 4
    # the previous sentence of the same paragraph ("Chi bộ thôn A có nhiều cách
    # làm hay. Nổi bật là mô hình “X”."), when it names a unit near its end
    if s > 2 and "\n" not in text[s - 2:s]:
        ps, _pe = sentence_of(text, s - 2)
        masked = text[:ps] + _mask_parentheses(text, ps, s)
        orgs = orgs_in(masked, ps, s, starts)
        if orgs and s - orgs[-1][1] <= DISTANT:
            o = orgs[-1]
            return masked[o[0]:o[1]].strip(), 4
    return doc_org, 3


def _doc_org(text: str, starts: frozenset[int] | None = None) -> str | None:
    """The unit the document's title (first lines) names first."""
    pos = 0
    for i, line in enumerate(text.split("\n")):
        if i >= 6:
            break
        if line.strip() and len(line) <= 300 and not re.match(r"\s*(?:Căn cứ|Thực hiện|Theo)\b", line):
            masked = text[:pos] + _mask_parentheses(text, pos, pos + len(line))
            orgs = orgs_in(masked, pos, pos + len(line), starts)
            if orgs:
                return text[orgs[0][0]:orgs[0][1]]
        pos += len(line) + 1
    return None


@register("models", VERSION)
def extract(doc: Doc, text: Text) -> list[Item]:
    t = text.text
    starts = frozenset(tok.idx for tok in doc)
    doc_org = _doc_org(t, starts)
    found: list[Found] = []
    quoted_names: dict[str, str] = {}
    taken: set[int] = set()  # opening-quote offsets already used

    def add(name_s: int, name_e: int, conf: float, trig_start: int) -> None:
        name = t[name_s:name_e].strip()
        if not _good_name(name):
            return
        org, rank = _org_for(t, name_s, name_e, trig_start, doc_org, starts)
        if rank >= 3 and org:
            conf -= 0.03  # the unit is the document's or a distant one
        if rank == 4:
            rank = 2
        found.append(Found(name, name_s, name_e, conf, org, rank))

    # A. quoted names after a model noun, and those chained to them
    for m in _TRIGGER_QUOTE_RE.finditer(t):
        q = m.start("q")
        trig = m.start("trig")
        if not opens_after_trigger(t, q):
            continue  # the quote closes something the model noun is inside of
        chain_from = len(found)
        while True:
            r = read_quoted(t, q)
            if not r or q in taken:
                break
            taken.add(q)
            s_, e_, closed = r
            conf = 0.92 if closed else 0.75
            if fold(m.group("trig")) == "điển hình" or fold(m.group("trig")) == "gương điển hình":
                conf -= 0.07
            if m.group("free"):
                conf -= 0.1  # words of no known kind between the noun and the name
            add(s_, e_, conf, trig)
            nxt = e_
            while nxt < len(t) and t[nxt] in ALL_QUOTES:
                nxt += 1
            c = _CHAIN_RE.match(t, nxt)
            if not c or not closed:
                break
            q = c.start("q")
        # "mô hình “A”, “B” của <unit>": the unit after the last name owns them all
        chain = found[chain_from:]
        if len(chain) > 1 and chain[-1].org_rank == 1:
            for f in chain[:-1]:
                if f.org_rank > 1:
                    f.org, f.org_rank = chain[-1].org, 1
    # A'. the last item of a "<unit> với mô hình “…”, <unit> với mô hình …" list
    # written without its "với mô hình “": "…, <unit> <name>”"
    for f in list(found):
        if f.org_rank != 0:
            continue
        c = re.compile(rf"[{re.escape(_QCHARS)}]*\s*,\s*").match(t, f.end)
        if not c:
            continue
        org = read_org(t, c.end(), None, starts)
        if not org:
            continue
        rest_s = org[1]
        qm = _ANY_QUOTE_RE.search(t, rest_s, sentence_of(t, rest_s)[1] + 1)
        if not qm or _is_opening(t, qm.start()) or re.search(r"với\s+mô hình|[,;]", t[rest_s:qm.start()]):
            continue
        s2, e2 = _trim(t, rest_s, qm.start())
        if 1 <= len(t[s2:e2].split()) <= 20:
            found.append(Found(t[s2:e2], s2, e2, 0.7, t[org[0]:org[1]], 0))

    # B. "<unit> <number> tốt" names, however introduced
    for m in _ANY_QUOTE_RE.finditer(t):
        q = m.start()
        if q in taken or not _is_opening(t, q):
            continue
        r = read_quoted(t, q, 120)
        if not r or not r[2]:
            continue
        s_, e_, _ = r
        if _UNIT_SHAPE_RE.match(t[s_:e_]):
            taken.add(q)
            add(s_, e_, 0.8, q)
    # C. unquoted lists after a colon
    for m in _LIST_RE.finditer(t):
        if _LIST_MID_BAD_RE.search(m.group("mid")):
            continue
        ls = m.end()
        le = sentence_of(t, ls)[1]
        if le <= ls:
            continue
        parts = [p for p in re.finditer(r"[^;]+", t[ls:le]) if p.group(0).strip()]
        if len(parts) < 2:
            continue  # a list has two items at least
        for part in parts:
            ps, pe = ls + part.start(), ls + part.end()
            seg = t[ps:pe]
            lead = re.match(rf"\s*(?:{_TRIGGER})?\s*", seg, re.IGNORECASE)
            ps2 = ps + lead.end()
            qm = _ANY_QUOTE_RE.search(t, ps2, pe)
            if qm and qm.start() - ps2 <= 2:
                if qm.start() in taken:
                    continue
                r = read_quoted(t, qm.start())
                if r:
                    taken.add(qm.start())
                    add(r[0], r[1], 0.8, m.start())
                continue
            s2, e2 = _trim(t, ps2, pe)
            words = t[s2:e2].split()
            if 2 <= len(words) <= 30:
                add(s2, e2, 0.7, m.start())
    # D. "mô hình X" unquoted, X quoted elsewhere in the document
    for f in found:
        quoted_names.setdefault(fold(f.name), f.name)
    for m in _ANY_QUOTE_RE.finditer(t):
        if _is_opening(t, m.start()):
            r = read_quoted(t, m.start(), 80)
            if r and r[2]:
                nm = t[r[0]:r[1]]
                if 1 <= len(nm.split()) <= 6:
                    quoted_names.setdefault(fold(nm), nm)
    if quoted_names:
        alt = "|".join(re.escape(n) for n in sorted(quoted_names.values(), key=len, reverse=True))
        for m in re.finditer(rf"(?<!\w)(?:{_TRIGGER})\s+(?P<name>{alt})(?!\w)", t, re.IGNORECASE):
            add(m.start("name"), m.end("name"), 0.7, m.start())
    # E'. a caption run into the next paragraph (PDF text): a sentence opening
    # "Mô hình <lower-case name> của <unit>" then a capitalized word
    for ss, se in sentence_spans(t):
        c = _CAPTION_START_RE.match(t, ss, se)
        if not c:
            continue
        org = read_org(t, c.end(), se, starts)
        if not org:
            continue
        after = t[org[1]:se]
        q = _PLACE_QUALIFIER_RE.match(t, org[1], se)
        if q:
            after = t[q.end(1):se]
        if after.strip() and not re.match(rf"\s+[{_CAP}]", after):
            continue
        found.append(Found(c.group("name").strip(), c.start("name"), c.end("name"), 0.65,
                           t[org[0]:org[1]], 0))
    # E. captions (short lines without a full stop inside)
    for line in re.finditer(r"[^\n]+", t):
        ln = line.group(0)
        if len(ln) > 180 or re.search(r"\.\s+[A-ZĐ]", ln):
            continue
        c = _CAPTION_OF_RE.match(ln)
        if c:
            span = read_org(t, line.start() + c.start("org"), line.end(), starts)
            org = t[span[0]:span[1]] if span else c.group("org").split(",")[0].strip()
            f = Found(c.group("name").strip(), line.start() + c.start("name"), line.start() + c.end("name"),
                      0.7, org, 0)
            found.append(f)
            continue
        c = _CAPTION_WITH_RE.match(ln)
        if c and (_ORG_HEAD_RE.match(c.group("org")) or c.group("org")[0].isupper()):
            if _ANY_QUOTE_RE.search(c.group("name")):
                continue
            found.append(Found(c.group("name").strip(), line.start() + c.start("name"),
                               line.start() + c.end("name"), 0.7, c.group("org").strip(), 0))
    # one item per name: the best evidenced, with the best organisation found
    best: dict[str, Found] = {}
    orgs: dict[str, tuple[int, int, str]] = {}
    for f in found:
        k = _name_key(f.name)
        if not k:
            continue
        if k not in best or f.conf > best[k].conf:
            best[k] = f
        if f.org and (k not in orgs or (f.org_rank, f.start) < orgs[k][:2]):
            orgs[k] = (f.org_rank, f.start, f.org)
    # a name cut short (a truncated repeat) is the longer one
    for k in list(best):
        if len(k) >= 12 and any(o != k and o.startswith(k) for o in best):
            del best[k]
    # a misspelt or misread repeat ("Dần vận khéo") is the same model
    keys = sorted(best, key=lambda k: (-best[k].conf, best[k].start))
    for i, k in enumerate(keys):
        if k not in best:
            continue
        for o in keys[i + 1:]:
            if (o in best and len(o) >= 6 and re.findall(r"\d+", k) == re.findall(r"\d+", o)
                    and SequenceMatcher(None, k, o, autojunk=False).ratio() >= 0.9):
                if k not in orgs and o in orgs:
                    orgs[k] = orgs[o]
                del best[o]
    items = []
    for k, f in sorted(best.items(), key=lambda kv: kv[1].start):
        org = orgs[k][2] if k in orgs else None
        value = {"name": f.name, "organization": org}
        items.append(make_item("models", value, f.start, f.end, f.conf, text, NAME, VERSION))
    return items
