"""Precision and recall on the three seed reports, against the values read by hand in truth.json."""

from __future__ import annotations

import json

import pytest
from conftest import DATA, RULES

from engine.extract.accuracy import score
from engine.extract.extractor import extract
from engine.extract.report import read_report
from engine.ruleset.load import load_rules

TRUTH = json.loads((DATA / "reports" / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def scores():
    ruleset = load_rules(RULES / "demo-district-2013.yaml")
    out = {}
    for name in ("000-huashan-2012.txt", "001-qujiang-2019.txt", "003-gaizhou-2016.txt"):
        extraction = extract(read_report(DATA / "reports" / name), ruleset)
        out[name] = score(extraction, TRUTH[name]["stated"], TRUTH[name]["inferred"])
    return out


def test_counts_per_report(scores):
    counts = {n: (len(s.found), len(s.wrong), len(s.missed), len(s.missed_inferred)) for n, s in scores.items()}
    assert counts == {
        "000-huashan-2012.txt": (19, 0, 0, 7),
        "001-qujiang-2019.txt": (15, 1, 0, 6),
        "003-gaizhou-2016.txt": (29, 0, 2, 7),
    }
    assert scores["001-qujiang-2019.txt"].wrong == ["投诉受理件数"]  # 18000余 + 3000 + 200余: channels may overlap
    assert scores["003-gaizhou-2016.txt"].missed == ["会前学法次数", "法制讲座次数"]  # given as dates, not counts


def test_totals(scores):
    found = sum(len(s.found) for s in scores.values())
    wrong = sum(len(s.wrong) for s in scores.values())
    missed = sum(len(s.missed) for s in scores.values())
    inferred = sum(len(s.missed_inferred) for s in scores.values())
    assert (found, wrong, missed, inferred) == (63, 1, 2, 20)
    assert round(100 * found / (found + wrong), 1) == 98.4  # precision
    assert round(100 * found / (found + missed), 1) == 96.9  # recall over stated values
    assert round(100 * found / (found + missed + inferred), 1) == 74.1  # counting inferred values as missed
