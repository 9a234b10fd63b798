"""No clipped text: every row of every sheet of every shipped example's scoresheet is tall enough.

Two measures: the fonts' advance widths (scoresheets.styles, every text cell, merged ones too), and
LibreOffice's own optimal row height (unmerged cells, slow).
"""

from __future__ import annotations

import shutil

import lo
import pytest
from openpyxl.utils import get_column_letter

from engine.api import assess_file
from engine.ruleset.folders import rules_files
from scoresheets.styles import BODY_PT, row_height
from scoresheets.workbook import build_workbook, write_scoresheet
from tests.conftest import AS_OF, EXAMPLES, RULES

SHIPPED = sorted(EXAMPLES.glob("*.json"))
TOLERANCE = 0.5  # points: LibreOffice rounds heights to 1/100 mm


def _width(ws, col: int) -> float:
    return ws.column_dimensions[get_column_letter(col)].width or 8.43


def _spans(ws) -> dict[tuple[int, int], float]:
    """(row, col) of each merged range's top-left cell → the range's width in column units."""
    return {
        (m.min_row, m.min_col): sum(_width(ws, c) for c in range(m.min_col, m.max_col + 1))
        for m in ws.merged_cells.ranges
        if m.min_row == m.max_row
    }


def short_rows(wb) -> list[str]:
    """Cells whose text, wrapped at its font's size in its (merged) width, needs more than the row's height."""
    out = []
    for ws in wb:
        spans = _spans(ws)
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str) or cell.value.startswith("=") or not cell.value:
                    continue
                width = spans.get((cell.row, cell.column), _width(ws, cell.column))
                need = row_height([(cell.value, width)], cell.font.size or BODY_PT)
                have = ws.row_dimensions[cell.row].height or 15
                if have + TOLERANCE < need:
                    out.append(f"{ws.title}!{cell.coordinate} {have} < {need}: {cell.value[:30]}")
    return out


@pytest.mark.parametrize("example", SHIPPED, ids=lambda p: p.stem)
def test_every_text_cell_fits_its_row_by_the_fonts_metrics(example):
    assert short_rows(build_workbook(assess_file(example, as_of=AS_OF))) == []


@pytest.mark.slow
@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice (soffice)")
def test_no_row_is_lower_than_libreoffice_lays_its_text_out(tmp_path):
    books = []
    for example in SHIPPED:
        book = tmp_path / "src" / f"{example.stem}.xlsx"
        book.parent.mkdir(exist_ok=True)
        write_scoresheet(assess_file(example, as_of=AS_OF), book)
        books.append(book)
    clipped = []
    for book, optimal in zip(books, lo.optimal_row_heights(books, tmp_path), strict=True):
        from openpyxl import load_workbook

        wb = load_workbook(book)
        for sheet, rows in optimal.items():
            ws = wb[sheet]
            for r, height in rows.items():
                have = ws.row_dimensions[r].height or 15
                if have + TOLERANCE < height:
                    clipped.append(f"{book.stem} {sheet}!{r}: {have} < {height}")
    assert clipped == []


def test_a_long_unit_name_and_long_reasons_still_fit():
    from sample_results import sample_result

    result = sample_result()
    long_name = "某省某市某县" + "综合行政执法局（Comprehensive Administrative Law Enforcement Bureau）" * 3
    items = [
        i.model_copy(update={"reasons": [i.reasons[0] * 4 + "（12.5%＜80%，1×(91.67−80)÷15=0.778→0.78分）"]})
        if i.reasons
        else i
        for i in result.items
    ]
    wb = build_workbook(result.model_copy(update={"unit": long_name, "items": items}))
    assert wb["评分表"].row_dimensions[1].height > 32  # the title wraps
    assert short_rows(wb) == []


@pytest.mark.parametrize("rules", rules_files(RULES), ids=lambda p: p.stem)
def test_the_published_criteria_fit_their_rows(rules):
    from engine.api import get_ruleset
    from engine.tools.criteria import criteria
    from scoresheets.criteria import build_criteria_workbook

    assert short_rows(build_criteria_workbook(criteria(get_ruleset(rules)))) == []
