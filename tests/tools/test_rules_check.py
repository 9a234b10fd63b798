"""`assess rules check`: every problem in one run, located, with hints; exit 0 clean, 1 findings."""

from __future__ import annotations

import pytest
from conftest import DATA, ROOT

from engine.cli import main

MINI = (DATA / "mini.yaml").read_text(encoding="utf-8")


def run(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    return info.value.code, out.splitlines(), err


def test_shipped_rules_are_clean(capsys):
    code, out, err = run(["rules", "check", str(ROOT / "rules"), str(DATA / "mini.yaml")], capsys)
    assert (code, out) == (0, [])
    assert "没有发现问题。另有 5 条提示。" in err  # 2012 declares no indicators; two 2024 tables declare no 提取
    notes = [line for line in err.splitlines() if "提示" in line and "national-model-2021.yaml" in line]
    assert len(notes) == 1 and "16 个指标没有声明“提取”" in notes[0] and "考核材料弄虚作假" in notes[0]
    assert "年度报告逾期天数" not in notes[0]  # counted by the engine from the date, never extracted
    assert "mini.yaml:" in err and "没有任何指标声明“提取”" in err


def test_decidable_conditions_unreachable_bands_and_unused_indicators(tmp_path, capsys):
    text = (
        MINI.replace("条件: 满意率 < 90", "条件: 满意率 > 100")
        .replace("条件: 非 制定工作要点", "条件: 专题学法次数 >= 0")
        .replace(
            "{条件: 报告报送日期 <= 2013-03-01, 得分: 2}",
            "{条件: 报告报送日期 <= 2013-03-01 或 报告报送日期 > 2013-02-01, 得分: 2}",
        )
        .replace("条件: 镇街专项 == 否", "条件: 镇街专项 == 否 且 未报备件数 > 2 且 未报备件数 < 3")
    )
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, _ = run(["rules", "check", str(path)], capsys)
    assert code == 1
    p = str(path)
    assert out == [
        f"{p}:68:17: A-04: 条件“专题学法次数 >= 0”总是成立（按指标的取值范围），本项总会扣分",
        f"{p}:93:22: B-01#1: 条件“报告报送日期 <= 2013-03-01 或 报告报送日期 > 2013-02-01”总是成立（按指标的取值范围），总会成立",
        f"{p}:122:17: B-05: 条件“满意率 > 100”永远不会成立（按指标的取值范围），本项不会起作用",
        f"{p}:128:17: B-06: 条件“镇街专项 == 否 且 未报备件数 > 2 且 未报备件数 < 3”永远不会成立（按指标的取值范围），本项不会起作用",
        f"{p}:87:13: B-01: 第1档总是成立，第2档不会被用到",
        f"{p}:16:11: 指标.制定工作要点: 指标已声明，但没有评分项用到（只作统计的，请标注“仅统计: 是”）",
    ]


def test_schema_errors_and_condition_errors_reported_together(tmp_path, capsys):
    text = MINI.replace("计分方式: 线性计分", "计分方式: 线形计分").replace("且 应诉案件数 > 0", "且 应诉案件 > 0")
    text = text.replace("            每件扣分: 1\n", "            每件扣份: 1\n", 1)
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run(["rules", "check", str(path)], capsys)
    assert code == 1 and "发现 4 个问题" in err
    p = str(path)
    assert f"{p}:45:13: A-01（每件扣份）: 不认识的键 “每件扣份”（是否应为 “每件扣分”？）" in out
    assert f"{p}:39:13: A-01（每件扣分）: 缺少必填项" in out
    assert (
        f"{p}:99:19: B-02（计分方式）: 未知的计分方式 “线形计分”，可选：按件扣分、少于目标扣分、比率不足扣分、条件扣分、分项扣分、分档计分、线性计分、逐条扣分、酌情扣分"
        in out
    )
    assert f"{p}:74:30: A-05（条件）: 未声明的指标 “应诉案件”（是否应为 “应诉案件数”？）" in out


def test_points_bands_and_caps_are_checked(tmp_path, capsys):
    text = MINI.replace("    分值: 10\n", "    分值: 12\n").replace("扣分上限: 0.9", "扣分上限: 1.5")
    text = text.replace("默认: {优秀: 18, 良好: 16, 合格: 12}", "默认: {优秀: 22, 良好: 16, 合格: 12}")
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, _ = run(["rules", "check", str(path)], capsys)
    assert code == 1
    joined = "\n".join(out)
    assert "一级指标“制度建设”分值为 12，其评分项分值合计为 10" in joined
    assert "A-03（扣分上限）: 扣分上限 1.5 大于本项分值 1" in joined
    assert "优秀分数线 22 超过总分 20" in joined


def test_missing_path_is_a_usage_error(capsys):
    code, _, err = run(["rules", "check", "no-such.yaml"], capsys)
    assert code == 2 and "no-such.yaml" in err
