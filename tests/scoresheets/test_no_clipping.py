"""No clipped text: every row of every sheet of every shipped example's scoresheet is tall enough.

Two measures: the fonts' advance widths (scoresheets.styles, every text cell, merged ones too), and
LibreOffice's own optimal row height (unmerged cells, slow).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import lo
import pytest

from engine.api import assess_file
from engine.ruleset.folders import rules_files
from scoresheets.styles import row_needs
from scoresheets.workbook import build_workbook, write_scoresheet
from tests.conftest import AS_OF, EXAMPLES, RULES

SHIPPED = sorted(EXAMPLES.glob("*.json"))
TOLERANCE = 0.5  # points: LibreOffice rounds heights to 1/100 mm


def short_rows(wb) -> list[str]:
    """Cells whose text, wrapped at its font's size in its (merged) width, needs more than the row's height."""
    return [f"{cell} {need}" for ws in wb if ws.sheet_state == "visible" for need, cell in row_needs(ws).values()]


OTHER_BOOKS = {  # every other kind of workbook, as a user makes it
    "汇总": ["batch", str(EXAMPLES), "-o", "{dir}/batch", "--as-of", AS_OF.isoformat(), "-j", "1"],
    "填报表": ["template", "demo-district-2013", "-o", "{dir}/填报表.xlsx"],
    "填报表（区直部门）": [
        "template",
        "national-model-2021",
        "--unit-type",
        "区直部门",
        "-o",
        "{dir}/填报表（区直部门）.xlsx",
    ],
    "评分细则": ["rules", "export", "national-model-2021", "-o", "{dir}/评分细则.xlsx"],
    "变更": ["rules", "diff", "demo-district-2012", "demo-district-2013", "-o", "{dir}/变更.xlsx"],
}


@pytest.fixture(scope="module")
def other_books(tmp_path_factory) -> dict[str, Path]:
    from engine.cli import main

    folder = tmp_path_factory.mktemp("books")
    books = {}
    for kind, args in OTHER_BOOKS.items():
        with pytest.raises(SystemExit) as done:
            main([a.format(dir=folder) for a in args])
        assert done.value.code in (0, 1), kind  # 1: a rules diff that found changes
        books[kind] = folder / "batch" / "汇总.xlsx" if kind == "汇总" else Path(args[-1].format(dir=folder))
    return books


@pytest.mark.parametrize("kind", OTHER_BOOKS)
def test_every_other_workbook_fits_its_rows_by_the_fonts_metrics(kind, other_books):
    from openpyxl import load_workbook

    assert short_rows(load_workbook(other_books[kind])) == []


@pytest.mark.parametrize("example", SHIPPED, ids=lambda p: p.stem)
def test_every_text_cell_fits_its_row_by_the_fonts_metrics(example):
    assert short_rows(build_workbook(assess_file(example, as_of=AS_OF))) == []


@pytest.mark.slow
@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice (soffice)")
def test_no_row_is_lower_than_libreoffice_lays_its_text_out(tmp_path, other_books):
    books = list(other_books.values())
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
            if ws.sheet_state != "visible":
                continue
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
