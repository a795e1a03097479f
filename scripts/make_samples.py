"""Write the bundled sample documents in every supported format.

The texts are written for this repository in the style of real reports
(invented units, people and numbers). Run: .venv/bin/python scripts/make_samples.py
(.pdf and .doc need LibreOffice: soffice --convert-to).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

SAMPLES = Path(__file__).resolve().parent.parent / "samples"

MINUTES_HEADER = [
    ("ĐẢNG BỘ XÃ BÌNH MINH", "ĐẢNG CỘNG SẢN VIỆT NAM"),
    ("CHI BỘ THÔN ĐÔNG HẢI", ""),
    ("*", "Bình Minh, ngày 20 tháng 3 năm 2025"),
]
MINUTES_BODY = [
    ("title", "BIÊN BẢN"),
    ("title", "Hội nghị chi bộ thường kỳ tháng 3 năm 2025"),
    ("p", "Thời gian: 14 giờ 00, ngày 20 tháng 3 năm 2025. Địa điểm: Nhà văn hóa thôn Đông Hải."),
    ("p", "Chủ trì: đồng chí Phạm Văn Tâm - Bí thư Chi bộ. Thư ký: đồng chí Nguyễn Thị Thu Hà - Chi ủy viên."),
    ("p", "Dự hội nghị có đồng chí Hoàng Quốc Việt - Đảng ủy viên, Phó Chủ tịch Ủy ban nhân dân xã, "
          "phụ trách địa bàn."),
    ("p", "Chi bộ có 27 đảng viên, có mặt 25 đồng chí, vắng 2 đồng chí có lý do."),
    ("p", "Thực hiện Hướng dẫn số 05-HD/ĐU ngày 10/01/2025 của Đảng ủy xã, chi bộ đã tổ chức cho đảng viên "
          "đăng ký nêu gương đầu năm: 25/27 đảng viên đã ký cam kết, đạt 92,6%; chi bộ đăng ký xây dựng "
          "mô hình “Thôn sáng, xanh, sạch, đẹp” và mô hình ‘Mỗi đảng viên giúp đỡ một hộ khó khăn’."),
    ("p", "Chi bộ thống nhất chọn chủ đề năm 2025 là “Đoàn kết, kỷ cương, hành động vì cuộc sống của nhân dân”."),
    ("p", "Hội nghị kết thúc lúc 16 giờ 30 cùng ngày."),
]
MINUTES_TABLE = [
    ("Nội dung đăng ký", "Số lượng"),
    ("Đảng viên ký cam kết nêu gương", "25"),
    ("Mô hình đăng ký xây dựng", "02"),
]

PLAN_HEADER = [
    ("HUYỆN ĐOÀN SÔNG LAM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
    ("BCH ĐOÀN XÃ HƯNG LỢI", "Độc lập - Tự do - Hạnh phúc"),
    ("Số: 12-KH/ĐTN", "Hưng Lợi, ngày 05 tháng 02 năm 2026"),
]
PLAN_BODY = [
    ("title", "KẾ HOẠCH"),
    ("title", "Tổ chức Tháng Thanh niên năm 2026"),
    ("p", "Căn cứ Nghị quyết số 09-NQ/ĐU ngày 20/12/2025 của Đảng ủy xã Hưng Lợi; Căn cứ Kế hoạch số "
          "45-KH/HĐTN ngày 25/01/2026 của Ban Thường vụ Huyện đoàn về tổ chức Tháng Thanh niên năm 2026; "
          "thực hiện Chỉ thị số 42-CT/TW ngày 24/3/2015 của Ban Bí thư, Ban Chấp hành Đoàn xã Hưng Lợi xây "
          "dựng kế hoạch như sau:"),
    ("p", "I. MỤC ĐÍCH, YÊU CẦU"),
    ("p", "Tháng Thanh niên năm 2026 với chủ đề “Thanh niên tiên phong chuyển đổi số, xây dựng quê hương”. "
          "Phấn đấu 100% chi đoàn đăng ký ít nhất một công trình, phần việc thanh niên; mỗi chi đoàn đăng ký "
          "xây dựng mô hình “Chi đoàn số”."),
    ("p", "II. NỘI DUNG"),
    ("p", "1. Ra quân Tháng Thanh niên vào ngày 01/3/2026 tại Trường Trung học cơ sở xã."),
    ("p", "2. Tổ chức cho đoàn viên ký cam kết không vi phạm pháp luật về an toàn giao thông."),
    ("p", "Nơi nhận: Huyện đoàn (b/c); Đảng ủy xã (b/c); các chi đoàn (t/h); lưu VP."),
    ("sign", "TM. BAN CHẤP HÀNH\nBÍ THƯ\n\nVõ Thành Đạt"),
]


def header_table(doc: Document, rows: list[tuple[str, str]]) -> None:
    t = doc.add_table(rows=len(rows), cols=2)
    for r, (left, right) in enumerate(rows):
        for c, text in enumerate((left, right)):
            cell = t.cell(r, c)
            cell.text = text
            for p in cell.paragraphs:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER


def write_docx(path: Path, header: list[tuple[str, str]], body: list[tuple[str, str]],
               table: list[tuple[str, str]] | None = None) -> None:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    header_table(doc, header)
    for kind, text in body:
        p = doc.add_paragraph()
        run = p.add_run(text)
        if kind == "title":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run.bold = True
        elif kind == "sign":
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if table:
        t = doc.add_table(rows=len(table), cols=len(table[0]))
        t.style = "Table Grid"
        for r, row in enumerate(table):
            for c, text in enumerate(row):
                t.cell(r, c).text = text
    footer = doc.sections[0].footer.paragraphs[0]
    footer.text = "Trang 1"
    doc.save(path)


def convert(src: Path, fmt: str) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        print(f"skipping {src.stem}.{fmt}: LibreOffice is not installed")
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--convert-to", fmt,
                        "--outdir", tmp, str(src)], check=True, capture_output=True, timeout=180)
        shutil.move(Path(tmp) / f"{src.stem}.{fmt}", SAMPLES / f"{src.stem}.{fmt}")


def main() -> None:
    minutes = SAMPLES / "bien_ban_sinh_hoat_chi_bo.docx"
    write_docx(minutes, MINUTES_HEADER, MINUTES_BODY, MINUTES_TABLE)
    plan = SAMPLES / "ke_hoach_thang_thanh_nien.docx"
    write_docx(plan, PLAN_HEADER, PLAN_BODY)
    convert(plan, "pdf")
    convert(minutes, "doc")
    plan.unlink()  # the plan ships as PDF only, the minutes as .docx and .doc
    for p in sorted(SAMPLES.iterdir()):
        print(p.name, p.stat().st_size)


if __name__ == "__main__":
    main()
