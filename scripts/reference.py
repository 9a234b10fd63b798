"""Write docs/参考.md from the code: every key of a rules file (from the JSON Schema the models give),
every scoring method of the registry (engine.ruleset.methods) with its parameters, every command's help (from click) and the exit codes.

    python scripts/reference.py           # rewrite docs/参考.md
    python scripts/reference.py --check   # exit 1 when docs/参考.md is not what the code gives now

A test runs --check, so a key, a method or an option added to the code without regenerating the
manual fails the tests.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "参考.md"

# the $defs of the rules schema, in the order a reader meets them, with a Chinese heading
SECTIONS = [
    ("RulesFile", "规则文件的顶层"),
    ("RulesetHeader", "规则集（表头）"),
    ("Period", "适用期间"),
    ("GradeCaps", "等次限制"),
    ("IndicatorSpec", "指标"),
    ("FieldSpec", "记录列表的字段"),
    ("Ratio", "比率的分子与分母"),
    ("OverdueSpec", "逾期（由引擎计算的逾期天数）"),
    ("ExtractionSpec", "提取（从年度报告中找值）"),
    ("PatternEntry", "提取的模式"),
    ("Category1", "一级指标"),
    ("Category2", "二级指标"),
    ("BadRecordSpec", "不良记录"),
    ("Band", "档次"),
    ("ConditionalPart", "子项：条件扣分"),
    ("PerEventPart", "子项：按件扣分"),
    ("CountShortfallPart", "子项：少于目标扣分"),
    ("RateShortfallPart", "子项：比率不足扣分"),
    ("DiscretionaryPart", "子项：酌情扣分"),
    ("Veto", "否决项"),
    ("Outcome", "等次后果"),
    ("ChildFile", "继承的规则文件"),
    ("NewItems", "新增评分项"),
]
COMMON_ITEM_KEYS = ["编号", "考核内容", "分值", "评分标准", "适用单位", "不适用时", "不良记录", "数据来源", "计分方式"]


def _type(node: dict[str, Any]) -> str:
    """A short Chinese word for a schema node's type."""
    if "const" in node:
        return f"固定为 `{node['const']}`"
    if "enum" in node:
        return "之一：" + "、".join(f"`{v}`" for v in node["enum"])
    if "$ref" in node:
        return node["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in node:
        kinds = [_type(n) for n in node["anyOf"] if n.get("type") != "null"]
        return " 或 ".join(dict.fromkeys(kinds))
    kind = node.get("type")
    words = {
        "string": "文字",
        "number": "数字",
        "integer": "整数",
        "boolean": "是/否",
        "object": "键值表",
        "array": "列表",
    }
    if kind == "array":
        inner = node.get("items") or {}
        return f"列表（{_type(inner)}）" if inner else "列表"
    return words.get(kind, "任意")


def _rows(definition: dict[str, Any], skip: tuple[str, ...] = ()) -> list[str]:
    required = set(definition.get("required", []))
    rows = ["| 键 | 类型 | 必填 | 说明 |", "|---|---|---|---|"]
    for key, node in definition.get("properties", {}).items():
        if key in skip:
            continue
        text = (node.get("description") or node.get("title") or "").replace("|", "\\|").replace("\n", " ")
        kind = _type(node).replace("|", "\\|")
        rows.append(f"| `{key}` | {kind} | {'是' if key in required else ''} | {text} |")
    return rows


def _methods(defs: dict[str, Any]) -> list[tuple[str, bool, dict[str, Any]]]:
    """(计分方式, is a bonus method, its schema) of every method in the registry, in the registry's order."""
    from engine.ruleset.methods import METHODS

    return [(name, method.bonus, defs[method.model.__name__]) for name, method in METHODS.items()]


def _commands() -> list[tuple[str, str]]:
    """(command path, help text) of every command, as `assess … -h` prints it."""
    import click

    from engine.cli.app import cli
    from engine.cli.chinese import chinese

    out = []

    def walk(command: click.Command, path: list[str], parent: click.Context | None) -> None:
        ctx = command.context_class(command, info_name=path[-1], parent=parent, terminal_width=100)
        out.append((" ".join(path), command.get_help(ctx)))
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                walk(command.get_command(ctx, name), [*path, name], ctx)

    with chinese():
        walk(cli, ["assess"], None)
    return out


def render() -> str:
    from engine.tools.cases import Case, CaseFile, Expectation, ItemExpectation, WholeCase, WholeExpectation
    from engine.tools.schema import rules_schema, submission_schema

    CASE_MODELS = [
        (CaseFile, "用例文件的顶层"),
        (Case, "评分项用例"),
        (Expectation, "评分项用例的预期"),
        (WholeCase, "整体用例"),
        (WholeExpectation, "整体用例的预期"),
        (ItemExpectation, "整体用例中一个评分项的预期"),
    ]

    schema = rules_schema()
    defs = schema["$defs"]
    lines = [
        "# 参考",
        "",
        "<!-- 本页由 scripts/reference.py 按代码生成，请勿手工修改；改了代码后运行 python scripts/reference.py -->",
        "",
        "规则文件的每个键、每种计分方式及其参数、每个命令的用法和退出码。各键的写法和例子见[规则编写](规则编写.md)。",
        "",
        "## 规则文件",
        "",
    ]
    for name, heading in SECTIONS:
        lines += [f"### {heading}", "", *_rows(defs[name]), ""]
    lines += ["## 申报数据", "", *_rows(submission_schema(None)), ""]
    lines += ["## 用例文件", ""]
    for model, heading in CASE_MODELS:
        lines += [f"### {heading}", "", *_rows(model.model_json_schema(by_alias=True)), ""]
    lines += [
        "## 计分方式",
        "",
        f"每个评分项都有这些键：{'、'.join(f'`{k}`' for k in COMMON_ITEM_KEYS)}（加分项没有 `不适用时` 和 "
        "`不良记录`）。下表只列各计分方式自己的参数。",
        "",
    ]
    for method, bonus, definition in _methods(defs):
        kind = "加分项" if bonus else "评分项"
        lines += [f"### `{method}`（{kind}）", "", *_rows(definition, skip=tuple(COMMON_ITEM_KEYS)), ""]
    lines += [
        "## 退出码",
        "",
        "| 退出码 | 含义 |",
        "|---|---|",
        "| 0 | 完成（有扣分不算错误）；`rules test` 全部通过 |",
        "| 1 | 检查发现问题：`rules test` 有失败或缺少用例，`rules check` 有问题，`verify` 不一致，`batch` 有申报文件未能评分 |",
        "| 2 | 用法错误：缺少参数、没有这个选项或命令、值无效 |",
        "| 3 | 输入有误：申报数据、规则文件、用例文件、填报表或输出位置；逐条列出文件、位置和改法，不写出任何文件 |",
        "| 4 | 内部错误（加 `--debug` 查看详情） |",
        "",
        "## 命令",
        "",
    ]
    for path, text in _commands():
        lines += [f"### `{path}`", "", "```text", text.rstrip(), "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.is_file() else ""
        if current != text:
            print(f"{TARGET} 与代码不一致：请运行 python scripts/reference.py 重新生成", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(TARGET)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
