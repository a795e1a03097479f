"""Normalized text -> spaCy ``Doc`` segmented into Vietnamese words by underthesea.

The Doc's text is exactly the normalized text, so a token's ``idx`` is an
offset into ``Text.text``: spans found on tokens and spans found by regexes
on the string are the same coordinates. Multi-syllable words ("Đảng bộ",
"đăng ký") are single tokens. Line breaks become whitespace tokens, and a
line break always starts a sentence.

Every word token carries underthesea's POS tag in ``token.tag_`` (VLSP
2013 tags: N noun, Nc classifier, Np proper noun, Ny abbreviation, V verb, A
adjective, M number, E preposition, C conjunction, CH punctuation …). The tags
come from underthesea's compiled CRF tagger (``pos_crf_vlsp2013``, the
``model="v2.0"`` of ``underthesea.pos_tag``) run on the words segmentation
already found, so tagging costs a few percent of segmenting; whitespace
tokens are tagged ``_SP``. With ``MINUTES_NO_POS=1`` every tag is empty (the
ablation). Nothing here downloads anything: both models ship inside the
underthesea wheel.
"""

from __future__ import annotations

import functools
import os
import re

import spacy
from spacy.language import Language
from spacy.tokens import Doc

_SENT_END = set(".!?")
_WS = re.compile(r"\s+")


@functools.lru_cache(maxsize=1)
def blank() -> Language:
    """A blank spaCy pipeline for Vietnamese that never needs pyvi."""
    return spacy.blank("vi", config={"nlp": {"tokenizer": {"use_pyvi": False}}})


@functools.lru_cache(maxsize=1)
def _segmenter():
    from underthesea import word_tokenize

    return word_tokenize


def _align(line: str, tokens: list[str]) -> list[tuple[int, int]]:
    """Char spans in ``line`` of underthesea's tokens (syllables re-found)."""
    spans: list[tuple[int, int]] = []
    cur = 0
    n = len(line)
    for tok in tokens:
        sylls = tok.split()
        if not sylls:
            continue
        start = end = None
        ok = True
        for syl in sylls:
            while cur < n and line[cur].isspace():
                cur += 1
            if line.startswith(syl, cur):
                pos = cur
            else:
                pos = line.find(syl, cur, cur + len(syl) + 8)
                if pos < 0:
                    ok = False
                    break
            if start is None:
                start = pos
            end = pos + len(syl)
            cur = end
        if ok and start is not None:
            spans.append((start, end))
    return spans


def _words_for(text: str) -> list[tuple[int, int]]:
    """Token spans over the whole text, covering every non-space character."""
    spans: list[tuple[int, int]] = []
    segment = _segmenter() if SEGMENT_ENABLED else str.split
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            try:
                toks = segment(line)
            except Exception:  # a segmenter failure must not lose the line
                toks = line.split()
            aligned = _align(line, toks)
            # fill what alignment missed with whitespace-split pieces
            covered = 0
            for s, e in aligned:
                if s > covered:
                    spans.extend((pos + m.start() + covered, pos + m.end() + covered)
                                 for m in re.finditer(r"\S+", line[covered:s]))
                spans.append((pos + s, pos + e))
                covered = e
            if covered < len(line):
                spans.extend((pos + m.start() + covered, pos + m.end() + covered)
                             for m in re.finditer(r"\S+", line[covered:]))
        pos += len(line) + 1
    return spans


def make_doc(text: str) -> Doc:
    """Segment ``text`` into words and return a spaCy Doc whose text is ``text``."""
    spans = _words_for(text)
    words: list[str] = []
    spaces: list[bool] = []
    sent_starts: list[bool] = []
    cur = 0
    new_sentence = True
    pending_end = False

    def add(word: str, space: bool, start: bool) -> None:
        words.append(word)
        spaces.append(space)
        sent_starts.append(start)

    for s, e in spans:
        gap = text[cur:s]
        if gap:
            if gap == " " and words:
                spaces[-1] = True
            else:
                if gap.endswith(" ") and not gap.endswith("  ") and len(gap) > 1:
                    add(gap[:-1], True, False)
                else:
                    add(gap, False, False)
                if "\n" in gap:
                    new_sentence = True
        word = text[s:e]
        if pending_end and (word[:1].isupper() or word[:1].isdigit() or word[:1] in "“\"'(-–"):
            new_sentence = True
        add(word, False, new_sentence)
        new_sentence = False
        pending_end = word in _SENT_END or word == "..."
        cur = e
    if cur < len(text):
        add(text[cur:], False, False)
    tags = pos_tag_words(words) if POS_ENABLED else None
    return Doc(blank().vocab, words=words, spaces=spaces, sent_starts=sent_starts, tags=tags)


#: Switched off by the eval command's ablation run, to measure what POS adds.
POS_ENABLED = os.environ.get("MINUTES_NO_POS", "") in ("", "0")
#: Switched off by the ablation run: tokens are then single syllables, not underthesea words.
SEGMENT_ENABLED = os.environ.get("MINUTES_NO_SEGMENTATION", "") in ("", "0")
POS_CALLS = 0


@functools.lru_cache(maxsize=1)
def _tagger():
    import underthesea.pipeline.pos_tag as pos_pkg
    from underthesea.models.fast_crf_sequence_tagger import FastCRFSequenceTagger

    tagger = FastCRFSequenceTagger()
    tagger.load(os.path.join(os.path.dirname(pos_pkg.__file__), "models", "pos_crf_vlsp2013_20230303"))
    return tagger


def pos_tag_words(words: list[str]) -> list[str]:
    """POS tags of a Doc's words, one per word: whitespace words are ``_SP``,
    the others are tagged line by line (a line break ends a tagging window)."""
    tagger = _tagger()
    tags = ["_SP"] * len(words)
    run: list[int] = []

    def flush() -> None:
        global POS_CALLS
        if run:
            try:
                got = tagger.predict([[words[i]] for i in run])
            except Exception:  # a tagger failure must not lose the document
                got = ["X"] * len(run)
            for i, t in zip(run, got):
                tags[i] = t[2:] if t.startswith(("B-", "I-")) else t
            POS_CALLS += 1
            run.clear()

    for i, w in enumerate(words):
        if w.isspace() or not w:
            if "\n" in w:
                flush()
            continue
        run.append(i)
    flush()
    return tags


def pos_tags(text: str) -> list[tuple[str, str]]:
    """(word, POS tag) pairs of a short text, segmented and tagged.

    Returns [] when POS features are switched off (``MINUTES_NO_POS=1``).
    """
    if not POS_ENABLED:
        return []
    doc = make_doc(text)
    return [(t.text, t.tag_) for t in doc if not t.is_space]
