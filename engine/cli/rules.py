"""`assess rules …`: commands for the people who write rulesets.

`assess rules test [PATH...]` runs every ruleset's test cases (用例, see engine.tools.cases) and
lists the items that lack cases. More subcommands register on the `rules` group.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import click

from engine import api
from engine.cli.common import CONTEXT, EXIT_FAILED, EXIT_OK, Group, PathType
from engine.documents.text import visible_line
from engine.errors import CasesError, InputError, RulesError
from engine.ruleset.names import list_rulesets, new_ruleset, resolve_rules
from engine.tools.cases import (
    Suite,
    discover,
    load_suite,
    run_suite,
)
from engine.tools.check import check_paths


@click.group("rules", cls=Group, context_settings=CONTEXT)
def rules() -> None:
    """规则集维护：检验评分细则是否按本意评分。"""


@rules.command("test", context_settings=CONTEXT)
@click.argument("paths", nargs=-1, type=PathType(path_type=Path))
@click.option("--allow-uncovered", is_flag=True, help="有评分项缺少用例时不算失败（仍列出）。")
@click.option("--verbose", "-v", is_flag=True, help="逐个列出通过的用例。")
def test(paths: tuple[Path, ...], allow_uncovered: bool, verbose: bool) -> None:
    """运行规则集的用例（X.yaml 旁的 X.cases.yaml），列出失败的用例和缺少用例的评分项。

    \b
    PATH 为规则文件、文件夹或内置规则集的编号；缺省为内置规则文件夹。
    输出：每个失败用例一行（评分项、用例名称、预期与实得、所用取值、位置），
    然后一行“N passed, M failed”，再列出缺少用例的评分项。
    退出码：0 全部通过且无缺项；1 有失败用例或缺少用例的评分项；3 规则文件或用例文件有误。

    \b
    例：
      assess rules test
      assess rules test national-model-2021
      assess rules test demo-district-2013 demo-district-2024 --allow-uncovered
    """
    started = time.perf_counter()
    suites = _load(discover(_existing(paths) or [api.shipped_rules_dir()]))
    passed = failed = 0
    gaps = []
    for suite in suites:
        result = run_suite(suite)
        for outcome in result.outcomes:
            if outcome.passed:
                passed += 1
                if verbose:
                    click.echo(f"通过 {outcome.ruleset_id} {outcome.case.rule} 「{outcome.case.name}」")
            else:
                failed += 1
                click.echo(visible_line(outcome.line()))
        gaps += result.gaps
    click.echo(f"{passed} passed, {failed} failed")
    whole = sum(1 for suite in suites for case in suite.cases if case.whole)
    if whole:
        click.echo(f"整体用例 {whole} 个（完整申报数据的总分、等次、否决、不良记录和所列评分项）")
    if gaps:
        click.echo(f"缺少用例的评分项（{len(gaps)}项）：")
        for gap in gaps:
            click.echo(f"  {visible_line(gap.line())}")
    elapsed = time.perf_counter() - started
    click.echo(f"规则集 {len(suites)} 个，用例 {passed + failed} 个，用时 {elapsed:.1f} 秒", err=True)
    if failed or (gaps and not allow_uncovered):
        raise click.exceptions.Exit(EXIT_FAILED)


def _existing(paths: tuple[Path, ...]) -> list[Path]:
    """Each PATH as a rules file or folder (a 编号 names a shipped one); a path that is not there is a usage error."""
    out = []
    for path in paths:
        found = resolve_rules(path)
        if not found.exists():
            raise click.BadParameter(f"{path} 不存在（规则文件、文件夹或内置规则集的编号）", param_hint="PATHS")
        out.append(found)
    return out


def _load(files: list[Path]) -> list[Suite]:
    """Every suite, or one InputError listing the problems of all the files that are wrong."""
    suites, problems, kind = [], [], CasesError
    for file in files:
        try:
            suites.append(load_suite(file))
        except InputError as exc:
            problems += exc.problems
            if isinstance(exc, RulesError):
                kind = RulesError
    if problems:
        raise kind(problems)
    return suites


@rules.command("check", context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, type=PathType(path_type=Path))
def check_command(paths: tuple[Path, ...]) -> None:
    """检查规则文件，一次列出全部问题（文件:行:列: 规则编号/路径: 说明）。

    检查内容：格式与必填项、拼错的键（附“是否应为”提示）、编号重复、条件中未声明的指标、
    类型不符（如日期与数字比较）、分值合计与总分或一级指标分值不符、扣分上限大于分值、
    等次分数线、评分标准为空、永远不成立或总是成立的条件、用不到的档次与指标。
    另在标准错误输出以“提示”列出没有声明“提取”的指标（assess extract 不会从报告中找它们），提示不算问题。
    分工表（X.分工.yaml）按其规则集检查：不存在的评分项、重复的任务编号；同一单位写法不一列为提示。

    \b
    例：
      assess rules check my-draft.yaml
      assess rules check demo-district-2013 national-model-2021
    退出码：0 没有问题；1 发现问题；2 用法错误。
    """
    files, found = check_paths(_existing(paths))
    findings = [f for f in found if not f.note]
    for finding in findings:
        click.echo(visible_line(str(finding)))
    for finding in found:  # notes go with the summary, apart from the problems
        if finding.note:
            click.echo(visible_line(str(finding)), err=True)
    notes = len(found) - len(findings)
    summary = f"检查了 {len(files)} 个规则文件，" + (f"发现 {len(findings)} 个问题。" if findings else "没有发现问题。")
    summary += f"另有 {notes} 条提示。" if notes else ""
    click.echo(summary, err=True)
    raise SystemExit(EXIT_FAILED if findings else EXIT_OK)


@rules.command("export", context_settings=CONTEXT)
@click.argument("rules", type=PathType(path_type=Path))
@click.option("--output", "-o", type=PathType(path_type=Path), help="输出文件（.xlsx 或 .md）。")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "markdown"]),
    help="缺省按 -o 的扩展名判断；无 -o 时为 markdown 输出到标准输出。",
)
def export_command(rules: Path, output: Path | None, fmt: str | None) -> None:
    """导出年初向各单位公布的评分细则表：一级/二级指标、序号、考核内容、分值、评分标准、数据来源、适用单位，
    以及加分项、一票否决事项、等次评定规则和申报指标清单。

    \b
    例：
      assess rules export demo-district-2013 -o 评分细则.xlsx
      assess rules export demo-district-2013 --format markdown > 评分细则.md
    """
    from engine.api import get_ruleset
    from engine.files.atomic import write_text_atomic
    from engine.tools.criteria import criteria, to_markdown

    if fmt is None:
        fmt = "xlsx" if output is not None and output.suffix.lower() == ".xlsx" else "markdown"
    if fmt == "xlsx" and output is None:
        raise click.UsageError("xlsx 格式须用 -o 指定输出文件")
    table = criteria(get_ruleset(rules))
    if fmt == "xlsx":
        from scoresheets.criteria import write_criteria

        write_criteria(table, output)
        click.echo(f"评分细则已写入：{output}", err=True)
    elif output is None:
        click.echo(to_markdown(table), nl=False)
    else:
        write_text_atomic(output, to_markdown(table))
        click.echo(f"评分细则已写入：{output}", err=True)


@rules.command("diff", context_settings=CONTEXT)
@click.argument("old", type=PathType(path_type=Path))
@click.argument("new", type=PathType(path_type=Path))
@click.option("--output", "-o", type=PathType(path_type=Path), help="另存为 xlsx 变更表。")
@click.option("--exit-code", is_flag=True, help="有差别时以退出码 1 结束（便于脚本判断）。")
def diff_command(old: Path, new: Path, output: Path | None, exit_code: bool) -> None:
    """比较两年的评分细则：新增、删除、更名、编号变更的评分项，分值、阈值和扣分标准的变化，
    适用单位的变化，以及规则集设置和申报指标的变化。

    \b
    例：
      assess rules diff demo-district-2012 demo-district-2013
      assess rules diff national-model-2021 demo-district-2024 -o 变更.xlsx
    """
    from engine.api import get_ruleset
    from engine.tools.diff import diff, render_text, summarize

    old, new = resolve_rules(old), resolve_rules(new)
    a, b = get_ruleset(old), get_ruleset(new)
    changes = diff(a, b)
    summary = summarize(changes, a, b)
    click.echo(render_text(changes, old.name, new.name, summary), nl=False)
    if output is not None:
        from scoresheets.diff import write_diff

        write_diff(changes, old.name, new.name, output, summary)
        click.echo(f"变更表已写入：{output}", err=True)
    raise SystemExit(EXIT_FAILED if exit_code and changes else EXIT_OK)


@rules.command("list", context_settings=CONTEXT)
@click.argument("folder", type=PathType(file_okay=False, path_type=Path), required=False)
def list_command(folder: Path | None) -> None:
    """列出规则集：编号、名称、适用期间（考核年度）、单位类型、继承的规则集和文件位置。
    FOLDER 缺省为内置规则文件夹（标“［内置］”）。凡要规则文件的地方，都可以写编号。

    \b
    例：
      assess rules list
    """
    entries = list_rulesets(resolve_rules(folder) if folder is not None else None)
    for entry in entries:
        click.echo(visible_line(entry.line()))
    if not entries:
        click.echo(f"{folder} 中没有规则文件。", err=True)


@rules.command("new", context_settings=CONTEXT)
@click.argument("new_id", metavar="新编号")
@click.option("--from", "source", required=True, metavar="编号或文件", help="以哪个规则集为底本（编号或规则文件）。")
@click.option(
    "--year", type=click.IntRange(1990, 2100), metavar="YYYY", required=True, help="新规则集适用的第一个考核年度。"
)
@click.option(
    "--output",
    "-o",
    "folder",
    type=PathType(file_okay=False, path_type=Path),
    default=Path("."),
    help="写到哪个文件夹（缺省为当前文件夹）。",
)
def new_command(new_id: str, source: str, year: int, folder: Path) -> None:
    """为新的年度开始一个规则集：复制底本，改写表头（编号、名称中的年度、考核年度、适用期间），
    复制用例文件，然后列出需要逐一复核的日期和阈值（不自动改动）。不覆盖已有文件。

    \b
    例：
      assess rules new demo-district-2026 --from demo-district-2013 --year 2026 -o 新规则
    """
    from engine.ruleset.model import ID_PATTERN

    if not re.fullmatch(ID_PATTERN, new_id):
        raise click.BadParameter(
            "编号以字母、数字或汉字开头，只含字母、数字、汉字和 - _ .，最多 40 个字符（如 demo-district-2026）",
            param_hint="新编号",
        )
    path = resolve_rules(source)
    if path.is_dir():
        raise click.BadParameter("应为一个规则集（编号或规则文件），不是文件夹", param_hint="--from")
    api.get_ruleset(path)  # a broken source is reported before anything is written
    written, reviews = new_ruleset(new_id, path, year, folder)
    for file in written:
        click.echo(f"已写出：{file}", err=True)
    click.echo(f"请逐一复核以下 {len(reviews)} 处（日期、阈值等按新年度的细则修改）：")
    for review in reviews:
        click.echo(f"  {visible_line(str(review))}")
    click.echo(f"改完后运行：assess rules check {written[0]} 和 assess rules test {written[0]}", err=True)


@rules.command("import-plan", context_settings=CONTEXT)
@click.argument("plan", type=PathType(dir_okay=False, path_type=Path))
@click.option(
    "--rules",
    "-r",
    "rules_path",
    type=PathType(path_type=Path),
    help="规则文件或编号：按其评分项起草对应关系。缺省为 demo-district-2013。",
)
@click.option("--unit", "units", multiple=True, metavar="单位", help="适用单位（被考核单位全称），可重复。")
@click.option(
    "--output", "-o", type=PathType(dir_okay=False, path_type=Path), help="分工表文件（缺省输出到标准输出）。"
)
@click.option("--force", is_flag=True, help="覆盖已有的分工表文件。")
def import_plan_command(
    plan: Path, rules_path: Path | None, units: tuple[str, ...], output: Path | None, force: bool
) -> None:
    """从规划（.txt 或 .docx）起草分工表：每项任务的编号、名称、牵头和配合单位、出处（文件:行），
    以及按字词重合起草的评分项（未找到的标 TODO）。草稿须逐条核对后使用。

    \b
    例：
      assess rules import-plan examples/responsibility/nanhai-plan-2012.txt --unit 佛山市南海区人民政府
      assess rules import-plan examples/responsibility/nanhai-plan-2012.txt -r demo-district-2013 -o 草稿.分工.yaml
    """
    from engine.files.atomic import write_text_atomic
    from engine.tools.plan import import_plan

    if output is not None and output.exists() and not force:
        raise click.UsageError(f"{output} 已存在：核对过的分工表不覆盖（确要覆盖请加 --force，或换一个文件名）")
    tasks, text = import_plan(plan, api.get_ruleset(rules_path), list(units))
    if output is None:
        click.echo(text, nl=False)
    else:
        write_text_atomic(output, text)
        click.echo(f"分工表草稿已写入：{output}", err=True)
    todo = sum(1 for t in tasks if not t.items)
    click.echo(f"任务{len(tasks)}项，其中{todo}项未找到对应的评分项（标 TODO）。", err=True)
    if not tasks:
        click.echo("未找到任务：任务行应以“1.”“(一)”等编号开头，以括注的牵头、配合单位结尾。", err=True)
        raise click.exceptions.Exit(EXIT_FAILED)
