"""Extractor for the ``meeting`` field (see ../shared/eval/SCHEMA.md).

A news report on a meeting nearly always opens with one sentence of the form

    <time>, [tại <place>,] <organizer> [đã|vừa] tổ chức <title>.

("Sáng 17/3, tại Hà Nội, Ban Thường vụ … tổ chức Hội nghị sơ kết …"), or
its passive ("…, Hội nghị lần thứ 25 … đã được tổ chức …"). The extractor
looks for that sentence, first with a time phrase, then without one near
the top of the document ("Hội … vừa tổ chức hội nghị …").

The year: written in the time phrase; else the publication timestamp or
header of the page ("14/02/2023 16:39", "date 2023-10") or the dateline
("…, ngày 15 tháng 4 năm 2026"), moved back a year for a meeting months
later in the year than the publication; else a year the meeting's title or
the report names ("năm 2021"), trusted only for a meeting in
January-September (a programme "năm 2021" is often launched in the last
months of 2020), and the next year for a year-end review ("tổng kết … năm
2023") held in January-March.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc

from extractors import register
from extractors.base import lexicon_regex, make_item
from extractors.dates import DAY_MONTH_YEAR, day_month_year, find_datelines, make_iso
from pipeline.model import Item, Text

VERSION = "1.1.0"
FIELD = "meeting"
NAME = f"{FIELD}@{VERSION}"

EVENTS = lexicon_regex("event_nouns")
VERBS = lexicon_regex("meeting_verbs")

TIME_RE = re.compile(
    r"(?<!\w)(?:(?:sáng|chiều|tối|trưa|đêm)(?:\s+(?:nay|qua|hôm qua))?\s*,?\s*(?:(?:hôm\s+)?ngày\s*)?"
    r"|(?:hôm nay|hôm qua)\s*,?\s*(?:ngày\s*)?|ngày\s*)\(?\s*"
    r"(?:(?:từ\s+)?(?:ngày\s+)?(?P<first>\d{1,2})\s*(?:-|–|đến|và)\s*(?=\d{1,2}\s*[/.\-]\s*\d))?"
    rf"(?:{DAY_MONTH_YEAR})",
    re.IGNORECASE,
)
SENT_END_RE = re.compile(r"\.(?=\s|$)|\n|!|\?")
VERB_RE = re.compile(rf"(?<!\w)(?:(?:đã|vừa|sẽ)\s+)?(?P<verb>{VERBS})(?!\w)\s*", re.IGNORECASE)
EVENT_RE = re.compile(rf"(?<!\w)(?:{EVENTS})(?!\w)", re.IGNORECASE)
PASSIVE_RE = re.compile(r"\s+(?:đã\s+)?(?:được\s+tổ chức|diễn ra|khai mạc|đã được khai mạc|bế mạc)(?!\w)")
ROLES = lexicon_regex("role_heads")
TITLE_STOP_RE = re.compile(
    r"\.(?=\s|$)|\n|\s(?:theo|bằng)\s+hình thức|\svới sự\s|\sdưới sự\s|\snhằm\s|\sđể\s|,?\s+tại\s|\svào\s(?:sáng|chiều|tối|ngày)"
    r"|\s+và đề nghị|,?\s+đồng thời\s|,\s+(?=(?:ROLES)(?!\w))"
    r"|,?\s+với chủ đề|\s(?:do|có sự)\s|[.;:]\s+(?:Dự|Tham dự|Tới dự|Đến dự)|,\s+(?:qua đó|từ đó|nhằm|với|có)\s|\s[-–]\s+Ảnh".replace("ROLES", ROLES)
)
LOC_RE = re.compile(r"\s*,?\s*tại\s+(?P<loc>[^,.;:\n]{2,80}?)\s*(?=,|\.(?:\s|$)|;|\n|\)|\s(?:đã|vừa|có|với|diễn ra|tổ chức|long trọng|khai mạc)(?!\w))", re.IGNORECASE)
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


def _year_for(s: str, d: int, mo: int, title: str | None, sent: str) -> int | None:
    pub = _pub_date(s)
    if pub is None:
        lines = find_datelines(s)
        if lines:
            iso = lines[0][2]
            pub = int(iso[:4]), int(iso[5:7]), int(iso[8:10])
    if pub:
        y, pm, pd = pub
        later = (mo, d) > (pm, pd if pd else 31)
        return y - 1 if later and mo - pm > 1 else y  # published in January on a December meeting
    if mo >= 10:
        return None
    years = _title_years(title or "") or _title_years(sent)
    if len(set(years)) == 1 and mo <= 3 and REVIEW_RE.search(title or sent):
        return years[0] + 1  # "tổng kết công tác năm 2023" is held early in 2024
    if not years:  # a year the report names, targets ("đến năm 2030") aside
        years = [int(m.group(1)) for m in YEAR_WORD_RE.finditer(s)
                 if not TARGET_BEFORE_RE.search(s[max(0, m.start() - 16):m.start()])]
    return max(years) if years else None


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
    if len(t.split()) < 3:
        return None, start + end
    return t, start + len(seg[:end].rstrip(" ,;:-–"))


def _clean_org(org: str) -> str | None:
    org = re.sub(r"\s+", " ", org).strip(" ,;:-–")
    org = re.sub(r"\s+(?:đã|vừa|sẽ|cũng|long trọng|trọng thể)$", "", org).strip()
    org = re.split(r",?\s+(?:chủ trì|phối hợp với|phối hợp cùng|cùng với)(?!\w)", org)[0].strip(" ,")
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


def _from_verb(s: str, v: re.Match, pos: int, hi: int, loc: str | None, loc_first: bool,
               no_time: bool) -> dict | None:
    """The meeting a verb names: its object is the title, its subject the organizer."""
    verb = v.group("verb").lower()
    subject = s[pos:v.start()].strip(" ,")
    if verb in ("diễn ra", "khai mạc", "bế mạc") and EVENT_RE.match(subject):
        # "…, Đại hội … diễn ra tại …"
        title, _ = _title(s, pos, v.start())
        if title:
            lm = LOC_RE.match(s, v.end())
            bm = BODY_IN_TITLE_RE.match(title)
            return {"title": title, "organizer": bm.group("body").strip() if bm else None,
                    "location": loc or (lm.group("loc").strip() if lm else None), "tstart": pos}
    subject = re.sub(r"\s*\([^()]{1,40}\)\s*$", "", subject).strip(" ,")
    tstart = v.end()
    if verb in ("có buổi", "đã có buổi"):
        tstart = v.start("verb") + len(v.group("verb")) - len("buổi")
    title, tend = _title(s, tstart, hi)
    if title and verb in TITLED_VERBS:
        title = f"{verb} {title}"
    if title and not (EVENT_RE.match(title) or title.startswith(TITLED_VERBS)):
        title = None
    organizer = None
    if verb in ORGANIZING_VERBS and subject:
        if ", " in subject and not loc_first:
            first, rest = subject.split(", ", 1)
            if first.lower().startswith("tại "):  # "<time>, tại <place>, <organizer> tổ chức"
                loc = loc or first[4:].strip()
                subject = rest
        if ", " in subject and (no_time or not ORG_HEAD_RE.match(subject)):
            subject = subject.rsplit(", ", 1)[1]
        organizer = _clean_org(subject)
    if not loc and title:
        lm = LOC_RE.match(s, tend)
        if lm:
            loc = lm.group("loc").strip()
    if not title and not organizer:
        return None
    if not title and verb in ("chủ trì", "diễn ra", "khai mạc", "làm việc", "gặp mặt"):
        return None
    return {"title": title, "organizer": organizer, "location": loc, "tstart": tstart,
            "span": (tstart, tend) if title and not title.startswith(TITLED_VERBS) else None}


def _from_sentence(s: str, lo: int, hi: int, after: int) -> dict | None:
    """Parse the clause after ``after`` (the end of a time phrase, or the sentence start) up to ``hi``."""
    loc = None
    pos = after
    lm = LOC_RE.match(s, pos)
    if lm:
        loc = lm.group("loc").strip()
        pos = lm.end()
    for v in _verbs(s, pos, hi):
        res = _from_verb(s, v, pos, hi, loc, lm is not None, after == lo)
        if res:
            return res
    # passive: "…, Hội nghị lần thứ 25 … đã được tổ chức"
    for e in EVENT_RE.finditer(s, after, hi):
        p = PASSIVE_RE.search(s, e.end(), hi)
        if p and p.start() - e.start() < 220:
            title = s[e.start():p.start()].strip(" ,")
            if len(title.split()) >= 3:
                bm = BODY_IN_TITLE_RE.match(title)
                org = bm.group("body").strip() if bm else None
                return {"title": title, "organizer": org, "location": loc, "tstart": e.start()}
    return None


LEAD_OPENER_RE = re.compile(r"(?:(?<=\s)|^)(?:từ|trong(?:\s+(?:\d+|hai|ba|bốn|năm))?(?:\s+ngày)?)\s*$", re.IGNORECASE)
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


@register("meeting", VERSION)
def extract(doc: Doc, text: Text) -> list[Item]:
    s = text.text
    if not s.strip():
        return []
    found = None
    normative = NORMATIVE_HEADING_RE.search(s[:2500]) is not None
    for tm in TIME_RE.finditer(s):
        lo, hi = _sentence(s, tm.start())
        # the time phrase opens the sentence (after a dateline tag like "BHG -")
        lead = LEAD_OPENER_RE.sub("", PUB_ISO_RE.sub("", s[lo:tm.start()]))
        if not _sentence_opening(lead, tm.group(0)):
            continue
        res = _from_sentence(s, lo, hi, tm.end())
        if res and normative and not PAST_RE.search(s, tm.end(), hi):
            continue  # a plan or instruction schedules meetings; it does not report them
        if res and (res["title"] or res["organizer"]):
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
            lm = LOC_RE.match(s, tm.end())
            bm = BODY_IN_TITLE_RE.match(title)
            res = {"title": title, "organizer": bm.group("body").strip() if bm else None,
                   "location": lm.group("loc").strip() if lm else None, "tstart": em.start("title")}
            d, mo, y = _dm(tm)
            found = (tm, res, d, mo, y, lo, hi)
            break
    if found is None and not normative:
        # no time phrase: "<organizer> vừa tổ chức <event>" near the top
        for v in _verbs(s, 0, min(len(s), 2500)):
            if v.group("verb").lower() not in ("tổ chức", "long trọng tổ chức", "diễn ra"):
                continue
            if not EVENT_RE.match(s, v.end()):
                continue
            lo, hi = _sentence(s, v.start())
            if hi - lo < 60:
                continue  # a headline
            # "… tổ chức Hội nghị … vào sáng ngày 17/3": the time after the event
            late = LATE_TIME_RE.search(s, v.end(), hi)
            if not (late or re.match(r"(?:đã|vừa)\s", v.group(0), re.IGNORECASE)):
                continue
            res = _from_sentence(s, lo, hi, lo)
            if res and res["title"] and (res["organizer"] or v.group("verb").lower() == "diễn ra"):
                tm = TIME_RE.match(s, late.start("time")) if late else None
                d, mo, y = _dm(tm) if tm else (None, None, None)
                found = (tm, res, d, mo, y, lo, hi)
                break
    if found is None:
        found = _heading_event(s)
    if found is None:
        return []
    tm, res, d, mo, y, lo, hi = found
    date = None
    if d is not None:
        if y is None:
            y = _year_for(s, d, mo, res["title"], s[lo:hi])
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
    conf = 0.8 if tm is not None else 0.6
    if tm is not None and not res["title"]:
        conf = 0.65
    return [make_item(FIELD, value, start, end, conf, text, NAME, VERSION)]
