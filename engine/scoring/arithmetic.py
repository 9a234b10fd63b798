"""Scoring: items, bonuses, vetoes, totals and the grade.

durable_rules decides *whether* each check holds; each method (ruleset/methods) decides *how much*
its item deducts; this module applies what every item shares — applicability, missing values,
reviews, 不良记录 — and adds up. Amounts are `Decimal`; every computed deduction, score and total is
rounded to 2 places with ROUND_HALF_UP (四舍五入, as Excel's ROUND does for positive numbers — not
Python's default banker's rounding; methods.base.q), then clamped to [0, 分值] (扣完为止).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from engine.intake.submission import Review, Submission
from engine.result import (
    BadRecord,
    BonusResult,
    CategoryTotal,
    Grade,
    ItemResult,
    ReviewNote,
    VetoResult,
)
from engine.ruleset import conditions as expr
from engine.ruleset.methods import method_of
from engine.ruleset.methods.base import CENT, ZERO, BadRecordSpec, n, q
from engine.ruleset.model import GRADES, Veto
from engine.ruleset.ruleset import ItemEntry, Ruleset

__all__ = ["CENT", "ZERO", "q", "Context", "score_item", "score_bonus", "check_veto", "totals", "grade"]
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass
class Context:
    """What scoring one submission needs to know."""

    ruleset: Ruleset
    submission: Submission
    fired: set[tuple[str, int]]
    reviews: dict[str, tuple[Review, str]] = field(default_factory=dict)  # item → (decision, source)
    bad_records: list[BadRecord] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)

    def holds(self, rule_id: str) -> bool:
        return (rule_id, 0) in self.fired

    def record_hits(self, rule_id: str) -> list[int]:
        return sorted(fid for rid, fid in self.fired if rid == rule_id and fid > 0)

    def unit_of(self, name: str, fallback: str) -> str:
        return self.ruleset.indicators[name].unit or fallback

    def show(self, name: str) -> str:
        spec = self.ruleset.indicators[name]
        if spec.type == "记录列表":
            return f"{len(self.submission.records.get(name, []))}条"
        value = self.submission.values[name]
        return expr.format_value(value) + (spec.unit or "" if spec.type not in ("日期", "是否", "选项", "文本") else "")

    def explain(self, rule_id: str) -> str:
        """A condition as written, each indicator followed by its value and unit."""
        return _explain(self.ruleset.conditions[rule_id], self)

    def write_bad_record(
        self, rule_id: str, standard: str, spec: BadRecordSpec, deduction: Decimal, fields: dict[str, str], note: str
    ) -> None:
        _write_bad_record(rule_id, standard, spec, deduction, self, fields, note)


# -- items ----------------------------------------------------------------------------------


@dataclass
class Outcome:
    deduction: Decimal = CENT * 0
    status: str = "满分"
    counted: bool = True
    reasons: list[str] = field(default_factory=list)
    reviewed: bool = False
    extra: dict[str, str] = field(default_factory=dict)
    review: ReviewNote | None = None


def score_item(entry: ItemEntry, seq: int, ctx: Context) -> ItemResult:
    item = entry.item
    reads = list(ctx.ruleset.item_reads.get(item.id, ()))
    out = _outcome(item, reads, ctx)
    score = q(ZERO) if not out.counted else q(item.points - out.deduction)
    fired = sorted({rid for rid, _ in ctx.fired if rid == item.id or rid.startswith((item.id + ".", item.id + "#"))})
    return ItemResult(
        seq=seq,
        rule_id=item.id,
        category1=entry.category1,
        category2=entry.category2,
        content=item.content,
        standard=item.standard,
        method=item.method,
        max_points=q(item.points),
        deduction=out.deduction,
        score=score,
        status=out.status,  # type: ignore[arg-type]
        counted=out.counted,
        reasons=out.reasons,
        values="；".join(f"{name}={ctx.show(name)}" for name in reads if _present(ctx, name)),
        fired=fired,
        reviewed=out.reviewed,
        review=out.review,
        self_score=ctx.submission.self_scores.get(item.id),
        flags=_flags(out, reads, ctx),
    )


def _flags(out: Outcome, reads: list[str], ctx: Context) -> list[str]:
    """Data warnings for an applicable item: rates it reads that rest on a small sample."""
    if out.status == "不适用":
        return []
    return [ctx.submission.small_samples[name] for name in reads if name in ctx.submission.small_samples]


def _present(ctx: Context, name: str) -> bool:
    return name in ctx.submission.values or name in ctx.submission.records


def _applies(ctx: Context, applies_to: list[str] | None, reads: list[str]) -> str | None:
    """None if the item applies to the unit; else the reason it does not."""
    unit_type = ctx.submission.unit_type
    if applies_to is not None and unit_type not in applies_to:
        return f"本项仅适用于{'、'.join(applies_to)}，不适用于{unit_type}"
    for name in reads:
        spec = ctx.ruleset.indicators.get(name)
        if spec is not None and spec.applies_to is not None and unit_type not in spec.applies_to:
            return f"指标“{name}”不适用于{unit_type}"
    for name in reads:
        why = ctx.submission.undefined.get(name)
        if why:
            return why
    return None


def _outcome(item, reads: list[str], ctx: Context) -> Outcome:
    header = ctx.ruleset.header
    why_not = _applies(ctx, item.applies_to, reads)
    if why_not:
        treatment = item.when_not_applicable or header.not_applicable
        if treatment == "按满分计":
            return Outcome(status="不适用", counted=True, reasons=[why_not + "，按满分计"])
        return Outcome(status="不适用", counted=False, reasons=[why_not + "，剔除后折算"])
    computed = _computed(item, reads, ctx)
    decision = ctx.reviews.get(item.id)
    if decision is None:
        if computed.status == "待复核":
            ctx.pending.append(item.id)
        elif not method_of(item).own_bad_records:
            _bad_record(item, computed.deduction, computed.reasons, ctx, computed.extra)
        return computed
    review, source = decision
    deduction = review.deduction if review.deduction is not None else item.points - review.score
    deduction = min(max(q(deduction), ZERO), q(item.points))
    before = computed.deduction if computed.status != "待复核" else None
    was = f"；系统计算扣{n(before)}分" if before is not None and before != deduction else ""
    reason = f"复核：{review.reason}（复核人：{review.reviewer}{was}），扣{n(deduction)}分"
    out = Outcome(deduction, "扣分" if deduction > 0 else "满分", reasons=[reason], reviewed=True)
    out.review = ReviewNote(reason=review.reason, reviewer=review.reviewer, source=source, computed_deduction=before)
    if not method_of(item).own_bad_records:
        _bad_record(item, deduction, out.reasons, ctx, computed.extra)
    return out


def _computed(item, reads: list[str], ctx: Context) -> Outcome:
    """What the engine alone makes of an applicable item (before any review)."""
    missing = [name for name in reads if not _present(ctx, name)]
    if missing:
        labels = "、".join(missing)
        if ctx.ruleset.header.missing == "不得分":
            d = q(item.points)
            return Outcome(d, "扣分", reasons=[f"未填报{labels}，本项不得分，扣{n(d)}分"])
        return Outcome(status="待复核", reasons=[f"未填报{labels}，待复核"])
    scored = method_of(item).score(item, ctx)
    if scored.pending:
        return Outcome(status="待复核", reasons=scored.reasons)
    deduction = min(scored.amount, q(item.points))
    return Outcome(deduction, "扣分" if deduction > 0 else "满分", reasons=scored.reasons, extra=scored.extra)


def _explain(cond, ctx: Context) -> str:
    """The condition as written, each indicator followed by its value and unit."""
    shown = {name: ctx.show(name) for name in cond.names if name in ctx.submission.values}
    return expr.render(cond.written or cond.node, shown)


# -- bad records, bonuses, vetoes -------------------------------------------------------------


def _bad_record(item, deduction: Decimal, reasons: list[str], ctx: Context, extra: dict[str, str]) -> None:
    spec: BadRecordSpec | None = getattr(item, "bad_record", None)
    if spec is None or deduction <= 0:
        return
    _write_bad_record(item.id, item.standard, spec, deduction, ctx, extra, "；".join(reasons))


def _write_bad_record(
    rule_id: str,
    standard: str,
    spec: BadRecordSpec,
    deduction: Decimal,
    ctx: Context,
    fields: dict[str, str],
    note: str,
) -> None:
    event = interpolate(spec.event, ctx, dict(fields, 扣分=n(deduction)))
    caps = ctx.ruleset.header.grade_caps
    cap = caps.severe if spec.severity == "严重" else caps.ordinary
    consequence = spec.consequence or (f"等次不得高于{cap}" if cap != "优秀" else "记入不良记录")
    ctx.bad_records.append(
        BadRecord(
            seq=len(ctx.bad_records) + 1,
            rule_id=rule_id,
            event=event,
            basis=f"{rule_id} {standard}",
            deduction=q(deduction),
            severity=spec.severity,
            consequence=consequence,
            note=note,
        )
    )


def interpolate(template: str, ctx: Context, fields: dict[str, str]) -> str:
    """Fill {name} from record fields, then indicators, then unit/year; never evaluates anything."""

    def repl(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name in fields:
            return fields[name]
        if name in ctx.submission.values:
            return expr.format_value(ctx.submission.values[name])
        if name == "单位名称":
            return ctx.submission.unit
        if name == "考核年度":
            return str(ctx.submission.year)
        return match.group(0)

    return _PLACEHOLDER.sub(repl, template)


def score_bonus(bonus, seq: int, ctx: Context) -> BonusResult:
    reads = list(ctx.ruleset.item_reads.get(bonus.id, ()))
    base = dict(seq=seq, rule_id=bonus.id, content=bonus.content, standard=bonus.standard, max_points=q(bonus.points))
    shown = "；".join(f"{name}={ctx.show(name)}" for name in reads if _present(ctx, name))
    why_not = _applies(ctx, bonus.applies_to, reads)
    if why_not:
        return BonusResult(**base, bonus=ZERO, reasons=[why_not], values=shown, applicable=False)
    decision = ctx.reviews.get(bonus.id)
    if decision is not None:
        review = decision[0]
        amount = review.score if review.score is not None else bonus.points - review.deduction
        amount = min(max(q(amount), ZERO), q(bonus.points))
        reason = f"复核：{review.reason}（复核人：{review.reviewer}），加{n(amount)}分"
        return BonusResult(**base, bonus=amount, reasons=[reason], values=shown)
    missing = [name for name in reads if not _present(ctx, name)]
    if missing:
        return BonusResult(**base, bonus=ZERO, reasons=[f"未填报{'、'.join(missing)}，不加分"], values=shown)
    if not ctx.holds(bonus.id):
        return BonusResult(**base, bonus=ZERO, values=shown)
    scored = method_of(bonus).score(bonus, ctx)
    return BonusResult(**base, bonus=scored.amount, reasons=scored.reasons, values=shown)


def check_veto(veto: Veto, ctx: Context) -> VetoResult | None:
    reads = list(ctx.ruleset.item_reads.get(veto.id, ()))
    if _applies(ctx, veto.applies_to, reads):
        return None
    if any(not _present(ctx, name) for name in reads):
        ctx.pending.append(veto.id)
        return None
    cond = ctx.ruleset.conditions.get(veto.id)
    spec = veto.bad_record or BadRecordSpec(事项=veto.event, 严重程度="严重")
    if veto.records is not None:
        hits = ctx.record_hits(veto.id)
        if not hits:
            return None
        records = ctx.submission.records.get(veto.records, [])
        for fid in hits:
            fields = {k: expr.format_value(v) for k, v in records[fid - 1].items()}
            _write_bad_record(veto.id, veto.standard, spec, ZERO, ctx, fields, f"一票否决；第{fid}条记录")
        rule = expr.render(cond.written or cond.node) if cond else "任一"
        detail = f"{veto.records}中{rule} 的记录{len(hits)}条"
        return VetoResult(rule_id=veto.id, event=veto.event, standard=veto.standard, detail=detail)
    if not ctx.holds(veto.id):
        return None
    detail = _explain(cond, ctx) if cond else ""
    _write_bad_record(veto.id, veto.standard, spec, ZERO, ctx, {}, f"一票否决：{detail}")
    return VetoResult(rule_id=veto.id, event=veto.event, standard=veto.standard, detail=detail)


# -- totals and grade -------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    categories: list[CategoryTotal]
    base_score: Decimal
    applicable_points: Decimal
    scaled_score: Decimal
    bonus_total: Decimal
    total: Decimal
    score_rate: Decimal


def totals(ruleset: Ruleset, items: list[ItemResult], bonuses: list[BonusResult]) -> Totals:
    header = ruleset.header
    order: dict[str, list[ItemResult]] = {}
    for item in items:
        order.setdefault(item.category1, []).append(item)
    categories = []
    for name, rows in order.items():
        counted = [r for r in rows if r.counted]
        categories.append(
            CategoryTotal(
                name=name,
                max_points=sum((r.max_points for r in counted), ZERO),
                deduction=sum((r.deduction for r in counted), ZERO),
                score=sum((r.score for r in counted), ZERO),
            )
        )
    base = sum((c.score for c in categories), ZERO)
    applicable = sum((c.max_points for c in categories), ZERO)
    if applicable == 0:
        scaled = ZERO
    elif applicable == header.total:
        scaled = base
    else:
        scaled = q(base * header.total / applicable)  # 剔除折算: rescale to the full total
    bonus_total = min(sum((b.bonus for b in bonuses), ZERO), q(header.bonus_cap))
    total = q(scaled + bonus_total)
    rate = q(scaled / header.total * 100)
    return Totals(categories, base, applicable, scaled, bonus_total, total, rate)


def grade(
    ruleset: Ruleset,
    unit_type: str,
    total: Decimal,
    bad_records: list[BadRecord],
    vetoes: list[VetoResult],
    pending: list[str],
) -> Grade:
    header = ruleset.header
    bands = ruleset.bands_for(unit_type)
    which = unit_type if unit_type in header.grades else "默认"
    thresholds = {"优秀": bands.excellent, "良好": bands.good, "合格": bands.passing}
    band = next((g for g, line in thresholds.items() if total >= line), "不合格")
    lines = "、".join(f"{g}≥{n(v)}" for g, v in thresholds.items())
    reasons = [f"总分{n(total)}分，按{which}等次线（{lines}）为{band}"]
    result = band

    def cap_at(limit: str, why: str) -> None:
        nonlocal result
        if GRADES.index(limit) > GRADES.index(result):
            reasons.append(f"{why}，等次不得高于{limit}")
            result = limit
        else:
            reasons.append(f"{why}（等次上限{limit}，不影响）")

    ordinary = [b for b in bad_records if b.severity == "一般"]
    severe = [b for b in bad_records if b.severity == "严重"]
    if ordinary:
        cap_at(header.grade_caps.ordinary, f"有不良记录{len(ordinary)}条")
    if severe:
        cap_at(header.grade_caps.severe, f"有严重不良记录{len(severe)}条")
    if vetoes:
        ids = "、".join(v.rule_id for v in vetoes)
        if result != "不合格":
            reasons.append(f"触发一票否决（{ids}），等次为不合格")
        result = "不合格"
    if pending:
        reasons.append(f"有{len(pending)}项待复核（{'、'.join(pending)}），总分与等次为暂定")
    return Grade(grade=result, band_grade=band, reasons=reasons, bands={**thresholds})  # type: ignore[arg-type]
