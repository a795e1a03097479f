"""Plain text (.txt, .md): UTF-8 with or without BOM, UTF-16 by its BOM; one block per line.

An 8-bit file that is not UTF-8 is read as TCVN3 or VNI when it looks like
one (old Vietnamese text files), else as Windows-1258."""

from __future__ import annotations

from pipeline.model import Block, ReadError, SourceDoc
from pipeline.readers import legacy


def decode_legacy(data: bytes) -> tuple[str, str | None]:
    """(text, legacy encoding name or None) of a file that is not UTF-8/UTF-16."""
    latin = data.decode("latin-1")
    if legacy.looks_like_tcvn3(latin):
        return legacy.decode_tcvn3(latin), "TCVN3"
    cp = data.decode("cp1252", errors="replace")
    if legacy.looks_like_vni(cp):
        return legacy.decode_vni(cp), "VNI"
    return data.decode("cp1258", errors="replace"), None


def decode(data: bytes) -> str:
    return _decode(data)[0]


def _decode(data: bytes) -> tuple[str, str | None]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            return data.decode("utf-16", errors="replace"), None
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as err:
        if err.start >= len(data) - 4 and err.reason == "unexpected end of data":
            return data.decode("utf-8", errors="replace"), None
        bad = data[err.start:].decode("utf-8", errors="replace").count("\ufffd")
        if bad <= 3 and len(data) > 1000:  # a few damaged bytes in a UTF-8 file
            return data.decode("utf-8", errors="replace"), None
        return decode_legacy(data)


def read(data: bytes, name: str = "") -> SourceDoc:
    text, font = _decode(data)
    blocks = []
    for line in text.splitlines():
        if line.strip():
            kind = "heading" if line.lstrip().startswith("#") else "paragraph"
            blocks.append(Block(line, kind=kind, index=len(blocks), font=font))
    if not blocks:
        raise ReadError("The file has no text.", "empty")
    warnings = [f"The text file is in the old {font} encoding; it was converted to Unicode."] if font else []
    return SourceDoc(blocks=blocks, format="txt", warnings=warnings)
