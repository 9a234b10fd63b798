"""The published criteria table (评分细则) of a ruleset, and its Markdown form.

`criteria_rows` is what both renderers (Markdown here, xlsx in scoresheets.criteria) print:
one row per item, grouped by 一级/二级指标, then bonus items, vetoes and the grade rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.documents.numbers import format_decimal as n
from engine.ruleset.ruleset import Ruleset


@dataclass(frozen=True)
class CriteriaRow:
    category1: str
    category2: str
    seq: str
    content: str
    points: str
    standard: str
    source: str
    applies_to: str


@dataclass(frozen=True)
class Criteria:
    title: str
    info: str
    categories: list[tuple[str, str, list[CriteriaRow]]]  # (一级指标, its 分值, rows)
    bonuses: list[CriteriaRow]
    vetoes: list[CriteriaRow]
    grade_rules: list[str]
    indicators: list[tuple[str, str, str, str, str, str]]  # 指标, 名称, 类型, 单位, 取值, 适用单位


def criteria(ruleset: Ruleset) -> Criteria:
    h = ruleset.header
    everyone = "全部"

    def applies(values: list[str] | None) -> str:
        return "、".join(values) if values else everyone

    def source(item) -> str:
        if getattr(item, "source", None):
            return item.source
        labels = []
        for name in ruleset.item_reads.get(item.id, ()):
            spec = ruleset.indicators[name]
            if spec.overdue is not None:  # days late: the unit submits the date, the engine counts
                date = ruleset.indicators[spec.overdue.date].label
                labels.append(f"{date}（{spec.label}由系统按期限{spec.overdue.deadline}计算）")
            else:
                labels.append(spec.label)
        return "单位申报：" + "；".join(labels) if labels else "考核组评定"

    groups: dict[str, list[CriteriaRow]] = {}
    points: dict[str, str] = {}
    for seq, entry in enumerate(ruleset.entries, start=1):
        item = entry.item
        groups.setdefault(entry.category1, []).append(
            CriteriaRow(
                entry.category1,
                entry.category2,
                str(seq),
                item.content,
                n(item.points),
                item.standard,
                source(item),
                applies(item.applies_to),
            )
        )
    for cat in ruleset.model.categories:
        total = sum((it.points for c2 in cat.subcategories for it in c2.items), start=0)
        points[cat.name] = n(total)
    bonuses = [
        CriteriaRow("加分项", "", f"加{k}", b.content, n(b.points), b.standard, source(b), applies(b.applies_to))
        for k, b in enumerate(ruleset.model.bonuses, start=1)
    ]
    vetoes = [
        CriteriaRow("一票否决", "", f"否{k}", v.event, "—", v.standard, source(v), applies(v.applies_to))
        for k, v in enumerate(ruleset.model.vetoes, start=1)
    ]
    rules = []
    words = list(h.grade_words)
    for who in h.grades if words else ():
        label = "各类单位" if who == "默认" else who
        lines = "，".join(f"{n(line)}分及以上为{word}" for word, line in ruleset.bands_for(who).items())
        rules.append(f"{label}：总分{lines}，其余为{words[-1]}。")
    if not words:
        rules.append("本表不评定等次。")
    rules.append(f"加分项合计不超过{n(h.bonus_cap)}分。" if h.bonus_cap else "不设加分项。")
    caps = [
        (word, cap) for word, cap in (("有不良记录", h.grade_caps.ordinary), ("有严重不良记录", h.grade_caps.severe))
    ]
    said = "；".join(f"{word}的，等次不得高于{cap}" for word, cap in caps if cap is not None)
    if said:
        rules.append(f"{said}。")
    if ruleset.model.vetoes:
        if h.veto_grade is not None:
            rules.append(f"触发一票否决事项的，等次为{h.veto_grade}。")
        else:
            rules.append(f"触发一票否决事项的，{h.veto_result or '实行一票否决'}。")
    if h.not_applicable == "剔除折算":
        rules.append(f"不适用于本单位的评分项不计分，按“得分合计×{n(h.total)}÷适用项分值合计”折算。")
    else:
        rules.append("不适用于本单位的评分项按满分计。")
    rules.append("扣分以该项分值为限（扣完为止）；计算结果四舍五入保留两位小数。")
    indicators = []
    for name, spec in ruleset.indicators.items():
        if spec.type == "选项":
            allowed = "、".join(spec.options or ())
        elif spec.type == "记录列表":
            allowed = "每条记录：" + "、".join(f.label for f in (spec.fields or {}).values())
        elif spec.overdue is not None:  # counted by the engine: not submitted
            allowed = f"不必填报：按“{spec.overdue.date}”与期限{spec.overdue.deadline}计算（期限当天为0）"
        elif None not in spec.bounds:
            allowed = f"{n(spec.bounds[0])}–{n(spec.bounds[1])}"
        else:
            allowed = {"是否": "是/否", "日期": "年-月-日", "次数": "非负整数"}.get(spec.type, "")
        required = "" if spec.required else "（选填）"
        indicators.append((name, spec.label + required, spec.type, spec.unit or "", allowed, applies(spec.applies_to)))
    info = f"编号：{h.id}  考核年度：{h.year}  总分：{n(h.total)}分" + (f"  发布单位：{h.issuer}" if h.issuer else "")
    return Criteria(
        h.name, info, [(c, points[c], rows) for c, rows in groups.items()], bonuses, vetoes, rules, indicators
    )


HEADERS = ["一级指标", "二级指标", "序号", "考核内容", "分值", "评分标准", "数据来源", "适用单位"]


def to_markdown(c: Criteria) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", "<br>")

    def table(rows: list[CriteriaRow]) -> list[str]:
        out = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
        for r in rows:
            fields = [r.category1, r.category2, r.seq, r.content, r.points, r.standard, r.source, r.applies_to]
            out.append("| " + " | ".join(cell(f) for f in fields) + " |")
        return out

    lines = [f"# {c.title}", "", c.info, ""]
    for name, points, rows in c.categories:
        lines += [f"## {name}（{points}分）", "", *table(rows), ""]
    if c.bonuses:
        lines += ["## 加分项", "", *table(c.bonuses), ""]
    if c.vetoes:
        lines += ["## 一票否决事项", "", *table(c.vetoes), ""]
    lines += ["## 等次评定", "", *[f"- {rule}" for rule in c.grade_rules], ""]
    lines += ["## 申报指标", "", "| 指标 | 名称 | 类型 | 单位 | 取值 | 适用单位 |", "|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(cell(f) for f in row) + " |" for row in c.indicators]
    return "\n".join(lines) + "\n"
