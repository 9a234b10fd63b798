"""`assess batch`: the 汇总 workbook read back cell by cell, names, exit codes, JSON, discovery."""

from __future__ import annotations

import hashlib
import json
import os
import shutil

import pytest
from batch_helpers import AS_OF, EXAMPLES, ROOT, sheet_values, submission
from openpyxl import load_workbook

from engine import __version__
from engine.cli import main

BROKEN = ROOT / "tests" / "data" / "batch"
RULES_DIR = ROOT / "rules"
DEMO_EXAMPLES = ["huashan-2012.json", "qujiang-2019.json", "gaizhou-2016.json", "problem-department.json"]
INFO = "规则集：demo-district-2013\u3000考核年度：2012年度、2016年度、2019年度\u3000评分时间：2014年1月15日 09:00\u3000"
TITLE = "区依法行政示范创建考核评分细则（2013年度） · "
CATEGORIES = [
    "组织领导",
    "制度建设与规范性文件",
    "科学民主决策",
    "行政执法",
    "行政监督与政务公开",
    "矛盾纠纷化解",
    "学法用法与法治宣传",
]


def run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(["batch", *args])
    return info.value.code


@pytest.fixture()
def here(tmp_path, monkeypatch):
    """Run in a folder holding copies of the demo ruleset's examples and the broken submissions."""
    (tmp_path / "examples").mkdir()
    for name in DEMO_EXAMPLES:
        shutil.copy(EXAMPLES / name, tmp_path / "examples" / name)
    shutil.copytree(BROKEN, tmp_path / "broken")
    monkeypatch.chdir(tmp_path)
    return tmp_path


G12 = "demo-district-2013 · 2012年度 · 区县政府"
G12D = "demo-district-2013 · 2012年度 · 区直部门"
G16 = "demo-district-2013 · 2016年度 · 区县政府"
G19 = "demo-district-2013 · 2019年度 · 区县政府"
GROUPS = (
    "本批申报分为4个分组（规则集、考核年度、单位类型均相同的为一组），排名、等次分布和失分分析按组分别统计："
    f"{G12}（1个单位）；{G12D}（1个单位）；{G16}（1个单位）；{G19}（1个单位）。"
    "其中有不同考核年度或不同规则集的申报，不同分组的分数不可相互比较"
)


def test_examples_and_broken_submissions_give_every_sheet(here, capsys):
    review = str(EXAMPLES / "reviews" / "review.yaml")  # the assessors' decisions on XF-05
    code = run(
        ["examples", "broken", "missing.json", "-o", "out", "--as-of", AS_OF, "--jobs", "1", "--overrides", review]
    )
    err = capsys.readouterr().err
    assert code == 1
    out = here / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        "区市政管理局（虚构示例单位）-2012年度评分表.xlsx",
        "汇总.xlsx",
        "盖州市人民政府-2016年度评分表.xlsx",
        "花山区人民政府-2012年度评分表.xlsx",
        "西安曲江新区管理委员会-2019年度评分表.xlsx",
    ]
    v = sheet_values(out / "汇总.xlsx")
    assert list(v) == ["排名", "一级指标失分", "等次分布", "不良记录汇总", "失分分析", "错误"]
    counts = "申报文件8份，已评分4份，未能评分4份"

    ranking = v["排名"]
    assert ranking[0][0] == TITLE + "考核结果排名"
    assert ranking[1][0] == (
        f"{INFO}{counts}\n{GROUPS}\n排名规则：同一分组（规则集、考核年度、单位类型均相同）内按总分从高到低排名；"
        "总分相同的名次相同，其后名次顺延（如 1、1、3）；总分相同的按申报文件顺序列出。"
    )
    assert ranking[2] == ("名次", "单位", "单位类型", "总分", "等次", "一票否决", "不良记录", "待复核项", "评分表")
    lines = "\u3000等次线：优秀90分、良好80分、合格60分"

    def link(name: str) -> str:
        return f'=HYPERLINK("{name}","{name}")'

    # a block per group, headed by it: three 区县政府 of three different years are ranked apart
    assert ranking[3:] == [
        (f"{G12}（1个单位）{lines}",) + (None,) * 8,
        (1, "花山区人民政府", "区县政府", 93.23, "优秀", "否", 0, "JD-06", link("花山区人民政府-2012年度评分表.xlsx")),
        (f"{G12D}（1个单位）{lines}",) + (None,) * 8,
        (1, "区市政管理局（虚构示例单位）", "区直部门", 64.63, "不合格", "是（FJ-01、FJ-02）", 10, "XF-05",
         link("区市政管理局（虚构示例单位）-2012年度评分表.xlsx")),
        (f"{G16}（1个单位）{lines}",) + (None,) * 8,
        (1, "盖州市人民政府", "区县政府", 88.56, "良好", "否", 1, "无", link("盖州市人民政府-2016年度评分表.xlsx")),
        (f"{G19}（1个单位）{lines}",) + (None,) * 8,
        (1, "西安曲江新区管理委员会", "区县政府", 90.8, "良好", "否", 2, "JD-06",
         link("西安曲江新区管理委员会-2019年度评分表.xlsx")),
    ]  # fmt: skip

    losses = v["一级指标失分"]
    assert losses[0][0] == TITLE + "各一级指标失分"
    assert losses[2] == ("名次", "单位", "总分", "加分", *CATEGORIES)
    assert [r for r in losses[3:] if r[0] != f"{G12D}（1个单位）{lines}" and r[1] is not None] == [
        (1, "花山区人民政府", 93.23, 0, 2, 1, 0, 2.5, 0.13, 0, 1),
        (1, "区市政管理局（虚构示例单位）", 64.63, 1.5, 8, 2.9, 4, 7.1, 3.34, 6.25, 3.81),
        (1, "盖州市人民政府", 88.56, 0, 1, 0, 1, 3, 2.21, 2, 2),
        (1, "西安曲江新区管理委员会", 90.8, 1, 1.5, 2, 1, 3.5, 0, 2, 0),
    ]

    grades = v["等次分布"]
    assert grades[0][0] == TITLE + "等次分布"
    bands = ("不合格\n60分以下", "合格\n60–80分", "良好\n80–90分", "优秀\n90分及以上")  # by the grade lines
    assert grades[2:16] == [
        ("分组", "优秀", "良好", "合格", "不合格", "合计"),
        (G12, 1, 0, 0, 0, 1),
        (G12D, 0, 0, 0, 1, 1),
        (G16, 0, 1, 0, 0, 1),
        (G19, 0, 1, 0, 0, 1),
        ("合计", 1, 2, 0, 1, 4),
        (None,) * 6,
        ("总分分布（单位数，按等次线 优秀90分、良好80分、合格60分 分段）",) + (None,) * 5,
        ("分组", *bands, "合计"),
        (G12, 0, 0, 0, 1, 1),
        (G12D, 0, 1, 0, 0, 1),
        (G16, 0, 0, 1, 0, 1),
        (G19, 0, 0, 0, 1, 1),
        ("合计", 0, 1, 1, 2, 4),
    ]

    bad = v["不良记录汇总"]
    assert bad[1][0] == f"{INFO}{counts}\n{GROUPS}\n不良记录13条（其中严重3条），按排名顺序列出"
    assert bad[2] == ("序号", "单位", "单位类型", "规则编号", "事项", "依据", "扣分", "严重程度", "后果", "说明")
    assert len(bad) == 3 + 13
    assert [(r[0], r[1], r[3], r[6], r[7]) for r in bad[3:]] == [
        (1, "区市政管理局（虚构示例单位）", "ZZ-05", 3, "一般"),
        (2, "区市政管理局（虚构示例单位）", "ZZ-07", 1, "一般"),
        (3, "区市政管理局（虚构示例单位）", "ZD-01", 1, "一般"),
        (4, "区市政管理局（虚构示例单位）", "JC-01", 2, "一般"),
        (5, "区市政管理局（虚构示例单位）", "ZF-04", 1, "一般"),
        (6, "区市政管理局（虚构示例单位）", "MD-03", 1, "一般"),
        (7, "区市政管理局（虚构示例单位）", "MD-03", 1, "一般"),
        (8, "区市政管理局（虚构示例单位）", "MD-04", 1, "严重"),
        (9, "区市政管理局（虚构示例单位）", "FJ-01", 0, "严重"),
        (10, "区市政管理局（虚构示例单位）", "FJ-02", 0, "严重"),
        (11, "盖州市人民政府", "JC-01", 1, "一般"),
        (12, "西安曲江新区管理委员会", "ZD-04", 1, "一般"),
        (13, "西安曲江新区管理委员会", "JC-01", 1, "一般"),
    ]
    assert bad[14][4] == "规范性文件未经合法性审查即发布1件"
    assert bad[10][4] == "行政诉讼案件（2012）示范行初字第11号（行政处罚（罚款））负责人未出庭应诉且败诉"
    assert bad[10][8] == "追究相关领导责任，等次不得高于合格"

    items = v["失分分析"]
    assert items[2] == (
        "序号",
        "评分项",
        "一级指标",
        "考核内容",
        "分值",
        "适用单位数",
        "失分单位数",
        "待复核单位数",
        "失分合计",
        "平均失分",
        "失分率（%）",
        "失分单位",
    )
    # per group: its heading, the items somebody lost points on (hardest first), a line for the rest
    heads = [n for n, row in enumerate(items) if row[0] in {f"{g}（1个单位）{lines}" for g in (G12, G12D, G16, G19)}]
    assert len(heads) == 4
    blocks = [items[a + 1 : b - 1] for a, b in zip(heads, [*heads[1:], len(items)], strict=True)]
    notes = [items[b - 1][0] for b in [*heads[1:], len(items)]]
    assert [len(b) for b in blocks] == [7, 25, 9, 8]
    assert all(row[6] > 0 for b in blocks for row in b)  # only items with losses
    # 花山区's late annual report lost all of ZZ-04's 2 points: the hardest item of its group
    assert blocks[0][0] == (
        1,
        "ZZ-04",
        "组织领导",
        "按时报送年度依法行政工作报告",
        2,
        1,
        1,
        0,
        2,
        2,
        100,
        "花山区人民政府",
    )
    assert notes[0] == (
        "无单位失分的评分项33项（其中1项有待复核的单位）：ZZ-01、ZZ-02、ZZ-03、ZZ-05、ZZ-06、ZZ-07、ZD-01、ZD-02、"
        "ZD-03、ZD-04、JC-01、JC-02、JC-03、JC-04、ZF-01、ZF-02、ZF-04、ZF-06、JD-01、JD-02、JD-03、JD-04、JD-06、"
        "MD-01、MD-02、MD-03、MD-04、MD-05、MD-06、XF-01、XF-03、XF-04、XF-06\n不适用于本组单位的评分项1项：ZD-06"
    )
    by_rule = {(g, row[1]): row for g, b in zip((G12, G12D, G16, G19), blocks, strict=True) for row in b}
    assert by_rule[(G19, "MD-02")][5:11] == (1, 1, 0, 2, 2, 100)  # 曲江: 出庭应诉率25%
    assert by_rule[(G16, "ZF-05")][5:11] == (1, 1, 0, 3, 3, 50)  # 盖州: 评查合格率90%
    for b in blocks:
        rates = [row[10] for row in b]
        assert rates == sorted(rates, reverse=True)
    # the 评分项 column is as wide as its ids: none is wrapped or clipped
    width = load_workbook(out / "汇总.xlsx")["失分分析"].column_dimensions["B"].width
    assert width >= max(len(row[1]) for b in blocks for row in b) + 1.5

    errors = v["错误"]
    assert errors[1][0] == f"{INFO}{counts}\n{GROUPS}\n原因按“文件:行:列: 位置: 说明”给出"
    assert errors[2:] == [
        ("序号", "申报文件", "错误类别", "原因"),
        (1, "broken/bad-syntax.json", "申报数据", "broken/bad-syntax.json:5:21: 语法错误：第 5 行第 21 列多了一个逗号“,”：两个逗号之间没有内容，请删去一个"),
        (2, "broken/string-for-number.json", "申报数据",
         "broken/string-for-number.json:30:16: 指标.执法人员持证率: 行政执法人员持证率（持有效执法证件人数 ÷ 在岗执法人员数）"
         "（执法人员持证率）应为数字（不加引号）（实为 “98”）"),
        (3, "broken/unknown-unit-type.json", "规则集选用",
         f"broken/unknown-unit-type.json:4:11: 考核年度: {RULES_DIR} 中适用于2016年度的规则集不考核单位类型“乡镇”："
         "demo-district-2013.yaml（demo-district-2013，适用2012—2020年度，区县政府、区直部门、镇街）。可用 --rules 指定规则文件"),
        (4, "missing.json", "文件", "missing.json: 文件不存在"),
    ]  # fmt: skip

    # the plain progress lines, in input order, and the closing summary
    assert err.splitlines() == [
        "✓ examples/gaizhou-2016.json → 盖州市人民政府：88.56 良好",
        "✓ examples/huashan-2012.json → 花山区人民政府：93.23 优秀",
        "✓ examples/problem-department.json → 区市政管理局（虚构示例单位）：64.63 不合格",
        "✓ examples/qujiang-2019.json → 西安曲江新区管理委员会：90.80 良好",
        "✗ broken/bad-syntax.json → broken/bad-syntax.json:5:21: 语法错误：第 5 行第 21 列多了一个逗号“,”：两个逗号之间没有内容，请删去一个",
        "✗ broken/string-for-number.json → " + errors[4][3],
        "✗ broken/unknown-unit-type.json → " + errors[5][3],
        "✗ missing.json → missing.json: 文件不存在",
        err.splitlines()[8],
        f"分组：{GROUPS}。",
        "汇总：out/汇总.xlsx",
        "未能评分的申报文件及原因见汇总的“错误”表。",
    ]
    assert err.splitlines()[8].startswith("完成：申报文件8份，已评分4份，未能评分4份，用时")

    # a unit's scoresheet is the one `assess` writes for it
    sheet = load_workbook(out / "盖州市人民政府-2016年度评分表.xlsx")
    assert sheet.sheetnames == ["考核结果", "评分表", "不良记录", "申报数据"]
    assert "盖州市人民政府" in sheet["评分表"]["A1"].value


def test_every_summary_sheet_has_the_print_setup_the_charts_and_the_properties(here):
    assert run(["examples", "-o", "out", "--as-of", AS_OF, "-j", "1"]) == 0
    wb = load_workbook(here / "out" / "汇总.xlsx")
    for ws in wb:
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
        assert not ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.scale >= 80  # see test_summary_print
        assert ws.print_title_rows == (None if ws.title == "等次分布" else "$3:$3")  # 等次分布: several tables
        assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
        assert ws["A3"].style == "表头" and ws["A1"].style == "标题"
    grades = wb["等次分布"]
    charts = grades._charts
    assert [c.title.tx.rich.p[0].r[0].t for c in charts] == ["各等次单位数", "总分分布（优秀90分、良好80分、合格60分）"]
    # the charts below the tables, side by side, on a page of their own
    assert [c.anchor._from.col for c in charts] == [0, 5] and [c.anchor._from.row for c in charts] == [17, 17]
    assert [b.id for b in grades.row_breaks.brk] == [16]
    assert grades.print_area == "'等次分布'!$A$1:$M$32"
    assert grades["B8"].number_format == "0"  # a count in the 合计 row (a row per group above it)
    assert wb["排名"]["D5"].number_format == "0.00"
    # the scoresheet cell links to the file beside the 汇总
    assert (
        wb["排名"]["I5"].value
        == '=HYPERLINK("花山区人民政府-2012年度评分表.xlsx","花山区人民政府-2012年度评分表.xlsx")'
    )
    # nothing failed: 错误 still has its header and says 无
    errors = wb["错误"]
    assert [c.value for c in errors[3]] == ["序号", "申报文件", "错误类别", "原因"]
    assert [c.value for c in errors[4]][:2] == ["—", "无"]
    # what it was computed from, as the scoresheet carries it
    props = {p.name: p.value for p in wb.custom_doc_props}
    sha = hashlib.sha256((ROOT / "rules" / "demo-district-2013.yaml").read_bytes()).hexdigest()
    assert props == {
        "规则集编号": "demo-district-2013",
        "考核年度": "2012、2016、2019",
        "评分时间": AS_OF,
        "引擎版本": __version__,
        "规则文件（demo-district-2013）": "demo-district-2013.yaml",
        "规则文件SHA-256（demo-district-2013）": sha,
    }


def test_a_unit_name_that_looks_like_a_formula_is_text(here):
    submission(here, "f.json", "=1+1")
    submission(here, "g.json", '=HYPERLINK("http://x","点我")')
    assert run(["f.json", "g.json", "-o", "out", "--as-of", AS_OF, "-j", "1"]) == 0
    wb = load_workbook(here / "out" / "汇总.xlsx")
    cells = [wb["排名"]["B5"], wb["排名"]["B6"], wb["不良记录汇总"]["B4"]]
    assert [c.value for c in cells] == ["=1+1", '=HYPERLINK("http://x","点我")', "=1+1"]
    assert all(c.data_type == "s" for c in cells)
    # the link to a scoresheet is a formula whose only text is the file's (safe) name, quoted
    assert wb["排名"]["I5"].value == '=HYPERLINK("=1+1-2016年度评分表.xlsx","=1+1-2016年度评分表.xlsx")'
    assert sorted(p.name for p in (here / "out").iterdir()) == [
        "=1+1-2016年度评分表.xlsx",
        "=HYPERLINK(_http_x_,_点我_)-2016年度评分表.xlsx",
        "汇总.xlsx",
    ]


def test_hostile_and_duplicate_unit_names_stay_inside_the_output_folder(here):
    names = [
        "../../逃逸",
        "/etc/passwd",
        "..",
        "CON",
        ".隐藏",
        "a\\b:c*d?e",
        "局\u200bgpj.exe",  # zero-width space: allowed in the name, dropped from the file name
        "同名单位",
        "同名单位",
        "同名单位",
        "汉" * 190,  # a submission allows 200 characters
        "\ud83d\ude00局\U00020000",  # written as JSON escapes: "\ud83d\ude00局\ud840\udc00"
        "局\ud800",  # a lone surrogate: the submission is rejected, nothing is written for it
    ]
    for n, unit in enumerate(names):
        submission(here, f"u{n:02d}.json", unit)
    assert run(["u*.json", "-o", "out/deep", "--as-of", AS_OF, "-j", "1"]) == 1
    out = here / "out" / "deep"
    written = sorted(p.name for p in out.iterdir())
    suffix = "-2016年度评分表.xlsx"
    assert written == sorted(
        [
            "逃逸" + suffix,
            "etc_passwd" + suffix,
            "未命名单位" + suffix,
            "_CON" + suffix,
            "隐藏" + suffix,
            "a_b_c_d_e" + suffix,
            "局gpj.exe" + suffix,
            "同名单位" + suffix,
            "同名单位-2016年度评分表-2.xlsx",
            "同名单位-2016年度评分表-3.xlsx",
            "汉" * 60 + suffix,
            "😀局\U00020000" + suffix,
            "汇总.xlsx",
        ]
    )
    # nothing escaped: the only new things beside the inputs are out/deep and its files
    assert sorted(p.name for p in here.iterdir() if not p.name.startswith("u")) == ["broken", "examples", "out"]
    assert [p.name for p in (here / "out").iterdir()] == ["deep"]
    ranking = sheet_values(out / "汇总.xlsx")["排名"]
    # the duplicates get their suffixes in input order (equal totals are listed in input order)
    assert [r[-1] for r in ranking[3:] if r[1] == "同名单位"] == [
        '=HYPERLINK("同名单位-2016年度评分表.xlsx","同名单位-2016年度评分表.xlsx")',
        '=HYPERLINK("同名单位-2016年度评分表-2.xlsx","同名单位-2016年度评分表-2.xlsx")',
        '=HYPERLINK("同名单位-2016年度评分表-3.xlsx","同名单位-2016年度评分表-3.xlsx")',
    ]
    assert "😀局\U00020000" in [r[1] for r in ranking[3:]]
    errors = sheet_values(out / "汇总.xlsx")["错误"]
    assert (
        errors[3][1:]
        == (
            "u12.json",
            "申报数据",
            "u12.json:2:31: 单位名称: 含有无效的 Unicode 字符（如孤立的代理项 \\ud800），请删除（实为 “局\\ud800”）",  # shown escaped
        )
    )


def test_ties_share_a_rank(here):
    submission(here, "a.json", "甲局", "区直部门", base="problem-department")
    submission(here, "b.json", "乙局", "区直部门", base="problem-department")
    submission(here, "c.json", "丙局", "区直部门", base="problem-department", 未报备规范性文件件数=0)
    submission(here, "d.json", "丁区", "区县政府")
    assert run(["a.json", "b.json", "c.json", "d.json", "-o", "out", "--as-of", AS_OF, "-j", "1"]) == 0
    ranking = sheet_values(here / "out" / "汇总.xlsx")["排名"]
    # (名次, 单位, 单位类型, 总分) by group: the 2012 区直部门 first, then the 2016 区县政府
    assert [(r[0], r[1], r[2], r[3]) for r in ranking[3:] if r[1]] == [
        (1, "丙局", "区直部门", 65.67),  # ZD-01 not lost: 1 point more, rescaled ×100/96
        (2, "甲局", "区直部门", 64.63),
        (2, "乙局", "区直部门", 64.63),
        (1, "丁区", "区县政府", 89.07),  # 盖州's data without its review: XF-05 待复核
    ]
    submission(here, "e.json", "戊局", "区直部门", base="problem-department", 未报备规范性文件件数=3)
    assert run(["a.json", "b.json", "c.json", "e.json", "-o", "out2", "--as-of", AS_OF, "-j", "1"]) == 0
    ranking = sheet_values(here / "out2" / "汇总.xlsx")["排名"]
    assert [(r[0], r[1]) for r in ranking[3:] if r[1]] == [(1, "丙局"), (2, "甲局"), (2, "乙局"), (4, "戊局")]


def test_exit_codes(here, capsys):
    assert run(["examples/gaizhou-2016.json", "-o", "ok", "-j", "1"]) == 0
    assert run(["broken", "-o", "none", "-j", "1"]) == 3  # nothing assessable: 汇总 says why
    # the 汇总 names a file relative to the folder of the batch's inputs, not as typed
    assert sheet_values(here / "none" / "汇总.xlsx")["错误"][3][1:3] == ("bad-syntax.json", "申报数据")
    assert sheet_values(here / "none" / "汇总.xlsx")["错误"][3][3].startswith("bad-syntax.json:5:21: 语法错误")
    assert sheet_values(here / "none" / "汇总.xlsx")["排名"][3][:2] == ("—", "无")
    capsys.readouterr()
    # a ruleset that cannot be loaded: exit 3 before anything is written
    assert run(["examples", "-o", "never", "--rules", "broken/bad-syntax.json"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("错误：规则文件有误，未评分，未写出任何文件。\n  broken/bad-syntax.json:5:21: 语法错误")
    assert not (here / "never").exists()
    assert run(["examples", "-o", "never", "--rules", "nowhere.yaml"]) == 3
    assert not (here / "never").exists()
    # usage errors
    assert run(["examples"]) == 2  # xlsx needs -o
    assert "xlsx 格式须用 -o 指定输出文件夹" in capsys.readouterr().err
    assert run(["examples", "-o", "x", "--jobs", "0"]) == 2
    assert run(["examples", "-o", "x", "--format", "pdf"]) == 2
    assert run(["-o", "x"]) == 2
    assert not (here / "x").exists()
    # an output folder that is a file
    (here / "afile").write_text("x")
    assert run(["examples", "-o", "afile"]) == 3
    assert "afile: 是文件，不是文件夹" in capsys.readouterr().err


def test_json_summary_to_stdout_or_the_output_folder(here, capsys):
    review = str(EXAMPLES / "reviews" / "review.yaml")
    args = ["examples", "broken/bad-syntax.json", "--format", "json", "--as-of", AS_OF, "-j", "1"]
    assert run([*args, "--overrides", review]) == 1
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert "✓ examples/gaizhou-2016.json" in err and not list(here.glob("*.xlsx"))
    assert doc["counts"] == {"inputs": 5, "assessed": 4, "failed": 1}
    assert doc["assessed_at"] == AS_OF
    assert doc["mixed"] is True and [g["label"] for g in doc["groups"]] == [
        "demo-district-2013 · 2012年度 · 区县政府",
        "demo-district-2013 · 2012年度 · 区直部门",
        "demo-district-2013 · 2016年度 · 区县政府",
        "demo-district-2013 · 2019年度 · 区县政府",
    ]
    assert [(u["rank"], u["unit"], u["total"], u["grade"], u["provisional"]) for u in doc["ranking"]] == [
        (1, "花山区人民政府", "93.23", "优秀", False),
        (1, "区市政管理局（虚构示例单位）", "64.63", "不合格", False),
        (1, "盖州市人民政府", "88.56", "良好", False),
        (1, "西安曲江新区管理委员会", "90.80", "良好", False),
    ]
    dept = doc["ranking"][1]
    assert dept["vetoes"] == [
        {"rule_id": "FJ-01", "event": "拒不执行人民法院生效裁判"},
        {"rule_id": "FJ-02", "event": "重大行政决策失误造成重大损失"},
    ]
    assert dept["lost_by_category"]["组织领导"] == "8.00" and dept["bad_record_count"] == 10
    assert dept["scoresheet"] is None and dept["file"] == "examples/problem-department.json"
    assert doc["grades"]["demo-district-2013 · 2019年度 · 区县政府"] == {
        "unit_type": "区县政府",
        "优秀": 0,
        "良好": 1,
        "合格": 0,
        "不合格": 0,
        "合计": 1,
        "grade_lines": {"优秀": "90.00", "良好": "80.00", "合格": "60.00"},  # the score bands follow them
        "score_bands": {"不合格（60分以下）": 0, "合格（60–80分）": 0, "良好（80–90分）": 0, "优秀（90分及以上）": 1},
    }
    assert len(doc["bad_records"]) == 13 and doc["bad_records"][0]["unit"] == "区市政管理局（虚构示例单位）"
    first = doc["item_losses"][0]
    assert (first["group"], first["rule_id"], first["loss_rate"]) == (
        "demo-district-2013 · 2012年度 · 区县政府",
        "ZZ-04",
        "100.00",
    )
    assert doc["errors"] == [
        {
            "file": "broken/bad-syntax.json",
            "kind": "申报数据",
            "problems": [
                "broken/bad-syntax.json:5:21: 语法错误：第 5 行第 21 列多了一个逗号“,”：两个逗号之间没有内容，请删去一个"
            ],
        }
    ]
    # -o - is stdout too; -o OUTDIR writes OUTDIR/汇总.json and no workbook
    assert run(["examples", "--format", "json", "-o", "-", "--as-of", AS_OF, "-j", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["assessed"] == 4
    assert run(["examples", "--format", "json", "-o", "out", "--as-of", AS_OF, "-j", "1"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "汇总：out/汇总.json" in err
    assert [p.name for p in (here / "out").iterdir()] == ["汇总.json"]
    assert json.loads((here / "out" / "汇总.json").read_text(encoding="utf-8"))["counts"]["inputs"] == 4


def test_discovery_folders_globs_yaml_order_and_duplicates(here, capsys):
    sub = here / "in"
    (sub / "nested").mkdir(parents=True)
    for n in (10, 2, 1):
        submission(sub, f"单位{n}.json", f"单位{n}")
    submission(sub / "nested", "深.json", "深层单位")
    (sub / "说明.txt").write_text("not a submission", encoding="utf-8")
    (sub / ".hidden.json").write_text("{", encoding="utf-8")
    data = json.loads((sub / "单位1.json").read_text(encoding="utf-8"))
    data["单位名称"] = "YAML单位"
    (sub / "y.yaml").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    def units(args, written=None):
        capsys.readouterr()
        code = run([*args, "--format", "json", "--as-of", AS_OF, "-j", "1"])
        doc = json.loads(written.read_text(encoding="utf-8") if written else capsys.readouterr().out)
        return code, [u["file"] for u in sorted(doc["ranking"], key=lambda u: u["unit"])], doc["errors"]

    code, files, errors = units(["in"])
    assert code == 0 and errors == []
    # named relative to the folder of the batch (the one given), not as typed
    assert sorted(files) == ["y.yaml", "单位1.json", "单位10.json", "单位2.json"]
    code, files, _ = units(["in", "--recursive"])
    assert "nested/深.json" in files and len(files) == 5
    # a file named twice, by a folder and by itself, is assessed once; natural order in the stream
    capsys.readouterr()
    assert run(["in/单位2.json", "in", "in/*.json", "--as-of", AS_OF, "-j", "1", "-o", "out"]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" → ")[0] for line in lines[:4]] == [
        "✓ in/单位2.json",
        "✓ in/y.yaml",
        "✓ in/单位1.json",
        "✓ in/单位10.json",
    ]
    assert len([line for line in lines if line.startswith("✓")]) == 4
    # the output folder is never read back as input, and unsupported files are named
    (sub / "out").mkdir()
    shutil.copy(sub / "单位1.json", sub / "out" / "汇总.json")
    code, files, errors = units(
        ["in", "in/说明.txt", "empty*", "--recursive", "-o", "in/out"], sub / "out" / "汇总.json"
    )
    assert code == 1 and len(files) == 5
    assert errors[0]["problems"] == ["in/说明.txt: 不支持的文件类型 “.txt”，申报文件应为 .json、.yaml、.yml、.xlsx"]
    assert errors[1]["problems"] == ["empty*: 没有匹配的申报文件（.json、.yaml、.yml、.xlsx）"]
    (here / "emptydir").mkdir()
    capsys.readouterr()
    assert run(["emptydir", "--format", "json", "-j", "1"]) == 3
    out = json.loads(capsys.readouterr().out)
    assert out["errors"][0]["problems"] == [
        "emptydir: 文件夹中没有申报文件（.json、.yaml、.yml、.xlsx）；子文件夹须加 --recursive"
    ]


def test_rerun_overwrites_and_removes_only_its_own_stale_temporary_files(here):
    assert run(["examples", "-o", "out", "--as-of", AS_OF, "-j", "1"]) == 0
    out = here / "out"
    before = {p.name: p.stat().st_ino for p in out.iterdir()}
    # what an interrupted run leaves, and files that are not ours
    for stale in (".assess-batch-123abc-000001.part", ".汇总.xlsx.k2j3h4.part"):
        (out / stale).write_bytes(b"PK\x03\x04 truncated")
    for other in (".keep", ".someone-else.part", "笔记.txt"):
        (out / other).write_text("mine")
    assert run(["examples", "-o", "out", "--as-of", AS_OF, "-j", "1"]) == 0
    after = {p.name: p.stat().st_ino for p in out.iterdir()}
    assert set(after) == set(before) | {".keep", ".someone-else.part", "笔记.txt"}
    assert all(after[name] != ino for name, ino in before.items())  # replaced, not rewritten in place
    assert (out / "笔记.txt").read_text() == "mine"
    for name in before:
        load_workbook(out / name)
    assert oct((out / "汇总.xlsx").stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_one_run_at_a_time_per_output_folder(here, capsys):
    fcntl = pytest.importorskip("fcntl")
    out = here / "out"
    out.mkdir()
    fd = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        assert run(["examples", "-o", "out", "-j", "1"]) == 3
        assert "out: 另一个批量评分正在写入此文件夹；请等它结束，或换一个输出文件夹" in capsys.readouterr().err
        assert list(out.iterdir()) == []
    finally:
        os.close(fd)


def test_a_unit_whose_scoresheet_cannot_be_placed_is_an_error_not_a_crash(here, capsys):
    out = here / "out"
    (out / "盖州市人民政府-2016年度评分表.xlsx").mkdir(parents=True)  # a folder squats on the name
    assert run(["examples", "-o", "out", "--as-of", AS_OF, "-j", "1"]) == 1
    errors = sheet_values(out / "汇总.xlsx")["错误"]
    assert errors[3][:3] == (1, "gaizhou-2016.json", "输出")
    assert errors[3][3].startswith("gaizhou-2016.json: 评分表 out/盖州市人民政府-2016年度评分表.xlsx 未写出：是文件夹")
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]


def test_competition_ranking_within_each_unit_type():
    from decimal import Decimal

    from engine.tools.summary import UnitRow, rank_units

    def row(index, unit_type, total):
        return UnitRow(
            index, f"{index}.json", f"单位{index}", unit_type, 2012, "r", "r", Decimal(100), Decimal(total),
            Decimal(total), "合格", "合格", (), (), Decimal(0), (), (), (), AS_OF,
        )  # fmt: skip

    rows = [row(0, "镇街", "90"), row(1, "区直部门", "95.5"), row(2, "镇街", "90.00"), row(3, "镇街", "95")]
    rows += [row(4, "镇街", "80"), row(5, "镇街", "80"), row(6, "镇街", "79.99")]
    ranked = rank_units(rows, ["区县政府", "镇街", "区直部门"])
    assert [(r.rank, r.row.index) for r in ranked] == [(1, 3), (2, 0), (2, 2), (4, 4), (4, 5), (6, 6), (1, 1)]


def test_a_batch_across_years_uses_the_ruleset_in_force_for_each_unit(tmp_path, capsys):
    out = tmp_path / "out"
    assert run([str(EXAMPLES), "-o", str(out), "--as-of", AS_OF, "-j", "1", "--format", "json"]) == 0
    doc = json.loads((out / "汇总.json").read_text(encoding="utf-8"))
    used = {r["id"] for r in doc["rulesets"]}
    assert used == {"demo-district-2013", "national-model-2021", "county-dept-2024", "enforcement-selfcheck-2024"}
    by_unit = {u["unit"]: u for u in doc["ranking"]}
    # each ruleset's own grade words are counted; a form without grades shows no grade
    county = doc["grades"]["county-dept-2024 · 2024年度 · 县直部门"]
    assert (county["基本完成"], county["目标完成"], county["未完成"], county["合计"]) == (1, 0, 0, 1)
    # each comparable group counts its own ruleset's grade words
    assert list(doc["grades"]["demo-district-2013 · 2012年度 · 区县政府"])[1:5] == ["优秀", "良好", "合格", "不合格"]
    assert by_unit["某县市场监督管理局（虚构示例单位）"]["provisional"] is True
    assert by_unit["某县综合行政执法局（虚构示例单位）"]["grade"] is None
    assert len(by_unit) == len(list(EXAMPLES.glob("*.json")))
    assert by_unit["花山区人民政府"]["ruleset_id"] == "demo-district-2013"
    assert {u["ruleset_id"] for u in by_unit.values() if u["unit_type"] == "行政执法部门"} == {"national-model-2021"}
