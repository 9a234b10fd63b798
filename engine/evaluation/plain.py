"""A plain-Python evaluator of the compiled checks: the differential oracle for durable_rules.

It reads the same `Check` objects the compiler hands to durable_rules and decides which hold,
without durable's encoding, partitions or sessions, so a disagreement between the two points at
a bug in one of them. Semantics, the same as durable's on the normalised conditions:

- a comparison that reads a name the fact does not carry is false (durable never matches a
  missing field, `!=` included), so `a > 0 或 b > 0` holds on `a` alone when `b` is missing;
- a record check without a condition holds for every record; record checks are evaluated per
  record and fire as (rule id, 1-based record number), indicator checks as (rule id, 0).

`assess(..., firings=oracle_firings)` runs the whole assessment with these firings in place of durable's.
"""

from __future__ import annotations

from engine.evaluation.checks import Check, CompiledRuleset
from engine.ruleset import conditions as expr

Firing = tuple[str, int]


def check_holds(check: Check, values: dict[str, expr.Value]) -> bool:
    return check.node is None or expr.holds(check.node, values)  # a missing name: false (module doc)


def oracle_firings(
    compiled: CompiledRuleset,
    values: dict[str, expr.Value],
    records: dict[str, list[dict[str, expr.Value]]],
) -> set[Firing]:
    """The (rule id, fact id) pairs that should fire: fact 0 is the indicators, n the n-th record."""
    fired: set[Firing] = set()
    for check in compiled.checks.values():
        if check.record_list is None:
            if check_holds(check, values):
                fired.add((check.rule_id, 0))
            continue
        for number, record in enumerate(records.get(check.record_list, []), start=1):
            if check_holds(check, record):
                fired.add((check.rule_id, number))
    return fired
