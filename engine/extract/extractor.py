"""Finding each indicator's value in a report, with the sentences it came from.

For every indicator that declares `提取`, in dependency order (等于 and 计算 refer to others):

1. every sentence outside the plan sections that passes 须含/排除 is matched against each 模式;
   a match gives a candidate value, cited by line, column, the matched phrase and the sentence;
2. candidates the indicator cannot take (a count of 3.5, a rate over 100) are set aside, cited;
3. equal values are one finding with several citations; different values are a `conflict`
   (the first in the report is kept, every value is listed); with 合计 the different values
   are added up instead (channels of one figure) and the sum is `derived`;
4. 计算 divides two other indicators' values (× 100, 2 places, half up): the result is the value
   when the report states none (`derived`), and is checked against a stated value otherwise —
   a difference is a `conflict`.

A value is `approximate` when every place that gives it says so (近50件, 4000余条, 50件左右); a
`range` when the report gives one (3至5次: the lower bound is taken); `negated` when a yes/no phrase
is denied (尚未聘请法律顾问 → 否); `uncertain` when “分别” pairs names and figures of unequal number.
Targets, plans, changes, figures not reached and frequencies are set aside with the reason
(engine/extract/meaning.py), as are sentences of the page around the report (page furniture).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from engine.extract import meaning, numbers
from engine.extract.patterns import CompiledPattern, compile_spec, fold
from engine.extract.report import Report, Sentence
from engine.ruleset.extraction_check import coerce, order
from engine.ruleset.model import IndicatorSpec
from engine.ruleset.ruleset import Ruleset
from engine.ruleset.values import check_value

APPROXIMATE, DERIVED, CONFLICT = "approximate", "derived", "conflict"
RANGE, NEGATED, UNCERTAIN = "range", "negated", "uncertain"
_SLOT_REGEX = {
    "{数}": re.compile(numbers.NUMBER),
    "{率}": re.compile(numbers.PERCENT),
    "{日期}": re.compile(numbers.DATE),
}
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Citation:
    file: str
    line: int
    col: int
    phrase: str
    sentence: str


@dataclass(frozen=True)
class Candidate:
    value: Any
    approximate: bool
    citation: Citation
    key: tuple[int, int]  # (sentence number, position of the value): one figure is read once
    via: str = "原文"  # 原文 | 值 | 等于
    span: tuple[int, int] = (0, 0)  # the whole match in the folded sentence
    flags: tuple[str, ...] = ()  # RANGE, NEGATED, UNCERTAIN
    problem: str | None = None  # why this is not the year's value (meaning.REASONS)


@dataclass
class Ratio:
    numerator: str
    denominator: str
    num_value: Decimal
    den_value: Decimal
    result: Decimal | None
    matches_stated: bool | None = None
    note: str = ""


@dataclass
class Finding:
    """What was found for one indicator."""

    name: str
    value: Any
    flags: list[str]
    citations: list[Citation]
    alternatives: list[tuple[Any, list[Citation], str]] = field(default_factory=list)
    parts: list[Candidate] = field(default_factory=list)
    ratio: Ratio | None = None
    rejected: list[tuple[Any, str, Citation]] = field(default_factory=list)

    @property
    def approximate(self) -> bool:
        return APPROXIMATE in self.flags


@dataclass
class Extraction:
    report: Report
    ruleset: Ruleset
    findings: dict[str, Finding]
    missing: dict[str, str]  # name → why it is 待填
    notes: dict[str, str] = field(default_factory=dict)  # name → why a derivation was not made


def extract(report: Report, ruleset: Ruleset) -> Extraction:
    indicators = ruleset.indicators
    findings: dict[str, Finding] = {}
    parts_by_name: dict[str, list[Candidate]] = {}
    notes: dict[str, str] = {}
    for name in order(indicators):
        spec = indicators[name]
        candidates = _candidates(report, spec, compile_spec(spec.extraction), parts_by_name)
        parts_by_name[name] = candidates
        finding = _decide(name, spec, candidates)
        if spec.extraction.ratio is not None:
            finding = _derive(name, spec, finding, findings, notes)
        if finding is not None:
            findings[name] = finding
    missing: dict[str, str] = {}
    for name, spec in indicators.items():
        if name in findings and findings[name].value is not None:
            continue
        if name in findings:
            missing[name] = notes.get(name, "报告中的值不合要求（见草稿“未采用”）")
            continue
        if spec.type == "记录列表":
            missing[name] = "记录列表须逐条填写"
        elif spec.extraction is None:
            missing[name] = "规则集未声明提取方式"
        else:
            missing[name] = notes.get(name, "报告中未找到")
    return Extraction(report, ruleset, findings, missing, notes)


def _candidates(
    report: Report, spec: IndicatorSpec, patterns: list[CompiledPattern], found: dict[str, list[Candidate]]
) -> list[Candidate]:
    ext = spec.extraction
    require = [fold(w) for w in ext.require]
    exclude = [fold(w) for w in ext.exclude]
    out: dict[tuple[int, int], Candidate] = {}
    for number, sentence in enumerate(report.sentences):
        if sentence.furniture:
            continue
        text = sentence.folded
        if require and not any(w in text or w in sentence.context for w in require):
            continue
        for pattern in patterns:
            if sentence.plan and not pattern.whole:
                continue
            for match in pattern.regex.finditer(text):
                if exclude and any(w in _clauses(text, match) for w in exclude):
                    continue
                candidate = _candidate(report, spec, sentence, number, pattern, match, found)
                if candidate is not None and candidate.key not in out:
                    out[candidate.key] = candidate
    return _longest(sorted(out.values(), key=lambda c: c.key))


_CLAUSE_END = re.compile("[,，;；:：]")


def _clauses(text: str, match) -> str:
    """The clauses a match spans (from the comma before it to the comma after it): what 排除 is checked in.

    A sentence that opens with 其中 is an aside as a whole, so its opening word counts for every clause."""
    start = 0 if text.lstrip().startswith("其中") else meaning.clause_start(text, match.start())
    after = _CLAUSE_END.search(text, match.end())
    end = after.start() if after else len(text)
    return text[start:end]


def _longest(candidates: list[Candidate]) -> list[Candidate]:
    """Of two matches that overlap in one sentence, the longer is the reading (未建立学法制度 over 学法制度)."""
    kept: dict[int, list[Candidate]] = {}  # by sentence: only matches in one sentence can overlap
    for c in sorted(candidates, key=lambda c: (c.key[0], -(c.span[1] - c.span[0]), c.span[0])):
        same = kept.setdefault(c.key[0], [])
        if not any(k.span[0] < c.span[1] and c.span[0] < k.span[1] for k in same):
            same.append(c)
    return sorted((c for same in kept.values() for c in same), key=lambda c: c.key)


def _candidate(report, spec, sentence: Sentence, number: int, pattern: CompiledPattern, match, found):
    citation = _citation(report, sentence, match.start(), match.end())
    if pattern.slot is not None:
        text = sentence.folded
        v_start, v_end, raw = match.start("v"), match.end("v"), match.group("v")
        flags: list[str] = []
        paired = meaning.respective_value(text, match.start(), v_start, _SLOT_REGEX[pattern.slot])
        if paired is not None:
            chosen, uncertain = paired
            v_start, v_end, raw = chosen.start(), chosen.end(), chosen.group(0)
            flags += [UNCERTAIN] if uncertain else []
            citation = _citation(report, sentence, match.start(), max(match.end(), v_end))
        try:
            if pattern.slot == "{日期}":
                value, approx = numbers.parse_date(raw), False
            else:
                quantity = numbers.parse_percent(raw) if pattern.slot == "{率}" else numbers.parse_number(raw)
                value, approx = quantity.value, quantity.approximate
                flags += [RANGE] if quantity.upper is not None else []
        except ValueError:
            return None  # 2月30日 and the like: not a figure
        tail = text[v_end : v_end + 3]
        approx = approx or tail.startswith(numbers.APPROX_SUFFIX) or tail[1:].startswith(numbers.APPROX_SUFFIX)
        if spec.type == "次数" and value == value.to_integral_value():
            value = int(value)
        problem = None if pattern.slot == "{日期}" else meaning.figure_problem(text, match.start(), v_start, v_end)
        return Candidate(
            value, approx, citation, (number, v_start), span=match.span(), flags=tuple(flags), problem=problem
        )
    if pattern.equals is not None:
        same = [c for c in found.get(pattern.equals, []) if c.key[0] == number]
        if not same:
            return None
        nearest = min(same, key=lambda c: abs(c.key[1] - match.start()))
        value = nearest.value
        if spec.type == "次数" and isinstance(value, Decimal) and value == value.to_integral_value():
            value = int(value)
        return Candidate(value, nearest.approximate, citation, (number, match.start()), "等于", match.span())
    value = True if pattern.value is None else coerce(spec, pattern.value)
    problem = meaning.yes_no_problem(sentence.folded, match.start()) if not pattern.whole else None
    if problem == "negated":
        if not isinstance(value, bool):  # a fixed 值 (未发生…撤销 → 0) is already the negated reading
            return None
        return Candidate(not value, False, citation, (number, match.start()), "值", match.span(), (NEGATED,))
    return Candidate(value, False, citation, (number, match.start()), "值", match.span(), problem=problem)


def _citation(report, sentence: Sentence, start: int, end: int) -> Citation:
    """A folded span of a sentence as a citation of the original text."""
    first, last = sentence.span(start, end)
    raw_phrase = sentence.text[first:last]
    lead = len(raw_phrase) - len(raw_phrase.lstrip())
    return Citation(report.file, sentence.line, sentence.col + first + lead, raw_phrase.strip(), sentence.text.strip())


def _decide(name: str, spec: IndicatorSpec, candidates: list[Candidate]) -> Finding | None:

    accepted: list[Candidate] = []
    rejected: list[tuple[Any, str, Citation]] = []
    for c in candidates:
        message = meaning.REASONS[c.problem] if c.problem else check_value(spec, c.value)
        if message:
            rejected.append((c.value, message, c.citation))
        else:
            accepted.append(c)
    groups: dict[Any, list[Candidate]] = {}
    for c in accepted:
        groups.setdefault(_same(c.value), []).append(c)
    if not groups:
        return Finding(name, None, [], [], rejected=rejected) if rejected else None
    if spec.extraction.total and len(groups) > 1:
        parts = [group[0] for group in groups.values()]
        total = sum((Decimal(p.value) for p in parts), Decimal(0))
        value: Any = int(total) if spec.type == "次数" else total
        flags = [DERIVED] + ([APPROXIMATE] if any(p.approximate for p in parts) else [])
        flags += sorted({f for p in parts for f in p.flags})
        return Finding(name, value, flags, [p.citation for p in parts], parts=parts, rejected=rejected)
    ordered = list(groups.values())
    chosen = ordered[0]
    flags = [APPROXIMATE] if all(c.approximate for c in chosen) else []
    flags += sorted({f for c in chosen for f in c.flags})
    finding = Finding(name, chosen[0].value, flags, [c.citation for c in chosen], parts=chosen[:1], rejected=rejected)
    if len(ordered) > 1:
        finding.flags.append(CONFLICT)
        finding.alternatives = [(g[0].value, [c.citation for c in g], "原文") for g in ordered]
    return finding


def _derive(name: str, spec, stated: Finding | None, findings: dict[str, Finding], notes: dict[str, str]):
    ratio = spec.extraction.ratio
    num, den = findings.get(ratio.numerator), findings.get(ratio.denominator)
    if num is None or den is None or num.value is None or den.value is None:
        return stated
    why = ""
    if CONFLICT in num.flags or CONFLICT in den.flags:
        why = f"{ratio.numerator}或{ratio.denominator}有冲突，未计算"
    elif len(num.parts) != len(den.parts):
        why = f"{ratio.numerator}与{ratio.denominator}的出处数不同（{len(num.parts)} 与 {len(den.parts)}），未计算"
    elif Decimal(den.value) == 0:
        why = f"{ratio.denominator}为 0，未计算"
    if why:
        notes[name] = why
        if stated is not None:
            stated.ratio = Ratio(ratio.numerator, ratio.denominator, num.value, den.value, None, None, why)
        return stated
    result = (Decimal(num.value) * HUNDRED / Decimal(den.value)).quantize(CENT, rounding=ROUND_HALF_UP)
    info = Ratio(ratio.numerator, ratio.denominator, Decimal(num.value), Decimal(den.value), result)
    sources = num.citations + den.citations
    approx = num.approximate or den.approximate
    if stated is not None and stated.value is not None:
        info.matches_stated = Decimal(stated.value) == result
        stated.ratio = info
        if not info.matches_stated:
            if CONFLICT not in stated.flags:
                stated.flags.append(CONFLICT)
                stated.alternatives = [(stated.value, stated.citations, "原文")]
            stated.alternatives.append((result, sources, "计算"))
        return stated

    message = check_value(spec, result)
    rejected = stated.rejected if stated is not None else []
    if message:
        notes[name] = f"按 {ratio.numerator}÷{ratio.denominator} 算得 {result}，{message}"
        rejected.append((result, message, sources[0]))
        return Finding(name, None, [], [], rejected=rejected)
    flags = [DERIVED] + ([APPROXIMATE] if approx else [])
    return Finding(name, result, flags, sources, ratio=info, rejected=rejected)


def _same(value: Any) -> Any:
    """A key under which equal values meet (Decimal 100 and int 100 are the same figure)."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, Decimal)):
        return ("num", Decimal(value).normalize())
    return (type(value).__name__, value)
