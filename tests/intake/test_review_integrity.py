"""Review integrity: assessors' decisions (复核) come only from the assessor's review file.

A unit's own form (填报表) or JSON that carries 复核 entries is refused, at the place they are
written; the 填报表 no longer has a 复核 sheet; a decision applied from a review file says who
decided it, when, and from which file (name and sha256) — on the item, in the JSON result, on
the scoresheet and in its audit block.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import openpyxl
import pytest
from conftest import DATA, EXAMPLES, GOOD_MINI, RULES

from engine.cli import main

MINI = DATA / "mini.yaml"
AS_OF = "2014-01-15T09:00:00+08:00"
SAMPLE_REVIEW = EXAMPLES / "reviews" / "review.yaml"
EXAMPLE_TOTALS = {
    "huashan-2012": "93.23",
    "qujiang-2019": "90.80",
    "gaizhou-2016": "88.56",
    "problem-department": "64.63",
    "national-bureau-2022": "93.40",
    "national-enforcement-2022": "90.96",
    "national-street-2022": "89.03",
    "county-dept-2024": "30.00",  # XF-01.c reviewed (0.3); its other open parts stay 待复核
    "enforcement-selfcheck-2024": "12.80",
}


def run(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return info.value.code, out, err


def mini_unit() -> dict:
    data = json.loads(json.dumps(GOOD_MINI, ensure_ascii=False))
    data.pop("复核", None)
    return data


def write_json(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


REVIEW = """复核:
  - 单位名称: 区测试局
    评分项: B-04
    扣分: 0.5
    理由: 宣传覆盖不全
    复核人: 区司法局 张三
    复核日期: 2014-01-10
"""


# -- a unit's own 复核 is refused -----------------------------------------------------------


def test_json_submission_with_its_own_review_block_is_refused_at_the_block(tmp_path, capsys):
    data = mini_unit()
    data["复核"] = [{"评分项": "B-04", "扣分": 0, "理由": "自认为做得好", "复核人": "本单位"}]
    sub = write_json(tmp_path / "unit.json", data)
    line = next(n for n, text in enumerate(sub.read_text("utf-8").splitlines(), 1) if '"复核"' in text)
    code, out, err = run([sub, "--rules", MINI, "--format", "json"], capsys)
    assert code == 3 and out == ""
    assert f"{sub}:{line}:" in err  # located at the 复核 key
    assert "复核" in err and "--overrides" in err  # says where assessor decisions go instead
    assert "Traceback" not in err


def test_an_empty_review_block_in_a_submission_is_refused_too(tmp_path, capsys):
    data = mini_unit()
    data["复核"] = []
    sub = write_json(tmp_path / "unit.json", data)
    code, _, err = run([sub, "--rules", MINI, "--format", "json"], capsys)
    assert code == 3 and "复核" in err


def _bureau_form(tmp_path: Path, capsys) -> Path:
    """The national bureau example as a filled 填报表 (without any 复核)."""
    data = json.loads((EXAMPLES / "national-bureau-2022.json").read_text("utf-8"))
    data.pop("复核", None)
    src = write_json(tmp_path / "bureau.json", data)
    form = tmp_path / "填报表.xlsx"
    code, _, err = run(["template", RULES / "national-model-2021.yaml", "-o", form, "--from", src], capsys)
    assert code == 0, err
    return form


def test_a_form_whose_unit_filled_a_review_sheet_is_refused_naming_the_cell(tmp_path, capsys):
    # the "tried" case: the department filled the 复核 sheet itself and its total rose from 93.40
    form = _bureau_form(tmp_path, capsys)
    wb = openpyxl.load_workbook(form)
    if "复核" not in wb.sheetnames:  # an old form still has one; a new form must be given one by hand
        ws = wb.create_sheet("复核")
        for col, head in enumerate(["序号", "评分项", "扣分", "得分", "理由", "复核人"], start=1):
            ws.cell(3, col).value = head
    ws = wb["复核"]
    for n, item in enumerate(["MD-03", "ZD-02", "ZZ-09"]):
        ws.cell(4 + n, 2).value = item
        ws.cell(4 + n, 3).value = 0
        ws.cell(4 + n, 5).value = "本单位认为不应扣分"
        ws.cell(4 + n, 6).value = "本单位"
    wb.save(form)
    code, out, err = run([form, "--format", "json"], capsys)
    assert code == 3 and out == ""
    assert f"{form}!复核!B4" in err
    assert "--overrides" in err


def test_an_old_form_with_an_empty_review_sheet_is_still_accepted(tmp_path, capsys):
    form = _bureau_form(tmp_path, capsys)
    wb = openpyxl.load_workbook(form)
    if "复核" not in wb.sheetnames:
        ws = wb.create_sheet("复核")
        for col, head in enumerate(["序号", "评分项", "扣分", "得分", "理由", "复核人"], start=1):
            ws.cell(3, col).value = head
    wb.save(form)
    code, out, err = run([form, "--format", "json"], capsys)
    assert code == 0, err
    result = json.loads(out)
    assert not any(i["reviewed"] for i in result["items"])


def test_the_form_offers_no_review_sheet_to_departments(tmp_path, capsys):
    form = tmp_path / "填报表.xlsx"
    code, _, err = run(["template", RULES / "demo-district-2013.yaml", "-o", form], capsys)
    assert code == 0, err
    wb = openpyxl.load_workbook(form)
    assert "复核" not in wb.sheetnames
    # the form's own words (titles, instructions, headers), not the criteria it quotes
    texts = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows(max_row=3) for c in row if c.value]
    assert not any("复核" in t for t in texts), [t for t in texts if "复核" in t][:3]


# -- a review file: who, when, which file --------------------------------------------------


def test_a_reviewed_item_says_who_when_and_from_which_file(tmp_path, capsys):
    sub = write_json(tmp_path / "unit.json", mini_unit())
    review = tmp_path / "复核-2014.yaml"
    review.write_text(REVIEW, encoding="utf-8")
    digest = hashlib.sha256(review.read_bytes()).hexdigest()
    code, out, err = run([sub, "--rules", MINI, "--overrides", review, "--format", "json", "--as-of", AS_OF], capsys)
    assert code == 0, err
    result = json.loads(out)
    b04 = next(i for i in result["items"] if i["rule_id"] == "B-04")
    assert b04["reviewed"] and b04["deduction"] == "0.50"
    note = b04["review"]
    assert (note["reviewer"], note["date"], note["source"], note["sha256"]) == (
        "区司法局 张三",
        "2014-01-10",
        "复核-2014.yaml",
        digest,
    )
    audit = result["audit"]
    assert (audit["overrides_file"], audit["overrides_sha256"]) == ("复核-2014.yaml", digest)
    assert audit["overrides_applied"] == ["B-04"]


def test_the_scoresheet_and_its_audit_block_say_who_decided_when_and_from_which_file(tmp_path, capsys):
    sub = write_json(tmp_path / "unit.json", mini_unit())
    review = tmp_path / "复核-2014.yaml"
    review.write_text(REVIEW, encoding="utf-8")
    digest = hashlib.sha256(review.read_bytes()).hexdigest()
    sheet = tmp_path / "评分表.xlsx"
    code, _, err = run([sub, "--rules", MINI, "--overrides", review, "-o", sheet, "--as-of", AS_OF], capsys)
    assert code == 0, err
    ws = openpyxl.load_workbook(sheet)["评分表"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 10).value == "B-04")
    note = ws.cell(row, 9).value
    assert "区司法局 张三" in note and "2014年1月10日" in note and "复核-2014.yaml" in note
    labels = {ws.cell(r, 1).value: ws.cell(r, 5).value for r in range(1, ws.max_row + 1)}
    assert labels["复核文件"] == "复核-2014.yaml"
    assert labels["复核文件SHA-256"] == digest
    decided = labels["复核决定"]
    assert "B-04" in decided and "区司法局 张三" in decided and "2014-01-10" in decided
    props = {p.name: p.value for p in openpyxl.load_workbook(sheet).custom_doc_props}
    assert props["复核文件SHA-256"] == digest


def test_a_review_entry_without_a_date_is_refused_at_the_entry(tmp_path, capsys):
    sub = write_json(tmp_path / "unit.json", mini_unit())
    review = tmp_path / "review.yaml"
    review.write_text(REVIEW.replace("    复核日期: 2014-01-10\n", ""), encoding="utf-8")
    code, _, err = run([sub, "--rules", MINI, "--overrides", review, "--format", "json"], capsys)
    assert code == 3
    assert f"{review}:2:" in err and "复核日期" in err


def test_a_review_file_whose_entries_fit_no_assessed_unit_is_noticed(tmp_path, capsys):
    sub = write_json(tmp_path / "unit.json", mini_unit())
    review = tmp_path / "review.yaml"
    review.write_text(REVIEW.replace("区测试局", "别的单位"), encoding="utf-8")
    code, _, err = run([sub, "--rules", MINI, "--overrides", review, "-o", tmp_path / "x.xlsx"], capsys)
    assert code == 0
    assert "review.yaml" in err and "没有适用于" in err


def test_a_review_entry_for_another_year_does_not_apply(tmp_path, capsys):
    sub = write_json(tmp_path / "unit.json", mini_unit())  # 考核年度 2013
    review = tmp_path / "review.yaml"
    review.write_text(REVIEW.replace("    评分项: B-04", "    考核年度: 2012\n    评分项: B-04"), encoding="utf-8")
    code, out, err = run([sub, "--rules", MINI, "--overrides", review, "--format", "json"], capsys)
    assert code == 0, err
    b04 = next(i for i in json.loads(out)["items"] if i["rule_id"] == "B-04")
    assert b04["status"] == "待复核" and not b04["reviewed"]


# -- the shipped examples: decisions in the sample review file ------------------------------


def test_no_shipped_example_submission_carries_review_decisions():
    for name in EXAMPLE_TOTALS:
        data = json.loads((EXAMPLES / f"{name}.json").read_text("utf-8"))
        assert "复核" not in data, name


@pytest.mark.parametrize("name", sorted(EXAMPLE_TOTALS))
def test_the_sample_review_file_gives_the_documented_example_totals(name, capsys):
    code, out, err = run(
        [EXAMPLES / f"{name}.json", "--overrides", SAMPLE_REVIEW, "--format", "json", "--as-of", AS_OF], capsys
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["total"] == EXAMPLE_TOTALS[name]
    for item in result["items"]:
        if item["reviewed"]:
            assert item["review"]["source"] == "review.yaml" and item["review"]["date"]


def test_batch_applies_a_review_file(tmp_path, capsys):
    out_json = tmp_path / "out"
    code, _, err = run(
        ["batch", EXAMPLES, "-o", out_json, "--format", "json", "--overrides", SAMPLE_REVIEW, "--as-of", AS_OF],
        capsys,
    )
    assert code == 0, err
    summary = json.loads((out_json / "汇总.json").read_text("utf-8"))
    totals = {Path(r["file"]).stem: r["total"] for r in summary["ranking"]}
    assert totals == EXAMPLE_TOTALS


def test_verify_checks_the_review_file_the_sheet_was_scored_with(tmp_path, capsys):
    sub = write_json(tmp_path / "unit.json", mini_unit())
    review = tmp_path / "review.yaml"
    review.write_text(REVIEW, encoding="utf-8")
    sheet = tmp_path / "评分表.xlsx"
    code, _, err = run([sub, "--rules", MINI, "--overrides", review, "-o", sheet, "--as-of", AS_OF], capsys)
    assert code == 0, err
    code, out, err = run(["verify", sheet, sub, MINI, "--overrides", review], capsys)
    assert code == 0, out + err
    # without the review file the sheet cannot be reproduced: refused, naming the recorded file
    code, out, err = run(["verify", sheet, sub, MINI], capsys)
    assert code == 3 and "review.yaml" in err and "--overrides" in err
    # another review file: refused with both hashes
    other = tmp_path / "other.yaml"
    other.write_text(REVIEW.replace("0.5", "1"), encoding="utf-8")
    code, out, err = run(["verify", sheet, sub, MINI, "--overrides", other], capsys)
    assert code == 3
    assert hashlib.sha256(review.read_bytes()).hexdigest() in err
    assert hashlib.sha256(other.read_bytes()).hexdigest() in err
