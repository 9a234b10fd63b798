"""分档计分: bands tried in order, the first whose condition holds gives the score (3月1日前报送的得满分…)."""

from decimal import Decimal
from typing import Literal

from pydantic import Field

from engine.ruleset.methods.base import ItemBase, Method, Scored, condition_check, n, points_limit, q
from engine.ruleset.scalars import Model, Points, Text
from engine.ruleset.wording import sentence


class Band(Model):
    condition: Text = Field(alias="条件")
    score: Points = Field(alias="得分")


class Banded(ItemBase):
    method: Literal["分档计分"] = Field(alias="计分方式")
    bands: list[Band] = Field(alias="档次", min_length=1, max_length=20)
    otherwise: Points = Field(Decimal(0), alias="其余得分")


def _rid(item: Banded, k: int) -> str:
    return f"{item.id}#{k}"


class BandedMethod(Method):
    name = "分档计分"
    model = Banded

    def validate(self, item, loc, v):
        for k, band in enumerate(item.bands):
            v.condition(_rid(item, k + 1), band.condition, loc + ("档次", k, "条件"))
            v.cap(band.score, item.points, loc + ("档次", k, "得分"), "得分")
        v.cap(item.otherwise, item.points, loc + ("其余得分",), "其余得分")

    def checks(self, item, conditions):
        return [condition_check(_rid(item, k), item.id, conditions) for k in range(1, len(item.bands) + 1)]

    def reads(self, item):
        return [], [item.id] + [_rid(item, k) for k in range(1, len(item.bands) + 1)]

    def score(self, item, ctx):
        points = item.points
        for k, band in enumerate(item.bands, start=1):
            if ctx.holds(_rid(item, k)):
                d = q(points - band.score)
                if d == 0:
                    return Scored()
                # why not the band above (报送日期晚于3月1日) and why this one (不晚于3月31日)
                above = ctx.facts(_rid(item, k - 1)) if k > 1 else []
                told = sentence(above + ctx.facts(_rid(item, k)))
                return Scored(d, [f"{told}，属第{k}档，得{n(band.score)}分，扣{n(d)}分"])
        d = q(points - item.otherwise)
        told = sentence(ctx.facts(_rid(item, len(item.bands))))
        return Scored(d, [f"{told}，不符合任何得分档次，得{n(item.otherwise)}分，扣{n(d)}分"])

    def limits(self, item):
        return [points_limit(item.points)]

    def label(self, item, rule_id):
        k = int(rule_id.rsplit("#", 1)[1])
        return f"第{k}档（得{n(item.bands[k - 1].score)}分）"

    def tiers(self, item):
        return [(_rid(item, k), f"第{k}档") for k in range(1, len(item.bands) + 1)]


METHOD = BandedMethod()
