"""Rows kept for the 汇总 share what they repeat, and stay exactly what they were."""

from __future__ import annotations

import pickle
from decimal import Decimal

from engine.batch.run import shared
from engine.tools.summary import ItemLoss


def _loss(points: str, counted: object = True) -> ItemLoss:
    return ItemLoss("MD-03", "依法行政", "行政机关负责人出庭应诉", Decimal(points), Decimal("0.5"), "扣分", counted)


def test_equal_parts_are_one_object_and_the_values_do_not_change():
    pool: dict = {}
    first = shared(pickle.loads(pickle.dumps((_loss("2.5"), "区直部门"))), pool)
    second = shared(pickle.loads(pickle.dumps((_loss("2.5"), "区直部门"))), pool)
    assert first == (_loss("2.5"), "区直部门")
    assert first[0] is second[0] and first[1] is second[1]


def test_amounts_with_other_digits_and_flags_that_equal_numbers_stay_apart():
    pool: dict = {}
    a = shared(_loss("2.5"), pool)
    b = shared(_loss("2.50"), pool)
    assert a is not b and str(b.max_points) == "2.50"
    c = shared(_loss("2.5", counted=1), pool)
    assert c.counted is not True and c.counted == 1
