"""Conditions and values in words, for the reasons a scoresheet gives (扣分说明).

A condition is told as it was evaluated on the submitted values: each comparison that decided the
outcome becomes a fact that is true of the submission — "出庭应诉率25%，低于80%", "未制定年度工作要点",
"年度报告报送日期为2013年4月2日，晚于2013年3月31日" — never operators, quotes or 是/否 in brackets.
`criterion` tells a condition without values (the records a 逐条扣分 item counts). Nothing here
evaluates anything the engine has not already decided; it only words it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from engine.documents.numbers import format_decimal
from engine.ruleset import conditions as expr


class Spec(Protocol):
    """What wording needs of an indicator or a record field."""

    label: str
    type: str
    unit: str | None


# the word for "value OP literal" when it holds; its negation is the word when it does not
_BELOW = {"<": "低于", "<=": "不高于", ">": "高于", ">=": "不低于"}
_FEWER = {"<": "少于", "<=": "不多于", ">": "多于", ">=": "不少于"}
_EARLIER = {"<": "早于", "<=": "不晚于", ">": "晚于", ">=": "不早于"}
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_NOTE = re.compile(r"[（(][^（）()]*[）)]\s*$")  # a trailing note in a label: （无保留事项的填是）
_NEGATIVE = ("拒不", "不", "未", "没有", "无")
_NO_ALREADY = ("经", "被", "存在", "发生", "出现", "属于")


def chinese_date(value: dt.date) -> str:
    """2013-03-31 → 2013年3月31日."""
    return f"{value.year}年{value.month}月{value.day}日"


def unit_of(spec: Spec | None) -> str:
    if spec is None:
        return ""
    if spec.unit:
        return spec.unit
    return "%" if spec.type == "百分比" else ""


def value_text(value: Any, spec: Spec | None = None) -> str:
    """A submitted value as a sentence reads it: 25%, 4件, 2013年3月31日, 是, 市级."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format_decimal(value) + unit_of(spec)
    if isinstance(value, dt.date):
        return chinese_date(value)
    if isinstance(value, expr.RelativeDate):
        return str(value)
    return str(value)


def yes_no(spec: Spec | None, name: str, value: bool, stated: bool = True) -> str:
    """A yes/no indicator as a phrase from its label: 是否制定年度工作要点 → 已制定… / 未制定…;
    `stated` False gives the bare requirement (制定年度工作要点) for a criterion."""
    label = _NOTE.sub("", spec.label if spec is not None else name).strip() or name
    if "是否" not in label:
        return label if value else f"{label}：否"
    head, rest = label.split("是否", 1)
    if rest.startswith(("为", "是")):
        return f"{head}{'为' if value else '不是'}{rest[1:]}"
    if rest.startswith("有"):
        return f"{head}{'有' if value else '没有'}{rest[1:]}"
    if rest.startswith(_NEGATIVE):  # 是否拒不履行: "已" or "未" would read wrong
        return f"{head}{rest}" if value else f"{head}{rest}：否"
    if value:  # 已制定…; but not before 经/被/存在 (考核材料经核查存在弄虚作假)
        return f"{head}{'已' if stated and not rest.startswith(_NO_ALREADY) else ''}{rest}"
    return f"{head}未{rest}"


@dataclass(frozen=True)
class Fact:
    """One thing true of the submission: a subject ("出庭应诉率25%") and what it is measured
    against ("低于80%"), or a whole phrase ("未制定年度工作要点"). A guard ("应诉案件数4件" in
    "… 且 应诉案件数 > 0") is told in brackets after the rest."""

    subject: str
    predicate: str = ""
    guard: bool = False
    phrase: bool = False  # a yes/no indicator told as a phrase: it carries no value to show


def sentence(facts: list[Fact]) -> str:
    """Facts as one sentence: predicates on one subject joined (X 75%，不低于60%、低于80%), the
    facts by "；", guards in brackets."""
    grouped: dict[str, list[str]] = {}
    guards: list[str] = []
    for fact in facts:
        if fact.guard:
            if fact.subject not in guards:
                guards.append(fact.subject)
            continue
        preds = grouped.setdefault(fact.subject, [])
        if fact.predicate and fact.predicate not in preds:
            preds.append(fact.predicate)
    parts = [subject + (f"，{'、'.join(preds)}" if preds else "") for subject, preds in grouped.items()]
    if not parts:
        return "；".join(guards)
    return "；".join(parts) + (f"（{'，'.join(guards)}）" if guards else "")


class Words:
    """Conditions of one submission in words: the specs of its names, its values, its 考核年度."""

    def __init__(self, specs: Mapping[str, Spec], values: Mapping[str, Any], year: int):
        self.specs = specs
        self.values = values
        self.year = year

    def facts(self, node: expr.Node) -> list[Fact]:
        """The facts that decided `node`'s outcome on these values."""
        return self._facts(expr.normalize(node))

    def told(self, node: expr.Node) -> str:
        """`node` as evaluated, in words."""
        return sentence(self.facts(node))

    def _truth(self, node: expr.Node) -> bool:
        resolved = {d.key: d.on(self.year) for d in expr.relative_dates(node)}
        return expr.holds(node, {**self.values, **resolved})  # a record may lack an optional field

    def _side(self, side: expr.Operand) -> Any:
        if isinstance(side, expr.Name):
            return self.values.get(side.name)
        if isinstance(side.value, expr.RelativeDate):
            return side.value.on(self.year)
        return side.value

    def _facts(self, node: expr.Node) -> list[Fact]:
        if isinstance(node, expr.Compare):
            return [self._fact(node)]
        if isinstance(node, expr.Not):  # not after normalize; kept for a caller's own tree
            return self._facts(node.item)
        truth = self._truth(node)
        # an "and" that holds, or an "or" that fails, owes its outcome to every part; else to the parts
        # with its outcome
        every = truth == isinstance(node, expr.And)
        out: list[Fact] = []
        for item in node.items:
            if every or self._truth(item) == truth:
                out.extend(self._facts(item))
        if isinstance(node, expr.And) and truth and all(f.guard for f in out):
            out = [Fact(f.subject, f.predicate, phrase=f.phrase) for f in out]
        return out

    def _fact(self, cmp: expr.Compare) -> Fact:
        left, right = cmp.left, cmp.right
        if not isinstance(left, expr.Name):  # a literal on the left after normalize: only name vs name
            left, right = right, left
        assert isinstance(left, expr.Name)
        name = left.name
        spec = self.specs.get(name)
        if name not in self.values or self.values[name] is None:
            return Fact(f"{name}未填报")
        value = self.values[name]
        other = self._side(right)
        holds = expr.compare(cmp.op, value, other) if other is not None else False
        kind = spec.type if spec is not None else ""
        if isinstance(value, bool):
            return Fact(yes_no(spec, name, value), phrase=True)
        against = self._against(right, other, spec)
        if isinstance(value, dt.date):
            subject = f"{name}为{chinese_date(value)}"
            words = _EARLIER
        elif isinstance(value, Decimal):
            subject = f"{name}{value_text(value, spec)}"
            words = _FEWER if kind == "次数" else _BELOW
            if cmp.op in (">", "!=") and other == 0 and kind == "次数":  # 应诉案件数 > 0: the count itself
                return Fact(subject, guard=holds)
        else:
            subject = f"{name}为{value}"
            if cmp.op == "==":
                return Fact(subject, "" if holds else f"不是{against}")
            return Fact(subject, f"不是{against}" if holds else "")
        if cmp.op in ("==", "!="):  # unequal: say which side of it (逾期天数12天，多于0天)
            if (cmp.op == "==") == holds:
                return Fact(subject)
            op = "<" if value < other else ">"
        else:
            op = cmp.op if holds else _NEGATE[cmp.op]
        return Fact(subject, words[op] + against)

    def _against(self, side: expr.Operand, value: Any, spec: Spec | None) -> str:
        """What a value is compared with: a literal with the indicator's unit, or another indicator."""
        if isinstance(side, expr.Name):
            return f"{side.name}{value_text(value, self.specs.get(side.name))}"
        if isinstance(value, Decimal):
            return value_text(value, spec)
        return value_text(value)

    # -- without values -------------------------------------------------------------------------

    def criterion(self, node: expr.Node) -> str:
        """What a condition requires, without values: 结果为败诉、行政机关负责人未出庭应诉."""
        return self._criterion(expr.normalize(node))

    def _criterion(self, node: expr.Node) -> str:
        if isinstance(node, expr.Compare):
            return self._requirement(node)
        if isinstance(node, expr.Not):
            return self._criterion(node.item)
        if isinstance(node, expr.Or):
            same = _one_option_list(node)
            if same is not None:
                name, options = same
                return f"{name}为{'或'.join(options)}"
            return "，或".join(self._criterion(i) for i in node.items)
        return "、".join(self._criterion(i) for i in node.items)

    def _requirement(self, cmp: expr.Compare) -> str:
        left, right = cmp.left, cmp.right
        if not isinstance(left, expr.Name):
            left, right = right, left
        assert isinstance(left, expr.Name)
        name = left.name
        spec = self.specs.get(name)
        other = right.name if isinstance(right, expr.Name) else self._side(right)
        if isinstance(other, bool):
            wanted = other if cmp.op == "==" else not other
            return yes_no(spec, name, wanted, stated=False)
        shown = other if isinstance(right, expr.Name) else self._against(right, other, spec)
        if isinstance(other, str) and not isinstance(right, expr.Name):
            return f"{name}{'为' if cmp.op == '==' else '不是'}{shown}"
        if cmp.op == "==":
            return f"{name}为{shown}"
        if cmp.op == "!=":
            return f"{name}不等于{shown}"
        kind = spec.type if spec is not None else ""
        words = _EARLIER if kind == "日期" else _FEWER if kind == "次数" else _BELOW
        return f"{name}{words[cmp.op]}{shown}"


def _one_option_list(node: expr.Or) -> tuple[str, list[str]] | None:
    """`结果 属于 [败诉, 撤诉]` (an "or" of == on one name with text): (name, options), else None."""
    names, options = set(), []
    for item in node.items:
        if not (isinstance(item, expr.Compare) and item.op == "==" and isinstance(item.left, expr.Name)):
            return None
        if not (isinstance(item.right, expr.Literal) and isinstance(item.right.value, str)):
            return None
        names.add(item.left.name)
        options.append(item.right.value)
    return (names.pop(), options) if len(names) == 1 else None


def _identifying(record: Mapping[str, Any], fields: Mapping[str, Spec]) -> list[str]:
    """The fields that name a record: its text fields in declared order (案号, 案由), else all."""
    order = list(fields) or list(record)
    texts = [k for k in order if k in fields and fields[k].type == "文本"] or order
    return [k for k in texts if record.get(k) not in (None, "")]


def record_name(record: Mapping[str, Any], fields: Mapping[str, Spec], count: int = 2) -> str:
    """A record named by its first identifying fields: 案号：（2012）基行初字第2号，案由：行政许可."""
    keys = _identifying(record, fields)[:count]
    return "，".join(f"{k}：{value_text(record[k], fields.get(k))}" for k in keys)


def records_named(records: list[Mapping[str, Any]], fields: Mapping[str, Spec], most: int = 5) -> str:
    """Several records by their first identifying field: （2012）基行初字第1号、（2012）基行初字第3号等."""
    shown = []
    for record in records[:most]:
        keys = _identifying(record, fields)
        shown.append(value_text(record[keys[0]], fields.get(keys[0])) if keys else "")
    return "、".join(s for s in shown if s) + ("等" if len(records) > most else "")
