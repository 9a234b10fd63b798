"""`assess rules diff`: what changed between two years' criteria, as text and xlsx."""

from __future__ import annotations

import pytest
from conftest import DATA
from openpyxl import load_workbook

from engine.cli import main

MINI = (DATA / "mini.yaml").read_text(encoding="utf-8")


def run(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    return (info.value.code, *capsys.readouterr())


def next_year() -> str:
    text = MINI.replace("考核年度: 2013", "考核年度: 2014")
    text = text.replace(
        "每低1个百分点扣0.5分。\n            计分方式: 比率不足扣分\n            指标: 备案率\n            每低一个百分点扣分: 0.5",
        "每低1个百分点扣1分。\n            计分方式: 比率不足扣分\n            指标: 备案率\n            每低一个百分点扣分: 1",
    )
    text = text.replace("            考核内容: 专题学法\n", "            考核内容: 领导干部专题学法\n")
    text = text.replace("编号: B-05", "编号: B-07")  # renumbered, same content
    text = text.replace("适用单位: [镇街]\n加分项", "适用单位: [镇街, 区直部门]\n加分项")
    text = text.replace(
        "{条件: 报告报送日期 <= 2013-03-31, 得分: 0.5}", "{条件: 报告报送日期 <= 2013-04-15, 得分: 0.5}"
    )
    # drop A-04, add C-01 (same points, so the total still adds up)
    start = text.index("          - 编号: A-04")
    end = text.index("          - 编号: A-05")
    text = text[:start] + text[end:]
    text = text.replace("  - 一级指标: 制度建设\n    分值: 10", "  - 一级指标: 制度建设\n    分值: 9")
    text = text.replace(
        "加分项:",
        """  - 一级指标: 新增
    二级指标:
      - 名称: 新增
        评分项:
          - 编号: C-01
            考核内容: 合法性审核
            分值: 1
            评分标准: 未经合法性审核的，扣1分。
            计分方式: 条件扣分
            条件: 非 制定工作要点
加分项:""",
    )
    return text


def test_diff_lists_every_kind_of_change(tmp_path, capsys):
    old = tmp_path / "2013.yaml"
    new = tmp_path / "2014.yaml"
    old.write_text(MINI, encoding="utf-8")
    new.write_text(next_year(), encoding="utf-8")
    out_xlsx = tmp_path / "diff.xlsx"
    code, out, err = run(["rules", "diff", str(old), str(new), "-o", str(out_xlsx), "--exit-code"], capsys)
    assert code == 1, err
    lines = out.splitlines()
    assert lines[0] == "2013.yaml → 2014.yaml：修改5处，更名1处，新增1处，删除1处，编号变更1处"
    # the summary line: items, not lines; A-04 (1 point) out and C-01 (1 point) in leave the total as it was
    assert lines[1] == (
        "评分项、加分项、否决项：新增1项，删除1项，修改5项；分值改变的评分项0项，连同新增、删除的评分项，分值合计变化0分；"
        "规则集设置和申报指标的变更1处"
    )
    assert len(lines) == 11
    assert set(lines[2:]) == {
        "［修改］规则集 考核年度 考核年度：2013 → 2014",
        "［修改］评分项 A-02（备案率） 评分标准：备案率须达100%，每低1个百分点扣0.5分。 → 备案率须达100%，每低1个百分点扣1分。",
        "［修改］评分项 A-02（备案率） 每低一个百分点扣分：0.5 → 1",
        "［更名］评分项 A-03（领导干部专题学法）：专题学法 → 领导干部专题学法",
        # bands one a line in the workbook, joined with "；" on the terminal
        "［修改］评分项 B-01（年度报告） 档次：1. 条件：报告报送日期 <= 2013-03-01，得分：2；2. 条件：报告报送日期 <= 2013-03-31，得分：0.5"
        " → 1. 条件：报告报送日期 <= 2013-03-01，得分：2；2. 条件：报告报送日期 <= 2013-04-15，得分：0.5",
        "［修改］评分项 B-06（镇街专项） 适用单位：镇街 → 镇街、区直部门",
        "［新增］评分项 C-01（合法性审核）",
        "［编号变更］评分项 B-07（满意度）：B-05 → B-07",
        "［删除］评分项 A-04（工作要点）",
    }
    wb = load_workbook(out_xlsx, rich_text=True)
    assert wb.properties.title.startswith("评分细则变更：")
    assert wb.properties.creator.startswith("fazhi-assess")
    ws = wb["变更"]
    assert ws["A2"].value.startswith(lines[1] + "。\n底色：绿＝新增，红＝删除，黄＝修改")
    assert [ws.cell(3, c).value for c in range(1, 9)] == [
        "序号",
        "变更",
        "部分",
        "编号/指标",
        "考核内容/名称",
        "变更项",
        "原值",
        "新值",
    ]
    rows = {r: [str(ws.cell(r, c).value or "") for c in range(2, 9)] for r in range(4, ws.max_row + 1)}
    by_change = {(v[0], v[2], v[4]): r for r, v in rows.items()}
    assert rows[by_change[("修改", "A-02", "每低一个百分点扣分")]][5:] == ["0.5", "1"]
    # an item added or removed: what it was worth and its standard
    assert rows[by_change[("删除", "A-04", "")]] == [
        "删除",
        "评分项",
        "A-04",
        "工作要点",
        "",
        "分值：1\n未制定年度工作要点的扣1分。",
        "",
    ]
    assert rows[by_change[("新增", "C-01", "")]][5:] == ["", "分值：1\n未经合法性审核的，扣1分。"]
    # a colour per kind of change, over the whole row
    fills = {
        kind: ws.cell(by_change[key], 1).fill.fgColor.rgb[-6:]
        for kind, key in [
            ("新增", ("新增", "C-01", "")),
            ("删除", ("删除", "A-04", "")),
            ("修改", ("修改", "A-02", "评分标准")),
        ]
    }
    assert fills == {"新增": "E2EFDA", "删除": "FCE4D6", "修改": "FFF2CC"}
    assert ws.cell(by_change[("删除", "A-04", "")], 8).fill.fgColor.rgb[-6:] == "FCE4D6"
    # the bands one a line; in them, the changed date marked: struck red in 原值, bold green in 新值
    row = by_change[("修改", "B-01", "档次")]
    old, new = ws.cell(row, 7).value, ws.cell(row, 8).value
    assert str(old) == "1. 条件：报告报送日期 <= 2013-03-01，得分：2\n2. 条件：报告报送日期 <= 2013-03-31，得分：0.5"
    assert [(b.text, b.font.color.rgb[-6:], bool(b.font.strike)) for b in old if b.font.color is not None] == [
        ("03-31", "C00000", True)
    ]
    assert [(b.text, b.font.color.rgb[-6:], bool(b.font.b)) for b in new if b.font.color is not None] == [
        ("04-15", "00863D", True)
    ]
    # the 评分标准 sentence: only "0.5" → "1" is marked
    row = by_change[("修改", "A-02", "评分标准")]
    assert [b.text for b in ws.cell(row, 7).value if b.font.strike] == ["0.5"]
    assert [b.text for b in ws.cell(row, 8).value if b.font.b] == ["1"]
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$3:$3"
    assert ws.page_setup.scale >= 80 and not ws.sheet_properties.pageSetUpPr.fitToPage  # 10.5 pt prints ≥ 8.4 pt


def test_values_are_laid_out_to_be_read():
    from decimal import Decimal

    from engine.tools.diff import show

    assert show(["镇街", "区直部门"]) == "镇街、区直部门"  # a short list on one line
    assert show(["甲" * 15, "乙" * 15, "丙" * 15]) == "\n".join(
        ["甲" * 15, "乙" * 15, "丙" * 15]
    )  # a long one a line each
    assert show({"优秀": Decimal("90"), "良好": Decimal("80.0")}) == "优秀：90\n良好：80"
    assert show(True) == "是" and show(None) == ""


def test_identical_files_have_no_changes(tmp_path, capsys):
    old = tmp_path / "a.yaml"
    old.write_text(MINI, encoding="utf-8")
    code, out, _ = run(["rules", "diff", str(old), str(DATA / "mini.yaml"), "--exit-code"], capsys)
    assert code == 0 and out == "a.yaml 与 mini.yaml 的评分细则没有差别。\n"


def test_conditions_are_compared_in_words():
    from engine.api import get_ruleset
    from engine.tools.diff import diff

    changes = diff(get_ruleset("demo-district-2012"), get_ruleset("demo-district-2013"))
    zz05 = next(c for c in changes if c.key == "ZZ-05" and c.field == "条件")
    assert (zz05.old, zz05.new) == ("目标考核依法行政分值低于2分", "目标考核依法行政分值低于3分")
