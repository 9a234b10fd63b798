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
