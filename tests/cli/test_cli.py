"""The command line: exit codes, where output goes, no file written on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DATA, GOOD_MINI, ROOT, with_values

from engine.cli import main
from engine.cli.app import cli

MINI = str(DATA / "mini.yaml")


def run(args: list[str]):
    with pytest.raises(SystemExit) as info:
        main(args)
    return info.value.code


def test_json_goes_to_stdout_and_parses(capsys):
    code = run(
        [str(DATA / "mini-bad-unit.json"), "--rules", MINI, "--format", "json", "--as-of", "2014-01-15T09:00:00+08:00"]
    )
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    doc = json.loads(out)
    assert doc["total"] == "6.83" and doc["grade"]["grade"] == "不合格"
    assert doc["audit"]["assessed_at"] == "2014-01-15T09:00:00+08:00"
    assert [b["event"] for b in doc["bad_records"]][0] == "规范性文件未报备3件"


def test_invalid_submission_exits_3_names_the_place_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(with_values(GOOD_MINI, 备案率="96"), ensure_ascii=False, indent=2), encoding="utf-8")
    out_file = tmp_path / "out.xlsx"
    code = run([str(bad), "--rules", MINI, "-o", str(out_file)])
    out, err = capsys.readouterr()
    assert code == 3 and out == ""
    assert f"{bad}:8:12: 指标.备案率" in err and "指标.备案率" in err and "应为数字" in err
    assert not out_file.exists() and list(tmp_path.iterdir()) == [bad]


def test_broken_json_exits_3_with_line_and_column(tmp_path, capsys):
    bad = tmp_path / "broken.json"
    bad.write_text('{"单位名称": "x",\n  "指标": {,}\n}', encoding="utf-8")
    assert run([str(bad), "--rules", MINI]) == 3
    assert f"{bad}:2:" in capsys.readouterr().err


def test_missing_file_exits_3_and_usage_error_exits_2(capsys):
    assert run(["nowhere.json", "--rules", MINI]) == 3
    assert "nowhere.json: 文件不存在" in capsys.readouterr().err
    assert run([str(DATA / "mini-bad-unit.json"), "--format", "pdf"]) == 2


def test_internal_error_is_one_line_without_traceback(monkeypatch, capsys):
    from engine import api

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(api, "assess_file", broken)
    assert run([str(DATA / "mini-bad-unit.json"), "--rules", MINI]) == 4
    err = capsys.readouterr().err
    assert err.strip() == "内部错误：ZeroDivisionError: boom（加 --debug 查看详情）"
    assert run([str(DATA / "mini-bad-unit.json"), "--rules", MINI, "--debug"]) == 4
    assert "Traceback" in capsys.readouterr().err


def test_text_format_and_help():
    runner = CliRunner()
    result = runner.invoke(cli, ["score", str(DATA / "mini-bad-unit.json"), "--rules", MINI, "--format", "text"])
    assert result.exit_code == 0
    assert "总分 6.83 / 20" in result.stdout and "A-02" in result.stdout
    assert "assess examples/huashan-2012.json" in runner.invoke(cli, ["--help"]).stdout


def test_python_dash_m_engine_runs(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "engine", str(DATA / "mini-bad-unit.json"), "--rules", MINI, "--format", "json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["unit"] == "区测试局"
    assert Path(ROOT / "engine" / "__main__.py").exists()


def test_the_shipped_ruleset_is_found_and_is_the_default():
    from engine.api import default_rules_path, shipped_rules_dir

    assert (shipped_rules_dir() / "demo-district-2013.yaml").is_file()
    assert default_rules_path().is_file()


def test_every_command_explains_itself_with_an_example():
    runner = CliRunner()

    def walk(group, prefix):
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                yield from walk(command, [*prefix, name])
            else:
                yield [*prefix, name]

    paths = list(walk(cli, []))
    assert ["score"] in paths and ["rules", "check"] in paths and ["template"] in paths
    for path in paths:
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "例" in result.stdout, f"{' '.join(path)} --help has no example"
