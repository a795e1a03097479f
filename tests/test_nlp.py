"""nlp: underthesea words in a spaCy Doc whose text and offsets are the normalized text's."""

from pipeline.model import Block
from pipeline.nlp import make_doc
from pipeline.normalize import normalize


def test_doc_text_is_the_normalized_text_and_words_are_multisyllable():
    t = normalize([Block("Toàn Đảng bộ đăng ký 120 cá nhân, 9 chi bộ."), Block("Dòng thứ hai  có khoảng trắng.")])
    doc = make_doc(t.text)
    assert doc.text == t.text
    words = [tok.text for tok in doc if not tok.is_space]
    assert "đăng ký" in words and "cá nhân" in words
    for tok in doc:
        assert t.text[tok.idx:tok.idx + len(tok.text)] == tok.text


def test_line_breaks_start_sentences():
    t = normalize([Block("Câu một kết thúc. Câu hai bắt đầu"), Block("dòng mới viết thường")])
    sents = [s.text.strip() for s in make_doc(t.text).sents if s.text.strip()]
    assert sents == ["Câu một kết thúc.", "Câu hai bắt đầu", "dòng mới viết thường"]


def test_odd_characters_never_lose_text():
    s = "Số: 12-KH/ĐTN … «mô hình» 1.600 đ/c; ¼ ✓ 𝔸"
    doc = make_doc(normalize([Block(s)]).text)
    assert doc.text == normalize([Block(s)]).text
