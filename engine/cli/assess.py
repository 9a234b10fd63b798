"""`assess SUBMISSION` (the verb `score`): one unit's submission → its scoresheet, JSON or text."""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from engine.cli import ahead
from engine.cli.ahead import Request
from engine.cli.common import (
    CONTEXT,
    PROCESS,
    Command,
    PathType,
    file_option,
    history_option,
    parse_as_of,
)
from engine.cli.console import alarm, colour
from engine.files.atomic import write_text_atomic
from engine.files.naming import safe_filename


def _without_collection(func: Callable[..., Any]) -> Callable[..., Any]:
    """Run without the cyclic garbage collector: one assessment leaves next to none (the national
    example: 475 objects found by 100 collections, which took a few per cent of the run). As the
    whole process it stays off: collecting the written workbook's cycles would only precede exit."""

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        was_on = gc.isenabled()
        gc.disable()
        try:
            return func(*args, **kwargs)
        finally:
            if was_on and not PROCESS["whole"]:
                gc.enable()

    return run


@click.command("score", cls=Command, context_settings=CONTEXT)
@click.argument("submission", type=PathType(path_type=Path))
@click.option(
    "--rules",
    "-r",
    "rules_path",
    type=PathType(path_type=Path),
    help="规则文件、规则集编号（见 assess rules list），或规则文件夹（按申报数据的考核年度选用）。缺省为内置规则文件夹。",
)
@click.option(
    "--output",
    "-o",
    type=PathType(path_type=Path),
    help="输出文件。xlsx 缺省为当前文件夹下的 <单位名称>-<考核年度>年度评分表.xlsx；json 缺省输出到标准输出。",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "json", "text"]),
    default="xlsx",
    show_default=True,
    help="xlsx：写评分表并在标准错误输出摘要；json：结果 JSON；text：逐项得分文本。",
)
@file_option(
    "--overrides",
    "复核文件（YAML）：考核组对评分项的复核决定（扣分或得分、理由、复核人、复核日期），含酌情扣分项的赋分。",
)
@file_option(
    "--responsibility",
    "分工表（X.分工.yaml）：评分表为每项扣分列出责任单位（牵头、配合）。缺省用规则文件旁列有本单位的分工表。",
)
@history_option(
    "上年结果：上一年 assess --format json 的结果、assess batch --format json 的 汇总.json、上一年的评分表，或其所在文件夹。"
    "按单位编码（没有时按单位名称）找到本单位上年的结果，供评分项、否决项和等次后果读取，并写出较上年的变化。"
)
@click.option("--force", is_flag=True, help="覆盖已被人工修改的评分表（缺省不覆盖，并列出改动的单元格）。")
@click.option("--as-of", "as_of", metavar="TIME", help="记录的评分时间（ISO 8601），便于复现。缺省为当前时间。")
@click.option("--debug", is_flag=True, help="内部错误时显示完整的调用栈。")
@_without_collection
def score(
    submission: Path,
    rules_path: Path | None,
    output: Path | None,
    fmt: str,
    overrides: Path | None,
    responsibility: Path | None,
    history: Path | None,
    force: bool,
    as_of: str | None,
    debug: bool,
) -> None:
    """为一份申报数据评分（assess SUBMISSION 即此命令）。

    \b
    例：
      assess examples/problem-department.json
      assess examples/gaizhou-2016.json --format text
      assess examples/qujiang-2019.json --rules demo-district-2013 -o 曲江-评分表.xlsx
      assess examples/national-bureau-2022.json --rules national-model-2021
      assess examples/huashan-2012.json --overrides examples/reviews/review.yaml
      assess examples/responsibility/nanhai-2012.json --format text
    """
    del debug  # read in main(), which owns error reporting
    if submission.is_dir():
        raise click.UsageError(f"{submission} 是文件夹。批量评分请用：assess batch {submission} -o 评分结果")
    request = Request(submission, rules_path, parse_as_of(as_of), overrides, responsibility, history)
    copy = ahead.taken()
    if copy is not None and fmt == "xlsx":
        copy.send(request)  # it assesses while this process imports the writer
        from scoresheets import warm_up

        warm_up()
        result = copy.result(request)
    else:
        if copy is not None:
            copy.stop()
        result = request.assess()
    from engine.render.text import full, summary

    if fmt == "json":
        for notice in result.notices:
            click.echo(f"注意：{notice}", err=True)
    if fmt in ("json", "text"):
        from engine.render.json_out import to_json

        text = to_json(result) if fmt == "json" else full(result)
        if output is None:
            click.echo(text, nl=False)
        else:
            write_text_atomic(output, text)
            click.echo(f"结果已写入：{output}", err=True)
        return
    from scoresheets import write_scoresheet  # openpyxl is imported only when a sheet is written

    target = output or Path(safe_filename(result.unit, result.year, set()))
    write_scoresheet(result, target, force=force)
    click.echo(summary(result, alarm=alarm), err=True, nl=False, color=colour())
    click.echo(f"评分表：{target}", err=True)
