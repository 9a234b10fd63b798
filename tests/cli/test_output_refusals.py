"""Every command refuses to write into a device, FIFO or symbolic link, or over one of its inputs:
exit 3, the path named, the thing there untouched."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from test_output_places import HUASHAN, RULES, WRITERS, run

ROOT = Path(__file__).resolve().parents[2]
REVIEW = ROOT / "examples" / "reviews"

ONE_FILE = sorted(w for w in WRITERS if w != "batch")


def _fifo(folder: Path, name: str) -> Path:
    os.mkfifo(folder / name)
    return folder / name


@pytest.mark.parametrize("writer", ONE_FILE)
def test_a_fifo_as_output_is_refused_and_stays_a_fifo(capsys, tmp_path, writer):
    args = WRITERS[writer](tmp_path)
    target = Path(args[args.index("-o") + 1])
    os.mkfifo(target)
    code, _, err = run(capsys, args)
    assert code == 3, err
    assert f"{target}: 是命名管道（FIFO），不是普通文件" in err
    assert target.is_fifo()


@pytest.mark.parametrize("writer", ONE_FILE)
def test_a_symbolic_link_as_output_is_refused(capsys, tmp_path, writer):
    args = WRITERS[writer](tmp_path)
    target = Path(args[args.index("-o") + 1])
    elsewhere = tmp_path / "别处.txt"
    elsewhere.write_text("原样", encoding="utf-8")
    target.symlink_to(elsewhere)
    code, _, err = run(capsys, args)
    assert code == 3, err
    assert f"{target}: 是符号链接" in err
    assert elsewhere.read_text(encoding="utf-8") == "原样"


def test_a_device_as_output_is_refused(capsys):
    code, _, err = run(capsys, [HUASHAN, "--format", "json", "-o", "/dev/null"])
    assert code == 3 and "/dev/null: 是设备文件，不是普通文件" in err
    assert Path("/dev/null").is_char_device()


def test_the_submission_as_output_is_refused(capsys, tmp_path):
    sub = tmp_path / "sub.json"
    shutil.copy(HUASHAN, sub)
    before = sub.read_bytes()
    code, _, err = run(capsys, [sub, "--format", "json", "-o", sub])
    assert code == 3 and f"{sub}: 是本次读取的输入文件；不覆盖输入" in err
    assert sub.read_bytes() == before


def test_the_submission_as_scoresheet_is_refused_before_the_overwrite_guard(capsys, tmp_path):
    sub = tmp_path / "sub.json"
    shutil.copy(HUASHAN, sub)
    code, _, err = run(capsys, [sub, "-o", sub, "--force"])
    assert code == 3 and f"{sub}: 是本次读取的输入文件" in err


def test_the_rules_file_as_output_is_refused(capsys, tmp_path):
    rules = tmp_path / "rules.yaml"
    shutil.copy(RULES, rules)
    before = rules.read_bytes()
    code, _, err = run(capsys, [HUASHAN, "--rules", rules, "--format", "json", "-o", rules])
    assert code == 3 and f"{rules}: 是本次读取的输入文件" in err
    assert rules.read_bytes() == before


def test_the_overrides_file_as_output_is_refused(capsys, tmp_path):
    review = tmp_path / "review.yaml"
    shutil.copy(next(REVIEW.glob("*.yaml")), review)
    sub = ROOT / "examples" / "county-dept-2024.json"
    code, _, err = run(capsys, [sub, "--overrides", review, "--format", "json", "-o", review])
    assert code == 3 and f"{review}: 是本次读取的输入文件" in err


def test_the_filled_form_as_output_is_refused(capsys, tmp_path):
    form = tmp_path / "填报表.xlsx"
    assert run(capsys, ["template", RULES, "--from", HUASHAN, "-o", form])[0] == 0
    before = form.read_bytes()
    code, _, err = run(capsys, [form, "-o", form, "--force"])
    assert code == 3 and f"{form}: 是本次读取的输入文件" in err
    assert form.read_bytes() == before


def test_a_hard_link_to_the_input_is_refused(capsys, tmp_path):
    sub = tmp_path / "sub.json"
    shutil.copy(HUASHAN, sub)
    os.link(sub, tmp_path / "结果.json")
    code, _, err = run(capsys, [sub, "--format", "json", "-o", tmp_path / "结果.json"])
    assert code == 3 and f"是本次读取的输入文件（即 {sub}）" in err


def test_extract_onto_its_report_is_refused(capsys, tmp_path):
    report = tmp_path / "报告.txt"
    shutil.copy(ROOT / "tests" / "data" / "reports" / "000-huashan-2012.txt", report)
    code, _, err = run(capsys, ["extract", report, "--rules", RULES, "-o", report])
    assert code == 3 and f"{report}: 是本次读取的输入文件" in err


def test_a_batch_does_not_replace_an_input_in_its_output_folder(capsys, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    data = json.loads(HUASHAN.read_text(encoding="utf-8"))
    sub = out / "汇总.json"  # the name the summary would take
    sub.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    before = sub.read_bytes()
    code, _, err = run(capsys, ["batch", sub, "-o", out, "--format", "json"])
    assert code == 3 and f"{sub}: 是本次读取的输入文件" in err
    assert sub.read_bytes() == before


def test_a_batch_does_not_write_a_scoresheet_through_a_link(capsys, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "别处.xlsx"
    elsewhere.write_bytes(b"keep")
    (out / "花山区人民政府-2012年度评分表.xlsx").symlink_to(elsewhere)
    code, _, err = run(capsys, ["batch", HUASHAN, "-o", out])
    assert code == 3, err  # the only unit was not written
    assert "花山区人民政府-2012年度评分表.xlsx 未写出：是符号链接" in err
    assert elsewhere.read_bytes() == b"keep"


def test_examples_are_not_copied_through_a_link(capsys, tmp_path):
    elsewhere = tmp_path / "别处.json"
    elsewhere.write_text("原样", encoding="utf-8")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "huashan-2012.json").symlink_to(elsewhere)
    code, _, err = run(capsys, ["examples", "-o", tmp_path / "out"])
    assert code == 3 and "huashan-2012.json: 是符号链接" in err
    assert elsewhere.read_text(encoding="utf-8") == "原样"
