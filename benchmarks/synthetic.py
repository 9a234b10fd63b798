"""Synthetic submissions for a ruleset: N units whose values look like real annual reports.

What each indicator means is read from the ruleset itself — a count an item deducts per event
is a violation count (mostly 0), a count with a 目标 is drawn around the target, a rate with a
目标 mostly meets it, a yes/no behind `非 X` is mostly yes, a date behind `X <= 2013-03-01` is
mostly on time, a 线性计分 indicator falls between its anchors — so any rules file works.
Indicators with published figures are drawn around them (shared/research/domain.md §5):

- 出庭应诉率: national average 41.8% (2020), 85–93% in leading provinces (2021): uniform 40–100,
  and it is the share of the unit's own lawsuits where the head appeared;
- 行政复议纠错率: national 12.83% (2023): half the units 0, the rest exponential, mean 12.83;
- 群众投诉办结率: 12345 hotlines report 85.86–99%: uniform 85–100, a third exactly 100;
- 建议提案办复率: reported as 100% nearly everywhere; 满意率 84–100%;
- 规范性文件报备及时率 / 规范率: 51–73% (2010) but 100% is the target now: 70% at 100, else 60–100;
- 群众满意度 84–99.6%, sometimes not submitted (the item is then pending).

A fraction of units is deliberately broken (bad JSON, a string where a number is expected, an
unknown unit type), so a batch also exercises its error path.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.ruleset.conditions import date_literal
from engine.ruleset.ruleset import Ruleset

_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")
_RELATIVE = re.compile(r"(当年|次年|上年)(\d{1,2}月\d{1,2}日|-\d{1,2}-\d{1,2})")
PLACES = "东城 西城 南湖 北山 青河 白沙 金桥 石门 柳林 枫桥 龙泉 凤凰 新华 长安 临江 松岗 桃源 云溪 明珠 安澜".split()
OFFICES = (
    "司法局 公安分局 市场监管局 生态环境局 住建局 交通运输局 教育局 卫健局 人社局 民政局 应急管理局 城管局".split()
)
CAUSES = ["房屋征收", "行政处罚（罚款）", "政府信息公开", "行政许可", "工伤认定", "违法建设强制拆除", "土地征收"]
OUTCOMES = (["胜诉", "败诉", "撤诉", "调解", "未结"], [0.55, 0.12, 0.15, 0.05, 0.13])


def _rate(rng: random.Random, full_share: float, low: float) -> float:
    return 100.0 if rng.random() < full_share else round(rng.uniform(low, 100), 2)


# Drawn around the figures in domain.md §5 (see the module docstring).
PUBLISHED: dict[str, Callable[[random.Random], Any]] = {
    "行政复议纠错率": lambda r: 0.0 if r.random() < 0.5 else round(min(r.expovariate(1 / 12.83), 100), 2),
    "群众投诉办结率": lambda r: _rate(r, 0.33, 85),
    "建议提案办复率": lambda r: _rate(r, 0.85, 90),
    "建议提案满意率": lambda r: _rate(r, 0.5, 84),
    "规范性文件报备及时率": lambda r: _rate(r, 0.7, 60),
    "规范性文件报备规范率": lambda r: _rate(r, 0.7, 60),
    "群众满意度": lambda r: round(r.uniform(84, 99.6), 2),
    "人民调解成功率": lambda r: round(r.uniform(93, 100), 2),
    "执法人员持证率": lambda r: _rate(r, 0.75, 92),
    "执法人员参训率": lambda r: _rate(r, 0.8, 90),
}


class Roles:
    """What the ruleset does with each indicator, read from its items, bonuses and vetoes."""

    def __init__(self, ruleset: Ruleset):
        self.violations: set[str] = set()  # deducted per event
        self.rare: set[str] = set()  # counts that trigger a veto when > 0
        self.bonus_counts: set[str] = set()
        self.targets: dict[str, float] = {}  # count or rate with a target
        self.linear: dict[str, tuple[float, float]] = {}
        self.deadlines: dict[str, dt.date] = {}
        self.relative: dict[str, Any] = {}  # date indicator → the first deadline written by the 考核年度
        self.good_bool: dict[str, bool] = {}
        self.floors: dict[str, float] = {}  # "X < k" deducts: good values are >= k
        model = ruleset.model
        conditions: list[str] = []
        for entry in ruleset.entries:  # read by the fields the methods declare (ruleset/methods)
            item = entry.item
            if getattr(item, "count", None):
                self.violations.add(item.count)
            if getattr(item, "target", None) is not None:
                self.targets[item.indicator] = float(item.target)
            if getattr(item, "zero_at", None) is not None:
                self.linear[item.indicator] = (float(item.zero_at), float(item.full_at))
            if getattr(item, "condition", None):
                conditions.append(item.condition)
            for part in getattr(item, "parts", None) or ():  # a part has a count or a condition, by its method
                if getattr(part, "count", None):
                    self.violations.add(part.count)
                if getattr(part, "condition", None):
                    conditions.append(part.condition)
            for band in getattr(item, "bands", None) or ():
                conditions.append(band.condition)
        for bonus in model.bonuses:
            if getattr(bonus, "count", None):
                self.bonus_counts.add(bonus.count)
        for veto in model.vetoes:
            if veto.condition:
                for name in re.findall(r"([^\s()（）]+)\s*>\s*0", veto.condition):
                    self.rare.add(name)
                conditions.append(veto.condition)
        for text in conditions:
            self._read(text)

    def _read(self, text: str) -> None:
        for name in re.findall(r"(?:^|[\s(（])非\s+([^\s()（）]+)", text):
            self.good_bool[name] = True
        for name, op, value in re.findall(r"([^\s()（）]+)\s*(<=|<|>=|>|==|!=)\s*([^\s()（）]+)", text):
            date = _DATE.fullmatch(value)
            if date and op in ("<", "<="):
                day = dt.date.fromisoformat(date.group(1))
                self.deadlines[name] = min(day, self.deadlines.get(name, day))
            elif _RELATIVE.fullmatch(value) and op in ("<", "<=") and name not in self.relative:
                self.relative[name] = date_literal(value)  # 次年3月1日: resolved with the unit's year
            elif op in ("<", "<=") and re.fullmatch(r"\d+(\.\d+)?%?", value):
                self.floors[name] = float(value.rstrip("%"))
        for word in re.split(r"[\s()（）]+", text):
            if word and word not in ("且", "或", "非", "and", "or", "not") and word not in self.good_bool:
                self.good_bool.setdefault(word, False)  # a bare yes/no that deducts when true


def _count(rng: random.Random, mean: float) -> int:
    # Poisson by inversion: small means, so mostly 0
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


class Generator:
    """Draws one unit's submission at a time, reproducibly from a seed."""

    def __init__(self, ruleset: Ruleset, seed: int = 1):
        self.ruleset = ruleset
        self.roles = Roles(ruleset)
        self.rng = random.Random(seed)
        self.year = ruleset.header.year - 1  # a year's assessment scores the year before
        self.names: dict[str, int] = {}

    def unit_name(self, unit_type: str, n: int) -> str:
        place = PLACES[n % len(PLACES)]
        if "部门" in unit_type:
            base = f"{place}区{OFFICES[(n // len(PLACES)) % len(OFFICES)]}"
        elif "镇" in unit_type or "街" in unit_type:
            base = f"{place}{'镇' if n % 3 else '街道办事处'}"
        else:
            base = f"{place}区人民政府"
        seen = self.names.get(base, 0)
        self.names[base] = seen + 1
        return base if seen == 0 else f"{base}（{seen + 1}）"

    def unit_type(self) -> str:
        types = self.ruleset.header.unit_types
        if len(types) == 1:
            return types[0]
        # a district: a few governments, many departments and towns
        weights = [1.0] + [4.0] * (len(types) - 1)
        return self.rng.choices(types, weights)[0]

    def submission(self, n: int) -> dict[str, Any]:
        unit_type = self.unit_type()
        values: dict[str, Any] = {}
        for name, spec in self.ruleset.indicators.items():
            if spec.applies_to is not None and unit_type not in spec.applies_to:
                continue
            if spec.overdue is not None:
                continue  # days late: the engine counts them from the date
            if not spec.required and (spec.default is not None or self.rng.random() < 0.25):
                continue
            values[name] = self.value(name, spec, unit_type)
        self._lawsuits(values)
        self._rates(values, unit_type)
        return {"单位名称": self.unit_name(unit_type, n), "单位类型": unit_type, "考核年度": self.year, "指标": values}

    def _lawsuits(self, values: dict[str, Any]) -> None:
        # keep the counts and rates consistent with the case list the demo ruleset asks for
        cases = values.get("行政诉讼案件")
        if isinstance(cases, list) and "应诉案件数" in values:
            values["应诉案件数"] = len(cases)
            if "出庭应诉率" in values and all("负责人出庭" in c for c in cases):
                shown = sum(1 for c in cases if c["负责人出庭"])
                values["出庭应诉率"] = round(100 * shown / len(cases), 2) if cases else 0

    def _rates(self, values: dict[str, Any], unit_type: str) -> None:
        # a rate declared with 分子/分母 is recomputed by the engine: draw the denominator, derive the
        # numerator from the rate, and mostly leave the rate itself out (as the national model asks)
        rng = self.rng
        drawn: dict[str, int] = {}  # a denominator several rates share is drawn once
        for name, spec in self.ruleset.indicators.items():
            num, den = getattr(spec, "numerator", None), getattr(spec, "denominator", None)
            if num is None or den is None or (spec.applies_to is not None and unit_type not in spec.applies_to):
                continue
            if not ({name, num, den} & values.keys()):
                continue
            rate = values.get(name)
            if not isinstance(rate, int | float) or isinstance(rate, bool):
                rate = self.value(name, spec, unit_type)
            if den not in drawn:
                drawn[den] = rng.randint(1, 4) if rng.random() < 0.1 else rng.randint(5, 300)
            total = drawn[den]
            done = min(total, max(0, round(total * float(rate) / 100)))
            values[den], values[num] = total, done
            if rng.random() < 0.3:
                values[name] = round(100 * done / total, 2)
            else:
                values.pop(name, None)

    def value(self, name: str, spec: Any, unit_type: str) -> Any:
        rng, roles = self.rng, self.roles
        lo, hi = (float(spec.range[0]), float(spec.range[1])) if spec.range else (0.0, 100.0)
        if spec.type == "记录列表":
            return [self.record(name, spec, k) for k in range(_count(rng, 3 if "政府" in unit_type else 1))]
        if name in PUBLISHED and spec.type in ("数值", "百分比"):
            return PUBLISHED[name](rng)
        if spec.type == "是否":
            good = roles.good_bool.get(name, True)
            return good if rng.random() < (0.99 if not good else 0.9) else not good
        if spec.type == "日期":
            relative = roles.relative.get(name)
            default = relative.on(self.year) if relative is not None else dt.date(self.year + 1, 3, 1)
            deadline = roles.deadlines.get(name, default)
            roll = rng.random()
            late = -rng.randint(0, 45) if roll < 0.8 else rng.randint(1, 29) if roll < 0.92 else rng.randint(30, 90)
            return (deadline + dt.timedelta(days=late)).isoformat()
        if spec.type == "选项":
            options = spec.options or [""]
            return options[0] if rng.random() < 0.85 else rng.choice(options)
        if spec.type == "文本":
            return "合成数据"
        if spec.type == "次数":
            if name in roles.rare:
                return 1 if rng.random() < 0.01 else 0
            if name in roles.targets:
                target = int(roles.targets[name])
                return target + rng.randint(0, 2) if rng.random() < 0.7 else rng.randint(0, max(target - 1, 0))
            if name in roles.bonus_counts:
                return _count(rng, 0.3)
            return _count(rng, 0.25)  # violations and everything else: mostly none
        # 数值 / 百分比
        if name in roles.linear:
            zero, full = roles.linear[name]
            shortfall = abs(rng.gauss(0, abs(full - zero) / 3))
            value = full - shortfall if full > zero else full + shortfall
            return round(min(max(value, lo), hi), 2)
        if name in roles.targets:
            target = roles.targets[name]
            return target if rng.random() < 0.6 else round(max(lo, target - rng.expovariate(1 / 4)), 2)
        if name == "出庭应诉率":
            return round(rng.uniform(40, 100), 1)
        if name in roles.floors:
            floor = roles.floors[name]
            value = rng.uniform(floor, floor * 2 + 1) if rng.random() < 0.88 else rng.uniform(lo, floor)
            return round(min(max(value, lo), hi))
        return round(rng.uniform(max(lo, hi - (hi - lo) * 0.2), hi), 2)

    def record(self, name: str, spec: Any, k: int) -> dict[str, Any]:
        rng = self.rng
        out: dict[str, Any] = {}
        outcome = rng.choices(*OUTCOMES)[0]
        for field, fspec in (spec.fields or {}).items():
            if fspec.type == "选项" and field == "结果" and set(OUTCOMES[0]) <= set(fspec.options or []):
                out[field] = outcome
            elif fspec.type == "选项":
                out[field] = rng.choice(fspec.options or [""])
            elif fspec.type == "是否":
                good = self.roles.good_bool.get(field, True)
                if field == "负责人出庭":
                    out[field] = rng.random() < 0.75
                elif not good:  # e.g. 拒不履行裁判: only after a lost case, and rarely
                    out[field] = outcome == "败诉" and rng.random() < 0.05
                else:
                    out[field] = rng.random() < 0.9
            elif fspec.type == "文本":
                out[field] = f"（{self.year}）合行初字第{k + 1}号" if field == "案号" else rng.choice(CAUSES)
            elif fspec.type == "日期":
                out[field] = dt.date(self.year, rng.randint(1, 12), rng.randint(1, 28)).isoformat()
            elif fspec.type == "次数":
                out[field] = _count(rng, 1)
            else:
                out[field] = round(rng.uniform(0, 100), 2)
        return out


def broken(data: dict[str, Any], kind: int) -> str:
    """A submission made invalid in one of three ways (kind 0, 1, 2)."""
    if kind == 0:
        return json.dumps(data, ensure_ascii=False, indent=2)[:-30]  # cut off: bad JSON
    data = json.loads(json.dumps(data, ensure_ascii=False))
    if kind == 1:
        name = next(
            (k for k, v in data["指标"].items() if isinstance(v, int | float) and not isinstance(v, bool)), None
        )
        if name is not None:
            data["指标"][name] = str(data["指标"][name])  # a string where a number is expected
    else:
        data["单位类型"] = "未知类型"
    return json.dumps(data, ensure_ascii=False, indent=2)


def write_units(ruleset: Ruleset, folder: Path, n: int, *, seed: int = 1, broken_share: float = 0.02) -> int:
    """Write n submissions to folder (unit0001.json …); returns how many are deliberately broken."""
    folder.mkdir(parents=True, exist_ok=True)
    gen = Generator(ruleset, seed)
    every = int(1 / broken_share) if broken_share > 0 else 0
    bad = 0
    for i in range(n):
        data = gen.submission(i)
        if every and i % every == every - 1:
            text, bad = broken(data, bad % 3), bad + 1
        else:
            text = json.dumps(data, ensure_ascii=False, indent=2)
        (folder / f"unit{i + 1:04d}.json").write_text(text + "\n", encoding="utf-8")
    return bad
