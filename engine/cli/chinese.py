"""click in Chinese, through click's own gettext calls.

click looks every message up with `gettext.gettext` / `ngettext` (the default text domain). While
`chinese()` is active, that domain is ours, bound to the catalogue shipped in engine/locale and the
language set to zh_CN, so usage lines, help headings, argument errors and suggestions are Chinese
whatever the office PC's locale; on exit everything is put back. `CATALOGUE` and `PLURALS` below
are the source of the catalogue (`python -m engine.cli.chinese` writes the .mo; a test checks that
every message of the installed click is translated and that the shipped .mo is current).

The help formatter only changes punctuation: Chinese headings end in a full-width colon and the
usage prefix needs no space after it.
"""

from __future__ import annotations

import contextlib
import gettext
import os
import struct
from collections.abc import Iterator
from pathlib import Path

import click

DOMAIN = "fazhi-assess-click"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
MO_FILE = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / f"{DOMAIN}.mo"

CATALOGUE: dict[str, str] = {
    # usage and help
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示此帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "default: {default}": "缺省：{default}",
    "env var: {var}": "环境变量：{var}",
    "(dynamic)": "（动态）",
    "deprecated": "已弃用",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}": "提示：命令 {name!r} 已弃用。{extra_message}",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}": "提示：{name!r} 已弃用。{extra_message}",
    # errors and what to do
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "查看帮助：{command} {option}",
    "Aborted!": "已中止。",
    "unknown error": "未知错误",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "Option {name!r} does not take a value.": "选项 {name!r} 不接受值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "Invalid start character for option ({option})": "选项的开头字符无效（{option}）",
    "Value must be an iterable.": "值应为列表。",
    # parameter types
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，应为文件夹。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹，应为文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 不可写。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} 不可执行。",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "Choice({choices})": "可选值（{choices}）",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} 不是有效的 是/否 值。可用：{states}",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的数值。",
    "{value!r} is not a valid UUID.": "{value!r} 不是有效的 UUID。",
    # prompts and terminal
    "Do you want to continue?": "是否继续？",
    "Confirm the action without prompting.": "不经询问直接确认。",
    "Press any key to continue...": "按任意键继续……",
    "Repeat for confirmation": "再输入一次以确认",
    "Error: The two entered values do not match.": "错误：两次输入不一致。",
    "Error: invalid input": "错误：输入无效",
    "Unknown color {colour!r}": "未知的颜色 {colour!r}",
    "Unknown standard stream '{name}'": "未知的标准流 '{name}'",
    "{editor}: Editing failed": "{editor}：编辑失败",
    "{editor}: Editing failed: {e}": "{editor}：编辑失败：{e}",
    "Windows error: {error}": "Windows 错误：{error}",
    "d": "d",
    "Couldn't detect Bash version, shell completion is not supported.": "无法判断 Bash 版本，不支持命令补全。",
    "Shell completion is not supported for Bash versions older than 4.4.": "Bash 4.4 以前的版本不支持命令补全。",
    # mistakes in the program itself, not the user's (kept in Chinese for a uniform screen)
    "Could not determine name for option with declarations {decls!r}": "无法确定选项的名称：{decls!r}",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument instead? Did you mean to pass '--{name}'?": "未定义选项却给出了名称（{name}）。",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.": "参数只能有一个声明，实为 {length} 个：{decls}。",
    "Name '{name}' defined twice": "名称 '{name}' 定义了两次",
    "Boolean option {decl!r} cannot use the same flag for true/false.": "是否选项 {decl!r} 不能用同一个开关表示是和否。",
}

# msgid → (msgid_plural, singular, plural); the catalogue's plural rule is n != 1
PLURALS: dict[str, tuple[str, str, str]] = {
    "Did you mean {possibility}?": (
        "(Did you mean one of: {possibilities}?)",
        "是否应为 {possibility}？",
        "（是否应为其中之一：{possibilities}？）",
    ),
    "Got unexpected extra argument ({args})": (
        "Got unexpected extra arguments ({args})",
        "多余的参数（{args}）",
        "多余的参数（{args}）",
    ),
    "Option {name!r} requires an argument.": (
        "Option {name!r} requires {nargs} arguments.",
        "选项 {name!r} 需要一个值。",
        "选项 {name!r} 需要 {nargs} 个值。",
    ),
    "Takes {nargs} values but 1 was given.": (
        "Takes {nargs} values but {len} were given.",
        "需要 {nargs} 个值，实为 1 个。",
        "需要 {nargs} 个值，实为 {len} 个。",
    ),
    "{value!r} is not {choice}.": (
        "{value!r} is not one of {choices}.",
        "{value!r} 不是 {choice}。",
        "{value!r} 不是可选值之一：{choices}。",
    ),
    "{value!r} does not match the format {format}.": (
        "{value!r} does not match the formats {formats}.",
        "{value!r} 不符合格式 {format}。",
        "{value!r} 不符合以下任一格式：{formats}。",
    ),
    "{len_type} values are required, but {len_value} was given.": (
        "{len_type} values are required, but {len_value} were given.",
        "需要 {len_type} 个值，实为 {len_value} 个。",
        "需要 {len_type} 个值，实为 {len_value} 个。",
    ),
}

_HEADER = "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=2; plural=n != 1;\nLanguage: zh_CN\n"


def compile_mo() -> bytes:
    """The GNU .mo file of CATALOGUE and PLURALS (the format gettext.GNUTranslations reads)."""
    entries = {"": _HEADER, **CATALOGUE}
    for msgid, (plural, one, many) in PLURALS.items():
        entries[f"{msgid}\0{plural}"] = f"{one}\0{many}"
    keys = sorted(entries, key=lambda k: k.encode("utf-8"))
    ids = [k.encode("utf-8") for k in keys]
    strs = [entries[k].encode("utf-8") for k in keys]
    count = len(keys)
    ids_at = 7 * 4
    strs_at = ids_at + count * 8
    data_at = strs_at + count * 8
    table, blob = [], b""
    for raw in ids + strs:
        table.append((len(raw), data_at + len(blob)))
        blob += raw + b"\0"
    head = struct.pack("<7I", 0x950412DE, 0, count, ids_at, strs_at, 0, 0)
    return head + b"".join(struct.pack("<2I", n, at) for n, at in table) + blob


@contextlib.contextmanager
def chinese() -> Iterator[None]:
    """click's messages in Chinese within the block; the process's gettext settings restored after."""
    domain = gettext.textdomain()
    bound = gettext.bindtextdomain(DOMAIN)
    language = os.environ.get("LANGUAGE")
    gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = "zh_CN"
    try:
        yield
    finally:
        gettext.textdomain(domain)
        gettext.bindtextdomain(DOMAIN, bound)
        if language is None:
            os.environ.pop("LANGUAGE", None)
        else:
            os.environ["LANGUAGE"] = language


class Formatter(click.HelpFormatter):
    """Headings with a full-width colon, and no space after the Chinese usage prefix."""

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix if prefix is not None else gettext.gettext("Usage:"))


class Context(click.Context):
    formatter_class = Formatter


OPTIONS_METAVAR = "[选项]"


class Command(click.Command):
    context_class = Context

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        super().__init__(*args, **kwargs)


class Group(click.Group):
    """A group whose commands are made with the classes above."""

    context_class = Context
    command_class = Command
    group_class = type  # subgroups are of the same class

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def main(self, *args, **kwargs):  # also when a test or a script calls the group itself
        with chinese():
            return super().main(*args, **kwargs)


if __name__ == "__main__":  # python -m engine.cli.chinese: write the .mo after editing the catalogue
    MO_FILE.parent.mkdir(parents=True, exist_ok=True)
    MO_FILE.write_bytes(compile_mo())
    print(MO_FILE)
