"""The result for a terminal: a short summary, or the full itemised list."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from engine.documents.numbers import format_decimal as n
from engine.documents.text import visible_line as t  # text from files, one line each: escaped
from engine.result import AssessmentResult


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    text = t(text)
    if _width(text) > width:
        while text and _width(text + "…") > width:
            text = text[:-1]
        text += "…"
    return text + " " * (width - _width(text))


def _plain(text: str) -> str:
    return text


def _grade(r: AssessmentResult, alarm: Callable[[str], str]) -> str:
    if r.grade.grade is None:
        return ""
    shown = alarm(r.grade.grade) if r.grade.grade == "不合格" else r.grade.grade
    return f"  等次：{shown}" + ("（暂定）" if r.grade.provisional else "")


def summary(
    result: AssessmentResult, largest: int = 5, alarm: Callable[[str], str] = _plain, fixes: int | None = 5
) -> str:
    """The total, the grade, the largest deductions, vetoes, bad records and the first `fixes` of the
    整改清单 (None: all); `alarm` marks what must not be missed (不合格, 一票否决, 不良记录), e.g. in colour."""
    r = result
    extends = f"，继承 {'、'.join(r.ruleset_extends)}" if r.ruleset_extends else ""
    lines = [
        f"{r.unit}（{r.unit_type}）{r.year}年度 · {r.ruleset_name}（{r.ruleset_id}{extends}）",
        f"总分 {r.total} / {n(r.total_points)}（得分率 {r.score_rate}%）" + _grade(r, alarm),
    ]
    if r.applicable_points != r.total_points:
        lines.append(
            f"  得分 {r.base_score} / 适用分值 {r.applicable_points} → 折算 {r.scaled_score}；加分 {r.bonus_total}"
        )
    else:
        lines.append(f"  基础得分 {r.scaled_score}；加分 {r.bonus_total}（上限 {n(r.bonus_cap)}）")
    if r.open_totals is not None:
        lines.append(f"  {r.open_totals.summary}")
    lines += [f"  {why}" for why in r.grade.reasons]
    if r.previous is not None:
        lines.append(f"  {r.versus_previous}")
    if r.consequences:
        lines.append(alarm("等次后果：") if alarm is not _plain else "等次后果：")
        lines += [f"  {c.text}" for c in r.consequences]
    deducted = sorted((i for i in r.items if i.deduction > 0), key=lambda i: (-i.deduction, i.seq))
    if deducted:
        lines.append(f"扣分最多的{min(largest, len(deducted))}项（共{len(deducted)}项扣分）：")
        for item in deducted[:largest]:
            reason = t("；".join(item.reasons))
            lines.append(f"  {_pad(item.rule_id, 8)} {_pad(item.content, 24)} -{item.deduction}  {reason}")
    else:
        lines.append("无扣分项。")
    if r.vetoes:
        lines.append(alarm("一票否决：") if alarm is not _plain else "一票否决：")
        lines += [t(f"  {v.rule_id} {v.event}：{v.detail}") for v in r.vetoes]
    if r.bad_records:
        lines.append(alarm(f"不良记录（{len(r.bad_records)}条）："))
        for b in r.bad_records:
            lines.append(t(f"  {b.seq}. {b.event}［{b.rule_id}，{b.severity}］{b.consequence}"))
    else:
        lines.append("不良记录：无")
    if r.follow_ups:
        year = r.previous.year if r.previous else r.year - 1
        open_ = sum(not f.corrected for f in r.follow_ups)
        lines.append(f"上年（{year}年度）不良记录整改：{len(r.follow_ups)}条，未整改{open_}条")
        lines += [
            t(f"  {f.seq}. {f.event}［{f.rule_id}］{f.state}" + (f"：{f.note}" if f.note else "")) for f in r.follow_ups
        ]
    lines += remedy_lines(r, fixes)
    if r.pending:
        lines.append(f"待复核：{'、'.join(r.pending)}")
    flagged = [t(f"{i.rule_id} {'；'.join(i.flags)}") for i in r.items if i.flags]
    if flagged:
        lines.append(f"数据提示：{'，'.join(flagged)}")
    lines += [t(f"注意：{notice}") for notice in r.notices]
    return "\n".join(lines) + "\n"


def remedy_lines(r: AssessmentResult, largest: int | None = None) -> list[str]:
    """整改清单: what each fix alone would give (the engine re-scored it), the best first."""
    if not r.remedies:
        return []
    shown = r.remedies if largest is None else r.remedies[:largest]
    more = f"，列出前{len(shown)}项" if len(shown) < len(r.remedies) else ""
    lines = [f"整改清单（每项单独整改后重新评分，共{len(r.remedies)}项{more}）："]
    for k, m in enumerate(shown, start=1):
        grade = f"，等次{m.grade}{'（暂定）' if m.provisional else ''}" if m.grade is not None else ""
        lines.append(f"  {k:>2}. {_pad(m.rule_id, 8)} {_pad(m.content, 24)} +{m.gain} → 总分{m.total}{grade}")
    return lines


def full(result: AssessmentResult) -> str:
    r = result
    lines = [summary(r, largest=3, fixes=None).rstrip("\n"), "", "逐项得分："]
    current = None
    for item in r.items:
        if item.category1 != current:
            current = item.category1
            cat = next(c for c in r.categories if c.name == current)
            lines.append(f"【{current}】 {cat.score} / {cat.max_points}")
        score = "—" if not item.counted else str(item.score)
        lines.append(
            f"  {item.seq:>3}. {_pad(item.rule_id, 8)} {_pad(item.content, 24)} {_pad(item.status, 6)}"
            f" {score:>6} / {item.max_points}"
        )
        for reason in [*item.reasons, *item.flags]:
            lines.append(f"         {t(reason)}")
        if item.deduction > 0:
            for task in item.responsible:  # from the 分工表: who owns the task behind the loss
                partners = f"；配合：{'、'.join(task.partners)}" if task.partners else ""
                lines.append(
                    t(
                        f"         责任：{task.task} {task.name}，牵头：{'、'.join(task.leads)}{partners}（{task.source}）"
                    )
                )
    if r.bonuses:
        lines.append(f"【加分】 {r.bonus_total}（上限 {n(r.bonus_cap)}）")
        for b in r.bonuses:
            lines.append(f"  {_pad(b.rule_id, 8)} {_pad(b.content, 24)} +{b.bonus}")
            lines += [f"         {t(why)}" for why in b.reasons]
    a = r.audit
    lines += [
        "",
        f"规则文件 {a.rules_file} sha256 {a.rules_sha256[:16]}…；申报文件 {a.submission_file} sha256 "
        f"{a.submission_sha256[:16]}…；引擎 {a.engine_version}；{a.assessed_at}",
    ]
    return "\n".join(lines) + "\n"
