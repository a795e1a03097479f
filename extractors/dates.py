"""Vietnamese date parsing: pure functions over strings, no document state.

Forms handled:

* numeric day-month-year with "/", "-" or "." ("31/10/2019", "16-6-2022",
  "29.01.2021"), spaces tolerated around the separators;
* worded dates ("14 tháng 4 năm 2026", "ngày 25 tháng 01 năm 2024");
* day-month without a year ("17/3", "29-9", "12.6"), completed with a year
  supplied by the caller;
* Vietnamese datelines ("Kon Tum, ngày 25 tháng 01 năm 2024").
"""

from __future__ import annotations

import re
from datetime import date

_SEP = r"\s*[/\-.]\s*"

#: A full date: day, month and four-digit year.
FULL_DATE_RE = re.compile(
    r"(?<![\d/.\-])(?P<d>\d{1,2})" + _SEP + r"(?P<m>\d{1,2})" + _SEP + r"(?P<y>(?:19|20)\d{2})(?!\d)"
    r"|(?<!\d)(?P<d2>\d{1,2})\s+tháng\s+(?P<m2>\d{1,2})\s*(?:,\s*)?năm\s+(?P<y2>(?:19|20)\d{2})(?!\d)",
    re.IGNORECASE,
)

#: A day and month with no year ("17/3", "29-9", "12.6").
DAY_MONTH_RE = re.compile(
    r"(?<![\d/.\-])(?P<d>\d{1,2})\s?[/\-.]\s?(?P<m>\d{1,2})(?![\d]|\s?[/\-.]\s?\d)"
    r"|(?<!\d)(?P<d2>\d{1,2})\s+tháng\s+(?P<m2>\d{1,2})(?!\d)(?!\s*(?:,\s*)?năm\s+\d)",
    re.IGNORECASE,
)

#: A dateline: "<place>, ngày 15 tháng 4 năm 2026" (place optional).
DATELINE_RE = re.compile(
    r"(?:(?P<place>[A-ZĐÀ-Ỹ][^\n,;:]{1,40}?),\s*)?ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s+năm\s+(?P<y>(?:19|20)\d{2})",
    re.IGNORECASE,
)

#: A day and month with an optional year, for building larger patterns (the
#: meeting's "Sáng 17/3", "Chiều ngày 5 tháng 7 năm 2023"); read a match
#: with ``day_month_year``.
DAY_MONTH_YEAR = (
    r"(?P<d>\d{1,2})\s*[/.\-]\s*(?P<m>\d{1,2})(?:\s*[/.\-]\s*(?P<y>(?:19|20)\d{2}))?(?![\d/])"
    r"|(?P<d2>\d{1,2})\s+tháng\s+(?P<m2>\d{1,2})(?:\s*(?:,\s*)?năm\s+(?P<y2>(?:19|20)\d{2}))?"
)

YEAR_RE = re.compile(r"(?<![\d/.\-])((?:19|20)\d{2})(?![\d])")


def make_iso(year: int | str | None, month: int | str, day: int | str) -> str | None:
    """ISO string for a valid calendar date, else None."""
    try:
        y, m, d = int(year), int(month), int(day)  # type: ignore[arg-type]
        return date(y, m, d).isoformat()
    except (TypeError, ValueError):
        return None


def _groups(m: re.Match) -> tuple[str | None, str, str]:
    gd = m.groupdict()
    if gd.get("d") is not None:
        return gd.get("y"), gd["m"], gd["d"]
    return gd.get("y2"), gd["m2"], gd["d2"]


def day_month_year(m: re.Match) -> tuple[int, int, int | None]:
    """(day, month, year or None) of a match of a pattern built on ``DAY_MONTH_YEAR``."""
    y, mo, d = _groups(m)
    return int(d), int(mo), int(y) if y else None


def full_date_at(s: str, pos: int) -> str | None:
    """ISO of a full date starting exactly at ``pos`` in ``s``, else None."""
    m = FULL_DATE_RE.match(s, pos)
    if not m:
        return None
    y, mo, d = _groups(m)
    return make_iso(y, mo, d)


def parse_date(s: str, year: int | None = None) -> str | None:
    """The first date in ``s`` as ISO. A day-month without year uses ``year``
    (None when no year is known)."""
    m = FULL_DATE_RE.search(s)
    if m:
        y, mo, d = _groups(m)
        return make_iso(y, mo, d)
    if year is None:
        return None
    m = DAY_MONTH_RE.search(s)
    if m:
        _, mo, d = _groups(m)
        return make_iso(year, mo, d)
    return None


def find_full_dates(s: str) -> list[tuple[int, int, str]]:
    """(start, end, iso) of every valid full date in ``s``."""
    out = []
    for m in FULL_DATE_RE.finditer(s):
        y, mo, d = _groups(m)
        iso = make_iso(y, mo, d)
        if iso:
            out.append((m.start(), m.end(), iso))
    return out


def find_day_months(s: str) -> list[tuple[int, int, int, int]]:
    """(start, end, day, month) of every day-month without a year in ``s``."""
    out = []
    for m in DAY_MONTH_RE.finditer(s):
        _, mo, d = _groups(m)
        d_i, m_i = int(d), int(mo)
        if 1 <= d_i <= 31 and 1 <= m_i <= 12:
            out.append((m.start(), m.end(), d_i, m_i))
    return out


def find_datelines(s: str) -> list[tuple[int, int, str, str | None]]:
    """(start, end, iso, place) of every dateline in ``s``."""
    out = []
    for m in DATELINE_RE.finditer(s):
        iso = make_iso(m.group("y"), m.group("m"), m.group("d"))
        if iso:
            place = m.group("place")
            out.append((m.start(), m.end(), iso, place.strip() if place else None))
    return out


def years_in(s: str) -> list[int]:
    """Four-digit years (1945-2099) standing alone in ``s``, in order."""
    return [int(y) for y in YEAR_RE.findall(s) if 1945 <= int(y) <= 2099]
