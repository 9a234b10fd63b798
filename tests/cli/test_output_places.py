"""Where output goes: a missing folder is created (the same in every command, as `batch` does); a
folder that cannot be made, a target that is a folder, or a full disk is a located exit 3 that never
shows a temporary file's name; nothing is left half-written."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from engine.cli import main

ROOT = Path(__file__).resolve().parents[2]
HUASHAN = ROOT / "examples" / "huashan-2012.json"
RULES = ROOT / "rules" / "demo-district-2013.yaml"
OLD_RULES = ROOT / "rules" / "demo-district-2012.yaml"
REPORT = ROOT / "tests" / "data" / "reports" / "000-huashan-2012.txt"


def run(capsys, args: list) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return info.value.code, out, err


# every command that writes a file named by -o, with the file name it is given
WRITERS = {
    "score-xlsx": lambda o: [HUASHAN, "-o", o / "评分表.xlsx"],
    "score-json": lambda o: [HUASHAN, "--format", "json", "-o", o / "结果.json"],
    "score-text": lambda o: [HUASHAN, "--format", "text", "-o", o / "结果.txt"],
    "template": lambda o: ["template", RULES, "-o", o / "填报表.xlsx"],
    "export-xlsx": lambda o: ["rules", "export", RULES, "-o", o / "评分细则.xlsx"],
    "export-md": lambda o: ["rules", "export", RULES, "-o", o / "评分细则.md"],
    "diff": lambda o: ["rules", "diff", OLD_RULES, RULES, "-o", o / "变更.xlsx"],
    "schema": lambda o: ["schema", "rules", "-o", o / "rules.schema.json"],
    "extract": lambda o: ["extract", REPORT, "--rules", RULES, "-o", o / "草稿.json"],
    "batch": lambda o: ["batch", HUASHAN, "-o", o],
}


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_missing_output_folder_is_created(capsys, tmp_path, writer):
    folder = tmp_path / "新建" / "二级"
    args = WRITERS[writer](folder)
    code, out, err = run(capsys, args)
    assert code == 0, err
    written = [p for p in folder.iterdir()]
    assert written and not [p for p in written if p.name.endswith(".part")]


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_an_output_folder_that_is_a_file_is_exit_3(capsys, tmp_path, writer):
    blocker = tmp_path / "输出"
    blocker.write_text("不是文件夹", encoding="utf-8")
    code, out, err = run(capsys, WRITERS[writer](blocker))
    assert code == 3, err
    assert f"{blocker}: " in err and "是文件，不是文件夹" in err
    assert ".part" not in err and "内部错误" not in err
    assert blocker.read_text(encoding="utf-8") == "不是文件夹"


@pytest.mark.parametrize("writer", sorted(set(WRITERS) - {"batch"}))
def test_a_target_that_is_a_folder_is_exit_3(capsys, tmp_path, writer):
    args = WRITERS[writer](tmp_path)
    target = Path(args[-1])
    target.mkdir()
    code, out, err = run(capsys, args)
    assert code == 3, err
    assert f"{target}: " in err and "是文件夹" in err and "请给出文件名" in err
    assert ".part" not in err and "内部错误" not in err
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


@pytest.mark.parametrize("writer", ["score-xlsx", "score-json", "template", "export-md"])
def test_a_full_disk_is_exit_3_and_leaves_nothing(capsys, tmp_path, monkeypatch, writer):
    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    args = WRITERS[writer](tmp_path)
    code, out, err = run(capsys, args)
    assert code == 3, err
    assert f"{args[-1]}: " in err and "磁盘空间不足" in err
    assert ".part" not in err and "内部错误" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_folder_is_exit_3(capsys, tmp_path):
    folder = tmp_path / "只读"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        code, out, err = run(capsys, WRITERS["score-xlsx"](folder))
    finally:
        folder.chmod(0o700)
    assert code == 3 and "没有写入权限" in err and ".part" not in err
