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
5. the subject is "X" of "N đơn vị trong/thuộc/của X" (a lower-case owner
   when it starts with a unit noun: "của khối các cơ quan tỉnh"), else the
   noun phrase before the verb or "có" governing the count, past adverbial
   openers (``subject_openers``: "Theo …", "Qua …", "Tính đến …", "Trong
   năm …") and within its ";" clause, else the subject of the pledge it
   breaks down, else the unit the clause opens with (a fallback);
6. lists: a sentence ending in ":" that holds an unnegated registration
   verb with no award word after it ("Kết quả đăng ký thi đua cụ thể như
   sau:"), or "Kết quả như sau:" right after a registration sentence, or
   the ":" after such a verb inside a sentence, governs the counts that open
   the list items that follow (bullets, numbered or lettered lines, "label:
   N unit", "label: N" whose label starts with a unit noun) until a line of
   another shape or a count-less section heading; an item with an award,
   recognition (``pledge_award_words``), negation or blocker is left out;
7. a negation or withdrawal ("chưa", "không", "xin rút") between a count and
   its verb, or right before the verb, blocks it; so does another sense of
   the verb (``pledge_other_senses``: "đăng ký kết hôn", "ký kết hợp đồng");
8. a verb never reaches past a nearer number to a farther count except
   through a coordination or breakdown; a bare number or share coordinated
   with a mention right before a verb ("… và 100% đăng ký") takes the
   mention's unit; "Số/Tỷ lệ <unit> đăng ký …: N" takes the label's unit;
   "N trên tổng số M <unit>" is N of the unit out of M;
9. confidence comes from the evidence: 0.93 only for a verb right next to
   its count (fillers only between) in a sentence without negation, award,
   target or change words; less for a farther verb, a list, a breakdown, a
   borrowed unit, a fallback subject, a possibly cut unit, number words or
   a ratio.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc

from extractors import register
from extractors.base import fold, lexicon_regex, make_item
from extractors.models import sentence_spans
from extractors.numbers import NumberMatch, find_numbers
from pipeline.model import Item, Text

VERSION = "1.4.0"
NAME = "pledges"

_UNIT = lexicon_regex("pledge_units")
_UNIT_RE = re.compile(rf"\s*(?:(?:các|những)\s+)?(?P<unit>(?:lượt\s+)?(?:{_UNIT}))(?!\w)", re.IGNORECASE)
_COORD_RE = re.compile(rf"(?:\s*,\s*|\s+và\s+)(?P<unit>{_UNIT})(?!\w)", re.IGNORECASE)
_VERB_RE = re.compile(
    rf"(?<!\w)(?:{lexicon_regex('pledge_verbs')})(?!\w)"
    rf"(?!\s+(?:(?:để|việc|các|những)\s+)?(?:{lexicon_regex('pledge_other_senses')})(?!\w))", re.IGNORECASE)
_BLOCK_RE = re.compile(
    rf"(?<!\w)(?:{lexicon_regex('pledge_blockers')})(?!\w)(?! cường| đổi| quyền)", re.IGNORECASE)
_COORDINATED_BLOCKER_RE = re.compile(
    rf"(?<!\w)(?:{lexicon_regex('pledge_blockers')})(?:\s+mới)?\s*(?:,|và)\s*$", re.IGNORECASE)
_NEGATION_RE = re.compile(r"(?<!\w)(?:chưa|không|không được|chưa được)\s+$", re.IGNORECASE)
# a negation anywhere between a count and its verb ("… chưa gửi bản đăng ký"),
# not the "không chỉ … mà còn" / "không ngừng" idioms
_NEG_WORD_RE = re.compile(
    r"(?<!\w)(?:(?:chưa|không)(?!\w)(?!\s+(?:chỉ|những|ngừng|ngại)(?!\w))|(?:xin rút|rút|hủy|huỷ|từ chối)(?!\w))",
    re.IGNORECASE)
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
# "97% đảng viên của khối các cơ quan tỉnh": a lower-case owner that starts with a unit noun
_OWNER_LOWER_RE = re.compile(
    rf"\s+(?:thuộc|trực thuộc|của)\s+(?P<org>(?:toàn\s+)?(?:khối|{lexicon_regex('org_heads')})\s[^,;:.()\n]{{2,80}})")
_BARE_RE = re.compile(r"\s+(?:mới|thêm)?\s*(?P<num>\d{1,3}(?:\.\d{3})+|\d+)(?![\d%/\w]|[.,]\d)")
_LEADING_ADVERBIAL_RE = re.compile(
    r"^(?:\([^)]{0,40}\)\s*[-–—]?\s*|date \S+\s+|[Nn]ăm \d{4}\s*|[Nn]gày \d{1,2}[/-]\d{1,2}(?:[/-]\d{2,4})?\s*"
    r"|[Đđ]ến nay\s*|[-–—]\s*)+")
# openers that are adverbials, not subjects ("Theo giao ước thi đua", "Qua đợt
# sinh hoạt", "Tính đến ngày 30/6", "Trong năm 2024", "Sau hội nghị")
_OPENER_RE = re.compile(rf"^(?:{lexicon_regex('subject_openers')})(?!\w)", re.IGNORECASE)
# the subject inside an opener clause written without a comma ("Trong năm 2024 toàn huyện có …")
_INNER_SUBJECT_RE = re.compile(r"(?<!\w)(?:toàn|cả|tất cả)\s+\w", re.IGNORECASE)
_TIME_OPENER_RE = re.compile(
    r"^(?:(?:[Tt]rong|[Tt]ính đến|[Đđ]ến|[Ss]au|[Tt]ừ|[Cc]ho đến|[Hh]ết)\s+)?"
    r"(?:(?:năm|tháng|quý|ngày|hết|cuối|đầu|thời điểm|nay|hiện tại|này|qua)\s*[\d/.-]*\s*)+")
# awards, recognitions, admissions and attendance: never a pledge, even in a
# list under a registration heading
_AWARD_RE = re.compile(rf"(?<!\w)(?:{lexicon_regex('pledge_award_words')})(?!\w)", re.IGNORECASE)
# a line of a list: a bullet, a numbered or lettered item, or "label: N …"
_LIST_LINE_RE = re.compile(
    r"^\s*(?:[-–—+•*·▪●◦]\s*|\(?\d{1,2}[.)]\s+|\(?[a-zđ][.)]\s+|[IVX]{1,4}[.)]\s+)"
    r"|^\s*[^:\n]{2,80}:\s*(?:(?:khoảng|gần|hơn|trên|có)\s+)?\d")
_LIST_MARKER_RE = re.compile(r"^\s*\(?(?:\d{1,2}|[a-zđ]|[IVX]{1,4})[.)]\s*$")
_LABEL_RE = re.compile(r"^\s*(?:[-–—+•*·▪●◦]|\(?\d{1,2}[.)]|\(?[a-zđ][.)]|[IVX]{1,4}[.)])?\s*(?P<label>[^:\n]{2,80}):")
_LABEL_BARE_RE = re.compile(
    rf"^\s*(?:[-–—+•*·▪●◦]|\(?\d{{1,2}}[.)]|\(?[a-zđ][.)])?\s*(?P<head>{_UNIT})(?!\w)[^:\n]{{0,80}}:\s*"
    r"(?:(?:khoảng|gần|hơn|trên)\s+)?(?P<num>\d{1,3}(?:\.\d{3})+|\d+)\s*[;.,]?\s*$", re.IGNORECASE)
# a bare number or share coordinated with a mention, right before its verb:
# "… và 100% đăng ký phấn đấu"
_COORD_BARE_RE = re.compile(
    r"(?:,|(?<!\w)và)\s*(?:(?:gần|hơn|trên|khoảng)\s+)?(?P<num>\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?)"
    r"(?P<pct>\s?%)?\s*(?:(?:đã|đều|cùng|cũng|tự nguyện|được)\s+)*$", re.IGNORECASE)
# "Số tập thể đăng ký: 245", "Tỷ lệ đảng viên đăng ký nêu gương đạt 98,5%": the
# unit is named in the label before the registration verb, the number stands bare
_LABELLED_RE = re.compile(
    rf"(?:(?<!\w)(?P<lab>[Ss]ố|[Tt]ổng số|[Ss]ố lượng|[Tt]ỷ lệ|[Tt]ỉ lệ)\s+|^\s*(?:[-–—+•*·▪●◦]\s*)?)"
    rf"(?P<unit>(?:{_UNIT}))\s+(?:đã\s+|được\s+)?"
    rf"(?P<verb>{lexicon_regex('pledge_verbs')})(?!\w)(?P<rest>[^:;.!?\n]{{0,60}}?)\s*(?::|(?<!\w)là(?!\w)|(?<!\w)đạt(?!\w))\s*"
    r"(?:(?:gần|hơn|trên|khoảng)\s+)?(?P<num>\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?)(?P<pct>\s?%)?(?![\d\w/])",
    re.IGNORECASE)
_RESULT_HEADING_RE = re.compile(r"^\s*(?:[Kk]ết quả|[Cc]ụ thể|[Ss]ố lượng)(?:\s+(?:cụ thể|đạt được|đăng ký))*\s*(?:như sau|gồm|là)?\s*:\s*$")
_BUSINESS_UNIT_RE = re.compile(r"(?:lượt\s+)?(?:doanh nghiệp|hộ kinh doanh|hợp tác xã|tổ hợp tác)", re.IGNORECASE)
_PLEDGE_COMPLEMENT_RE = re.compile(
    r"\s+(?:(?:đã|và|,)\s+)?(?:thi đua|xây dựng|nêu gương|làm theo|học tập|mô hình|thực hiện|giao ước|cam kết|"
    r"danh hiệu|phấn đấu|tham gia|chương trình|phong trào|các nội dung|nội dung)(?!\w)", re.IGNORECASE)
_RISKY_RE = re.compile(r"(?<!\w)(?:chỉ tiêu|mục tiêu|kế hoạch đề ra|phấn đấu đến|tăng|giảm|so với|mỗi|từng|ít nhất|sẽ|dự kiến)(?!\w)",
                       re.IGNORECASE)
_AT_UNIT_RE = re.compile(
    rf"^(?:[Tt]ại|[Ở]|[Đđ]ối với)\s+(?=(?:{lexicon_regex('org_heads')})(?!\w)(?!\s+(?:nghị|thảo|thi|diễn)(?!\w)))",
    re.IGNORECASE)
_ITEM_LEAD_RE = re.compile(
    r"[\s\-–—+•*·▪●◦]*(?:\(?(?:\d{1,2}|[a-zđ]|[IVX]{1,4})[.)]\s*)?(?:(?:có|gồm|khoảng|gần|hơn|trên|tổng số|với)\s+)*",
    re.IGNORECASE)
_YEAR_LEAD_RE = re.compile(r"^(?:19|20)\d{2}(?!\d)\s*,?\s*")
_COORD_WORDS = frozenset("và cùng với hoặc cũng như".split())
_TOTAL_OF_RE = re.compile(r"(?<!\w)(?:trên|trong)\s+tổng\s+số|/", re.IGNORECASE)
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


_OUT_OF_RE = re.compile(r"\s+(?:trên|trong)\s+(?:tổng\s+)?số\s+(?=\d)", re.IGNORECASE)


def _mentions(text: str, s: int, e: int) -> list[Mention]:
    out = []
    nums = find_numbers(text, s, e)
    skip: set[int] = set()
    for i, n in enumerate(nums):
        if n.start in skip:
            continue
        if _ORDINAL_BEFORE_RE.search(text, max(0, n.start - 8), n.start):
            continue  # "Cụm thi đua số 10", "Chi bộ số 3": a name, not a count
        # "56 trên tổng số 80 chi bộ": 56 of the unit, out of 80
        o = _OUT_OF_RE.match(text, n.end, e)
        if o and i + 1 < len(nums) and nums[i + 1].start == o.end() and n.kind == "count":
            m = _UNIT_RE.match(text, nums[i + 1].end, e)
            if m and m.group("unit")[0].islower():
                skip.add(nums[i + 1].start)
                n = NumberMatch(n.start, n.end, n.value, n.kind, nums[i + 1].value, n.approx, n.words)
                out.append(Mention(n, m.group("unit"), m.start("unit"), m.end("unit")))
                continue
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


_UNIT_FOLLOWERS = frozenset(
    "đã đang sẽ vừa đều cùng cũng có là được và hoặc với của trong thuộc trực tại ở cấp trên toàn tham "
    "tự thực hiện đăng kí ký cam giao xây nêu làm học trở mới thêm chưa không còn này đó nói chung riêng "
    "tiêu biểu điển hình khác gồm như theo".split())


def _unit_cut(text: str, men: Mention) -> bool:
    """A lower-case word right after the unit that usually does not follow a
    counted noun: the unit may be cut short ("công nhân" of "công nhân viên chức")."""
    m = re.match(r" ([a-zđà-ỹ]+)", text[men.end:men.end + 20])
    return bool(m) and m.group(1) not in _UNIT_FOLLOWERS and not _VERB_RE.match(text, men.end + 1)


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


def _strip_opener(phrase: str) -> str | None:
    """``phrase`` without a leading adverbial or prepositional opener
    ("Trong năm 2024 toàn huyện" -> "toàn huyện"); None when the opener is
    the whole phrase ("Theo giao ước thi đua")."""
    phrase = phrase.strip()
    at = _AT_UNIT_RE.match(phrase)
    if at:
        return phrase[at.end():]  # "Tại Đảng bộ xã X": the unit
    if not _OPENER_RE.match(phrase):
        return phrase
    inner = _INNER_SUBJECT_RE.search(phrase)
    if inner:
        return phrase[inner.start():]
    t = _TIME_OPENER_RE.match(phrase)
    if t and t.end() < len(phrase):
        rest = phrase[t.end():].strip()
        if rest[:1].isupper() and not _OPENER_RE.match(rest):
            return rest  # "Năm 2024 Đảng bộ xã …"
    return None


def _clean_subject(phrase: str) -> str | None:
    phrase = re.sub(r"\([^)]*\)", " ", phrase)
    phrase = _LEADING_ADVERBIAL_RE.sub("", phrase.strip())
    phrase = _YEAR_LEAD_RE.sub("", _CONNECTIVE_RE.sub("", phrase))
    phrase = _strip_opener(phrase) or ""
    phrase = _REPRESENTATIVE_RE.sub("", phrase)
    phrase = _LEADING_STOP_RE.sub("", phrase)
    m = _VERB_OR_STOP_RE.search(phrase)
    if m:
        phrase = phrase[:m.start()]
    phrase = re.sub(r"\s+", " ", phrase).strip(" ,;:-–—")
    if not phrase or len(phrase.split()) > 14 or _OPENER_RE.fullmatch(phrase):
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
    m = _OWNER_RE.match(text, men.end) or _OWNER_LOWER_RE.match(text, men.end)
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
        # a clause after ";" is a new one: its subject is not before the ";"
        clause = prefix[:anchor].split(";")[-1]
        segs = re.split(r"[,:]|(?<!\w)(?=[Tt]rong (?:số )?đó(?!\w))", clause)
        for seg in reversed(segs):
            if not seg.strip():
                continue
            stripped = _YEAR_LEAD_RE.sub("", _CONNECTIVE_RE.sub("", _LEADING_ADVERBIAL_RE.sub("", seg.strip())))
            if not stripped.strip() and _LEADING_ADVERBIAL_RE.fullmatch(seg.strip()):
                continue  # "Đảng ủy X, năm 2024, có …": a time between the subject and its verb
            if not stripped.strip():
                if _CONNECTIVE_RE.match(seg.strip()) and re.match(r"(?i)\s*(qua đó|từ đó|nhờ đó|theo đó)", seg):
                    continue  # "..., qua đó có 100% ...": the subject is before
                break
            if _strip_opener(stripped) is None:
                continue  # "Đảng bộ X, theo giao ước thi đua, có …": the subject is before
            subj = _clean_subject(seg)
            if subj:
                return subj
            break
        return None
    # 3. the count is the subject itself ("Đại diện hội viên 7 xã đã ký cam kết")
    seg = re.split(r"[,;:]", prefix)[-1]
    adv = _LEADING_ADVERBIAL_RE.sub("", seg.strip())
    lead = _REPRESENTATIVE_RE.sub("", adv)
    if lead and lead != adv and lead[:1].islower() and not _VERB_OR_STOP_RE.search(lead):
        return f"{lead.strip()} {text[men.start:men.end]}".strip()
    return None


_ORG_START_RE = re.compile(
    rf"^(?:toàn|cả|(?:tất cả\s+)?các\s+(?:cấp|{_UNIT})(?!\w)|"
    rf"(?:{lexicon_regex('org_heads')})(?!\w)(?!\s+(?:nghị|thảo|thi|diễn|viên)(?!\w)))", re.IGNORECASE)
_AUX_WORDS = frozenset("đã đều cùng cũng tự nguyện được đồng loạt tiến hành tổ chức".split())


def _first_phrase(segments) -> str | None:
    """The cleaned subject phrase of the first clause segment that has one,
    past adverbial openers and connectives."""
    for seg in segments:
        seg = _CONNECTIVE_RE.sub("", _LEADING_ADVERBIAL_RE.sub("", seg.strip())).strip()
        if not seg:
            continue
        st = _strip_opener(seg)
        if st is None:
            continue
        return _clean_subject(st)
    return None


def _topic(text: str, s: int, upto: int) -> str | None:
    """The unit a clause is about: its first phrase, past adverbial openers,
    when that phrase names a unit ("Đảng ủy xã …", "toàn huyện")."""
    subj = _first_phrase(re.split(r"[,;:]", text[s:upto]))
    return subj if subj and _ORG_START_RE.match(subj) else None


def _heading_subject(text: str, s: int, verb: re.Match) -> str | None:
    """Who registers in a heading sentence ("Đảng bộ X đăng ký thi đua như sau:")."""
    subj = _first_phrase(reversed(re.split(r"[,;:]", text[s:verb.start()])))
    # "đại diện 7 đơn vị đã ký … với các nội dung:": the counted units are not the list's subject
    return subj if subj and not subj[0].isdigit() else None


def _list_item_ok(text: str, s: int, e: int, pos: int, mentions: list[Mention] | None = None) -> bool:
    """Whether the count at ``pos`` on a list line (or an inline list item)
    may be a registration: no award or recognition on its item, no negation,
    no blocker in the count part (the label before a colon may name a title)."""
    lo = max(s, max(text.rfind(c, s, pos) for c in ";\n") + 1)
    dash = max(text.rfind(" - ", lo, pos), text.rfind(" + ", lo, pos))
    if dash >= 0:
        lo = dash + 2
    hi = min([x for x in (text.find(";", pos, e), text.find(" - ", pos, e)) if x >= 0] or [e])
    piece = text[lo:hi]
    if _AWARD_RE.search(piece) or _NEG_WORD_RE.search(piece):
        return False
    rel = pos - lo
    colon = piece.rfind(":", 0, rel)
    count_part = piece[colon + 1:] if colon >= 0 else piece
    # the count opens its item ("- 245 tập thể", "label: 245 tập thể"); a count
    # inside a narrative item ("- Tổ chức 15 buổi cho 2.300 hội viên") is not read
    lead_start = lo + colon + 1 if colon >= 0 else lo
    lead = list(text[lead_start:pos])
    for m in mentions or ():
        if lead_start <= m.start and m.end <= pos:  # "- Cấp tỉnh: 615 tập thể, 410 cá nhân"
            lead[m.start - lead_start:m.end - lead_start] = " " * (m.end - m.start)
    lead = re.sub(r"(?:,|(?<!\w)và(?!\w))", " ", "".join(lead))
    if not _ITEM_LEAD_RE.fullmatch(lead):
        return False
    return not _blocked(count_part)


def _closer_number_between(text: str, lo: int, hi: int, mentions: list[Mention]) -> bool:
    """A number nearer to the verb than the count, after words that are not
    a coordination: "99% hội viên được học tập và 100% đăng ký" — the verb
    governs the 100%, not the 99%."""
    seg = re.sub(r"\([^()]*\)", lambda m: " " * len(m.group(0)), text[lo:hi])
    if _TOTAL_OF_RE.search(seg):
        return False
    for n in find_numbers(seg):
        if n.kind == "count" and re.fullmatch(r"(?:19|20)\d{2}", seg[n.start:n.end]):
            continue  # a year
        if _ORDINAL_BEFORE_RE.search(seg, max(0, n.start - 8), n.start):
            continue  # "Cụm thi đua số 3": a name
        if [w for w in _leftover_words(seg[:n.start], mentions, lo) if w.lower() not in _COORD_WORDS]:
            return True
        return False
    return False


_COORD_GAP_RE = re.compile(
    r"[\s,:()\-–]*(?:(?:và|cùng|hoặc|trong đó|trong số đó|có|gồm|bao gồm|cụ thể|là)(?!\w)[\s,:()\-–]*)*")


def _coordinated_after(text: str, verb_end: int, men: Mention, mentions: list[Mention]) -> bool:
    """A verb reaches a count past a nearer count only through a coordination
    or a breakdown ("đăng ký 512 cá nhân, 38 chi bộ, trong đó có 17 mô hình"),
    not through other words ("đăng ký 12 mô hình với 300 hội viên tham gia")."""
    prior = [m for m in mentions if m.start >= verb_end and m.end <= men.start]
    if not prior:
        return True
    gap = re.sub(r"\([^()]*\)", " ", text[prior[-1].end:men.start])
    return bool(_COORD_GAP_RE.fullmatch(gap))


def _confidence(men: Mention | None, mode: str, tight: bool, gap: int, risky: bool,
                fallback_subject: bool, cut: bool = False) -> float:
    """Confidence from the evidence: only a registration verb right next to
    its count, in a sentence with no negation, award or blocker word, gets
    0.9 or more."""
    if mode in ("after", "before"):
        c = 0.93 if tight else (0.85 if gap <= 45 else 0.75)
    else:
        c = {"list": 0.8, "breakdown": 0.75, "bare": 0.6, "coord": 0.65, "label": 0.6, "labelled": 0.8}[mode]
    if risky:
        c -= 0.08
    if fallback_subject:
        c -= 0.03
    if cut:
        c -= 0.08
    if men is not None:
        if men.num.words:
            c -= 0.15
        if men.num.total is not None:
            c -= 0.1
        if men.num.approx in ("tới", "đến"):
            c -= 0.05
    return c


@register("pledges", VERSION)
def extract(doc: Doc, text: Text) -> list[Item]:
    t = text.text
    found: list[tuple[Mention | None, dict, float, int, int]] = []
    since_pledge = 99  # sentences since the last one holding a pledge
    neutral = 0
    prev_subject: str | None = None
    prev_unit: str | None = None
    prev_topic: str | None = None  # the unit the previous sentence is about
    list_on = False  # inside a list under a registration heading
    list_subject: str | None = None
    marker = False  # the previous sentence was a bare list marker ("2.")
    prev_verb = False  # the previous sentence holds a registration verb
    prev_verb_topic: str | None = None
    for s, e in _sentences(t):
        sent = t[s:e]
        if list_on and _LIST_MARKER_RE.match(sent):
            marker = True
            continue
        is_list_line = list_on and (marker or bool(_LIST_LINE_RE.match(sent)))
        marker = False
        if is_list_line and not re.search(r"\d", sent):
            if not sent.rstrip().endswith(":"):
                is_list_line = False  # a line without a count: a new section
            elif _AWARD_RE.search(sent) or _blocked(sent):
                is_list_line = False  # "2. Kết quả khen thưởng:" ends the registrations
        if list_on and not is_list_line:
            list_on = False
        recent = since_pledge <= 2
        if not recent:
            prev_subject, prev_unit = None, None
        sentence_pledged = False
        mentions = _mentions(t, s, e)
        all_verbs = list(_VERB_RE.finditer(t, s, e))
        negated = [v for v in all_verbs if _NEGATION_RE.search(t, max(s, v.start() - 12), v.start())]
        verbs = [v for v in all_verbs if v not in negated]  # "chưa đăng ký" registers nothing
        breakdown = recent and bool(_BREAKDOWN_START_RE.match(sent))
        # a negation, an award or a target in the sentence: the count may be one of those
        risky = bool(_NEG_WORD_RE.search(sent) or _AWARD_RE.search(sent) or _RISKY_RE.search(sent))
        # an inline list: "… đăng ký … như sau: - A: 12 tập thể; - B: 30 cá nhân"
        inline_from = None
        for v in verbs:
            colon = t.find(":", v.end(), e)
            if colon >= 0 and colon - v.end() <= 90 and not _AWARD_RE.search(t, v.end(), colon) \
                    and not any(v.end() <= m.start < colon for m in mentions):
                inline_from = colon
                break
        topic = _topic(t, s, e)
        last_subject = prev_subject
        for men in mentions:
            mode, gap, verb_before, tight = None, 0, None, False
            nxt = next((v for v in all_verbs if v.start() >= men.end), None)
            if nxt is not None and nxt in negated and ";" not in t[men.end:nxt.start()] \
                    and "," not in t[men.end:nxt.start()]:
                continue  # "9 đảng viên không đăng ký"
            if nxt is not None and nxt.start() - men.end <= MAX_AFTER and ";" not in t[men.end:nxt.start()] \
                    and _NEG_WORD_RE.search(t, men.end, nxt.start()):
                continue  # "12 chi bộ và 370 đảng viên chưa gửi bản đăng ký"
            tail = " ".join(re.split(r"[,;(]", t[men.end:men.end + 40])[0].split()[:5])
            head = " ".join(re.split(r"[,;:(]", t[max(s, men.start - 30):men.start])[-1].split()[-3:])
            # "đã tặng giấy khen cho 30 đảng viên đã đăng ký …": the count is awarded
            clause_before = re.split(r"[,;:]", t[s:men.start])[-1]
            # the verb after the count: the count is its subject
            for v in verbs:
                if v.start() < men.end:
                    continue
                between = t[men.end:v.start()]
                if (v.start() - men.end <= MAX_AFTER and ";" not in between and not _blocked(between, True)
                        and not _blocked(head) and not _AWARD_RE.search(clause_before)
                        and not _TOTAL_THEN_PART_RE.search(between)
                        and not _closer_number_between(t, men.end, v.start(), mentions)):
                    mode, gap = "after", v.start() - men.end
                    left = [w for w in _leftover_words(between, mentions, men.end) if w.lower() not in _AUX_WORDS]
                    tight = gap <= 40 and len(left) <= 1
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
                            and _backward_ok(between, mentions, v.end())
                            and _coordinated_after(t, v.end(), men, mentions)):
                        mode, gap, verb_before = "before", men.start - v.end(), v
                        # "ký giao ước với 4 đơn vị": partners, perhaps not signers
                        tight = (gap <= 30 and not _leftover_words(between, mentions, v.end())
                                 and not re.search(r"(?<!\w)(?:với|cùng)(?!\w)", between))
                    break
            label_doubt = False
            if mode is None and (is_list_line or (inline_from is not None and men.start > inline_from)):
                if _list_item_ok(t, s, e, men.start, mentions):
                    mode = "list"
                    lab = _LABEL_RE.match(t, s, e)
                    label_doubt = bool(lab and _blocked(lab.group("label")))
            if mode is None and breakdown:
                clause = t[s:men.start].split(";")[-1]
                if not _blocked(clause) and not _blocked(tail):
                    mode, gap = "breakdown", 0
            if mode is None:
                continue
            if _BUSINESS_UNIT_RE.fullmatch(men.unit) and mode in ("after", "before", "list"):
                v_ = verb_before or next((v for v in verbs if v.start() >= men.end), None)
                if v_ is None or not _PLEDGE_COMPLEMENT_RE.match(t, v_.end()):
                    continue  # "15 doanh nghiệp đăng ký mới": a business registration
            subject = _subject(t, (s, e), men, verb_before)
            fallback = False
            if subject is None and mode == "list":
                subject, fallback = list_subject, True
            if subject is None and (recent or sentence_pledged):
                subject, fallback = last_subject, True
            if subject is None and topic and mode in ("after", "before") and not t[s:men.start].strip() == "":
                subject, fallback = topic, True  # the unit the clause is about
            if subject is None and fold(men.unit) in ("đơn vị", "cơ quan", "cơ quan, đơn vị"):
                subject, fallback = _bloc_name(t), True  # the members of an emulation bloc signing its pact
            value = {"value": men.num.value, "kind": men.num.kind, "unit": men.unit, "subject": subject}
            if men.num.total is not None:
                value["total"] = men.num.total
            conf = _confidence(men, mode, tight, gap, risky, fallback and subject is not None, _unit_cut(t, men))
            if label_doubt:
                conf -= 0.1  # "- Hoàn thành tốt nhiệm vụ: 40 đảng viên": a title registered, or a rating
            found.append((men, value, conf, men.start, men.end))
            sentence_pledged = True
            last_subject = subject or last_subject
            prev_unit = men.unit
        # "- Tập thể lao động tiên tiến: 245" on a list line: the label's head noun is the unit
        if is_list_line and not mentions:
            lb = _LABEL_BARE_RE.match(sent)
            if lb and _list_item_ok(t, s, e, s + lb.start("num")):
                n = find_numbers(t, s + lb.start("num"), s + lb.end("num"))
                if n and n[0].value:
                    unit = lb.group("head")
                    unit = unit[0].lower() + unit[1:]
                    value = {"value": n[0].value, "kind": "count", "unit": unit, "subject": list_subject}
                    found.append((None, value, _confidence(None, "label", False, 0, risky, True),
                                  s + lb.start("num"), s + lb.end("num")))
                    sentence_pledged = True
        # "Số tập thể đăng ký: 245" / "Tỷ lệ đảng viên đăng ký … đạt 98%"
        for lm in _LABELLED_RE.finditer(sent):
            lm = _LABELLED_RE.match(t, s + lm.start(), e) if lm.group("lab") else _LABELLED_RE.match(t, s, e)
            if lm is None:
                continue
            if _NEG_WORD_RE.search(t, lm.start(), lm.start("num")) or _blocked(lm.group("rest")) \
                    or _AWARD_RE.search(lm.group("rest")):
                continue
            lab = (lm.group("lab") or "").lower()
            if lab and (lab[:2] in ("tỷ", "tỉ")) != bool(lm.group("pct")):
                continue  # a rate is a share, a number of units is a count
            if any(m.start == lm.start("num") for m in mentions):
                continue  # "… là 245 đồng chí": read as a mention already
            n = next((x for x in find_numbers(t, lm.start("num"), lm.end()) if x.start == lm.start("num")), None)
            if n is None or not n.value:
                continue
            subject = last_subject or topic
            unit = lm.group("unit") if lab else lm.group("unit")[0].lower() + lm.group("unit")[1:]
            value = {"value": n.value, "kind": n.kind, "unit": unit, "subject": subject}
            found.append((None, value, _confidence(None, "labelled", False, 0, risky, subject is not None),
                          n.start, n.end))
            sentence_pledged = True
            prev_unit = unit
        # a bare number coordinated with a mention right before a verb ("… và 100% đăng ký")
        men_starts = {m.start for m in mentions}
        for v in verbs:
            cb = _COORD_BARE_RE.search(t[max(s, v.start() - 60):v.start()])
            if not cb:
                continue
            ns = max(s, v.start() - 60) + cb.start("num")
            if ns in men_starts:
                continue
            earlier = [m for m in mentions if m.end <= ns]
            if not earlier:
                continue
            n = next((x for x in find_numbers(t, ns, v.start()) if x.start == ns), None)
            if n is None or not n.value or re.fullmatch(r"(?:19|20)\d{2}", t[n.start:n.end]):
                continue
            if _blocked(t[ns:v.start()]) or _NEG_WORD_RE.search(t, ns, v.start()):
                continue
            same = [m for m in earlier if m.num.kind == n.kind] or earlier
            src = same[-1]
            subject = _subject(t, (s, e), src, None) or last_subject or topic
            value = {"value": n.value, "kind": n.kind, "unit": src.unit, "subject": subject}
            found.append((None, value, _confidence(None, "coord", False, 0, risky, False), n.start, n.end))
            sentence_pledged = True
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
                found.append((None, value, _confidence(None, "bare", False, 0, risky, False),
                              m.start("num"), m.end("num")))
                sentence_pledged = True
        # a heading that announces a list of registrations ("Kết quả đăng ký thi đua như sau:")
        if sent.rstrip().endswith(":"):
            colon = s + len(sent.rstrip()) - 1
            hv = next((v for v in verbs if not _AWARD_RE.search(t, v.end(), colon)), None)
            if hv is not None and not _NEG_WORD_RE.search(t, max(s, hv.start() - 20), colon):
                list_on = True
                list_subject = _heading_subject(t, s, hv) or topic or last_subject or prev_topic
            elif (recent or sentence_pledged) and _BREAKDOWN_START_RE.match(sent):
                list_on = True  # "Cụ thể như sau:" after a pledge
                list_subject = last_subject
            elif hv is None and prev_verb and not verbs and _RESULT_HEADING_RE.match(sent) \
                    and not _AWARD_RE.search(sent):
                # "… tổ chức cho đảng viên đăng ký. Kết quả như sau:"
                list_on = True
                list_subject = topic or last_subject or prev_verb_topic
        prev_verb = bool(verbs) and not _AWARD_RE.search(sent)
        prev_verb_topic = topic
        if sentence_pledged:
            since_pledge, neutral = 1, 0
            prev_subject = last_subject
        elif mentions or verbs or neutral >= 3:
            since_pledge += 1
        else:
            neutral += 1  # a caption or a sentence without counts does not break a report
        prev_topic = topic  # the previous sentence's only
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
