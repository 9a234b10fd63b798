"""The command line speaks Chinese: click's own words (usage, headings, argument errors, suggestions)
come from a Chinese catalogue; first words and directories are understood; non-UTF-8 consoles and
colour behave."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from engine.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CLICK_ENGLISH = re.compile(
    r"Usage|Options|Commands|Error|Missing|Invalid|is not one of|Did you mean|No such|Try '|"
    r"requires an|does not|unexpected extra|Show this|is a directory|not in the range"
)


def run(capsys, args: list[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return info.value.code, out, err


def chinese(text: str) -> None:
    assert not CLICK_ENGLISH.search(text), text


@pytest.mark.parametrize("args", [["-h"], ["rules", "-h"], ["rules", "test", "-h"], ["batch", "--help"]])
def test_help_headings_are_chinese(capsys, args):
    code, out, err = run(capsys, args)
    assert code == 0
    chinese(out)
    assert out.startswith("用法：assess")
    assert "选项：" in out and "显示此帮助并退出" in out


def test_group_help_lists_commands_under_a_chinese_heading(capsys):
    code, out, _ = run(capsys, ["-h"])
    assert "命令：" in out and "显示版本并退出" in out


def test_missing_argument(capsys):
    code, out, err = run(capsys, ["rules", "check"])
    assert code == 2
    chinese(err)
    assert "用法：assess rules check" in err
    assert "错误：缺少参数 'PATHS...'" in err
    assert "查看帮助：assess rules check --help" in err


def test_invalid_choice(capsys):
    code, out, err = run(capsys, [EXAMPLES / "huashan-2012.json", "--format", "xml"])
    assert code == 2
    chinese(err)
    assert "'--format' 的值无效：'xml' 不是可选值之一：'xlsx', 'json', 'text'" in err


def test_unknown_option_suggests_the_near_one_of_the_group(capsys):
    code, out, err = run(capsys, ["--verison"])
    assert code == 2
    chinese(err)
    assert "没有选项 '--verison'" in err and "是否应为 '--version'？" in err
    assert "--overrides" not in err


def test_unknown_option_of_a_command(capsys):
    code, out, err = run(capsys, ["rules", "test", "--alow-uncovered"])
    assert code == 2
    chinese(err)
    assert "没有选项 '--alow-uncovered'" in err and "是否应为 '--allow-uncovered'？" in err


def test_option_without_its_value(capsys):
    code, out, err = run(capsys, [EXAMPLES / "huashan-2012.json", "--rules"])
    assert code == 2
    chinese(err)
    assert "选项 '--rules' 需要一个值" in err


def test_flag_given_a_value(capsys):
    code, out, err = run(capsys, ["rules", "test", "--verbose=yes"])
    assert code == 2
    chinese(err)
    assert "选项 '--verbose' 不接受值" in err


def test_extra_argument(capsys):
    code, out, err = run(capsys, ["rules", "diff", "a.yaml", "b.yaml", "c.yaml"])
    assert code == 2
    chinese(err)
    assert "多余的参数（c.yaml）" in err


def test_number_out_of_range(capsys, tmp_path):
    code, out, err = run(capsys, ["batch", EXAMPLES, "-o", tmp_path / "out", "--jobs", "0"])
    assert code == 2
    chinese(err)
    assert "'--jobs' / '-j' 的值无效：0 不在范围 x>=1 内" in err


def test_not_a_number(capsys, tmp_path):
    code, out, err = run(capsys, ["batch", EXAMPLES, "-o", tmp_path / "out", "--jobs", "两"])
    assert code == 2
    chinese(err)
    assert "'两' 不是有效的数值" in err


def test_unknown_subcommand_with_suggestion(capsys):
    code, out, err = run(capsys, ["rules", "tset"])
    assert code == 2
    chinese(err)
    assert "没有命令 'tset'" in err and "是否应为 'test'？" in err


def test_first_word_close_to_a_command_is_not_read_as_a_submission(capsys):
    code, out, err = run(capsys, ["rule", "check"])
    assert code == 2
    chinese(err)
    assert "没有命令 'rule'" in err and "是否应为 'rules'？" in err
    assert "文件不存在" not in err


def test_a_folder_given_as_submission_points_at_batch(capsys, tmp_path):
    code, out, err = run(capsys, [EXAMPLES])
    assert code == 2
    chinese(err)
    assert "是文件夹" in err and f"assess batch {EXAMPLES} -o 评分结果" in err


def test_version(capsys):
    code, out, err = run(capsys, ["--version"])
    assert code == 0
    assert re.fullmatch(r"assess，版本 \d+\.\d+\.\d+\n", out)


def test_catalogue_translates_every_message_of_the_installed_click():
    """A click upgrade that adds or rewords a message fails here instead of showing English."""
    from engine.cli.chinese import CATALOGUE, PLURALS

    root = Path(click.__file__).parent
    wanted = set()
    for source in root.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext"):
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    wanted.add(first.value)
    missing = sorted(m for m in wanted if m not in CATALOGUE and m not in PLURALS)
    assert missing == []
    entries = [(k, v) for k, v in CATALOGUE.items()] + [(k + p, a + b) for k, (p, a, b) in PLURALS.items()]
    for msgid, msgstr in entries:
        # every placeholder of the translation is one click fills in
        assert set(re.findall(r"\{(\w+)", msgstr)) <= set(re.findall(r"\{(\w+)", msgid)), msgid


def test_the_shipped_catalogue_is_current():
    from engine.cli.chinese import MO_FILE, compile_mo

    assert MO_FILE.read_bytes() == compile_mo()


def test_catalogue_leaves_the_process_as_it_was(capsys):
    import gettext

    domain = gettext.textdomain()
    language = os.environ.get("LANGUAGE")
    run(capsys, ["-h"])
    assert gettext.textdomain() == domain and os.environ.get("LANGUAGE") == language
    assert gettext.gettext("Usage:") == "Usage:"


# -- consoles ---------------------------------------------------------------------------------


def assess(*args: str, env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess:
    full = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "engine", *args], cwd=ROOT, env=full, capture_output=True, timeout=300, **kw
    )


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "ascii", "cp1252"])
def test_a_non_utf8_console_never_crashes(encoding):
    proc = assess("explain", "examples/problem-department.json", "--rule", "ZD-01", env={"PYTHONIOENCODING": encoding})
    assert proc.returncode == 0, proc.stderr.decode(encoding, "replace")
    # everything printed is in the console's encoding (click writes UTF-8 where a stream claims ASCII)
    effective = "utf-8" if encoding == "ascii" else encoding
    text = proc.stdout.decode(effective)
    assert "ZD-01" in text
    printable = "✓".encode(effective, "ignore") != b""
    assert printable or ("✓" not in text and "✗" not in text)
    if encoding == "gbk":
        assert "×" in text or "√" in text  # marks GBK can print
    if encoding.startswith("gb"):
        assert "规范性文件" in text


def test_gbk_console_batch_marks(tmp_path):
    proc = assess("batch", "examples/", "-o", str(tmp_path / "out"), "--jobs", "1", env={"PYTHONIOENCODING": "gbk"})
    assert proc.returncode == 0, proc.stderr.decode("gbk", "replace")
    assert "√ " in proc.stderr.decode("gbk")


def _on_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run assess with stderr on a pseudo-terminal; what it wrote there."""
    import pty

    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "engine", *args],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=follower,
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        proc.wait(timeout=300)
    finally:
        os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_colour_on_a_terminal_only(tmp_path):
    args = ["examples/problem-department.json", "-o", str(tmp_path / "x.xlsx")]
    shown = _on_terminal(args, {"NO_COLOR": "", "TERM": "xterm"})
    assert re.search(r"\x1b\[[0-9;]*m[^\x1b]*不合格", shown)
    assert re.search(r"\x1b\[[0-9;]*m[^\x1b]*一票否决", shown)
    assert "\x1b[" not in _on_terminal(args, {"NO_COLOR": "1", "TERM": "xterm"})
    piped = assess(*args)
    assert piped.returncode == 0 and b"\x1b[" not in piped.stderr and "不合格" in piped.stderr.decode()


def test_shell_completion_and_version_are_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    docs = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").rglob("*.md"))
    assert "_ASSESS_COMPLETE=bash_source" in docs and "assess --version" in docs + readme
    proc = assess(env={"_ASSESS_COMPLETE": "bash_source"})
    assert proc.returncode == 0 and b"complete" in proc.stdout


def test_missing_option(capsys):
    code, out, err = run(capsys, ["rules", "new", "x-2026", "--year", "2026"])
    assert code == 2
    chinese(err)
    assert "错误：缺少选项 '--from'" in err


def test_a_file_where_a_folder_is_wanted(capsys):
    target = EXAMPLES / "huashan-2012.json"
    code, out, err = run(capsys, ["rules", "list", target])
    assert code == 2
    chinese(err)
    assert f"'[FOLDER]' 的值无效：文件夹 '{target}' 是文件，应为文件夹。" in err
