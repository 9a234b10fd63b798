"""Days late (逾期天数), computed from a submitted date and a deadline the rules file names.

An indicator declared `逾期: {日期: 年度报告报送日期, 期限: 次年3月1日}` is not typed in: the
engine counts the calendar days from the deadline (for the submission's 考核年度) to the date.
The deadline day itself is on time (0 days); 3月2日 is 1 day late and 3月31日 is 30 days late
after a 3月1日 deadline, so “逾期30日以内” is `逾期天数 <= 30`. A value the unit submitted anyway
is checked against the computed one: a difference is an error stating both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from engine.documents.source import Document
from engine.errors import ErrorList
from engine.ruleset.conditions import RelativeDate, Value, date_literal, format_decimal
from engine.ruleset.ruleset import Ruleset


@dataclass
class Counted:
    """What counting days late adds to a submission."""

    values: dict[str, Decimal] = field(default_factory=dict)  # indicator → days late
    explained: dict[str, str] = field(default_factory=dict)  # indicator → how it was counted
    derived: set[str] = field(default_factory=set)  # every computed indicator (never "missing" itself)


def deadline_on(text: str, year: int) -> dt.date:
    """The deadline as a date for a submission of `year` (checked when the rules file loaded)."""
    when = date_literal(text)
    return when.on(year) if isinstance(when, RelativeDate) else when


def count_days_late(
    ruleset: Ruleset, doc: Document, values: dict[str, Value], year: int, unit_type: str, errors: ErrorList
) -> Counted:
    out = Counted()
    for name, spec in ruleset.indicators.items():
        overdue = spec.overdue
        if overdue is None:
            continue
        out.derived.add(name)
        if spec.applies_to is not None and unit_type not in spec.applies_to:
            continue
        submitted_date = values.get(overdue.date)
        given = values.get(name)
        if not isinstance(submitted_date, dt.date):
            if given is not None:
                errors.add(
                    doc.locate(("指标", name)),
                    f"{spec.label}（{name}）由引擎按“{overdue.date}”计算，请申报{overdue.date}（不必填逾期天数）",
                )
            continue
        deadline = deadline_on(overdue.deadline, year)
        days = Decimal(max(0, (submitted_date - deadline).days))
        how = (
            f"按 {overdue.date}（{submitted_date.isoformat()}）与期限 {overdue.deadline}"
            f"（{deadline.isoformat()}）计算，逾期{format_decimal(days)}{spec.unit or '天'}"
        )
        if given is not None and given != days:
            errors.add(
                doc.locate(("指标", name)),
                f"{spec.label}（{name}）申报为 {format_decimal(Decimal(given))}，{how}，二者不符",  # type: ignore[arg-type]
            )
            continue
        out.values[name] = days
        out.explained[name] = how
    return out
