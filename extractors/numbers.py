"""Vietnamese numbers in running text: pure functions, no state.

* digits with Vietnamese separators: "1.600" = 1600, "3.250" = 3250,
  "0,4" = 0.4, "01" = 1, "1.234.567" = 1234567, "12,5%" = 12.5;
* shares: "100%", "gần 97%", "hơn 90 %";
* ratios: "42/90" (value 42, total 90) — never dates such as "28/3/2024";
* numbers written in words: "một", "hai", "mười", "mười lăm", "hai mươi",
  "hai mươi mốt", "ba trăm", "một nghìn hai trăm"…;
* approximators before a number ("gần", "hơn", "trên", "khoảng", "gần như")
  are recognised and reported, the value stays the written number.

``find_numbers`` returns every number of a string with its span; callers
decide what the number counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# --- digits -----------------------------------------------------------------

_DIGITS = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
DIGIT_NUMBER_RE = re.compile(rf"(?<![\d.,/])(?:{_DIGITS})(?![\d])")


def parse_digits(s: str) -> int | float | None:
    """A number written with digits the Vietnamese way.

    "." groups thousands, "," marks decimals. A lone "." followed by other
    than three digits is read as a decimal point (a common slip).
    """
    s = s.strip().replace(" ", "")
    if not s or not re.fullmatch(r"[\d.,]+", s) or not s[0].isdigit():
        return None
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", s):
        s = s.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d+,\d+", s):
        s = s.replace(",", ".")
    elif re.fullmatch(r"\d+\.\d+", s):
        pass  # decimal point written the English way
    elif re.fullmatch(r"\d{1,3}(?:,\d{3})+", s):
        s = s.replace(",", "")  # thousands written the English way
    elif not s.isdigit():
        return None
    return _as_number(float(s))


def _as_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


# --- words ------------------------------------------------------------------

_UNITS = {
    "không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4,
    "năm": 5, "lăm": 5, "nhăm": 5, "sáu": 6, "bảy": 7, "bẩy": 7, "tám": 8, "chín": 9,
}
_TEN = {"mười": 10}
_SCALES = {"trăm": 100, "nghìn": 1000, "ngàn": 1000, "triệu": 1_000_000}
_FILLERS = {"linh", "lẻ"}
NUMBER_WORDS = tuple(_UNITS) + tuple(_TEN) + ("mươi",) + tuple(_SCALES) + tuple(_FILLERS)

# A run of number words (lower or title case), longest first.
_WORD_ALT = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
WORD_NUMBER_RE = re.compile(
    rf"(?<!\w)(?:{_WORD_ALT})(?:\s+(?:{_WORD_ALT}))*(?!\w)", re.IGNORECASE)


def _parse_below_thousand(words: list[str]) -> int | None:
    """"ba trăm linh năm" -> 305, "hai mươi mốt" -> 21, "mười lăm" -> 15."""
    total, i = 0, 0
    if len(words) >= 2 and words[1] == "trăm" and words[0] in _UNITS:
        total, i = _UNITS[words[0]] * 100, 2
        if i < len(words) and words[i] in _FILLERS:
            rest = words[i + 1:]
            if len(rest) == 1 and rest[0] in _UNITS and rest[0] not in ("mốt", "lăm", "nhăm"):
                return total + _UNITS[rest[0]]
            return None
    rest = words[i:]
    tens = 0
    if rest and rest[0] == "mười":
        tens, rest = 10, rest[1:]
    elif len(rest) >= 2 and rest[1] == "mươi" and rest[0] in _UNITS and _UNITS[rest[0]] >= 2:
        tens, rest = _UNITS[rest[0]] * 10, rest[2:]
    if not rest:
        return total + tens if (tens or i) else None
    if len(rest) != 1 or rest[0] not in _UNITS:
        return None
    w = rest[0]
    if w in ("lăm", "nhăm") and not tens:
        return None
    if w == "mốt" and tens < 20:
        return None
    if w == "tư" and tens < 20:
        return None
    if w == "không" and (tens or i):
        return None
    return total + tens + _UNITS[w]


def parse_words(s: str) -> int | None:
    """Value of a number written in Vietnamese words, or None.

    >>> parse_words("hai mươi lăm")
    25
    """
    words = [w for w in re.split(r"\s+", s.strip().lower()) if w]
    if not words or any(w not in NUMBER_WORDS for w in words):
        return None
    total = 0
    chunk: list[str] = []
    for w in words:
        if w in ("nghìn", "ngàn", "triệu"):
            part = _parse_below_thousand(chunk) if chunk else 1
            if part is None:
                return None
            total += part * _SCALES[w]
            chunk = []
        else:
            chunk.append(w)
    if chunk:
        part = _parse_below_thousand(chunk)
        if part is None:
            return None
        total += part
    return total


# --- numbers in text --------------------------------------------------------

APPROX = ("gần như", "xấp xỉ", "khoảng", "gần", "hơn", "trên", "ngót", "chừng", "tới", "đến")
_APPROX_RE = re.compile(r"(?:(?<=\s)|^)(" + "|".join(APPROX) + r")\s+$", re.IGNORECASE)

_NUM_RE = re.compile(
    rf"(?<![\w.,/])(?P<num>{_DIGITS})"
    rf"(?:\s*/\s*(?P<total>{_DIGITS})(?![\d/]))?"
    r"(?P<pct>\s?%)?"
    r"(?![\w/])"
    rf"|(?<!\w)(?P<words>(?:{_WORD_ALT})(?:\s+(?:{_WORD_ALT}))*)(?P<wpct>\s+phần trăm)?(?!\w)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class NumberMatch:
    start: int
    end: int
    value: int | float
    kind: str  # "count" or "percent"
    total: int | float | None = None
    approx: str | None = None  # the approximator before it, if any
    words: bool = False  # written in words

    @property
    def text_span(self) -> tuple[int, int]:
        return self.start, self.end


def parse_number(s: str) -> int | float | None:
    """Digits or words -> number ("1.600" -> 1600, "mười lăm" -> 15)."""
    v = parse_digits(s)
    if v is not None:
        return v
    return parse_words(s)


def find_numbers(text: str, start: int = 0, end: int | None = None) -> list[NumberMatch]:
    """Every number in ``text[start:end]``, with offsets into ``text``.

    Dates ("28/3/2024"), dotted codes and numbers glued to letters are skipped.
    """
    end = len(text) if end is None else end
    out: list[NumberMatch] = []
    for m in _NUM_RE.finditer(text, start, end):
        if m.group("num"):
            # a ratio with a third part is a date, "1/2020" is a month/year
            tail = text[m.end():m.end() + 2]
            if m.group("total") and (tail.startswith("/") or re.match(r"\d", tail)):
                continue
            value = parse_digits(m.group("num"))
            if value is None:
                continue
            total = parse_digits(m.group("total")) if m.group("total") else None
            if total is not None and re.fullmatch(r"(?:19|20)\d{2}", m.group("total")) and value <= 12:
                continue  # "3/2021": month/year, not a ratio
            kind = "percent" if m.group("pct") else "count"
            words = False
        else:
            value = parse_words(m.group("words"))
            if value is None:
                continue
            total = None
            kind = "percent" if m.group("wpct") else "count"
            words = True
        before = text[max(0, m.start() - 12):m.start()]
        am = _APPROX_RE.search(before)
        out.append(NumberMatch(m.start(), m.end(), _as_number(value), kind, total,
                               am.group(1).lower() if am else None, words))
    return out
