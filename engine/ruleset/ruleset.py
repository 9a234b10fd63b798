"""The checked ruleset: the rules file's model with its conditions parsed, located and type-checked."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
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
    loc: tuple = ()  # the path of the condition text in the rules document (to locate a part of it)


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
    outcome_conditions: dict[str, Condition] = field(default_factory=dict)  # 等次后果 id → its condition

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

    @cached_property
    def relative_dates(self) -> frozenset[expr.RelativeDate]:
        """Every date its conditions name by the 考核年度 (次年3月1日 …)."""
        return frozenset(d for c in self.conditions.values() for d in expr.relative_dates(c.node))

    @cached_property
    def fixed_dates(self) -> dict[str, tuple]:
        """Item id → the fixed (absolute) dates its conditions compare with, in the order written."""
        out: dict[str, list] = {}
        for key, cond in self.conditions.items():
            item = re.split(r"[.#]", key, maxsplit=1)[0]
            for cmp in expr.comparisons(cond.written or cond.node):
                for side in (cmp.left, cmp.right):
                    value = getattr(side, "value", None)
                    if isinstance(value, dt.date) and value not in out.setdefault(item, []):
                        out[item].append(value)
        return {item: tuple(dates) for item, dates in out.items() if dates}

    def dates_for(self, year: int) -> dict[str, expr.Value]:
        """Those dates for a submission of `year`, keyed as evaluators look them up (RelativeDate.key)."""
        return {d.key: d.on(year) for d in self.relative_dates}

    @cached_property
    def open_parts(self) -> frozenset[str]:
        """Rule ids of the assessor's parts of items (a 复核 may name them, with 扣分)."""
        return frozenset(rid for e in self.entries for rid in method_of(e.item).open_parts(e.item))

    @cached_property
    def review_ids(self) -> frozenset[str]:
        """What a 复核 may name: items, bonus items and the assessor's parts of items."""
        return frozenset(self.scored_ids) | self.open_parts

    @cached_property
    def review_limits(self) -> dict[str, Decimal]:
        """What a 复核 may name → the most it may give or take: an item's 分值, a part's cap."""
        out = {e.item.id: e.item.points for e in self.entries}
        out.update({b.id: b.points for b in self.model.bonuses})
        for e in self.entries:
            out.update(method_of(e.item).open_parts(e.item))
        return out

    @cached_property
    def scored_ids(self) -> tuple[str, ...]:
        """The ids of every item and bonus item, in the order they are written."""
        return tuple(e.item.id for e in self.entries) + tuple(b.id for b in self.model.bonuses)

    @cached_property
    def previous_specs(self) -> dict[str, IndicatorSpec]:
        """The year before's result as names item, veto and 等次后果 conditions may read (--history,
        model.PREVIOUS_WORDS), typed like indicators; a declared indicator of the same name wins.
        None depends on this year's result, so reading them in an item is not circular."""

        def spec(label: str, kind: str, unit: str | None = None, options: list | None = None) -> IndicatorSpec:
            # constructed, not validated: fixed and well-formed, and built for every ruleset loaded
            return IndicatorSpec.model_construct(label=label, type=kind, unit=unit, options=options)

        out = {
            "上年总分": spec("上年总分", "数值", "分"),
            "上年不良记录数": spec("上年不良记录数", "次数", "条"),
            "上年未整改不良记录数": spec("上年未整改不良记录数", "次数", "条"),
            "有上年结果": spec("是否有上年结果", "是否"),
        }
        if self.header.grade_words:
            out["上年等次"] = spec("上年等次", "选项", None, list(self.header.grade_words))
        for entry in self.entries:
            out[f"上年得分[{entry.item.id}]"] = spec(f"上年得分[{entry.item.id}]", "数值", "分")
        return {name: s for name, s in out.items() if name not in self.indicators}

    @cached_property
    def value_specs(self) -> dict[str, IndicatorSpec]:
        """Every name an item's condition may read: the indicators and the year before's result."""
        return {**self.previous_specs, **self.indicators}

    @cached_property
    def reads_previous(self) -> frozenset[str]:
        """The year-before names items and vetoes read (their values are added to the submission's)."""
        names = {n for c in self.conditions.values() if c.record_list is None for n in c.names}
        for where, item in item_locs(self.model):
            if where[0] != "否决项":
                names.update(method_of(item).reads(item)[0])
            bad = getattr(item, "bad_record", None)
            if bad:  # the 事项 of the 不良记录 it writes may name them too
                names.update(m.strip() for m in re.findall(r"\{([^{}]+)\}", bad.event))
        return frozenset(names & set(self.previous_specs))

    @cached_property
    def outcome_symbols(self) -> dict[str, expr.Symbol]:
        """The names an 等次后果 condition may read: this year's result and the year before's (OUTCOME_WORDS)."""
        number, grades = expr.Symbol(expr.NUMBER), expr.Symbol(expr.ENUM, tuple(self.header.grade_words))
        out = {name: _symbol(s) for name, s in self.previous_specs.items()}
        out.update({name: number for name in ("总分", "不良记录数", "较上年增减")})
        if self.header.grade_words:
            out["等次"] = grades
        for entry in self.entries:
            out[f"得分[{entry.item.id}]"] = number
        return out

    def bands_for(self, unit_type: str) -> dict[str, Any]:
        """Grade word → its lowest total, best first (empty when the ruleset has no grades)."""
        header = self.model.header
        bands = header.grades.get(unit_type) or header.grades.get("默认") or {}
        return {word: bands[word] for word in header.grade_words[:-1] if word in bands}


def _symbol(spec: IndicatorSpec) -> expr.Symbol:
    kinds = {"数值": expr.NUMBER, "次数": expr.NUMBER, "是否": expr.BOOL, "选项": expr.ENUM}
    return expr.Symbol(kinds[spec.type], tuple(spec.options or ()))


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
        # the year before's result is no indicator: never missing, never in the 申报数据 or the 填报表
        out[item.id] = [name for name in names if name not in ruleset.previous_specs]
    return out
