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
Mentions of the same name are merged; roles are the union, near-duplicates
dropped. Bylines and photo credits that give only a name are left out (the
gold records treat them as optional).
"""

from __future__ import annotations

import re
import unicodedata

from spacy.tokens import Doc

from extractors import register
from extractors.base import fold, lexicon, lexicon_regex, make_item
from pipeline.model import Item, Text

VERSION = "1.0.0"
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
SYL = rf"[{UP}][{LOW}]+"
RUN_RE = re.compile(rf"(?<![\w.'’-])(?:{SYL})(?: {SYL})*(?![\w'’])")
SYL_RE = re.compile(SYL)

SURNAMES = frozenset(lexicon("surnames"))
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
# the list form "các đồng chí: A, role; B, role"
LIST_INTRO_RE = re.compile(rf"(?:các\s+(?:đồng chí|đ/c|ông|bà)|gồm|có)\s*:\s*$", re.IGNORECASE)
PLACE_BEFORE_RE = re.compile(rf"(?<!\w)(?:{PLACE_WORDS})\s*$")
ROLE_HEAD_RE = re.compile(rf"(?<!\w)(?:{ROLE_HEADS})(?!\w)", re.IGNORECASE)
ROLE_START_RE = re.compile(rf"(?:{ROLE_HEADS})(?!\w)", re.IGNORECASE)
HONORIFIC_START_RE = re.compile(rf"(?:{HONORIFICS})\s*:?\s*[{UP}]", re.IGNORECASE)
CAP_HONORIFICS = frozenset(h[:1].upper() + h[1:] for h in lexicon("person_honorifics") if " " not in h)

# words that end a role: verbs and connectives (lowercase, as written)
_STOP = [
    r"cùng", r"đã", r"đang", r"sẽ", r"vừa", r"cũng", r"chủ trì", r"phát biểu", r"cho biết", r"nhấn mạnh",
    r"khẳng định", r"chia sẻ", r"yêu cầu", r"báo cáo(?! viên)", r"trao", r"tặng", r"đến dự", r"tới dự",
    r"dự(?! (?:án|thảo|toán|báo|bị|trữ|khuyết))", r"tham dự", r"được", r"(?<!người )có(?! uy tín)", r"nêu",
    r"đề nghị", r"mong", r"ghi nhận", r"đánh giá", r"biểu dương", r"giới thiệu", r"tổ chức", r"thay mặt",
    r"quán triệt", r"kết luận", r"phát động", r"trình bày", r"điều hành", r"khai mạc", r"bế mạc", r"bày tỏ",
    r"lưu ý", r"chỉ đạo", r"chỉ rõ", r"thông tin", r"nói(?=\s*[:,])", r"nhận", r"làm việc", r"là", r"và các", r"và đồng chí",
    r"và đ/c", r"và ông", r"và bà", r"và lãnh đạo", r"và đại diện", r"thăm", r"chúc mừng", r"gửi", r"nhắc",
    r"trả lời", r"khen", r"động viên", r"đề xuất", r"tuyên bố", r"ký", r"chụp", r"trò chuyện", r"tiếp",
    r"khai giảng", r"quyết định", r"nhận định", r"thừa nhận", r"bồi dưỡng", r"tâm sự", r"kể", r"phụ trách",
    r"năm \d", r"điện thoại", r"số điện thoại", r"email", r"ĐT", r"di động", r"fax", r"trong", r"khi", r"thì", r"người", r"vì", r"để", r"nên", r"(?<!\d )tuổi",
]
STOP_RE = re.compile(r"(?<![\w])(?:" + "|".join(_STOP) + r")(?![\w])")
TERM_RE = re.compile(r"[;:!?\n\"“”|]|\.(?=\s|$)|\s[-–—]\s*(?=[a-zà-ỹđ])|[-–—](?=[a-zà-ỹđ])")
AGE_RE = re.compile(r"\s*[,(]?\s*\d{1,3}\s+tuổi\s*,?\s*\)?\s*")
APPOS_SEP_RE = re.compile(r"^\s*(?:,|-|–|—|:)\s*|^\s+(?=[-–—])")
EVENT_START_RE = re.compile(r"^(?:Hội nghị|hội nghị|Đại hội|đại hội|Lễ|lễ|buổi|Buổi|Chương trình|chương trình)\b")
CLAUSE_CUT_RE = re.compile(r"[;:!?\n“”\"]|[.,](?=\s)")
ABBREV_DOT_RE = re.compile(r"(?:^|\s)(?:TP|Tp|TX|T|P|Q|KP|ThS|TS|GS|PGS|BS|NXB|St)$")


def _split_name(sylls: list[str], explicit: bool) -> int | None:
    """Index in ``sylls`` where the person's name starts, or None."""
    n = len(sylls)
    if n < 2:
        return None
    starts = [i for i, s in enumerate(sylls) if s in SURNAMES and 2 <= n - i <= 5]
    if sylls[0] in SURNAMES and n <= 4:
        return 0
    if n >= 5 and starts:
        good = [i for i in starts if n - i <= 4]
        return good[-1] if good else starts[0]
    if starts:
        return starts[0]
    if explicit and n <= 4:
        return 0
    return None


def _role_end(s: str, pos: int, limit: int = 220) -> int:
    seg = s[pos:pos + limit]
    end = len(seg)
    i = 0
    depth = 0
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
    m = AGE_RE.match(s, pos)
    if paren:
        pass
    elif m:
        pos = m.end()
    else:
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
    pieces = re.split(r"\s*,\s*|\s+[-–—]\s+(?=[A-ZĐÀ-Ỹ])", body)
    roles: list[str] = []
    for piece in pieces:
        piece = piece.strip()
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
        roles[-1] = roles[-1] + ", " + piece
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
    if not (ROLE_START_RE.match(inner) or re.match(r"(?:Học viện|Trường|Viện|Bộ|Sở|Ban|Ủy ban|Hội|Trung tâm|Đại học|Công ty|Báo)\b", inner)):
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


@register("people", VERSION)
def extract(doc: Doc, text: Text) -> list[Item]:
    s = text.text
    people: dict[str, dict] = {}
    order: list[str] = []
    for run in RUN_RE.finditer(s):
        sylls = run.group(0).split(" ")
        offs = [m.start() + run.start() for m in SYL_RE.finditer(run.group(0))]
        k0 = 0
        # a capitalized form of address opening the run: "Ông Nguyễn Văn A"
        hon_in_run = False
        if sylls[0] in CAP_HONORIFICS and len(sylls) >= 3 and sylls[1] in SURNAMES:
            k0, hon_in_run = 1, True
        before = s[max(0, run.start() - 60):run.start()]
        place = PLACE_BEFORE_RE.search(before) is not None
        admin_person = False
        if place and not hon_in_run:
            if ADMIN_BEFORE_RE.search(before) and len(sylls) == 3 and sylls[0] in SURNAMES:
                admin_person = True  # "Chủ tịch UBND tỉnh Trần Văn A": a place has two syllables
            else:
                k0 = 2  # the first syllables name the place
        sub = sylls[k0:]
        hon = HONORIFIC_BEFORE_RE.search(before) if k0 == 0 else None
        if hon and hon.group("hon") and hon.group("hon")[0].isupper() and len(hon.group("hon")) <= 4 \
                and hon.group("hon").lower() not in ("đ/c",):
            # "Bà", "Anh" capitalized right before: only a form of address at a sentence start
            prev = s[max(0, hon.start() - 2):hon.start()]
            if prev.strip() not in ("", ".", ":", ";", "-", "–", '"', "“", "(") and "\n" not in prev:
                hon = None
        explicit = hon_in_run or hon is not None
        if not explicit:
            lst = LIST_INTRO_RE.search(s[max(0, run.start() - 30):run.start()]) or \
                re.search(r";\s*$", s[max(0, run.start() - 3):run.start()])
        else:
            lst = None
        i = _split_name(sub, explicit)
        if i is None:
            continue
        i += k0
        name_sylls = sylls[i:]
        if len(name_sylls) > 5:
            continue
        start = offs[i]
        end = run.end()
        name = s[start:end]
        if any(x in NON_NAME for x in name_sylls) or ROLE_START_RE.match(name):
            continue
        if i > k0:
            explicit = False  # the honorific belongs to the first part of the run
            hon = None
        roles_after, _ = _roles_after(s, end)
        role_pre = None
        if not explicit:
            role_pre = _role_before(s, start)
        if i == 0 and hon_in_run:
            pass
        has_surname = name_sylls[0] in SURNAMES
        if not (explicit or roles_after or role_pre or (lst and roles_after)):
            continue
        if not explicit and not roles_after:
            # only a title before: a place after a title ("Bí thư Tỉnh ủy Hà Giang") is common
            if len(name_sylls) < 3 or not has_surname:
                continue
            if role_pre is None or role_pre.casefold() in BARE_TITLES:
                continue
        if admin_person and not role_pre:
            continue
        if not has_surname and not (explicit and roles_after):
            continue
        roles = ([role_pre] if role_pre else []) + roles_after
        if explicit and roles_after:
            conf = 0.96
        elif roles_after and has_surname:
            conf = 0.93
        elif explicit and has_surname:
            conf = 0.88 if len(name_sylls) >= 3 else 0.8
        elif role_pre:
            conf = 0.75 if admin_person else 0.85
        else:
            conf = 0.7
        key = fold(name)
        rec = people.get(key)
        if rec is None:
            rec = people[key] = {"name": name, "roles": [], "start": start, "end": end, "conf": conf,
                                 "best": -1}
            order.append(key)
        else:
            rec["conf"] = max(rec["conf"], conf) + 0.01
        score = len(roles_after) * 2 + (1 if role_pre else 0)
        if score > rec["best"]:
            rec["best"] = score
            rec["full"] = roles
        for r in roles:
            _add_role(rec["roles"], r)
    for name, start, role, conf in _signatures(s):
        key = fold(name)
        if key in people:
            if role:
                _add_role(people[key]["roles"], role)
            continue
        people[key] = {"name": name, "roles": [role] if role else [], "start": start, "end": start + len(name),
                       "conf": conf, "best": 0, "full": [role] if role else []}
        order.append(key)
    items = []
    for key in order:
        rec = people[key]
        roles = _merge_roles(rec.get("full") or [], rec["roles"])
        items.append(make_item(FIELD, {"name": rec["name"], "roles": roles}, rec["start"], rec["end"],
                               min(rec["conf"], 0.97), text, NAME, VERSION))
    return items


SIGN_NAME_RE = re.compile(rf"^(?:[{UP}][{LOW}]+|[{UP}]+)(?: (?:[{UP}][{LOW}]+|[{UP}]+)){{1,4}}$")
SIGN_MARK_RE = re.compile(r"^\(?\s*(?:đã\s+ký|ký(?:,| và)?\s*(?:tên|ghi rõ họ tên)?|ký, đóng dấu|đã ký và đóng dấu)\s*\)?\.?$",
                          re.IGNORECASE)
SIGN_FOR_RE = re.compile(r"^(?:T/M|TM\.?|K/T|KT\.?|Q\.|TL\.?|TUQ\.?|T/L)\s", re.IGNORECASE)


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
        for _, prev, _ in reversed(nonempty[max(0, k - 4):k]):
            if SIGN_MARK_RE.match(prev):
                signed = True
                continue
            if SIGN_FOR_RE.match(prev):
                break
            if prev.isupper() and len(prev.split()) <= 8 and ROLE_START_RE.match(prev):
                role = prev
                break
            break
        if role is None:
            continue
        out.append((line, start, role, 0.9 if signed else 0.85))
    return out


def _same_role(a: str, b: str) -> bool:
    fa, fb = fold(a), fold(b)
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
