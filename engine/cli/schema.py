"""`assess schema`: JSON Schema for editors (VS Code) and other tools."""

from __future__ import annotations

from pathlib import Path

import click

from engine.cli.common import CONTEXT, Command, PathType


@click.command("schema", cls=Command, context_settings=CONTEXT)
@click.argument("kind", type=click.Choice(["rules", "submission"]))
@click.option(
    "--rules",
    "-r",
    type=PathType(dir_okay=False, path_type=Path),
    help="（submission）按此规则集生成，列出每个指标的类型、范围和选项。",
)
@click.option("--output", "-o", type=PathType(path_type=Path), help="输出文件；缺省为标准输出。")
def schema_command(kind: str, rules: Path | None, output: Path | None) -> None:
    """输出规则文件或申报数据的 JSON Schema（带中文标题和说明），供编辑器提示和校验。

    \b
    例：
      assess schema rules -o schema/rules.schema.json
      assess schema submission -o schema/submission.schema.json
      assess schema submission --rules demo-district-2013 -o 本年申报.schema.json
    在 VS Code 中关联方法见 README。
    """
    from engine.files.atomic import write_text_atomic
    from engine.tools.schema import dump, rules_schema, submission_schema

    if kind == "rules":
        if rules is not None:
            raise click.UsageError("--rules 只用于 submission")
        text = dump(rules_schema())
    else:
        ruleset = None
        if rules is not None:
            from engine import api

            ruleset = api.get_ruleset(rules)
        text = dump(submission_schema(ruleset))
    if output is None:
        click.echo(text, nl=False)
    else:
        write_text_atomic(output, text)
        click.echo(f"JSON Schema 已写入：{output}", err=True)
