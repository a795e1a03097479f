"""Word .docx (Office Open XML) -> blocks, with python-docx.

Body order is kept: paragraphs and table cells interleaved as they stand in
the document (cells as ``table_cell`` blocks with table/row/col; a merged
cell once), paragraphs with a heading style (or an outline level) as
``heading``. Header and footer parts become ``header``/``footer`` blocks
(kept, but left out of the NLP text by normalize). Text boxes come after
the paragraph that anchors them.

Runs typed in legacy Vietnamese fonts (TCVN3 ``.VnTime``, VNI ``VNI-Times``)
are decoded to Unicode run by run by the font each run resolves to (its own
rFonts, its character style, the paragraph style chain, the document
defaults); runs of an unknown font that look like TCVN3 are decoded too.
"""

from __future__ import annotations

import re
import zipfile
from io import BytesIO

from pipeline.model import Block, ReadError, SourceDoc
from pipeline.readers import legacy
from pipeline.readers.header import parse_header

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _q(tag: str) -> str:
    return f"{{{W}}}{tag}"


T_P, T_TBL, T_TR, T_TC, T_R, T_T = _q("p"), _q("tbl"), _q("tr"), _q("tc"), _q("r"), _q("t")
T_TAB, T_BR, T_CR, T_SDT, T_SDTCONTENT = _q("tab"), _q("br"), _q("cr"), _q("sdt"), _q("sdtContent")
T_TXBX = _q("txbxContent")
T_DELTEXT, T_NOBREAKHYPHEN, T_SYM = _q("delText"), _q("noBreakHyphen"), _q("sym")
A_VAL = _q("val")
_CONTAINERS = {_q(t) for t in ("hyperlink", "ins", "smartTag", "fldSimple", "customXml", "sdt", "sdtContent",
                               "moveTo", "dir", "bdo")}
_SKIP_IN_P = {_q("del"), _q("moveFrom"), _q("pPr"), _q("rPr")}
_HEADING_RE = re.compile(r"^(heading|title|tiêu đề|subtitle)", re.I)


class _Styles:
    """Style id -> (name, font, based-on, outline level) and the default font."""

    def __init__(self, doc):
        self.by_id: dict[str, tuple[str, str | None, str | None, bool]] = {}
        self.default_font: str | None = None
        try:
            root = doc.styles.element
        except Exception:
            return
        for st in root.findall(_q("style")):
            sid = st.get(_q("styleId")) or ""
            name_el = st.find(_q("name"))
            name = name_el.get(A_VAL) if name_el is not None else sid
            based = st.find(_q("basedOn"))
            font = _rfonts(st.find(f"{_q('rPr')}/{_q('rFonts')}"))
            outline = st.find(f"{_q('pPr')}/{_q('outlineLvl')}") is not None
            self.by_id[sid] = (name or sid, font, based.get(A_VAL) if based is not None else None, outline)
        dd = root.find(f"{_q('docDefaults')}/{_q('rPrDefault')}/{_q('rPr')}/{_q('rFonts')}")
        self.default_font = _rfonts(dd)
        self._font_cache: dict[str, str | None] = {}

    def font(self, sid: str | None) -> str | None:
        if not sid:
            return None
        if sid in self._font_cache:
            return self._font_cache[sid]
        seen, cur, font = set(), sid, None
        while cur and cur not in seen:
            seen.add(cur)
            entry = self.by_id.get(cur)
            if not entry:
                break
            if entry[1]:
                font = entry[1]
                break
            cur = entry[2]
        self._font_cache[sid] = font
        return font

    def is_heading(self, sid: str | None) -> bool:
        if not sid:
            return False
        entry = self.by_id.get(sid)
        name = entry[0] if entry else sid
        return bool(_HEADING_RE.match(name or "")) or bool(entry and entry[3])


def _rfonts(el) -> str | None:
    if el is None:
        return None
    for attr in ("ascii", "hAnsi", "cs", "eastAsia"):
        v = el.get(_q(attr))
        if v:
            return v
    return None


class _Reader:
    def __init__(self, doc):
        self.doc = doc
        self.styles = _Styles(doc)
        self.blocks: list[Block] = []
        self.tables = 0
        self.decoded_fonts: set[str] = set()

    # -- runs and paragraphs ----------------------------------------------------
    def _run_text(self, r, pfont: str | None) -> tuple[str, str | None]:
        parts = []
        for child in r:
            tag = child.tag
            if tag == T_T:
                parts.append(child.text or "")
            elif tag == T_TAB:
                parts.append("\t")
            elif tag in (T_BR, T_CR):
                parts.append("\n")
            elif tag == T_NOBREAKHYPHEN:
                parts.append("-")
            elif tag == T_SYM:
                ch = child.get(_q("char"))
                if ch:
                    try:
                        parts.append(chr(int(ch, 16)))
                    except ValueError:
                        pass
        text = "".join(parts)
        if not text:
            return "", None
        rpr = r.find(_q("rPr"))
        font = None
        if rpr is not None:
            font = _rfonts(rpr.find(_q("rFonts")))
            if not font:
                rs = rpr.find(_q("rStyle"))
                if rs is not None:
                    font = self.styles.font(rs.get(A_VAL))
        font = font or pfont
        decoded, changed = legacy.decode_by_font(text, font)
        if changed:
            return decoded, font
        fixed, enc = legacy.fix_text(text)
        if enc:
            return fixed, enc
        return text, None

    def _iter_runs(self, el):
        for child in el:
            tag = child.tag
            if tag == T_R:
                yield child
            elif tag in _SKIP_IN_P:
                continue
            elif tag in _CONTAINERS:
                yield from self._iter_runs(child)
            elif tag == f"{{{MC}}}AlternateContent":
                choice = child.find(f"{{{MC}}}Choice")
                if choice is not None:
                    yield from self._iter_runs(choice)

    def paragraph(self, p) -> tuple[str, str | None, bool, list]:
        """(text, legacy font or None, is heading, text boxes anchored here)."""
        ppr = p.find(_q("pPr"))
        sid = None
        outline = False
        if ppr is not None:
            ps = ppr.find(_q("pStyle"))
            sid = ps.get(A_VAL) if ps is not None else None
            outline = ppr.find(_q("outlineLvl")) is not None
        pfont = self.styles.font(sid) or self.styles.font("Normal") or self.styles.default_font
        parts, fonts = [], []
        boxes = []
        for r in self._iter_runs(p):
            t, f = self._run_text(r, pfont)
            if t:
                parts.append(t)
                if f:
                    fonts.append(f)
            for box in r.iter(T_TXBX):
                if not any(a.tag == f"{{{MC}}}Fallback" for a in box.iterancestors()):
                    boxes.append(box)
        text = "".join(parts)
        heading = self.styles.is_heading(sid) or outline
        font = fonts[0] if fonts else None
        if font:
            self.decoded_fonts.add(font)
        return text, font, heading, boxes

    def add(self, text: str, kind: str, **kw) -> None:
        if text.strip():
            self.blocks.append(Block(text, kind=kind, index=len(self.blocks), **kw))

    # -- body -------------------------------------------------------------------
    def body(self, el, kind: str = "paragraph") -> None:
        for child in el:
            tag = child.tag
            if tag == T_P:
                text, font, heading, boxes = self.paragraph(child)
                k = "heading" if heading and kind == "paragraph" else kind
                self.add(text, k, font=font)
                for box in boxes:
                    self.body(box, kind)
            elif tag == T_TBL:
                if kind == "paragraph":
                    self.table(child)
                else:  # a table inside a header: its cells as lines
                    for tc in child.iter(T_TC):
                        self.add(self.cell_text(tc)[0], kind)
            elif tag in (T_SDT, T_SDTCONTENT, _q("customXml")):
                self.body(child, kind)
            elif tag == f"{{{MC}}}AlternateContent":
                choice = child.find(f"{{{MC}}}Choice")
                if choice is not None:
                    self.body(choice, kind)

    def cell_text(self, tc) -> tuple[str, str | None]:
        lines, font = [], None
        for child in tc.iter(T_P):
            # nested tables are flattened into the cell's text
            t, f, _h, _b = self.paragraph(child)
            if t.strip():
                lines.append(t)
                font = font or f
        return "\n".join(lines), font

    def table(self, tbl) -> None:
        tno = self.tables
        self.tables += 1
        for ri, tr in enumerate(tbl.findall(T_TR) + [tr for s in tbl.findall(T_SDT) for tr in s.iter(T_TR)]):
            col = 0
            for tc in _row_cells(tr):
                tcpr = tc.find(_q("tcPr"))
                span = 1
                merged_down = False
                if tcpr is not None:
                    gs = tcpr.find(_q("gridSpan"))
                    if gs is not None:
                        try:
                            span = max(1, int(gs.get(A_VAL) or 1))
                        except ValueError:
                            span = 1
                    vm = tcpr.find(_q("vMerge"))
                    if vm is not None and (vm.get(A_VAL) in (None, "continue")):
                        merged_down = True
                if not merged_down:
                    text, font = self.cell_text(tc)
                    self.add(text, "table_cell", table=tno, row=ri, col=col, font=font)
                col += span


def _row_cells(tr):
    for child in tr:
        if child.tag == T_TC:
            yield child
        elif child.tag in (T_SDT, T_SDTCONTENT, _q("customXml")):
            yield from _row_cells(child) if child.tag != T_SDT else (
                tc for s in child.findall(T_SDTCONTENT) for tc in _row_cells(s))


def _header_footer_parts(doc):
    heads, foots = [], []
    seen = set()
    try:
        rels = doc.part.rels.values()
    except Exception:
        return heads, foots
    for rel in rels:
        rt = rel.reltype or ""
        if rel.is_external or not (rt.endswith("/header") or rt.endswith("/footer")):
            continue
        try:
            part = rel.target_part
            name = str(part.partname)
        except Exception:
            continue
        if name in seen:
            continue
        seen.add(name)
        (heads if rt.endswith("/header") else foots).append((name, part))
    heads.sort(key=lambda x: x[0])
    foots.sort(key=lambda x: x[0])
    return heads, foots


def _part_element(part):
    el = getattr(part, "element", None)
    if el is None:
        from lxml import etree

        el = etree.fromstring(part.blob)
    return el


def read(data: bytes, name: str = "") -> SourceDoc:
    try:
        import docx
    except ImportError:  # pragma: no cover
        raise ReadError("The program is missing python-docx, which is needed to read .docx files.", "unreadable")
    try:
        doc = docx.Document(BytesIO(data))
    except zipfile.BadZipFile:
        raise ReadError("The Word document (.docx) is damaged: its zip container cannot be opened.", "corrupt")
    except KeyError:
        raise ReadError("The Word document (.docx) is damaged: a part it needs is missing.", "corrupt")
    except ValueError as err:
        raise _with_detail(ReadError("The file is not a Word document (.docx) that can be opened; save it again "
                                     "from Word or LibreOffice as .docx.",
                                     "unsupported"), err)
    except Exception as err:
        raise _with_detail(ReadError("The Word document (.docx) is damaged and cannot be read; ask for a new copy "
                                     "of the file.", "corrupt"), err)
    r = _Reader(doc)
    warnings: list[str] = []
    try:
        heads, foots = _header_footer_parts(doc)
        for _n, part in heads:
            r.body(_part_element(part), "header")
        r.body(doc.element.body, "paragraph")
        for _n, part in foots:
            r.body(_part_element(part), "footer")
    except Exception as err:  # malformed XML deep inside: keep what was read
        if not r.blocks:
            raise _with_detail(ReadError("The Word document (.docx) is damaged and cannot be read; ask for a new "
                                         "copy of the file.", "corrupt"), err)
        warnings.append(f"Part of the document could not be read ({_short(err)}).")
    if not any(not b.is_furniture for b in r.blocks):
        raise ReadError("The Word document has no text (it may hold only pictures or be empty).", "empty")
    if r.decoded_fonts:
        warnings.append("Legacy Vietnamese font text decoded to Unicode: " + ", ".join(sorted(r.decoded_fonts)) + ".")
    meta = parse_header(r.blocks)
    return SourceDoc(blocks=r.blocks, format="docx", metadata=meta, warnings=warnings)


def _with_detail(error: ReadError, cause: Exception) -> ReadError:
    """Keep the library's message for logs (``error.detail``), out of the clerk's sentence."""
    error.detail = _short(cause)
    return error


def _short(err: Exception) -> str:
    s = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return s[:120]
