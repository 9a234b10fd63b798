"""`assess verify` finds the ruleset the sheet records (id and sha256), in the shipped folder or a
folder given, and refuses — with both hashes — a rules file that differs from the one used."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES, RULES

from engine.cli import main

AS_OF = "2024-01-15T09:00:00+08:00"
BUREAU = EXAMPLES / "national-bureau-2022.json"


def run(args: list, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return info.value.code, out, err


@pytest.fixture
def sheet(tmp_path, capsys) -> Path:
    path = tmp_path / "评分表.xlsx"
    code, _, err = run([BUREAU, "-o", path, "--as-of", AS_OF], capsys)
    assert code == 0, err
    return path


def sha_of(path: Path) -> str:
    from openpyxl import load_workbook

    props = {p.name: p.value for p in load_workbook(path).custom_doc_props}
    return props["规则文件SHA-256"]


def test_a_2022_sheet_verifies_without_naming_the_rules(sheet, capsys):
    # the "tried" case: without RULES the demo 2013 ruleset was used, and 194 lines blamed the submission
    code, out, err = run(["verify", sheet, BUREAU], capsys)
    assert code == 0, out + err
    assert out.startswith("一致：")
    assert "national-model-2021" in err or "national-model-2021" in out  # says which ruleset it found


def test_a_rules_folder_is_accepted(sheet, capsys):
    code, out, err = run(["verify", sheet, BUREAU, RULES], capsys)
    assert code == 0, out + err


def test_a_folder_with_a_changed_copy_of_the_ruleset_is_refused_with_both_hashes(sheet, tmp_path, capsys):
    folder = tmp_path / "rules"
    folder.mkdir()
    text = (RULES / "national-model-2021.yaml").read_text("utf-8")
    changed = folder / "national-model-2021.yaml"
    changed.write_text(text.replace("加分上限: 3", "加分上限: 2", 1), encoding="utf-8")
    recorded = sha_of(sheet)
    code, out, err = run(["verify", sheet, BUREAU, folder], capsys)
    assert code == 3 and out == ""
    assert recorded in err
    from engine.api import get_ruleset

    assert get_ruleset(changed).sha256 in err
    assert "national-model-2021" in err


def test_a_rules_file_that_differs_is_refused_with_both_hashes(sheet, tmp_path, capsys):
    changed = tmp_path / "national-model-2021.yaml"
    text = (RULES / "national-model-2021.yaml").read_text("utf-8")
    changed.write_text(text.replace("加分上限: 3", "加分上限: 2", 1), encoding="utf-8")
    code, out, err = run(["verify", sheet, BUREAU, changed], capsys)
    assert code == 3
    assert sha_of(sheet) in err
    assert len([line for line in err.splitlines() if line.strip()]) < 10  # one refusal, not a list of diffs


def test_a_folder_without_the_ruleset_is_refused_naming_it(sheet, tmp_path, capsys):
    folder = tmp_path / "rules"
    folder.mkdir()
    shutil.copy(RULES / "demo-district-2013.yaml", folder)
    code, out, err = run(["verify", sheet, BUREAU, folder], capsys)
    assert code == 3
    assert "national-model-2021" in err and str(folder) in err and sha_of(sheet) in err


def test_the_sheet_records_the_ruleset_id(sheet):
    from openpyxl import load_workbook

    props = {p.name: p.value for p in load_workbook(sheet).custom_doc_props}
    assert props["规则集编号"] == "national-model-2021"


def test_a_ruleset_found_by_id_under_another_file_name(sheet, tmp_path, capsys):
    folder = tmp_path / "rules"
    folder.mkdir()
    shutil.copy(RULES / "national-model-2021.yaml", folder / "示范指标体系版.yaml")
    code, out, err = run(["verify", sheet, BUREAU, folder, "--format", "json"], capsys)
    assert code == 0, err
    assert json.loads(out)["matches"] is True
