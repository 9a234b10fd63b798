"""Page setup applied to every sheet (a sheet left out prints portrait and split)."""

from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from engine.files.naming import repair_surrogates

FOOTER = "第 &P 页 共 &N 页"
HEADER_CHARS = 60


def _escape(text: str) -> str:
    # "&" starts a header/footer code; control characters and lone surrogates make the file unreadable.
    return ILLEGAL_CHARACTERS_RE.sub("", repair_surrogates(text)).replace("&", "&&")


def apply_print_setup(ws: Worksheet, title_rows: str, landscape: bool = True, header_right: str = "") -> None:
    """A4, one page wide, title_rows (e.g. "3:3") repeated on each page, page numbers in the footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    # Without fitToPage the fitTo* values are ignored.
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = title_rows
    ws.print_options.horizontalCentered = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.7, bottom=0.7, header=0.3, footer=0.3)
    ws.oddFooter.center.text = FOOTER
    ws.oddFooter.center.size = 9
    if header_right:
        # Excel refuses a header over 255 characters; a unit name is at most 200 before escaping
        ws.oddHeader.right.text = _escape(header_right[:HEADER_CHARS])
        ws.oddHeader.right.size = 9
    if ws.max_row >= 1:
        ws.print_area = f"A1:{get_column_letter(ws.max_column)}{ws.max_row}"
