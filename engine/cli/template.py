"""`assess template`: the fill-in workbook (填报表) for a ruleset."""

from __future__ import annotations

from pathlib import Path

import click

from engine.cli.common import CONTEXT, Command, PathType


@click.command("template", cls=Command, context_settings=CONTEXT)
@click.argument("rules", type=PathType(dir_okay=False, path_type=Path), required=False)
@click.option(
    "--output", "-o", type=PathType(path_type=Path), required=True, help="输出的填报表（.xlsx）。"
)
@click.option(
    "--from",
    "source",
    type=PathType(dir_okay=False, path_type=Path),
    help="用一份申报数据（JSON/YAML）预先填好（如把去年的 JSON 转成填报表）。",
)
def template_command(rules: Path | None, output: Path, source: Path | None) -> None:
    """生成单位填报用的 Excel 填报表：指标表（名称、单位、填写要求、带数据有效性的填报格、佐证材料、
    数据说明），每个记录列表一张表（如行政诉讼案件），以及自评分表。只有填报格可编辑，其余受保护。

    填好的填报表可以直接评分：assess 填报表.xlsx（assess batch 同样接受）。出错时指明工作表与单元格，
    如 填报表.xlsx!指标!G12。

    \b
    例：
      assess template rules/demo-district-2013.yaml -o 填报表.xlsx
      assess template -o 花山区-填报表.xlsx --from examples/huashan-2012.json
    """
    from engine import api
    from engine.documents.source import load_document, plain
    from engine.intake.submission import SubmissionError
    from scoresheets.template import write_template

    data = None
    if source is not None:
        # the ruleset given, else the one in force for the submission's year; invalid data is refused
        ruleset, _ = api.load_submission_for(source, rules)
        data = plain(load_document(source, SubmissionError).data)
    else:
        ruleset = api.get_ruleset(rules)
    write_template(ruleset, output, data)
    click.echo(f"填报表已写入：{output}", err=True)
