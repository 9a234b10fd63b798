"""Does a scoresheet still say what the engine computes? (`assess verify`)

The submission is assessed again with the rules file, and the 评分表 sheet is read back: every
item's 分值/扣分/得分, every bonus, each 小计, the totals and 等次, and the audit hashes. A formula
cell's value is what its formula gives over the sheet as it now is (evaluated here, exactly, for
the functions the scoresheet uses), so a hand-edited 扣分 shows up in its own cell and in every
total it moves. Items are matched by 规则编号 and summary rows by their labels, not by position.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine import api
from engine.assessment import assess
from engine.result import AssessmentResult
from engine.ruleset.conditions import format_decimal

Value = Decimal | str | None


@dataclass(frozen=True)
class Difference:
    cell: str  # 评分表!G12, or where the thing should have been
    what: str  # ZD-01 扣分
    sheet: str  # as the sheet has it
    expected: str  # as recomputed

    def __str__(self) -> str:
        return f"{self.cell}（{self.what}）：表中 {self.sheet}，重新计算 {self.expected}"


@dataclass
class Verification:
    result: AssessmentResult
    checked: int = 0
    differences: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return not self.differences


def verify_scoresheet(sheet: Any, submission: Path | str, rules: Path | str | None = None) -> Verification:
    """Recompute the assessment and compare it with a scoresheet read back (scoresheets.readback), cell by cell."""
    audit = dict(sheet.audit_block)
    props = sheet.props
    when = _time(props.get("评分时间") or audit.get("评分时间"))
    ruleset, loaded = api.load_submission_for(submission, rules)  # no rules: the one in force, as `assess` chose
    result = assess(ruleset, loaded, as_of=when)
    out = Verification(result)
    _compare(sheet, result, out)
    _compare_audit(sheet, audit, props, result, out)
    return out


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
            out.differences.append(Difference(f"{SHEET}!{sheet.ref(row, col)}", what, _show(got), _show(expected)))

    def missing(what: str, expected: Value) -> None:
        out.differences.append(Difference(SHEET, what, "（没有此行）", _show(expected)))

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


def _show(value: Any) -> str:
    if value is None:
        return "（空）"
    if isinstance(value, Decimal):
        return format_decimal(value)
    return str(value)
