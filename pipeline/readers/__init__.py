"""Readers: file bytes -> ``SourceDoc`` (blocks with provenance).

The format is chosen by the file's magic bytes, never by its extension; one
module per format. ``read_file`` raises ``ReadError`` with one plain sentence
for any file it cannot read.
"""

from __future__ import annotations

import importlib
import zipfile
from io import BytesIO
from pathlib import Path

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
        try:
            with zipfile.ZipFile(BytesIO(data)) as z:
                names = set(z.namelist())
        except zipfile.BadZipFile:
            raise ReadError("The file looks like a Word document (.docx) but its zip container is damaged.", "corrupt")
        if "word/document.xml" in names:
            return "docx"
        raise ReadError("The file is a zip archive but not a Word document (.docx).", "unsupported")
    if head == _OLE:
        return "doc"  # Word 97-2003 (also encrypted .docx are OLE containers; the doc reader tells)
    if head.startswith(b"{\\rtf"):
        return "doc"  # RTF, converted like .doc
    if _looks_like_text(data):
        return "txt"
    kind = _known_binary(head)
    raise ReadError(f"The file is not a Word, PDF or text document{kind}.", "unsupported")


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
        return err.start >= len(sample) - 4


def read_bytes(data: bytes, name: str = "") -> SourceDoc:
    fmt = sniff(data, name)
    module = importlib.import_module(f"pipeline.readers.{fmt}_reader")
    return module.read(data, name)


def read_file(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceDoc:
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as err:
        raise ReadError(f"The file cannot be opened: {err.strerror}.", "unreadable")
    if size > max_bytes:
        raise ReadError(f"The file is too large ({size // (1024 * 1024)} MB; the limit is "
                        f"{max_bytes // (1024 * 1024)} MB).", "too_large")
    return read_bytes(path.read_bytes(), path.name)
