"""Why an item deducted or did not: conditions with the submitted values, true/false per part,
the arithmetic, applicability and caps (`assess explain`).

The truth of each part is computed here in plain Python (expr.evaluate); what durable_rules
fired is shown beside it, so a disagreement between the two would be visible at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.assessment import assess, compiled_for, facts, with_previous
from engine.evaluation.durable.adapter import adapter
from engine.intake.submission import Submission
from engine.result import AssessmentResult
from engine.ruleset import conditions as expr
from engine.ruleset.methods import method_of
from engine.ruleset.ruleset import Ruleset


@dataclass
class Line:
    """One line of a condition's truth table, indented by depth."""

    depth: int
    text: str
    value: bool | None  # None: could not be evaluated (a value is missing)


@dataclass
class CheckExplanation:
    rule_id: str
    label: str  # what the check stands for (the sub-point, the band, the condition)
    condition: str  # as written, with values
    lines: list[Line] = field(default_factory=list)
    holds: bool | None = None
    fired: bool = False  # what durable_rules reported
    records: list[tuple[int, bool, str]] = field(default_factory=list)  # per record: index, holds, values


@dataclass
class ItemExplanation:
    rule_id: str
    kind: str  # 评分项 / 加分项 / 否决项
    content: str
    method: str
    standard: str
    points: str
    applicability: str
    values: list[str]
    checks: list[CheckExplanation]
    arithmetic: list[str]
    outcome: str


def explain(
    ruleset: Ruleset, submission: Submission, rule_ids: list[str] | None = None, **assess_options
) -> tuple[AssessmentResult, list[ItemExplanation]]:
    """The result and explanations of the given items (all items, bonuses and vetoes when None)."""
    compiled = compiled_for(ruleset)
    result = assess(ruleset, submission, **assess_options)
    submission = with_previous(ruleset, submission, assess_options.get("previous"))[0]  # values as the items read
    firings = adapter().run(compiled, *facts(ruleset, submission))  # relative dates resolved for the year
    fired = {rid for rid, fid in firings if fid == 0}
    record_fired = set(firings)
    items = {i.rule_id: i for i in result.items}
    bonuses = {b.rule_id: b for b in result.bonuses}
    vetoed = {v.rule_id: v for v in result.vetoes}
    out: list[ItemExplanation] = []
    sources = [(e.item, "评分项") for e in ruleset.entries]
    sources += [(b, "加分项") for b in ruleset.model.bonuses] + [(v, "否决项") for v in ruleset.model.vetoes]
    wanted = set(rule_ids) if rule_ids is not None else None
    for obj, kind in sources:
        if wanted is not None and obj.id not in wanted:
            continue
        reads = list(ruleset.item_reads.get(obj.id, ()))
        values = [_shown(ruleset, submission, name) for name in reads]
        checks = []
        for check in compiled.by_item.get(obj.id, []):
            checks.append(_check(ruleset, submission, obj, kind, check, fired, record_fired))
        if kind == "评分项":
            it = items[obj.id]
            applicability = _applicability(it.status, it.counted, it.reasons)
            arithmetic = list(it.reasons) + method_of(obj).limits(obj)
            outcome = f"{it.status}：分值 {it.max_points}，扣分 {it.deduction}，得分 {it.score if it.counted else '—'}"
            if it.open_points > 0:
                outcome += f"（待复核，复核最多再扣 {it.open_points} 分）"
            points = str(it.max_points)
        elif kind == "加分项":
            b = bonuses[obj.id]
            applicability = "适用" if b.applicable else "不适用：" + "；".join(b.reasons)
            arithmetic = list(b.reasons)
            outcome = f"加分 {b.bonus}（本项最多 {b.max_points}；加分合计上限 {result.bonus_cap}）"
            points = str(b.max_points)
        else:
            v = vetoed.get(obj.id)
            applicability = "适用" if obj.applies_to is None or submission.unit_type in obj.applies_to else "不适用"
            arithmetic = [v.detail] if v else []
            outcome = "触发一票否决：等次为不合格" if v else "未触发"
            points = "—"
        out.append(
            ItemExplanation(
                rule_id=obj.id,
                kind=kind,
                content=getattr(obj, "content", getattr(obj, "event", "")),
                method=getattr(obj, "method", "一票否决"),
                standard=obj.standard,
                points=points,
                applicability=applicability,
                values=values,
                checks=checks,
                arithmetic=arithmetic,
                outcome=outcome,
            )
        )
    return result, out


def unknown_ids(ruleset: Ruleset, rule_ids: list[str]) -> list[str]:
    known = set(ruleset.scored_ids)
    known |= {v.id for v in ruleset.model.vetoes}
    return [rid for rid in rule_ids if rid not in known]


def _shown(ruleset: Ruleset, submission: Submission, name: str) -> str:
    spec = ruleset.indicators[name]
    if spec.type == "记录列表":
        rows = submission.records.get(name)
        return f"{name}（{spec.label}）= {len(rows)} 条" if rows is not None else f"{name}（{spec.label}）未填报"
    if name not in submission.values:
        return f"{name}（{spec.label}）未填报"
    unit = spec.unit if spec.type in ("数值", "百分比", "次数") and spec.unit else ""
    note = "（按缺省值）" if name in submission.defaulted else ""
    if name in submission.computed:
        note += f"（{submission.computed[name]}）"
    return f"{name}（{spec.label}）= {expr.format_value(submission.values[name])}{unit}{note}"


def _applicability(status: str, counted: bool, reasons: list[str]) -> str:
    if status != "不适用":
        return "适用"
    return "不适用：" + "；".join(reasons)


def _check(ruleset, submission, item, kind, check, fired, record_fired) -> CheckExplanation:
    written = ruleset.conditions.get(check.rule_id)
    node = (written.written or written.node) if written else check.node
    label = method_of(item).label(item, check.rule_id) if kind != "否决项" else "条件"
    year = submission.year
    dates = ruleset.dates_for(year)  # relative dates (次年3月1日) as this submission's dates
    if check.record_list is not None:
        rows = submission.records.get(check.record_list, [])
        out = CheckExplanation(check.rule_id, label, expr.render(node, year=year) if node else "（每条记录）")
        for n, row in enumerate(rows, start=1):
            holds = True if node is None else expr.evaluate(node, {**row, **dates})
            shown = "、".join(f"{k}={expr.format_value(v)}" for k, v in row.items())
            out.records.append((n, holds, shown))
        out.holds = any(h for _, h, _ in out.records)
        out.fired = any((check.rule_id, n) in record_fired for n in range(1, len(rows) + 1))
        return out
    present = all(name in submission.values for name in check.names)
    values = {name: submission.values[name] for name in check.names if name in submission.values}
    shown = {name: _value_text(ruleset, name, v) for name, v in values.items()}
    values.update(dates)
    out = CheckExplanation(check.rule_id, label, expr.render(node, shown, year))
    out.lines = list(_truth(node, values, shown, 0, year))
    out.holds = expr.evaluate(node, values) if present else None
    out.fired = check.rule_id in fired
    return out


def _value_text(ruleset: Ruleset, name: str, value) -> str:
    spec = ruleset.value_specs[name]
    unit = spec.unit if spec.type in ("数值", "百分比", "次数") and spec.unit else ""
    return expr.format_value(value) + unit


def _truth(node, values, shown, depth, year):
    """Yield a line per sub-condition: the part as written, with values, and its truth."""

    def safe(n) -> bool | None:
        try:
            return expr.evaluate(n, values)
        except KeyError:
            return None

    if isinstance(node, expr.Compare):
        yield Line(depth, expr.render(node, shown, year), safe(node))
        return
    if isinstance(node, expr.Not):
        yield Line(depth, "非（以下条件不成立时为真）", safe(node))
        yield from _truth(node.item, values, shown, depth + 1, year)
        return
    word = "且（以下全部成立）" if isinstance(node, expr.And) else "或（以下任一成立）"
    yield Line(depth, word, safe(node))
    for sub in node.items:
        yield from _truth(sub, values, shown, depth + 1, year)


def render_text(explanations: list[ItemExplanation]) -> str:
    mark = {True: "✓", False: "✗", None: "?"}
    lines: list[str] = []
    for ex in explanations:
        lines.append(f"{ex.rule_id}［{ex.kind}·{ex.method}］{ex.content}（分值 {ex.points}）")
        lines.append(f"  评分标准：{ex.standard}")
        lines.append(f"  适用性：{ex.applicability}")
        if ex.values:
            lines.append("  申报值：" + "；".join(ex.values))
        for c in ex.checks:
            engine = "规则引擎已触发" if c.fired else "规则引擎未触发"
            lines.append(f"  {c.rule_id} {c.label}：{c.condition} → {mark[c.holds]}（{engine}）")
            for line in c.lines if len(c.lines) > 1 else []:
                lines.append(f"    {'  ' * line.depth}{mark[line.value]} {line.text}")
            for n, holds, shown in c.records:
                lines.append(f"    第{n}条记录 {mark[holds]} {shown}")
            if c.holds is not None and c.holds != c.fired:
                lines.append("    ！规则引擎与逐项计算结果不一致，请报告此问题")
        if ex.arithmetic:
            lines.append("  计算：" + "；".join(ex.arithmetic))
        lines.append(f"  结果：{ex.outcome}")
        lines.append("")
    return "\n".join(lines)
