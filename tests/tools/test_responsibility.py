"""分工表: `rules import-plan` on seed 004's plan, the map's checks, the scoresheet's 责任单位, the 责任分解."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from engine import api
from engine.cli import main
from engine.errors import InputError, RulesError
from engine.render.text import full
from engine.ruleset.folders import rules_files
from engine.ruleset.responsibility import UNASSIGNED, load_map, shares
from engine.tools.plan import import_plan, parse_plan

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "examples" / "responsibility" / "nanhai-plan-2012.txt"
NANHAI = ROOT / "examples" / "responsibility" / "nanhai-2012.json"
MAP = ROOT / "rules" / "demo-district-2013.分工.yaml"
UNIT = "佛山市南海区人民政府"
AS_OF = "2013-04-01T09:00:00+08:00"


def run(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    return info.value.code, out, err


@pytest.fixture(scope="module")
def ruleset():
    return api.get_ruleset("demo-district-2013")


# -- the import ----------------------------------------------------------------------------------------


def test_import_finds_every_task_of_the_plan_with_its_line_and_units(ruleset):
    tasks, _ = import_plan(PLAN, ruleset, [UNIT])
    assert len(tasks) == 23  # 6 + 3 + 3 + 3 + 3 + 5 numbered tasks under 二、主要任务
    by_id = {t.id: t for t in tasks}
    assert [t.id for t in tasks][:3] == ["二(一)1", "二(一)2", "二(一)3"]
    t = by_id["二(一)6"]  # nested parentheses: 区委办(区府办)牵头, 区政务监察和审计局(监察)、…配合
    assert (t.line, t.name, t.leads) == (67, "全面推进政务公开", ["区委办（区府办）"])
    assert t.partners == [
        "区政务监察和审计局（监察）",
        "区经济促进局（科技）",
        "区环境运输和城市管理局（城管）",
        "区保密局",
        "区法制办",
        "区行政服务中心",
    ]
    # 负责 as well as 牵头; two leads; “等有关部门” after named partners
    assert by_id["二(四)1"].leads == ["区法制办", "区政务监察和审计局（监察）"]
    assert by_id["二(五)3"].partners == ["区政务监察和审计局（监察）", "区信访局", "区法制办", "各有关部门"]
    # a 分局 and 团区委 keep their own names; 市场监督管理局 takes the district's 区
    assert by_id["二(六)2"].partners == ["区人力资源和社会保障局", "公安南海分局", "各有关部门"]
    assert "区市场监督管理局" in by_id["二(六)1"].partners and by_id["二(一)2"].partners == ["团区委"]
    assert by_id["二(三)1"].line == 79 and by_id["二(六)5"].line == 111


def test_import_drafts_items_by_shared_words_and_marks_the_rest_todo(ruleset):
    tasks, text = import_plan(PLAN, ruleset, [UNIT])
    by_id = {t.id: t for t in tasks}
    assert by_id["二(二)2"].items == ["JC-03", "XF-04"] and by_id["二(二)2"].shared == ["法律顾问"]
    assert by_id["二(六)4"].items == ["MD-02", "MD-04"]
    assert sum(1 for t in tasks if not t.items) == 8
    assert '    出处: "nanhai-plan-2012.txt:79"' in text
    assert text.count("# TODO 未找到对应的评分项") == 8
    assert "    评分项: [JC-03, XF-04]   # 字词重合：法律顾问" in text


def test_the_draft_loads_as_a_map(tmp_path, ruleset, capsys):
    out = tmp_path / "draft.分工.yaml"
    code, _, err = run(["rules", "import-plan", str(PLAN), "--unit", UNIT, "-o", str(out)], capsys)
    assert code == 0 and "任务23项，其中8项未找到对应的评分项（标 TODO）" in err
    mapping = load_map(out, ruleset)
    assert len(mapping.tasks) == 23 and mapping.header.units == [UNIT] and mapping.warnings == []
    code, _, err = run(["rules", "import-plan", str(PLAN), "-o", str(out)], capsys)
    assert code == 2 and "已存在" in err  # a reviewed map is never overwritten by a new draft


def test_a_draft_without_the_unit_says_todo_and_does_not_load(tmp_path, ruleset):
    _, text = import_plan(PLAN, ruleset, [])
    assert "  适用单位: []   # TODO 填写被考核单位全称" in text
    path = tmp_path / "x.分工.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_map(path, ruleset)
    assert str(info.value.problems[0]).startswith(f"{path}:6:")


def _docx(paragraphs: list[str]) -> bytes:
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("word/document.xml", f'<w:document xmlns:w="{w}"><w:body>{body}</w:body></w:document>')
    return buffer.getvalue()


def test_a_docx_plan_is_read_by_paragraph(tmp_path, ruleset):
    path = tmp_path / "方案.docx"
    path.write_bytes(
        _docx(
            ["二、主要任务", "（一）规范执法", "1．加强行政执法队伍建设。严格持证上岗。（区法制办牵头，区人社局配合）"]
        )
    )
    tasks, text = import_plan(path, ruleset, [UNIT])
    assert [(t.id, t.name, t.leads, t.partners, t.line) for t in tasks] == [
        ("二(一)1", "加强行政执法队伍建设", ["区法制办"], ["区人社局"], 3)
    ]
    assert '出处: "方案.docx:3"' in text


def test_a_docx_zip_bomb_is_refused_before_reading(tmp_path, ruleset):
    path = tmp_path / "bomb.docx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("word/document.xml", "<w:document>" + " " * (5 * 1024 * 1024) + "</w:document>")
    path.write_bytes(buffer.getvalue())
    with pytest.raises(InputError) as info:
        import_plan(path, ruleset, [UNIT])
    assert info.value.problems[0].code == "docx.zip-bomb"


def test_lines_without_units_are_not_tasks():
    lines = [
        "一、总体要求",
        "(一)指导思想:以……为指导。",
        "二、主要任务",
        "1.加强学习。(见附件)",
        "2.抓落实。(区法制办负责)",
    ]
    assert [(t.id, t.leads) for t in parse_plan(lines)] == [("二.2", ["区法制办"])]


# -- the map's checks --------------------------------------------------------------------------------------


def test_the_shipped_map_fits_its_ruleset_and_is_not_a_ruleset(ruleset):
    mapping = load_map(MAP, ruleset)
    assert len(mapping.tasks) == 23 and mapping.header.partner_share == Decimal("0.2") and mapping.warnings == []
    assert mapping.applies_to(UNIT) and not mapping.applies_to("花山区人民政府")
    assert MAP not in rules_files(ROOT / "rules")
    assert [t.id for t in mapping.tasks_of("JC-02")] == ["二(二)1", "二(二)3"]
    assert [t.id for t in mapping.tasks_of("ZZ-01.a")] == []


def _bad_map(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "bad.分工.yaml"
    text = MAP.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_an_unknown_item_is_an_error_at_its_place(tmp_path, ruleset):
    path = _bad_map(tmp_path, "评分项: [JC-03]", "评分项: [JC-3]")
    with pytest.raises(RulesError) as info:
        load_map(path, ruleset)
    (p,) = info.value.problems
    assert path.read_text(encoding="utf-8").splitlines()[57].startswith("    评分项: [JC-3]")
    assert (p.code, p.location.line, p.location.col) == ("map.unknown-item", 58, 11)
    assert p.message == "规则集 demo-district-2013 没有评分项 “JC-3”（是否应为 “JC-03”？）"
    assert p.location.path == ("任务", 7, "评分项", 0)


def test_duplicate_tasks_wrong_ruleset_and_unknown_keys_are_located(tmp_path, ruleset):
    path = _bad_map(tmp_path, "编号: 二(一)2", "编号: 二(一)1")
    with pytest.raises(RulesError) as info:
        load_map(path, ruleset)
    assert [p.code for p in info.value.problems] == ["map.duplicate-task"]
    assert info.value.problems[0].message == "任务编号 “二(一)1” 与第 1 个任务重复"
    path = _bad_map(tmp_path, "规则集: demo-district-2013", "规则集: national-model-2021")
    with pytest.raises(RulesError) as info:
        load_map(path, ruleset)
    assert [p.code for p in info.value.problems][0] == "map.wrong-ruleset"
    path = _bad_map(tmp_path, "    牵头: [区编办]", "    牵头单位: [区编办]")
    with pytest.raises(RulesError) as info:
        load_map(path, ruleset)
    assert all(p.location.line is not None for p in info.value.problems)


def test_a_unit_named_two_ways_is_a_warning_at_its_place(tmp_path, ruleset):
    path = _bad_map(tmp_path, "    配合: [区法制办]", "    配合: [法制办]")
    mapping = load_map(path, ruleset)
    (w,) = mapping.warnings
    assert w.code == "map.unit-named-twice" and w.location.path == ("任务", 6, "配合", 0)
    assert w.message == "“法制办” 与 “区法制办” 应是同一单位，请统一写法（否则分别统计）"


# -- the scoresheet and the 责任分解 -----------------------------------------------------------------------


def test_the_districts_deductions_carry_their_units_and_shares_are_exact():
    result = api.assess_file(NANHAI)  # the map beside demo-district-2013 lists this unit
    by_id = {i.rule_id: i for i in result.items}
    assert [r.task for r in by_id["JC-02"].responsible] == ["二(二)1", "二(二)3"]
    assert by_id["ZF-05"].responsible[0].leads == ["区法制办", "区政务监察和审计局（监察）"]
    assert by_id["ZF-05"].responsible[0].source == "nanhai-plan-2012.txt:87"
    assert by_id["ZZ-04"].responsible == []
    assert (
        "         责任：二(三)3 完善规范性文件制定程序，牵头：区法制办；配合：各有关部门（nanhai-plan-2012.txt:83）"
        in (full(result).splitlines())
    )
    got = {(s.department, s.as_lead, s.as_partner, s.total) for s in shares(result)}
    assert got == {
        # ZD-05 1 + ZF-03 1/2 + ZF-05 1.5/2 as lead; 0.2 × (JC-02 1 + JC-02 1 + JD-05 0.13) as partner
        ("区法制办", Decimal("2.25"), Decimal("0.43"), Decimal("2.68")),
        ("区政务监察和审计局（监察）", Decimal("2.25"), Decimal("0.03"), Decimal("2.28")),
        ("区委办（区府办）", Decimal("1.00"), Decimal("0.00"), Decimal("1.00")),
        ("区发展规划和统计局（发改）", Decimal("0.00"), Decimal("0.20"), Decimal("0.20")),
        ("区依法治区办", Decimal("0.13"), Decimal("0.00"), Decimal("0.13")),
        ("区信访局", Decimal("0.00"), Decimal("0.03"), Decimal("0.03")),
        (UNASSIGNED, Decimal("2.00") + Decimal("0.50"), Decimal("0.00"), Decimal("2.50")),
    }
    assert shares(result)[-1].items == ["ZZ-04", "XF-02"]


def test_other_units_are_untouched_and_a_map_for_another_unit_is_refused(capsys):
    huashan = api.assess_file(ROOT / "examples" / "huashan-2012.json")
    assert huashan.responsibility_map == "" and all(i.responsible == [] for i in huashan.items)
    code, _, err = run([str(ROOT / "examples" / "huashan-2012.json"), "--responsibility", str(MAP)], capsys)
    assert (
        code == 3
        and f"{MAP}:7:9: 分工.适用单位: 分工表适用于 佛山市南海区人民政府，不含被考核单位 “花山区人民政府”" in err
    )


def test_the_scoresheet_lists_each_deductions_units(tmp_path, capsys):
    out = tmp_path / "南海.xlsx"
    code, _, _ = run([str(NANHAI), "--responsibility", str(MAP), "-o", str(out), "--as-of", AS_OF], capsys)
    assert code == 0
    ws = openpyxl.load_workbook(out)["考核结果"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    head = next(n for n, r in enumerate(rows) if r[0] == "扣分的责任单位")
    assert rows[head + 2] == ["序号", "规则编号", "考核内容", "规划任务（出处）", "扣分", "牵头单位", None, "配合单位"]
    jc02 = next(n for n, r in enumerate(rows) if r[1] == "JC-02" and n > head)
    assert rows[jc02][3:8] == [
        "二(二)1 加强行政决策制度建设（nanhai-plan-2012.txt:71）",
        2,
        "区委办（区府办）",
        None,
        "区法制办",
    ]
    assert rows[jc02 + 1][3] == "二(二)3 健全行政决策评估反馈和责任追究制度（nanhai-plan-2012.txt:75）"
    assert rows[jc02 + 1][7] == "区法制办、区发展规划和统计局（发改）"
    assert rows[head + 3][1:5] == ["ZZ-04", "按时报送年度依法行政工作报告", "未对应规划任务", 2]
    code, out_text, _ = run(["verify", str(out), str(NANHAI)], capsys)
    assert code == 0, out_text
    elsewhere = tmp_path / "南海.分工.yaml"
    elsewhere.write_text(MAP.read_text(encoding="utf-8").replace("配合扣分比例: 0.2", "配合扣分比例: 0.5"), "utf-8")
    code, _, err = run(["verify", str(out), str(NANHAI), "--responsibility", str(elsewhere)], capsys)
    assert code == 3  # the sheet records the map it was written with: another one is refused, naming both
    assert f"与评分表（{out}）所用的分工表 demo-district-2013.分工.yaml 不同：评分表记录的 SHA-256 为 " in err


def test_the_map_given_is_recorded_and_verify_finds_or_asks_for_it(tmp_path, capsys):
    import hashlib

    given = tmp_path / "maps" / "南海区.分工.yaml"
    given.parent.mkdir()
    given.write_text(MAP.read_text(encoding="utf-8") + "# 审核于2013年4月\n", encoding="utf-8")
    out = tmp_path / "南海.xlsx"
    assert run([str(NANHAI), "--responsibility", str(given), "-o", str(out), "--as-of", AS_OF], capsys)[0] == 0
    ws = openpyxl.load_workbook(out)["评分表"]
    block = {r[0]: r[4] for r in ws.iter_rows(values_only=True) if r[0] in ("分工表", "分工表SHA-256")}
    assert block == {"分工表": "南海区.分工.yaml", "分工表SHA-256": hashlib.sha256(given.read_bytes()).hexdigest()}
    # not given again: the shipped map beside the ruleset has other bytes, so verify asks for it
    code, _, err = run(["verify", str(out), str(NANHAI)], capsys)
    assert (
        code == 3
        and "列出责任单位，在规则文件、申报文件和评分表旁都没有找到内容相同的文件；请用 --responsibility 给出该分工表"
        in err
    )
    assert run(["verify", str(out), str(NANHAI), "--responsibility", str(given)], capsys)[0] == 0
    # beside the sheet, under the name it records, it is found without being named
    (tmp_path / "南海区.分工.yaml").write_bytes(given.read_bytes())
    assert run(["verify", str(out), str(NANHAI)], capsys)[0] == 0


def test_a_batch_writes_the_responsibility_sheet(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    for src in (NANHAI, ROOT / "examples" / "huashan-2012.json"):
        shutil.copy(src, tmp_path / "in" / src.name)
    out = tmp_path / "out"
    args = ["batch", str(tmp_path / "in"), "-o", str(out), "--as-of", AS_OF, "--jobs", "1"]
    code, _, _ = run([*args, "--responsibility", str(MAP)], capsys)
    assert code == 0
    ws = openpyxl.load_workbook(out / "汇总.xlsx")["责任分解"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    assert rows[0][0] == "佛山市南海区人民政府：共扣8.13分，配合扣分比例0.2"
    assert rows[1][:5] == [1, "区法制办", 2.25, 0.43, 2.68]
    assert rows[7][:5] == [7, UNASSIGNED, "—", "—", 2.5]
    assert len(rows) == 8  # 花山区 has no 分工表
    code, text, _ = run([*args[:2], "--format", "json", "--as-of", AS_OF, "--jobs", "1"], capsys)
    nanhai = next(u for u in json.loads(text)["ranking"] if u["unit"] == UNIT)
    assert nanhai["responsibility"]["departments"][1] == {
        "department": "区政务监察和审计局（监察）",
        "as_lead": "2.25",
        "as_partner": "0.03",
        "total": "2.28",
        "tasks": ["二(二)3", "二(四)1", "二(五)3"],
        "items": ["JC-02", "ZF-03", "ZF-05", "JD-05"],
    }


def test_rules_check_checks_a_map_against_its_ruleset(tmp_path, capsys):
    code, out, err = run(["rules", "check", str(MAP)], capsys)
    assert (code, out) == (0, "") and "没有发现问题" in err
    path = _bad_map(tmp_path, "评分项: [JC-03]", "评分项: [JC-3]")
    code, out, _ = run(["rules", "check", str(path)], capsys)
    assert code == 1
    assert (
        out == f"{path}:58:11: 任务[7].评分项[0]: 规则集 demo-district-2013 没有评分项 “JC-3”（是否应为 “JC-03”？）\n"
    )


def test_a_map_for_a_ruleset_extended_applies_its_items_checked(tmp_path):
    """history-demo extends demo-district-2013: the shipped map applies (found beside the parent), and
    a ruleset that extends it and deletes an item the map names is refused at that item."""
    from engine.api import get_ruleset
    from engine.ruleset.responsibility import map_for

    history = ROOT / "examples" / "history" / "history-demo.yaml"
    child = get_ruleset(history)
    assert map_for(child).samefile(MAP)
    assert len(load_map(MAP, child).tasks) == 23
    dropped = tmp_path / "dropped.yaml"
    dropped.write_text(
        f"规则集:\n  编号: dropped\n  名称: 删去一项\n  继承: {history}\n  总分: 98\n删除: [JC-03]\n"
        "一级指标分值:\n  科学民主决策: 10\n",
        encoding="utf-8",
    )
    with pytest.raises(RulesError) as info:
        load_map(MAP, get_ruleset(dropped))
    assert [(p.code, p.subject) for p in info.value.problems] == [("map.unknown-item", "JC-03")]
    with pytest.raises(RulesError) as info:
        load_map(MAP, get_ruleset("national-model-2021"))
    [problem] = [p for p in info.value.problems if p.code == "map.wrong-ruleset"]
    assert problem.message == (
        "分工表针对规则集 “demo-district-2013”，而所用规则集为 “national-model-2021”，也未继承它；"
        "请换用针对所用规则集的分工表"
    )
