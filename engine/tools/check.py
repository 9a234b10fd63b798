"""`assess rules check`: every problem of a rules file in one run, as `file:line:col: 规则/路径: message`.

Loading already reports schema errors, unknown or duplicate ids, unknown names, type
mismatches, points that do not add up and caps above points. This module adds what needs the
whole ruleset: conditions that can never hold or always hold (decided by interval reasoning over
the declared ranges and options), unreachable bands, blank 评分标准, unused indicators.

Grade bands cannot overlap or leave gaps in this format: a unit type's bands are three
thresholds (优秀 > 良好 > 合格, the rest 不合格), checked for order and for not exceeding 总分.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.documents.source import load_document, value_at
from engine.errors import ExpressionError, Location, RulesError, format_path
from engine.evaluation.checks import compile_ruleset
from engine.ruleset import conditions as expr
from engine.ruleset.build import build_ruleset, symbol
from engine.ruleset.load import load_rules
from engine.ruleset.methods import method_of
from engine.ruleset.model import NUMERIC_TYPES
from engine.ruleset.ruleset import Ruleset

# where an item, a bonus item and a veto sit in a rules file (int: any index)
_ITEM_SHAPES = (("评分细则", int, "二级指标", int, "评分项", int), ("加分项", int), ("否决项", int))


@dataclass(frozen=True)
class Finding:
    location: Location
    rule: str  # the item id where known, else the path in the file
    message: str
    note: bool = False  # a note (提示), not a problem: it does not fail the check

    def __str__(self) -> str:
        return f"{self.location.head}: {'提示: ' if self.note else ''}{self.rule}: {self.message}"


def rules_files(paths: list[Path]) -> list[Path]:
    """The rules files named, or found in folders (not their case files; their 分工表 too)."""
    from engine.ruleset.folders import rules_files as in_folder
    from engine.ruleset.responsibility import MAP_SUFFIX

    out: list[Path] = []
    for path in paths:
        out.extend([*in_folder(path), *sorted(path.glob("*" + MAP_SUFFIX))] if path.is_dir() else [path])
    return out


def check_map_file(path: Path) -> list[Finding]:
    """A 分工表, against the ruleset beside it (X.分工.yaml → X.yaml) when there is one: its problems, and
    units named two ways as notes."""
    from engine.ruleset.load import load_rules
    from engine.ruleset.responsibility import MAP_SUFFIX, load_map

    beside = path.with_name(path.name[: -len(MAP_SUFFIX)] + ".yaml")
    try:
        if beside.is_file():
            ruleset = load_rules(beside)
        else:  # the ruleset the map names, by 编号 (a shipped one)
            from engine.api import get_ruleset

            ruleset = get_ruleset(load_map(path).header.ruleset)
        mapping = load_map(path, ruleset)
    except RulesError as exc:
        return [Finding(p.location, p.location.where or "分工表", p.message) for p in exc.problems]
    return [Finding(w.location, w.location.where, w.message, note=True) for w in mapping.warnings]


def check_file(path: Path) -> list[Finding]:
    from engine.ruleset.responsibility import is_map_file

    if is_map_file(path):
        return check_map_file(path)
    try:
        doc = load_document(path, RulesError)
    except RulesError as exc:
        return [Finding(p.location, p.location.where or "文件", p.message) for p in exc.problems]
    try:
        # load_rules merges a ruleset that extends another (继承) before it is checked as a whole
        ruleset = load_rules(path) if _extends(doc) else build_ruleset(doc)
    except RulesError as exc:
        if _extends(doc):
            return [Finding(p.location, p.location.where or "规则集", p.message) for p in exc.problems]
        found = [Finding(p.location, _rule_for(doc.data, p.location), p.message) for p in exc.problems]
        seen = {(f.location.line, f.message) for f in found}
        found += [f for f in _raw_conditions(doc) if (f.location.line, f.message) not in seen]
        return found
    return lint(ruleset) + extraction_notes(ruleset, doc)


def extraction_notes(ruleset: Ruleset, doc) -> list[Finding]:
    """A note naming the indicators without `提取` (assess extract leaves them 待填); a record list never has one,
    nor does an indicator the engine computes (days late, `逾期`).

    A file that extends another is told only about the indicators it declares itself."""
    own = set((doc.data.get("指标") or {}) if isinstance(doc.data, dict) else ()) if _extends(doc) else None
    names = [
        n
        for n, spec in ruleset.indicators.items()
        if spec.extraction is None and spec.type != "记录列表" and spec.overdue is None and (own is None or n in own)
    ]
    if not names:
        return []
    where = doc.locate(("指标",)) if isinstance(doc.data, dict) and "指标" in doc.data else Location(ruleset.file)
    if own is None and not any(spec.extraction for spec in ruleset.indicators.values()):
        message = "没有任何指标声明“提取”，assess extract 写出的草稿将全部为“待填”"
        return [Finding(where, "指标", message, note=True)]
    return [
        Finding(
            where,
            "指标",
            f"{len(names)} 个指标没有声明“提取”，assess extract 不会从年度报告中找它们（草稿中为“待填”）："
            + "、".join(names),
            note=True,
        )
    ]


def _extends(doc) -> bool:
    header = doc.data.get("规则集") if isinstance(doc.data, dict) else None
    return isinstance(header, dict) and "继承" in header


def _raw_conditions(doc) -> list[Finding]:
    """When the file as a whole does not validate, still check every 条件 it contains against
    the indicators that do validate, so one run reports those problems too."""
    from engine.ruleset.model import IndicatorSpec

    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("指标"), dict):
        return []
    specs: dict[str, IndicatorSpec] = {}
    for name, raw in data["指标"].items():
        try:
            specs[str(name)] = IndicatorSpec.model_validate(raw)
        except Exception:  # reported by the schema check; its name still counts as declared
            specs[str(name)] = None  # type: ignore[assignment]
    symbols = {
        n: symbol(s) if s else expr.Symbol("未知") for n, s in specs.items() if s is None or s.type != "记录列表"
    }
    out: list[Finding] = []

    def walk(node: Any, loc: tuple, record_list: str | None) -> None:
        if isinstance(node, dict):
            rec = node.get("记录") if isinstance(node.get("记录"), str) else record_list
            for key, value in node.items():
                if key == "条件" and isinstance(value, str):
                    out.extend(_one_condition(doc, loc + (key,), value, symbols, specs, rec))
                else:
                    walk(value, loc + (key,), rec)
        elif isinstance(node, list):
            for n, value in enumerate(node):
                walk(value, loc + (n,), record_list)

    for section in ("评分细则", "加分项", "否决项"):
        walk(data.get(section), (section,), None)
    return out


def _one_condition(doc, loc, text, symbols, specs, record_list) -> list[Finding]:
    from engine.errors import ExpressionError
    from engine.ruleset.build import _offset

    if record_list is not None:
        spec = specs.get(record_list)
        if spec is None or spec.type != "记录列表":
            return []
        symbols = {n: symbol(f) for n, f in (spec.fields or {}).items()}
    try:
        node = expr.parse(text)
        unknown_type = {n for n, s in symbols.items() if s.category == "未知"}
        names = {c.left.name for c in expr.comparisons(node) if isinstance(c.left, expr.Name)}
        if names & unknown_type:
            return []  # the indicator itself is broken: its own error says so
        expr.check(node, symbols)
    except ExpressionError as exc:
        where = _offset(doc, loc, exc.offset)
        return [Finding(where, _rule_for(doc.data, where), exc.message)]
    return []


def _rule_for(data: Any, location: Location) -> str:
    """The id of the item a location points into (and the rest of its path), or the path itself."""
    path = location.path
    for shape in _ITEM_SHAPES:
        head = path[: len(shape)]
        if len(head) == len(shape) and all(
            isinstance(step, int) if want is int else step == want for step, want in zip(head, shape, strict=True)
        ):
            node = value_at(data, head)
            rid = node.get("编号") if isinstance(node, dict) else None
            if not rid:
                return location.where
            rest = format_path(path[len(shape) :])
            return f"{rid}" + (f"（{rest}）" if rest else "")
    return location.where or "规则集"


def lint(ruleset: Ruleset) -> list[Finding]:
    findings: list[Finding] = []
    compiled = compile_ruleset(ruleset)
    where = {e.item.id: e.location for e in ruleset.entries}
    file = ruleset.file
    for item in list(ruleset.model.bonuses) + list(ruleset.model.vetoes):
        where.setdefault(item.id, Location(file))
    for entry in ruleset.entries:
        if not entry.item.standard.strip():
            findings.append(Finding(entry.location, entry.item.id, "评分标准为空"))
    for check in compiled.checks.values():
        if check.node is None:
            continue
        symbols = _domains(ruleset, check.record_list)
        cond = ruleset.conditions.get(check.rule_id)
        loc = cond.location if cond else where.get(check.item_id, Location(file))
        verdict = decide(check.node, symbols)
        text = expr.render(cond.written or cond.node) if cond else expr.render(check.node)
        if verdict is False:
            findings.append(
                Finding(loc, check.rule_id, f"条件“{text}”永远不会成立（按指标的取值范围），本项不会起作用")
            )
        elif verdict is True:
            what = "本项总会扣分" if check.item_id == check.rule_id else "总会成立"
            findings.append(Finding(loc, check.rule_id, f"条件“{text}”总是成立（按指标的取值范围），{what}"))
    for entry in ruleset.entries:
        tiers = method_of(entry.item).tiers(entry.item)  # tried in order: one that always holds hides the rest
        for k, (rule_id, label) in enumerate(tiers[:-1]):
            if decide(ruleset.conditions[rule_id].node, _domains(ruleset, None)) is True:
                later = "、".join(text for _, text in tiers[k + 1 :])
                findings.append(Finding(entry.location, entry.item.id, f"{label}总是成立，{later}不会被用到"))
                break
    used: set[str] = set()
    for names in ruleset.item_reads.values():
        used.update(names)
    for spec in ruleset.indicators.values():  # the parts of a rate are read through the rate
        used.update(n for n in (spec.numerator, spec.denominator) if n)
        if spec.overdue is not None:  # so is the date days late are counted from
            used.add(spec.overdue.date)
    for name, spec in ruleset.indicators.items():
        if name not in used and not spec.statistical:
            findings.append(
                Finding(
                    _indicator_loc(ruleset, name),
                    f"指标.{name}",
                    "指标已声明，但没有评分项用到（只作统计的，请标注“仅统计: 是”）",
                )
            )
    return findings + fixed_dates(ruleset) + grade_caps(ruleset)


def fixed_dates(ruleset: Ruleset) -> list[Finding]:
    """A fixed date (2013-03-01) is right for one 考核年度 only: flag each one outside the years
    the ruleset's 适用期间 can produce, or in a ruleset for more than one year, with the spelling
    by the 考核年度 (次年3月1日) that follows the year."""
    if ruleset.header.period is None:
        return []
    found = []
    for key, cond in ruleset.conditions.items():
        for cmp in expr.comparisons(cond.written or cond.node):
            for side in (cmp.left, cmp.right):
                when = getattr(side, "value", None)
                message = _fixed_date(ruleset, when) if isinstance(when, dt.date) else None
                if message:
                    found.append(Finding(_part_location(ruleset, cond, side.offset), key, message))
    for name, spec in ruleset.indicators.items():
        if spec.overdue is None:
            continue
        try:
            when = expr.date_literal(spec.overdue.deadline)
        except (ValueError, ExpressionError):
            continue  # reported when the file loads
        message = _fixed_date(ruleset, when) if isinstance(when, dt.date) else None
        if message:
            doc = ruleset.document
            where = doc.locate(("指标", name, "逾期", "期限")) if doc is not None else Location(ruleset.file)
            found.append(Finding(where, f"指标.{name}", message))
    return found


def _fixed_date(ruleset: Ruleset, when: dt.date) -> str | None:
    period = ruleset.header.period
    start, end = period.start, period.end
    outside = when.year < start or (end is not None and when.year > end + 1)
    if not outside and end == start:
        return None  # a one-year ruleset may name that year's dates
    by_offset = {0: "当年", 1: "次年", -1: "上年"}.get(when.year - start)
    words = [by_offset] if by_offset and not outside else ["当年", "次年"]
    spelled = "或".join(f"“{w}{when.month}月{when.day}日”" for w in words)
    if outside:
        last = f"{end + 1}年" if end is not None else "以后"
        return (
            f"固定日期 {when.isoformat()} 不在适用期间（{period}）可能涉及的年份（{start}—{last}）内，"
            f"可能沿用了其他年度的细则；请按考核年度写作{spelled}"
        )
    return f"固定日期 {when.isoformat()} 只对{start}年度正确，而本规则集适用于{period}；请按考核年度写作{spelled}"


def _part_location(ruleset: Ruleset, cond: Any, offset: int) -> Location:
    from engine.ruleset.build import _offset

    if ruleset.document is None or not cond.loc:
        return cond.location
    return _offset(ruleset.document, cond.loc, offset)


def grade_caps(ruleset: Ruleset) -> list[Finding]:
    """Notes where the declared caps do more (or less) than they seem to: a cap applies exactly as written."""
    header = ruleset.header
    caps = header.grade_caps
    if not header.grade_words:  # a table without grades: nothing to cap
        return []
    doc = ruleset.document
    where = doc.locate(("规则集", "等次限制")) if doc is not None else Location(ruleset.file, path="规则集.等次限制")
    items = [e.item for e in ruleset.entries] + list(ruleset.model.vetoes)
    writes = [getattr(i, "bad_record", None) for i in items]
    severe = any(b and b.severity == "严重" for b in writes) or any(v.bad_record is None for v in ruleset.model.vetoes)
    if caps.ordinary is None and caps.severe is None:
        if any(writes) or ruleset.model.vetoes:
            if doc is not None and "等次限制" not in (doc.data.get("规则集") or {}):
                where = doc.locate(("规则集",))
            return [
                Finding(
                    where,
                    "规则集.等次限制",
                    "评分项或否决项会记不良记录，但没有声明等次限制，不良记录不影响等次；"
                    "如评分细则有限制，请写 等次限制: {有不良记录: 良好, 有严重不良记录: 合格}",
                )
            ]
        return []
    if caps.ordinary is not None and caps.severe is None and severe:
        return [
            Finding(
                where,
                "规则集.等次限制",
                f"只声明了“有不良记录: {caps.ordinary}”：严重不良记录也是不良记录，等次同样不得高于{caps.ordinary}；"
                "严重不良记录如应更严，请另写“有严重不良记录”",
            )
        ]
    words = list(ruleset.header.grade_words)
    if caps.ordinary in words and caps.severe in words and words.index(caps.severe) < words.index(caps.ordinary):
        return [
            Finding(
                where,
                "规则集.等次限制",
                f"“有严重不良记录: {caps.severe}”宽于“有不良记录: {caps.ordinary}”：严重不良记录也是不良记录，"
                f"实际等次不得高于{caps.ordinary}",
            )
        ]
    return []


def _indicator_loc(ruleset: Ruleset, name: str) -> Location:
    # the document the ruleset was loaded from: no second read of the file per finding
    if ruleset.document is None:
        return Location(ruleset.file, path=("指标", name))
    return ruleset.document.locate(("指标", name))


# -- deciding conditions ------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    lo: Any
    lo_open: bool
    hi: Any
    hi_open: bool
    integer: bool = False
    excluded: frozenset = frozenset()

    def empty(self) -> bool:
        lo, hi = self.lo, self.hi
        if self.integer:
            if lo is not None:
                lo = _ceil(lo, self.lo_open)
            if hi is not None:
                hi = _floor(hi, self.hi_open)
            if lo is not None and hi is not None:
                if lo > hi:
                    return True
                if hi - lo < 50:  # small integer range: check each value against exclusions
                    return all(Decimal(v) in self.excluded for v in range(int(lo), int(hi) + 1))
            return False
        if lo is None or hi is None:
            return False
        if lo > hi or (lo == hi and (self.lo_open or self.hi_open)):
            return True
        return lo == hi and lo in self.excluded


def _ceil(value: Decimal, open_: bool) -> Decimal:
    n = value.to_integral_value(rounding="ROUND_CEILING")
    return n + 1 if open_ and n == value else n


def _floor(value: Decimal, open_: bool) -> Decimal:
    n = value.to_integral_value(rounding="ROUND_FLOOR")
    return n - 1 if open_ and n == value else n


def _domains(ruleset: Ruleset, record_list: str | None) -> dict[str, Any]:
    specs = ruleset.indicators if record_list is None else (ruleset.indicators[record_list].fields or {})
    out: dict[str, Any] = {}
    for name, spec in specs.items():
        if spec.type in NUMERIC_TYPES:
            lo, hi = spec.bounds
            out[name] = Interval(lo, False, hi, False, integer=spec.type == "次数")
        elif spec.type == "日期":
            out[name] = Interval(None, False, None, False)
        elif spec.type == "是否":
            out[name] = frozenset({True, False})
        elif spec.type == "选项":
            out[name] = frozenset(spec.options or ())
        # 文本: unbounded, never decided
    return out


def decide(node: expr.Node, domains: dict[str, Any]) -> bool | None:
    """False if the condition can never hold, True if it always holds, None if it depends."""
    if not _satisfiable(node, domains):
        return False
    if not _satisfiable(expr.normalize(expr.Not(node)), domains):
        return True
    return None


def _satisfiable(node: expr.Node, domains: dict[str, Any]) -> bool:
    node = expr.normalize(node)
    if expr.branch_count(node) > 256:
        return True  # too many branches to enumerate: do not claim anything
    return any(_term_satisfiable(term, domains) for term in _dnf(node))


def _dnf(node: expr.Node) -> list[list[expr.Compare]]:
    if isinstance(node, expr.Compare):
        return [[node]]
    if isinstance(node, expr.Or):
        return [t for item in node.items for t in _dnf(item)]
    terms: list[list[expr.Compare]] = [[]]
    for item in node.items:
        terms = [a + b for a in terms for b in _dnf(item)]
    return terms


def _term_satisfiable(term: list[expr.Compare], domains: dict[str, Any]) -> bool:
    state = dict(domains)
    for cmp in term:
        if not isinstance(cmp.left, expr.Name) or not isinstance(cmp.right, expr.Literal):
            continue  # comparing two indicators: not decided here
        name, value = cmp.left.name, cmp.right.value
        domain = state.get(name)
        if domain is None:
            continue
        if isinstance(domain, frozenset):
            if cmp.op == "==":
                domain = domain & {value}
            elif cmp.op == "!=":
                domain = domain - {value}
            state[name] = domain
            if not domain:
                return False
            continue
        if isinstance(value, expr.RelativeDate):
            continue  # a different date for every 考核年度: not decided here
        if isinstance(value, dt.date):
            value = Decimal(value.toordinal())
            domain = _as_ordinal(domain)
        state[name] = domain = _narrow(domain, cmp.op, value)
        if domain.empty():
            return False
    return True


def _as_ordinal(domain: Interval) -> Interval:
    def conv(v):
        return Decimal(v.toordinal()) if isinstance(v, dt.date) else v

    return Interval(conv(domain.lo), domain.lo_open, conv(domain.hi), domain.hi_open, domain.integer, domain.excluded)


def _narrow(d: Interval, op: str, v: Decimal) -> Interval:
    lo, lo_open, hi, hi_open = d.lo, d.lo_open, d.hi, d.hi_open
    if op in (">", ">=", "=="):
        strict = op == ">"
        if lo is None or v > lo or (v == lo and strict):
            lo, lo_open = v, strict
    if op in ("<", "<=", "=="):
        strict = op == "<"
        if hi is None or v < hi or (v == hi and strict):
            hi, hi_open = v, strict
    excluded = d.excluded | {v} if op == "!=" else d.excluded
    return Interval(lo, lo_open, hi, hi_open, d.integer, excluded)


def check_paths(paths: list[Path]) -> tuple[list[Path], list[Finding]]:
    files = rules_files(paths)
    findings: list[Finding] = []
    for path in files:
        findings.extend(check_file(path))
    return files, findings
