"""`assess rules …`: tools for the people who write the scoring criteria."""

from __future__ import annotations

from pathlib import Path

import click

from .rules_check import check_paths

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group("rules", context_settings=CONTEXT)
def rules_group() -> None:
    """评分细则（规则文件）的检查、导出与比较。"""


@rules_group.command("check", context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def check_command(paths: tuple[Path, ...]) -> None:
    """检查规则文件，一次列出全部问题（文件:行:列: 规则编号/路径: 说明）。

    检查内容：格式与必填项、拼错的键（附“是否应为”提示）、编号重复、条件中未声明的指标、
    类型不符（如日期与数字比较）、分值合计与总分或一级指标分值不符、扣分上限大于分值、
    等次分数线、评分标准为空、永远不成立或总是成立的条件、用不到的档次与指标。

    \b
    例：
      assess rules check rules/
      assess rules check rules/demo-district-2013.yaml my-draft.yaml
    退出码：0 没有问题；1 发现问题；2 用法错误。
    """
    files, findings = check_paths(list(paths))
    for finding in findings:
        click.echo(str(finding))
    summary = f"检查了 {len(files)} 个规则文件，" + (f"发现 {len(findings)} 个问题。" if findings else "没有发现问题。")
    click.echo(summary, err=True)
    raise SystemExit(1 if findings else 0)
