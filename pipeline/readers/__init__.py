"""Readers: file bytes -> ``SourceDoc`` (blocks with provenance).

The format is chosen by the file's magic bytes, never by its extension; one
module per format (txt, docx, pdf, doc — the last also takes RTF and ODT
through LibreOffice). ``read_file`` raises ``ReadError`` with one plain
sentence for any file it cannot read; a library failing on a damaged file is
turned into one too.

Helpers: ``legacy`` (TCVN3/VNI fonts), ``header`` (the administrative
header into ``SourceDoc.metadata``), ``ocr`` (tesseract), ``pdf_tables``.

Settings (environment): ``MINUTES_SOFFICE`` / ``MINUTES_SOFFICE_TIMEOUT``
(LibreOffice binary, seconds per conversion, default 120),
``MINUTES_TESSERACT`` / ``MINUTES_OCR_TIMEOUT`` / ``MINUTES_OCR_DPI`` /
``MINUTES_OCR_WORKERS`` (tesseract binary, seconds per page, default 180;
300 dpi; threads, default the number of cores).

System packages: libreoffice-writer-nogui (old .doc, RTF), tesseract-ocr and
tesseract-ocr-vie (scanned PDFs).
"""

from __future__ import annotations

import importlib
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Callable

from pipeline.model import ReadError, SourceDoc

DEFAULT_MAX_BYTES = 100 * 1024 * 1024

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(data: bytes, name: str = "") -> str:
    """The format of ``data``: docx, pdf, doc, txt; raises ReadError otherwise."""
    if not data or not data.strip(b"\x00 \t\r\n\xef\xbb\xbf"):
        raise ReadError("The file is empty.", "empty")
    head = data[:8]
    if data[:1024].lstrip().startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _sniff_zip(data)
    if head == _OLE:
        return "doc"  # Word 97-2003 (also encrypted .docx are OLE containers; the doc reader tells)
    if head.startswith(b"{\\rtf"):
        return "doc"  # RTF, converted like .doc
    if _looks_like_text(data):
        return "txt"
    kind = _known_binary(head)
    raise ReadError(f"The file is not a Word, PDF or text document{kind}.", "unsupported")


_ZIP_KINDS = {
    "xl/": "an Excel workbook (.xlsx)",
    "ppt/": "a PowerPoint presentation (.pptx)",
}
MAX_UNZIPPED = 1024 * 1024 * 1024  # a .docx that unzips to more than this is refused (zip bomb)


def _sniff_zip(data: bytes) -> str:
    try:
        with zipfile.ZipFile(BytesIO(data)) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
            mimetype = z.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError, KeyError,
            NotImplementedError, RuntimeError):
        raise ReadError("The file looks like a Word document (.docx) but its zip container is damaged or "
                        "incomplete; ask for a new copy of the file.", "corrupt")
    if sum(i.file_size for i in infos) > MAX_UNZIPPED:
        raise ReadError("The Word document unpacks to more than 1 GB, which is not a real document; ask for "
                        "a new copy of the file.", "too_large")
    if "word/document.xml" in names:
        return "docx"
    if any(n.startswith("word/") for n in names):
        raise ReadError("The Word document (.docx) is damaged: its main text part (word/document.xml) is "
                            "missing; ask for a new copy of the file.", "corrupt")
    if mimetype.startswith(b"application/vnd.oasis.opendocument.text"):
        return "doc"  # OpenDocument text: converted with LibreOffice like .doc
    for prefix, what in _ZIP_KINDS.items():
        if any(n.startswith(prefix) for n in names):
            raise ReadError(f"The file is {what}, not a Word, PDF or text document.", "unsupported")
    raise ReadError("The file is a zip archive, not a Word document (.docx); unzip it and upload the "
                    "documents inside.", "unsupported")


def _known_binary(head: bytes) -> str:
    if head.startswith(b"MZ"):
        return " (it is a Windows program)"
    if head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8\xff"):
        return " (it is an image)"
    return ""


def _looks_like_text(data: bytes) -> bool:
    sample = data[:65536]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError as err:
        # a multi-byte char cut at the sample's end is still text
        if err.start >= len(sample) - 4:
            return True
    # an 8-bit legacy text (TCVN3, VNI, Windows-1258): printable bytes, few controls
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32 or b == 127)
    return controls <= len(sample) * 0.002


def read_bytes(data: bytes, name: str = "", progress: Callable[[int, int], None] | None = None,
               max_bytes: int = DEFAULT_MAX_BYTES) -> SourceDoc:
    """Read a document held in memory. ``progress(done, total)`` is called as
    pages are read (PDF; the OCR of scanned pages is the slow part)."""
    if len(data) > max_bytes:
        raise _too_large(len(data), max_bytes)
    fmt = sniff(data, name)
    module = importlib.import_module(f"pipeline.readers.{fmt}_reader")
    try:
        if fmt == "pdf":
            return module.read(data, name, progress=progress)
        return module.read(data, name)
    except ReadError:
        raise
    except MemoryError:
        raise ReadError("The file is too large or too complex to read in the memory available.", "too_large")
    except RecursionError:
        raise ReadError("The file is nested too deeply to be read; it is probably damaged.", "corrupt")
    except Exception as err:  # a library choked on a damaged file: never crash the caller
        what = {"pdf": "PDF", "docx": "Word document", "doc": "old Word document"}.get(fmt, "file")
        raise ReadError(f"The {what} is damaged and cannot be read ({type(err).__name__}); ask for a new "
                        "copy of the file.", "corrupt") from err


def _too_large(size: int, max_bytes: int) -> ReadError:
    return ReadError(f"The file is too large ({size / (1024 * 1024):.0f} MB; the limit is "
                     f"{max_bytes / (1024 * 1024):.0f} MB); split it or ask for a smaller copy.", "too_large")


def read_file(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES,
              progress: Callable[[int, int], None] | None = None) -> SourceDoc:
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as err:
        raise ReadError(f"The file cannot be opened: {err.strerror}.", "unreadable")
    if path.is_dir():
        raise ReadError("This is a folder, not a file.", "unsupported")
    if not path.is_file():
        raise ReadError("This is not a regular file (it may be a device or a pipe).", "unsupported")
    if size > max_bytes:
        raise _too_large(size, max_bytes)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ReadError(f"The file cannot be opened: {err.strerror}.", "unreadable")
    return read_bytes(data, path.name, progress=progress, max_bytes=max_bytes)
