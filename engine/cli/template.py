"""`assess template`: the fill-in workbook (填报表) for a ruleset."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from engine.cli.common import CONTEXT, Command, PathType


@click.command("template", cls=Command, context_settings=CONTEXT)
@click.argument("rules", type=PathType(path_type=Path), required=False)
@click.option("--output", "-o", type=PathType(path_type=Path), required=True, help="输出的填报表（.xlsx）。")
@click.option(
    "--from",
    "source",
    type=PathType(dir_okay=False, path_type=Path),
    help="用一份申报数据（JSON/YAML）预先填好（如把去年的 JSON 转成填报表）。",
)
@click.option(
    "--unit-type",
    metavar="类型",
    help="只为这一单位类型生成（只列适用于它的指标和评分项）；不给 RULES 时还按它和 --year 选用规则集。"
    "不给时生成适用于所有类型的填报表（带“适用单位”列，不适用的行在选定单位类型后变灰）。",
)
@click.option("--year", type=click.IntRange(1990, 2100), metavar="YYYY", help="不给 RULES 时：填报的考核年度。")
def template_command(
    rules: Path | None, output: Path, source: Path | None, unit_type: str | None, year: int | None
) -> None:
    """生成单位填报用的 Excel 填报表：指标表（名称、单位、填写要求、带数据有效性的浅黄色填报格、佐证材料、
    数据说明、签字栏），每个记录列表一张表（如行政诉讼案件），上年不良记录整改情况表，以及按一级指标分组、
    带合计的自评分表。
    只有浅黄色填报格可编辑，其余受保护。给 --unit-type（或 --from）时只列适用于该单位类型的内容。

    RULES 为规则文件或编号；不给时按 --unit-type 和 --year 选用内置规则文件夹中适用的规则集（RULES 为
    文件夹时同样），并说明用的是哪一个。

    填好的填报表可以直接评分：assess 填报表.xlsx（assess batch 同样接受）。出错时指明工作表与单元格，
    如 填报表.xlsx!指标!G12。

    \b
    例：
      assess template demo-district-2013 -o 填报表.xlsx
      assess template national-model-2021 --unit-type 区直部门 -o 区直部门-填报表.xlsx
      assess template --unit-type 镇街 --year 2024 -o 镇街-填报表.xlsx
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
        given = data.get("单位类型")
        if unit_type is not None and given != unit_type:
            raise click.BadParameter(f"与 {source} 的单位类型“{given}”不同", param_hint="--unit-type")
        unit_type = given  # the unit's own form
    else:
        chosen, unit_type = _chosen(rules, unit_type, year)
        ruleset = api.get_ruleset(chosen)
    if unit_type is not None and unit_type not in ruleset.header.unit_types:
        raise click.BadParameter(
            f"规则集“{ruleset.header.id}”的单位类型是{'、'.join(ruleset.header.unit_types)}，没有“{unit_type}”",
            param_hint="--unit-type",
        )
    if data is not None and unit_type is not None:
        from engine.intake.form_layout import form_layout

        left = [n for n in data.get("指标", {}) if n not in form_layout(ruleset, unit_type).rows]
        if left:  # they score nothing for this type; say so rather than drop them unannounced
            click.echo(f"不适用于{unit_type}、填报表中没有的指标未转入：{'、'.join(left)}", err=True)
    write_template(ruleset, output, data, unit_type)
    kind = f"（单位类型：{unit_type}）" if unit_type else "（适用于所有单位类型）"
    click.echo(f"填报表已写入：{output}{kind}", err=True)


def _chosen(rules: Path | None, unit_type: str | None, year: int | None) -> tuple[Path, str | None]:
    """The rules file to use (the one named, or the one in force for the unit type and year in a
    folder) and the unit type the form is for."""
    from engine.errors import Location
    from engine.ruleset.folders import choose
    from engine.ruleset.names import list_rulesets, resolve_rules

    path = resolve_rules(rules)
    if not path.is_dir():
        return path, unit_type
    if (unit_type is None or year is None) and sys.stdin.isatty():
        entries = list_rulesets(path)
        types = sorted({t for e in entries for t in e.unit_types})
        unit_type = unit_type or click.prompt("单位类型", type=click.Choice(types))
        year = year or click.prompt("考核年度", type=click.IntRange(1990, 2100))
    if unit_type is None or year is None:
        raise click.UsageError(
            "请给出规则集（编号或规则文件），或用 --unit-type 和 --year 按单位类型和考核年度选用适用的规则集"
            "（各规则集见 assess rules list）"
        )
    chosen = choose(path, year, unit_type, Location(f"--unit-type {unit_type} --year {year}"))
    click.echo(f"按单位类型“{unit_type}”、{year}年度选用规则集：{chosen.stem}（{chosen}）", err=True)
    return chosen, unit_type
