"""The 汇总 prints legibly: every sheet's text at ≥ 8 pt on paper, its columns within the page
(a sheet too wide splits across pages with 名次 and 单位 repeated, it is never shrunk below that)."""

from __future__ import annotations

import shutil
import sys

import pytest
from batch_helpers import AS_OF, EXAMPLES, ROOT
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

from engine.cli import main
from scoresheets.print_setup import PAGE_WIDTH_PT, column_points

MIN_PRINTED_PT = 8


def run(args: list) -> int:
    with pytest.raises(SystemExit) as info:
        main(["batch", *map(str, args)])
    return info.value.code


def printed_sizes(path) -> dict[str, tuple[float, int]]:
    """Per sheet: the smallest text (below the title, and on its charts) as printed, in points, and the print scale."""
    out = {}
    for ws in load_workbook(path):
        assert not ws.sheet_properties.pageSetUpPr.fitToPage, f"{ws.title}: a fit-to-page scale is not known"
        scale = ws.page_setup.scale
        sizes = [c.font.sz for row in ws.iter_rows(min_row=2) for c in row if c.value not in (None, "")]
        for chart in ws._charts:  # axis labels and legend
            sizes += [t.p[0].pPr.defRPr.sz / 100 for t in (chart.x_axis.txPr, chart.y_axis.txPr) if t is not None]
        out[ws.title] = (min(sizes) * scale / 100, scale)
        _check_width(ws, scale)
    return out


def _widths(ws, last: int) -> list[float]:
    from openpyxl.utils import get_column_letter

    return [ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(1, last + 1)]


def _check_width(ws, scale: int) -> None:
    """What the sheet prints fits the page at its scale: all of it, or (split across pages) the
    repeated columns beside each other column."""
    area = ws.print_area[0] if isinstance(ws.print_area, list) else ws.print_area
    last = column_index_from_string("".join(ch for ch in area.split(":")[1] if ch.isalpha()))
    widths = [column_points(w) * scale / 100 for w in _widths(ws, last)]
    page = PAGE_WIDTH_PT[True]
    if ws.print_title_cols:
        repeated = column_index_from_string(ws.print_title_cols.split(":")[1].strip("$"))
        assert all(sum(widths[:repeated]) + w <= page for w in widths[repeated:]), ws.title
    else:
        assert sum(widths) <= page, (ws.title, sum(widths), page)


def test_the_summary_of_the_shipped_examples_prints_at_8pt_or_more(tmp_path, monkeypatch):
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    assert run(["examples", "-o", "out", "--as-of", AS_OF, "-j", "1"]) == 0
    sizes = printed_sizes(tmp_path / "out" / "汇总.xlsx")
    wb = load_workbook(tmp_path / "out" / "汇总.xlsx")
    losses = [f"一级指标失分（{n}）" for n in range(1, 5)]  # a sheet per ruleset: each its own 一级指标
    assert list(sizes) == ["排名", *losses, "等次分布", "不良记录汇总", "失分分析", "错误"]
    assert [wb[name]["A1"].value.split(" · ")[0] for name in losses] == [
        "区依法行政示范创建考核评分细则（2013年度）",
        "法治政府建设考核评分细则（示范指标体系版）",
        "县直部门法治建设目标责任考核细则（2024年度）",
        "行政执法质量自查表（2024年度）",
    ]
    assert all(pt >= MIN_PRINTED_PT for pt, _ in sizes.values()), sizes
    assert {name: pt for name, (pt, _) in sizes.items()} == {
        "排名": 10.5,
        **dict.fromkeys(losses, 10.5),
        "等次分布": 8.19,  # two charts side by side: 91 %; their labels 9 pt
        "不良记录汇总": 9.87,
        "失分分析": 10.5,
        "错误": 10.5,
    }


def test_a_table_too_wide_for_a_page_splits_across_pages_at_full_size():
    from openpyxl import Workbook

    from scoresheets.print_setup import print_at_scale

    ws = Workbook().active
    assert print_at_scale(ws, [5, 24] + [9] * 12) < 100  # 12 columns more: shrunk a little, one page wide
    assert print_at_scale(ws, [5, 24] + [9] * 30, title_cols="A:B") == 100  # 30: across pages, A:B on each
    assert ws.print_title_cols == "$A:$B" and not ws.sheet_properties.pageSetUpPr.fitToPage


@pytest.mark.slow
def test_the_summary_of_a_large_mixed_batch_prints_at_8pt_or_more(tmp_path):
    """60 synthetic units of three unit types beside the examples of four rulesets."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from synthetic import write_units

    from engine.api import get_ruleset

    write_units(get_ruleset(ROOT / "rules" / "demo-district-2013.yaml"), tmp_path / "in" / "synthetic", 60, seed=3)
    shutil.copytree(EXAMPLES, tmp_path / "in" / "examples")
    assert run([tmp_path / "in", "--recursive", "-o", tmp_path / "out", "--as-of", AS_OF, "-j", "2"]) == 1
    sizes = printed_sizes(tmp_path / "out" / "汇总.xlsx")
    assert all(pt >= MIN_PRINTED_PT for pt, _ in sizes.values()), sizes


@pytest.mark.parametrize(
    "args",
    [
        ["history/2013", "-r", "history/history-demo.yaml", "--history", "history/2012.json"],  # trend columns
        ["responsibility"],  # the 责任分解 sheet
    ],
    ids=["history", "responsibility"],
)
def test_the_summary_with_history_or_a_responsibility_map_prints_at_8pt_or_more(tmp_path, args):
    paths = [a if a.startswith("-") else EXAMPLES / a for a in args]
    assert run([*paths, "-o", tmp_path / "out", "--as-of", AS_OF, "-j", "1"]) == 0
    sizes = printed_sizes(tmp_path / "out" / "汇总.xlsx")
    assert all(pt >= MIN_PRINTED_PT for pt, _ in sizes.values()), sizes
    assert "责任分解" in sizes  # 南海区 is in both, with the 分工表 its ruleset (or the one it extends) has beside it
