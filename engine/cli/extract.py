"""`assess extract REPORT`: draft a submission from a unit's annual report, every value cited."""

from __future__ import annotations

from pathlib import Path

import click

from engine import api
from engine.cli.common import CONTEXT, EXIT_FAILED, EXIT_OK, Command, PathType
from engine.documents.text import visible
from engine.extract.draft import draft_json, render_table
from engine.files.atomic import write_text_atomic


@click.command("extract", cls=Command, context_settings=CONTEXT)
@click.argument("report", type=PathType(dir_okay=False, path_type=Path))
@click.option(
    "--rules",
    "-r",
    type=PathType(path_type=Path),
    help="规则文件、规则集编号（见 assess rules list）或规则文件夹。缺省按报告的考核年度和单位类型，从内置规则文件夹选用适用的规则集（同 assess）。",
)
@click.option(
    "--output",
    "-o",
    type=PathType(path_type=Path),
    help="草稿 JSON 的位置。缺省为当前文件夹下的 <报告文件名>-草稿.json。",
)
@click.option("--unit", metavar="名称", help="单位名称（缺省取报告标题中的单位）。")
@click.option("--unit-type", metavar="类型", help="单位类型，须为规则集声明的类型之一。")
@click.option(
    "--year",
    type=click.IntRange(1990, 2100),
    metavar="YYYY",
    help="考核年度，即被考核的工作年度（缺省取报告标题中的年份）。",
)
@click.option(
    "--against",
    type=PathType(dir_okay=False, path_type=Path),
    metavar="SUBMISSION",
    help="核对模式：列出该单位申报数据（JSON/YAML/填报表）与其年度报告写明的值不一致之处，不写草稿。",
)
@click.option("--debug", is_flag=True, help="内部错误时显示完整的调用栈。")
def extract_command(
    report: Path,
    rules: Path | None,
    output: Path | None,
    unit: str | None,
    unit_type: str | None,
    year: int | None,
    against: Path | None,
    debug: bool,
) -> None:
    """从单位的法治政府建设年度报告中提取数据，写出申报数据草稿（JSON）。

    \b
    读取 UTF-8、GBK/GB18030 或 Big5 文本（繁体字按简体匹配，出处仍为原文），或 .docx。找到的每个值都注明出处（行、列、原文），
    并标出 约数（近/余/约/多/左右）、推算（由分子分母算出或各渠道合计）、冲突（报告给出不同的值）。
    没找到的指标写作 "待填"；补齐后用 assess 评分——必填项仍为 "待填" 时 assess 拒绝评分并逐项列出。

    \b
    例：
      assess extract 报告.txt -o 草稿.json
      assess extract 报告.txt --rules demo-district-2013 --unit-type 区县政府 -o 花山-草稿.json
      assess extract 报告.txt --against 申报/花山.json      核对：退出码 1 表示有不一致

    \b
    核对模式（--against）：按申报数据选用规则集读报告，逐项列出“不一致”（两值及报告原句）、
    “待核”（报告为约数、范围或推算）和“申报未填”（报告写明而申报未填）。
    """
    del debug  # read by engine.cli.app.main
    if against is not None:
        if output is not None or unit or unit_type or year is not None:
            raise click.UsageError("--against 核对申报数据，不写草稿：不能与 -o、--unit、--unit-type、--year 同用")
        from engine.extract.crosscheck import render

        check = api.cross_check_report(report, against, rules)
        click.echo(visible(render(check)), nl=False)
        raise SystemExit(EXIT_FAILED if check.differences else EXIT_OK)
    rules_path = api.rules_for_report(rules)
    if unit_type is not None and not rules_path.is_dir():
        types = api.get_ruleset(rules_path).header.unit_types
        if unit_type not in types:
            raise click.BadParameter(f"应为以下之一：{'、'.join(types)}", param_hint="--unit-type")
    extraction, draft = api.draft_from_report(report, rules, unit=unit, unit_type=unit_type, year=year)
    target = output or Path(f"{report.stem}-草稿.json")
    write_text_atomic(target, draft_json(draft))
    click.echo(visible(render_table(extraction, draft)), err=True, nl=False)
    click.echo(f"草稿：{target}", err=True)
