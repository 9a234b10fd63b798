"""The `assess` command line: a thin shell over engine.api.

Exit codes: 0 assessed; 1 `rules test` found failing or missing cases; 2 usage error; 3 invalid
input (submission, rules or case file: the file, the place, what was expected; or no single
ruleset in force); 4 internal error (one line; the traceback only with --debug).
Human output goes to stderr, machine output (JSON) to stdout. Nothing is written when the
input is invalid, and files are written to a temporary name and renamed.
"""

from __future__ import annotations

import difflib
import gc
import importlib
import os
import sys
import traceback
import warnings
from pathlib import Path

import click

from engine import __version__
from engine.cli import no_plugin_scan
from engine.cli.chinese import chinese
from engine.cli.common import CONTEXT, EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, PROCESS, Group
from engine.cli.console import prepare_streams
from engine.documents.text import visible, visible_line
from engine.errors import AssessError, InputError
from engine.files.atomic import WriteError

# each verb's module is imported only when that verb runs (or help lists them all): `assess X`
# then pays for what X needs alone, not for extract's or batch's imports
VERBS = {
    "score": "engine.cli.assess:score",
    "batch": "engine.cli.batch:batch",
    "examples": "engine.cli.examples:examples_command",
    "explain": "engine.cli.explain:explain_command",
    "extract": "engine.cli.extract:extract_command",
    "schema": "engine.cli.schema:schema_command",
    "serve": "engine.cli.serve:serve_command",
    "rules": "engine.cli.rules:rules",
    "template": "engine.cli.template:template_command",
    "users": "engine.cli.serve:users",
    "verify": "engine.cli.verify:verify",
}


class LazyGroup(Group):
    """A group that imports a subcommand's module when the subcommand is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *VERBS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in VERBS:
            module, attr = VERBS[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
            _started()
        return self.commands.get(cmd_name)


class DefaultGroup(LazyGroup):
    """A group whose first argument, if it is not a subcommand, goes to `score`.

    An unknown option that `score` does not have either is the group's to report (with the nearest
    option of both), and a first word that is no file but close to a command names the command.
    """

    default_command = "score"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        names = self.list_commands(ctx)
        if args and args[0] not in names and args[0] not in ("-h", "--help", "--version"):
            first = args[0]
            if first.startswith("-"):
                name = first.split("=", 1)[0]
                mine = [o for p in self.get_params(ctx) for o in (*p.opts, *p.secondary_opts)]
                default = self.get_command(ctx, self.default_command)
                theirs = [o for p in default.params for o in (*p.opts, *p.secondary_opts)]
                if name not in theirs:
                    near = difflib.get_close_matches(name, mine + theirs, n=1)
                    raise click.NoSuchOption(name, possibilities=near, ctx=ctx)
            elif not Path(first).exists():
                near = difflib.get_close_matches(first, names, n=1, cutoff=0.6)
                if near:
                    raise click.exceptions.NoSuchCommand(first, possibilities=near, ctx=ctx)
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


@click.group(cls=DefaultGroup, context_settings=CONTEXT)
@click.version_option(
    __version__, "--version", prog_name="assess", message="%(prog)s，版本 %(version)s", help="显示版本并退出。"
)
def cli() -> None:
    """法治政府建设考核：按评分细则为单位的申报数据评分，输出评分表。

    \b
    例：
      assess examples -o examples                        把随程序安装的示例申报数据复制到 examples/
      assess examples/huashan-2012.json                  用内置规则集评分，写出评分表 xlsx
      assess examples/huashan-2012.json --rules demo-district-2013 -o 评分表.xlsx
      assess examples/huashan-2012.json --format json > result.json
      assess rules list                                  内置规则集；凡要规则文件的地方都可以写编号
      assess rules test                                  运行规则集的用例（见 assess rules test -h）
      assess batch examples/ -o 评分结果                  批量评分：每个单位一份评分表，另加 汇总.xlsx

    在浏览器中组织一轮考核：assess serve（一直运行，打开 http://127.0.0.1:8000；见 assess serve -h）。

    退出码：0 已评分；1 规则集用例未通过（rules test）；2 用法错误；3 输入有误（申报数据、规则文件或用例文件）；4 内部错误。
    """


def report(exc: BaseException, debug: bool) -> int:
    """Print an error the way users should see it; return the exit code."""
    if isinstance(exc, InputError):
        click.echo(f"错误：{exc.kind}有误，{exc.consequence}", err=True)
        for problem in exc.problems:
            click.echo(f"  {visible_line(str(problem))}", err=True)
        return EXIT_INPUT
    if isinstance(exc, WriteError):
        click.echo("错误：输出文件写不成，未写出该文件（原有的同名文件未改动）。", err=True)
        click.echo(f"  {visible_line(str(exc))}", err=True)
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


_STARTING: list[bool] = []


def _started() -> None:
    """The verb's modules are in: keep them out of every later collection and collect from here on."""
    if _STARTING:
        _STARTING.clear()
        gc.freeze()
        gc.enable()


def main(argv: list[str] | None = None, prog_name: str = "assess") -> None:
    process = argv is None  # run as the program (not called by a test or a script with arguments)
    if process:
        no_plugin_scan()
        PROCESS["whole"] = True
    if process and gc.isenabled():
        # imports make only objects that live as long as the process: collecting during them finds
        # nothing and took a tenth of a one-file run; collection resumes once the verb is imported
        gc.disable()
        _STARTING.append(True)
    args = list(sys.argv[1:] if argv is None else argv)
    prepare_streams()
    # openpyxl warns about what it finds in a workbook (a date out of range, a defined name
    # without its sheet) by printing its own source line: the reader reports such cells itself
    warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl(\.|$)")
    try:
        with chinese():
            _main(args, prog_name)
    finally:
        if process:
            _started()
            gc.freeze()  # the interpreter's last collection would walk every object for nothing


def _main(args: list[str], prog_name: str) -> None:
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
