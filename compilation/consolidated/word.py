"""The consolidated report as DOCX, for the office to edit before it is signed.

It is made from the very HTML the PDF is made from (``templates/pdf/report.html``): that
template holds the report's wording once, and this module only maps its few element kinds
to Word's (header blocks, paragraphs, headings, tables, the closing block, the annex). The
charts, which Word cannot take as SVG, are drawn to PNG here from the same SVG (they hold
only rectangles, lines and text). Decree 30/2020: A4, margins 20/20/30/15 mm, Times New
Roman 13 pt (tables 12 pt), page numbers centred in the header from page 2, the annex
numbering its own pages.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from functools import cache
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from lxml import html as lxml_html

from . import pdf

FONT = "Times New Roman"
BODY_PT = 13
TABLE_PT = 12
TEXT_WIDTH_MM = 165  # A4 210 mm − 30 mm left − 15 mm right
LANDSCAPE_TEXT_WIDTH_MM = 252  # A4 landscape 297 mm − 30 mm − 15 mm: the annex with its shortcoming column
CHART_DPI_SCALE = 3  # PNG pixels per SVG unit: sharp when printed


# ----------------------------------------------------------------- low-level helpers


def _set_font(run, size: float | None = None, bold: bool | None = None, italic: bool | None = None) -> None:
    run.font.name = FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold
    if italic is not None:
        run.italic = italic


def _classes(el) -> set[str]:
    return set((el.get("class") or "").split())


def _text(el) -> str:
    return " ".join("".join(el.itertext()).split())


def _add_field(paragraph, instruction: str) -> None:
    """A Word field (PAGE) as its three runs: begin, instruction, end."""
    for kind, text in (("begin", None), (None, instruction), ("end", None)):
        run = paragraph.add_run()
        _set_font(run, BODY_PT)
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._element.append(fld)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._element.append(instr)


def _widths(table, widths_mm) -> None:
    """Column widths on the grid and on every cell: LibreOffice reads the grid, Word the cells."""
    table.autofit = False
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
    for row in table.rows:
        col = 0
        for tc in row._tr.tc_lst:  # a merged cell spans several grid columns: the sum of their widths
            span = tc.grid_span
            tc.width = Mm(sum(widths_mm[col : col + span]))
            col += span


def _narrow_margins(table, twips: int = 57) -> None:
    """Cell padding of about 1 mm (Word's default is 1.9 mm): the PDF's narrow numeric columns fit."""
    mar = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), str(twips))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    table._tbl.tblPr.append(mar)


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    table._tbl.tblPr.append(borders)


def _shade(cell, fill: str = "EEEEEE") -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shd)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _cant_split(row) -> None:
    el = OxmlElement("w:cantSplit")
    el.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(el)


def _inline(paragraph, el, size: float, bold: bool = False, italic: bool = False) -> None:
    """The text of ``el`` with <b>, <i> and <br> as runs, whitespace collapsed as HTML does."""

    def emit(text: str | None, b: bool, i: bool) -> None:
        if text:
            text = re.sub(r"\s+", " ", text)
            if text.strip() or paragraph.runs:
                _set_font(paragraph.add_run(text), size, b, i)

    emit(el.text, bold, italic)
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "br":
            paragraph.add_run().add_break()
        else:
            b = bold or tag in ("b", "strong") or "group" in _classes(child)
            i = italic or tag in ("i", "em")
            _inline(paragraph, child, size, b, i)
        emit(child.tail, bold, italic)


def _paragraph(doc_or_cell, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent: bool = True, after: float = 6):
    p = doc_or_cell.add_paragraph()
    p.alignment = align
    fmt = p.paragraph_format
    fmt.space_after = Pt(after)
    fmt.space_before = Pt(0)
    fmt.line_spacing = 1.15
    if indent:
        fmt.first_line_indent = Mm(10)
    return p


def _cell_paragraph(cell):
    """A cell's first (empty) paragraph, then new ones."""
    p = cell.paragraphs[0] if not cell.paragraphs[0].runs and len(cell.paragraphs) == 1 else cell.add_paragraph()
    p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.space_before = Pt(0)
    p.paragraph_format.first_line_indent = Mm(0)
    return p


# ----------------------------------------------------------------- charts


@cache
def _chart_font(size: int):
    from PIL import ImageFont

    return ImageFont.truetype(str(pdf.font_paths()["regular"]), size)


def svg_to_png(svg: str) -> tuple[bytes, int, int]:
    """Draw one of ``compilation.charts``' SVGs (rect, line, text with tspans) to PNG bytes."""
    from PIL import Image, ImageDraw

    root = lxml_html.fragment_fromstring(svg)
    width, height = int(float(root.get("width"))), int(float(root.get("height")))
    k = CHART_DPI_SCALE
    font_size = float(root.get("font-size") or 11)
    image = Image.new("RGB", (width * k, height * k), "white")
    draw = ImageDraw.Draw(image)
    font = _chart_font(int(font_size * k))
    for el in root.iter():
        tag = el.tag.split("}")[-1] if isinstance(el.tag, str) else ""
        if tag == "rect":
            x, y, w, h = (float(el.get(a)) for a in ("x", "y", "width", "height"))
            draw.rectangle([x * k, y * k, (x + w) * k, (y + h) * k], fill=el.get("fill"))
        elif tag == "line":
            x1, y1, x2, y2 = (float(el.get(a)) for a in ("x1", "y1", "x2", "y2"))
            draw.line([x1 * k, y1 * k, x2 * k, y2 * k], fill=el.get("stroke"), width=k)
        elif tag == "text":
            anchor = {"start": "ls", "middle": "ms", "end": "rs"}[el.get("text-anchor") or "start"]
            x, y = float(el.get("x")), float(el.get("y"))
            spans = [s for s in el if isinstance(s.tag, str) and s.tag.split("}")[-1] == "tspan"]
            lines = [(float(s.get("dy") or 0), s.text or "") for s in spans] if spans else [(0.0, el.text or "")]
            for dy, line in lines:
                y += dy
                draw.text((x * k, y * k), line, fill=el.get("fill") or "#000000", font=font, anchor=anchor)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue(), width, height


# ----------------------------------------------------------------- the blocks of the template


class Writer:
    def __init__(self) -> None:
        self.doc = Document()
        self.text_width = TEXT_WIDTH_MM  # the annex's section may be landscape
        self._page_setup(self.doc.sections[0])
        style = self.doc.styles["Normal"]
        style.font.name = FONT
        style.font.size = Pt(BODY_PT)
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
        self.doc.core_properties.language = "vi-VN"

    def _page_setup(self, section, restart: bool = False, landscape: bool = False) -> None:
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
        section.top_margin, section.bottom_margin = Mm(20), Mm(20)
        section.left_margin, section.right_margin = Mm(30), Mm(15)
        section.header_distance = Mm(10)
        section.different_first_page_header_footer = True  # no number on the first page
        header = section.header
        header.is_linked_to_previous = False
        p = header.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if not p.runs:
            _add_field(p, "PAGE")
        if restart:  # the annex numbers its own pages
            pg = OxmlElement("w:pgNumType")
            pg.set(qn("w:start"), "1")
            section._sectPr.append(pg)

    # -- header blocks
    def doc_header(self, el) -> None:
        table = self.doc.add_table(rows=2, cols=2)
        _no_borders(table)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _widths(table, (TEXT_WIDTH_MM * 0.38, TEXT_WIDTH_MM * 0.62))
        styles = {
            "governing": (13, False, False, True),
            "issuing": (13, True, False, True),
            "nation": (12, True, False, False),
            "motto": (13, True, False, False),
            "number": (13, False, False, False),
            "date-line": (13, False, True, False),
        }
        for r, tr in enumerate(el.findall(".//tr")):
            for c, td in enumerate(tr.findall("td")):
                cell = table.cell(r, c)
                for block in td.iter():
                    kind = next((k for k in styles if k in _classes(block)), None)
                    if kind is None:
                        continue
                    size, bold, italic, upper = styles[kind]
                    p = _cell_paragraph(cell)
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                    text = _text(block).upper() if upper else _text(block)
                    run = p.add_run(text)
                    _set_font(run, size, bold, italic)
                    if kind == "motto":
                        run.underline = True
        _paragraph(self.doc, indent=False, after=6)

    def title(self, el) -> None:
        p = _paragraph(self.doc, WD_ALIGN_PARAGRAPH.CENTER, indent=False, after=0)
        p.paragraph_format.space_before = Pt(12)
        _set_font(p.add_run(_text(el)), 14, True)

    def subject(self, el) -> None:
        p = _paragraph(self.doc, WD_ALIGN_PARAGRAPH.CENTER, indent=False, after=12)
        lines = el.findall(".//span") or [el]
        for i, line in enumerate(lines):
            run = p.add_run(_text(line))
            _set_font(run, 14, True)
            if i < len(lines) - 1:
                run.add_break()

    def para(self, el, heading: bool = False) -> None:
        classes = _classes(el)
        if "annex-title" in classes or "annex-sub" in classes or "caption" in classes:
            p = _paragraph(
                self.doc, WD_ALIGN_PARAGRAPH.CENTER, indent=False, after=0 if "annex-title" in classes else 8
            )
            _inline(
                p,
                el,
                BODY_PT if "caption" not in classes else TABLE_PT,
                "annex-title" in classes,
                "annex-title" not in classes,
            )
            return
        p = _paragraph(self.doc)
        if heading:
            p.paragraph_format.keep_with_next = True
        _inline(p, el, BODY_PT, bold=heading)

    def chart(self, svg_el) -> None:
        png, width, _height = svg_to_png(lxml_html.tostring(svg_el, encoding="unicode"))
        p = _paragraph(self.doc, WD_ALIGN_PARAGRAPH.CENTER, indent=False, after=8)
        p.add_run().add_picture(io.BytesIO(png), width=Mm(min(TEXT_WIDTH_MM, width * 25.4 / 96)))

    def data_table(self, el) -> None:
        widths = [self._col_width(col) for col in el.findall(".//col")]
        rows = el.findall(".//tr")
        columns = max(sum(int(c.get("colspan") or 1) for c in r if isinstance(c.tag, str)) for r in rows)
        if len(widths) != columns:
            widths = [None] * columns
        fixed = sum(w for w in widths if w)
        free = [i for i, w in enumerate(widths) if not w]
        for i in free:
            widths[i] = (self.text_width - fixed) / len(free)
        table = self.doc.add_table(rows=0, cols=columns)
        table.style = "Table Grid"
        _narrow_margins(table)
        for tr in rows:
            row = table.add_row()
            _cant_split(row)
            header = tr.getparent().tag == "thead"
            if header:
                _repeat_header(row)
            c = 0
            for td in tr:
                if not isinstance(td.tag, str):
                    continue
                span = int(td.get("colspan") or 1)
                cell = row.cells[c]
                if span > 1:
                    cell = cell.merge(row.cells[c + span - 1])
                classes = _classes(td)
                p = _cell_paragraph(cell)
                centred = header or classes & {"c", "d"}
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.LEFT
                _inline(p, td, TABLE_PT, bold=header or "group" in classes)
                if "group" in classes:
                    _shade(cell)
                c += span
        _widths(table, widths)
        _paragraph(self.doc, indent=False, after=4)

    @staticmethod
    def _col_width(col) -> float | None:
        match = re.search(r"width:\s*([\d.]+)mm", col.get("style") or "")
        return float(match.group(1)) if match else None

    def closing(self, el) -> None:
        """The closing sentence, Nơi nhận and the signature, kept on one page together."""
        for p_el in el.findall("p"):
            self.para(p_el)
            self.doc.paragraphs[-1].paragraph_format.keep_with_next = True
        tds = el.findall(".//table[@class='closing']//td")
        table = self.doc.add_table(rows=1, cols=2)
        _cant_split(table.rows[0])
        _no_borders(table)
        _widths(table, (TEXT_WIDTH_MM / 2, TEXT_WIDTH_MM / 2))
        left, right = table.cell(0, 0), table.cell(0, 1)
        for block in tds[0].iter():
            classes = _classes(block)
            if "recipients-title" in classes:
                _set_font(_cell_paragraph(left).add_run(_text(block)), 12, True, True)
            elif "recipients-list" in classes:
                p = _cell_paragraph(left)
                _inline(p, block, 11)
        for block in tds[1].iter():
            classes = _classes(block)
            if classes & {"signer-title", "signer-name"}:
                p = _cell_paragraph(right)
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                text = _text(block).upper() if "signer-title" in classes else _text(block)
                _set_font(p.add_run(text), BODY_PT, True)
            elif "signer-space" in classes:
                p = _cell_paragraph(right)
                for _ in range(4):
                    p.add_run().add_break()

    def annex(self, el) -> None:
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        landscape = "landscape" in _classes(el)
        self._page_setup(section, restart=True, landscape=landscape)
        self.text_width = LANDSCAPE_TEXT_WIDTH_MM if landscape else TEXT_WIDTH_MM
        self.blocks(el)

    # -- the walk
    def blocks(self, parent) -> None:
        for el in parent:
            if not isinstance(el.tag, str):
                continue
            tag, classes = el.tag, _classes(el)
            if tag == "table" and "doc-header" in classes:
                self.doc_header(el)
            elif tag == "table" and "data" in classes:
                self.data_table(el)
            elif "doc-title" in classes:
                self.title(el)
            elif "doc-subject" in classes:
                self.subject(el)
            elif "rule" in classes:
                continue
            elif "closing-block" in classes:
                self.closing(el)
            elif tag == "section" and "annex" in classes:
                self.annex(el)
            elif tag in ("h2", "h3"):
                self.para(el, heading=True)
            elif tag == "p":
                self.para(el)
            elif tag == "svg":
                self.chart(el)
            elif tag == "div":
                self.blocks(el)

    def save(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


def _fixed_times(data: bytes, when: dt.datetime) -> bytes:
    """The zip's entries stamped with ``when`` instead of the time of the run, so the same
    report gives the same bytes (the archive's SHA-256 then means the content)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def html_to_docx(html: str, title: str = "", author: str = "", day: dt.date | None = None) -> bytes:
    tree = lxml_html.document_fromstring(html)
    writer = Writer()
    when = dt.datetime.combine(day or dt.date(2000, 1, 1), dt.time(0, 0))
    props = writer.doc.core_properties
    props.title, props.author, props.last_modified_by = title, author, author
    props.created = props.modified = when
    props.revision = 1
    writer.blocks(tree.body)
    return _fixed_times(writer.save(), when)


def render_docx(context: dict[str, Any]) -> bytes:
    """The report's DOCX from the context of ``document.report_context`` (the PDF's)."""
    html = pdf.render_html("pdf/report.html", context)
    cycle = context["cycle"]
    title = "Báo cáo " + " ".join(context.get("subject_lines") or [])
    return html_to_docx(html, title=title, author=cycle.issuing_body, day=context["as_of"])
