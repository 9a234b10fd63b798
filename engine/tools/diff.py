"""What changed between two rules files (`assess rules diff OLD NEW`).

Items are matched by 编号; an item whose 编号 changed but whose 考核内容 and 计分方式 did not is
reported as renumbered rather than removed and added. Every field is compared by its Chinese
key, so a change reads the way policy staff wrote it: "ZD-02 每低一个百分点扣分：0.5 → 1".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from engine.documents.numbers import format_decimal
from engine.ruleset.ruleset import Ruleset


@dataclass(frozen=True)
class Change:
    kind: str  # 新增 删除 更名 编号变更 修改
    section: str  # 规则集 指标 评分项 加分项 否决项 等次后果
    key: str  # item id or indicator name (or header key)
    label: str  # 考核内容 / indicator label
    field: str = ""  # the changed key, e.g. 分值, 适用单位, 档次
    old: str = ""
    new: str = ""

    def __str__(self) -> str:
        head = f"［{self.kind}］{self.section} {self.key}"
        if self.label:
            head += f"（{self.label}）"
        if self.kind == "修改":
            return f"{head} {self.field}：{self.old or '（无）'} → {self.new or '（无）'}"
        if self.kind in ("更名", "编号变更"):
            return f"{head}：{self.old} → {self.new}"
        return head


SHORT_LIST = 40  # a list of plain values this wide or less stays on one line


def show(value: Any) -> str:
    """A value as the rules file has it, laid out to be read: a list of entries (档次, 子项) one line
    each, a long list one value a line, an entry as “键：值，键：值”.

    The one place a value becomes text: conditions appear as written until a renderer in words
    replaces this (every cell and line of the diff goes through it)."""
    if isinstance(value, (list, tuple)):
        if any(isinstance(v, (BaseModel, dict)) for v in value):
            return "\n".join(f"{n}. {_inline(v)}" for n, v in enumerate(value, start=1))
        parts = [_inline(v) for v in value]
        joined = "、".join(parts)
        return joined if len(joined) <= SHORT_LIST else "\n".join(parts)
    if isinstance(value, dict):
        return "\n".join(f"{k}：{_inline(v)}" for k, v in value.items())
    return _inline(value)


def _inline(value: Any) -> str:
    """A value on one line: an entry as “键：值，键：值”, a list as “a、b”."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, BaseModel):
        parts = []
        for name, f in type(value).model_fields.items():
            v = getattr(value, name)
            if v is not None and v != f.default:
                parts.append(f"{f.alias or name}：{_inline(v)}")
        return "，".join(parts)
    if isinstance(value, (list, tuple)):
        return "、".join(_inline(v) for v in value)
    if isinstance(value, dict):
        return "，".join(f"{k}：{_inline(v)}" for k, v in value.items())
    return str(value)


def _fields(old: BaseModel, new: BaseModel, skip: set[str]) -> list[tuple[str, str, str]]:
    """(Chinese key, old, new) for every field that differs, the fields of both models' union."""
    out = []
    names = list(type(old).model_fields) + [n for n in type(new).model_fields if n not in type(old).model_fields]
    for name in names:
        f = type(new).model_fields.get(name) or type(old).model_fields[name]
        label = f.alias or name
        if label in skip:
            continue
        a, b = show(getattr(old, name, None)), show(getattr(new, name, None))
        if a != b:
            out.append((label, a, b))
    return out


def _items(ruleset: Ruleset) -> dict[str, tuple[str, BaseModel]]:
    out: dict[str, tuple[str, BaseModel]] = {}
    for e in ruleset.entries:
        out[e.item.id] = ("评分项", e.item)
    for b in ruleset.model.bonuses:
        out[b.id] = ("加分项", b)
    for v in ruleset.model.vetoes:
        out[v.id] = ("否决项", v)
    for o in ruleset.model.outcomes:
        out[o.id] = ("等次后果", o)
    return out


def _label(item: BaseModel) -> str:
    return getattr(item, "content", None) or getattr(item, "event", "")


def diff(old: Ruleset, new: Ruleset) -> list[Change]:
    changes: list[Change] = []
    for key, a, b in _fields(old.model.header, new.model.header, skip=set()):
        changes.append(Change("修改", "规则集", key, "", key, a, b))

    old_ind, new_ind = old.indicators, new.indicators
    for name, spec in new_ind.items():
        if name not in old_ind:
            changes.append(Change("新增", "指标", name, spec.label))
        else:
            for key, a, b in _fields(old_ind[name], spec, skip=set()):
                changes.append(Change("修改", "指标", name, spec.label, key, a, b))
    for name, spec in old_ind.items():
        if name not in new_ind:
            changes.append(Change("删除", "指标", name, spec.label))

    old_items, new_items = _items(old), _items(new)
    added = [k for k in new_items if k not in old_items]
    removed = [k for k in old_items if k not in new_items]
    renumbered: dict[str, str] = {}
    for k in removed:
        section, item = old_items[k]
        for j in added:
            sec2, item2 = new_items[j]
            if (
                j not in renumbered.values()
                and sec2 == section
                and _label(item2) == _label(item)
                and getattr(item2, "method", None) == getattr(item, "method", None)
            ):
                renumbered[k] = j
                break
    places_old = _places(old)
    places_new = _places(new)
    for k, (section, item) in new_items.items():
        if k in added:
            if k in renumbered.values():
                continue
            changes.append(Change("新增", section, k, _label(item), new=_gist(item)))
            continue
        changes.extend(_compare(section, k, old_items[k][1], item, places_old.get(k), places_new.get(k)))
    for k in removed:
        section, item = old_items[k]
        if k in renumbered:
            j = renumbered[k]
            changes.append(Change("编号变更", section, j, _label(item), "编号", k, j))
            changes.extend(
                _compare(section, j, item, new_items[j][1], places_old.get(k), places_new.get(j), skip={"编号"})
            )
        else:
            changes.append(Change("删除", section, k, _label(item), old=_gist(item)))
    return changes


def _gist(item: BaseModel) -> str:
    """What an added or removed item was: its points and its standard, as the rules file says them."""
    points = getattr(item, "points", None)
    standard = getattr(item, "standard", None) or getattr(item, "condition", None) or ""
    head = f"分值：{format_decimal(points)}" if isinstance(points, Decimal) else ""
    return "\n".join(part for part in (head, standard) if part)


def _places(ruleset: Ruleset) -> dict[str, str]:
    return {e.item.id: f"{e.category1} / {e.category2}" for e in ruleset.entries}


def _compare(
    section: str,
    key: str,
    old: BaseModel,
    new: BaseModel,
    place_old: str | None,
    place_new: str | None,
    skip: set[str] | None = None,
) -> list[Change]:
    skip = set(skip or ())
    out: list[Change] = []
    label = _label(new)
    if _label(old) != label:
        out.append(Change("更名", section, key, label, "考核内容", _label(old), label))
    skip.add("事项" if section in ("否决项", "等次后果") else "考核内容")
    if place_old and place_new and place_old != place_new:
        out.append(Change("修改", section, key, label, "所属指标", place_old, place_new))
    for field, a, b in _fields(old, new, skip):
        out.append(Change("修改", section, key, label, field, a, b))
    return out


ITEM_SECTIONS = ("评分项", "加分项", "否决项")


@dataclass(frozen=True)
class Summary:
    """What a diff adds up to: items added, removed and changed, and how their points moved."""

    added: int
    removed: int
    changed: int
    points_changed: int  # 评分项 whose 分值 changed
    points_delta: Decimal  # Σ new 分值 − old 分值 of the 评分项 added, removed and changed
    other: int  # changes to the ruleset's settings and indicators

    def __str__(self) -> str:
        delta = format_decimal(self.points_delta)
        sign = "+" if self.points_delta > 0 else ""
        return (
            f"评分项、加分项、否决项：新增{self.added}项，删除{self.removed}项，修改{self.changed}项；"
            f"分值改变的评分项{self.points_changed}项，连同新增、删除的评分项，分值合计变化{sign}{delta}分；"
            f"规则集设置和申报指标的变更{self.other}处"
        )


def _points(text: str) -> Decimal:
    try:
        return Decimal(text) if text else Decimal(0)
    except ArithmeticError:
        return Decimal(0)


def summarize(changes: list[Change], old: Ruleset | None = None, new: Ruleset | None = None) -> Summary:
    """Count the changes by item; the points of added and removed items come from the rulesets."""
    items = [c for c in changes if c.section in ITEM_SECTIONS]
    added = {c.key for c in items if c.kind == "新增"}
    removed = {c.key for c in items if c.kind == "删除"}
    changed = {c.key for c in items if c.kind not in ("新增", "删除")}
    scored = [c for c in items if c.section == "评分项"]  # a bonus's 分值 is a cap, not part of the total
    moved = [c for c in scored if c.kind == "修改" and c.field == "分值"]
    delta = sum((_points(c.new) - _points(c.old) for c in moved), Decimal(0))
    if new is not None:
        delta += sum((_item_points(new, c.key) for c in scored if c.kind == "新增"), Decimal(0))
    if old is not None:
        delta -= sum((_item_points(old, c.key) for c in scored if c.kind == "删除"), Decimal(0))
    other = sum(1 for c in changes if c.section not in ITEM_SECTIONS)
    return Summary(len(added), len(removed), len(changed), len(moved), delta, other)


def _item_points(ruleset: Ruleset, key: str) -> Decimal:
    section_item = _items(ruleset).get(key)
    points = getattr(section_item[1], "points", None) if section_item else None
    return points if isinstance(points, Decimal) else Decimal(0)


def render_text(changes: list[Change], old_name: str, new_name: str, summary: Summary | None = None) -> str:
    if not changes:
        return f"{old_name} 与 {new_name} 的评分细则没有差别。\n"
    counts: dict[str, int] = {}
    for c in changes:
        counts[c.kind] = counts.get(c.kind, 0) + 1
    head = "，".join(f"{k}{v}处" for k, v in counts.items())
    summary = summary or summarize(changes)
    lines = [f"{old_name} → {new_name}：{head}", str(summary), *[_line(c) for c in changes]]
    return "\n".join(lines) + "\n"


def _line(change: Change) -> str:
    """A change on one line for the terminal (a value of several lines joined with “；”)."""
    return str(change).replace("\n", "；")
