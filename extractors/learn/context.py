"""What every suggester and feature function shares: one document's words,
POS tags, sentences, lines and lexicon classes, indexed for quick lookups.

A ``DocContext`` is built once per document from the normalized ``Text``, the
spaCy ``Doc`` of ``pipeline.nlp`` (underthesea words, POS in ``tag_``) and the
rule extractors' items. Lexicon classes are words of the language (the
registration verbs, award words, event nouns, organization heads …) found
once over the whole text; feature functions ask "is there one between these
offsets", "how far back is the nearest one".
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass

from spacy.tokens import Doc

from extractors.base import lexicon
from pipeline.model import Item, Text

#: Lexicon classes: name -> lexicon files (extractors/lexicons) and inline words.
#: Every entry is a word or phrase of Vietnamese, never a document's unit or name.
_CLASS_LEXICONS: dict[str, tuple[str, ...]] = {
    "reg": ("pledge_verbs",),
    "block": ("pledge_blockers",),
    "award": ("pledge_award_words",),
    "sense": ("pledge_other_senses",),
    "filler": ("pledge_fillers",),
    "unit": ("pledge_units",),
    "event": ("event_nouns",),
    "mverb": ("meeting_verbs",),
    "orghead": ("org_heads", "body_heads"),
    "doctype": ("doc_types",),
    "mtrig": ("model_triggers",),
    "theme": ("theme_heads",),
    "campaign": ("theme_campaign_nouns",),
    "place": ("place_words",),
    "role": ("role_heads",),
    "honor": ("person_honorifics",),
}
_CLASS_WORDS: dict[str, tuple[str, ...]] = {
    "neg": ("chưa", "không", "xin rút", "rút", "hủy", "không có"),
    "future": ("sẽ", "dự kiến", "phấn đấu", "mục tiêu", "chỉ tiêu", "đề ra", "kế hoạch", "định hướng"),
    "breakdown": ("trong đó", "bao gồm", "gồm", "cụ thể", "trong số đó", "riêng", "gồm có"),
    "result": ("đạt", "hoàn thành", "được công nhận", "thực hiện được", "xây dựng được", "đạt chuẩn", "đạt danh hiệu"),
    "total": ("tổng số", "trên tổng số", "trên tổng", "tổng cộng", "trong tổng số"),
    "attend": ("tham dự", "dự", "có mặt", "tới dự", "về dự", "đại biểu"),
    "have": ("có", "với", "gồm", "là"),
    "share": ("chiếm", "tỷ lệ", "tỉ lệ", "đạt tỷ lệ", "đạt tỉ lệ"),
    "build": ("xây dựng", "thực hiện", "triển khai", "duy trì", "nhân rộng", "ra mắt"),
    "model": ("mô hình", "điển hình", "cách làm hay", "gương điển hình", "cách làm", "sáng kiến"),
    "quoteword": ("chủ đề", "chuyên đề", "khẩu hiệu", "phương châm", "thông điệp", "danh hiệu", "cuộc vận động",
                  "phong trào", "chương trình", "đề án", "cuộc thi", "hội thi", "giải", "tiêu chí", "tác phẩm"),
    "time": ("sáng", "chiều", "tối", "trưa", "ngày", "hôm nay", "vừa qua", "mới đây"),
    "passive": ("được tổ chức", "diễn ra", "đã diễn ra", "được diễn ra", "khai mạc", "bế mạc"),
    "of": ("của", "thuộc", "trực thuộc", "tại", "ở"),
    "agent": ("do",),
}


@functools.lru_cache(maxsize=None)
def class_regex(name: str) -> re.Pattern:
    words = set(_CLASS_WORDS.get(name, ()))
    for lex in _CLASS_LEXICONS.get(name, ()):
        words.update(lexicon(lex))
    alts = "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))
    return re.compile(rf"(?<!\w)(?:{alts})(?!\w)", re.IGNORECASE)


CLASSES = tuple(sorted(set(_CLASS_LEXICONS) | set(_CLASS_WORDS)))

LIST_MARKER_RE = re.compile(r"^[ \t]*(?:[-–•+*·]|\d{1,2}\s*[.)/]|[a-zđ]\s*[.)]|[IVX]{1,4}\s*[.)/])\s+")
CLAUSE_PUNCT = ",;:()"
NOUNISH = frozenset({"N", "Nc", "Np", "Ny", "Nu", "Nb"})


@dataclass
class Word:
    """A non-space token: its text, span, POS tag and index in the Doc."""

    i: int
    text: str
    start: int
    end: int
    tag: str

    @property
    def lower(self) -> str:
        return self.text.lower()


class DocContext:
    """One document, indexed for suggesters and features."""

    def __init__(self, text: Text, doc: Doc, rule_items: list[Item] | None = None):
        self.text = text
        self.s = text.text
        self.doc = doc
        self.rules = list(rule_items or [])
        self.words: list[Word] = [Word(t.i, t.text, t.idx, t.idx + len(t.text), t.tag_ or "")
                                  for t in doc if not t.is_space and t.text.strip()]
        self._wstarts = [w.start for w in self.words]
        sents = [(s.start_char, s.end_char) for s in doc.sents]
        self.sents = sents or [(0, len(self.s))]
        self._sstarts = [a for a, _ in self.sents]
        self.lines: list[tuple[int, int]] = []
        pos = 0
        for ln in self.s.split("\n"):
            self.lines.append((pos, pos + len(ln)))
            pos += len(ln) + 1
        self._lstarts = [a for a, _ in self.lines]
        self._cls: dict[str, list[tuple[int, int]]] = {}
        self._cls_starts: dict[str, list[int]] = {}
        self.first_body_line = next((i for i, (a, b) in enumerate(self.lines) if b - a > 0), 0)

    # ------------------------------------------------------------ positions
    def word_index(self, offset: int) -> int:
        """Index in ``words`` of the first word starting at or after ``offset``."""
        return bisect.bisect_left(self._wstarts, offset)

    def words_before(self, offset: int, n: int, same_line: bool = True) -> list[Word]:
        i = self.word_index(offset)
        lo = self.line(offset)[0] if same_line else 0
        out = [w for w in self.words[max(0, i - n):i] if w.start >= lo]
        return out

    def words_after(self, offset: int, n: int, same_line: bool = True) -> list[Word]:
        i = self.word_index(offset)
        hi = self.line(offset)[1] if same_line else len(self.s)
        return [w for w in self.words[i:i + n] if w.end <= hi]

    def words_in(self, a: int, b: int) -> list[Word]:
        return self.words[self.word_index(a):self.word_index(b)]

    def sentence(self, offset: int) -> tuple[int, int]:
        i = max(0, bisect.bisect_right(self._sstarts, offset) - 1)
        return self.sents[i]

    def sentence_index(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self._sstarts, offset) - 1)

    def line(self, offset: int) -> tuple[int, int]:
        i = max(0, bisect.bisect_right(self._lstarts, offset) - 1)
        return self.lines[i]

    def line_index(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self._lstarts, offset) - 1)

    def clause_start(self, offset: int) -> int:
        """Start of the clause holding ``offset``: after the nearest , ; : ( before it in its sentence."""
        a, _ = self.sentence(offset)
        j = offset - 1
        while j >= a and self.s[j] not in CLAUSE_PUNCT and self.s[j] != "\n":
            j -= 1
        return j + 1

    def clause_end(self, offset: int) -> int:
        _, b = self.sentence(offset)
        j = offset
        while j < b and self.s[j] not in CLAUSE_PUNCT and self.s[j] != "\n":
            j += 1
        return j

    def is_list_line(self, offset: int) -> bool:
        a, b = self.line(offset)
        return bool(LIST_MARKER_RE.match(self.s[a:b]))

    def list_header(self, offset: int, max_back: int = 9) -> tuple[int, int] | None:
        """For an offset on a list line, the span of the line the list hangs
        from (the nearest line above that is not a list item), else None."""
        if not self.is_list_line(offset):
            return None
        li = self.line_index(offset)
        for back in range(1, max_back + 1):
            if li - back < 0:
                return None
            a, b = self.lines[li - back]
            if not self.is_list_line(a):
                return a, b
        return None

    def block_kind(self, offset: int) -> str:
        b = self.text.block_at(offset)
        return b.kind if b else "paragraph"

    # ------------------------------------------------------------ lexicon classes
    def spans(self, cls: str) -> list[tuple[int, int]]:
        got = self._cls.get(cls)
        if got is not None:
            return got
        if cls not in self._cls:
            self._cls[cls] = [(m.start(), m.end()) for m in class_regex(cls).finditer(self.s)]
            self._cls_starts[cls] = [a for a, _ in self._cls[cls]]
        return self._cls[cls]

    def between(self, cls: str, a: int, b: int) -> list[tuple[int, int]]:
        """Occurrences of a class lying wholly inside [a, b)."""
        sp = self.spans(cls)
        i = bisect.bisect_left(self._cls_starts[cls], a)
        out = []
        while i < len(sp) and sp[i][0] < b:
            if sp[i][1] <= b:
                out.append(sp[i])
            i += 1
        return out

    def has(self, cls: str, a: int, b: int) -> bool:
        sp = self.spans(cls)
        starts = self._cls_starts[cls]
        i = bisect.bisect_left(starts, a)
        while i < len(sp) and sp[i][0] < b:
            if sp[i][1] <= b:
                return True
            i += 1
        return False

    def nearest_before(self, cls: str, offset: int, lo: int) -> tuple[int, int] | None:
        got = self.between(cls, lo, offset)
        return got[-1] if got else None

    def nearest_after(self, cls: str, offset: int, hi: int) -> tuple[int, int] | None:
        got = self.between(cls, offset, hi)
        return got[0] if got else None

    def last_of(self, classes: tuple[str, ...], offset: int, lo: int) -> tuple[str, tuple[int, int]] | None:
        """Of the given classes, the one whose occurrence in [lo, offset) ends
        last, with that occurrence (the nearest introducing word, say)."""
        last = None
        for cls in classes:
            got = self.nearest_before(cls, offset, lo)
            if got and (last is None or got[1] > last[1][1]):
                last = (cls, got)
        return last

    def locate(self, value: str, near: int) -> int:
        """Where a value proposed by the rules stands: its last occurrence
        before ``near``, else its first anywhere; -1 when absent."""
        pos = self.s.rfind(value, 0, near)
        return pos if pos >= 0 else self.s.find(value)

    def text_of(self, span: tuple[int, int]) -> str:
        return self.s[span[0]:span[1]]

    # ------------------------------------------------------------ rules
    def rule_items(self, field: str) -> list[Item]:
        return [it for it in self.rules if it.field == field]


# ---------------------------------------------------------------- feature helpers

def bucket(x: float, edges: tuple[float, ...]) -> str:
    """A label for the bucket ``x`` falls in: "<e0", "e0-e1", …, ">=eN"."""
    for i, e in enumerate(edges):
        if x < e:
            return f"<{e:g}" if i == 0 else f"{edges[i - 1]:g}-{e:g}"
    return f">={edges[-1]:g}"


def shape(word: str) -> str:
    """A coarse word shape: Xx, x, X (all caps), d (digits), p (punctuation)."""
    if not word:
        return ""
    if word.isdigit() or re.fullmatch(r"[\d.,/%]+", word):
        return "d"
    if not any(c.isalnum() for c in word):
        return "p"
    if word.isupper():
        return "X"
    if word[0].isupper():
        return "Xx"
    return "x"


_PUNCT_EDGES = " \"'.,;:()[]…-“”‘’«»"


@functools.lru_cache(maxsize=1 << 16)
def low(word: str) -> str:
    """A word or phrase as a feature value: case-folded, outer punctuation
    trimmed (the text is already NFC with one tone spelling: no more needed)."""
    return " ".join(word.casefold().split()).strip(_PUNCT_EDGES)


@functools.lru_cache(maxsize=1 << 16)
def fword(word: str) -> str:
    """A word as a feature: ``low`` of it, except that a proper name (a word of
    two or more syllables, each capitalized, not all in capitals: a person's,
    a place's, an organization's own name) becomes "<name>". A model learns
    the language around names, never the names of its training documents."""
    syl = word.split()
    if len(syl) >= 2 and all(x[:1].isupper() for x in syl) and not word.isupper():
        return "<name>"
    return low(word)


def word_shape(word: str) -> str:
    """X (all capitals), Xx (capitalized) or x."""
    return "X" if word.isupper() else ("Xx" if word[:1].isupper() else "x")


def edge_features(ws: list[Word]) -> dict[str, float]:
    """A phrase's first and last word and the first word's shape."""
    if not ws:
        return {}
    return {f"first={fword(ws[0].text)}": 1.0, f"firstshape={word_shape(ws[0].text)}": 1.0,
            f"last={fword(ws[-1].text)}": 1.0}


def vkey(s: object) -> str:
    """A comparison key for a value read from the (already normalized) text:
    ``low`` of it, "" for None."""
    return low(str(s)) if s else ""


def window_features(ctx: DocContext, start: int, end: int, n: int = 3, prefix: str = "w") -> dict[str, float]:
    """The words just before and after a span, by distance, with their POS tags."""
    f: dict[str, float] = {}
    before = ctx.words_before(start, n)
    after = ctx.words_after(end, n)
    for k, w in enumerate(reversed(before), 1):
        f[f"{prefix}-{k}={fword(w.text)}"] = 1.0
        if w.tag:
            f[f"{prefix}-{k}.pos={w.tag}"] = 1.0
    for k, w in enumerate(after, 1):
        f[f"{prefix}+{k}={fword(w.text)}"] = 1.0
        if w.tag:
            f[f"{prefix}+{k}.pos={w.tag}"] = 1.0
    if not before:
        f[f"{prefix}-1=<line>"] = 1.0
    if not after:
        f[f"{prefix}+1=</line>"] = 1.0
    return f


def bag_features(ctx: DocContext, a: int, b: int, prefix: str, limit: int = 40) -> dict[str, float]:
    """The words of [a, b) as a bag (at most ``limit`` of them, nearest to b first)."""
    ws = ctx.words_in(a, b)[-limit:]
    return {f"{prefix}={fword(w.text)}": 1.0 for w in ws if any(c.isalpha() for c in w.text)}


def class_features(ctx: DocContext, a: int, b: int, prefix: str, classes: tuple[str, ...]) -> dict[str, float]:
    """Which lexicon classes occur in [a, b)."""
    return {f"{prefix}.{c}": 1.0 for c in classes if ctx.has(c, a, b)}


def distance_features(ctx: DocContext, anchor: int, classes: tuple[str, ...], lo: int, hi: int,
                      prefix: str) -> dict[str, float]:
    """For each class, the bucketed word distance to its nearest occurrence before
    (in [lo, anchor)) and after (in [anchor, hi)) the anchor."""
    f: dict[str, float] = {}
    edges = (2, 4, 8, 16)
    for c in classes:
        nb = ctx.nearest_before(c, anchor, lo)
        if nb:
            d = len(ctx.words_in(nb[1], anchor))
            f[f"{prefix}.{c}.before.{bucket(d, edges)}"] = 1.0
        na = ctx.nearest_after(c, anchor, hi)
        if na:
            d = len(ctx.words_in(anchor, na[0]))
            f[f"{prefix}.{c}.after.{bucket(d, edges)}"] = 1.0
    return f


def span_context_features(ctx: DocContext, a: int, b: int, quoted: bool,
                          classes: tuple[str, ...]) -> dict[str, float]:
    """What surrounds a named span (a model's or a theme's name): the words
    around it (outside its quotes when ``quoted``), the classes just before it
    and in its sentence, its position, and whether it is in the headline."""
    f = window_features(ctx, a - 1 if quoted else a, b + 1 if quoted else b, 3, "w")
    sa, sb = ctx.sentence(a)
    f.update(class_features(ctx, max(sa, a - 40), a, "near", classes))
    f.update(class_features(ctx, sa, sb, "sent", classes))
    f.update(position_features(ctx, a))
    if ctx.line_index(a) == ctx.first_body_line:
        f["headline"] = 1.0
    return f


def position_features(ctx: DocContext, start: int, prefix: str = "pos") -> dict[str, float]:
    n = max(1, len(ctx.s))
    li = ctx.line_index(start)
    f = {f"{prefix}.rel={bucket(start / n, (0.05, 0.15, 0.35, 0.7))}": 1.0,
         f"{prefix}.line={bucket(li - ctx.first_body_line, (1, 2, 4, 8, 20))}": 1.0}
    kind = ctx.block_kind(start)
    if kind != "paragraph":
        f[f"{prefix}.block={kind}"] = 1.0
    if ctx.is_list_line(start):
        f[f"{prefix}.list"] = 1.0
    return f
