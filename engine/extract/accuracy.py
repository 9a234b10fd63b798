"""Precision and recall of the extractor against values read by hand (tests/data/reports/truth.json).

Per indicator and report: **found** — the extractor's value equals the hand value; **wrong** —
it gives a value the hand count does not (a different value, or one where the report states
none); **missed** — the report states a value the extractor did not find (a wrong value counts
as missed too); **not stated** — neither has a value. Precision = found ÷ (found + wrong);
recall = found ÷ hand values. “Strict” recall also counts the inferred values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.extract.extractor import Extraction


@dataclass
class Score:
    found: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    missed_inferred: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def precision(self) -> Decimal:
        n = len(self.found) + len(self.wrong)
        return Decimal(len(self.found)) / n if n else Decimal(1)

    @property
    def recall(self) -> Decimal:
        n = len(self.found) + len(self.missed)
        return Decimal(len(self.found)) / n if n else Decimal(1)

    @property
    def strict_recall(self) -> Decimal:
        n = len(self.found) + len(self.missed) + len(self.missed_inferred)
        return Decimal(len(self.found)) / n if n else Decimal(1)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, dt.date):
        return a.isoformat() == b
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return Decimal(str(a)) == Decimal(str(b))


def score(extraction: Extraction, stated: dict[str, Any], inferred: dict[str, Any]) -> Score:
    out = Score()
    for name in extraction.ruleset.indicators:
        finding = extraction.findings.get(name)
        got = finding.value if finding is not None else None
        want = stated.get(name)
        if got is not None and want is not None and _same(got, want):
            out.found.append(name)
            out.labels[name] = "found"
        elif got is not None:
            out.wrong.append(name)
            out.labels[name] = "wrong"
            if want is not None:
                out.missed.append(name)
        elif want is not None:
            out.missed.append(name)
            out.labels[name] = "missed"
        elif name in inferred:
            out.missed_inferred.append(name)
            out.labels[name] = "inferred"
        else:
            out.labels[name] = "not stated"
    return out


# -- out of sample: per report, found / wrong / false positive / missed, numbers and yes/no apart --

YES_NO_TYPES = ("是否", "选项")


@dataclass
class Tally:
    """One report's (or one half's) counts for one class of indicator (numbers or yes/no)."""

    found: int = 0
    wrong: int = 0
    false_positive: int = 0
    missed: int = 0

    def add(self, other: "Tally") -> None:
        self.found += other.found
        self.wrong += other.wrong
        self.false_positive += other.false_positive
        self.missed += other.missed

    @property
    def precision(self) -> Decimal | None:
        n = self.found + self.wrong + self.false_positive
        return Decimal(self.found) / n if n else None

    @property
    def recall(self) -> Decimal | None:
        n = self.found + self.wrong + self.missed
        return Decimal(self.found) / n if n else None


def tally(
    extraction: Extraction, truth: dict[str, Any], in_draft: set[str] | None = None
) -> tuple[dict[str, Tally], dict[str, str]]:
    """Counts per class ("numbers", "yes/no") and a label per indicator.

    found: the value read by hand; wrong: another value where the report states one; false
    positive: a value where the report states none (a value equal to an inferred one is neither);
    missed: a stated value not found. Recall = found ÷ stated values. With `in_draft`, only the
    indicators the draft lists (those that apply to its unit type) count as found.
    """
    stated: dict[str, Any] = truth.get("stated", {})
    inferred: dict[str, Any] = truth.get("inferred", {})
    out = {"numbers": Tally(), "yes/no": Tally()}
    labels: dict[str, str] = {}
    specs = extraction.ruleset.indicators
    for name in sorted(set(specs) | set(stated)):
        spec = specs.get(name)
        want_type = stated.get(name, inferred.get(name))
        yes_no = spec.type in YES_NO_TYPES if spec is not None else isinstance(want_type, (bool, str))
        kind = "yes/no" if yes_no and not _is_date(want_type) else "numbers"
        finding = extraction.findings.get(name)
        got = finding.value if finding is not None and (in_draft is None or name in in_draft) else None
        want = stated.get(name)
        t = out[kind]
        if want is not None and got is not None:
            if _same(got, want):
                t.found += 1
                labels[name] = "found"
            else:
                t.wrong += 1
                labels[name] = f"wrong ({_shown(got)} ≠ {_shown(want)})"
        elif want is not None:
            t.missed += 1
            labels[name] = "missed"
        elif got is not None:
            if name in inferred and _same(got, inferred[name]):
                labels[name] = "inferred"
            else:
                t.false_positive += 1
                labels[name] = f"false positive ({_shown(got)})"
    return out, labels


def _is_date(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-"


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
