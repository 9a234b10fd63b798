"""The one “是否应为” hint: the closest known name, or nothing when none is close."""

from __future__ import annotations

from engine.documents.hints import did_you_mean


def test_the_closest_candidate_is_named():
    assert did_you_mean("备案律", ["办结率", "备案率", "复议件数"]) == "（是否应为 “备案率”？）"


def test_nothing_close_gives_no_hint():
    assert did_you_mean("出庭应诉", ["备案率", "复议件数"]) == ""
    assert did_you_mean("备案率", []) == ""


def test_candidates_may_be_any_iterable_of_non_strings():
    assert did_you_mean(2013, {2012: "a", 2031: "b"}) == "（是否应为 “2031”？）"
    assert did_you_mean("A-1", (i for i in ("A-01", "B-07"))) == "（是否应为 “A-01”？）"
