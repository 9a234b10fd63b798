"""A compiled ruleset as durable_rules programs: partitions within durable's limits, fact keys, JSON rules.

Checks are packed into *partitions* (one durable ruleset each) so that no fact can exceed the
engine's hard limits: at most `MAX_BRANCHES` activations per fact (plus the sentinel) and at
most `MAX_FIELDS` properties per fact. Records of a list are asserted one fact per record into
that list's own partitions. Values are encoded so that durable compares them exactly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.errors import EngineError
from engine.evaluation.checks import Check, CompiledRuleset
from engine.ruleset import conditions as expr
from engine.ruleset.ruleset import MAX_BRANCHES

MAX_FIELDS = 200  # durable_rules fails at 253 properties per message; leave room for _k, _fid, sid


@dataclass
class Partition:
    """A group of checks compiled into one durable ruleset, fed one kind of fact."""

    index: int
    record_list: str | None
    checks: list[Check] = field(default_factory=list)
    names: set[str] = field(default_factory=set)

    @property
    def branches(self) -> int:
        return sum(c.branches for c in self.checks)

    @property
    def kind(self) -> str:
        return f"s:rec:{self.record_list}" if self.record_list else "s:ind"


@dataclass
class Program:
    """What durable_rules runs for one compiled ruleset."""

    compiled: CompiledRuleset
    partitions: list[Partition]
    keys: dict[str, str]  # indicator name → fact key
    field_keys: dict[str, dict[str, str]]  # record list → field name → fact key

    def definitions(self, prefix: str) -> dict[str, dict[str, Any]]:
        """durable_rules ruleset definitions, one per partition, named `{prefix}_{index}`."""
        out: dict[str, dict[str, Any]] = {}
        for part in self.partitions:
            keys = self.field_keys[part.record_list] if part.record_list else self.keys
            rules: dict[str, Any] = {}
            for n, check in enumerate(part.checks):
                cond = {"$ex": {"_fid": 1}} if check.node is None else to_durable(check.node, keys)
                rules[f"r{n}"] = {"all": [{"m": {"$and": [{"_k": part.kind}, cond]}}], "run": f"fire:{check.rule_id}"}
            # the sentinel handles every fact, so no assertion is ever "unhandled" (a crash path)
            rules["sentinel"] = {"all": [{"m": {"$and": [{"_k": part.kind}, {"$ex": {"_fid": 1}}]}}], "run": "sentinel"}
            out[f"{prefix}_{part.index}"] = rules
        return out


def build_program(compiled: CompiledRuleset) -> Program:
    indicators = compiled.ruleset.model.indicators
    # a relative date (次年3月1日) is compared as a value of the fact: the assessment supplies it,
    # resolved for the submission's year, under its key (RelativeDate.key)
    dates = {d.key: f"d{n}" for n, d in enumerate(sorted(compiled.ruleset.relative_dates, key=str))}
    # 等次后果 read the result's names, not the indicators; items may read the year before's result too
    names = compiled.names or [*indicators, *compiled.ruleset.previous_specs]
    keys = {**{name: f"v{n}" for n, name in enumerate(names)}, **dates}
    field_keys = {
        name: {**{f: f"f{n}" for n, f in enumerate(spec.fields or {})}, **dates}
        for name, spec in indicators.items()
        if spec.type == "记录列表"
    }
    return Program(compiled, _partition(list(compiled.checks.values())), keys, field_keys)


def _reads(check: Check) -> frozenset[str]:
    """The fact values a check compares: its names and the relative dates it uses."""
    return check.names | {d.key for d in expr.relative_dates(check.node)}


def _partition(checks: list[Check]) -> list[Partition]:
    parts: list[Partition] = []
    open_by_list: dict[str | None, Partition] = {}
    for check in checks:
        current = open_by_list.get(check.record_list)
        if current is not None:
            fits = (
                current.branches + check.branches <= MAX_BRANCHES and len(current.names | _reads(check)) <= MAX_FIELDS
            )
            if not fits:
                current = None
        if current is None:
            current = Partition(len(parts), check.record_list)
            parts.append(current)
            open_by_list[check.record_list] = current
        current.checks.append(check)
        current.names |= _reads(check)
    return parts


MAX_ENCODED = 2**63 - 1  # durable compares JSON integers as signed 64-bit integers


def encode(value: expr.Value) -> Any:
    """A value as durable_rules sees it.

    Text is prefixed so durable never compares it as a number ("50" < 60 is true in durable);
    dates become day numbers; yes/no becomes 1/0. Numbers become exact integers in millionths:
    durable compares floats as doubles (80 < 80.0000000000000001 is false there) and its JSON
    parser fails on exponent notation (Python writes 0.000001 as 1e-06: error 204), while its
    64-bit integer comparison is exact. The scoring itself never sees these values.
    """
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, Decimal):
        scaled = value.scaleb(expr.MAX_DECIMALS)
        if scaled != scaled.to_integral_value() or abs(scaled) > MAX_ENCODED:
            # validation keeps every number to 6 decimals and 10^12; this is the last line
            raise EngineError(f"内部错误：数值 {value} 超出规则引擎的精确比较范围")
        return int(scaled)
    if isinstance(value, dt.date):
        return value.toordinal()
    return "s:" + str(value)


_DURABLE_OPS = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}


def to_durable(node: expr.Node, keys: dict[str, str]) -> dict[str, Any]:
    if isinstance(node, expr.And):
        return {"$and": [to_durable(i, keys) for i in node.items]}
    if isinstance(node, expr.Or):
        return {"$or": [to_durable(i, keys) for i in node.items]}
    if isinstance(node, expr.Not):
        return to_durable(expr.normalize(node), keys)
    left = node.left
    assert isinstance(left, expr.Name), "normalised comparisons have the indicator on the left"
    key = keys[left.name]
    right: Any
    other = _other_key(node.right)
    if other is not None:
        right = {"$m": keys[other]}
    else:
        right = encode(node.right.value)
    test = {key: right} if node.op == "==" else {_DURABLE_OPS[node.op]: {key: right}}
    if other is not None:
        # durable holds `a < $m(b)` (any operator) when b is missing; a missing name must make
        # the comparison false, as it does against a literal
        return {"$and": [{"$ex": {keys[other]: 1}}, test]}
    return test


def _other_key(side: expr.Operand) -> str | None:
    """The fact value the right-hand side is: another indicator, or a relative date; None for a literal."""
    if isinstance(side, expr.Name):
        return side.name
    if isinstance(side.value, expr.RelativeDate):
        return side.value.key
    return None


def fact_values(values: dict[str, expr.Value], keys: dict[str, str], names: set[str]) -> dict[str, Any]:
    return {keys[n]: encode(values[n]) for n in names if n in values}
