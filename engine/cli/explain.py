"""`assess explain`: why each item deducted or did not."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import click

from engine import api
from engine.cli.common import CONTEXT, Command, PathType, earlier_results, history_option
from engine.intake.review import load_overrides
from engine.tools.explain import explain, render_text, unknown_ids


@click.command("explain", cls=Command, context_settings=CONTEXT)
@click.argument("submission", type=PathType(dir_okay=False, path_type=Path))
@click.option(
    "--rules",
    "-r",
    type=PathType(path_type=Path),
    help="规则文件、规则集编号或规则文件夹（缺省为内置规则文件夹，按考核年度选用）。",
)
@click.option("--rule", "rule_ids", multiple=True, metavar="ID", help="要解释的评分项编号（可重复）。")
@click.option("--all", "everything", is_flag=True, help="解释全部评分项、加分项和否决项。")
@click.option("--overrides", type=PathType(dir_okay=False, path_type=Path), help="复核文件。")
@history_option("上年结果（同 assess --history）：读上年总分、上年等次、上年未整改不良记录数等的评分项据此说明。")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def explain_command(
    submission: Path,
    rules: Path | None,
    rule_ids: tuple[str, ...],
    everything: bool,
    overrides: Path | None,
    history: Path | None,
    fmt: str,
) -> None:
    """逐项说明为什么扣分或不扣分：代入申报值后的条件、每个子条件的真假、扣分算式、适用性与上限。

    \b
    例：
      assess explain examples/problem-department.json --rule ZD-01
      assess explain examples/huashan-2012.json --rule ZZ-04 --rule MD-03
      assess explain examples/gaizhou-2016.json --all --format json
    """
    if not rule_ids and not everything:
        raise click.UsageError("请用 --rule ID 指定评分项，或用 --all 解释全部")
    ruleset, sub = api.load_submission_for(submission, rules)
    unknown = unknown_ids(ruleset, list(rule_ids))
    if unknown:
        raise click.BadParameter(f"规则集 {ruleset.header.id} 没有这些编号：{'、'.join(unknown)}", param_hint="--rule")
    review = load_overrides(overrides) if overrides else None
    previous = earlier_results(history).previous_of(sub) if history is not None else None
    wanted = None if everything else list(rule_ids)
    _, explanations = explain(ruleset, sub, wanted, overrides=review, previous=previous)
    if fmt == "json":
        doc = [dataclasses.asdict(e) for e in explanations]
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        click.echo(render_text(explanations), nl=False)
