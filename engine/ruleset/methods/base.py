"""What every scoring method (计分方式) is: the interface, the fields all items share, and the one
rounding and cap rule.

A method is one module in this package holding its pydantic model and a `Method` subclass. Nothing
here imports scoring, evaluation or tools: they call the registry (`methods.method_of`) and hand a
method what it needs through the small protocols below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, ClassVar, Literal, Protocol

from pydantic import Field

from engine.ruleset import conditions as expr
from engine.ruleset.scalars import ID_PATTERN, Model, Points, Text

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


# -- the one rounding and cap rule -------------------------------------------------------------


def q(value: Decimal) -> Decimal:
    """Round to 2 places, half up (四舍五入, as Excel's ROUND; not Python's banker's rounding)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def capped(raw: Decimal, cap: Decimal) -> Decimal:
    return min(q(raw), q(cap))


def cap_of(cap: Decimal | None, points: Decimal) -> Decimal:
    """The most a part may deduct: its 扣分上限 if given, never more than the item's 分值 (扣完为止)."""
    return min(cap if cap is not None else points, points)


def n(value: Decimal) -> str:
    """A number as it reads in a sentence: 0.50 → 0.5, 3.00 → 3."""
    return expr.format_decimal(value)


# -- fields every item shares ---------------------------------------------------------------------


class BadRecordSpec(Model):
    event: Text = Field(alias="事项", description="不良记录的事项，可用 {指标名} 或 {字段名} 插入申报值")
    severity: Literal["一般", "严重"] = Field("一般", alias="严重程度")
    consequence: str | None = Field(None, alias="后果")


class ItemBase(Model):
    id: Annotated[str, Field(pattern=ID_PATTERN)] = Field(alias="编号")
    content: Text = Field(alias="考核内容")
    points: Points = Field(alias="分值", gt=0)
    standard: Text = Field(alias="评分标准")
    applies_to: list[str] | None = Field(None, alias="适用单位")
    when_not_applicable: Literal["剔除折算", "按满分计"] | None = Field(None, alias="不适用时")
    bad_record: BadRecordSpec | None = Field(None, alias="不良记录")
    source: str | None = Field(None, alias="数据来源")


class BonusBase(Model):
    id: Annotated[str, Field(pattern=ID_PATTERN)] = Field(alias="编号")
    content: Text = Field(alias="考核内容")
    points: Points = Field(alias="分值", gt=0, description="本项最多加分")
    standard: Text = Field(alias="评分标准")
    applies_to: list[str] | None = Field(None, alias="适用单位")
    source: str | None = Field(None, alias="数据来源")


# -- what a method produces and is given ----------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One condition the engine evaluates. `node` None on a record check means every record."""

    rule_id: str
    item_id: str
    node: expr.Node | None
    names: frozenset[str]
    record_list: str | None = None

    @property
    def branches(self) -> int:
        return 1 if self.node is None else expr.branch_count(self.node)


def gt_zero(name: str) -> expr.Node:
    return expr.Compare(">", expr.Name(name, 0), expr.Literal(Decimal(0), 0, "0"))


def less(name: str, value: Decimal) -> expr.Node:
    return expr.Compare("<", expr.Name(name, 0), expr.Literal(value, 0, str(value)))


def simple_check(item_id: str, node: expr.Node, name: str) -> Check:
    return Check(item_id, item_id, node, frozenset({name}))


def condition_check(rule_id: str, item_id: str, conditions: Mapping[str, Any]) -> Check:
    cond = conditions[rule_id]
    return Check(rule_id, item_id, cond.node, cond.names)


DERIVED = "扣分条件（由计分方式推出）"  # explain's label of a check the method itself writes
NUMERIC = ("数值", "百分比", "次数")


def cap_limit(cap: Decimal | None, points: Decimal) -> str:
    """explain's line for an item with a 扣分上限."""
    return f"扣分上限 {n(cap_of(cap, points))} 分（扣完为止，本项最多扣 {points} 分）"


def points_limit(points: Decimal) -> str:
    """explain's line for an item that can deduct at most its 分值."""
    return f"本项最多扣 {points} 分（扣完为止）"


def number(values: Mapping[str, Any], name: str) -> Decimal | None:
    value = values.get(name)
    return value if isinstance(value, Decimal) else None


def target_needs(name: str, target: Decimal, indicators: Mapping[str, Any]) -> dict[str, str]:
    """Coverage of a target: a case exactly at it and one just below it."""
    t = n(target)
    below = f"{name} = {n(target - 1)}" if indicators[name].type == "次数" else f"{n(target - 1)} ≤ {name} < {t}"
    return {"at": f"恰好达到目标的用例（{name} = {t}）", "below": f"略低于目标的用例（{below}）"}


def target_boundaries(name: str, target: Decimal, values: Mapping[str, Any]) -> set[str]:
    v = number(values, name)
    out: set[str] = set()
    if v is not None:
        if v == target:
            out.add("at")
        if target - 1 <= v < target:
            out.add("below")
    return out


@dataclass
class Scored:
    """What a method makes of an applicable item whose values are all there: the deduction (for a
    bonus method: the bonus), the sentences saying why, template values for its 不良记录, and
    whether an assessor must still decide (待复核)."""

    amount: Decimal = ZERO
    reasons: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    pending: bool = False


class Validator(Protocol):
    """Load-time checks a method asks for; each problem is located at `loc` inside the rules file."""

    def condition(self, key: str, text: str, loc: tuple, record_list: str | None = None) -> None: ...

    def indicator(self, name: str, loc: tuple, allowed: tuple[str, ...], what: str) -> None: ...

    def cap(self, value: Decimal | None, points: Decimal, loc: tuple, label: str = "扣分上限") -> None: ...

    def error(self, loc: tuple, message: str) -> None: ...


class Scoring(Protocol):
    """What scoring knows about one submission, as a method may use it."""

    ruleset: Any
    submission: Any

    def holds(self, rule_id: str) -> bool: ...

    def record_hits(self, rule_id: str) -> list[int]: ...

    def unit_of(self, name: str, fallback: str) -> str: ...

    def show(self, name: str) -> str: ...

    def explain(self, rule_id: str) -> str: ...

    def write_bad_record(
        self, rule_id: str, standard: str, spec: BadRecordSpec, deduction: Decimal, fields: dict[str, str], note: str
    ) -> None: ...


# -- the interface ---------------------------------------------------------------------------------


class Method:
    """One 计分方式. Subclasses set `name` and `model` and override what their method does."""

    name: ClassVar[str]  # the 计分方式 as written in a rules file
    model: ClassVar[type[Model]]
    bonus: ClassVar[bool] = False  # a 加分项 method: `score` gives the amount added
    own_bad_records: ClassVar[bool] = False  # writes its 不良记录 itself (one per record), not per item

    def validate(self, item: Any, loc: tuple, v: Validator) -> None:
        """Load-time checks beyond the model: indicators named, conditions, caps."""

    def checks(self, item: Any, conditions: Mapping[str, Any]) -> list[Check]:
        """The conditions the engine evaluates for this item (none: nothing computable)."""
        return []

    def reads(self, item: Any) -> tuple[list[str], list[str]]:
        """(indicators the item reads directly, keys of the conditions it reads through)."""
        return [], [item.id]

    def score(self, item: Any, ctx: Scoring) -> Scored:
        """The deduction (bonus) of an applicable item whose values are all submitted."""
        raise NotImplementedError

    def limits(self, item: Any) -> list[str]:
        """The caps `assess explain` states under the arithmetic."""
        return []

    def label(self, item: Any, rule_id: str) -> str:
        """What a check of this item stands for, in `assess explain`."""
        return "条件"

    def tiers(self, item: Any) -> list[tuple[str, str]]:
        """Checks tried in order, the first that holds deciding: (rule id, how it reads)."""
        return []

    def boundary_needs(self, item: Any, indicators: Mapping[str, Any]) -> dict[str, str]:
        """Boundary kind → the test case it asks for (rules test coverage)."""
        return {}

    def boundaries(self, item: Any, values: Mapping[str, Any]) -> set[str]:
        """The boundary kinds a case's submitted values hit."""
        return set()
