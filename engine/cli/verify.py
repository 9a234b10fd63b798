"""`assess verify SCORESHEET SUBMISSION [RULES]`: does a scoresheet still match a fresh assessment?

Exit codes: 0 the sheet matches (assessors' changes to the cells left for them are listed as
review changes); 1 differences (each listed: sheet!cell, sheet value vs recomputed or as written);
3 invalid input (the scoresheet, the submission or the rules file), or a formula beyond the
evaluation bounds.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from engine.cli.common import CONTEXT, EXIT_FAILED, Command, PathType, earlier_results, file_option, history_option
from engine.documents.text import visible


@click.command("verify", cls=Command, context_settings=CONTEXT)
@click.argument("scoresheet", type=PathType(dir_okay=False, path_type=Path))
@click.argument("submission", type=PathType(dir_okay=False, path_type=Path))
@click.argument("rules", type=PathType(path_type=Path), required=False)
@file_option("--overrides", "评分时所用的复核文件（评分表记录了它的 SHA-256）。")
@file_option(
    "--responsibility",
    "评分时所用的分工表（评分表记录了它的SHA-256；缺省在规则文件、申报文件和评分表旁找内容相同的）。",
)
@history_option("评分时所给的上年结果（--history），评分表中的“较上年”“等次后果”据此核对。")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def verify(
    scoresheet: Path,
    submission: Path,
    rules: Path | None,
    overrides: Path | None,
    responsibility: Path | None,
    history: Path | None,
    fmt: str,
) -> None:
    """核对评分表：按申报数据和规则文件重新评分，逐项比对评分表中的扣分、得分、加分、合计和审计信息，
    并与重新生成的评分表逐格比对（值、公式、数字格式、隐藏、缓存值、外部链接）。

    \b
    例：
      assess verify 花山区人民政府-2012年度评分表.xlsx examples/huashan-2012.json demo-district-2013 --overrides examples/reviews/review.yaml
    退出码：0 一致（考核组在可填写的扣分、加分单元格中的改动列为复核改动）；1 有不一致（逐项列出
    工作表!单元格：表中值 与 重新计算值）；3 输入有误，或公式超出核对的计算上限。
    RULES：规则文件或规则文件夹，缺省为内置规则文件夹；按评分表记录的规则集编号和 SHA-256
    找到评分时所用的规则文件，内容不同的不予核对（退出码 3，列出两个 SHA-256）。
    """
    from engine.tools.verify import verify_scoresheet
    from scoresheets.fidelity import check_against_build
    from scoresheets.readback import read_scoresheet

    reading = read_scoresheet(scoresheet)
    earlier = earlier_results(history) if history is not None else None
    outcome = verify_scoresheet(
        reading,
        submission,
        rules,
        overrides,
        sheet_file=str(scoresheet),
        responsibility=responsibility,
        history=earlier,
    )
    check_against_build(reading, outcome)
    click.echo(f"规则集：{visible(outcome.found)}", err=True)
    if fmt == "json":
        doc = {
            "matches": outcome.matches,
            "checked": outcome.checked,
            "compared": outcome.compared,
            "differences": [d.__dict__ for d in outcome.differences],
            "reviews": [d.__dict__ for d in outcome.reviews],
            "notes": outcome.notes,
        }
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        for note in outcome.notes:
            click.echo(f"注意：{visible(note)}", err=True)
        counted = f"核对 {outcome.checked} 处，逐格比对 {outcome.compared} 个单元格"
        if outcome.matches:
            click.echo(f"一致：评分表与重新计算的结果相符（{counted}）。")
        else:
            click.echo(f"不一致：评分表有 {len(outcome.differences)} 处与重新计算的结果或本系统写出的内容不同：")
            for diff in outcome.differences:
                click.echo(f"  {visible(str(diff))}")
        if outcome.reviews:
            click.echo("复核改动（考核组可填写的单元格，及其带动的合计；评分时 → 现为）：")
            for diff in outcome.reviews:
                click.echo(
                    f"  {visible(diff.cell)}（{visible(diff.what)}）：{visible(diff.expected)} → {visible(diff.sheet)}"
                )
    if not outcome.matches:
        raise click.exceptions.Exit(EXIT_FAILED)
