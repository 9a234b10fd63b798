"""What every scoring method (计分方式) is: the interface, the fields all items share, and the one
rounding and cap rule.

A method is one module in this package holding its pydantic model and a `Method` subclass. Nothing
here imports scoring, evaluation or tools: they call the registry (`methods.method_of`) and hand a
method what it needs through the small protocols below.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, ClassVar, Literal, Protocol

from pydantic import Field

from engine.documents.formats import ID_PATTERN, PART_ID_PATTERN
from engine.documents.numbers import format_decimal as n  # a number as it reads in a sentence
from engine.ruleset import conditions as expr
from engine.ruleset.scalars import Model, Name, Note, Points, Text

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


# -- the one rounding and cap rule -------------------------------------------------------------


def q(value: Decimal) -> Decimal:
    """Round to 2 places, half up (四舍五入, as Excel's ROUND; not Python's banker's rounding)."""
    return value.quantize(CENT, ROUND_HALF_UP)  # positional: half the cost of the keyword


def capped(raw: Decimal, cap: Decimal) -> Decimal:
    return min(q(raw), q(cap))


def cap_of(cap: Decimal | None, points: Decimal) -> Decimal:
    """The most a part may deduct: its 扣分上限 if given, never more than the item's 分值 (扣完为止)."""
    return min(cap if cap is not None else points, points)


STEP_ROUNDINGS = ("按实际", "按一步计", "不计")  # 不足一步的部分: proportional, a whole step, nothing


def counted_steps(gap: Decimal, step: Decimal, rounding: str) -> Decimal:
    """How many steps a gap counts for: 按实际 proportionally, 按一步计 a started step as whole
    (不足10个百分点按10个百分点计), 不计 only full steps (满10个百分点计)."""
    units = gap / step
    if rounding in ("按一步计", "按一个百分点计"):
        return Decimal(math.ceil(units))
    if rounding == "不计":
        return Decimal(math.floor(units))
    return units


def rounding_note(rounding: str, step: Decimal, steps: Decimal, unit: str) -> str:
    """How a gap was counted in steps, for the reason: "，不足10个百分点的部分不计，计为10个百分点"."""
    if rounding == "按实际":
        return "，按比例计"
    counted = n(steps * step)
    if rounding == "不计":
        return f"，不足{n(step)}{unit}的部分不计，计为{counted}{unit}"
    return f"，不足{n(step)}{unit}的部分按{n(step)}{unit}计，计为{counted}{unit}"


def cap_note(raw: Decimal, limit: Decimal, words: str = "以{}分为限") -> str:
    """The arithmetic past a cap, for the reason: "，计6分，以4分为限" (nothing within the cap)."""
    return f"，计{n(q(raw))}分，{words.format(n(limit))}" if raw > limit else ""


def check_steps(per_unit: Any, per_unit_key: str, step: Any, per_step: Any, step_rounding: Any, example: str) -> None:
    """A shortfall deducts per unit (每少一次扣分 / 每低一个百分点扣分) or per step (步长 + 每步扣分)."""
    if step is None:
        if per_step is not None or step_rounding is not None:
            raise ValueError("“每步扣分”“不足一步”须与“步长”同用")
        if per_unit is None:
            raise ValueError(f"须写“{per_unit_key}”，或“步长”+“每步扣分”（{example}）")
    else:
        if per_unit is not None:
            raise ValueError(f"写了“步长”就用“每步扣分”，不写“{per_unit_key}”")
        if per_step is None:
            raise ValueError(f"写了“步长”须有“每步扣分”（{example}）")


# -- fields every item shares ---------------------------------------------------------------------


class BadRecordSpec(Model):
    event: Text = Field(alias="事项", description="不良记录的事项，可用 {指标名} 或 {字段名} 插入申报值")
    severity: Literal["一般", "严重"] = Field("一般", alias="严重程度")
    consequence: Note | None = Field(None, alias="后果")


class ItemBase(Model):
    id: Annotated[str, Field(pattern=ID_PATTERN)] = Field(alias="编号")
    content: Text = Field(alias="考核内容")
    points: Points = Field(alias="分值", gt=0)
    standard: Text = Field(alias="评分标准")
    applies_to: list[Name] | None = Field(None, alias="适用单位")
    when_not_applicable: Literal["剔除折算", "按满分计"] | None = Field(None, alias="不适用时")
    bad_record: BadRecordSpec | None = Field(None, alias="不良记录")
    source: Note | None = Field(None, alias="数据来源")


class PartBase(Model):
    """A sub-item (子项) of a 分项扣分 item: one line on the sheet, rule id `item.id`.`编号`."""

    id: Annotated[str, Field(pattern=PART_ID_PATTERN, description="1～8 个字母或数字")] = Field(alias="编号")
    text: Text = Field(alias="说明")


class BonusBase(Model):
    id: Annotated[str, Field(pattern=ID_PATTERN)] = Field(alias="编号")
    content: Text = Field(alias="考核内容")
    points: Points = Field(alias="分值", gt=0, description="本项最多加分")
    standard: Text = Field(alias="评分标准")
    applies_to: list[Name] | None = Field(None, alias="适用单位")
    source: Note | None = Field(None, alias="数据来源")


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
    open: Decimal | None = None  # pending: the most a review may still deduct (None: all that is left)


class Validator(Protocol):
    """Load-time checks a method asks for; each problem is located at `loc` inside the rules file."""

    def condition(self, key: str, text: str, loc: tuple, record_list: str | None = None) -> None: ...

    def indicator(self, name: str, loc: tuple, allowed: tuple[str, ...], what: str) -> None: ...

    def cap(self, value: Decimal | None, points: Decimal, loc: tuple, label: str = "扣分上限") -> None: ...

    def error(self, loc: tuple, message: str, code: str = "rules.invalid", subject: str | None = None) -> None: ...


class Scoring(Protocol):
    """What scoring knows about one submission, as a method may use it."""

    ruleset: Any
    submission: Any

    def holds(self, rule_id: str) -> bool: ...

    def record_hits(self, rule_id: str) -> list[int]: ...

    def unit_of(self, name: str, fallback: str) -> str: ...

    def show(self, name: str) -> str: ...

    def told(self, rule_id: str) -> str: ...

    def facts(self, rule_id: str) -> list[Any]: ...

    def records_told(self, rule_id: str, list_name: str, hits: list[int]) -> tuple[str, list[str]]: ...

    def review_of(self, rule_id: str) -> Any: ...

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

    def quiet(self, item: Any) -> bool:
        """True when `score` gives nothing (no amount, no reasons, nothing pending) unless one of the
        item's checks fired, so scoring may skip it then (the tests compare with `score` each time)."""
        return False

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

    def open_parts(self, item: Any) -> dict[str, Decimal]:
        """Rule ids of parts an assessor decides on their own (a 复核 may name them) → the most each deducts."""
        return {}


class Part:
    """A form a 分项扣分 sub-item can take: a small item of another method, one line on the sheet."""

    name: ClassVar[str]  # the 计分方式 it borrows
    model: ClassVar[type[Model]]

    def validate(self, part: Any, rule_id: str, loc: tuple, points: Decimal, v: Validator) -> None:
        """Load-time checks; `points` is the item's 分值, `rule_id` the part's (conditions are kept by it)."""

    def check(self, part: Any, rule_id: str, item_id: str, conditions: Mapping[str, Any]) -> Check | None:
        """The check this part compiles to (None: nothing to evaluate)."""
        return None

    def reads(self, part: Any) -> list[str]:
        """Indicators the part reads directly (its condition's are found through the check)."""
        return []

    def score(self, part: Any, rule_id: str, points: Decimal, ctx: Scoring) -> Scored:
        """The part's deduction and its one line; `pending` with `open` for an assessor's part."""
        raise NotImplementedError

    def label(self, part: Any) -> str:
        """What the part's check stands for, in `assess explain`."""
        return f"子项 {part.id}：{part.text}"

    def open_cap(self, part: Any, points: Decimal) -> Decimal | None:
        """For an assessor's part: the most it may deduct; None for a computed part."""
        return None

    def quiet(self, part: Any) -> bool:
        """As Method.quiet, for the part: nothing unless its check fired."""
        return True


# -- below a target: 少于目标扣分 and 比率不足扣分 share everything but their sentence ------------------


class TargetMethod(Method):
    """An item that deducts when its indicator is below its target; a subclass gives the indicator
    types it accepts and `shortfall(spec, points, ctx) -> (deduction, sentence without 扣X分)`."""

    types: ClassVar[tuple[str, ...]]

    @staticmethod
    def shortfall(spec: Any, points: Decimal, ctx: Scoring) -> tuple[Decimal, str]:
        raise NotImplementedError

    def validate(self, item, loc, v):
        v.indicator(item.indicator, loc + ("指标",), self.types, "指标")
        v.cap(item.cap, item.points, loc + ("扣分上限",))

    def checks(self, item, conditions):
        return [simple_check(item.id, less(item.indicator, item.target), item.indicator)]

    def reads(self, item):
        return [item.indicator], [item.id]

    def score(self, item, ctx):
        if not ctx.holds(item.id):
            return Scored()
        d, text = self.shortfall(item, item.points, ctx)
        return Scored(d, [f"{text}，扣{n(d)}分"])

    def quiet(self, item):
        return True

    def limits(self, item):
        return [cap_limit(item.cap, item.points)]

    def label(self, item, rule_id):
        return DERIVED

    def boundary_needs(self, item, indicators):
        return target_needs(item.indicator, item.target, indicators)

    def boundaries(self, item, values):
        return target_boundaries(item.indicator, item.target, values)


class TargetPart(Part):
    """The same as a sub-item of a 分项扣分 item; the subclass gives `types` and `shortfall`."""

    types: ClassVar[tuple[str, ...]]

    @staticmethod
    def shortfall(spec: Any, points: Decimal, ctx: Scoring) -> tuple[Decimal, str]:
        raise NotImplementedError

    def validate(self, part, rule_id, loc, points, v):
        v.indicator(part.indicator, loc + ("指标",), self.types, "指标")
        v.cap(part.cap, points, loc + ("扣分上限",))

    def check(self, part, rule_id, item_id, conditions):
        return Check(rule_id, item_id, less(part.indicator, part.target), frozenset({part.indicator}))

    def reads(self, part):
        return [part.indicator]

    def score(self, part, rule_id, points, ctx):
        if not ctx.holds(rule_id):
            return Scored()
        d, text = self.shortfall(part, points, ctx)
        return Scored(d, [f"{part.text}：{text}，扣{n(d)}分"])
