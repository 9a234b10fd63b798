"""One module per scoring method (计分方式), and the registry keyed by it.

base (the interface `Method`, the fields every item shares, the one rounding and cap rule) ·
per_event 按件扣分 · count_shortfall 少于目标扣分 · rate_shortfall 比率不足扣分 · conditional 条件扣分 ·
sub_points 分项扣分 · banded 分档计分 · linear 线性计分 · per_record 逐条扣分 · discretionary 酌情扣分 ·
conditional_bonus 条件加分 · per_event_bonus 按件加分.

A method module holds its pydantic model and a `Method` subclass: load-time checks, the checks it
compiles to, its arithmetic and sentences, what `assess explain` says of its caps and checks, and the
boundaries `rules test` asks cases for. Adding a method: one module, listed below, and its cases in
tests/methods/<计分方式>.yaml. Scoring, compiling, explaining and coverage call `method_of`.
"""

from typing import Any

from engine.ruleset.methods import (
    banded,
    conditional,
    conditional_bonus,
    count_shortfall,
    discretionary,
    linear,
    per_event,
    per_event_bonus,
    per_record,
    rate_shortfall,
    sub_points,
)
from engine.ruleset.methods.base import Method

_ALL = (
    per_event,
    count_shortfall,
    rate_shortfall,
    conditional,
    sub_points,
    banded,
    linear,
    per_record,
    discretionary,
    conditional_bonus,
    per_event_bonus,
)  # the order the rules schema lists them in

METHODS: dict[str, Method] = {module.METHOD.name: module.METHOD for module in _ALL}
ITEM_MODELS = tuple(m.model for m in METHODS.values() if not m.bonus)
BONUS_MODELS = tuple(m.model for m in METHODS.values() if m.bonus)


def method_of(item: Any) -> Method:
    """The method of an item or bonus item (by its 计分方式)."""
    return METHODS[item.method]
