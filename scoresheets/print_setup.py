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
    """A4, one page wide, title_rows (e.g. "3:3"; "" for none) repeated on each page, page numbers in the footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    # Without fitToPage the fitTo* values are ignored.
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if title_rows:
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


# A4 landscape less the margins above, in points; a column of width w (in characters of the
# workbook's default font, Calibri 11 / Carlito: a 7-pixel digit) prints (7w + 5) px × 0.75 pt wide.
PAGE_WIDTH_PT = {True: 841.89 - 0.8 * 72, False: 595.28 - 0.8 * 72}
MIN_SCALE = 80  # 10.5 pt body text prints at 8.4 pt


def column_points(width: float) -> float:
    """The printed width, at 100 %, of a column `width` characters wide."""
    return (width * 7 + 5) * 0.75


def print_at_scale(ws: Worksheet, widths: list[float], landscape: bool = True, title_cols: str = "") -> int:
    """Print at a fixed scale instead of fitting to one page: the largest ≤ 100 % that fits the
    columns in one page width, or — when that would shrink text below MIN_SCALE — 100 % with the
    columns split across pages (title_cols, e.g. "A:B", repeated on each). Returns the scale."""
    needed = sum(column_points(w) for w in widths)
    fit = int(PAGE_WIDTH_PT[landscape] * 0.98 * 100 // needed)  # 2 % for the applications' rounding
    scale = min(100, fit) if fit >= MIN_SCALE else 100
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=False)
    ws.page_setup.scale = scale
    if title_cols:
        ws.print_title_cols = title_cols
    return scale
