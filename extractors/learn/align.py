"""Gold records carry values, not spans: label candidates the way the scorer
(../shared/eval/score.py) matches items, so that "a candidate is right"
means what "the scorer counts it" means.

The comparisons are re-written here (not imported from ../shared) so that
training runs on any gold folder, with or without the evaluation set beside
the repository; ``tests/test_learn.py`` checks they agree with the scorer.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from typing import Any

from extractors.learn.candidates import Candidate

_TONE_PAIRS = {
    "òa": "oà", "óa": "oá", "ỏa": "oả", "õa": "oã", "ọa": "oạ",
    "òe": "oè", "óe": "oé", "ỏe": "oẻ", "õe": "oẽ", "ọe": "oẹ",
    "ùy": "uỳ", "úy": "uý", "ủy": "uỷ", "ũy": "uỹ", "ụy": "uỵ",
}
_TONE_RE = re.compile("|".join(_TONE_PAIRS))
_QUOTES = str.maketrans({c: '"' for c in "“”„‟«»「」'‘’`"})
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−"})
_LOOKALIKES = str.maketrans({"Ð": "Đ", "ð": "đ"})


def norm(text: object) -> str:
    if text is None:
        return ""
    s = unicodedata.normalize("NFC", str(text)).translate(_LOOKALIKES).casefold()
    s = _TONE_RE.sub(lambda m: _TONE_PAIRS[m.group(0)], s)
    s = s.translate(_QUOTES).translate(_DASHES)
    s = re.sub(r"\s+", " ", s).strip()
    return s.strip(" \"'.,;:()[]…-")


def sim(a: object, b: object) -> float:
    a, b = norm(a), norm(b)
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def close(a: object, b: object, threshold: float = 0.85) -> bool:
    na, nb = norm(a), norm(b)
    if not na or not nb:
        return False
    return na == nb or sim(na, nb) >= threshold or (
        min(len(na), len(nb)) >= 4 and (na in nb or nb in na) and sim(na, nb) >= 0.6)


def ref_number(n: object) -> str:
    s = norm(n).upper().replace(" ", "")
    return re.sub(r"^(SỐ|SO)[:.]?", "", s)


def pledge_match(g: dict, p: dict) -> bool:
    try:
        same = abs(float(g.get("value")) - float(p.get("value"))) < 1e-9
    except (TypeError, ValueError):
        return False
    if not same or (g.get("kind") or "count") != (p.get("kind") or "count"):
        return False
    return close(g.get("unit"), p.get("unit"), 0.8)


def _year(v: object) -> int | None:
    try:
        return int(str(v).strip()) if v not in (None, "") else None
    except ValueError:
        return -1


def theme_match(g: dict, p: dict, check_year: bool = True) -> bool:
    gy, py = _year(g.get("year")), _year(p.get("year"))
    if check_year and gy is not None and py is not None and gy != py:
        return False
    return close(g.get("text"), p.get("text"))


MATCH = {
    "pledges": pledge_match,
    "models": lambda g, p: close(g.get("name"), p.get("name")),
    "themes": lambda g, p: theme_match(g, p, check_year=False),
    "references": lambda g, p: bool(ref_number(g.get("number"))) and ref_number(g.get("number")) == ref_number(p.get("number")),
    "people": lambda g, p: bool(norm(g.get("name"))) and norm(g.get("name")) == norm(p.get("name")),
}
ATTR = {"pledges.subject": ("pledges", "subject", 0.7), "models.organization": ("models", "organization", 0.7)}
MEETING_MATCH = {
    "date": lambda g, p: g == p,
    "organizer": lambda g, p: close(g, p, 0.7),
    "title": lambda g, p: close(g, p, 0.7),
    "location": lambda g, p: close(g, p, 0.7),
}


def label(cands: list[Candidate], gold: dict[str, Any]) -> None:
    """Set ``label`` on every candidate: 1 right, 0 wrong, None when it matches
    only an optional gold item (a judgement call: neither taught nor punished)."""
    matched: dict[str, list[dict]] = {}  # item group -> gold items its candidates match
    for c in cands:
        if c.task in MATCH:
            items = [g for g in gold.get(c.task) or [] if isinstance(g, dict)]
            hits = [g for g in items if MATCH[c.task](g, c.value)]
            if not hits:
                c.label = 0
            elif all(g.get("optional") for g in hits):
                c.label = None
            else:
                c.label = 1
                matched.setdefault(c.group, []).extend(g for g in hits if not g.get("optional"))
        elif c.task.startswith("meeting."):
            key = c.task.split(".", 1)[1]
            g = (gold.get("meeting") or {}).get(key)
            c.label = int(g not in (None, "") and MEETING_MATCH[key](g, c.value))
    for c in cands:
        if c.task in ATTR:
            _field, attr, thr = ATTR[c.task]
            wanted = [g.get(attr) for g in matched.get(c.parent or "", []) if g.get(attr) not in (None, "")]
            c.label = int(any(close(w, c.value, thr) for w in wanted)) if wanted else None
