"""`assess batch`: score many submissions at once — a scoresheet per unit and the 汇总.

Exit codes: 0 every submission assessed; 1 finished, but some could not be assessed (they
are on the 错误 sheet / in "errors"); 2 usage error; 3 nothing could be assessed, or the
rules file or the output folder is unusable (then nothing is written); 4 internal error.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import time
from pathlib import Path

import click

from engine.batch import run as batching
from engine.cli.common import (
    CONTEXT,
    EXIT_FAILED,
    EXIT_INPUT,
    EXIT_OK,
    Command,
    PathType,
    file_option,
    history_option,
    parse_as_of,
)
from engine.documents.text import visible_line
from engine.errors import Location, OutputError, Problem
from engine.files.atomic import write_text_atomic
from engine.tools.summary import (
    NAMES_SHOWN,
    FailedInput,
    Tally,
    UnitRow,
    build_summary,
    summary_json,
)


def _unit_types(rulesets, used: set[str]) -> list[str]:
    """The unit types of the rulesets the batch used (all of them when nothing was assessed)."""
    chosen = [r for r in rulesets if r.header.id in used] or rulesets
    return list(dict.fromkeys(t for r in chosen for t in r.header.unit_types))


class _Progress:
    """A bar with count, rate and ETA on a terminal; one plain line per unit otherwise."""

    def __init__(self, total: int, debug: bool):
        self.total = total
        self.debug = debug
        self.started = time.monotonic()
        self.done = 0
        self.failures: list[FailedInput] = []
        self.rulesets: set[str] = set()  # the rulesets the units were assessed with
        self.bar = None
        if sys.stderr.isatty() and total > 0:
            self.bar = click.progressbar(
                length=total,
                label="评分",
                file=sys.stderr,
                show_pos=True,
                show_eta=True,
                item_show_func=self._rate,
            )
            self.bar.__enter__()

    def _rate(self, _item: object) -> str:
        elapsed = time.monotonic() - self.started
        return f"{self.done / elapsed:.1f} 份/秒" if elapsed > 0 and self.done else ""

    def __call__(self, unit: UnitRow | FailedInput) -> None:
        self.done += 1
        if isinstance(unit, FailedInput):
            self.failures.append(unit)
        else:
            self.rulesets.add(unit.ruleset_id)
        if self.bar is not None:
            self.bar.update(1, unit)
            return
        self._show(unit)

    def _show(self, unit: UnitRow | FailedInput) -> None:
        click.echo(_line(unit), err=True)
        if isinstance(unit, FailedInput) and self.debug and unit.detail:
            click.echo(unit.detail, err=True, nl=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
            for failure in self.failures:  # the bar hid them
                self._show(failure)


NOTICE_DOCX = "考核结果通报（草稿）.docx"


class NoticePathError(OutputError):
    kind = "通报的文件名"


def _notice_path(notice: str | None, outdir: Path | None, inputs: list[str]) -> Path | None:
    """Where --notice writes: PATH (a folder: the default name in it), else beside the 汇总; never over an input."""
    if notice is None:
        return None
    if notice == "":
        if outdir is None:
            raise click.UsageError(
                "--notice 未给出文件名时写在输出文件夹中，请用 -o 指定输出文件夹，或写 --notice 通报.docx"
            )
        path = outdir / NOTICE_DOCX
    else:
        path = Path(notice)
        if path.is_dir() or notice.endswith(("/", os.sep)):
            path = path / NOTICE_DOCX
        elif path.suffix.lower() != ".docx":
            raise click.BadParameter(f"{notice}：通报是 Word 文件，文件名应以 .docx 结尾", param_hint="--notice")
    target = path.resolve()
    clash = next((i for i in map(Path, inputs) if i.is_file() and i.resolve() == target), None)
    if clash is not None:
        raise NoticePathError(
            Problem(Location(str(path)), "是本次的输入文件，写通报会覆盖它；请换一个文件名", "output.is-input")
        )
    return path


def _line(unit: UnitRow | FailedInput) -> str:
    if isinstance(unit, FailedInput):
        more = f"（另有{len(unit.problems) - 1}处问题）" if len(unit.problems) > 1 else ""
        return visible_line(f"✗ {unit.file} → {unit.problems[0]}{more}")
    return visible_line(f"✓ {unit.file} → {unit.unit}：{unit.total:.2f} {unit.grade_shown}")


def _workers(jobs: int | None) -> int:
    """--jobs, capped at the CPUs this process may run on (more only adds memory: about 70 MB a worker)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on every platform (Windows, macOS)
        cpus = os.cpu_count() or 1
    if jobs is not None and jobs > cpus:
        click.echo(f"注意：--jobs {jobs} 超过可用的 CPU 核数，按 {cpus} 个进程评分。", err=True)
    return min(jobs or cpus, cpus)


@click.command("batch", cls=Command, context_settings=CONTEXT)
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "--output",
    "-o",
    metavar="OUTDIR",
    help="输出文件夹（xlsx 必填）。json：给出时写 OUTDIR/汇总.json，缺省或为 - 时输出到标准输出。",
)
@click.option(
    "--rules",
    "-r",
    "rules",
    type=PathType(path_type=Path),
    help="规则文件、规则集编号或规则文件夹（按各申报数据的考核年度选用）。缺省为内置规则文件夹。",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    metavar="N",
    help=f"并行评分的进程数。缺省：少于 {batching.PARALLEL_FROM} 份（Linux 以外的系统上 {batching.PARALLEL_FROM_SPAWNED} 份）"
    "时 1 个进程（更快），否则为可用的 CPU 核数；也不超过它。",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "json"]),
    default="xlsx",
    show_default=True,
    help="xlsx：每个单位一份评分表，另加 汇总.xlsx；json：一份汇总 JSON。",
)
@click.option("--as-of", "as_of", metavar="TIME", help="记录的评分时间（ISO 8601），便于复现。缺省为开始评分的时间。")
@file_option("--overrides", "复核文件（YAML）：考核组的复核决定，按单位名称和考核年度用于各单位。")
@file_option(
    "--responsibility",
    "分工表（X.分工.yaml）：规划任务的牵头、配合单位及其对应的评分项；汇总加“责任分解”表。缺省用规则文件旁的分工表。",
)
@history_option(
    "上年结果：上一年 assess batch --format json 的 汇总.json、assess --format json 的结果、上一年的评分表，或其所在文件夹。"
    "按单位编码（没有时按单位名称）对应，供评分项、否决项和等次后果读取，并在汇总中比较上年。"
)
@click.option("--force", is_flag=True, help="覆盖输出文件夹中已被人工修改的评分表（缺省不覆盖，该单位列入错误）。")
@click.option(
    "--notice",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[PATH]",
    help=f"另写考核结果通报草稿（Word，公文格式）：缺省为输出文件夹中的 {NOTICE_DOCX}。",
)
@click.option("--recursive", is_flag=True, help="也读取文件夹的子文件夹。")
@click.option("--debug", is_flag=True, help="内部错误时显示完整的调用栈。")
def batch(
    inputs: tuple[str, ...],
    output: str | None,
    rules: Path | None,
    jobs: int | None,
    fmt: str,
    as_of: str | None,
    overrides: Path | None,
    responsibility: Path | None,
    force: bool,
    notice: str | None,
    recursive: bool,
    debug: bool,
    history: Path | None = None,
) -> None:
    """批量评分：INPUT 为申报文件、文件夹或通配符（如 "申报/*.json"）。

    每个单位写一份评分表（文件名取自单位名称和考核年度，重名的依次加 -2、-3），
    并写 汇总.xlsx（排名、一级指标失分、等次分布、不良记录汇总、失分分析、错误）。
    不能评分的申报文件列在“错误”表中，不影响其他单位。

    \b
    例：
      assess batch examples/ -o 评分结果
      assess batch "申报/*.json" 补报/曲江.json -o 评分结果 --jobs 4
      assess batch examples/ --format json > 汇总.json
      assess batch examples/ -o 评分结果 --overrides examples/reviews/review.yaml
      assess batch examples/ -o 评分结果 --notice
      assess batch examples/responsibility -o 责任分解
      assess batch examples/history/2013 -r examples/history/history-demo.yaml -o 评分结果 --history examples/history/2012.json

    \b
    退出码：0 全部已评分；1 已完成，有申报文件未能评分；2 用法错误；
            3 没有可评分的申报文件，或规则文件、输出文件夹有误（不写出任何文件）；4 内部错误。
    """
    when = parse_as_of(as_of) or dt.datetime.now(dt.UTC).astimezone()
    to_stdout = fmt == "json" and output in (None, "-")
    if fmt == "xlsx" and output in (None, "-"):
        raise click.UsageError("xlsx 格式须用 -o 指定输出文件夹（评分表和 汇总.xlsx 写在其中）")
    rulesets = batching.check_rules(rules)  # a bad rules file stops here: nothing written
    if overrides is not None:
        batching.check_overrides(overrides)  # so does a bad review file
    if responsibility is not None:
        batching.check_map(responsibility)  # and a bad 分工表
    if history is not None:
        batching.check_history(history)  # and unreadable earlier results
    outdir = None if to_stdout else Path(output)  # type: ignore[arg-type]
    items, missing = batching.discover(inputs, recursive=recursive, exclude=outdir)
    given = [
        *inputs,
        *(i.path for i in items),
        *(f.file for f in missing),
        *(p for p in (rules, overrides, responsibility, history) if p),
    ]
    notice_path = _notice_path(notice, outdir, [str(p) for p in given])
    progress = _Progress(len(items) + len(missing), debug)
    started = time.monotonic()
    folder = batching.output_folder(outdir) if outdir is not None else contextlib.nullcontext()
    # 失分单位: the 汇总.xlsx names the first few of each item; the JSON and the 通报 name them all
    names = None if fmt == "json" or notice_path is not None else NAMES_SHOWN
    try:
        # the rows wait on disk (in the output folder, unnamed) for the 汇总, not in memory, and
        # are counted for it as they come (Tally), not in a pass over them at the end
        with folder, batching.RowFile(outdir, Tally(names=names)) as kept:
            rows, failures = batching.run(
                items,
                missing,
                rules=rules,
                as_of=when,
                folder=outdir if fmt == "xlsx" else None,
                jobs=_workers(jobs) if jobs else min(batching.default_jobs(len(items)), _workers(None)),
                on_unit=progress,
                overrides=overrides,
                force=force,
                responsibility=responsibility,
                history=history,
                rows=kept,
            )
            rows, failures = batching.relative_files(
                rows, failures, [i.path for i in items] + [f.file for f in missing]
            )
            summary = build_summary(
                rows,
                failures,
                inputs=len(items) + len(missing),
                assessed_at=when.isoformat(timespec="seconds"),
                unit_types=_unit_types(rulesets, progress.rulesets),
                rulesets=[],  # those actually used, in order of first use
                names=names,
            )
            if fmt == "xlsx":
                from scoresheets.summary import write_summary_workbook

                target = outdir / batching.SUMMARY_XLSX  # type: ignore[operator]
                write_summary_workbook(summary, target)
            elif outdir is not None:
                target = outdir / batching.SUMMARY_JSON
                write_text_atomic(target, summary_json(summary))
            else:
                target = None
                click.echo(summary_json(summary), nl=False)
            if notice_path is not None and summary.ranking:
                from engine.tools.notice import build_notice, previous_of
                from scoresheets.notice import write_notice  # python-docx only when a notice is written

                write_notice(build_notice(summary, previous_of(summary) if history else None), notice_path, when)
            checked = [r.row for r in summary.ranking.of(among=summary.reported, items=False)]
    finally:
        progress.close()
    seconds = time.monotonic() - started
    click.echo(
        f"完成：申报文件{summary.inputs}份，已评分{summary.assessed}份，未能评分{len(summary.failures)}份，"
        f"用时{seconds:.1f}秒。",
        err=True,
    )
    if summary.mixed:
        click.echo(f"分组：{summary.grouping_note()}。", err=True)
    if target is not None:
        click.echo(f"汇总：{target}", err=True)
    if notice_path is not None and summary.ranking:
        click.echo(f"通报（草稿）：{notice_path}", err=True)
    if checked:
        differing = [row for row in checked if any(c.kind == "不一致" for c in row.report_check)]
        where = "汇总的“报告核对”表" if fmt == "xlsx" else "report_check"
        click.echo(
            f"报告核对：{len(checked)}份申报旁有年度报告，其中{len(differing)}份与报告不一致（见{where}）。", err=True
        )
        for row in differing:
            for c in row.report_check:
                if c.kind == "不一致":
                    click.echo(
                        f"  {row.file}：{c.indicator} 申报 {c.submitted}，报告 {c.stated} —— {c.where[:80]}", err=True
                    )
    if summary.failures:
        where = "汇总的“错误”表" if fmt == "xlsx" else "errors"
        click.echo(f"未能评分的申报文件及原因见{where}。", err=True)
    if not summary.ranking:
        raise click.exceptions.Exit(EXIT_INPUT)
    raise click.exceptions.Exit(EXIT_FAILED if summary.failures else EXIT_OK)
