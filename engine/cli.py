"""The `assess` command line: a thin shell over engine.api.

Exit codes: 0 assessed; 1 `rules test` found failing or missing cases; 2 usage error; 3 invalid
input (submission, rules or case file: the file, the place, what was expected; or no single
ruleset in force); 4 internal error (one line; the traceback only with --debug).
Human output goes to stderr, machine output (JSON) to stdout. Nothing is written when the
input is invalid, and files are written to a temporary name and renamed.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import traceback
from pathlib import Path

import click

from . import __version__, api
from .atomic import write_text_atomic
from .cli_rules import rules
from .errors import AssessError, InputError
from .naming import safe_filename
from .render_json import to_json
from .render_text import full, summary
from .text import visible

EXIT_OK, EXIT_USAGE, EXIT_INPUT, EXIT_INTERNAL = 0, 2, 3, 4
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class DefaultGroup(click.Group):
    """A group whose first argument, if it is not a subcommand, goes to `score`."""

    default_command = "score"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help", "--version"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


@click.group(cls=DefaultGroup, context_settings=CONTEXT)
@click.version_option(__version__, prog_name="assess")
def cli() -> None:
    """法治政府建设考核：按评分细则为单位的申报数据评分，输出评分表。

    \b
    常用：
      assess examples/huashan-2012.json                  用内置规则集评分，写出评分表 xlsx
      assess SUBMISSION --rules rules/X.yaml -o 评分表.xlsx
      assess SUBMISSION --format json > result.json
      assess rules test                                  运行规则集的用例（见 assess rules test -h）
      assess batch 申报文件夹/ -o 评分结果                 批量评分：每个单位一份评分表，另加 汇总.xlsx

    退出码：0 已评分；1 规则集用例未通过（rules test）；2 用法错误；3 输入有误（申报数据、规则文件或用例文件）；4 内部错误。
    """


def _as_of(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("应为 ISO 8601 时间，如 2014-01-15T09:00:00+08:00", param_hint="--as-of") from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


@cli.command("score", context_settings=CONTEXT)
@click.argument("submission", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--rules",
    "-r",
    "rules_path",
    type=click.Path(path_type=Path),
    help="规则文件（YAML），或规则文件夹（按申报数据的考核年度选用适用的规则集）。缺省为内置规则文件夹。",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
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
@click.option(
    "--overrides",
    type=click.Path(dir_okay=False, path_type=Path),
    help="复核文件（YAML）：评审人员对评分项的复核决定（扣分或得分、理由、复核人），含酌情扣分项的赋分。",
)
@click.option("--as-of", "as_of", metavar="TIME", help="记录的评分时间（ISO 8601），便于复现。缺省为当前时间。")
@click.option("--debug", is_flag=True, help="内部错误时显示完整的调用栈。")
def score(
    submission: Path,
    rules_path: Path | None,
    output: Path | None,
    fmt: str,
    overrides: Path | None,
    as_of: str | None,
    debug: bool,
) -> None:
    """为一份申报数据评分（assess SUBMISSION 即此命令）。

    \b
    例：
      assess examples/problem-department.json
      assess examples/gaizhou-2016.json --format text
      assess examples/qujiang-2019.json --rules rules/demo-district-2013.yaml -o 曲江-评分表.xlsx
      assess examples/national-bureau-2022.json --rules rules/
      assess examples/problem-department.json --overrides review.yaml
    """
    del debug  # read in main(), which owns error reporting
    result = api.assess_file(submission, rules_path, as_of=_as_of(as_of), overrides_path=overrides)
    if fmt == "json":
        for notice in result.notices:
            click.echo(f"注意：{notice}", err=True)
    if fmt in ("json", "text"):
        text = to_json(result) if fmt == "json" else full(result)
        if output is None:
            click.echo(text, nl=False)
        else:
            write_text_atomic(output, text)
            click.echo(f"结果已写入：{output}", err=True)
        return
    from scoresheets import write_scoresheet  # openpyxl is imported only when a sheet is written

    target = output or Path(safe_filename(result.unit, result.year, set()))
    write_scoresheet(result, target)
    click.echo(summary(result), err=True, nl=False)
    click.echo(f"评分表：{target}", err=True)


def report(exc: BaseException, debug: bool) -> int:
    """Print an error the way users should see it; return the exit code."""
    if isinstance(exc, InputError):
        click.echo(f"错误：{exc.kind}有误，{exc.consequence}", err=True)
        for problem in exc.problems:
            click.echo(f"  {visible(str(problem))}", err=True)
        return EXIT_INPUT
    if isinstance(exc, AssessError):
        click.echo(f"错误：{visible(str(exc))}", err=True)
        if debug:
            traceback.print_exception(exc, file=sys.stderr)
        return EXIT_INTERNAL
    first = str(exc).splitlines()[0] if str(exc) else ""
    click.echo(f"内部错误：{type(exc).__name__}: {visible(first)}（加 --debug 查看详情）", err=True)
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    return EXIT_INTERNAL


def main(argv: list[str] | None = None, prog_name: str = "assess") -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("ASSESS_DEBUG") == "1"
    try:
        # without standalone mode click returns a command's `Exit(code)` instead of raising it
        code = cli.main(args=args, prog_name=prog_name, standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except click.exceptions.Abort:
        click.echo("已中止。", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE if isinstance(exc, click.UsageError) else exc.exit_code)
    except KeyboardInterrupt:
        click.echo("已中止。", err=True)
        sys.exit(130)
    except Exception as exc:  # the boundary: no traceback reaches a user without --debug
        sys.exit(report(exc, debug))
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def _register() -> None:
    # imported here: each command module is loaded only to register it, after `cli` exists
    from .cli_batch import batch
    from .cli_explain import explain_command
    from .cli_extract import extract_command
    from .cli_schema import schema_command
    from .cli_template import template_command
    from .cli_verify import verify

    cli.add_command(batch)
    cli.add_command(explain_command)
    cli.add_command(extract_command)
    cli.add_command(schema_command)
    cli.add_command(rules)
    cli.add_command(template_command)
    cli.add_command(verify)


_register()
