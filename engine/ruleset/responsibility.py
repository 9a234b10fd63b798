"""The 分工表 beside a ruleset (`X.分工.yaml`): plan tasks, their 牵头/配合 units, the items behind them.

A district's plan (规划, 实施方案) gives each task a lead unit and partner units; the map names, for
each task, the 评分项 it sits behind. Loaded like a rules file: every problem at its line:col.
Units named two ways (“法制办” and “区法制办”) are warnings at their place, not errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError

from engine.documents.hints import did_you_mean
from engine.documents.messages import problems_from
from engine.documents.source import Document, load_document
from engine.errors import ErrorList, Location, Problem, RulesError
from engine.result import AssessmentResult, Responsible
from engine.ruleset.folders import MAP_SUFFIX, is_map_file, lineage, map_beside, map_for  # noqa: F401  (moved there)
from engine.ruleset.methods.base import q
from engine.ruleset.ruleset import Ruleset
from engine.ruleset.scalars import Model, Text

UNASSIGNED = "（未对应规划任务）"  # the department line of deductions no task is behind
ANY_PARTNER = ("各有关部门", "有关部门", "各相关部门")  # a plan's “各有关部门配合”: no department to charge

Share = Annotated[Decimal, Field(ge=0, le=1, allow_inf_nan=False)]


class Header(Model):
    ruleset: Text = Field(alias="规则集", description="the 编号 of the ruleset whose 评分项 the tasks sit behind")
    units: list[Text] = Field(alias="适用单位", min_length=1, description="the assessed units this plan is theirs")
    plan: Text | None = Field(None, alias="规划", description="the plan's title and 文号")
    partner_share: Share = Field(
        Decimal(0), alias="配合扣分比例", description="share of a task's lost points each partner bears (0–1)"
    )


class Task(Model):
    id: Text = Field(alias="编号")
    name: Text = Field(alias="名称")
    leads: list[Text] = Field(alias="牵头", min_length=1)
    partners: list[Text] = Field(default_factory=list, alias="配合")
    source: Text = Field(alias="出处", description="the plan file and line, e.g. 规划.txt:79")
    items: list[Text] = Field(default_factory=list, alias="评分项")


class MapFile(Model):
    header: Header = Field(alias="分工")
    tasks: list[Task] = Field(alias="任务", min_length=1)


@dataclass(frozen=True)
class ResponsibilityMap:
    file: str
    header: Header
    tasks: list[Task]
    warnings: list[Problem] = field(default_factory=list)
    units_at: Location | None = None  # where 适用单位 is written
    sha256: str = ""  # of the file's bytes, recorded in the scoresheet's 审计信息

    def applies_to(self, unit: str) -> bool:
        return unit in self.header.units

    def tasks_of(self, rule_id: str) -> list[Task]:
        """The tasks behind an item; a 分项扣分 line (ZZ-01.a) is behind its item's tasks too."""
        return [t for t in self.tasks if rule_id in t.items or rule_id.split(".")[0] in t.items]


def load_map(path: Path | str, ruleset: Ruleset | None = None) -> ResponsibilityMap:
    """Load and check a 分工表 (against `ruleset` when given), or raise RulesError listing every problem."""
    doc = load_document(path, RulesError)
    if not isinstance(doc.data, dict):
        raise RulesError(Problem(doc.locate(()), "分工表的顶层应为键值表（分工、任务）", "map.invalid"))
    try:
        model = MapFile.model_validate(doc.data)
    except ValidationError as exc:
        words = [f.alias for m in (MapFile, Header, Task) for f in m.model_fields.values() if f.alias]
        raise RulesError(problems_from(exc, doc.file, doc.data, words, model=MapFile)) from None
    errors = ErrorList()
    _check_tasks(model, doc, ruleset, errors)
    if errors:
        raise RulesError(errors.problems)
    units_at = doc.locate(("分工", "适用单位"))
    return ResponsibilityMap(doc.file, model.header, model.tasks, _naming_warnings(model, doc), units_at, doc.sha256)


def _check_tasks(model: MapFile, doc: Document, ruleset: Ruleset | None, errors: ErrorList) -> None:
    seen: dict[str, int] = {}
    for n, task in enumerate(model.tasks):
        if task.id in seen:
            message = f"任务编号 “{task.id}” 与第 {seen[task.id] + 1} 个任务重复"
            errors.add(doc.locate(("任务", n, "编号")), message, "map.duplicate-task", task.id)
        seen.setdefault(task.id, n)
    if ruleset is None:
        return
    ids = [rs.header.id for rs in lineage(ruleset)]
    if model.header.ruleset not in ids:  # a ruleset that extends the map's keeps its items (checked below)
        inherits = f"（继承 {'、'.join(ids[1:])}）" if len(ids) > 1 else ""
        message = (
            f"分工表针对规则集 “{model.header.ruleset}”，而所用规则集为 “{ruleset.header.id}”{inherits}，"
            "也未继承它；请换用针对所用规则集的分工表"
        )
        errors.add(doc.locate(("分工", "规则集")), message, "map.wrong-ruleset", model.header.ruleset)
    known = list(ruleset.scored_ids)
    for n, task in enumerate(model.tasks):
        for k, item in enumerate(task.items):
            if item not in known:
                message = f"规则集 {ruleset.header.id} 没有评分项 “{item}”{did_you_mean(item, known)}"
                errors.add(doc.locate(("任务", n, "评分项", k)), message, "map.unknown-item", item)


def _naming_warnings(model: MapFile, doc: Document) -> list[Problem]:
    """A unit written both with and without the district's “区” (法制办 / 区法制办) is one unit named two ways."""
    names: dict[str, tuple] = {}
    for n, task in enumerate(model.tasks):
        for key, units in (("牵头", task.leads), ("配合", task.partners)):
            for k, unit in enumerate(units):
                names.setdefault(unit, ("任务", n, key, k))
    out = []
    for unit, loc in names.items():
        full = "区" + unit
        if not unit.startswith("区") and full in names:
            message = f"“{unit}” 与 “{full}” 应是同一单位，请统一写法（否则分别统计）"
            out.append(Problem(doc.locate(loc), message, "map.unit-named-twice", unit))
    return out


# -- the result: who owns each deduction, and each department's share -----------------------------


def with_responsible(result: AssessmentResult, mapping: ResponsibilityMap) -> AssessmentResult:
    """The result with each item's tasks and units, when the map is the unit's."""
    if not mapping.applies_to(result.unit):
        return result
    items = [
        i.model_copy(update={"responsible": [_responsible(t) for t in mapping.tasks_of(i.rule_id)]})
        for i in result.items
    ]
    audit = result.audit.model_copy(
        update={"responsibility_file": Path(mapping.file).name, "responsibility_sha256": mapping.sha256}
    )
    return result.model_copy(
        update={
            "items": items,
            "responsibility_map": Path(mapping.file).name,
            "partner_share": mapping.header.partner_share,
            "audit": audit,
        }
    )


def _responsible(task: Task) -> Responsible:
    return Responsible(task=task.id, name=task.name, leads=task.leads, partners=task.partners, source=task.source)


@dataclass(frozen=True)
class DepartmentShare:
    """One department's part of one unit's lost points."""

    unit: str
    department: str
    as_lead: Decimal  # points lost on tasks it leads, each task's loss split among its leads
    as_partner: Decimal  # points lost on tasks it supports × 配合扣分比例
    tasks: list[str]
    items: list[str]

    @property
    def total(self) -> Decimal:
        return self.as_lead + self.as_partner


def shares(result: AssessmentResult) -> list[DepartmentShare]:
    """Each department's share of the unit's deductions, largest first.

    An item's deduction is split equally among the tasks behind it; a task's part is split equally
    among its leads; each named partner bears the map's 配合扣分比例 of the task's part (各有关部门 bears none).
    Sums are exact fractions, rounded to 0.01 at the end. Deductions no task is behind come last,
    as department UNASSIGNED.
    """
    lead: dict[str, Fraction] = {}
    partner: dict[str, Fraction] = {}
    partner_share = result.partner_share
    tasks: dict[str, list[str]] = {}
    items: dict[str, list[str]] = {}
    for item in result.items:
        if item.deduction <= 0:
            continue
        if not item.responsible:
            lead[UNASSIGNED] = lead.get(UNASSIGNED, Fraction(0)) + Fraction(item.deduction)
            _note(tasks, items, UNASSIGNED, "", item.rule_id)
            continue
        part = Fraction(item.deduction) / len(item.responsible)
        for r in item.responsible:
            for unit in r.leads:
                lead[unit] = lead.get(unit, Fraction(0)) + part / len(r.leads)
                _note(tasks, items, unit, r.task, item.rule_id)
            for unit in r.partners:
                if unit in ANY_PARTNER or partner_share == 0:
                    continue
                partner[unit] = partner.get(unit, Fraction(0)) + part * Fraction(partner_share)
                _note(tasks, items, unit, r.task, item.rule_id)
    out = [
        DepartmentShare(
            result.unit,
            unit,
            _cents(lead.get(unit, Fraction(0))),
            _cents(partner.get(unit, Fraction(0))),
            tasks[unit],
            items[unit],
        )
        for unit in tasks
    ]
    return sorted(out, key=lambda s: (s.department == UNASSIGNED, -s.total, s.department))


def _note(tasks: dict, items: dict, unit: str, task: str, rule_id: str) -> None:
    if task not in tasks.setdefault(unit, []) and task:
        tasks[unit].append(task)
    if rule_id not in items.setdefault(unit, []):
        items[unit].append(rule_id)


def _cents(value: Fraction) -> Decimal:
    return q(Decimal(value.numerator) / Decimal(value.denominator))
