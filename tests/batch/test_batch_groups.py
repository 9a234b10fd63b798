"""`assess batch` ranks, counts and analyses only what may be compared: per (ruleset, 考核年度,
unit type) group, each group labelled; a batch that mixes groups says so on the terminal and in
the 汇总."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from batch_helpers import AS_OF, EXAMPLES, sheet_values

from engine.cli import main

MIXED = ["huashan-2012", "gaizhou-2016", "qujiang-2019", "national-bureau-2022"]


def run(args: list, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return info.value.code, out, err


@pytest.fixture
def inputs(tmp_path) -> Path:
    folder = tmp_path / "申报"
    folder.mkdir()
    for name in MIXED:
        data = json.loads((EXAMPLES / f"{name}.json").read_text("utf-8"))
        data.pop("复核", None)
        (folder / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return folder


def test_json_summary_ranks_and_counts_per_group(inputs, tmp_path, capsys):
    out = tmp_path / "out"
    code, _, err = run(["batch", inputs, "-o", out, "--format", "json", "--as-of", AS_OF, "--jobs", "1"], capsys)
    assert code == 0, err
    summary = json.loads((out / "汇总.json").read_text("utf-8"))
    groups = summary["groups"]
    assert [(g["ruleset_id"], g["year"], g["unit_type"], g["units"]) for g in groups] == [
        ("demo-district-2013", 2012, "区县政府", 1),
        ("demo-district-2013", 2016, "区县政府", 1),
        ("demo-district-2013", 2019, "区县政府", 1),
        ("national-model-2021", 2022, "区直部门", 1),
    ]
    labels = [g["label"] for g in groups]
    assert all(str(g["year"]) in g["label"] and g["unit_type"] in g["label"] for g in groups)
    assert summary["mixed"] is True
    # one unit per group: every unit is first in its own group, none is ranked against another year
    assert [(r["group"], r["rank"]) for r in summary["ranking"]] == [(label, 1) for label in labels]
    assert list(summary["grades"]) == labels
    # 失分分析 per group: no item pools units of different years
    assert {loss["group"] for loss in summary["item_losses"]} == set(labels)
    assert all(loss["applicable_units"] <= 1 for loss in summary["item_losses"])
    assert "分组" in err and "考核年度" in err  # the terminal says the batch mixes groups


def test_the_summary_workbook_labels_each_group(inputs, tmp_path, capsys):
    out = tmp_path / "out"
    code, _, err = run(["batch", inputs, "-o", out, "--as-of", AS_OF, "--jobs", "1"], capsys)
    assert code == 0, err
    v = sheet_values(out / "汇总.xlsx")
    ranking = v["排名"]
    assert "不同" in ranking[1][0] and "分组" in ranking[1][0]  # the info line says the groups are not pooled
    # a heading row per group (with its year and unit type), then its units ranked from 1
    headings = [r[0] for r in ranking[3:] if r[1] is None]
    assert len(headings) == 4 and all("年度" in h and "区" in h for h in headings)
    assert [r[0] for r in ranking[3:] if r[1] is not None] == [1, 1, 1, 1]
    grades = v["等次分布"]
    first_col = [r[0] for r in grades]
    assert first_col.count("demo-district-2013 · 2016年度 · 区县政府") == 2  # a row in both tables
    items = v["失分分析"]
    assert sum(1 for r in items[3:] if r[0] in headings) == 4


def test_a_batch_of_one_group_does_not_warn(tmp_path, capsys):
    folder = tmp_path / "申报"
    folder.mkdir()
    for n in (1, 2):
        data = json.loads((EXAMPLES / "national-bureau-2022.json").read_text("utf-8"))
        data.pop("复核", None)
        data["单位名称"] = f"区测试局{n}"
        (folder / f"u{n}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, out, err = run(["batch", folder, "--format", "json", "--as-of", AS_OF, "--jobs", "1"], capsys)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["mixed"] is False and len(summary["groups"]) == 1
    assert [r["rank"] for r in summary["ranking"]] == [1, 1]
    assert "不同考核年度" not in err
