"""The pattern language of `提取.模式`, compiled to Python regular expressions.

A template is literal text with placeholders:

| written | matches |
|---|---|
| `{关键词}` | any of the indicator's 关键词 |
| `{数}` | a number: 2673, 2,673, １２, 一千二百二十二, 近50, 4000余, 1.2万 — the value |
| `{率}` | a percentage: 99.36%, 99.36％, 百分之百, 百分之九十五 — the value |
| `{日期}` | a date: 2016年12月19日, 二○一六年十二月十九日, 2016-12-19 — the value |
| `…` (or `...`, `……`) | up to 间隔 (default 12) characters of the same sentence |
| `{句首}` / `{句尾}` | the start / end of the sentence |

A template that starts with `{句首}` and ends with `{句尾}` matches whole sentences only (a
落款 date on its own line); such templates also read the plan sections at the end of a report.

Everything else is matched literally (it is escaped, never read as a regular expression), after
the same NFKC folding as the report (so `%` also matches `％`). A `…` right before a value never
skips over another number, so `投诉…{数}件` takes the nearest figure. Matching is done one
sentence at a time (a sentence ends at 。；！？ or the end of a line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from . import numbers

VALUE_SLOTS = ("{数}", "{率}", "{日期}")
PLACEHOLDERS = ("{关键词}", *VALUE_SLOTS, "{句首}", "{句尾}")
GAP = "…"
_GAP_RUN = re.compile(r"(?:…|\.\.\.)+")
_SENTENCE_END = "。;!?\n"


def parse_template(template: str) -> list[str]:
    """Split a template into placeholders, GAP and literal runs; ValueError names what is wrong."""
    tokens: list[str] = []
    literal = ""
    i = 0
    while i < len(template):
        ch = template[i]
        if ch in "{｛":
            end = min((template.find(c, i) for c in "}｝" if template.find(c, i) != -1), default=-1)
            if end == -1 or any(c in template[i + 1 : end] for c in "{｛"):
                raise ValueError(f"第 {i + 1} 个字的“{{”没有对应的“}}”")
            name = "{" + template[i + 1 : end].strip() + "}"
            if name not in PLACEHOLDERS:
                raise ValueError(f"不认识的占位符 {name}；可用：{'、'.join(PLACEHOLDERS)}")
            if literal:
                tokens.append(literal)
                literal = ""
            tokens.append(name)
            i = end + 1
            continue
        if ch in "}｝":
            raise ValueError(f"第 {i + 1} 个字的“}}”没有对应的“{{”")
        gap = _GAP_RUN.match(template, i)
        if gap:
            if literal:
                tokens.append(literal)
                literal = ""
            if not tokens or tokens[-1] != GAP:
                tokens.append(GAP)
            i = gap.end()
            continue
        literal += ch
        i += 1
    if literal:
        tokens.append(literal)
    if all(t == GAP for t in tokens):
        raise ValueError("模式不能只有“…”")
    return tokens


def fold(text: str) -> str:
    return "".join(numbers.fold(ch) for ch in text)


@dataclass(frozen=True)
class CompiledPattern:
    """A template as a regex; `slot` is the value placeholder ({数}/{率}/{日期}) or None."""

    template: str
    regex: re.Pattern[str]
    slot: str | None
    value: Any = None
    equals: str | None = None
    whole: bool = False  # {句首}…{句尾}: a sentence of its own, read even in plan sections (落款)


def compile_template(template: str, keywords: list[str], gap: int, value: Any = None, equals: str | None = None):
    tokens = parse_template(template)
    parts: list[str] = []
    slot = None
    for n, token in enumerate(tokens):
        if token == "{关键词}":
            words = sorted({fold(w) for w in keywords}, key=len, reverse=True)
            parts.append("(?:" + "|".join(re.escape(w) for w in words) + ")")
        elif token in VALUE_SLOTS:
            slot = token
            fragment = {"{数}": numbers.NUMBER, "{率}": numbers.PERCENT, "{日期}": numbers.DATE}[token]
            parts.append(f"(?P<v>{fragment})")
        elif token == "{句首}":
            parts.append(r"^\s*")
        elif token == "{句尾}":
            parts.append(r"\s*[。;!?]?\s*$")
        elif token == GAP:
            before_value = n + 1 < len(tokens) and tokens[n + 1] in VALUE_SLOTS
            stop = re.escape(_SENTENCE_END) + (r"\d%" if before_value else "")
            parts.append(f"[^{stop}]{{0,{gap}}}?")
        else:
            parts.append(re.escape(fold(token)))
    whole = tokens[0] == "{句首}" and tokens[-1] == "{句尾}"
    return CompiledPattern(template, re.compile("".join(parts)), slot, value, equals, whole)


def compile_spec(spec) -> list[CompiledPattern]:
    return [compile_template(p.template, spec.keywords, spec.gap, p.value, p.equals) for p in spec.patterns]


# -- checks that need the whole ruleset --------------------------------------------------

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
    from ..submission import check_value  # local: submission imports the rules loader

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
        import difflib

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
    import datetime as dt
    from decimal import Decimal

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
