"""Plain text (.txt, .md): UTF-8 with or without BOM, UTF-16 by its BOM; one block per line."""

from __future__ import annotations

from pipeline.model import Block, ReadError, SourceDoc


def decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1258")
        except UnicodeDecodeError:
            raise ReadError("The text file is in an unknown encoding (not UTF-8 or UTF-16).", "unreadable")


def read(data: bytes, name: str = "") -> SourceDoc:
    text = decode(data)
    blocks = []
    for line in text.splitlines():
        if line.strip():
            kind = "heading" if line.lstrip().startswith("#") else "paragraph"
            blocks.append(Block(line, kind=kind, index=len(blocks)))
    if not blocks:
        raise ReadError("The file has no text.", "empty")
    return SourceDoc(blocks=blocks, format="txt")
