"""What the server's tests share besides fixtures: the time, the example data, a two-unit round."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from server.store import Store

# "now" in the tests; rounds open a day before and close 10 days after
T0 = dt.datetime(2013, 3, 1, 9, 0, tzinfo=dt.UTC)


ROOT = Path(__file__).resolve().parents[2]
RULES_ID = "demo-district-2013"
EXAMPLE = ROOT / "examples" / "huashan-2012.json"


def example_data() -> dict:
    from server.archive import load_data

    return load_data(EXAMPLE.read_text(encoding="utf-8"))


class Round:
    """A round of two units (甲: 花山区人民政府, 乙: 乙区人民政府) with an assessor and both units' accounts."""

    def __init__(self, store: Store):
        self.store = store
        self.assessor, _ = store.add_user("考核组张三", "考核组", "assessor-pass")
        self.round, made = store.create_round(
            self.assessor,
            rules=RULES_ID,
            year=2012,
            opens=T0 - dt.timedelta(days=1),
            closes=T0 + dt.timedelta(days=10),
            units=[("花山区人民政府", "区县政府"), ("乙区人民政府", "区县政府")],
        )
        (self.a, self.a_account, self.a_password), (self.b, self.b_account, self.b_password) = made
        self.ua = store.login(self.a_account, self.a_password, client="10.0.0.1")
        self.ub = store.login(self.b_account, self.b_password, client="10.0.0.2")
