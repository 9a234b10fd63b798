"""`assess explain`: conditions with values, truth per part, arithmetic, applicability."""

from __future__ import annotations

import json

import pytest
from conftest import DATA

from engine.cli import main

MINI = str(DATA / "mini.yaml")
BAD = str(DATA / "mini-bad-unit.json")


def run(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    return info.value.code, out, err


def test_explains_an_and_condition_part_by_part(capsys):
    code, out, _ = run(["explain", BAD, "--rules", MINI, "--rule", "A-05"], capsys)
    assert code == 0
    assert out.splitlines()[:9] == [
        "A-05［评分项·条件扣分］出庭应诉（分值 2.00）",
        "  评分标准：负责人出庭应诉率低于80%且有应诉案件的，扣2分。",
        "  适用性：适用",
        "  申报值：出庭应诉率（负责人出庭应诉率）= 60%；应诉案件数（行政应诉案件数）= 5件",
        "  A-05 条件：出庭应诉率(60%) < 80 且 应诉案件数(5件) > 0 → ✓（规则引擎已触发）",
        "    ✓ 且（以下全部成立）",
        "      ✓ 出庭应诉率(60%) < 80",
        "      ✓ 应诉案件数(5件) > 0",
        "  计算：出庭应诉率60%，低于80%（应诉案件数5件），扣2分",
    ]


def test_explains_why_not_bands_records_and_not_applicable(capsys):
    code, out, _ = run(["explain", BAD, "--rules", MINI, "--rule", "B-01", "--rule", "B-03", "--rule", "B-06"], capsys)
    assert code == 0
    assert "B-01#1 第1档（得2分）：报告报送日期(2013-03-20) <= 2013-03-01 → ✗（规则引擎未触发）" in out
    assert "B-01#2 第2档（得0.5分）：报告报送日期(2013-03-20) <= 2013-03-31 → ✓（规则引擎已触发）" in out
    assert "    第2条记录 ✗ 案号=(2013)一行初字第2号、结果=胜诉" in out
    assert "  适用性：不适用：本项仅适用于镇街，不适用于区直部门，剔除后折算" in out
    assert "不一致" not in out


def test_all_as_json_covers_items_bonuses_and_vetoes(capsys):
    code, out, _ = run(["explain", BAD, "--rules", MINI, "--all", "--format", "json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert [d["rule_id"] for d in doc][-2:] == ["J-01", "F-01"]
    assert len(doc) == 14
    a02 = next(d for d in doc if d["rule_id"] == "A-02")
    assert a02["checks"][0]["condition"] == "备案率(96.5%) < 100" and a02["checks"][0]["holds"] is True
    assert a02["outcome"] == "扣分：分值 2.00，扣分 1.75，得分 0.25"


def test_needs_a_rule_or_all_and_known_ids(capsys):
    code, _, err = run(["explain", BAD, "--rules", MINI], capsys)
    assert code == 2 and "--rule" in err
    code, _, err = run(["explain", BAD, "--rules", MINI, "--rule", "Z-99"], capsys)
    assert code == 2 and "没有这些编号：Z-99" in err
