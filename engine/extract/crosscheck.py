"""Cross-check: where a unit's submitted values differ from what its own published report states.

The assessor's consistency check before scoring (`assess extract REPORT --against SUBMISSION`, and
`assess batch` when a report sits beside a submission). The report is read with the submission's
ruleset; for every indicator the report states, the submitted value is compared with it:

- **不一致**: both give a value and they differ. A rate is compared at the report's precision
  (98.3% in the report agrees with a submitted 98.33); a figure the report gives as approximate
  (近50件) or as a range (3至5次), or derived from other figures, is listed as “待核” rather than as
  a difference, since the report does not state it exactly;
- **申报未填**: the report states a value, the submission leaves it out (or 待填);
- **一致**: the same value.

Each line carries both values and the report sentence (line, phrase), so the assessor can ask.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.documents.numbers import format_decimal
from engine.extract.extractor import APPROXIMATE, CONFLICT, DERIVED, NEGATED, RANGE, UNCERTAIN, Citation, Extraction

DIFFERENT, UNSURE, MISSING = "不一致", "待核", "申报未填"
_LOOSE = (APPROXIMATE, RANGE, DERIVED, UNCERTAIN, CONFLICT, NEGATED)


@dataclass(frozen=True)
class Line:
    name: str
    kind: str  # DIFFERENT | UNSURE | MISSING
    submitted: Any
    stated: Any
    citation: Citation
    flags: tuple[str, ...] = ()


@dataclass
class CrossCheck:
    report: str
    submission: str
    ruleset: str
    agree: list[str] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    year_note: str = ""
    units: dict[str, str] = field(default_factory=dict)  # indicator → its unit (件, %, 次…)

    @property
    def differences(self) -> list[Line]:
        return [line for line in self.lines if line.kind == DIFFERENT]


def cross_check(extraction: Extraction, submission, *, report_year: int | None = None) -> CrossCheck:
    """Compare `submission` (a validated Submission) with what `extraction` found in the unit's report."""
    out = CrossCheck(extraction.report.file, submission.file, extraction.ruleset.header.id)
    out.units = {n: s.unit or "" for n, s in extraction.ruleset.indicators.items()}
    if report_year is not None and report_year != submission.year:
        out.year_note = f"报告看来是{report_year}年度的，申报为{submission.year}年度"
    for name, finding in extraction.findings.items():
        if finding.value is None or not finding.citations:
            continue
        spec = extraction.ruleset.indicators.get(name)
        if spec is None or (spec.applies_to is not None and submission.unit_type not in spec.applies_to):
            continue
        submitted = submission.values.get(name)
        cite = finding.citations[0]
        if submitted is None or name in submission.defaulted:
            out.lines.append(Line(name, MISSING, None, finding.value, cite, tuple(finding.flags)))
        elif same(submitted, finding.value):
            out.agree.append(name)
        else:
            loose = any(f in _LOOSE for f in finding.flags)
            out.lines.append(
                Line(name, UNSURE if loose else DIFFERENT, submitted, finding.value, cite, tuple(finding.flags))
            )
    order = {DIFFERENT: 0, UNSURE: 1, MISSING: 2}
    out.lines.sort(key=lambda line: (order[line.kind], line.citation.line))
    return out


def same(submitted: Any, stated: Any) -> bool:
    """Equal values; a number is compared at the report's precision (98.3 agrees with 98.33)."""
    if isinstance(submitted, bool) or isinstance(stated, bool):
        return submitted is stated
    if isinstance(stated, dt.date) or isinstance(submitted, dt.date):
        return submitted == stated
    if isinstance(stated, (int, Decimal)) and isinstance(submitted, (int, Decimal)):
        stated_d, submitted_d = Decimal(stated), Decimal(submitted)
        exponent = stated_d.normalize().as_tuple().exponent
        places = Decimal(1).scaleb(min(int(exponent), 0))
        return submitted_d.quantize(places) == stated_d.quantize(places) if exponent < 0 else submitted_d == stated_d
    return str(submitted) == str(stated)


def shown(value: Any) -> str:
    if value is None:
        return "（未填）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format_decimal(value) if value == value.to_integral_value() else format(value, "f")  # 94.80 as submitted
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def render(check: CrossCheck) -> str:
    """The terminal lines: a summary, then one line per difference with both values and the sentence."""
    units = check.units
    counts = {k: sum(1 for line in check.lines if line.kind == k) for k in (DIFFERENT, UNSURE, MISSING)}
    lines = [
        f"核对 {check.submission} 与报告 {check.report}（规则集 {check.ruleset}）："
        f"一致 {len(check.agree)} 项，不一致 {counts[DIFFERENT]} 项，待核 {counts[UNSURE]} 项，申报未填 {counts[MISSING]} 项"
    ]
    if check.year_note:
        lines.append(f"注意：{check.year_note}")
    for line in check.lines:
        unit = units.get(line.name, "") if not isinstance(line.stated, bool) else ""
        sentence = line.citation.sentence if len(line.citation.sentence) <= 120 else line.citation.sentence[:120] + "…"
        why = f"（报告：{'、'.join(FLAG_WORDS.get(f, f) for f in line.flags)}）" if line.flags else ""
        lines.append(
            f"  {line.kind} {line.name}：申报 {shown(line.submitted)}{unit if line.submitted is not None else ''}，"
            f"报告 {shown(line.stated)}{unit}{why} —— 第{line.citation.line}行“{line.citation.phrase}”：{sentence}"
        )
    return "\n".join(lines) + "\n"


FLAG_WORDS = {
    APPROXIMATE: "约数",
    RANGE: "范围",
    DERIVED: "推算",
    UNCERTAIN: "分别项数不符",
    CONFLICT: "报告内有不同的值",
    NEGATED: "否定句",
}
