"""What the web tests share: a store on SQLite in a folder, a logged-in client, a round of two units,
and a submission turned into the fields its web form posts."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from starlette.testclient import TestClient

from server.app import create_app
from server.forms import data_to_fields as fields_for  # noqa: F401  (what a unit's browser posts)
from server.store import Store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
RULES = "demo-district-2013"
YEAR = 2012
# two units of the demo ruleset and the example submissions they send
UNITS = [("花山区人民政府", "区县政府"), ("区市政管理局（虚构示例单位）", "区直部门")]
DATA = ["huashan-2012.json", "problem-department.json"]
ASSESSOR, PASSWORD = "张三", "考核组的密码-123"
OPENS = dt.datetime(2026, 1, 1, 8, 0, tzinfo=dt.UTC)
CLOSES = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


class Clock:
    """The store's clock, moved by the tests (before, inside or after the submission window)."""

    def __init__(self, now: dt.datetime = dt.datetime(2026, 2, 1, 8, 0, tzinfo=dt.UTC)):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def example(i: int) -> dict:
    return json.loads((EXAMPLES / DATA[i]).read_text(encoding="utf-8"))


def make_store(folder: Path, clock: Clock | None = None, url: str | None = None) -> Store:
    store = Store(url or f"sqlite:///{folder / 'round.sqlite3'}", folder / "data", clock=clock)
    store.add_user(ASSESSOR, "考核组", PASSWORD)
    return store


class Web:
    """A browser-like client: a session of its own, the CSRF token of the page it saw last."""

    def __init__(self, app):
        self.client = TestClient(app, follow_redirects=True)
        self.token = ""

    def get(self, url: str, **kw):
        response = self.client.get(url, **kw)
        self._remember(response)
        return response

    def post(self, url: str, data: dict | None = None, *, csrf: bool = True, **kw):
        data = dict(data or {})
        if csrf and "csrf" not in data:
            data["csrf"] = self.token
        response = self.client.post(url, data=data, **kw)
        self._remember(response)
        return response

    def _remember(self, response) -> None:
        m = (
            re.search(r'name="csrf" value="([^"]+)"', response.text)
            if "text/html" in response.headers.get("content-type", "")
            else None
        )
        if m:
            self.token = m.group(1)

    def login(self, name: str, password: str):
        self.get("/login")
        return self.post("/login", {"name": name, "password": password})


def app_of(store: Store, **kw):
    return create_app(store, **{"secret": "test-secret-不外传", **kw})


def round_of(store: Store) -> tuple[int, list[tuple[int, str, str]]]:
    """A round of UNITS: its id and (unit id, account, password) of each unit."""
    assessor = store.login(ASSESSOR, PASSWORD, client="test")
    rnd, made = store.create_round(assessor, rules=RULES, year=YEAR, opens=OPENS, closes=CLOSES, units=UNITS)
    return rnd.id, [(unit.id, account, password) for unit, account, password in made]


def version_of(page) -> str:
    return re.search(r'name="version" value="(\d+)"', page.text).group(1)
