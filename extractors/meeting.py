"""Extractor for the ``meeting`` field (see ../shared/eval/SCHEMA.md).

A news report on a meeting nearly always opens with one sentence of the form

    <time>, [tại <place>,] <organizer> [đã|vừa] tổ chức <title>.

("Sáng 17/3, tại Hà Nội, Ban Thường vụ … tổ chức Hội nghị sơ kết …"), or
its passive ("…, Hội nghị lần thứ 25 … đã được tổ chức …"). The extractor
looks for that sentence, in this order:

* a time phrase opening a sentence: a date ("Sáng 17/3", "Chiều 22.4",
  "Ngày 27-8") or a day named relative to the publication ("Hôm nay",
  "Sáng nay", "Chiều qua": the page's date, the day before for "qua");
  then the clause: an organizing verb with its subject (the organizer) and
  object (the title); an event verb ("sơ kết", "tổng kết", "kỷ niệm",
  "phát động", "ra mắt", "biểu dương", "tuyên dương") whose subject, a body,
  organizes it and whose title is null unless the text names the event with
  an event noun; "tại <event>, <body> đã …"; "đã diễn ra <event> của <body>";
  a guest attending ("đồng chí X dự Hội nghị … do <body> tổ chức");
* the event first ("Hội nghị … khai mạc sáng 10-12 tại …");
* no time phrase: "<organizer> [vừa] tổ chức <event>" or "<body> phát động …"
  in a lead sentence near the top (not a headline, not a habit: "Hằng năm");
* a programme's uppercase heading, then the headline ("Huyện ủy X: Hội nghị …").

A place ("tại thôn A, xã B, huyện C", "(xã B, huyện C)") runs across commas
while the next part is a place; an organizer ends before an appositive role
(", Trưởng Khối thi đua …"); a title ends before a participle clause
(", kết nối tới …", ", với sự tham dự …", ", góp phần …"). A place given in
the next sentences ("Hội nghị được tổ chức tại …") completes a lead without one.

The year: written in the time phrase; else the publication timestamp or
header of the page ("14/02/2023 16:39", "date 2023-10") or the dateline
("…, ngày 15 tháng 4 năm 2026"), moved back a year for a meeting months
later in the year than the publication; else a year the sentence names
("năm 2022"), then the title; for a meeting in October-December not a year
named as a programme to come ("triển khai chuyên đề năm 2025"); for a
year-end review ("tổng kết … năm 2023") held in January-March the next year;
else (January-September only) a year the report names, targets aside.
Issue dates of cited documents never date the meeting.

An article listing several numbered events, each with its own lead, reports
no single meeting. Confidence follows the evidence: a dated lead is surest;
a year from the sentence, title or document, a relative day, a title far
from the time phrase, an event named after "tại" or attended by a guest, an
undated lead, the headline alone are less sure; no meeting reaches 0.9.
"""

from __future__ import annotations

import re
from datetime import date as _date, timedelta

from spacy.tokens import Doc

from extractors import register
from extractors.base import lexicon, lexicon_regex, make_item
from extractors.dates import DAY_MONTH_YEAR, day_month_year, find_datelines, find_full_dates, make_iso
from pipeline.model import Item, Text

VERSION = "1.3.0"
FIELD = "meeting"
NAME = f"{FIELD}@{VERSION}"

EVENTS = lexicon_regex("event_nouns")
VERBS = lexicon_regex("meeting_verbs")

TIME_RE = re.compile(
    r"(?<!\w)(?:(?:sáng|chiều|tối|trưa|đêm)(?:\s+(?:nay|qua|hôm qua))?\s*,?\s*"
    r"(?:(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ nhật)\s*,?\s*)?(?:(?:hôm\s+)?ngày\s*)?"
    r"|(?:hôm nay|hôm qua)\s*,?\s*(?:ngày\s*)?|ngày\s*)\(?\s*"
    r"(?:(?:từ\s+)?(?:ngày\s+)?(?P<first>\d{1,2})\s*(?:-|–|đến|và)\s*(?=\d{1,2}\s*[/.\-]\s*\d))?"
    rf"(?:{DAY_MONTH_YEAR})",
    re.IGNORECASE,
)
#: A day named relative to the publication: "Hôm nay,", "Sáng nay", "Chiều qua" (no date written).
REL_TIME_RE = re.compile(
    r"(?<!\w)(?P<rel>(?:sáng|chiều|tối|trưa|đêm)\s+(?:nay|qua|hôm nay|hôm qua)|hôm nay|hôm qua)(?!\w)\s*,?\s*"
    r"(?!\(?\s*(?:ngày\s*)?\d)",
    re.IGNORECASE,
)
#: Verbs that are the event themselves ("Huyện ủy sơ kết 3 năm …"): the subject organizes it.
EVENT_VERBS = frozenset(lexicon("event_verbs"))
PLACE_PART = (r"(?:xã|phường|thị trấn|huyện|quận|thị xã|thành phố|TP\.?|Tp\.|TX\.?|tỉnh|thôn|ấp|bản|buôn|làng|xóm|"
              r"khu phố|khu dân cư|khu|tổ dân phố|tổ|đường|phố|số nhà|số(?=\s+\d)|sóc|đảo)(?!\w)")
LOC_MORE_RE = re.compile(
    rf"\s*,\s*(?P<part>{PLACE_PART}[^,.;:()\n]{{1,60}}?)\s*(?=,|\.(?:\s|$)|;|\n|\)|\(|\s(?:đã|vừa|có|với|diễn ra|tổ chức|long trọng|khai mạc)(?!\w)|$)"
    r"|\s*(?P<paren>\((?:[^()\n]{2,60})\))"
)
SENT_END_RE = re.compile(r"\.(?=\s|$)|\n|!|\?")
VERB_RE = re.compile(rf"(?<!\w)(?:(?:đã|vừa|sẽ)\s+)?(?P<verb>{VERBS})(?!\w)\s*", re.IGNORECASE)
EVENT_RE = re.compile(rf"(?<!\w)(?:{EVENTS})(?!\w)", re.IGNORECASE)
PASSIVE_RE = re.compile(r"\s+(?:đã\s+)?(?:được\s+tổ chức|diễn ra|khai mạc|đã được khai mạc|bế mạc)(?!\w)")
ROLES = lexicon_regex("role_heads")
TITLE_STOP_RE = re.compile(
    r"\.(?=\s|$)|\n|\s(?:theo|bằng)\s+hình thức|\svới sự\s|\sdưới sự\s|\snhằm\s|\sđể\s|,?\s+tại\s|\svào\s(?:sáng|chiều|tối|ngày)"
    r"|\s+và đề nghị|,?\s+đồng thời\s|,\s+(?=(?:ROLES)(?!\w))"
    r"|,\s+(?:kết nối|truyền hình trực tiếp|trực tuyến đến|thu hút|quy tụ|với sự|có sự|có hơn|có \d|với hơn|với \d|với gần|với trên"
    r"|góp phần|đánh dấu|hướng tới|chào mừng|thiết thực chào mừng)(?!\w)"
    r"|\svới\s+(?:nhiều|hơn|gần|trên|khoảng|\d)"
    r"|,?\s+với chủ đề|\s(?:do|có sự)\s|[.;:]\s+(?:Dự|Tham dự|Tới dự|Đến dự)|,\s+(?:qua đó|từ đó|nhằm|với|có)\s|\s[-–]\s+Ảnh".replace("ROLES", ROLES)
)
LOC_RE = re.compile(r"\s*,?\s*tại\s+(?P<loc>[^,.;:\n]{2,80}?)\s*(?=,|\.(?:\s|$)|;|\n|\)|\s(?:đã|vừa|có|với|diễn ra|tổ chức|long trọng|khai mạc)(?!\w))", re.IGNORECASE)


def _loc_at(s: str, pos: int) -> tuple[str, int] | None:
    """The place of "tại <place>" at ``pos`` and where it ends: the place goes on
    across commas while the next part is a place ("tại thôn A, xã B, huyện C")
    or a parenthesised place."""
    m = LOC_RE.match(s, pos)
    if not m:
        return None
    end = m.end("loc")
    while True:
        more = LOC_MORE_RE.match(s, end)
        if not more or more.end() - m.start("loc") > 200:
            break
        end = more.end("part") if more.group("part") else more.end("paren")
    loc = s[m.start("loc"):end]
    if loc.count("(") > loc.count(")"):  # "Nhà văn hóa thôn A (xã B, huyện C)"
        close = s.find(")", end, end + 80)
        if close > 0 and "\n" not in s[end:close]:
            end = close + 1
            loc = s[m.start("loc"):end]
        else:
            loc = loc[:loc.rfind("(")]
    return loc.strip(" ,"), end
PUB_ISO_RE = re.compile(r"(?<!\w)date\s+(?P<y>(?:19|20)\d{2})-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2}))?")
PUB_STAMP_RE = re.compile(
    r"(?<![\d/])(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>(?:19|20)\d{2})(?=\s*[-|,]?\s*(?:lúc\s*)?\d{1,2}:\d{2})"
    r"|\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?:AM|PM))?\s*[,|-]?\s*(?:ngày\s+)?(?P<d2>\d{1,2})/(?P<m2>\d{1,2})/(?P<y2>(?:19|20)\d{2})"
    r"|(?:đăng(?:\s+vào)?|cập nhật|thứ\s+\w+|chủ nhật)\s*:?\s*,?\s*(?:ngày\s*)?(?P<d3>\d{1,2})/(?P<m3>\d{1,2})/(?P<y3>(?:19|20)\d{2})",
    re.IGNORECASE,
)
NOT_PUB_RE = re.compile(r"hôm nay\s*:?\s*$", re.IGNORECASE)
YEAR_WORD_RE = re.compile(r"(?<!\w)năm\s+((?:19|20)\d{2})(?!\d)", re.IGNORECASE)
ORG_BAD_RE = re.compile(r"(?<!\w)(?:đồng chí|đ/c|ông|bà)(?!\w)|^(?:các|những|mỗi|từng|hằng|hàng)\s", re.IGNORECASE)
ORG_HEAD_RE = re.compile(r"^[A-ZĐÀ-Ỹ]")
DOC_TYPE_START_RE = re.compile(rf"^(?:{lexicon_regex('doc_types')})(?!\w)", re.IGNORECASE)
REF_NUMBER_RE = re.compile(r"\d+\s*[-/]\s*[A-ZĐ][A-Za-zĐđ]*\s*[/-]\s*[A-ZĐ]")
BODY_START_RE = re.compile(rf"^(?:{lexicon_regex('body_heads')})(?!\w)", re.IGNORECASE)


def _dm(m: re.Match) -> tuple[int, int, int | None]:
    """Day, month, year of a time phrase; the first day of "từ ngày 20 - 22/10"."""
    d, mo, y = day_month_year(m)
    return (int(m.group("first")) if m.group("first") else d), mo, y


def _pub_date(s: str) -> tuple[int, int, int | None] | None:
    head = s[:3000]
    m = PUB_ISO_RE.search(head)
    if m:
        return int(m.group("y")), int(m.group("m")), int(m.group("d")) if m.group("d") else None
    for m in PUB_STAMP_RE.finditer(head):
        if NOT_PUB_RE.search(head[max(0, m.start() - 12):m.start()]):
            continue
        g = m.groupdict()
        for k in ("", "2", "3"):
            if g.get("y" + k):
                y, mo, d = int(g["y" + k]), int(g["m" + k]), int(g["d" + k])
                if mo > 12 and d <= 12:  # m/d/Y stamps
                    mo, d = d, mo
                if make_iso(y, mo, d):
                    return y, mo, d
    return None


TERM_YEAR_RE = re.compile(r"(?<!\w)(?:nhiệm kỳ|khóa)\s+((?:19|20)\d{2})(?!\d)")
TARGET_BEFORE_RE = re.compile(r"(?:đến|tới|tầm nhìn|trước|sau|từ)\s*$", re.IGNORECASE)
REVIEW_RE = re.compile(r"(?<!\w)tổng kết(?!\w)", re.IGNORECASE)


def _title_years(t: str) -> list[int]:
    return [int(y) for y in YEAR_WORD_RE.findall(t)] + [int(y) for y in TERM_YEAR_RE.findall(t)]


FORWARD_BEFORE_RE = re.compile(
    r"(?:triển khai|phương hướng|nhiệm vụ|kế hoạch|chương trình|mục tiêu|dự kiến|chuyên đề|chủ đề|phát động)"
    r"[^.;\n]{0,150}$", re.IGNORECASE)


def _publication(s: str) -> tuple[int, int, int | None] | None:
    """The page's timestamp or header date, else the dateline's."""
    pub = _pub_date(s)
    if pub is None:
        lines = find_datelines(s)
        if lines:
            iso = lines[0][2]
            pub = int(iso[:4]), int(iso[5:7]), int(iso[8:10])
    return pub


def _years_named(t: str) -> list[int]:
    """Years a sentence or title names ("năm 2022", "khóa 2020", a full date), targets left out."""
    out = [int(m.group(1)) for m in YEAR_WORD_RE.finditer(t)
           if not TARGET_BEFORE_RE.search(t[max(0, m.start() - 16):m.start()])]
    out += [int(y) for y in TERM_YEAR_RE.findall(t)]
    return out


def _forward(t: str, year: int) -> bool:
    """Is ``year`` named as a programme to come ("triển khai nhiệm vụ năm 2025")?"""
    for m in YEAR_WORD_RE.finditer(t):
        if int(m.group(1)) == year and FORWARD_BEFORE_RE.search(t[max(0, m.start() - 170):m.start()]):
            return True
    return False


def _year_for(s: str, d: int, mo: int, title: str | None, sent: str) -> tuple[int | None, str]:
    """(year, where it came from) for a meeting dated day ``d`` month ``mo`` without a year:
    the publication/dateline, else a year in the sentence, else in the title, else in the document."""
    pub = _publication(s)
    if pub:
        y, pm, pd = pub
        later = (mo, d) > (pm, pd if pd else 31)
        return (y - 1 if later and mo - pm > 1 else y), "pub"  # published in January on a December meeting
    for src, t in (("sentence", sent), ("title", title or "")):
        years = sorted(set(_years_named(t)))
        if not years:
            continue
        if len(years) == 1 and mo <= 3 and REVIEW_RE.search(title or sent):
            return years[0] + 1, src  # "tổng kết công tác năm 2023" is held early in 2024
        if mo >= 10:  # "triển khai nhiệm vụ năm 2025" in December: next year's programme
            years = [y for y in years if not _forward(t, y)]
            return (max(years), src) if years else (None, src)
        return max(years), src
    if mo >= 10:
        return None, "none"  # a programme "năm 2021" is often launched in the last months of 2020
    years = [int(m.group(1)) for m in YEAR_WORD_RE.finditer(s)
             if not TARGET_BEFORE_RE.search(s[max(0, m.start() - 16):m.start()])]
    return (max(years), "document") if years else (None, "none")


def _sentence(s: str, start: int) -> tuple[int, int]:
    lo = max(s.rfind("\n", 0, start) + 1, 0)
    m = SENT_END_RE.search(s, start)
    hi = m.start() if m else len(s)
    while True:  # "T.Ư", "TP." and numbers do not end a sentence
        if m and s[m.start()] == "." and re.search(r"(?:\b[A-ZĐ]{1,3}|\d)$", s[max(0, m.start() - 3):m.start()]):
            m = SENT_END_RE.search(s, m.start() + 1)
            hi = m.start() if m else len(s)
            continue
        break
    return lo, hi


TITLE_MAX = 140
GENERIC_TITLE_RE = re.compile(rf"(?:{EVENTS})\s+(?:{lexicon_regex('event_verbs')}|khai mạc|bế mạc|ra quân|tổng kết năm|sơ kết năm)",
                              re.IGNORECASE)
BODY_IN_TITLE_RE = re.compile(
    r"^(?:Hội nghị|Kỳ họp|Phiên họp)(?:\s+(?:lần\s+)?thứ\s+\S+)?\s+(?P<body>(?:Ban Chấp hành|Ban chấp hành|Ban Thường vụ|"
    r"Hội đồng nhân dân|HĐND|Ủy ban nhân dân|UBND|Đảng ủy|Tỉnh ủy|Thành ủy|Huyện ủy)[^,]*?)"
    r"(?=\s+(?:khóa|khoá|nhiệm kỳ|lần)\b|,|$)"
)
HEADLINE_EVENT_RE = re.compile(rf"(?<!\w)(?:{EVENTS})(?!\w)[^\n]*", re.IGNORECASE)


def _words(t: str) -> set[str]:
    return set(re.findall(r"\w+", t.casefold()))


def _prefer_headline(s: str, title: str, before: int) -> str:
    """A fuller name of the same meeting written in the headline above."""
    head = s[:min(before, 400)]
    for m in HEADLINE_EVENT_RE.finditer(head):
        h = m.group(0).strip(" .,:;")
        if len(h) <= len(title) or len(h) > 200:
            continue
        if h.split()[0].casefold() != title.split()[0].casefold():
            continue
        tw = _words(title)
        if tw and len(tw & _words(h)) / len(tw) >= 0.6:
            return h
    return title


MANNER_RE = re.compile(
    r"\s(?:theo|bằng|dưới)\s+hình thức\s+(?:trực tuyến|trực tiếp(?:\s+kết hợp(?:\s+với)?\s+trực tuyến)?)"
    r"(?:\s+(?:ở|tại|với|đến|tới)\s+\d+\s+điểm cầu(?:\s+(?:trong|trên)\s+(?:cả nước|toàn quốc))?)?(?=\s)"
)


def _title(s: str, start: int, limit: int) -> tuple[str | None, int]:
    """The meeting's name from ``start``: up to a clause that is not part of
    it; a manner clause right after the head noun ("Hội nghị toàn quốc theo
    hình thức trực tuyến ở 63 điểm cầu sơ kết …") is left out and the name
    goes on."""
    seg = s[start:limit]
    m = TITLE_STOP_RE.search(seg)
    end = m.start() if m else len(seg)
    head = ""
    manner = MANNER_RE.match(seg, end) if m else None
    if manner and len(seg[:end].split()) <= 4:
        head = seg[:end].strip() + " "
        rest = seg[manner.end():]
        m2 = TITLE_STOP_RE.search(rest)
        seg, end = rest.lstrip(), (m2.start() if m2 else len(rest)) - (len(rest) - len(rest.lstrip()))
        start += manner.end() + (len(rest) - len(rest.lstrip()))
    if end > TITLE_MAX:
        cut = seg.rfind(" ", 0, TITLE_MAX)
        end = cut if cut > 0 else TITLE_MAX
    t = head + seg[:end].strip(" ,;:-–")
    while t and t[-1] in "”\"»" and t.count(t[-1]) > sum(t.count(q) for q in "“\"«") - (t[-1] == '"'):
        t = t[:-1].rstrip(" ,;:-–")  # a quotation closing after the name: "… thành lập xã”"
    if len(t.split()) < 3 or GENERIC_TITLE_RE.fullmatch(t):
        return None, start + end
    return t, start + len(seg[:end].rstrip(" ,;:-–"))


APPOS_ROLE_RE = re.compile(rf",\s+(?:(?:là\s+)?(?:đơn vị|cơ quan)\s+)?(?:{ROLES})(?!\w)")


def _clean_org(org: str) -> str | None:
    org = re.sub(r"\s+", " ", org).strip(" ,;:-–")
    org = re.sub(r"\s+(?:đã|vừa|sẽ|cũng|long trọng|trọng thể)$", "", org).strip()
    org = re.split(r",?\s+(?:chủ trì|phối hợp với|phối hợp cùng|cùng với)(?!\w)", org)[0].strip(" ,")
    # "Trường Đại học X, Trưởng Khối thi đua …": an appositive role is not the body's name
    org = APPOS_ROLE_RE.split(org)[0].strip(" ,")
    # "Đoàn công tác … do đồng chí X, … làm trưởng đoàn": the body, not who leads it
    org = re.split(r",?\s+do\s+(?=đồng chí|đ/c|ông|bà|[A-ZĐ])", org, flags=re.IGNORECASE)[0].strip(" ,")
    if not org or len(org) > 120 or len(org.split()) > 22 or ORG_BAD_RE.search(org) or not org[:1].isalpha():
        return None
    if not ORG_HEAD_RE.match(org) and not BODY_START_RE.match(org):
        return None
    if DOC_TYPE_START_RE.match(org) or REF_NUMBER_RE.search(org):
        return None  # "Hướng dẫn số 38-HD/… của Ban": a document, not a body
    if len(org.split()) < 2 and not org.isupper():
        return org if org[:1].isupper() else None
    return org


NOMINAL_BEFORE_RE = re.compile(r"(?:sự|của|được|các|những|và)\s+$")
NOUN_AFTER_RE = re.compile(r"\s*(?:chính trị|đảng|cơ sở|đoàn thể|thành viên|xã hội)(?!\w)")
ORGANIZING_VERBS = frozenset({"tổ chức", "long trọng tổ chức", "trọng thể tổ chức", "khai mạc", "tiến hành", "có buổi",
                              "đã có buổi", "họp", "triển khai", "phát động", "ký kết", "gặp mặt"})
TITLED_VERBS = ("làm việc", "gặp mặt", "họp")  # the verb is part of the meeting's name


def _verbs(s: str, start: int, hi: int):
    """Meeting verbs in s[start:hi], leaving out nouns ("dưới sự chủ trì", "các tổ chức chính trị")."""
    for v in VERB_RE.finditer(s, start, hi):
        if NOMINAL_BEFORE_RE.search(s[max(0, v.start() - 8):v.start()]):
            continue
        if v.group("verb")[:1].isupper():
            continue  # "Ban Tổ chức Tỉnh ủy": part of a name
        if v.group("verb").lower() == "tổ chức" and NOUN_AFTER_RE.match(s, v.end() - 1):
            continue
        yield v


OF_ORG_RE = re.compile(rf"\s+của\s+(?P<org>(?:{lexicon_regex('body_heads')})(?!\w)[^,;:]{{0,100}})$")
CITED_BEFORE_RE = re.compile(rf"(?:{lexicon_regex('doc_types')})(?!\w)|\d+\s*[-/]\s*[A-ZĐ]", re.IGNORECASE)
ORG_AFTER_RE = re.compile(
    r"\s*,\s*(?P<org>[^,.;:\n]{3,120}?)\s+(?:đã|vừa|long trọng|trang trọng|trọng thể|chính thức|tiến hành)(?!\w)")


def _split_of(title: str) -> tuple[str, str | None]:
    """"Hội nghị tổng kết … của Cụm thi đua số 5": the name, and the body after "của"
    (not when "của" belongs to a cited document: "Nghị quyết 21-NQ/TW của Bộ Chính trị")."""
    m = OF_ORG_RE.search(title)
    if not m:
        return title, None
    if CITED_BEFORE_RE.search(title[max(0, m.start() - 45):m.start()]):
        return title, None
    head = title[:m.start()].strip(" ,")
    org = _clean_org(m.group("org"))
    if len(head.split()) < 3 or not org:
        return title, None
    return head, org


def _subject_org(subject: str, loc: str | None, loc_first: bool, no_time: bool) -> tuple[str | None, str | None]:
    """(organizer, place) of the clause before the verb."""
    if ", " in subject and not loc_first:
        first, rest = subject.split(", ", 1)
        if first.lower().startswith("tại "):  # "<time>, tại <place>, <organizer> tổ chức"
            clause = ", " + subject
            lm = _loc_at(clause, 0)  # the place may itself hold commas: "tại thôn A, xã B, …"
            if lm:
                loc = loc or lm[0]
                rest = clause[lm[1]:].strip(" ,")
            else:
                loc = loc or first[4:].strip()
            subject = rest
    if ", " in subject and (no_time or not ORG_HEAD_RE.match(subject)):
        subject = subject.rsplit(", ", 1)[1]
    return _clean_org(subject), loc


NAMED_EVENT_AROUND = 600
AT_EVENT_END_RE = re.compile(r",\s+(?=[A-ZĐÀ-Ỹ]|(?:đồng chí|ông|bà|các|lãnh đạo)\s)")


def _named_event(s: str, verb: str, obj: str, lo: int) -> str | None:
    """The event's name when the text writes it with an event noun ("Hội nghị sơ kết 3 năm …")
    for a report that only says "<body> sơ kết 3 năm …"."""
    words = obj.split()[:3]
    if len(words) < 2:
        return None
    pat = re.compile(rf"(?<!\w)(?:{EVENTS})\s+{re.escape(verb)}\s+" + r"\s+".join(re.escape(w) for w in words), re.IGNORECASE)
    m = pat.search(s, max(0, lo - NAMED_EVENT_AROUND), lo + NAMED_EVENT_AROUND)
    if not m:
        return None
    t, _ = _title(s, m.start(), min(len(s), m.start() + 300))
    cut = AT_EVENT_END_RE.search(t) if t else None
    return t[:cut.start()].strip(" ,") if cut else t


ADVERB_EVENT_RE = re.compile(
    rf"\s*(?:long trọng|trọng thể|trang trọng|thành công|sôi nổi|chính thức)\s+(?=(?:{EVENTS})(?!\w))", re.IGNORECASE)


def _from_verb(s: str, v: re.Match, pos: int, hi: int, loc: str | None, loc_first: bool,
               no_time: bool) -> dict | None:
    """The meeting a verb names: its object is the title, its subject the organizer."""
    verb = v.group("verb").lower()
    subject = s[pos:v.start()].strip(" ,")
    if verb in ("diễn ra", "khai mạc", "bế mạc") and EVENT_RE.match(subject):
        # "…, Đại hội … diễn ra tại …"
        title, _ = _title(s, pos, v.start())
        if title:
            lm = _loc_at(s, v.end())
            bm = BODY_IN_TITLE_RE.match(title)
            org = bm.group("body").strip() if bm else None
            if org is None:
                title, org = _split_of(title)
            return {"title": title, "organizer": org,
                    "location": loc or (lm[0] if lm else None), "tstart": pos}
    subject = re.sub(r"\s*\([^()]{1,40}\)\s*$", "", subject).strip(" ,")
    tstart = v.end()
    am = ADVERB_EVENT_RE.match(s, tstart)
    if am:  # "tổ chức thành công Đại hội …"
        tstart = am.end()
    if verb in ("có buổi", "đã có buổi"):
        tstart = v.start("verb") + len(v.group("verb")) - len("buổi")
    title, tend = _title(s, tstart, hi)
    if title and verb in TITLED_VERBS:
        title = f"{verb} {title}"
    event_verb = verb in EVENT_VERBS
    if event_verb:
        if SUBJECT_CLAUSE_RE.search(subject):
            return None  # "… đã ban hành kế hoạch kỷ niệm …": the verb is inside another clause
        if not subject or EVENT_RE.search(subject):
            return None  # "Lễ kỷ niệm … diễn ra": the verb is part of the event's name
        org, _ = _subject_org(subject, loc, loc_first, no_time)
        if not org or not BODY_START_RE.match(org):
            return None  # the subject of an event verb is a body
    if title and not (EVENT_RE.match(title) or title.startswith(TITLED_VERBS)):
        title = _named_event(s, verb, title, v.start()) if event_verb else None
    organizer = None
    if (verb in ORGANIZING_VERBS or event_verb) and subject:
        organizer, loc = _subject_org(subject, loc, loc_first, no_time)
    if event_verb and not organizer:
        return None
    if verb == "diễn ra" and title and not organizer and not subject:
        title, organizer = _split_of(title)  # "đã diễn ra Hội nghị … của X"
    if not loc and title:
        lm = _loc_at(s, tend)
        if lm:
            loc = lm[0]
    if not loc and event_verb:  # "Công an huyện ra mắt mô hình … tại thôn 3, xã B"
        at = AT_IN_CLAUSE_RE.search(s, tstart, hi)
        lm = _loc_at(s, at.start()) if at else None
        loc = lm[0] if lm else None
    if not title and not organizer:
        return None
    if not title and verb in ("chủ trì", "diễn ra", "khai mạc", "làm việc", "gặp mặt"):
        return None
    seen, words = " ".join(s[tstart:tend].split()), (title or "").split()
    written = bool(words) and seen.startswith(" ".join(words[:2])) and seen.endswith(words[-1])
    return {"title": title, "organizer": organizer, "location": loc, "tstart": tstart, "event_verb": event_verb,
            "span": (tstart, tend) if written else None}


AT_EVENT_END_RE = re.compile(r",\s+(?=[A-ZĐÀ-Ỹ]|(?:đồng chí|ông|bà|các|lãnh đạo)\s)")


SUBJECT_CLAUSE_RE = re.compile(r"(?<!\w)(?:đã|vừa|sẽ|đang|được|chuẩn bị|dự kiến|kế hoạch|để|nhằm|và|cùng)(?!\w)\s+\S", re.IGNORECASE)


AT_IN_CLAUSE_RE = re.compile(r"\stại\s")


def _at_event(s: str, lstart: int, hi: int, loc: str | None) -> dict | None:
    """"Ngày 27-8, tại Hội nghị biểu dương …, UBND huyện đã khen thưởng …": the event is named after "tại"."""
    title, tend = _title(s, lstart, hi)
    if not title:
        return None
    cut = AT_EVENT_END_RE.search(title)
    if cut:  # the adverbial ends where the main clause's subject begins
        title, tend = title[:cut.start()].strip(" ,"), lstart + cut.start()
        if len(title.split()) < 3:
            return None
    org = None
    om = ORG_AFTER_RE.match(s, tend, hi)  # the main clause's subject: "…, UBND huyện đã khen thưởng …"
    if om and BODY_START_RE.match(om.group("org")):
        org = _clean_org(om.group("org"))
    if org is None:
        title, org = _split_of(title)
    return {"title": title, "organizer": org, "location": loc, "tstart": lstart, "at_event": True}


ATTEND_RE = re.compile(
    r"(?<!\w)(?:đã\s+)?(?:tham\s+)?dự(?:\s+và\s+(?:chỉ đạo|phát biểu(?:\s+chỉ đạo)?|chủ trì|trao\s[^,.;]{1,30}?))?\s+"
    rf"(?=(?:{EVENTS})(?!\w))", re.IGNORECASE)
DO_ORG_RE = re.compile(r"\s*,?\s+do\s+(?P<org>[^,.;:\n]{3,100}?)\s+(?:tổ chức|chủ trì)(?!\w)")
ADVERB_RE = re.compile(r"\s*(?:long trọng|trọng thể|trang trọng|thành công|sôi nổi|chính thức)(?!\w)")


def _from_sentence(s: str, lo: int, hi: int, after: int) -> dict | None:
    """Parse the clause after ``after`` (the end of a time phrase, or the sentence start) up to ``hi``."""
    loc = None
    pos = after
    lm = LOC_RE.match(s, pos)
    if lm:
        if EVENT_RE.match(s, lm.start("loc")):
            return _at_event(s, lm.start("loc"), hi, None)
        loc, pos = _loc_at(s, pos)
    for v in _verbs(s, pos, hi):
        res = _from_verb(s, v, pos, hi, loc, lm is not None, after == lo)
        if res:
            return res
    # a guest attends: "…, đồng chí X, Bí thư Tỉnh ủy dự Hội nghị … do Ban Y tổ chức"
    am = ATTEND_RE.search(s, pos, hi)
    if am:
        title, tend = _title(s, am.end(), hi)
        if title:
            title, org = _split_of(title)
            dm = DO_ORG_RE.match(s, tend, hi)
            if org is None and dm and BODY_START_RE.match(dm.group("org")):
                org = _clean_org(dm.group("org"))
            if loc is None:
                lm = _loc_at(s, dm.end() if dm else tend)
                loc = lm[0] if lm else None
            return {"title": title, "organizer": org, "location": loc, "tstart": am.end(), "attended": True}
    # passive: "…, Hội nghị lần thứ 25 … đã được tổ chức"
    for e in EVENT_RE.finditer(s, after, hi):
        p = PASSIVE_RE.search(s, e.end(), hi)
        if p and p.start() - e.start() < 220:
            title = s[e.start():p.start()].strip(" ,")
            if len(title.split()) >= 3:
                bm = BODY_IN_TITLE_RE.match(title)
                org = bm.group("body").strip() if bm else None
                if org is None:
                    title, org = _split_of(title)
                if loc is None:  # "… được tổ chức trọng thể tại Quảng trường tỉnh"
                    am = ADVERB_RE.match(s, p.end())
                    lm = _loc_at(s, am.end() if am else p.end())
                    loc = lm[0] if lm else None
                return {"title": title, "organizer": org, "location": loc, "tstart": e.start()}
    return None


LEAD_OPENER_RE = re.compile(r"(?:(?<=\s)|^)(?:từ|trong(?:\s+(?:\d+|hai|ba|bốn|năm|các|những))?(?:\s+ngày)?)\s*$", re.IGNORECASE)
AGENCY_TAG_RE = re.compile(r"^[^\n]{0,30}?[-–—:]\s*$|^\s*$")
DATELINE_LEAD_RE = re.compile(r"(?:^|\s)(?:[A-ZĐÀ-Ỹ][\w]*\s*){1,4},\s*$")


def _sentence_opening(lead: str, phrase: str) -> bool:
    """Does the time phrase open a sentence (after ``lead``, the text from the line start)?"""
    if re.search(r"(?:\d|số|ngày|[A-ZĐ]/[A-ZĐ]+\s*,?)\s*$", lead, re.IGNORECASE):
        return False  # "Nghị quyết số 21-NQ/TW ngày 16-6-2022": an issue date
    if AGENCY_TAG_RE.match(lead):
        return True
    if DATELINE_LEAD_RE.search(lead) and phrase[:1].islower() and "tháng" in phrase:
        return False  # "Kon Tum, ngày 25 tháng 01 năm 2024"
    if phrase[:1].isupper():
        return True  # a capitalized "Sáng 17/3" mid-line starts a sentence
    return bool(re.search(r",\s*$", lead))


NORMATIVE_HEADING_RE = re.compile(
    r"(?:^|\n)\s*(?:KẾ HOẠCH|HƯỚNG DẪN|QUYẾT ĐỊNH|QUY ĐỊNH|CHỈ THỊ|CÔNG VĂN|TỜ TRÌNH|ĐỀ ÁN|QUY CHẾ|"
    r"CHƯƠNG TRÌNH HÀNH ĐỘNG|NGHỊ ĐỊNH|THÔNG TƯ)(?:\s*\n|\s+[a-zà-ỹđ])"
)
PAST_RE = re.compile(r"(?<!\w)(?:đã|vừa)(?!\w)")
LATE_TIME_RE = re.compile(r"\s(?:vào\s+)(?P<time>(?:sáng|chiều|tối|trưa|ngày)\s)", re.IGNORECASE)
EVENT_FIRST_RE = re.compile(
    rf"(?P<title>(?<!\w)(?:{EVENTS})(?!\w)[^.\n]{{3,200}}?)\s+(?:đã\s+)?(?:chính thức\s+)?"
    r"(?:khai mạc|diễn ra|được tổ chức|bế mạc)\s+(?:vào\s+)?(?P<time>(?:sáng|chiều|tối|trưa|ngày)\s)",
    re.IGNORECASE,
)


HEADING_EVENT_RE = re.compile(rf"(?<!\w)(?:{EVENTS.upper()})(?!\w)")
RECORD_PREFIX_RE = re.compile(r"CHƯƠNG TRÌNH|BIÊN BẢN|KỊCH BẢN")


def _heading_event(s: str):
    """A programme's or minutes' uppercase heading naming the event:
    "CHƯƠNG TRÌNH ĐẠI HỘI CHI BỘ … / NHIỆM KỲ 2018 – 2020"."""
    pos = 0
    lines = s[:2500].split("\n")
    for k, line in enumerate(lines):
        m = next((e for e in HEADING_EVENT_RE.finditer(line) if not RECORD_PREFIX_RE.match(line, e.start())), None)
        if m and line[m.start():].isupper():
            prefix = line[:m.start()]
            if DOC_TYPE_START_RE.search(prefix.strip()) and not RECORD_PREFIX_RE.search(prefix):
                pos += len(line) + 1
                continue
            title = line[m.start():].strip()
            nxt = lines[k + 1].strip() if k + 1 < len(lines) else ""
            if nxt and nxt.isupper() and len(nxt) < 80 and re.match(r"(?:NHIỆM KỲ|LẦN THỨ|KHÓA|KHOÁ|NĂM)\b", nxt):
                title = f"{title} {nxt}"
            if len(title.split()) >= 3 and not re.search(r"…|\.\.", title):  # a blank form: "NĂM 20……"
                res = {"title": title, "organizer": None, "location": None, "tstart": pos + m.start()}
                return None, res, None, None, None, pos, pos + len(line)
        pos += len(line) + 1
    return None


def _locate(s: str, title: str, near: int) -> tuple[int, int] | None:
    """The span of ``title`` in ``s`` (whitespace may differ), at or after ``near`` if it is there."""
    pat = re.compile(r"\s+".join(re.escape(w) for w in title.split()))
    m = pat.search(s, near) or pat.search(s)  # a headline's fuller name stands before
    return (m.start(), m.end()) if m else None


NUMBERED_LINE_RE = re.compile(r"(?m)^[ \t]*(?:(?:\d{1,2}|[IVX]{1,4})\s*[.)/]|[-–•+*])\s+(?=\S)")


UNDATED_TOP = 1200
FUTURE_RE = re.compile(r"(?<!\w)(?:sắp tới|tới đây|sắp diễn ra|dự kiến|sẽ)(?!\w)|(?:tháng|quý|năm|tuần|dịp)\s+(?:\d+\s+)?tới(?!\w)")
#: "Hội nghị được tổ chức tại …", "Buổi lễ diễn ra trong không khí sôi nổi tại …" right after the lead
WHERE_HELD_RE = re.compile(
    rf"(?:^|(?<=[.\n]\s)|(?<=\n))(?:{EVENTS})(?:\s+(?:này|trên))?\s+(?:đã\s+)?(?:được tổ chức|diễn ra)"
    r"(?:\s+(?:long trọng|trọng thể|trang trọng|sôi nổi|thành công))?(?:\s+trong không khí\s+[^,.\n]{1,40}?)?(?=\s*,?\s*tại\s)",
    re.IGNORECASE,
)
WHERE_HELD_WITHIN = 700


def _location_after(s: str, hi: int) -> str | None:
    """A place the next sentences give for the event just reported."""
    m = WHERE_HELD_RE.search(s, hi, min(len(s), hi + WHERE_HELD_WITHIN))
    if not m:
        return None
    lm = _loc_at(s, m.end())
    return lm[0] if lm else None

SENT_STOP_RE = re.compile(r"(?<![A-ZĐ\d])[.!?]\s+(?=[A-ZĐÀ-Ỹ])")


def _time_phrases(s: str):
    """Dated time phrases ("Sáng 17/3") and relative ones ("Hôm nay,") in text order."""
    marks = [(m.start(), m, False) for m in TIME_RE.finditer(s)]
    marks += [(m.start(), m, True) for m in REL_TIME_RE.finditer(s)]
    marks.sort(key=lambda t: t[0])
    return [(m, rel) for _, m, rel in marks]


def _event_sentence(s: str, tm: re.Match, normative: bool, rel: bool = False) -> tuple[dict, int, int] | None:
    lo, hi = _sentence(s, tm.start())
    # the time phrase opens the sentence (after a dateline tag like "BHG -")
    lead = LEAD_OPENER_RE.sub("", PUB_ISO_RE.sub("", s[lo:tm.start()]))
    if not _sentence_opening(lead, tm.group(0)):
        return None
    if rel and re.search(r"[“\"«:]\s*$", lead):
        return None  # "… nhấn mạnh: “Hôm nay, chúng ta …": a speaker's day, not the report's lead
    res = _from_sentence(s, lo, hi, tm.end())
    if res and normative and not PAST_RE.search(s, tm.end(), hi):
        return None  # a plan or instruction schedules meetings; it does not report them
    if res and (res["title"] or res["organizer"]):
        return res, lo, hi
    return None


def _rel_date(s: str, tm: re.Match, hi: int) -> tuple[int | None, int | None, int | None]:
    """Day, month, year of "Hôm nay", "Chiều qua": a full date written in the sentence, else the
    publication date (the day before for "qua")."""
    for start, _, iso in find_full_dates(s[tm.end():hi]):
        if start < 80:
            return int(iso[8:10]), int(iso[5:7]), int(iso[:4])
    pub = _pub_date(s)
    if not pub or pub[2] is None:
        return None, None, None
    y, mo, d = pub
    day = _date(y, mo, d)
    if "qua" in tm.group("rel").lower():
        day -= timedelta(days=1)
    return day.day, day.month, day.year


def _roundup(s: str, normative: bool) -> bool:
    """Numbered items that each report their own event: a roundup, not one meeting."""
    events = set()
    for nm in NUMBERED_LINE_RE.finditer(s):
        eol = s.find("\n", nm.end())
        eol = len(s) if eol < 0 else eol
        for tm, _rel in _time_phrases(s[nm.end():eol]):
            ev = _event_sentence(s, _shift(tm, nm.end()), normative)
            if ev:
                events.add((ev[0]["organizer"], ev[0]["title"]))
                break
        if len(events) >= 2:
            return True
    return False


class _Shifted:
    """A match moved to its place in the whole text (for phrases found in a line)."""

    def __init__(self, m: re.Match, off: int) -> None:
        self._m, self._off = m, off

    def start(self, *g):
        return self._m.start(*g) + self._off

    def end(self, *g):
        return self._m.end(*g) + self._off

    def group(self, *g):
        return self._m.group(*g)


def _shift(m: re.Match, off: int):
    return _Shifted(m, off) if off else m


HEADLINE_MAX = 220
HEADLINE_COMMENT_RE = re.compile(r"\s*:\s+|\s+[-–—]\s+")
HEADLINE_PREFIX_RE = re.compile(r"[^:.\n]{2,60}\s*[:\-–]")


def _headline_event(s: str, normative: bool) -> tuple | None:
    """The headline (the first short lines) names the event: "Huyện ủy X tổ chức Hội nghị …",
    "Hội nghị sơ kết 3 năm …"."""
    if normative:
        return None
    pos, seen = 0, 0
    for line in s[:1500].split("\n"):
        lo, hi = pos + len(line) - len(line.lstrip()), pos + len(line.rstrip())
        pos += len(line) + 1
        if not line.strip():
            continue
        seen += 1
        if seen > 3:
            break
        if len(line.strip()) > HEADLINE_MAX or line.strip().endswith((".", ":")) or re.search(r"…|\.\.", line):
            continue
        res = _from_sentence(s, lo, hi, lo)
        if res and res["title"]:
            return None, res, None, None, None, lo, hi
        em = EVENT_RE.search(s, lo, min(hi, lo + 80))
        if em and em.group(0).lower() == "chương trình":
            continue  # "Chương trình phối hợp …" in a headline is mostly a document
        prefix = s[lo:em.start()].strip() if em else ""
        if em and em.group(0)[:1].isupper() and (not prefix.strip(" -–") or HEADLINE_PREFIX_RE.fullmatch(prefix)):
            title, _ = _title(s, em.start(), hi)
            if title:  # "Hội nghị lần thứ 8: Thống nhất …": the headline's comment is no name
                title = HEADLINE_COMMENT_RE.split(title, 1)[0].strip(" ,")
            if title and len(title.split()) >= 4:
                title, org = _split_of(title)
                bm = BODY_IN_TITLE_RE.match(title)
                org = org or (bm.group("body").strip() if bm else None)
                if not org and prefix and BODY_START_RE.match(prefix):
                    org = _clean_org(prefix.rstrip(" :-–"))  # "Huyện ủy A: Hội nghị …"
                res = {"title": title, "organizer": org, "location": None, "tstart": em.start()}
                return None, res, None, None, None, lo, hi
    return None


# The formal minutes ("BIÊN BẢN" + the meeting's name, then "Thời gian: …", "Địa điểm: …"):
# the labels say it all. A blank form (dotted placeholders) yields nothing.
MINUTES_TITLE_RE = re.compile(
    r"^BIÊN BẢN\s*\n+(?P<title>(?:Hội nghị|Cuộc họp|Họp|Đại hội|Sinh hoạt|Phiên họp|Kỳ họp|Buổi làm việc)[^\n]{3,200})$",
    re.MULTILINE)
MINUTES_TIME_RE = re.compile(r"(?<!\w)(?:Thời gian|Vào hồi|Vào lúc)\s*:?\s*(?P<rest>[^\n]{0,160})")
MINUTES_PLACE_RE = re.compile(r"(?<!\w)Địa điểm(?:\s+tại)?\s*:\s*(?P<place>[^\n.;]{3,150})")
_PLACEHOLDER_RE = re.compile(r"…|\.\.\.|_{3,}")


def _minutes_form(s: str) -> tuple[dict, int, int] | None:
    m = MINUTES_TITLE_RE.search(s, 0, min(len(s), 4000))
    if not m or _PLACEHOLDER_RE.search(m.group("title")):
        return None
    window = s[m.end():m.end() + 1500]
    date = None
    tm = MINUTES_TIME_RE.search(window)
    if tm and not _PLACEHOLDER_RE.search(tm.group("rest")):
        dates = find_full_dates(tm.group("rest"))
        date = dates[0][2] if dates else None
    place = None
    pm = MINUTES_PLACE_RE.search(window)
    if pm and not _PLACEHOLDER_RE.search(pm.group("place")):
        place = pm.group("place").strip(" ,")
    if date is None:
        return None
    title = m.group("title").strip(" .:")
    return ({"date": date, "title": title, "organizer": None, "location": place},
            m.start("title"), m.start("title") + len(title))


@register("meeting", VERSION)
def extract(doc: Doc, text: Text) -> list[Item]:
    s = text.text
    if not s.strip():
        return []
    form = _minutes_form(s)
    if form is not None:
        value, start, end = form
        return [make_item(FIELD, value, start, end, 0.8 if value["location"] else 0.75, text, NAME, VERSION)]
    found = None
    how = "time"
    normative = NORMATIVE_HEADING_RE.search(s[:2500]) is not None
    for tm, rel in _time_phrases(s):
        ev = _event_sentence(s, tm, normative, rel)
        if ev is None:
            continue
        res, lo, hi = ev
        if rel:
            d, mo, y = _rel_date(s, tm, hi)
            how = "relative"
        else:
            d, mo, y = _dm(tm)
        if res["title"]:
            headline = _prefer_headline(s, res["title"], lo)
            res["title_from_sentence"] = headline == res["title"]
            res["title"] = headline
        found = (tm, res, d, mo, y, lo, hi)
        break
    if found is None and not normative:
        # the event first: "Hội nghị … khai mạc sáng 10-12 tại …"
        for em in EVENT_FIRST_RE.finditer(s, 0, min(len(s), 3000)):
            lo, hi = _sentence(s, em.start())
            if s[lo:em.start()].strip(" -–—:") and not AGENCY_TAG_RE.match(s[lo:em.start()]):
                continue
            tm = TIME_RE.match(s, em.start("time"))
            if not tm:
                continue
            title = em.group("title").strip(" ,")
            if re.search(r"(?:sẽ|dự kiến|sắp)$", title):
                continue  # announced, not reported
            lm = _loc_at(s, tm.end())
            bm = BODY_IN_TITLE_RE.match(title)
            res = {"title": title, "organizer": bm.group("body").strip() if bm else None,
                   "location": lm[0] if lm else None, "tstart": em.start("title")}
            d, mo, y = _dm(tm)
            found = (tm, res, d, mo, y, lo, hi)
            how = "time"
            break
    if found is None and not normative:
        # no time phrase: "<organizer> vừa tổ chức <event>" near the top
        for v in _verbs(s, 0, min(len(s), 2500)):
            verb = v.group("verb").lower()
            event_verb = verb in EVENT_VERBS and v.start() < UNDATED_TOP
            if verb not in ("tổ chức", "long trọng tổ chức", "diễn ra") and not event_verb:
                continue
            if not EVENT_RE.match(s, v.end()) and not event_verb:
                continue
            lo, hi = _sentence(s, v.start())
            stops = [m.end() for m in SENT_STOP_RE.finditer(s, lo, v.start())]
            lo = stops[-1] if stops else lo  # the sentence, not the paragraph
            if event_verb and not (s[hi:hi + 1] in (".", "!") and hi - lo >= 60):
                continue  # a headline "Hội X sơ kết …": the lead sentence says more
            if HABIT_RE.search(s, lo, v.start()):
                continue  # "Hằng năm, Hội … tổ chức …": a habit, not the report
            if hi - lo < 60:
                continue  # a headline
            # "… tổ chức Hội nghị … vào sáng ngày 17/3": the time after the event
            late = LATE_TIME_RE.search(s, v.end(), hi)
            past = re.match(r"(?:đã|vừa)\s", v.group(0), re.IGNORECASE) is not None
            if not (late or past or lo < UNDATED_TOP):
                continue  # a present-tense "tổ chức" deep in the text is a habit, not the report
            if not (late or past) and FUTURE_RE.search(s, v.end(), hi):
                continue  # "… tổ chức Hội thi vào tháng 9 tới": announced, not reported
            res = _from_sentence(s, lo, hi, lo)
            if res and res.get("event_verb") and res["organizer"] and lo < UNDATED_TOP:
                tm = TIME_RE.match(s, late.start("time")) if late else None
                d, mo, y = _dm(tm) if tm else (None, None, None)
                found = (tm, res, d, mo, y, lo, hi)
                how = "late" if tm else "undated_verb"
                break
            if res and res["title"] and (res["organizer"] or v.group("verb").lower() == "diễn ra"):
                tm = TIME_RE.match(s, late.start("time")) if late else None
                d, mo, y = _dm(tm) if tm else (None, None, None)
                found = (tm, res, d, mo, y, lo, hi)
                how = "late" if tm else ("undated" if past else "undated_present")
                break
    if found is None:
        found = _heading_event(s)
        how = "heading"
    if found is None:
        found = _headline_event(s, normative)
        how = "headline"
    if found is None:
        return []
    if _roundup(s, normative):
        return []  # several numbered events: no single meeting to report
    tm, res, d, mo, y, lo, hi = found
    if res["location"] is None and how != "heading":
        res["location"] = _location_after(s, hi if how != "headline" else hi)
    date = None
    year_src = "written" if y is not None else "none"
    if d is not None:
        if y is None:
            y, year_src = _year_for(s, d, mo, res["title"], s[lo:hi])
        date = make_iso(y, mo, d) if y else None
    value = {"date": date, "title": res["title"], "organizer": res["organizer"], "location": res["location"]}
    span = None
    if res["title"]:
        span = res.get("span") if res.get("title_from_sentence", True) else None
        span = span or _locate(s, res["title"], res["tstart"])
    if span:
        start, end = span
    else:
        start, end = (tm.start(), tm.end()) if tm else (lo, hi)
    conf = _confidence(how, res, date, year_src, start - lo if tm is not None else 0)
    return [make_item(FIELD, value, start, end, conf, text, NAME, VERSION)]


HABIT_RE = re.compile(r"(?<!\w)(?:[Hh][ằà]ng (?:năm|tháng|quý|tuần)|[Mm]ỗi (?:năm|tháng|quý)|[Đđ]ịnh kỳ|thường xuyên|thường|"
                      r"sẽ|dự kiến|chuẩn bị|kế hoạch)(?!\w)")
BASE_CONF = {"time": 0.8, "late": 0.8, "relative": 0.7, "undated": 0.6, "undated_present": 0.55, "undated_verb": 0.5,
             "heading": 0.6, "headline": 0.5}


def _confidence(how: str, res: dict, date: str | None, year_src: str, dist: int) -> float:
    """Evidence, not habit: the lead sentence with a written date is surest; a year
    completed from the title or the document, a relative day, an event verb without a
    named event, a title far from the time phrase, the headline alone are less sure."""
    conf = BASE_CONF[how]
    if how in ("time", "late", "relative") and not res["title"]:
        conf = 0.65
    if res.get("at_event") or res.get("attended"):
        conf -= 0.05
    if year_src == "sentence":
        conf -= 0.03
    elif year_src in ("title", "document"):
        conf -= 0.05
    if how in ("time", "relative") and dist > 250:
        conf -= 0.05
    return conf


