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

from engine.ruleset.conditions import format_decimal
from engine.ruleset.ruleset import Ruleset


@dataclass(frozen=True)
class Change:
    kind: str  # 新增 删除 更名 编号变更 修改
    section: str  # 规则集 指标 评分项 加分项 否决项
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


def show(value: Any) -> str:
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
                parts.append(f"{f.alias or name}: {show(v)}")
        return "{" + "，".join(parts) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + "；".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + "，".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
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
            changes.append(Change("新增", section, k, _label(item)))
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
            changes.append(Change("删除", section, k, _label(item)))
    return changes


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
    skip.add("考核内容" if section != "否决项" else "事项")
    if place_old and place_new and place_old != place_new:
        out.append(Change("修改", section, key, label, "所属指标", place_old, place_new))
    for field, a, b in _fields(old, new, skip):
        out.append(Change("修改", section, key, label, field, a, b))
    return out


def render_text(changes: list[Change], old_name: str, new_name: str) -> str:
    if not changes:
        return f"{old_name} 与 {new_name} 的评分细则没有差别。\n"
    counts: dict[str, int] = {}
    for c in changes:
        counts[c.kind] = counts.get(c.kind, 0) + 1
    summary = "，".join(f"{k}{v}处" for k, v in counts.items())
    lines = [f"{old_name} → {new_name}：{summary}", *[str(c) for c in changes]]
    return "\n".join(lines) + "\n"
