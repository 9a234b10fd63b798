"""Does a scoresheet still say what the engine computes? (`assess verify`)

The submission is assessed again with the rules file, and the 评分表 sheet is read back: every
item's 分值/扣分/得分, every bonus, each 小计, the totals and 等次, and the audit hashes. A formula
cell's value is what its formula gives over the sheet as it now is (evaluated here, exactly, for
the functions the scoresheet uses), so a hand-edited 扣分 shows up in its own cell and in every
total it moves. Items are matched by 规则编号 and summary rows by their labels, not by position.
What this cannot see — formats, hidden cells, stored results, every text — is compared with a
fresh build of the workbook in scoresheets.fidelity, which also tells assessors' review changes
from tampering.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine import api
from engine.assessment import assess
from engine.documents.numbers import format_decimal
from engine.errors import InputError, Location, Problem, RulesError
from engine.intake.history import History, load_history
from engine.intake.review import Overrides, load_overrides
from engine.intake.submission import load_submission
from engine.result import AssessmentResult
from engine.ruleset.folders import read_header, rules_files
from engine.ruleset.ruleset import Ruleset

Value = Decimal | str | None


@dataclass(frozen=True)
class Difference:
    cell: str  # 评分表!G12, or where the thing should have been
    what: str  # ZD-01 扣分
    sheet: str  # as the sheet has it
    expected: str  # as recomputed, or as the engine writes it
    against: str = "重新计算"  # or 本系统写出: a cell compared with a fresh build of the workbook

    def __str__(self) -> str:
        return f"{self.cell}（{self.what}）：表中 {self.sheet}，{self.against} {self.expected}"


@dataclass
class Verification:
    result: AssessmentResult
    found: str = ""  # the ruleset used, as found from what the sheet records
    checked: int = 0
    differences: list[Difference] = field(default_factory=list)  # tampering: what the engine did not write
    notes: list[str] = field(default_factory=list)
    compared: int = 0  # cells compared with a fresh build of the workbook (scoresheets.fidelity)
    # assessors' changes to the cells left for them, then the totals they move; `sheet` is the
    # value now, `expected` the value the engine wrote
    reviews: list[Difference] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return not self.differences


class VerifyInputError(InputError):
    """The rules or review file given is not the one the scoresheet was computed with."""

    kind = "核对依据"
    consequence = "未核对。"


def verify_scoresheet(
    sheet: Any,
    submission: Path | str,
    rules: Path | str | None = None,
    overrides: Path | str | None = None,
    *,
    sheet_file: str = "评分表",
    responsibility: Path | str | None = None,
    history: History | Path | str | None = None,
) -> Verification:
    """Recompute the assessment and compare it with a scoresheet read back (scoresheets.readback), cell by cell.

    The ruleset is the one the sheet records (编号 and sha256), found in `rules` (a file or a
    folder; default: the shipped folder); a different file is refused, as is a review file other
    than the one the sheet records. `history`: the earlier results the sheet was scored with (--history).
    """
    audit = dict(sheet.audit_block)
    props = sheet.props

    def recorded(label: str) -> str | None:
        if label in props:
            return props[label]
        return audit[label][1] if label in audit else None

    when = _time(recorded("评分时间"))
    ruleset, found = _ruleset(recorded, rules, sheet_file)
    review = _review(recorded, overrides, sheet_file)
    unit = load_submission(submission, ruleset)
    if history is not None and not isinstance(history, History):
        history = load_history(history)
    previous = history.previous_of(unit) if history is not None else None
    result = assess(ruleset, unit, as_of=when, overrides=review, previous=previous)
    result = _with_recorded_map(result, ruleset, recorded, responsibility, (submission, sheet_file), sheet_file)
    out = Verification(result, found=found)
    _compare(sheet, result, out)
    _compare_audit(sheet, audit, props, result, out)
    return out


def _ruleset(recorded: Any, rules: Path | str | None, sheet_file: str) -> tuple[Ruleset, str]:
    """The ruleset the sheet was computed with, from a file or a folder; refused if it differs."""
    rid, digest, name = recorded("规则集编号"), recorded("规则文件SHA-256"), recorded("规则文件")
    where = Path(rules) if rules is not None else api.shipped_rules_dir()
    if not where.is_dir():
        ruleset = api.get_ruleset(where)
        if digest and ruleset.sha256 != digest:
            other = f"此文件是规则集 {ruleset.header.id}，" if rid and ruleset.header.id != rid else ""
            raise VerifyInputError(
                Problem(
                    Location(str(where)),
                    f"与评分表（{sheet_file}）所用的规则文件不同：{other}评分表按 {rid or name} 评分，记录的 SHA-256 为 "
                    f"{digest}，此文件为 {ruleset.sha256}；请给出评分时所用的规则文件（或含有它的文件夹）",
                )
            )
        return ruleset, f"{ruleset.header.id}（{where}）"
    differing = []
    for path in _candidates(where, rid, name):
        ruleset = api.get_ruleset(path)
        if not digest or ruleset.sha256 == digest:
            return ruleset, f"{ruleset.header.id}（{path}，与评分表记录的 SHA-256 一致）"
        differing.append(f"{path} 的 SHA-256 为 {ruleset.sha256}")
    what = f"规则集 {rid}" if rid else f"规则文件 {name}"
    if differing:
        message = (
            f"{what} 与评分表（{sheet_file}）所用的不同：评分表记录的 SHA-256 为 {digest}，"
            f"{'；'.join(differing)}；请给出评分时所用的规则文件（或含有它的文件夹）"
        )
    else:
        message = (
            f"没有找到评分表（{sheet_file}）所用的{what}（规则文件 {name}，SHA-256 {digest}）；"
            "请给出该规则文件，或含有它的文件夹"
        )
    raise VerifyInputError(Problem(Location(str(where)), message))


def _candidates(folder: Path, rid: str | None, name: str | None) -> list[Path]:
    """Rules files of the folder that may be the recorded one: same 编号 (or, for older sheets, same name)."""
    out = []
    for path in rules_files(folder):
        try:
            header_id = read_header(path).get("编号")
        except RulesError:
            continue  # a broken file in the folder is not the one the sheet was computed with
        if (rid and header_id == rid) or (not rid and path.name == name):
            out.append(path)
    return out


def _review(recorded: Any, overrides: Path | str | None, sheet_file: str) -> Overrides | None:
    """The review file to reassess with: the one the sheet records, or none."""
    name, digest = recorded("复核文件"), recorded("复核文件SHA-256")
    review = load_overrides(overrides) if overrides is not None else None
    if digest is None:  # a sheet from before review files were recorded
        return review
    if digest and review is None:
        raise VerifyInputError(
            Problem(
                Location(sheet_file),
                f"评分时使用了复核文件 {name}（SHA-256 {digest}）；请用 --overrides 给出该文件",
            )
        )
    if review is not None and review.sha256 != digest:
        used = f"评分表记录的 SHA-256 为 {digest}" if digest else "评分时未使用复核文件"
        raise VerifyInputError(
            Problem(
                Location(str(overrides)),
                f"与评分表（{sheet_file}）所用的复核文件不同：{used}，此文件为 {review.sha256}",
            )
        )
    return review


def _with_recorded_map(
    result: AssessmentResult,
    ruleset: Ruleset,
    recorded: Any,
    given: Path | str | None,
    near: tuple[Path | str, ...],
    sheet_file: str,
) -> AssessmentResult:
    """The result with the 分工表 the sheet records (file name and sha256): the one given, else the
    one beside the ruleset (or a ruleset it extends), the submission or the sheet with that content.
    None recorded: none. A sheet from before maps were recorded: the one given, else beside the ruleset."""
    from engine.documents.source import read_bytes
    from engine.ruleset.responsibility import map_for

    name, digest = recorded("分工表"), recorded("分工表SHA-256")
    if digest is None:
        return api.with_map(result, ruleset, given)
    if not digest:
        if given is not None:
            message = f"评分表（{sheet_file}）评分时未使用分工表；核对时不应给出 --responsibility"
            raise VerifyInputError(Problem(Location(str(given)), message))
        return result
    if given is not None:
        _, got = read_bytes(Path(given), VerifyInputError)
        if got != digest:
            message = (
                f"与评分表（{sheet_file}）所用的分工表 {name} 不同：评分表记录的 SHA-256 为 {digest}，此文件为 {got}"
            )
            raise VerifyInputError(Problem(Location(str(given)), message))
        return api.with_map(result, ruleset, given)
    candidates = [map_for(ruleset)] + [Path(p).parent / name for p in near]
    for path in candidates:
        if path is not None and path.is_file() and read_bytes(path, VerifyInputError)[1] == digest:
            return api.with_map(result, ruleset, path)
    message = (
        f"评分表（{sheet_file}）按分工表 {name}（SHA-256 {digest}）列出责任单位，在规则文件、申报文件和评分表旁"
        "都没有找到内容相同的文件；请用 --responsibility 给出该分工表"
    )
    raise VerifyInputError(Problem(Location(sheet_file), message))


def _time(text: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


# -- comparing -----------------------------------------------------------------------------


def _compare(sheet: Any, result: AssessmentResult, out: Verification) -> None:
    DASH, DED, MAX, RULE, SCORE, SHEET = sheet.DASH, sheet.DED, sheet.MAX, sheet.RULE, sheet.SCORE, sheet.SHEET

    def check(row: int, col: int, what: str, expected: Value) -> None:
        out.checked += 1
        got = sheet.value(row, col)
        if not _same(got, expected):
            out.differences.append(Difference(f"{SHEET}!{sheet.ref(row, col)}", what, shown(got), shown(expected)))

    def missing(what: str, expected: Value) -> None:
        out.differences.append(Difference(SHEET, what, "（没有此行）", shown(expected)))

    for item in result.items:
        row = sheet.items.get(item.rule_id)
        if row is None:
            missing(f"评分项 {item.rule_id}", item.score)
            continue
        if item.counted:
            check(row, MAX, f"{item.rule_id} 分值", item.max_points)
            check(row, DED, f"{item.rule_id} 扣分", item.deduction)
            check(row, SCORE, f"{item.rule_id} 得分", item.score)
        else:
            check(row, DED, f"{item.rule_id} 扣分（不计分）", DASH)
            check(row, SCORE, f"{item.rule_id} 得分（不计分）", DASH)
    for bonus in result.bonuses:
        row = sheet.bonuses.get(bonus.rule_id)
        if row is None:
            missing(f"加分项 {bonus.rule_id}", bonus.bonus)
            continue
        check(row, MAX, f"{bonus.rule_id} 分值", bonus.max_points)
        check(row, SCORE, f"{bonus.rule_id} 加分", bonus.bonus)
    known = {i.rule_id for i in result.items} | {b.rule_id for b in result.bonuses}
    for rid, row in sorted({**sheet.items, **sheet.bonuses}.items(), key=lambda kv: kv[1]):
        if rid not in known:
            out.differences.append(
                Difference(f"{SHEET}!{sheet.ref(row, RULE)}", f"规则编号 {rid}", "有此行", "（规则集中没有此项）")
            )
    for cat in result.categories:
        row = sheet.labels.get(f"{cat.name} 小计")
        if row is None:
            missing(f"{cat.name} 小计", cat.score)
            continue
        check(row, MAX, f"{cat.name} 小计分值", cat.max_points)
        check(row, DED, f"{cat.name} 小计扣分", cat.deduction)
        check(row, SCORE, f"{cat.name} 小计得分", cat.score)
    totals: list[tuple[str, Value]] = [
        ("基础得分", result.base_score),
        ("适用分值", result.applicable_points),
        ("折算得分", result.scaled_score),
        ("加分合计", result.bonus_total),
        ("总分", result.total),
        ("得分率（%）", result.score_rate),
        ("等次", result.grade.grade) if result.grade.grade is not None else ("说明", DASH),
        ("系统计算总分", result.total),
    ]
    if result.open_totals is not None:
        totals.append(("待复核分值", result.open_totals.open_points))
    for label, expected in totals:
        row = sheet.labels.get(label)
        if row is None:
            missing(label, expected)
        else:
            check(row, SCORE, label, expected)


def _compare_audit(
    sheet: Any, audit: dict[str, tuple[int, str]], props: dict[str, str], result: AssessmentResult, out: Verification
) -> None:
    LABEL_END, SHEET = sheet.LABEL_END, sheet.SHEET

    expected = {"规则文件SHA-256": result.audit.rules_sha256, "申报文件SHA-256": result.audit.submission_sha256}
    for label, value in expected.items():
        out.checked += 1
        if label in audit:
            row, shown = audit[label]
            if shown != value:
                out.differences.append(Difference(f"{SHEET}!{sheet.ref(row, LABEL_END + 1)}", label, shown, value))
        else:
            out.differences.append(Difference(SHEET, label, "（没有审计信息）", value))
        if label in props and props[label] != value:
            out.differences.append(Difference("文档属性", label, props[label], value))
    made_by = props.get("引擎版本") or (audit.get("引擎版本") or (0, ""))[1]
    if made_by and made_by != result.audit.engine_version:
        out.notes.append(f"评分表由引擎 {made_by} 生成，本次用 {result.audit.engine_version} 重新计算")


def _same(got: Any, expected: Value) -> bool:
    if isinstance(expected, Decimal):
        return isinstance(got, Decimal) and got == expected
    return got == expected


def shown(value: Any) -> str:
    """A value as the listing shows it: numbers beyond 15 digits in E notation, long text cut."""
    if value is None or value == "":
        return "（空）"
    if isinstance(value, Decimal):
        return format_decimal(value) if not value.is_finite() or abs(value.adjusted()) < 15 else f"{value:.6E}"
    text = str(value)
    if _NUMERIC.fullmatch(text.strip()):
        return f"“{text}”（文字，不是数）"  # looks like the number, is not one to SUM or a formula
    return text if len(text) <= 200 else f"{text[:200]}…（共 {len(text)} 字）"


_NUMERIC = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?%?")
