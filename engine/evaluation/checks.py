"""Compiling a checked ruleset into checks: each item becomes one or more conditions with a rule id.

An evaluator (durable_rules through durable/, or plain.py) decides which checks hold for a
submission; scoring turns that into points. Nothing here knows how an evaluator works.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.ruleset import conditions as expr
from engine.ruleset.model import (
    Banded,
    Conditional,
    ConditionalBonus,
    CountShortfall,
    Linear,
    PerEvent,
    PerEventBonus,
    PerRecord,
    RateShortfall,
    SubPoints,
)
from engine.ruleset.ruleset import Ruleset


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


@dataclass
class CompiledRuleset:
    """A ruleset's checks, ready for any evaluator (durable_rules, or the plain one in plain.py)."""

    ruleset: Ruleset
    checks: dict[str, Check]
    by_item: dict[str, list[Check]]

    @property
    def cache_key(self) -> str:
        return self.ruleset.sha256


def compile_ruleset(ruleset: Ruleset) -> CompiledRuleset:
    checks: list[Check] = []
    model = ruleset.model
    for entry in ruleset.entries:
        checks.extend(_item_checks(ruleset, entry.item))
    for bonus in model.bonuses:
        checks.extend(_item_checks(ruleset, bonus))
    for veto in model.vetoes:
        cond = ruleset.conditions.get(veto.id)
        node = cond.node if cond else None
        names = cond.names if cond else frozenset()
        checks.append(Check(veto.id, veto.id, node, names, veto.records))
    by_item: dict[str, list[Check]] = {}
    for check in checks:
        by_item.setdefault(check.item_id, []).append(check)
    return CompiledRuleset(ruleset, {c.rule_id: c for c in checks}, by_item)


def _gt_zero(name: str) -> expr.Node:
    return expr.Compare(">", expr.Name(name, 0), expr.Literal(Decimal(0), 0, "0"))


def _less(name: str, value: Decimal) -> expr.Node:
    return expr.Compare("<", expr.Name(name, 0), expr.Literal(value, 0, str(value)))


def _item_checks(ruleset: Ruleset, item: Any) -> list[Check]:
    conds = ruleset.conditions
    iid = item.id

    def simple(node: expr.Node, name: str) -> Check:
        return Check(iid, iid, node, frozenset({name}))

    if isinstance(item, (PerEvent, PerEventBonus)):
        return [simple(_gt_zero(item.count), item.count)]
    if isinstance(item, (CountShortfall, RateShortfall)):
        return [simple(_less(item.indicator, item.target), item.indicator)]
    if isinstance(item, Linear):
        op = "<" if item.full_at > item.zero_at else ">"
        node = expr.Compare(op, expr.Name(item.indicator, 0), expr.Literal(item.full_at, 0, str(item.full_at)))
        return [simple(node, item.indicator)]
    if isinstance(item, (Conditional, ConditionalBonus)):
        c = conds[iid]
        return [Check(iid, iid, c.node, c.names)]
    if isinstance(item, SubPoints):
        out = []
        for part in item.parts:
            rid = f"{iid}.{part.id}"
            if part.condition is not None:
                c = conds[rid]
                out.append(Check(rid, iid, c.node, c.names))
            else:
                out.append(Check(rid, iid, _gt_zero(part.count), frozenset({part.count})))
        return out
    if isinstance(item, Banded):
        out = []
        for n in range(len(item.bands)):
            rid = f"{iid}#{n + 1}"
            c = conds[rid]
            out.append(Check(rid, iid, c.node, c.names))
        return out
    if isinstance(item, PerRecord):
        c = conds.get(iid)
        return [Check(iid, iid, c.node if c else None, c.names if c else frozenset(), item.records)]
    return []  # 酌情扣分: no computable condition
