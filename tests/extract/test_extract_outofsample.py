"""Out-of-sample accuracy on 18 real reports (tests/data/reports/truth-outofsample.json), as a user runs
`assess extract` with no options. The hold-out half was never used to write patterns; these counts are
the measurement, pinned so that a change that loses or gains a figure is seen."""

from __future__ import annotations

import json

import pytest
from conftest import DATA

from engine import api
from engine.extract.accuracy import Tally, tally

TRUTH = json.loads((DATA / "reports" / "truth-outofsample.json").read_text(encoding="utf-8"))


def measure(half: str) -> tuple[dict[str, Tally], dict[str, tuple[int, int, int, int]]]:
    totals = {"numbers": Tally(), "yes/no": Tally()}
    per_report = {}
    for name in TRUTH["split"][half]:
        extraction, draft = api.draft_from_report(DATA / "reports" / name)
        counts, _ = tally(extraction, TRUTH["reports"][name], set(draft["指标"]))
        both = Tally()
        for kind, t in counts.items():
            totals[kind].add(t)
            both.add(t)
        per_report[name] = (both.found, both.wrong, both.false_positive, both.missed)
    return totals, per_report


@pytest.mark.parametrize(
    ("half", "numbers", "yes_no"),
    [
        ("develop", (8, 0, 1, 0), (8, 0, 0, 1)),
        ("holdout", (8, 0, 0, 2), (12, 0, 0, 1)),
    ],
)
def test_found_wrong_false_positive_missed(half, numbers, yes_no):
    totals, _ = measure(half)
    got = {k: (t.found, t.wrong, t.false_positive, t.missed) for k, t in totals.items()}
    assert got == {"numbers": numbers, "yes/no": yes_no}


def test_holdout_meets_the_goal():
    totals, per_report = measure("holdout")
    both = Tally()
    for t in totals.values():
        both.add(t)
    assert both.precision >= 0.95 and both.recall >= 0.80
    assert per_report["020-yuanmou-health-2022.txt"] == (0, 0, 0, 1)  # 领导小组召开两次会议: not read as 专题研究
