"""Checks of every `提取` that need the whole ruleset: slot types, fixed values, references, cycles."""

from __future__ import annotations

import datetime as dt
import difflib
from decimal import Decimal
from typing import Any

from engine.ruleset.extraction import VALUE_SLOTS, parse_template
from engine.ruleset.values import check_value

_SLOTS_BY_TYPE = {
    "数值": ("{数}",),
    "次数": ("{数}",),
    "百分比": ("{率}", "{数}"),
    "日期": ("{日期}",),
    "是否": (),
    "选项": (),
}
NUMERIC = ("数值", "百分比", "次数")


def check_ruleset(model, doc, errors) -> None:
    """Types, fixed values and cross-references of every `提取`, each error at its place."""
    indicators = model.indicators
    graph: dict[str, set[str]] = {}
    for name, spec in indicators.items():
        ext = getattr(spec, "extraction", None)
        if ext is None:
            continue
        base = ("指标", name, "提取")
        graph[name] = set()
        if spec.type not in _SLOTS_BY_TYPE:
            errors.add(doc.locate(base), f"{spec.type}型指标不能从报告中提取，请逐条填写")
            continue
        allowed = _SLOTS_BY_TYPE[spec.type]
        for n, entry in enumerate(ext.patterns):
            loc = base + ("模式", n)
            tokens = parse_template(entry.template)
            slots = [t for t in tokens if t in VALUE_SLOTS]
            if slots and slots[0] not in allowed:
                want = "、".join(allowed) if allowed else "不含取值占位符、写“值”的模式"
                errors.add(doc.locate(loc), f"{spec.type}型指标应使用 {want}，不能用 {slots[0]}")
            if not slots and entry.value is None and entry.equals is None and spec.type != "是否":
                errors.add(doc.locate(loc), f"模式没有取值占位符（{'、'.join(allowed) or '值'}），须写“值”或“等于”")
            if entry.value is not None:
                message = check_value(spec, coerce(spec, entry.value))
                if message:
                    errors.add(doc.locate(loc + ("值",)), f"值{message}")
            if entry.equals is not None:
                _reference(indicators, entry.equals, name, doc, loc + ("等于",), errors)
                graph[name].add(entry.equals)
        if ext.ratio is not None:
            if spec.type not in ("百分比", "数值"):
                errors.add(doc.locate(base + ("计算",)), f"“计算”只用于百分比或数值型指标，“{name}” 是{spec.type}型")
            for key, other in (("分子", ext.ratio.numerator), ("分母", ext.ratio.denominator)):
                _reference(indicators, other, name, doc, base + ("计算", key), errors)
                graph[name].add(other)
    cycle = _cycle(graph)
    if cycle:
        errors.add(doc.locate(("指标", cycle[0], "提取")), f"“等于”/“计算”循环引用：{' → '.join(cycle)}")


def _reference(indicators, other: str, name: str, doc, loc: tuple, errors) -> None:
    spec = indicators.get(other)
    if spec is None:
        close = difflib.get_close_matches(other, list(indicators), n=1, cutoff=0.5)
        hint = f"（是否应为 “{close[0]}”？）" if close else ""
        errors.add(doc.locate(loc), f"未声明的指标 “{other}”{hint}")
    elif spec.type not in NUMERIC:
        errors.add(doc.locate(loc), f"应为数值、百分比或次数型指标，“{other}” 是{spec.type}型")
    elif getattr(spec, "extraction", None) is None:
        errors.add(doc.locate(loc), f"“{other}” 没有声明“提取”，无法取值")
    elif other == name:
        errors.add(doc.locate(loc), "不能引用指标自身")


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt in graph and state.get(nxt) is None:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in graph:
        if state.get(node) is None:
            found = visit(node)
            if found:
                return found
    return None


def order(indicators) -> list[str]:
    """Indicator names with 提取, each after the ones it refers to (checked acyclic at load)."""
    done: list[str] = []
    seen: set[str] = set()

    def deps(name: str) -> list[str]:
        ext = indicators[name].extraction
        out = [p.equals for p in ext.patterns if p.equals]
        if ext.ratio is not None:
            out += [ext.ratio.numerator, ext.ratio.denominator]
        return out

    def visit(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        for dep in deps(name):
            if dep in indicators and getattr(indicators[dep], "extraction", None) is not None:
                visit(dep)
        done.append(name)

    for name, spec in indicators.items():
        if getattr(spec, "extraction", None) is not None:
            visit(name)
    return done


def coerce(spec, value: Any) -> Any:
    """A fixed 值 from a rules file as the indicator's Python value (是/否 → bool, numbers → Decimal/int)."""
    if spec.type == "是否" and isinstance(value, str):
        return {"是": True, "否": False}.get(value.strip(), value)
    if spec.type in NUMERIC and isinstance(value, (int, float)) and not isinstance(value, bool):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        return int(number) if spec.type == "次数" and number == number.to_integral_value() else number
    if spec.type == "日期" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return value
    return value
