"""A folder of rules files: which files are rulesets, and which one is in force for a year.

Every `*.yaml`/`*.yml` file in the folder is a ruleset except case files (`*.cases.yaml`) and
分工表 (`*.分工.yaml`, engine.ruleset.responsibility; which one applies: `map_for`).
A ruleset is *in force* for a submission when its 适用期间 covers the submission's 考核年度 and
it declares the submission's 单位类型. A file without 适用期间 is never picked from a folder.
When two rulesets in force are related by 继承, the one that extends the other wins (a local
ruleset replaces the model it adapts); any other tie is an error, as is finding none.

Only the 规则集 header of each file is read here (fast); the chosen file is loaded in full later.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from engine.documents.source import parse_document, read_text
from engine.errors import (
    Location,
    Problem,
    RulesError,
    RulesetChoiceError,
)
from engine.ruleset.cache import remember, remembered
from engine.ruleset.model import Period, period_input

if TYPE_CHECKING:
    from engine.ruleset.ruleset import Ruleset

CASE_SUFFIXES = (".cases.yaml", ".cases.yml")
MAP_SUFFIX = ".分工.yaml"
SIDE_SUFFIXES = CASE_SUFFIXES + (MAP_SUFFIX, ".分工.yml")  # files beside a ruleset that are not rulesets
_TOP_KEY = re.compile(r"^[^\s#]")


def is_case_file(path: Path) -> bool:
    return path.name.endswith(CASE_SUFFIXES)


def is_side_file(path: Path) -> bool:
    """A case file or a 分工表: beside a ruleset, never one."""
    return path.name.endswith(SIDE_SUFFIXES)


def map_beside(rules_file: Path | str) -> Path:
    """`rules/X.yaml` → `rules/X.分工.yaml`."""
    path = Path(rules_file)
    return path.with_name(path.name.rsplit(".", 1)[0] + MAP_SUFFIX)


def lineage(ruleset: Ruleset) -> list[Ruleset]:
    """The ruleset and every ruleset it extends (继承), nearest first."""
    out = [ruleset]
    while out[-1].parent is not None:
        out.append(out[-1].parent)
    return out


def map_for(ruleset: Ruleset) -> Path | None:
    """The 分工表 beside the ruleset's file, else beside the nearest ruleset it extends (its items are inherited)."""
    for rs in lineage(ruleset):
        beside = map_beside(rs.file)
        if beside.is_file():
            return beside
    return None


def is_map_file(path: Path) -> bool:
    return path.name.endswith(MAP_SUFFIX)


def rules_files(folder: Path) -> list[Path]:
    """The ruleset files of a folder (not its case files), sorted by name."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml") and not is_side_file(p))


_HEADERS: dict[str, tuple[str, dict[str, Any]]] = {}  # file → (sha256, header): a folder is scanned once per change


def read_header(path: Path) -> dict[str, Any]:
    """The 规则集 mapping of a rules file, read without loading the rest of the file.

    The header is read under the same limits as a whole rules file (size, nesting, YAML aliases:
    `parse_document`), so a hostile header is a located error, never RecursionError or MemoryError.
    """
    text, digest = read_text(path, RulesError)
    hit = _HEADERS.get(str(path))
    if hit is not None and hit[0] == digest:
        return dict(hit[1])
    header = remembered("header", digest)
    if isinstance(header, dict):
        _HEADERS[str(path)] = (digest, header)
        return dict(header)
    lines = text.splitlines()
    start = next((n for n, line in enumerate(lines) if line.startswith("规则集:")), None)
    if start is not None:
        end = next((n for n in range(start + 1, len(lines)) if _TOP_KEY.match(lines[n])), len(lines))
        text = "\n" * start + "\n".join(lines[start:end])  # the same line numbers as in the file
    data = parse_document(text, str(path), digest, RulesError).data
    header = data.get("规则集") if isinstance(data, dict) else None
    if not isinstance(header, dict):
        raise RulesError(Problem(Location(str(path)), "无法读取“规则集”（规则文件开头的表头）", "rules.header"))
    remember("header", digest, header)
    _HEADERS[str(path)] = (digest, header)
    return dict(header)


@dataclass(frozen=True)
class Candidate:
    """A ruleset file as far as choosing one is concerned."""

    path: Path
    id: str
    period: Period | None
    unit_types: tuple[str, ...]
    ancestors: tuple[str, ...]  # ids it extends, nearest first

    def describe(self) -> str:
        period = f"适用{self.period}" if self.period else "未声明适用期间"
        return f"{self.path.name}（{self.id}，{period}，{'、'.join(self.unit_types) or '无单位类型'}）"


def candidates(folder: Path) -> list[Candidate]:
    """Every ruleset of the folder with its period, unit types and ancestry (inherited headers resolved)."""
    raw = {p: read_header(p) for p in rules_files(folder)}
    by_id = {str(h.get("编号")): p for p, h in raw.items()}
    out = []
    for path in raw:
        chain = [path]
        while True:
            parent = raw[chain[-1]].get("继承")
            target = _parent_path(folder, parent, by_id) if parent else None
            if target is None or target in chain:
                break
            chain.append(target)
        merged: dict[str, Any] = {}
        for p in reversed(chain):
            merged.update(raw[p])
        out.append(
            Candidate(
                path=path,
                id=str(raw[path].get("编号")),
                period=_parse_period(merged.get("适用期间")),
                unit_types=tuple(str(t) for t in merged.get("单位类型") or ()),
                ancestors=tuple(str(raw[p].get("编号")) for p in chain[1:]),
            )
        )
    return out


def _parent_path(folder: Path, value: Any, by_id: dict[str, Path]) -> Path | None:
    text = str(value)
    if text.endswith((".yaml", ".yml")):
        path = (folder / text).resolve()
        return next((p for p in by_id.values() if p.resolve() == path), None)
    return by_id.get(text)


def _parse_period(value: Any) -> Period | None:
    if value is None:
        return None
    try:
        return Period.model_validate(period_input(value))
    except ValidationError:
        return None  # reported in full when that file is loaded


def choose(folder: Path, year: int, unit_type: str | None, where: Location | Callable[[], Location]) -> Path:
    """The ruleset of `folder` in force for a submission of `year` (and `unit_type`), or a located error.

    `where` may be a function giving the place, called only for an error (locating can cost a parse).
    """
    found = candidates(folder)
    in_year = [c for c in found if c.period is not None and c.period.covers(year)]
    in_force = [c for c in in_year if unit_type is None or unit_type in c.unit_types]
    # a ruleset that extends another one in force replaces it
    extended = {a for c in in_force for a in c.ancestors}
    in_force = [c for c in in_force if c.id not in extended]
    if len(in_force) == 1:
        return in_force[0].path
    where = where() if callable(where) else where
    listing = "；".join(c.describe() for c in found) or "（文件夹中没有规则文件）"
    who = f"{year}年度" + (f"、单位类型“{unit_type}”" if unit_type else "")
    if not in_force:
        if in_year:
            message = f"{folder} 中适用于{year}年度的规则集不考核单位类型“{unit_type}”：" + "；".join(
                c.describe() for c in in_year
            )
        else:
            message = f"{folder} 中没有适用于{who}的规则集。各规则集：{listing}"
        raise RulesetChoiceError(Problem(where, message + "。可用 --rules 指定规则文件", "choice.none"))
    names = "、".join(c.describe() for c in in_force)
    raise RulesetChoiceError(
        Problem(
            where,
            f"{folder} 中有 {len(in_force)} 个规则集同时适用于{who}：{names}。"
            "请调整其中一个的“适用期间”，或用 --rules 指定规则文件",
            "choice.several",
        )
    )
