"""Extractor for the ``pledges`` field (see ../shared/eval/SCHEMA.md).

A pledge is a count or share of people or units that registered, pledged or
signed a commitment. The rules, in the order the text is read:

1. a *mention* is a number (digits, "%", ratio or number words) directly
   followed by a counted noun of ``lexicons/pledge_units.txt``; coordinated
   nouns without their own number join the unit ("tập thể, cá nhân");
2. a mention is a pledge when a registration verb (``pledge_verbs``) governs
   it in the same sentence: after it ("215 cá nhân đăng ký", "8 đơn vị đã
   ký giao ước") or before it ("đăng ký 12 mô hình", "đăng ký gương điển
   hình có N cá nhân, M chi bộ trong đó có K mô hình"), with no award,
   admission, attendance, rating, target, quota or change word
   (``pledge_blockers``) between them, just before or right after the
   mention; a verb before the count reaches it only across other counts
   and filler words (``pledge_fillers``), and after a comma only through a
   breakdown connective; a total followed by ", trong đó …" is not itself
   the registrants; "mỗi/từng … đăng ký 01 …" is a quota;
3. a sentence opening with a breakdown connective ("Trong đó", "Cụ thể")
   right after a pledge sentence carries its counts over;
4. a bare number right after a registration verb ("đăng ký mới 52") takes
   the unit of the pledge just before it;
5. the subject is "X" of "N đơn vị trong/thuộc/của X", else the noun phrase
   before the verb or "có" governing the count, else the subject of the
   pledge it breaks down.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc

from extractors import register
from extractors.base import fold, lexicon_regex, make_item
from extractors.models import sentence_spans
from extractors.numbers import NumberMatch, find_numbers
from pipeline.model import Item, Text

VERSION = "1.3.0"
NAME = "pledges"

_UNIT = lexicon_regex("pledge_units")
_UNIT_RE = re.compile(rf"\s*(?:(?:các|những)\s+)?(?P<unit>(?:lượt\s+)?(?:{_UNIT}))(?!\w)", re.IGNORECASE)
_COORD_RE = re.compile(rf"(?:\s*,\s*|\s+và\s+)(?P<unit>{_UNIT})(?!\w)", re.IGNORECASE)
_VERB_RE = re.compile(rf"(?<!\w)(?:{lexicon_regex('pledge_verbs')})(?!\w)", re.IGNORECASE)
_BLOCK_RE = re.compile(
    rf"(?<!\w)(?:{lexicon_regex('pledge_blockers')})(?!\w)(?! cường| đổi| quyền)", re.IGNORECASE)
_COORDINATED_BLOCKER_RE = re.compile(
    rf"(?<!\w)(?:{lexicon_regex('pledge_blockers')})(?:\s+mới)?\s*(?:,|và)\s*$", re.IGNORECASE)
_NEGATION_RE = re.compile(r"(?<!\w)(?:chưa|không|không được|chưa được)\s+$", re.IGNORECASE)
_DISTRIBUTIVE_RE = re.compile(r"(?<!\w)(?:mỗi|từng)(?!\w)", re.IGNORECASE)  # "mỗi đảng viên đăng ký 01 …": a quota
_PRESENCE_RE = re.compile(r"^\s*(?:có mặt|tham dự|dự họp)(?!\w)", re.IGNORECASE)
_VERB_OR_STOP_RE = re.compile(
    rf"(?<!\w)(?:{lexicon_regex('pledge_verbs')}|{lexicon_regex('subject_stops')})(?!\w)")
_LEADING_STOP_RE = re.compile(rf"^(?:{lexicon_regex('subject_stops')})(?!\w)\s*", re.IGNORECASE)
_FILLER_RE = re.compile(rf"(?<!\w)(?:{lexicon_regex('pledge_fillers')})(?!\w)", re.IGNORECASE)
_TOTAL_THEN_PART_RE = re.compile(r",\s*(?:trong đó|trong số đó|trong số này)(?!\w)", re.IGNORECASE)
_CONNECTIVE_RE = re.compile(rf"^\(?(?:{lexicon_regex('subject_connectives')})(?!\w)[\s,:]*",
                            re.IGNORECASE)
_REPRESENTATIVE_RE = re.compile(rf"^(?:{lexicon_regex('representative_nouns')})\s+", re.IGNORECASE)
_OWNER_RE = re.compile(r"\s+(?:trong|thuộc|trực thuộc|của)\s+(?P<org>[A-ZĐÂĂÊÔƠƯÁÀẢÃẠ][^,;:.()\n]{0,80})")
_BARE_RE = re.compile(r"\s+(?:mới|thêm)?\s*(?P<num>\d{1,3}(?:\.\d{3})+|\d+)(?![\d%/\w]|[.,]\d)")
_LEADING_ADVERBIAL_RE = re.compile(
    r"^(?:\([^)]{0,40}\)\s*[-–—]?\s*|date \S+\s+|[Nn]ăm \d{4}\s*|[Nn]gày \d{1,2}[/-]\d{1,2}(?:[/-]\d{2,4})?\s*"
    r"|[Đđ]ến nay\s*|[-–—]\s*)+")
_BREAKDOWN_START_RE = re.compile(
    r"^\(?\s*(?:[Tt]rong đó|[Tt]rong số đó|[Tt]rong số này|[Cc]ụ thể|[Gg]ồm|[Bb]ao gồm|[Tt]ính riêng)\b")

_ORDINAL_BEFORE_RE = re.compile(r"(?<!\w)(?<!tổng )(?:số|thứ|lần|khóa|khoá|đợt|kỳ|năm|giai đoạn)\s+$", re.IGNORECASE)
_BLOC_RE = re.compile(r"(?<!\w)(?:Khối|Cụm|khối|cụm) thi đua\b[^,.;:\n()]{0,80}")
_BLOC_STOP_RE = re.compile(
    rf"\s+(?:đã|đang|sẽ|vừa|(?<!các )tổ chức|năm \d{{4}}|{lexicon_regex('pledge_verbs')})(?!\w)", re.IGNORECASE)


MAX_BEFORE = 90   # chars from a verb to the count it governs
MAX_AFTER = 100   # chars from a count to the verb it is subject of


def _sentences(text: str) -> list[tuple[int, int]]:
    return sentence_spans(text)


class Mention:
    __slots__ = ("num", "unit", "unit_start", "unit_end", "start", "end")

    def __init__(self, num: NumberMatch, unit: str, unit_start: int, unit_end: int):
        self.num = num
        self.unit = unit
        self.unit_start = unit_start
        self.unit_end = unit_end
        self.start = num.start
        self.end = unit_end


def _mentions(text: str, s: int, e: int) -> list[Mention]:
    out = []
    for n in find_numbers(text, s, e):
        if _ORDINAL_BEFORE_RE.search(text, max(0, n.start - 8), n.start):
            continue  # "Cụm thi đua số 10", "Chi bộ số 3": a name, not a count
        m = _UNIT_RE.match(text, n.end, e)
        if not m or not m.group("unit")[0].islower():
            continue
        us, ue = m.start("unit"), m.end("unit")
        # coordinated nouns that have no number of their own
        while True:
            c = _COORD_RE.match(text, ue, e)
            if not c:
                break
            ue = c.end("unit")
        out.append(Mention(n, text[us:ue], us, ue))
    return out


def _blocked(segment: str, before_verb: bool = False) -> bool:
    """A blocker in ``segment``; one coordinated with the verb that follows
    ("đang duy trì và đăng ký") does not count when ``before_verb``."""
    segment = re.sub(r"\([^()]*\)", " ", segment)  # "(đạt 92%)" is an aside
    if before_verb:
        segment = _COORDINATED_BLOCKER_RE.sub("", segment)
        # "25 đảng viên có mặt đã đăng ký": presence qualifies the registrants
        segment = _PRESENCE_RE.sub(" ", segment)
    return bool(_BLOCK_RE.search(segment))


def _leftover_words(segment: str, mentions: list[Mention], offset: int) -> list[str]:
    """Words of ``segment`` (starting at ``offset``) that are neither other
    counts, names, nor filler words of a registration phrase."""
    chars = list(segment)
    for m in mentions:
        for i in range(max(m.start, offset), min(m.end, offset + len(chars))):
            chars[i - offset] = " "
    rest = _FILLER_RE.sub(" ", "".join(chars))
    rest = re.sub(r"\b(?:19|20)\d{2}\b", " ", rest)
    return [w for w in re.findall(r"[^\W\d_]+", rest) if not w[0].isupper()]


def _backward_ok(between: str, mentions: list[Mention], offset: int) -> bool:
    """A count may follow its verb across other counts and filler words only;
    after a comma, only a breakdown connective or another count."""
    if "," in between:
        last = between.rsplit(",", 1)[1]
        lo = offset + len(between) - len(last)
        if _leftover_words(last, mentions, lo):
            return False
    return len(_leftover_words(between, mentions, offset)) <= 2


def _clean_subject(phrase: str) -> str | None:
    phrase = re.sub(r"\([^)]*\)", " ", phrase)
    phrase = _LEADING_ADVERBIAL_RE.sub("", phrase.strip())
    phrase = _CONNECTIVE_RE.sub("", phrase)
    phrase = _REPRESENTATIVE_RE.sub("", phrase)
    phrase = _LEADING_STOP_RE.sub("", phrase)
    m = _VERB_OR_STOP_RE.search(phrase)
    if m:
        phrase = phrase[:m.start()]
    phrase = re.sub(r"\s+", " ", phrase).strip(" ,;:-–—")
    if not phrase or len(phrase.split()) > 14:
        return None
    if phrase[0].isdigit():
        # a share or count of units can be the subject: "100% chi bộ trực thuộc"
        return phrase if _UNIT_RE.match(phrase, re.match(r"[\d.,]+\s*%?", phrase).end()) else None
    if re.match(r"(?i)(?:cấp|số|tổng số|số lượng)\b", phrase):
        return None  # a level ("cấp tỉnh có …") or a quantity ("Số đảng viên …") is not a subject
    if not (phrase[0].isupper() or re.match(r"(?i)(toàn|các|huyện|xã|phường|tỉnh|thành phố|quận|công an)\b", phrase)):
        return None
    return phrase


def _expand_bare_head(text: str, head: str) -> str:
    """"Khối" -> the first fuller name of the document that starts with it."""
    if len(head.split()) > 1:
        return head
    m = re.search(rf"(?<!\w){re.escape(head)}\s+[^\n,;.:()]{{3,80}}", text, re.IGNORECASE)
    if not m:
        return head
    cand = m.group(0)
    stop = _VERB_OR_STOP_RE.search(cand, len(head))
    if stop:
        cand = cand[:stop.start()]
    cand = re.sub(r"\s+(?:Đảng\s+)?(?:ký|kí)$", "", cand.strip())
    return cand.strip() or head


def _bloc_name(text: str) -> str | None:
    """The emulation bloc ("Khối thi đua …", "Cụm thi đua …") a document is about."""
    m = _BLOC_RE.search(text)
    if not m:
        return None
    name = m.group(0)
    stop = _BLOC_STOP_RE.search(name)
    if stop:
        name = name[:stop.start()]
    name = name.strip()
    return name if len(name.split()) >= 3 else None


def _subject(text: str, sent: tuple[int, int], men: Mention, verb_before: re.Match | None) -> str | None:
    s, _e = sent
    # 1. "N đơn vị trong/thuộc/của X"
    m = _OWNER_RE.match(text, men.end)
    if m:
        org = m.group("org")
        stop = _VERB_OR_STOP_RE.search(org)
        if stop:
            org = org[:stop.start()]
        org = org.strip()
        if org:
            return _expand_bare_head(text, org)
    # 2. the noun phrase before the "có" or verb that governs the count
    prefix = text[s:men.start]
    anchor = None
    for a in re.finditer(r"(?<!\w)có(?!\w)", prefix):
        anchor = a.start()
    if verb_before is not None and verb_before.start() >= s:
        va = verb_before.start() - s
        # "X đăng ký … có N …": the verb, not the later "có", ends the subject
        if anchor is None or (va < anchor and "," not in prefix[va:anchor]):
            anchor = va
    if anchor is not None:
        segs = re.split(r"[,;:]|(?<!\w)(?=[Tt]rong (?:số )?đó(?!\w))", prefix[:anchor])
        for seg in reversed(segs):
            if not seg.strip():
                continue
            stripped = _CONNECTIVE_RE.sub("", _LEADING_ADVERBIAL_RE.sub("", seg.strip()))
            if not stripped.strip():
                if _CONNECTIVE_RE.match(seg.strip()) and re.match(r"(?i)\s*(qua đó|từ đó|nhờ đó|theo đó)", seg):
                    continue  # "..., qua đó có 100% ...": the subject is before
                break
            subj = _clean_subject(seg)
            if subj:
                return subj
            break
        return None
    # 3. the count is the subject itself ("Đại diện hội viên 7 xã đã ký cam kết")
    seg = re.split(r"[,;:]", prefix)[-1]
    lead = _REPRESENTATIVE_RE.sub("", _LEADING_ADVERBIAL_RE.sub("", seg.strip()))
    if lead and lead != seg.strip() and lead[:1].islower():
        return f"{lead}{text[men.start:men.end]}".strip()
    return None


def _confidence(men: Mention, mode: str, gap: int) -> float:
    c = {"after": 0.9, "before": 0.9, "breakdown": 0.75, "bare": 0.6}[mode]
    if gap > 45:
        c -= 0.1
    if men.num.words:
        c -= 0.15
    if men.num.total is not None:
        c -= 0.1
    return c


@register("pledges", VERSION)
def extract(doc: Doc, text: Text) -> list[Item]:
    t = text.text
    found: list[tuple[Mention | None, dict, float, int, int]] = []
    since_pledge = 99  # sentences since the last one holding a pledge
    neutral = 0
    prev_subject: str | None = None
    prev_unit: str | None = None
    for s, e in _sentences(t):
        recent = since_pledge <= 2
        if not recent:
            prev_subject, prev_unit = None, None
        sentence_pledged = False
        mentions = _mentions(t, s, e)
        all_verbs = list(_VERB_RE.finditer(t, s, e))
        negated = [v for v in all_verbs if _NEGATION_RE.search(t, max(s, v.start() - 12), v.start())]
        verbs = [v for v in all_verbs if v not in negated]  # "chưa đăng ký" registers nothing
        breakdown = recent and bool(_BREAKDOWN_START_RE.match(t[s:e]))
        last_subject = prev_subject
        for men in mentions:
            mode, gap, verb_before = None, 0, None
            nxt = next((v for v in all_verbs if v.start() >= men.end), None)
            if nxt is not None and nxt in negated and ";" not in t[men.end:nxt.start()] \
                    and "," not in t[men.end:nxt.start()]:
                continue  # "9 đảng viên không đăng ký"
            tail = " ".join(re.split(r"[,;(]", t[men.end:men.end + 40])[0].split()[:5])
            head = " ".join(re.split(r"[,;:(]", t[max(s, men.start - 30):men.start])[-1].split()[-3:])
            # the verb after the count: the count is its subject
            for v in verbs:
                if v.start() < men.end:
                    continue
                between = t[men.end:v.start()]
                if (v.start() - men.end <= MAX_AFTER and ";" not in between and not _blocked(between, True)
                        and not _blocked(head)
                        and not _TOTAL_THEN_PART_RE.search(between)):
                    mode, gap = "after", v.start() - men.end
                break
            # the verb before the count: the count is its object
            if mode is None:
                for v in reversed(verbs):
                    if v.end() > men.start:
                        continue
                    between = t[v.end():men.start]
                    verb_clause = re.split(r"[,;:]", t[s:v.start()])[-1]
                    if (men.start - v.end() <= MAX_BEFORE and ";" not in between
                            and not _blocked(between) and not _blocked(tail)
                            and not _DISTRIBUTIVE_RE.search(verb_clause)
                            and _backward_ok(between, mentions, v.end())):
                        mode, gap, verb_before = "before", men.start - v.end(), v
                    break
            if mode is None and breakdown:
                clause = t[s:men.start].split(";")[-1]
                if not _blocked(clause) and not _blocked(tail):
                    mode, gap = "breakdown", 0
            if mode is None:
                continue
            subject = _subject(t, (s, e), men, verb_before)
            if subject is None and (recent or sentence_pledged):
                subject = last_subject
            if subject is None and fold(men.unit) in ("đơn vị", "cơ quan", "cơ quan, đơn vị"):
                subject = _bloc_name(t)  # the members of an emulation bloc signing its pact
            value = {"value": men.num.value, "kind": men.num.kind, "unit": men.unit, "subject": subject}
            if men.num.total is not None:
                value["total"] = men.num.total
            found.append((men, value, _confidence(men, mode, gap), men.start, men.end))
            sentence_pledged = True
            last_subject = subject or last_subject
            prev_unit = men.unit
        # a bare number right after a verb ("đăng ký mới 52") takes the last unit
        if prev_unit and (sentence_pledged or breakdown):
            for v in verbs:
                m = _BARE_RE.match(t, v.end(), e)
                if not m:
                    continue
                before = t[max(s, v.start() - 25):v.start()]
                if _blocked(before.split(",")[-1]):
                    continue
                n = find_numbers(t, m.start("num"), m.end("num"))
                if not n or n[0].value == 0:
                    continue
                value = {"value": n[0].value, "kind": "count", "unit": prev_unit, "subject": last_subject}
                found.append((None, value, 0.6, m.start("num"), m.end("num")))
                sentence_pledged = True
        if sentence_pledged:
            since_pledge, neutral = 1, 0
            prev_subject = last_subject
        elif mentions or verbs or neutral >= 3:
            since_pledge += 1
        else:
            neutral += 1  # a caption or a sentence without counts does not break a report
    # one item per distinct value: keep the best evidenced
    best: dict[str, tuple] = {}
    for men, value, conf, start, end in found:
        key = f"{value['kind']}:{value['value']}:{fold(value['unit'])}"
        old = best.get(key)
        if old is None or (conf, len(value["subject"] or "")) > (old[2], len(old[1]["subject"] or "")):
            if old is not None and value["subject"] is None:
                value = dict(value, subject=old[1]["subject"])
            best[key] = (men, value, conf, start, end)
        elif old[1]["subject"] is None and value["subject"] is not None:
            best[key] = (old[0], dict(old[1], subject=value["subject"]), old[2], old[3], old[4])
    items = []
    for men, value, conf, start, end in sorted(best.values(), key=lambda x: x[3]):
        items.append(make_item("pledges", value, start, end, conf, text, NAME, VERSION))
    return items
