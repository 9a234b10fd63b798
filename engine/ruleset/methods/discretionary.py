"""酌情扣分: left to the assessor; 待复核 until a 复核 entry scores it (成效不明显的，酌情扣分)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from engine.ruleset.methods.base import ItemBase, Method, Scored


class Discretionary(ItemBase):
    method: Literal["酌情扣分"] = Field(alias="计分方式")


class DiscretionaryMethod(Method):
    name = "酌情扣分"
    model = Discretionary

    def score(self, item, ctx):
        return Scored(reasons=["酌情扣分项，须由评审人员复核赋分"], pending=True)


METHOD = DiscretionaryMethod()
