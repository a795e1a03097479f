"""Helpers of the review tests (no tests here): invented Vietnamese documents
and a fixed, known set of machine suggestions, so the review tests do not
depend on how good the extractors are today.

``ingest(path, url, variant)`` goes through the real ``ingest_file`` (real
reader, normalization and store) with the extraction replaced by
``fixed_items``; variant 2 plays a new extractor version that changes one
suggestion, finds one more person and stops suggesting one reference.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from pipeline import model

DOC_TEXT = """ĐẢNG BỘ XÃ AN PHÚ
Số 12-BC/ĐU
An Phú, ngày 15 tháng 3 năm 2024

BÁO CÁO
Kết quả Hội nghị sơ kết 01 năm thực hiện Kế hoạch số 45-KH/ĐU ngày 10/01/2023

Ngày 14/3/2024, Ban Thường vụ Đảng ủy xã An Phú tổ chức Hội nghị sơ kết 01 năm thực hiện Kế hoạch số 45-KH/ĐU. Đồng chí Trần Văn Bình, Bí thư Đảng ủy xã, chủ trì hội nghị.

Toàn Đảng bộ có 215 đảng viên đăng ký nêu gương và 18 chi bộ ký cam kết thực hiện. Các chi bộ đã đăng ký xây dựng 9 mô hình, trong đó có mô hình "Dân vận khéo" của Chi bộ thôn Đông và mô hình "Chi bộ 4 tốt" của Chi bộ thôn Tây.

Đồng chí Lê Thị Hoa, Phó Bí thư Thường trực Đảng ủy, phát biểu kết luận. Đồng chí Phạm Quốc Cường, Chủ tịch Ủy ban nhân dân xã, tham dự hội nghị.
"""

SCRIPT_TEXT = """BÁO CÁO THỬ
Ngày 02/4/2024, Chi bộ thôn Bắc họp. Ghi chú: <script>alert(1)</script> và <img src=x onerror=alert(2)>.
Toàn chi bộ có 12 đảng viên đăng ký nêu gương.
"""

# (field, phrase to locate, value, confidence); variant 1 = the first extractor version
SUGGESTIONS_V1 = [
    ("meeting", "Hội nghị sơ kết 01 năm thực hiện Kế hoạch số 45-KH/ĐU",
     {"date": "2024-03-14", "title": "Hội nghị sơ kết 01 năm thực hiện Kế hoạch số 45-KH/ĐU",
      "organizer": "Ban Thường vụ Đảng ủy xã An Phú", "location": None}, 0.8),
    ("references", "12-BC/ĐU", {"type": "Báo cáo", "number": "12-BC/ĐU", "date": "2024-03-15"}, 0.95),
    ("references", "45-KH/ĐU", {"type": "Kế hoạch", "number": "45-KH/ĐU", "date": "2023-01-10"}, 0.93),
    ("people", "Trần Văn Bình", {"name": "Trần Văn Bình", "roles": ["Bí thư Đảng ủy xã"]}, 0.72),
    ("pledges", "215 đảng viên", {"value": 215, "kind": "count", "unit": "đảng viên", "subject": "Toàn Đảng bộ"}, 0.9),
    ("pledges", "18 chi bộ", {"value": 18, "kind": "count", "unit": "chi bộ", "subject": "Toàn Đảng bộ"}, 0.55),
    ("models", "Chi bộ 4 tốt", {"name": "Chi bộ 4 tốt", "organization": "Chi bộ thôn Tây"}, 0.6),
    ("people", "Lê Thị Hoa", {"name": "Lê Thị Hoa", "roles": ["Phó Bí thư Đảng ủy"]}, 0.81),
]

SCRIPT_SUGGESTIONS = [
    ("models", "<img src=x onerror=alert(2)>", {"name": "<img src=x onerror=alert(2)>", "organization": None}, 0.4),
    ("pledges", "12 đảng viên", {"value": 12, "kind": "count", "unit": "đảng viên", "subject": "<b>Toàn chi bộ</b>"}, 0.9),
]


def suggestions(variant: int) -> list[tuple]:
    out = list(SUGGESTIONS_V1)
    if variant >= 2:
        # the new version: another subject for one pledge, one more person, one reference no longer found
        out = [s for s in out if s[1] != "12-BC/ĐU"]
        out = [(f, p, {**v, "subject": "Đảng bộ xã An Phú"} if p == "215 đảng viên" else v, c) for f, p, v, c in out]
        out.append(("people", "Phạm Quốc Cường", {"name": "Phạm Quốc Cường",
                                                    "roles": ["Chủ tịch Ủy ban nhân dân xã"]}, 0.88))
    return out


def fixed_items(text: model.Text, variant: int) -> list[model.Item]:
    table = SCRIPT_SUGGESTIONS if "<script>" in text.text else suggestions(variant)
    items = []
    for field, phrase, value, conf in table:
        start = text.text.find(phrase)
        assert start >= 0, phrase
        items.append(model.Item(field=field, value=dict(value), start=start, end=start + len(phrase),
                                confidence=conf, extractor=field, version=f"t{variant}",
                                evidence=text.text[max(0, start - 30):start + len(phrase) + 30]))
    return items


@contextlib.contextmanager
def fixed_extraction(variant: int):
    """Replace the extraction step (only) of ``pipeline.process.analyze``."""
    import pipeline.process as process
    from pipeline.normalize import normalize

    real = process.analyze

    def analyze(source, fields=None):
        text = normalize(source.blocks)
        return process.Analysis(source, text, fixed_items(text, variant))

    process.analyze = analyze
    try:
        yield
    finally:
        process.analyze = real


def write_doc(folder: Path, name: str = "bao_cao_an_phu.txt", text: str = DOC_TEXT) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text(text, encoding="utf-8")
    return p


def ingest(path: Path, url: str, variant: int = 1):
    from pipeline.ingest import ingest_file
    from pipeline.store import open_store

    with fixed_extraction(variant):
        out = ingest_file(path, open_store(url), versions=f"test@{variant}")
    assert out.status in ("done", "reextracted", "unchanged"), out
    return out


def make_user(url: str, name: str, password: str, admin: bool = False) -> None:
    from pipeline.review.security import hash_password
    from pipeline.store import open_store
    from pipeline.store import review as rv

    with open_store(url)() as s:
        rv.add_user(s, name, hash_password(password), admin=admin)
        s.commit()
