"""Compiling a checked ruleset into checks: each item becomes one or more conditions with a rule id.

An evaluator (durable_rules through durable/, or plain.py) decides which checks hold for a
submission; scoring turns that into points. Nothing here knows how an evaluator works.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.ruleset.methods import method_of
from engine.ruleset.methods.base import Check
from engine.ruleset.ruleset import Ruleset

__all__ = ["Check", "CompiledRuleset", "compile_outcomes", "compile_ruleset"]


@dataclass
class CompiledRuleset:
    """A ruleset's checks, ready for any evaluator (durable_rules, or the plain one in plain.py)."""

    ruleset: Ruleset
    checks: dict[str, Check]
    by_item: dict[str, list[Check]]
    names: tuple[str, ...] = ()  # the fact names, when they are not the ruleset's indicators (等次后果)

    @property
    def cache_key(self) -> str:
        return self.ruleset.sha256 + (":等次后果" if self.names else "")


def compile_ruleset(ruleset: Ruleset) -> CompiledRuleset:
    checks: list[Check] = []
    model = ruleset.model
    for item in [e.item for e in ruleset.entries] + list(model.bonuses):
        checks.extend(method_of(item).checks(item, ruleset.conditions))
    for veto in model.vetoes:
        cond = ruleset.conditions.get(veto.id)
        node = cond.node if cond else None
        names = cond.names if cond else frozenset()
        checks.append(Check(veto.id, veto.id, node, names, veto.records))
    by_item: dict[str, list[Check]] = {}
    for check in checks:
        by_item.setdefault(check.item_id, []).append(check)
    return CompiledRuleset(ruleset, {c.rule_id: c for c in checks}, by_item)


def compile_outcomes(ruleset: Ruleset) -> CompiledRuleset | None:
    """The 等次后果 as checks over the result's own names (Ruleset.outcome_symbols); None when there are none."""
    conds = ruleset.outcome_conditions
    if not conds:
        return None
    checks = {key: Check(key, key, cond.node, cond.names) for key, cond in conds.items()}
    return CompiledRuleset(ruleset, checks, {key: [c] for key, c in checks.items()}, tuple(ruleset.outcome_symbols))
