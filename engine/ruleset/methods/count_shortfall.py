"""少于目标扣分: a count below its target deducts per missing unit (专题学法不少于6次，每少一次扣0.3分),
or per step (每少3次扣1分, 不足一步 按实际/按一步计/不计); also a 分项扣分 sub-item."""

from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from engine.ruleset.methods.base import (
    STEP_ROUNDINGS,
    ItemBase,
    PartBase,
    TargetMethod,
    TargetPart,
    cap_note,
    cap_of,
    capped,
    check_steps,
    counted_steps,
    n,
    rounding_note,
)
from engine.ruleset.scalars import IndicatorName, Number, Points

_EXAMPLE = "如 每少3次扣1分：步长 3，每步扣分 1"


class _Shortfall:
    """The keys a count shortfall has, as a whole item or as a sub-item."""

    method: Literal["少于目标扣分"] = Field(alias="计分方式")
    indicator: IndicatorName = Field(alias="指标")
    target: Number = Field(alias="目标")
    per_unit: Points | None = Field(None, alias="每少一次扣分", gt=0)
    step: Number | None = Field(None, alias="步长", gt=0, description="每少多少扣一次分，如 每少3次扣1分 的 3")
    per_step: Points | None = Field(None, alias="每步扣分", gt=0, description="每少一个步长扣多少分")
    step_rounding: Literal[STEP_ROUNDINGS] | None = Field(  # type: ignore[valid-type]
        None, alias="不足一步", description="不足一个步长的部分：按实际（按比例）、按一步计、不计"
    )
    cap: Points | None = Field(None, alias="扣分上限")

    @model_validator(mode="after")
    def _per_unit_or_step(self):
        check_steps(self.per_unit, "每少一次扣分", self.step, self.per_step, self.step_rounding, _EXAMPLE)
        return self


class CountShortfall(_Shortfall, ItemBase):
    pass


class CountShortfallPart(_Shortfall, PartBase):
    pass


def shortfall(spec, points: Decimal, ctx) -> tuple[Decimal, str]:
    """(deduction, the sentence without its final 扣X分) of a count shortfall that holds."""
    value = ctx.submission.values[spec.indicator]
    limit = cap_of(spec.cap, points)
    gap = spec.target - value
    counts = ctx.ruleset.indicators[spec.indicator].type == "次数"
    unit = ctx.unit_of(spec.indicator, "次" if counts else "")
    fewer = "少" if counts else "低"
    head = f"{spec.indicator}{ctx.show(spec.indicator)}，{fewer}于{n(spec.target)}{unit}（差{n(gap)}{unit}）"
    if spec.step is None:
        raw = gap * spec.per_unit
        text = f"{head}，每{fewer}1{unit}扣{n(spec.per_unit)}分"
    else:
        rounding = spec.step_rounding or "按实际"
        steps = counted_steps(gap, spec.step, rounding)
        raw = steps * spec.per_step
        text = f"{head}，每{fewer}{n(spec.step)}{unit}扣{n(spec.per_step)}分"
        text += rounding_note(rounding, spec.step, steps, unit)
    return capped(raw, limit), text + cap_note(raw, limit)


class CountShortfallMethod(TargetMethod):
    name = "少于目标扣分"
    model = CountShortfall
    types = ("次数", "数值")
    shortfall = staticmethod(shortfall)


class CountShortfallPartForm(TargetPart):
    name = "少于目标扣分"
    model = CountShortfallPart
    types = ("次数", "数值")
    shortfall = staticmethod(shortfall)


METHOD = CountShortfallMethod()
PART = CountShortfallPartForm()
