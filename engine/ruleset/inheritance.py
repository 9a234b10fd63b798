"""Ruleset inheritance (继承): a local rules file that extends another and writes only what differs.

A child file has a 规则集 header with its own 编号 and 名称, `继承` (the parent's 编号, looked up
among the rules files of the same folder, or a file name relative to the child), and any header
key it changes (a key given replaces the parent's value whole). Instead of 评分细则/加分项/否决项
it says how it differs:

    指标:         indicators added, or replaced whole
    删除指标:     indicators the local rules no longer use
    修改:         {编号: {键: 新值}} — merged into the parent's item (or bonus item, or veto); `~`
                  removes a key; a new 计分方式 drops the old method's parameters. A change that
                  affects the score must restate 评分标准, the sentence the assessed unit reads.
    删除:         ids of items, bonus items or vetoes dropped
    新增评分项:   [{一级指标, 二级指标, 评分项: [...]}] — appended there (created if new)
    新增加分项, 新增否决项: lists, as in a full rules file
    一级指标分值: {一级指标: 分值} — a category's declared points (`~` to drop the declaration)

The merged whole is checked like any rules file: points add up to 总分, every name resolves, ids
are unique. A problem in something the child wrote points at the child's line; a problem in
inherited text points at the child's 继承 line and names the parent's line.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from engine.documents.hints import did_you_mean
from engine.documents.messages import problems_from
from engine.documents.numbers import format_decimal
from engine.documents.source import (
    Assembled,
    Document,
    key_location,
)
from engine.errors import (
    ErrorList,
    Location,
    Problem,
    RulesError,
)
from engine.ruleset.build import build_ruleset, extends_of
from engine.ruleset.folders import is_case_file, read_header, rules_files
from engine.ruleset.methods.base import BonusBase, ItemBase
from engine.ruleset.model import Model, Text
from engine.ruleset.names import native, shipped_ids
from engine.ruleset.ruleset import Ruleset

ANCHOR = ("规则集", "继承")
ITEM_COMMON = frozenset(f.alias for f in ItemBase.model_fields.values())
BONUS_COMMON = frozenset(f.alias for f in BonusBase.model_fields.values())
NEUTRAL = frozenset({"考核内容", "事项", "评分标准", "数据来源", "适用单位", "不适用时"})
FULL_FILE_KEYS = ("评分细则", "加分项", "否决项")


class NewItems(Model):
    category1: Text = Field(alias="一级指标")
    category2: Text = Field(alias="二级指标")
    items: list[Any] = Field(alias="评分项", min_length=1)


class ChildFile(Model):
    """The shape of a file that extends another; the merged result is validated as a RulesFile."""

    schema_: str | None = Field(None, alias="$schema")
    header: dict[str, Any] = Field(alias="规则集")
    indicators: dict[str, Any] = Field(default_factory=dict, alias="指标")
    delete_indicators: list[str] = Field(default_factory=list, alias="删除指标")
    modify: dict[str, dict[str, Any]] = Field(default_factory=dict, alias="修改")
    delete: list[str] = Field(default_factory=list, alias="删除")
    add_items: list[NewItems] = Field(default_factory=list, alias="新增评分项")
    add_bonuses: list[Any] = Field(default_factory=list, alias="新增加分项")
    add_vetoes: list[Any] = Field(default_factory=list, alias="新增否决项")
    outcomes: list[Any] = Field(default_factory=list, alias="等次后果")
    category_points: dict[str, Any] = Field(default_factory=dict, alias="一级指标分值")


_VOCABULARY = [f.alias for f in ChildFile.model_fields.values() if f.alias] + ["一级指标", "二级指标", "评分项"]


class MergedData(Assembled):
    """A rules document assembled from a child file and the file it extends.

    A part written by the child is located in the child file; an inherited part is located at the
    child's 继承 line, with the parent's own file:line:col in the path.
    """

    def __init__(self, child: Document):
        super().__init__((child, ANCHOR))
        self.child = child

    def locate_path(self, loc: tuple) -> Location:
        return self._finish(super().locate_path(loc), tuple(loc))

    def locate_key(self, loc: tuple) -> Location:
        return self._finish(super().locate_key(loc), tuple(loc))

    def _finish(self, where: Location, loc: tuple) -> Location:
        if where.file == self.child.file:
            return Location(where.file, where.line, where.col, tuple(loc))
        anchor = self.child.locate(ANCHOR)
        return Location(self.child.file, anchor.line, anchor.col, tuple(loc), via=where)


def build_inherited(
    doc: Document, load: Callable[[Path, tuple[Path, ...]], Ruleset], chain: tuple[Path, ...] = ()
) -> Ruleset:
    """Load the parent (with `load`, the file loader), merge the child's changes into it, check the merged whole."""
    chain = (*chain, Path(doc.file).resolve())
    _check_shape(doc)
    parent_path = resolve_parent(doc)
    if parent_path.resolve() in chain:
        names = " → ".join(p.name for p in (*chain, parent_path))
        raise RulesError(Problem(doc.locate(ANCHOR), f"继承关系成环：{names}", "inherit.cycle"))
    try:
        parent = load(parent_path, chain)
    except RulesError as exc:
        head = Problem(doc.locate(ANCHOR), f"继承的规则集 {parent_path} 有误，见下列问题", "inherit.parent-invalid")
        raise RulesError([head, *exc.problems]) from None
    merger = _Merger(doc, parent)
    merged = merger.merge()
    digest = hashlib.sha256(f"{doc.sha256}:{parent.sha256}".encode()).hexdigest()
    try:
        ruleset = build_ruleset(Document(doc.file, merged, doc.sha256), sha256=digest)
    except RulesError as exc:
        raise RulesError([merger.explain(p) for p in exc.problems]) from None
    ruleset.sources = ((doc.file, doc.sha256), *parent.sources)
    ruleset.parent = parent
    return ruleset


def _check_shape(doc: Document) -> None:
    data = doc.data
    errors = ErrorList()
    for key in FULL_FILE_KEYS:
        if key in data:
            errors.add(
                key_location(doc.file, data, (key,)),
                f"继承的规则集不直接写“{key}”：请用“修改”“删除”“新增评分项”“新增加分项”“新增否决项”写出与父规则集的差异",
                "inherit.full-section",
            )
    if errors:
        raise RulesError(errors.problems)
    try:
        ChildFile.model_validate(data)
    except ValidationError as exc:
        raise RulesError(problems_from(exc, doc.file, data, _VOCABULARY)) from None
    header = data["规则集"]
    for key in ("编号", "名称"):
        if key not in header:
            errors.add(doc.locate(("规则集",)), f"继承的规则集须写出自己的“{key}”", "inherit.missing-header")
    if errors:
        raise RulesError(errors.problems)


def resolve_parent(doc: Document) -> Path:
    """The file named by 继承: a path relative to the child, or a ruleset 编号 in the child's folder
    (or, failing that, a shipped ruleset's)."""
    value = extends_of(doc.data)
    where = doc.locate(ANCHOR)
    if not isinstance(value, str) or not value.strip():
        raise RulesError(
            Problem(where, "“继承”应写父规则集的编号（同一文件夹中）或规则文件名", "inherit.parent-not-found")
        )
    folder = Path(doc.file).parent
    if value.endswith((".yaml", ".yml")):
        path = native(folder / value.replace("\\", "/"))  # a path written on Windows works here too
        if not path.is_file():
            raise RulesError(Problem(where, f"找不到继承的规则文件 {path}", "inherit.parent-not-found"))
        return path
    direct = folder / f"{value}.yaml"
    if direct.is_file() and not is_case_file(direct) and _id_of(direct) == value:
        return direct
    here = Path(doc.file).resolve()
    found = {p: _id_of(p) for p in rules_files(folder) if p.resolve() != here}
    matches = [p for p, i in found.items() if i == value]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise RulesError(
            Problem(
                where,
                f"{folder} 中有多个编号为 “{value}” 的规则集：{'、'.join(p.name for p in matches)}",
                "inherit.parent-ambiguous",
            )
        )
    shipped = shipped_ids()
    if value in shipped and shipped[value].resolve() != here:
        return shipped[value]  # a shipped ruleset, extended from a folder of one's own
    ids = sorted(i for i in found.values() if i)
    hint = did_you_mean(value, sorted({*ids, *shipped}))
    message = f"{folder} 中没有编号为 “{value}” 的规则集{hint}；现有：{'、'.join(ids) or '无'}；内置：{'、'.join(sorted(shipped))}"
    raise RulesError(Problem(where, message, "inherit.parent-not-found", value))


def _id_of(path: Path) -> str | None:
    try:
        return str(read_header(path).get("编号"))
    except RulesError:
        return None


class _Merger:
    """Builds the merged document of a child file and its parent, recording where each part came from."""

    def __init__(self, doc: Document, parent: Ruleset):
        assert parent.document is not None
        self.doc = doc
        self.parent = parent
        self.pdoc = parent.document
        self.errors = ErrorList()
        self.out = MergedData(doc)
        self.summary: list[str] = []  # how the points changed, for a totals error

    def merge(self) -> MergedData:
        child, parent = self.doc.data, self.pdoc.data
        self._header(child, parent)
        self._indicators(child, parent)
        modify = dict(child.get("修改") or {})
        delete = [str(i) for i in child.get("删除") or []]
        self._check_ids(modify, delete)
        self._categories(parent, modify, delete)
        self._add_items(child)
        self._category_points(child)
        self._list("加分项", parent.get("加分项") or [], modify, delete, child.get("新增加分项") or [], "新增加分项")
        self._list("否决项", parent.get("否决项") or [], modify, delete, child.get("新增否决项") or [], "新增否决项")
        if parent.get("等次后果") or child.get("等次后果"):  # the child's are added to the parent's
            self._list("等次后果", parent.get("等次后果") or [], {}, delete, child.get("等次后果") or [], "等次后果")
        if self.errors:
            raise RulesError(self.errors.problems)
        return self.out

    def explain(self, problem: Problem) -> Problem:
        """Add the points arithmetic of the merge to a totals problem."""
        if problem.code == "rules.total-mismatch":
            total = self.parent.header.total
            steps = "；".join(self.summary) or "未改动分值"
            return _more(problem, f"（父规则集 {self.parent.header.id} 合计 {_n(total)}；{steps}）")
        if problem.code == "rules.category-points-mismatch":
            return _more(problem, "；可在“一级指标分值”中改写该一级指标的分值")
        deleted = [str(n) for n in self.doc.data.get("删除指标") or []]
        if problem.code == "rules.unknown-indicator" and problem.subject in deleted:
            return _more(problem, "；该指标已在“删除指标”中删除，但继承的评分项仍在使用")
        return problem

    # -- parts ------------------------------------------------------------------------------

    def _header(self, child: Any, parent: Any) -> None:
        header: dict[str, Any] = {}
        for key, value in parent["规则集"].items():
            header[key] = value
            self.out.map(("规则集", key), self.pdoc, ("规则集", key))
        for key, value in child["规则集"].items():
            header[key] = value
            self.out.map(("规则集", key), self.doc, ("规则集", key))
        self.out["规则集"] = header
        self.out.map(("规则集",), self.doc, ("规则集",))
        if str(child["规则集"].get("编号")) == self.parent.header.id:
            self.errors.add(self.doc.locate(("规则集", "编号")), "编号不能与继承的规则集相同", "inherit.same-id")

    def _indicators(self, child: Any, parent: Any) -> None:
        indicators: dict[str, Any] = {}
        for name, spec in parent["指标"].items():
            indicators[name] = spec
            self.out.map(("指标", name), self.pdoc, ("指标", name))
        added = child.get("指标") or {}
        for n, name in enumerate(child.get("删除指标") or []):
            if name not in indicators:
                self.errors.add(
                    self.doc.locate(("删除指标", n)),
                    f"继承的规则集没有指标 “{name}”{did_you_mean(name, indicators)}",
                    "inherit.unknown-indicator",
                    name,
                )
            elif name in added:
                self.errors.add(
                    self.doc.locate(("删除指标", n)),
                    f"指标 “{name}” 既在“指标”中又在“删除指标”中",
                    "inherit.conflict",
                    name,
                )
            else:
                del indicators[name]
        for name, spec in added.items():
            indicators[name] = spec
            self.out.map(("指标", name), self.doc, ("指标", name))
        self.out["指标"] = indicators
        self.out.map(("指标",), self.doc, ("指标",) if "指标" in child else ANCHOR)

    def _check_ids(self, modify: dict[str, Any], delete: list[str]) -> None:
        model = self.parent.model
        known = [e.item.id for e in self.parent.entries] + [b.id for b in model.bonuses] + [v.id for v in model.vetoes]
        for iid in modify:
            if iid not in known:
                where = key_location(self.doc.file, self.doc.data, ("修改", iid))
                message = f"继承的规则集没有编号为 “{iid}” 的评分项、加分项或否决项{did_you_mean(iid, known)}"
                self.errors.add(where, message, "inherit.unknown-id", iid)
        for n, iid in enumerate(delete):
            if iid not in known:
                self.errors.add(
                    self.doc.locate(("删除", n)),
                    f"继承的规则集没有编号为 “{iid}” 的评分项、加分项或否决项{did_you_mean(iid, known)}",
                    "inherit.unknown-id",
                    iid,
                )
            elif iid in modify:
                self.errors.add(
                    self.doc.locate(("删除", n)), f"“{iid}” 既在“修改”中又在“删除”中", "inherit.conflict", iid
                )

    def _categories(self, parent: Any, modify: dict[str, Any], delete: list[str]) -> None:
        categories: list[dict[str, Any]] = []
        for i, cat1 in enumerate(parent["评分细则"]):
            subs: list[dict[str, Any]] = []
            for j, cat2 in enumerate(cat1["二级指标"]):
                items: list[Any] = []
                for k, item in enumerate(cat2["评分项"]):
                    iid = str(item["编号"])
                    if iid in delete:
                        self.summary.append(f"删除 {iid} −{_n(item['分值'])}")
                        continue
                    loc = ("评分细则", len(categories), "二级指标", len(subs), "评分项", len(items))
                    source = ("评分细则", i, "二级指标", j, "评分项", k)
                    items.append(self._item(item, loc, source, modify.get(iid), iid, ITEM_COMMON))
                if items:
                    self.out.map(
                        ("评分细则", len(categories), "二级指标", len(subs)), self.pdoc, ("评分细则", i, "二级指标", j)
                    )
                    subs.append({"名称": cat2["名称"], "评分项": items})
            if subs:
                self.out.map(("评分细则", len(categories)), self.pdoc, ("评分细则", i))
                categories.append({**{k: v for k, v in cat1.items() if k != "二级指标"}, "二级指标": subs})
        self.out["评分细则"] = categories
        self.out.map(("评分细则",), self.doc, ANCHOR)

    def _item(self, item: Any, loc: tuple, source: tuple, changes: Any, iid: str, common: frozenset[str]) -> Any:
        self.out.map(loc, self.pdoc, source)
        if changes is None:
            return item
        where = ("修改", iid)
        merged = dict(item)
        if "计分方式" in changes and changes["计分方式"] != item.get("计分方式"):
            merged = {k: v for k, v in merged.items() if k in common}
            self.out.map(loc, self.doc, where)  # redefined: what is missing is the child's to write
            for key in merged:
                self.out.map(loc + (key,), self.pdoc, source + (key,))
        for key, value in changes.items():
            if key == "编号":
                self.errors.add(
                    self.doc.locate(where + (key,)), "不能修改编号；要换编号，请删除该项后新增", "inherit.id-changed"
                )
                continue
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
            self.out.map(loc + (key,), self.doc, where + (key,))
        if "分值" in changes:
            self.summary.append(f"修改 {iid} {_n(item.get('分值'))}→{_n(changes['分值'])}")
        affecting = [k for k in changes if k not in NEUTRAL]
        if affecting and "评分标准" not in changes:
            self.errors.add(
                key_location(self.doc.file, self.doc.data, where),
                f"修改了 {iid} 的{'、'.join(affecting)}，须同时写出修改后的“评分标准”（考核对象据此理解如何评分）",
                "inherit.standard-not-restated",
                iid,
            )
        return merged

    def _add_items(self, child: Any) -> None:
        categories = self.out["评分细则"]
        for a, group in enumerate(child.get("新增评分项") or []):
            name1, name2 = group["一级指标"], group["二级指标"]
            ci = next((n for n, c in enumerate(categories) if c["一级指标"] == name1), None)
            if ci is None:
                ci = len(categories)
                categories.append({"一级指标": name1, "二级指标": []})
                self.out.map(("评分细则", ci), self.doc, ("新增评分项", a))
                self.out.map(("评分细则", ci, "一级指标"), self.doc, ("新增评分项", a, "一级指标"))
            subs = categories[ci]["二级指标"]
            sj = next((n for n, c in enumerate(subs) if c["名称"] == name2), None)
            if sj is None:
                sj = len(subs)
                subs.append({"名称": name2, "评分项": []})
                self.out.map(("评分细则", ci, "二级指标", sj), self.doc, ("新增评分项", a))
                self.out.map(("评分细则", ci, "二级指标", sj, "名称"), self.doc, ("新增评分项", a, "二级指标"))
            items = subs[sj]["评分项"]
            for b, item in enumerate(group["评分项"]):
                loc = ("评分细则", ci, "二级指标", sj, "评分项", len(items))
                self.out.map(loc, self.doc, ("新增评分项", a, "评分项", b))
                items.append(item)
                if isinstance(item, dict):
                    self.summary.append(f"新增 {item.get('编号')} +{_n(item.get('分值'))}")

    def _category_points(self, child: Any) -> None:
        categories = self.out["评分细则"]
        names = [c["一级指标"] for c in categories]
        for name, points in (child.get("一级指标分值") or {}).items():
            if name not in names:
                where = key_location(self.doc.file, self.doc.data, ("一级指标分值", name))
                self.errors.add(
                    where, f"没有名为 “{name}” 的一级指标{did_you_mean(name, names)}", "inherit.unknown-category", name
                )
                continue
            ci = names.index(name)
            if points is None:
                categories[ci].pop("分值", None)
            else:
                categories[ci]["分值"] = points
            self.out.map(("评分细则", ci, "分值"), self.doc, ("一级指标分值", name))

    def _list(self, key: str, inherited: list, modify: dict, delete: list[str], added: list, added_key: str) -> None:
        common = BONUS_COMMON if key == "加分项" else frozenset()
        out: list[Any] = []
        for k, item in enumerate(inherited):
            iid = str(item["编号"])
            if iid in delete:
                continue
            out.append(self._item(item, (key, len(out)), (key, k), modify.get(iid), iid, common))
        for b, item in enumerate(added):
            self.out.map((key, len(out)), self.doc, (added_key, b))
            out.append(item)
        self.out[key] = out
        self.out.map((key,), self.doc, ANCHOR)


def unchanged_items(ruleset: Ruleset) -> set[str]:
    """Ids whose definition, and every indicator they read, are the same as in the ruleset extended."""
    parent = ruleset.parent
    if parent is None:
        return set()

    def definitions(rs: Ruleset) -> dict[str, Any]:
        items = [e.item for e in rs.entries] + list(rs.model.bonuses) + list(rs.model.vetoes)
        return {i.id: i for i in items}

    mine, theirs = definitions(ruleset), definitions(parent)
    out = set()
    for iid, item in mine.items():
        if theirs.get(iid) != item:
            continue
        names = set(ruleset.item_reads.get(iid, ()))
        for name in list(names):
            spec = ruleset.indicators.get(name)
            if spec is not None and spec.numerator:
                names |= {spec.numerator, spec.denominator}
            if spec is not None and spec.overdue is not None:
                names.add(spec.overdue.date)
        if all(ruleset.indicators.get(n) == parent.indicators.get(n) for n in names):
            out.add(iid)
    return out


def _more(problem: Problem, text: str) -> Problem:
    return replace(problem, message=problem.message + text)


def _n(value: Any) -> str:
    try:
        return format_decimal(Decimal(str(value)))
    except (InvalidOperation, ValueError):  # not a number: shown as written
        return str(value)
