"""Unit A's account can neither read nor change anything of unit B's through any store method,
and a unit's account cannot do an assessor's work (the second lock behind the web layer's)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from decimal import Decimal

import pytest
from server_data import T0, example_data

from server.store import Forbidden, NotFound, StoreError, User

pytest_plugins = ["store_fixtures"]  # the Store fixtures (SQLite and PostgreSQL)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def ready(two_units):
    """Both units saved and B submitted with evidence; one review of B's."""
    r = two_units
    for user, unit in ((r.ua, r.a), (r.ub, r.b)):
        r.store.save(user, unit.id, example_data(), version=0)
    r.b_evidence = r.store.add_evidence(r.ub, r.b.id, "法制工作人员数", "花名册.pdf", io.BytesIO(PDF))
    r.store.submit(r.ub, r.b.id, version=1)
    r.store.review(r.assessor, r.b.id, "XF-05", Decimal("0.5"), "酌情扣分", kind="扣分")
    return r


def _b_calls(r):
    """Every store method that takes a unit (or its evidence), aimed at unit B."""
    b = r.b.id
    return {
        "submission": lambda u: r.store.submission(u, b),
        "save": lambda u: r.store.save(u, b, example_data(), version=2),
        "save_form": lambda u: r.store.save_form(u, b, b"PK", version=2, file="x.xlsx"),
        "check": lambda u: r.store.check(u, b, example_data()),
        "submit": lambda u: r.store.submit(u, b, version=2),
        "send_back": lambda u: r.store.send_back(u, b, "退回"),
        "add_evidence": lambda u: r.store.add_evidence(u, b, "法制工作人员数", "a.pdf", io.BytesIO(PDF)),
        "evidence": lambda u: r.store.evidence(u, r.b_evidence.id),
        "review": lambda u: r.store.review(u, b, "XF-05", Decimal("0"), "改分"),
        "review_log": lambda u: r.store.review_log(u, b),
        "result": lambda u: r.store.result(u, b),
        "scoresheet": lambda u: r.store.scoresheet(u, b),
    }


def _assessor_calls(r):
    rid = r.round.id
    return {
        "create_round": lambda u: r.store.create_round(
            u,
            rules="demo-district-2013",
            year=2012,
            opens=T0,
            closes=T0 + dt.timedelta(days=1),
            units=[("丙", "区县政府")],
        ),
        "dashboard": lambda u: r.store.dashboard(u, rid),
        "finalize": lambda u: r.store.finalize(u, rid),
        "ranking": lambda u: r.store.ranking(u, rid),
        "summary": lambda u: r.store.summary(u, rid),
        "summary_workbook": lambda u: r.store.summary_workbook(u, rid),
        "download": lambda u: r.store.download(u, rid),
        "users": lambda u: r.store.users(u),
        "set_password of another": lambda u: r.store.set_password(u, r.b_account),
    }


def _snapshot(r):
    return (
        r.store.submission(r.assessor, r.b.id),
        r.store.review_log(r.assessor, r.b.id),
        r.store.dashboard(r.assessor, r.round.id),
    )


def test_unit_a_cannot_read_or_change_unit_b(ready):
    r = ready
    before = _snapshot(r)
    for name, call in _b_calls(r).items():
        with pytest.raises((NotFound, Forbidden)) as info:
            call(r.ua)
        assert isinstance(info.value, StoreError), name
    assert _snapshot(r) == before
    # and B's unit does not show among A's
    assert [u.name for u in r.store.units(r.ua, r.round.id)] == ["花山区人民政府"]


def test_a_unit_cannot_do_an_assessors_work(ready):
    r = ready
    before = _snapshot(r)
    for name, call in _assessor_calls(r).items():
        with pytest.raises((Forbidden, NotFound)):
            call(r.ua)
        assert name
    with pytest.raises((Forbidden, NotFound)):
        r.store.send_back(r.ua, r.a.id, "自己退回自己")
    with pytest.raises(Forbidden):
        r.store.review(r.ua, r.a.id, "XF-05", Decimal("2"), "给自己加分")
    assert _snapshot(r) == before


def test_a_forged_user_value_gets_nothing(ready):
    """The role and unit are read from the database, never taken from the User value passed in."""
    r = ready
    forged = dataclasses.replace(r.ua, role="考核组", unit_id=r.b.id)
    with pytest.raises(NotFound):
        r.store.submission(forged, r.b.id)
    with pytest.raises(Forbidden):
        r.store.dashboard(forged, r.round.id)
    nobody = User(9999, "没有这个人", "考核组")
    with pytest.raises(Forbidden):
        r.store.rounds(nobody)


def test_another_rounds_unit_cannot_see_this_round(ready):
    r = ready
    _, made = r.store.create_round(
        r.assessor,
        rules="demo-district-2013",
        year=2012,
        opens=T0,
        closes=T0 + dt.timedelta(days=1),
        units=[("丙区人民政府", "区县政府")],
    )
    other = r.store.login(made[0][1], made[0][2], client="10.0.0.3")
    with pytest.raises(NotFound):
        r.store.round(other, r.round.id)
    with pytest.raises(NotFound):
        r.store.units(other, r.round.id)
    assert [x.id for x in r.store.rounds(other)] == [made[0][0].round_id]
    for call in _b_calls(r).values():
        with pytest.raises((NotFound, Forbidden)):
            call(other)


def test_ids_that_do_not_exist_or_are_not_ids_are_not_found(ready):
    r = ready
    for bad in (10**9, -1, "1", None):
        with pytest.raises(NotFound):
            r.store.submission(r.assessor, bad)
        with pytest.raises(NotFound):
            r.store.evidence(r.assessor, bad)
        with pytest.raises(NotFound):
            r.store.round(r.assessor, bad)


def test_the_assessor_reads_every_unit_but_does_not_fill_in_for_one(ready):
    r = ready
    assert r.store.submission(r.assessor, r.b.id).status == "已提交"
    assert r.store.evidence(r.assessor, r.b_evidence.id)[0].name == "花名册.pdf"
    assert r.store.evidence(r.ub, r.b_evidence.id)[1].read_bytes() == PDF
    with pytest.raises(Forbidden):
        r.store.save(r.assessor, r.a.id, example_data(), version=1)
