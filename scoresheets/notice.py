"""The 考核结果通报（草稿）.docx: a Notice (engine/tools/notice.py) laid out as a 公文 (GB/T 9704-2012).

A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (text block 156 × 225 mm); 22 lines
of about 28 characters: 3号 (16 pt) 仿宋_GB2312 on an exact 28.95 pt line. Title 2号 方正小标宋简体,
一、 headings 黑体, （一） headings 楷体_GB2312, tables 4号. The fonts table names what Word
uses where a font is missing (仿宋_GB2312 → 仿宋, 方正小标宋简体 → 宋体, 楷体_GB2312 → 楷体).
Page numbers "— 1 —" in 4号 宋体, odd pages right and even pages left, one character in.
Written atomically and reproducibly: properties and zip dates from the batch's scoring time.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION_START
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from lxml import etree

from engine.files.atomic import write_bytes_atomic
from engine.tools.notice import DOC_NUMBER, ISSUER_MARK, Heading, Notice, Para, Table
from scoresheets.reproducible import CREATOR, normalise_zip

BODY_FONT, TITLE_FONT, HEADING_FONT, SUBHEADING_FONT, NUMBER_FONT = (
    "仿宋_GB2312",
    "方正小标宋简体",
    "黑体",
    "楷体_GB2312",
    "宋体",
)
FALLBACKS = {
    BODY_FONT: "仿宋",
    TITLE_FONT: "宋体",
    SUBHEADING_FONT: "楷体",
    HEADING_FONT: "SimHei",
    NUMBER_FONT: "SimSun",
}
BODY_PT, TITLE_PT, TABLE_PT, NUMBER_PT, NOTE_PT, MARK_PT = 16, 22, 12, 14, 10.5, 30
LINE_PT = 28.95  # 225 mm / 22 lines
TEXT_WIDTH_MM, TEXT_HEIGHT_MM = 156, 225
IMPRINT_MM = 150  # LibreOffice sets a floating table nearly as wide as the text inline, in the flow
THICK, THIN = 8, 6  # border widths in eighths of a point: 0.35 mm and 0.25 mm (版记 lines)
CHAR_TIGHTEN = -5  # twentieths of a point: 28 × 15.75 pt = 441 pt ≤ 156 mm (442.2 pt)
TABLE_LINE_PT = 20
CELL_MARGIN_TWIPS = 57  # 1 mm
SHORT_TABLE = 8  # rows: a table this short is not split over pages
APP_XML = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    f"<Application>{CREATOR}</Application></Properties>"
)
RED = RGBColor(0xFF, 0x00, 0x00)
GREY = RGBColor(0x7F, 0x7F, 0x7F)


def _fonts(run, font: str) -> None:
    run.font.name = font  # ascii and hAnsi
    rpr = run._element.get_or_add_rPr()
    rpr.rFonts.set(qn("w:eastAsia"), font)


# a hyphen inside an id (ZZ-07, QX-NH) or a year range: held to its neighbours by WORD JOINERs
# (U+2060), so a line never ends at "ZZ-" with "07" on the next. Word's own non-breaking hyphen
# (w:noBreakHyphen, or U+2011) was tried: LibreOffice still breaks there in Chinese text.
_ID_HYPHEN = re.compile(r"(?<=[A-Za-z0-9])-(?=[A-Za-z0-9])")


def _run(paragraph, text: str):
    """A run of `text` whose in-word hyphens do not break."""
    return paragraph.add_run(_ID_HYPHEN.sub("\u2060-\u2060", text))


def _line(paragraph, pt: float = LINE_PT) -> None:
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(pt)
    fmt.space_before = fmt.space_after = Pt(0)


def _para(
    doc, text: str, font: str = BODY_FONT, size: float = BODY_PT, *, align=None, indent=True, color=None, keep=False
):
    p = doc.add_paragraph()
    _line(p, max(LINE_PT, size * 1.5) if size >= BODY_PT else size * 1.5)
    p.paragraph_format.keep_with_next = keep
    if align is not None:
        p.alignment = align
    else:
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    if text:
        run = _run(p, text)
        _fonts(run, font)
        run.font.size = Pt(size)
        if color is not None:
            run.font.color.rgb = color
        if size == BODY_PT:
            # 28 characters to the 156 mm line (a document grid would do it in Word, but LibreOffice
            # spreads a grid's characters apart): 16 pt characters set 0.25 pt closer
            spacing = OxmlElement("w:spacing")
            spacing.set(qn("w:val"), str(CHAR_TIGHTEN))
            run._element.get_or_add_rPr().append(spacing)
    return p


def _border(paragraph, side: str, color: str = "FF0000", size: int = 8) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    edge = OxmlElement(f"w:{side}")
    for key, value in (("val", "single"), ("sz", str(size)), ("space", "1"), ("color", color)):
        edge.set(qn(f"w:{key}"), value)
    borders.append(edge)
    ppr.append(borders)


def _cell(cell, text: str, *, bold_font: bool, left: bool, keep: bool) -> None:
    cell.text = ""
    p = cell.paragraphs[0]
    _line(p, TABLE_LINE_PT)
    p.paragraph_format.keep_with_next = keep
    p.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
    run = _run(p, text)
    _fonts(run, HEADING_FONT if bold_font else BODY_FONT)
    run.font.size = Pt(TABLE_PT)
    tcpr = cell._tc.get_or_add_tcPr()
    valign = OxmlElement("w:vAlign")
    valign.set(qn("w:val"), "center")
    tcpr.append(valign)


def _table(doc, block: Table) -> None:
    table = doc.add_table(rows=1 + len(block.rows), cols=len(block.header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    margins = OxmlElement("w:tblCellMar")  # 1 mm each side (not Word's 1.9 mm): six columns fit on 156 mm
    for side in ("left", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), str(CELL_MARGIN_TWIPS))
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    table._tbl.tblPr.append(margins)
    short = len(block.rows) <= SHORT_TABLE

    def keep(r: int) -> bool:  # a short table stays on one page; a long one keeps its header with a row
        return r == 0 or (short and r < len(block.rows))

    for r, values in enumerate((block.header, *block.rows)):
        row = table.rows[r]
        trpr = row._tr.get_or_add_trPr()
        trpr.append(OxmlElement("w:cantSplit"))
        if r == 0:
            trpr.append(OxmlElement("w:tblHeader"))  # repeated on every page the table runs onto
        for c, value in enumerate(values):
            cell = row.cells[c]
            cell.width = Mm(block.widths_mm[c])
            _cell(cell, value, bold_font=r == 0, left=r > 0 and c in block.left, keep=keep(r))
    for c, width in enumerate(block.widths_mm):
        table.columns[c].width = Mm(width)
    _para(doc, "", indent=False)  # a line between the table and what follows


def _page_number(footer, align) -> None:
    p = footer.paragraphs[0]
    p.alignment = align
    fmt = p.paragraph_format
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        fmt.right_indent = Pt(NUMBER_PT)
    else:
        fmt.left_indent = Pt(NUMBER_PT)
    for text in ("— ", None, " —"):
        if text is None:
            run = p.add_run()
            for kind, instr in (("begin", None), (None, " PAGE "), ("separate", None), ("end", None)):
                if kind is None:
                    el = OxmlElement("w:instrText")
                    el.set(qn("xml:space"), "preserve")
                    el.text = instr
                else:
                    el = OxmlElement("w:fldChar")
                    el.set(qn("w:fldCharType"), kind)
                run._r.append(el)
                if kind == "separate":
                    shown = OxmlElement("w:t")
                    shown.text = "1"
                    run._r.append(shown)
        else:
            run = p.add_run(text)
        _fonts(run, NUMBER_FONT)
        run.font.size = Pt(NUMBER_PT)


def _font_table(doc) -> None:
    """Declare each font with the one to use where it is missing (w:altName)."""
    part = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    root = etree.fromstring(part.blob)
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    for name, alt in FALLBACKS.items():
        font = etree.SubElement(root, f"{{{w}}}font", {f"{{{w}}}name": name})
        etree.SubElement(font, f"{{{w}}}altName", {f"{{{w}}}val": alt})
        etree.SubElement(font, f"{{{w}}}charset", {f"{{{w}}}val": "86"})  # GB2312
        etree.SubElement(font, f"{{{w}}}family", {f"{{{w}}}val": "modern" if name != TITLE_FONT else "roman"})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _setup(doc) -> None:
    section = doc.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(22)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(BODY_PT)
    normal.element.get_or_add_rPr().rFonts.set(qn("w:eastAsia"), BODY_FONT)
    _font_table(doc)
    # the template's application properties and thumbnail describe another document
    app = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/docProps/app.xml")
    app._blob = APP_XML.encode()
    for rel_id, rel in list(doc.part.package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            doc.part.package.rels.pop(rel_id)


def build_document(notice: Notice):
    doc = Document()
    _setup(doc)
    body = doc.element.body
    for child in list(body):
        if child.tag == qn("w:p"):
            body.remove(child)  # the template's empty paragraph
    _para(doc, notice.draft_note, size=NOTE_PT, indent=False, color=GREY)
    _para(doc, ISSUER_MARK, TITLE_FONT, MARK_PT, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, color=RED)
    _para(doc, "", indent=False)
    number = _para(doc, DOC_NUMBER, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _border(number, "bottom")  # 版头分隔线
    _para(doc, "", indent=False)
    title = _para(doc, "", TITLE_FONT, TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    for n, line in enumerate(notice.title_lines):  # broken between phrases (engine.tools.notice.title_lines)
        run = title.add_run(line)
        _fonts(run, TITLE_FONT)
        run.font.size = Pt(TITLE_PT)
        if n + 1 < len(notice.title_lines):
            run.add_break()
    _para(doc, "", indent=False)
    _para(doc, notice.addressee, indent=False)
    blocks = notice.body
    for n, block in enumerate(blocks):
        # kept with what follows: a line that introduces a table, and the last one (落款 never stands alone)
        before_table = n + 1 == len(blocks) or isinstance(blocks[n + 1], Table)
        if isinstance(block, Heading):
            _para(doc, block.text, HEADING_FONT if block.level == 1 else SUBHEADING_FONT, keep=True)
        elif isinstance(block, Para):
            _para(doc, block.text, keep=before_table)
        else:
            _table(doc, block)
    for _ in range(2):
        _para(doc, "", indent=False, keep=True)
    signature = _para(doc, notice.signature, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, keep=True)
    signature.paragraph_format.right_indent = Pt(BODY_PT * 4)
    date = _para(doc, notice.date, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    date.paragraph_format.right_indent = Pt(BODY_PT * 4)
    _imprint(doc, notice)
    return doc


def _edge(parent, side: str, size: int) -> None:
    edge = OxmlElement(f"w:{side}")
    for key, value in (("val", "single"), ("sz", str(size)), ("space", "0"), ("color", "000000")):
        edge.set(qn(f"w:{key}"), value)
    parent.append(edge)


def _imprint(doc, notice: Notice) -> None:
    """The 版记 (GB/T 9704-2012 7.4) at the foot of the last page: 抄送 and 印发机关/印发日期 in 4号 仿宋, one
    character in from each side, under a thick first line (0.35 mm), a thin one (0.25 mm) between them and
    a thick last line. A table floating at a fixed place from the top margin, its foot on the bottom margin
    (LibreOffice places a table set "at the bottom" inline), so it keeps to the page foot."""
    table = doc.add_table(rows=2, cols=1)
    tblpr = table._tbl.tblPr  # children in the schema's order: tblpPr first, tblW, jc, tblBorders, tblLook last
    place = OxmlElement("w:tblpPr")
    top = round((TEXT_HEIGHT_MM / 25.4 * 72 - 2 * LINE_PT - 2) * 20)  # twips: two exact lines and the rules
    for key, value in (
        ("vertAnchor", "margin"),
        ("tblpY", str(top)),
        ("horzAnchor", "margin"),
        ("tblpXSpec", "center"),
    ):
        place.set(qn(f"w:{key}"), value)
    tblpr.insert(0, place)
    tblw = tblpr.find(qn("w:tblW"))
    tblw.set(qn("w:w"), str(round(IMPRINT_MM / 25.4 * 1440)))
    tblw.set(qn("w:type"), "dxa")
    borders = OxmlElement("w:tblBorders")
    for side, size in (("top", THICK), ("bottom", THICK), ("insideH", THIN)):
        _edge(borders, side, size)
    for side in ("left", "right", "insideV"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "nil")
        borders.append(edge)
    tblpr.find(qn("w:tblLook")).addprevious(borders)
    table.columns[0].width = Mm(IMPRINT_MM)
    for r, (left, right) in enumerate(((notice.copy_to, ""), (notice.printer, notice.print_date))):
        cell = table.rows[r].cells[0]
        cell.width = Mm(IMPRINT_MM)
        p = cell.paragraphs[0]
        _line(p, LINE_PT)
        fmt = p.paragraph_format
        fmt.left_indent = fmt.right_indent = Pt(NUMBER_PT)
        if right:  # 印发日期 flush right, one character in: a right tab at the text's end
            fmt.tab_stops.add_tab_stop(Mm(IMPRINT_MM) - Pt(NUMBER_PT * 2), WD_TAB_ALIGNMENT.RIGHT)
        run = p.add_run(f"{left}\t{right}" if right else left)
        _fonts(run, BODY_FONT)
        run.font.size = Pt(NUMBER_PT)
    _line(doc.add_paragraph(), 1)  # a document ends with a paragraph (Word adds one after a last table)


def notice_bytes(notice: Notice, when: dt.datetime) -> bytes:
    doc = build_document(notice)
    utc = when.astimezone(dt.UTC).replace(microsecond=0) if when.tzinfo else when.replace(microsecond=0)
    props = doc.core_properties
    props.title = notice.title
    props.author = props.last_modified_by = CREATOR
    props.created = props.modified = utc
    props.last_printed = utc
    props.revision = 1
    props.comments = props.keywords = props.subject = props.category = ""
    raw = io.BytesIO()
    doc.save(raw)
    return normalise_zip(raw.getvalue(), when)


def write_notice(notice: Notice, path: str | Path, when: dt.datetime) -> None:
    """Write the notice to path atomically; `when` (the batch's scoring time) dates it."""
    write_bytes_atomic(path, notice_bytes(notice, when))
