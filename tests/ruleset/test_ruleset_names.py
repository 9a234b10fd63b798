"""Rulesets by name: `rules list`, a 编号 wherever a rules file is taken, `template` choosing by unit type
and year, `rules new`, the examples reachable after an install, and every help example runnable."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engine.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SHIPPED = ["demo-district-2012", "demo-district-2013", "demo-district-2024", "national-model-2021"]


def run(capsys, args: list) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return info.value.code, out, err


def line_of(text: str, ruleset_id: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.split()[:1] == [ruleset_id]]
    assert len(lines) == 1, text
    return lines[0]


def test_rules_list_names_every_shipped_ruleset(capsys):
    code, out, err = run(capsys, ["rules", "list"])
    assert code == 0, err
    line = line_of(out, "demo-district-2013")
    assert "区依法行政示范创建考核评分细则（2013年度）" in line and "2012—2020年度" in line
    assert "区县政府、区直部门、镇街" in line and "［内置］" in line and "demo-district-2013.yaml" in line
    assert "继承 national-model-2021" in line_of(out, "demo-district-2024")
    assert "继承" not in line_of(out, "national-model-2021")
    assert [ln.split()[0] for ln in out.splitlines() if ln.split()[:1] and ln.split()[0] in SHIPPED] == SHIPPED


def test_rules_list_of_a_folder(capsys, tmp_path):
    text = (ROOT / "rules" / "demo-district-2013.yaml").read_text(encoding="utf-8")
    (tmp_path / "local.yaml").write_text(text.replace("编号: demo-district-2013", "编号: local-2013"), encoding="utf-8")
    code, out, err = run(capsys, ["rules", "list", tmp_path])
    assert code == 0, err
    line = line_of(out, "local-2013")
    assert "［内置］" not in line and str(tmp_path / "local.yaml") in line


def test_a_ruleset_id_works_where_a_rules_file_is_taken(capsys, tmp_path):
    code, out, err = run(
        capsys,
        [
            EXAMPLES / "huashan-2012.json",
            "--rules",
            "demo-district-2013",
            "--overrides",
            EXAMPLES / "reviews" / "review.yaml",
            "--format",
            "json",
        ],
    )
    assert code == 0, err
    assert '"total": "93.23"' in out
    code, out, err = run(capsys, ["rules", "export", "national-model-2021", "--format", "markdown"])
    assert code == 0 and "法治政府建设考核评分细则" in out
    code, out, err = run(capsys, ["rules", "diff", "demo-district-2012", "demo-district-2013"])
    assert code == 0, err
    code, out, err = run(capsys, ["template", "demo-district-2013", "-o", tmp_path / "t.xlsx"])
    assert code == 0 and (tmp_path / "t.xlsx").is_file()
    code, out, err = run(capsys, ["rules", "test", "demo-district-2024"])
    assert code == 0 and re.search(r"^\d+ passed, 0 failed$", out, re.M)
    code, out, err = run(capsys, ["schema", "submission", "--rules", "demo-district-2013"])
    assert code == 0 and "法制工作人员数" in out


def test_an_unknown_ruleset_id_is_a_located_error_with_a_hint(capsys):
    code, out, err = run(capsys, [EXAMPLES / "huashan-2012.json", "--rules", "demo-district-2031"])
    assert code == 3
    assert "demo-district-2031: 既不是文件，也不是文件夹或内置规则集的编号" in err
    assert "是否应为 demo-district-2013？" in err and "assess rules list" in err


def test_template_without_rules_asks_for_unit_type_and_year(capsys, tmp_path):
    code, out, err = run(capsys, ["template", "-o", tmp_path / "t.xlsx"])
    assert code == 2
    assert "--unit-type" in err and "--year" in err and "assess rules list" in err
    assert not (tmp_path / "t.xlsx").exists()


def test_template_uses_the_ruleset_in_force_and_says_which(capsys, tmp_path):
    code, out, err = run(capsys, ["template", "--unit-type", "镇街", "--year", "2022", "-o", tmp_path / "t.xlsx"])
    assert code == 0, err
    assert "national-model-2021" in err and "镇街" in err and "2022" in err
    wb = load_workbook(tmp_path / "t.xlsx")
    cells = " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)
    assert "national-model-2021" in cells


def test_rules_new_starts_a_ruleset_for_a_new_year(capsys, tmp_path):
    code, out, err = run(
        capsys, ["rules", "new", "demo-district-2026", "--from", "demo-district-2013", "--year", "2026", "-o", tmp_path]
    )
    assert code == 0, err
    made = tmp_path / "demo-district-2026.yaml"
    cases = tmp_path / "demo-district-2026.cases.yaml"
    assert made.is_file() and cases.is_file()
    text = made.read_text(encoding="utf-8")
    assert "编号: demo-district-2026" in text and "起: 2026" in text
    assert "规则集: demo-district-2026" in cases.read_text(encoding="utf-8")
    # what to review: the dates and thresholds, each at its line
    # dates follow the 考核年度 in the parent, so they carry over as written; thresholds are listed
    assert "当年4月30日" in text and "2012-04-30" not in out
    assert "目标" in out or "满分值" in out
    code, out, err = run(capsys, ["rules", "test", made])
    assert code == 0, out + err
    code, out, err = run(capsys, ["rules", "list", tmp_path])
    assert "2026年度起" in line_of(out, "demo-district-2026")


def test_rules_new_from_a_ruleset_that_extends_a_shipped_one(capsys, tmp_path):
    code, out, err = run(
        capsys, ["rules", "new", "town-2026", "--from", "demo-district-2024", "--year", "2026", "-o", tmp_path]
    )
    assert code == 0, err
    code, out, err = run(capsys, ["rules", "test", tmp_path / "town-2026.yaml"])
    assert code == 0, out + err


def test_rules_new_refuses_to_overwrite(capsys, tmp_path):
    (tmp_path / "x-2026.yaml").write_text("已有", encoding="utf-8")
    code, out, err = run(
        capsys, ["rules", "new", "x-2026", "--from", "demo-district-2013", "--year", "2026", "-o", tmp_path]
    )
    assert code == 3 and "已存在" in err
    assert (tmp_path / "x-2026.yaml").read_text(encoding="utf-8") == "已有"


def test_examples_are_reachable_and_assessable(capsys, tmp_path):
    code, out, err = run(capsys, ["examples"])
    assert code == 0, err
    for name in ("huashan-2012.json", "national-street-2022.json"):
        listed = next(ln for ln in out.splitlines() if name in ln)
        assert Path(listed.split()[-1]).is_file()
    code, out, err = run(capsys, ["examples", "-o", tmp_path / "ex"])
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "ex").glob("*.json")) == sorted(p.name for p in EXAMPLES.glob("*.json"))
    review = tmp_path / "ex" / "reviews" / "review.yaml"
    code, out, err = run(
        capsys, [tmp_path / "ex" / "huashan-2012.json", "--overrides", review, "-o", tmp_path / "h.xlsx"]
    )
    assert code == 0 and "93.23" in err


@pytest.mark.slow
def test_a_regular_install_ships_rules_and_examples(tmp_path):
    """Build the wheel, install it without the repository on the path, and list rulesets and examples."""
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        capture_output=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stderr.decode()
    wheel = next(wheels.glob("fazhi_assess-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.endswith("examples/huashan-2012.json") for n in names)
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)], check=True
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    cwd = tmp_path / "office"
    cwd.mkdir()
    listing = subprocess.run(
        [sys.executable, "-m", "engine", "rules", "list"], cwd=cwd, env=env, capture_output=True, timeout=300
    )
    assert listing.returncode == 0, listing.stderr.decode()
    assert str(target) in listing.stdout.decode() and "demo-district-2013" in listing.stdout.decode()
    score = subprocess.run(
        [sys.executable, "-m", "engine", "examples", "-o", "ex"], cwd=cwd, env=env, capture_output=True, timeout=300
    )
    assert score.returncode == 0, score.stderr.decode()
    score = subprocess.run(
        # the assessors' decisions travel with the examples (ex/reviews), not inside them
        [sys.executable, "-m", "engine", "ex/huashan-2012.json", "--rules", "demo-district-2013"]
        + ["--overrides", "ex/reviews/review.yaml"],
        cwd=cwd,
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert score.returncode == 0 and "93.23" in score.stderr.decode()


# -- every help example runs as written ------------------------------------------------------


def _commands(capsys, path: list[str]) -> list[list[str]]:
    """Every command path, found by reading the help of each group."""
    code, out, _ = run(capsys, [*path, "-h"])
    assert code == 0
    found = [path]
    if "命令：" in out:
        section = out.split("命令：", 1)[1]
        for line in section.splitlines()[1:] if not section.strip().startswith("\n") else section.splitlines():
            words = line.split()
            if line.startswith("  ") and words and re.fullmatch(r"[a-z][a-z-]*", words[0]):
                found += _commands(capsys, [*path, words[0]])
    return found


def _examples(help_text: str) -> list[str]:
    out, taking = [], False
    for line in help_text.splitlines():
        stripped = line.strip()
        if stripped == "例：":
            taking = True
        elif taking and stripped.startswith("assess "):
            out.append(re.split(r"\s{2,}", stripped)[0])  # drop a trailing explanation
        elif taking:
            taking = False
    return out


def _fixtures(folder: Path, capsys) -> None:
    assert run(capsys, ["examples", "-o", folder / "examples"])[0] == 0
    shutil.copy(ROOT / "tests" / "data" / "reports" / "000-huashan-2012.txt", folder / "报告.txt")
    (folder / "申报").mkdir()
    shutil.copy(EXAMPLES / "huashan-2012.json", folder / "申报" / "花山.json")
    (folder / "补报").mkdir()
    shutil.copy(EXAMPLES / "qujiang-2019.json", folder / "补报" / "曲江.json")
    (folder / "review.yaml").write_text(
        "复核:\n  - {评分项: XF-05, 扣分: 0.5, 理由: 宣传覆盖不全, 复核人: 考核组}\n", encoding="utf-8"
    )
    shutil.copy(ROOT / "rules" / "demo-district-2013.yaml", folder / "my-draft.yaml")
    text = (ROOT / "rules" / "demo-district-2013.yaml").read_text(encoding="utf-8")
    (folder / "my-draft.yaml").write_text(text.replace("编号: demo-district-2013", "编号: my-draft"), encoding="utf-8")


def test_every_help_example_runs_as_written(capsys, tmp_path, monkeypatch):
    _fixtures(tmp_path, capsys)
    monkeypatch.chdir(tmp_path)
    commands = _commands(capsys, [])
    assert ["rules", "list"] in commands and ["rules", "new"] in commands and ["examples"] in commands
    ran = 0
    for path in sorted(commands, key=lambda p: (p != [], p != ["score"], p)):  # scoring first: verify reads its sheet
        code, help_text, _ = run(capsys, [*path, "-h"])
        for example in _examples(help_text):
            words = shlex.split(example)[1:]
            target = None
            if ">" in words:
                at = words.index(">")
                words, target = words[:at], words[at + 1]
            code, out, err = run(capsys, words)
            assert code == 0, f"{example}\n{err}"
            if target:
                Path(target).write_text(out, encoding="utf-8")
            ran += 1
    assert ran >= 30
