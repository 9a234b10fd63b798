"""比率不足扣分: a rate below its target deducts per percentage point (备案率须达100%，每低1个百分点扣0.5分),
or per step (每低10个百分点扣1分, 不足一步 按实际/按一步计/不计); also a 分项扣分 sub-item."""

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

_EXAMPLE = "如 每低10个百分点扣1分：步长 10，每步扣分 1"


class _RateShortfall:
    """The keys a rate shortfall has, as a whole item or as a sub-item."""

    method: Literal["比率不足扣分"] = Field(alias="计分方式")
    indicator: IndicatorName = Field(alias="指标")
    target: Number = Field(Decimal(100), alias="目标")
    per_point: Points | None = Field(None, alias="每低一个百分点扣分", gt=0)
    partial: Literal["按实际", "按一个百分点计", "不计"] | None = Field(
        None, alias="不足一个百分点", description="不足1个百分点的部分：按实际（缺省）、按一个百分点计、不计"
    )
    step: Number | None = Field(
        None, alias="步长", gt=0, description="每低多少个百分点扣一次分，如 每低10个百分点 的 10"
    )
    per_step: Points | None = Field(None, alias="每步扣分", gt=0, description="每低一个步长扣多少分")
    step_rounding: Literal[STEP_ROUNDINGS] | None = Field(  # type: ignore[valid-type]
        None, alias="不足一步", description="不足一个步长的部分：按实际（按比例，缺省）、按一步计、不计"
    )
    cap: Points | None = Field(None, alias="扣分上限")

    @model_validator(mode="after")
    def _per_point_or_step(self):
        check_steps(self.per_point, "每低一个百分点扣分", self.step, self.per_step, self.step_rounding, _EXAMPLE)
        if self.step is not None and self.partial is not None:
            raise ValueError("写了“步长”就用“不足一步”，不写“不足一个百分点”")
        return self


class RateShortfall(_RateShortfall, ItemBase):
    pass


class RateShortfallPart(_RateShortfall, PartBase):
    pass


def shortfall(spec, points: Decimal, ctx) -> tuple[Decimal, str]:
    """(deduction, the sentence without its final 扣X分) of a rate shortfall that holds."""
    value = ctx.submission.values[spec.indicator]
    limit = cap_of(spec.cap, points)
    gap = spec.target - value
    head = f"{spec.indicator}{ctx.show(spec.indicator)}，低于{n(spec.target)}%（差{n(gap)}个百分点）"
    if spec.step is None:
        partial = spec.partial or "按实际"
        counted_gap = counted_steps(gap, Decimal(1), partial)
        raw = counted_gap * spec.per_point
        text = f"{head}，每低1个百分点扣{n(spec.per_point)}分"
        if counted_gap != gap:
            text += rounding_note(partial, Decimal(1), counted_gap, "个百分点")
    else:
        rounding = spec.step_rounding or "按实际"
        steps = counted_steps(gap, spec.step, rounding)
        raw = steps * spec.per_step
        text = f"{head}，每低{n(spec.step)}个百分点扣{n(spec.per_step)}分"
        text += rounding_note(rounding, spec.step, steps, "个百分点")
    return capped(raw, limit), text + cap_note(raw, limit)


class RateShortfallMethod(TargetMethod):
    name = "比率不足扣分"
    model = RateShortfall
    types = ("百分比", "数值")
    shortfall = staticmethod(shortfall)


class RateShortfallPartForm(TargetPart):
    name = "比率不足扣分"
    model = RateShortfallPart
    types = ("百分比", "数值")
    shortfall = staticmethod(shortfall)


METHOD = RateShortfallMethod()
PART = RateShortfallPartForm()
