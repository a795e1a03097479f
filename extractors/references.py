"""Extractor for the ``references`` field (see ../shared/eval/SCHEMA.md).

A reference is a numbered document the text cites: a party-style number
("165-KH/ĐUK", "08-QĐi/TW", "09 KH/ĐU") or a state-style number
("30/2020/NĐ-CP", "58/KH-THPTCL2"). Its ``type`` is the kind of document
written just before the number ("Kế hoạch số …"), inherited along a list
("Chỉ thị số 41-CT/TW, 42-CT/TW"), or read from the symbol code; its
``date`` is the issue date written just after it ("ngày 31/10/2019").
The document's own number ("Số: 58/KH-THPTCL2") takes its type from the
title heading and its date from the dateline. Citations without a symbol
("Chỉ thị 05") are not emitted: the gold records treat them as optional.
A symbol that runs straight into the next header line ("36-CT/TWĐẢNG BỘ
TỈNH …") ends where a header word begins, or after a known issuer code
when Vietnamese letters follow; a number that only extends another one
found by letters is the same document.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc

from extractors import register
from extractors.base import lexicon, lexicon_regex, make_item
from extractors.dates import find_datelines, full_date_at
from pipeline.model import Item, Text

VERSION = "1.2.0"
FIELD = "references"
NAME = f"{FIELD}@{VERSION}"

_UP = "A-ZĐÀ-ỸÂĂÊÔƠƯ"
_CODE = rf"[{_UP}][A-Za-zĐđ]{{0,5}}"  # KH, QĐi, CTr, QyĐ, NQLT
_ISSUER = rf"[{_UP}][{_UP}0-9]{{0,14}}(?:[a-z]{{1,2}}(?![a-zà-ỹ]))?"  # UBND, ĐUK, TTg
_NUM = r"\d{1,5}[a-z]?"

# party style: 165-KH/ĐUK, 08 -QĐi/TW, 09 KH/ĐU, 06-HD/BTGĐUK, 01-QĐ/TW-ĐU
_PARTY = (rf"(?P<pn>{_NUM})(?P<psep>\s*[-–—‐]\s*|\s)(?P<pcode>{_CODE})\s*/\s*"
          rf"(?P<piss>{_ISSUER}(?:\s*[-/]\s*{_ISSUER})*)")
# state style: 30/2020/NĐ-CP, 58/KH-THPTCL2, 40/2004/QH11
_STATE = (rf"(?P<sn>\d{{1,5}})\s*/\s*(?:(?P<syear>(?:19|20)\d{{2}})\s*/\s*)?"
          rf"(?P<scode>{_CODE})(?P<siss>(?:\s*[-–—]\s*{_ISSUER})+|(?<=\d{{4}}/[A-Z]{{2}})\d{{1,2}})")
NUMBER_RE = re.compile(rf"(?<![\w/.\-])(?:{_PARTY}|{_STATE})(?:(?![\w/])|(?=ngày))")

_TYPES = lexicon_regex("doc_types")
TYPE_BEFORE_RE = re.compile(
    rf"(?<!\w)(?P<type>{_TYPES})(?:\s+liên\s+tịch)?\s*(?:\(\s*[^()\n]{{0,30}}\)\s*)?(?:số|Số|SỐ)?\s*[:.]?\s*$",
    re.IGNORECASE,
)
# "Luật Tổ chức chính quyền địa phương số 77/2015/QH13": a named document
NAMED_TYPE_BEFORE_RE = re.compile(
    rf"(?<!\w)(?P<type>{_TYPES})\s+[^\n;.:]{{1,70}}?\s+(?:số|Số)\s*:?\s*$"
)
LIST_BEFORE_RE = re.compile(r"(?:,|;|\bvà|\bhoặc)\s*(?:số\s*)?$", re.IGNORECASE)
OWN_NUMBER_RE = re.compile(r"(?:^|\n|\*|\|)\s*(?:Số|SỐ)\s*[:.]?\s*$")
DATE_AFTER_RE = re.compile(r"^\s*[,(]?\s*(?:ban hành\s+|được ban hành\s+|ký\s+)?(?:ngày|ngay)\s*:?\s*", re.IGNORECASE)
HEADING_TYPE_RE = re.compile(rf"(?:^|\n)\s*(?P<type>{_TYPES})\s*(?:\n|$)", re.IGNORECASE)


def _symbol_types() -> dict[str, str]:
    out = {}
    for entry in lexicon("ref_symbol_types"):
        code, _, kind = entry.partition("|")
        out[code.strip()] = kind.strip()
    return out


SYMBOL_TYPES = _symbol_types()
HEADER_WORD_RE = re.compile(rf"(?:{lexicon_regex('ref_header_words')})(?![A-Za-zĐđÀ-ỹ0-9])")
ISSUERS = tuple(lexicon("ref_issuers"))  # longest first
TAIL_RUN_RE = re.compile(rf"[{_UP}0-9]+$")
FOREIGN_LETTER_RE = re.compile(r"[^A-Z0-9Đ]")


def _glued_cut(s: str, m: re.Match) -> int:
    """How many characters at the end of a number symbol belong to the next word,
    when a lost line break glued them: "36-CT/TWĐẢNG BỘ TỈNH" -> 4 ("ĐẢNG")."""
    run = TAIL_RUN_RE.search(m.group(0))
    if not run or len(run.group(0)) < 3:
        return 0
    tail = run.group(0)
    after = s[m.end():m.end() + 30]
    for k in range(1, len(tail)):
        if HEADER_WORD_RE.match(tail[k:] + after):
            return len(tail) - k
    if FOREIGN_LETTER_RE.search(tail):  # Vietnamese letters are no code: cut after a known issuer
        for code in ISSUERS:
            if tail.startswith(code) and len(tail) > len(code):
                return len(tail) - len(code)
    return 0
_SPACES_RE = re.compile(r"\s*([-/])\s*")


def normalize_number(m: re.Match) -> str:
    if m.group("pn"):
        num = f"{m.group('pn')}-{m.group('pcode')}/{m.group('piss')}"
    else:
        num = m.group(0)
    num = num.replace("–", "-").replace("—", "-").replace("‐", "-")
    num = _SPACES_RE.sub(r"\1", num)
    return re.sub(r"\s+", "", num)


def _code(m: re.Match) -> str:
    return m.group("pcode") or m.group("scode") or ""


def _type_from_code(code: str) -> str | None:
    if code in SYMBOL_TYPES:
        return SYMBOL_TYPES[code]
    return SYMBOL_TYPES.get(code.upper())


def _date_after(s: str, end: int) -> str | None:
    tail = s[end:end + 60]
    m = DATE_AFTER_RE.match(tail)
    if not m:
        return None
    return full_date_at(tail, m.end())


def _own_type_and_date(s: str, start: int, end: int) -> tuple[str | None, str | None]:
    window = s[end:end + 600]
    h = HEADING_TYPE_RE.search(window)
    kind = h.group("type") if h else None
    if kind is None:  # flattened header: "KẾ HOẠCH kiểm điểm ..." in uppercase
        h2 = re.search(rf"(?<!\w)(?P<type>{_TYPES})(?!\w)", window)
        if h2 and h2.group("type").isupper() and len(h2.group("type")) > 3:
            kind = h2.group("type")
    lines = find_datelines(s[max(0, start - 300):end + 300])
    date = lines[0][2] if lines else None
    return kind, date


def _in_link_line(s: str, pos: int) -> bool:
    """Is ``pos`` in a short unpunctuated paragraph of its own that is not the
    document's first (news pages list related articles' headlines between
    paragraphs; a line wrapped inside a paragraph is not one)?"""
    lo = s.rfind("\n", 0, pos) + 1
    hi = s.find("\n", pos)
    hi = len(s) if hi < 0 else hi
    line = s[lo:hi].strip()
    whole_block = s[max(0, lo - 2):lo] == "\n\n" and (hi == len(s) or s[hi:hi + 2] == "\n\n")
    return whole_block and len(line) < 250 and not re.search(r"[.;:!?…”\")]$", line) and not line.isupper() \
        and not OWN_NUMBER_RE.search(s[max(0, pos - 20):pos])


def _drop_extensions(found: dict[str, dict], order: list[str]) -> None:
    """A number that only extends another one found by letters ("36-CT/TWĐ" beside
    "36-CT/TW") is the same document with a glued neighbour: merged into it."""
    for key in list(order):
        for other in order:
            if other != key and key.startswith(other) and key[len(other):].isalpha() \
                    and not key[len(other) - 1:len(other)].isdigit():
                rec, base = found[key], found[other]
                base["count"] += rec["count"]
                base["date"] = base["date"] or rec["date"]
                base["strong"] = base["strong"] or rec["strong"]
                order.remove(key)
                del found[key]
                break


@register("references", VERSION)
def extract(doc: Doc, text: Text) -> list[Item]:
    s = text.text
    found: dict[str, dict] = {}
    order: list[str] = []
    prev: tuple[int, str | None, str] | None = None  # (end, type, code) of the last match
    for m in NUMBER_RE.finditer(s):
        number = normalize_number(m)
        glued = _glued_cut(s, m)
        if glued:
            number = number[:-glued]
            conf_cap = 0.85  # the symbol was cut out of a run of letters
        else:
            conf_cap = 1.0
        code = _code(m)
        before = s[max(0, m.start() - 80):m.start()]
        kind = None
        date = _date_after(s, m.end())
        conf = 0.95
        own = OWN_NUMBER_RE.search(before) is not None
        t = TYPE_BEFORE_RE.search(before) or NAMED_TYPE_BEFORE_RE.search(before)
        if t:
            kind = t.group("type")
            kind = re.sub(r"\s+", " ", kind)
        elif own:
            kind, own_date = _own_type_and_date(s, m.start(), m.end())
            date = date or own_date
        elif prev and m.start() - prev[0] < 40 and LIST_BEFORE_RE.search(s[prev[0]:m.start()]) \
                and prev[2] == code and re.fullmatch(r"[\s,;\w()/\-.]*", s[prev[0]:m.start()]):
            kind = prev[1]
        if kind is None:
            kind = _type_from_code(code)
            conf = 0.9
        if m.group("psep") is not None and "-" not in m.group("psep") and "–" not in m.group("psep"):
            conf -= 0.05  # "09 KH/ĐU": the dash is missing
        prev = (m.end(), kind, code)
        key = number.upper()
        weak = _in_link_line(s, m.start())
        if key in found:
            rec = found[key]
            if rec["date"] is None and date:
                rec["date"] = date
            if rec["type"] is None and kind or (rec["type_inferred"] and t):
                rec["type"] = kind
                rec["type_inferred"] = False
            rec["count"] += 1
            rec["strong"] = rec["strong"] or not weak
            rec["conf"] = max(rec["conf"], min(conf, conf_cap))
            continue
        found[key] = {"number": number, "type": kind, "date": date, "start": m.start(), "end": m.end() - glued,
                      "conf": min(conf, conf_cap), "type_inferred": t is None, "count": 1, "strong": not weak}
        order.append(key)
    _drop_extensions(found, order)
    items = []
    for key in order:
        rec = found[key]
        conf = min(0.98, rec["conf"] + (0.02 if rec["count"] > 1 else 0.0))
        if not rec["strong"]:
            conf = min(conf, 0.8)  # only in a headline-like line: a related-news link, perhaps
        items.append(make_item(FIELD, {"type": rec["type"], "number": rec["number"], "date": rec["date"]},
                               rec["start"], rec["end"], conf, text, NAME, VERSION))
    return items
