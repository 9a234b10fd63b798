"""`assess rules …`: commands for the people who write rulesets.

`assess rules test [PATH...]` runs every ruleset's test cases (用例, see engine.rule_cases) and
lists the items that lack cases. More subcommands register on the `rules` group.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from . import api
from .errors import CasesError, InputError, RulesError
from .rule_cases import Suite, discover, load_suite, run_suite

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group("rules", context_settings=CONTEXT)
def rules() -> None:
    """规则集维护：检验评分细则是否按本意评分。"""


@rules.command("test", context_settings=CONTEXT)
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--allow-uncovered", is_flag=True, help="有评分项缺少用例时不算失败（仍列出）。")
@click.option("--verbose", "-v", is_flag=True, help="逐个列出通过的用例。")
def test(paths: tuple[Path, ...], allow_uncovered: bool, verbose: bool) -> None:
    """运行规则集的用例（X.yaml 旁的 X.cases.yaml），列出失败的用例和缺少用例的评分项。

    \b
    PATH 为规则文件或文件夹；缺省为内置规则文件夹。
    输出：每个失败用例一行（评分项、用例名称、预期与实得、所用取值、位置），
    然后一行“N passed, M failed”，再列出缺少用例的评分项。
    退出码：0 全部通过且无缺项；1 有失败用例或缺少用例的评分项；3 规则文件或用例文件有误。

    \b
    例：
      assess rules test
      assess rules test rules/national-model-2021.yaml
      assess rules test rules/ --allow-uncovered
    """
    started = time.perf_counter()
    suites = _load(discover(paths or (api.shipped_rules_dir(),)))
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
                click.echo(outcome.line())
        gaps += result.gaps
    click.echo(f"{passed} passed, {failed} failed")
    if gaps:
        click.echo(f"缺少用例的评分项（{len(gaps)}项）：")
        for gap in gaps:
            click.echo(f"  {gap.line()}")
    elapsed = time.perf_counter() - started
    click.echo(f"规则集 {len(suites)} 个，用例 {passed + failed} 个，用时 {elapsed:.1f} 秒", err=True)
    if failed or (gaps and not allow_uncovered):
        raise click.exceptions.Exit(1)


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
