"""Extractor for the ``people`` field (see ../shared/eval/SCHEMA.md).

A person is a run of 2-5 capitalized syllables (usually starting with a
common surname) that the text marks as a person by at least one of:

* an honorific or form of address before it ("đồng chí", "Đ/c", "ông",
  "bà", "em"), possibly with ranks and academic titles ("Đại tá",
  "PGS.TS") in between, which stay out of the name and the roles;
* a title written before it ("Bí thư Tỉnh ủy Nguyễn Văn A", "công nhân
  Nguyễn Văn B");
* titles in apposition after it ("Nguyễn Văn A, Ủy viên Ban Thường vụ Tỉnh
  ủy, Bí thư Đảng ủy Khối ...", "Nguyễn Văn A - Phó Bí thư Chi bộ").

Roles are split on commas, except that a comma-separated piece that begins
with no title word and is short is a continuation of the previous role (a
body's name such as "Sở Lao động, Thương binh và Xã hội", an address).
A name may hold one-letter syllables after a surname ("Giàng A Páo",
"Lò Văn A"). A role ends at a clause verb ("thông qua", "phát biểu"), at a
cited document ("Quyết định số …") and at the occasion ("tại hội nghị"). A
role written once for a list ("các Ủy viên Ban Thường vụ Thành ủy: đồng chí
A, đồng chí B") goes to every name of the list, up to its end.
Mentions of the same name are merged; roles are the union, near-duplicates
dropped. Bylines and photo credits that give only a name are left out (the
gold records treat them as optional).
"""

from __future__ import annotations

import re
import unicodedata

from spacy.tokens import Doc

from extractors import register
from extractors.base import lexicon, lexicon_regex, make_item
from pipeline.model import Item, Text

VERSION = "1.2.0"
FIELD = "people"
NAME = f"{FIELD}@{VERSION}"


def _letters(pred) -> str:
    chars = []
    for cp in range(0x41, 0x1EFA):
        c = chr(cp)
        if c.isalpha() and pred(c) and ("LATIN" in unicodedata.name(c, "")):
            chars.append(c)
    return "".join(chars)


UP = re.escape(_letters(str.isupper))
LOW = re.escape(_letters(str.islower))
SYL = rf"(?:[{UP}][{LOW}]+|H['’][{UP}]?[{LOW}]+|Y(?= [{UP}]))"
# a one-letter syllable inside a name ("Giàng A Páo", "Lò Văn A"), never first in a run
LETTER = rf"[{UP}](?![\w'’.\-/])"
RUN_RE = re.compile(rf"(?<![\w.'’-])(?:{SYL})(?: (?:{SYL}|{LETTER}))*(?![\w'’])")
SYL_RE = re.compile(rf"{SYL}|{LETTER}")

SURNAMES = frozenset(lexicon("surnames"))
NAME_STARTS = tuple(lexicon("name_starts"))
NON_NAME = frozenset(lexicon("non_name_syllables"))
RANKS = lexicon_regex("person_ranks")
HONORIFICS = lexicon_regex("person_honorifics")
ROLE_HEADS = lexicon_regex("role_heads")
PLACE_WORDS = lexicon_regex("place_words")
ADMIN_BEFORE_RE = re.compile(rf"(?<!\w)(?:{lexicon_regex('admin_units')})\s*$")
ADMIN_START_RE = re.compile(rf"(?:{lexicon_regex('admin_units')}|{PLACE_WORDS})(?!\w)")
BARE_TITLES = frozenset(t.casefold() for t in lexicon("titles_needing_body"))

_RANK_SEQ = rf"(?:(?:{RANKS})(?:\s*[,.\-–]\s*|\s+))*(?:{RANKS})"
HONORIFIC_BEFORE_RE = re.compile(
    rf"(?:(?<![\w/])(?P<hon>{HONORIFICS})\s*:?\s*(?:{_RANK_SEQ}\s*)?|(?<![\w.])(?P<rank>{_RANK_SEQ})\.?\s*)$",
    re.IGNORECASE,
)
PLACE_BEFORE_RE = re.compile(rf"(?<!\w)(?:{PLACE_WORDS})\s*$")
ROLE_HEAD_RE = re.compile(rf"(?<!\w)(?:{ROLE_HEADS})(?!\w)", re.IGNORECASE)
ROLE_START_RE = re.compile(rf"(?:{ROLE_HEADS})(?!\w)", re.IGNORECASE)
HONORIFIC_START_RE = re.compile(rf"(?i:{HONORIFICS})(?!\w)\s*:?\s*[{UP}]")
CAP_HONORIFICS = frozenset(h[:1].upper() + h[1:] for h in lexicon("person_honorifics") if " " not in h)

# words that end a role: the lexicon's verbs and connectives, and a few that
# need context ("báo cáo" but not "báo cáo viên", "dự" but not "dự án")
_STOP = [re.escape(w) for w in lexicon("role_end_words")] + [
    r"báo cáo(?! viên)", r"dự(?! (?:án|thảo|toán|báo|bị|trữ|khuyết))", r"(?<!người )có(?! uy tín)",
    r"nói(?=\s*[:,])", r"năm \d", r"(?<!\d )tuổi",
    # a document cited in the clause: "… thông qua Quyết định số 64/…"
    rf"(?:{lexicon_regex('doc_types')})\s+(?:số\s*:?\s*)?\d",
    # the occasion, not the post: "… Phó Chủ tịch UBND tỉnh tại hội nghị"
    rf"tại\s+(?:(?i:{lexicon_regex('event_nouns')})|đây|điểm cầu)(?!\w)",
]
STOP_RE = re.compile(r"(?<![\w])(?:" + "|".join(_STOP) + r")(?![\w])")
TERM_RE = re.compile(r"[;:!?\n\"“”|]|\.(?=\s|$)|\s[-–—]\s*(?=[a-zà-ỹđ])|[-–—](?=[a-zà-ỹđ])")
AGE_RE = re.compile(r"\s*[,(]?\s*\d{1,3}\s+tuổi\s*,?\s*\)?\s*")
APPOS_SEP_RE = re.compile(r"^\s*(?:,|-|–|—|:)\s*|^\s+(?=[-–—])")
EVENT_START_RE = re.compile(rf"(?:{lexicon_regex('event_nouns')})(?!\w)", re.IGNORECASE)
BODY_START_RE = re.compile(rf"(?:{lexicon_regex('body_heads')})(?!\w)")
LIST_SEP_RE = re.compile(r"\s*(?:,|và)\s*")
CLAUSE_CUT_RE = re.compile(r"[;:!?\n“”\"]|[.,](?=\s)")
ABBREV_DOT_RE = re.compile(r"(?:^|\s)(?:TP|Tp|TX|T|P|Q|KP|ThS|TS|GS|PGS|BS|NXB|St)$")


def _split_name(sylls: list[str], explicit: bool) -> int | None:
    """Index in ``sylls`` where the person's name starts, or None."""
    n = len(sylls)
    if n < 2:
        return None
    if n <= 5 and " ".join(sylls).startswith(NAME_STARTS) and (sylls[0] in NAME_STARTS or "'" in sylls[0] or "’" in sylls[0]):
        return 0  # "Y Thanh Hà Niê Kđăm"
    starts = [i for i, s in enumerate(sylls) if s in SURNAMES and 2 <= n - i <= 5]
    if (sylls[0] in SURNAMES or explicit) and n <= 4:
        return 0  # right after "ông"/"đồng chí" the whole run is the name, rare surnames too
    if n >= 5 and starts:
        good = [i for i in starts if n - i <= 4]
        return good[-1] if good else starts[0]
    if starts:
        return starts[0]
    return None


AND_RE = re.compile(r"\s+và\s+")


def _role_end(s: str, pos: int, limit: int = 220) -> int:
    seg = s[pos:pos + limit]
    end = len(seg)
    i = 0
    while i < len(seg):
        ch = seg[i]
        if ch == "(":
            close = seg.find(")", i)
            if 0 < close - i <= 60:
                i = close + 1
                continue
            end = i
            break
        if ch == ")":
            end = i
            break
        m = TERM_RE.match(seg, i)
        if m:
            if ch == "." and ABBREV_DOT_RE.search(seg[:i]):
                i += 1
                continue
            end = i
            break
        i += 1
    stop = STOP_RE.search(seg, 0, end)
    if stop:
        end = stop.start()
    for m in AND_RE.finditer(seg, 0, end):  # "…, Chủ tịch UBND xã và Vừ A Dính, Trưởng bản": the next person
        run = RUN_RE.match(seg, m.end())
        if run and len(run.group(0).split()) >= 3 and run.group(0).split()[0] in SURNAMES \
                and not ROLE_START_RE.match(run.group(0)):
            end = m.start()
            break
    return pos + end


def _clean(r: str) -> str:
    r = re.sub(r"\s+", " ", r).strip(" ,.-–—")
    if r.count("(") > r.count(")"):
        r = r[: r.rfind("(")].strip(" ,.-–—")
    return r


def _person_start(piece: str) -> bool:
    if ROLE_START_RE.match(piece):
        return False
    m = RUN_RE.match(piece)
    if not m:
        return False
    sylls = m.group(0).split()
    return len(sylls) >= 2 and sylls[0] in SURNAMES


def _roles_after(s: str, pos: int, paren: bool = False) -> tuple[list[str], int]:
    """Roles in apposition starting at ``pos`` (just after a name)."""
    m = None if paren else AGE_RE.match(s, pos)
    if m:
        pos = m.end()
    elif not paren:
        m = APPOS_SEP_RE.match(s[pos:pos + 5])
        if not m:
            if s[pos:pos + 2].strip().startswith("("):
                return _roles_in_paren(s, pos)
            return [], pos
        pos += m.end()
        m2 = AGE_RE.match(s, pos)
        if m2:
            pos = m2.end()
    if not ROLE_START_RE.match(s, pos) or _person_start(s[pos:pos + 40]):
        return [], pos
    end = _role_end(s, pos)
    body = s[pos:end]
    parts = re.split(r"(\s*,\s*|\s+[-–—]\s+(?=[A-ZĐÀ-Ỹ]))", body)
    roles: list[str] = []
    for k in range(0, len(parts), 2):
        piece = parts[k].strip()
        sep = parts[k - 1].strip() if k else ","
        if not piece:
            break
        if HONORIFIC_START_RE.match(piece):
            break
        if ROLE_START_RE.match(piece) and not (roles and _person_start(piece)):
            roles.append(piece)
            continue
        if _person_start(piece) or EVENT_START_RE.match(piece) or len(piece.split()) > 8 or not roles:
            break
        if not (piece[:1].isupper() or piece[:1].isdigit() or ADMIN_START_RE.match(piece)
                or re.search(rf"\s[{UP}]", piece)):
            break  # "…, phong trào": a lowercase clause, not part of a body's name
        roles[-1] = roles[-1] + (", " if sep == "," else f" {sep} ") + piece
    roles = [_clean(r) for r in roles]
    return [r for r in roles if r and len(r) <= 160], end


def _roles_in_paren(s: str, pos: int) -> tuple[list[str], int]:
    i = s.find("(", pos)
    j = s.find(")", i)
    if j < 0 or j - i > 120:
        return [], pos
    inner = s[i + 1:j].strip()
    words = inner.split()
    if len(words) < 2 or not inner[:1].isupper() or inner.isupper():
        return [], pos
    if not (ROLE_START_RE.match(inner) or BODY_START_RE.match(inner)):
        return [], pos
    if ROLE_START_RE.match(inner):
        roles, _ = _roles_after(inner, 0, paren=True)
        if roles:
            return roles, j + 1
    return [_clean(inner)], j + 1


def _role_before(s: str, name_start: int) -> str | None:
    lo = max(0, name_start - 120)
    window = s[lo:name_start]
    cuts = [m.end() for m in CLAUSE_CUT_RE.finditer(window)]
    clause_lo = cuts[-1] if cuts else 0
    clause = window[clause_lo:]
    for m in ROLE_HEAD_RE.finditer(clause):
        between = clause[m.start():]
        if STOP_RE.search(between) or re.search(r"\s(?:và|với)\s", between):
            continue
        role = _clean(between)
        # strip a trailing honorific / rank ("Bí thư Tỉnh ủy, đồng chí")
        role = re.sub(rf"(?:\s*,?\s*(?:{HONORIFICS}|{_RANK_SEQ}))+$", "", role, flags=re.IGNORECASE).strip(" ,")
        if role and len(role) <= 90:
            return role
    return None


SHARED_ROLE_RE = re.compile(
    rf"(?<!\w)(?:các|những)\s+(?:đồng chí\s+|đ/c\s+)?(?P<role>(?:{ROLE_HEADS})(?!\w)[^:;.\n]{{0,90}}?)\s*:\s*$",
    re.IGNORECASE,
)
LIST_BREAK_RE = re.compile(r"[:\n]|\.(?=\s)|(?<!\w)(?:cùng|cùng với|và đại diện|và lãnh đạo|và các|đại diện|lãnh đạo)(?!\w)")


def _shared_role(s: str, name_start: int) -> str | None:
    """A role written once for a list: "các Ủy viên Ban Thường vụ Thành ủy: đồng chí A, đồng chí B"."""
    lo = max(0, name_start - 400)
    colon = s.rfind(":", lo, name_start)
    if colon < 0 or LIST_BREAK_RE.search(s, colon + 1, name_start):
        return None
    m = SHARED_ROLE_RE.search(s[max(0, colon - 130):colon + 1])
    if not m:
        return None
    role = _clean(m.group("role"))
    return role if role and len(role) <= 90 else None


def _candidate(s: str, run: re.Match, listed: bool = False) -> tuple[str, int, list[str], str | None, float] | None:
    """(name, start, roles after, title before, confidence) of a capitalized run, or None.
    ``listed``: the run follows a person in a list ("các đồng chí A, B và C")."""
    sylls = run.group(0).split(" ")
    if len(sylls) < 2:
        return None
    offs = [m.start() + run.start() for m in SYL_RE.finditer(run.group(0))]
    k0 = 0
    # a capitalized form of address opening the run: "Ông Nguyễn Văn A"
    hon_in_run = sylls[0] in CAP_HONORIFICS and len(sylls) >= 3 and sylls[1] in SURNAMES
    if hon_in_run:
        k0 = 1
    before = s[max(0, run.start() - 60):run.start()]
    admin_person = False
    if PLACE_BEFORE_RE.search(before) and not hon_in_run:
        if ADMIN_BEFORE_RE.search(before) and len(sylls) == 3 and sylls[0] in SURNAMES:
            admin_person = True  # "Chủ tịch UBND tỉnh Trần Văn A": a place name has two syllables
        else:
            k0 = 2  # the first syllables name the place
    hon = HONORIFIC_BEFORE_RE.search(before) if k0 == 0 else None
    if hon and hon.group("hon") and hon.group("hon")[0].isupper() and len(hon.group("hon")) <= 4 \
            and hon.group("hon").lower() != "đ/c":
        # a capitalized "Bà", "Anh" right before is a form of address only at a sentence start
        prev = s[max(0, hon.start() - 2):hon.start()]
        if prev.strip() not in ("", ".", ":", ";", "-", "–", '"', "“", "(") and "\n" not in prev:
            hon = None
    explicit = hon_in_run or hon is not None or (listed and k0 == 0 and sylls[0] in SURNAMES)
    i = _split_name(sylls[k0:], explicit)
    if i is None:
        return None
    i += k0
    name_sylls = sylls[i:]
    start = offs[i]
    name = s[start:run.end()]
    if len(name_sylls) > 5 or any(x in NON_NAME for x in name_sylls) or ROLE_START_RE.match(name):
        return None
    if any(len(x) == 1 for x in name_sylls) and (name_sylls[0] not in SURNAMES or len(name_sylls) < 3):
        return None  # a one-letter syllable belongs to a name only after a surname: "Giàng A Páo"
    if i > k0:
        explicit = False  # the form of address belongs to the first part of the run
    roles_after, _ = _roles_after(s, run.end())
    role_pre = None if explicit else _role_before(s, start)
    shared = _shared_role(s, start)
    list_only = False
    if shared and not (explicit or roles_after or role_pre):
        # only the list's role: a name of three syllables with a surname ("các Ủy viên …: A, B")
        if len(name_sylls) < 3 or name_sylls[0] not in SURNAMES:
            shared = None
        else:
            explicit, list_only = True, True
    has_surname = name_sylls[0] in SURNAMES or name.startswith(NAME_STARTS)
    if not (explicit or roles_after or role_pre):
        return None
    if not explicit and not roles_after:
        # only a title before: a place after a title ("Bí thư Tỉnh ủy Hà Giang") is common
        if len(name_sylls) < 3 or not has_surname or role_pre.casefold() in BARE_TITLES:
            return None
    if admin_person and not role_pre:
        return None
    if not has_surname and not (explicit and roles_after):
        return None
    if shared:
        roles_after = [shared] + [r for r in roles_after if not _same_role(r, shared)]
    if list_only:
        conf = 0.9
    elif explicit and roles_after:
        conf = 0.96
    elif roles_after:
        conf = 0.93
    elif explicit:
        conf = 0.88 if len(name_sylls) >= 3 else 0.8
    else:
        conf = 0.75 if admin_person else 0.85
    return name, start, roles_after, role_pre, conf


@register("people", VERSION)
def extract(doc: Doc, text: Text) -> list[Item]:
    s = text.text
    people: dict[str, dict] = {}
    last_end = -1
    for run in RUN_RE.finditer(s):
        listed = last_end >= 0 and LIST_SEP_RE.fullmatch(s, last_end, run.start()) is not None
        cand = _candidate(s, run, listed)
        if cand is None:
            continue
        name, start, roles_after, role_pre, conf = cand
        last_end = run.end()
        roles = ([role_pre] if role_pre else []) + roles_after
        rec = people.setdefault(_key(name), {"name": name, "start": start, "conf": conf, "mentions": 0,
                                             "roles": [], "full": [], "best": -1})
        rec["conf"] = max(rec["conf"], conf)
        rec["mentions"] += 1
        score = len(roles_after) * 2 + (1 if role_pre else 0)
        if score > rec["best"]:  # the fullest mention gives the roles; others add what it lacks
            rec["best"], rec["full"] = score, roles
        for r in roles:
            _add_role(rec["roles"], r)
    for name, start, role, conf in _signatures(s):
        rec = people.get(_key(name))
        if rec is not None:
            _add_role(rec["roles"], role)
            continue
        people[_key(name)] = {"name": name, "start": start, "conf": conf, "mentions": 1,
                              "roles": [role], "full": [role], "best": 0}
    items = []
    for rec in people.values():
        roles = _merge_roles(rec["full"], rec["roles"])
        conf = min(rec["conf"] + (0.02 if rec["mentions"] > 1 else 0.0), 0.97)
        items.append(make_item(FIELD, {"name": rec["name"], "roles": roles}, rec["start"],
                               rec["start"] + len(rec["name"]), conf, text, NAME, VERSION))
    return items


SIGN_NAME_RE = re.compile(rf"^(?:[{UP}][{LOW}]+|[{UP}]+)(?: (?:[{UP}][{LOW}]+|[{UP}]+)){{1,4}}$")
SIGN_MARK_RE = re.compile(r"^\(?\s*(?:đã\s+ký|ký(?:,| và)?\s*(?:tên|ghi rõ họ tên)?|ký, đóng dấu|đã ký và đóng dấu)\s*\)?\.?$",
                          re.IGNORECASE)
SIGN_FOR_RE = re.compile(r"^(?:T/M|TM\.|K/T|KT\.|Q\.|TL\.|TUQ\.|T/L)\s*|^(?:TM|KT|TL|TUQ)\s+")
SIGN_SKIP_RE = re.compile(r"^(?:[-+•]\s|Nơi nhận|Lưu\b|\(để)", re.IGNORECASE)


def _signatures(s: str) -> list[tuple[str, int, str | None, float]]:
    """Signers at the foot of a document: a name alone on its line below a
    title line ("PHÓ BÍ THƯ") and, often, "(Đã ký)"."""
    out = []
    lines = []
    pos = 0
    for line in s.split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1
    nonempty = [(p, ln.strip(), p + len(ln) - len(ln.lstrip())) for p, ln in lines if ln.strip()]
    for k, (_, line, start) in enumerate(nonempty):
        if not SIGN_NAME_RE.match(line):
            continue
        sylls = line.split()
        if sylls[0][:1] + sylls[0][1:].lower() not in SURNAMES:
            continue
        role = None
        signed = False
        for _, prev, _ in reversed(nonempty[max(0, k - 8):k]):
            if SIGN_MARK_RE.match(prev):
                signed = True
                continue
            if SIGN_SKIP_RE.match(prev):
                continue  # the "Nơi nhận" list often sits beside the signature
            if not prev.isupper() or len(prev.split()) > 10:
                break
            f = SIGN_FOR_RE.match(prev)
            if f:  # "KT. HIỆU TRƯỞNG PHÓ HIỆU TRƯỞNG": the signer's own title follows
                rest = prev[f.end():]
                second = [h for h in ROLE_HEAD_RE.finditer(rest) if h.start() > 0]
                role = rest[second[0].start():].strip() if second else None
                break
            if ROLE_START_RE.match(prev):
                role = prev
            break
        if role is None:
            continue
        out.append((line, start, role, 0.9 if signed else 0.85))
    return out


def _key(t: str) -> str:
    """A comparison key for text already normalized: case and spacing folded."""
    return " ".join(t.casefold().split()).strip(" ,.;:-–")


def _same_role(a: str, b: str) -> bool:
    fa, fb = _key(a), _key(b)
    return fa == fb or fa in fb or fb in fa


def _add_role(roles: list[str], r: str) -> None:
    for k, have in enumerate(roles):
        if _same_role(have, r):
            if len(r) > len(have):
                roles[k] = r
            return
    roles.append(r)


def _merge_roles(best: list[str], all_roles: list[str]) -> list[str]:
    """The fullest mention's roles, plus roles of other mentions not already covered."""
    out: list[str] = []
    for r in best:
        _add_role(out, r)
    for r in all_roles:
        if not any(_same_role(h, r) for h in out):
            out.append(r)
    return out
