"""The checked ruleset: the rules file's model with its conditions parsed, located and type-checked."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from engine.documents.source import Document
from engine.errors import Location
from engine.ruleset import conditions as expr
from engine.ruleset.methods import method_of
from engine.ruleset.methods.base import ItemBase
from engine.ruleset.model import IndicatorSpec, RulesFile

MAX_BRANCHES = 62  # durable_rules allows 64 activations per fact; one is the sentinel rule


@dataclass(frozen=True)
class Condition:
    """A checked condition: source text, normalised tree, names read, where it was written."""

    text: str
    node: expr.Node  # normalised: negations pushed down, the indicator on the left
    names: frozenset[str]
    location: Location
    record_list: str | None = None
    written: expr.Node | None = None  # as the author wrote it, for explanations


@dataclass(frozen=True)
class ItemEntry:
    """An item with its place in the tree (一级/二级) and in the file."""

    item: ItemBase
    category1: str
    category2: str
    location: Location


@dataclass
class Ruleset:
    """A loaded, checked rules file."""

    file: str
    sha256: str
    model: RulesFile
    entries: list[ItemEntry]
    conditions: dict[str, Condition] = field(default_factory=dict)
    document: Document | None = field(default=None, repr=False)  # the parsed file, for locating
    sources: tuple[tuple[str, str], ...] = ()  # (file, sha256) of this file and every file it extends
    parent: Ruleset | None = field(default=None, repr=False)  # the ruleset this one extends (继承)

    @property
    def header(self):
        return self.model.header

    @property
    def indicators(self) -> dict[str, IndicatorSpec]:
        return self.model.indicators

    @cached_property
    def item_reads(self) -> dict[str, tuple[str, ...]]:
        """Indicator names each item, bonus and veto reads, in the order they are written."""
        return {key: tuple(names) for key, names in _reads(self).items()}

    def bands_for(self, unit_type: str):
        grades = self.model.header.grades
        return grades.get(unit_type) or grades["默认"]


def item_locs(model: RulesFile) -> Iterator[tuple[tuple, Any]]:
    for i, cat1 in enumerate(model.categories):
        for j, cat2 in enumerate(cat1.subcategories):
            for k, item in enumerate(cat2.items):
                yield ("评分细则", i, "二级指标", j, "评分项", k), item
    for k, bonus in enumerate(model.bonuses):
        yield ("加分项", k), bonus
    for k, veto in enumerate(model.vetoes):
        yield ("否决项", k), veto


def _reads(ruleset: Ruleset) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for where, item in item_locs(ruleset.model):
        if where[0] == "否决项":
            direct, keys = ([item.records] if item.records else []), [item.id]
        else:
            direct, keys = method_of(item).reads(item)
        names = dict.fromkeys(direct)
        for key in keys:
            cond = ruleset.conditions.get(key)
            if cond is not None and cond.record_list is None:
                for cmp in expr.comparisons(cond.written or cond.node):
                    for side in (cmp.left, cmp.right):
                        if isinstance(side, expr.Name):
                            names[side.name] = None
        out[item.id] = list(names)
    return out
