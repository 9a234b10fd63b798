"""The Store on SQLite and PostgreSQL: rounds, versions, deadlines, 退回, review, evidence, migrations."""

from __future__ import annotations

import datetime as dt
import io
import threading
from decimal import Decimal

import pytest
from server_data import T0, example_data

from engine.api import assess_file
from server import archive
from server.store import (
    DRAFT,
    FINAL,
    MISSING,
    RETURNED,
    SUBMITTED,
    Closed,
    Invalid,
    LoginRefused,
    Stale,
)

pytest_plugins = ["store_fixtures"]  # the Store fixtures (SQLite and PostgreSQL)


def test_a_round_gives_each_unit_an_account_whose_first_password_logs_in(two_units):
    r = two_units
    assert (r.a_account, r.b_account) == (f"R{r.round.id}-001", f"R{r.round.id}-002")
    assert r.ua.unit_id == r.a.id and r.ua.role == "单位"
    assert len(r.a_password) == 14 and r.a_password != r.b_password
    assert r.store.rounds(r.ua) == [r.store.round(r.ua, r.round.id)]
    assert [u.name for u in r.store.units(r.assessor, r.round.id)] == ["花山区人民政府", "乙区人民政府"]
    assert [u.name for u in r.store.units(r.ua, r.round.id)] == ["花山区人民政府"]
    view = r.store.submission(r.ua, r.a.id)
    assert (view.status, view.version, view.editable) == (MISSING, 0, True)


def test_passwords_are_argon2id_hashes(store):
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from server.db import UserRow

    store.add_user("李四", "考核组", "secret-pass-1")
    with Session(store.engine) as s:
        stored = s.scalar(select(UserRow.password_hash).where(UserRow.name == "李四"))
    assert stored.startswith("$argon2id$") and "secret-pass-1" not in stored
    with pytest.raises(Invalid):
        store.add_user("李四", "考核组", "another-pass")
    with pytest.raises(Invalid):
        store.add_user("王五", "考核组", "short")


def test_a_bad_round_is_refused_with_a_reason(store):
    assessor, _ = store.add_user("考核组", "考核组", "assessor-pass")
    good = dict(rules="demo-district-2013", year=2012, opens=T0, closes=T0 + dt.timedelta(days=1))
    with pytest.raises(Invalid) as info:
        store.create_round(assessor, **good, units=[("甲", "区县政府"), ("甲", "区县政府")])
    assert "重复" in info.value.message
    with pytest.raises(Invalid) as info:
        store.create_round(assessor, **good, units=[("甲", "街道")])
    assert "单位类型 “街道”" in info.value.message
    with pytest.raises(Invalid) as info:
        store.create_round(assessor, **{**good, "rules": "no-such-rules"}, units=[("甲", "区县政府")])
    assert info.value.code == "round.rules"
    with pytest.raises(Invalid):
        store.create_round(assessor, **{**good, "closes": T0}, units=[("甲", "区县政府")])


def test_login_is_throttled_per_name_and_the_count_is_kept_in_the_database(store, make_store, clock):
    store.add_user("赵六", "考核组", "right-password")
    for _ in range(5):
        with pytest.raises(LoginRefused) as info:
            store.login("赵六", "wrong-password", client="10.1.1.1")
        assert info.value.code == "wrong"
    other = make_store()  # a second process on the same database sees the lock
    with pytest.raises(LoginRefused) as info:
        other.login("赵六", "right-password", client="10.9.9.9")
    assert info.value.code == "throttled"
    clock.now = T0 + dt.timedelta(minutes=16)
    assert other.login("赵六", "right-password", client="10.9.9.9").name == "赵六"


def test_login_is_throttled_per_client_across_names(store):
    store.add_user("钱七", "考核组", "right-password")
    for n in range(20):
        with pytest.raises(LoginRefused):
            store.login(f"guess{n}", "x", client="10.6.6.6")
    with pytest.raises(LoginRefused) as info:
        store.login("钱七", "right-password", client="10.6.6.6")
    assert info.value.code == "throttled"
    assert store.login("钱七", "right-password", client="10.7.7.7").name == "钱七"


def test_save_then_a_stale_save_is_refused_with_the_newer_version(two_units):
    r = two_units
    data = example_data()
    first = r.store.save(r.ua, r.a.id, data, version=0)
    assert (first.version, first.status) == (1, DRAFT)
    assert first.data["单位名称"] == "花山区人民政府"  # the round's, whatever the data said
    changed = {**data, "指标": {**data["指标"], "法制工作人员数": 5}}
    r.store.save(r.ua, r.a.id, changed, version=1)
    with pytest.raises(Stale) as info:
        r.store.save(r.ua, r.a.id, data, version=1)  # edited on the page of version 1
    assert info.value.current.version == 2
    assert info.value.current.data["指标"]["法制工作人员数"] == 5
    assert r.store.submission(r.ua, r.a.id).data["指标"]["法制工作人员数"] == 5


def test_concurrent_saves_of_one_version_let_exactly_one_through(two_units):
    r = two_units
    r.store.save(r.ua, r.a.id, example_data(), version=0)
    outcomes: list = []

    def save(n: int) -> None:
        data = example_data()
        data["指标"]["法制工作人员数"] = n
        try:
            outcomes.append(r.store.save(r.ua, r.a.id, data, version=1).version)
        except Stale as exc:
            outcomes.append(("stale", exc.current.version))

    threads = [threading.Thread(target=save, args=(n,)) for n in range(1, 7)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o for o in outcomes if o == 2) == [2]
    assert sorted(outcomes, key=str).count(("stale", 2)) == 5
    assert r.store.submission(r.ua, r.a.id).version == 2


def test_values_are_kept_exactly(two_units):
    r = two_units
    data = example_data()
    data["指标"]["规范性文件报备及时率"] = Decimal("99.50")
    view = r.store.save(r.ua, r.a.id, data, version=0)
    assert view.data["指标"]["规范性文件报备及时率"] == Decimal("99.50")
    assert str(view.data["指标"]["规范性文件报备及时率"]) == "99.50"


def test_check_gives_problems_with_json_paths_or_the_provisional_result(two_units):
    r = two_units
    data = example_data()
    checked = r.store.check(r.ua, r.a.id, data)
    assert checked.ok and checked.result.total == Decimal("93.74")
    data["指标"]["法制工作人员数"] = "三"
    checked = r.store.check(r.ua, r.a.id, data)
    assert [p.path for p in checked.problems] == [("指标", "法制工作人员数")]
    assert "应为数字" in checked.problems[0].message
    assert r.store.submission(r.ua, r.a.id).version == 0  # nothing stored


def test_an_invalid_submission_is_not_submitted(two_units):
    r = two_units
    data = example_data()
    del data["指标"]["法制工作人员数"]
    r.store.save(r.ua, r.a.id, data, version=0)
    with pytest.raises(Invalid) as info:
        r.store.submit(r.ua, r.a.id, version=1)
    assert ("指标", "法制工作人员数") in [p.path for p in info.value.problems] or info.value.problems
    assert r.store.submission(r.ua, r.a.id).status == DRAFT


def test_the_deadline_closes_the_form(two_units, clock):
    r = two_units
    r.store.save(r.ua, r.a.id, example_data(), version=0)
    clock.now = T0 + dt.timedelta(days=11)
    with pytest.raises(Closed) as info:
        r.store.save(r.ua, r.a.id, example_data(), version=1)
    assert "截止" in info.value.message
    with pytest.raises(Closed):
        r.store.submit(r.ua, r.a.id, version=1)
    assert r.store.submission(r.ua, r.a.id).editable is False
    clock.now = T0 - dt.timedelta(days=2)
    with pytest.raises(Closed) as info:
        r.store.save(r.ua, r.a.id, example_data(), version=1)
    assert "尚未开始" in info.value.message


def test_returned_then_resubmitted_even_after_the_deadline(two_units, clock):
    r = two_units
    r.store.save(r.ua, r.a.id, example_data(), version=0)
    submitted = r.store.submit(r.ua, r.a.id, version=1)
    assert (submitted.status, submitted.version) == (SUBMITTED, 2)
    with pytest.raises(Closed):
        r.store.save(r.ua, r.a.id, example_data(), version=2)
    clock.now = T0 + dt.timedelta(days=12)
    back = r.store.send_back(r.assessor, r.a.id, "法制工作人员数与花名册不符，请核实")
    assert (back.status, back.message, back.version) == (RETURNED, "法制工作人员数与花名册不符，请核实", 3)
    seen = r.store.submission(r.ua, r.a.id)
    assert seen.message == back.message and seen.editable
    data = example_data()
    data["指标"]["法制工作人员数"] = 2
    saved = r.store.save(r.ua, r.a.id, data, version=3)
    assert saved.status == RETURNED
    again = r.store.submit(r.ua, r.a.id, version=4)
    assert again.status == SUBMITTED and again.data["指标"]["法制工作人员数"] == 2
    with pytest.raises(Closed):
        r.store.send_back(r.assessor, r.b.id, "未提交的不能退回")


def test_review_entries_apply_exactly_as_an_overrides_file(two_units, tmp_path):
    r = two_units
    r.store.save(r.ua, r.a.id, example_data(), version=0)
    r.store.review(r.assessor, r.a.id, "XF-05", Decimal("1"), "先扣一分", kind="扣分")
    entry = r.store.review(r.assessor, r.a.id, "XF-05", Decimal("0.5"), "宣传成效佐证不足，酌情扣0.5分", kind="扣分")
    assert (entry.reviewer, entry.item, entry.amount) == ("考核组张三", "XF-05", Decimal("0.5"))
    assert [e.amount for e in r.store.review_log(r.assessor, r.a.id)] == [Decimal("1"), Decimal("0.5")]
    result = r.store.result(r.assessor, r.a.id)
    # the same data and an overrides file with the latest entry, through `assess`'s own entry point
    files = tmp_path / "cli"
    files.mkdir()
    sub = files / archive.submission_name(1, "花山区人民政府")
    sub.write_text(archive.data_text(r.store.submission(r.ua, r.a.id).data), encoding="utf-8")
    review = files / "review.yaml"
    review.write_text(
        "复核:\n  - 单位名称: 花山区人民政府\n    考核年度: 2012\n    评分项: XF-05\n    扣分: 0.5\n"
        "    理由: 宣传成效佐证不足，酌情扣0.5分\n    复核人: 考核组张三\n    复核日期: 2013-03-01\n",
        encoding="utf-8",
    )
    expected = assess_file(sub, "demo-district-2013", as_of=T0, overrides_path=review)
    assert result.total == expected.total == Decimal("93.23")
    assert result.audit.overrides_decisions == expected.audit.overrides_decisions
    assert r.store.dashboard(r.assessor, r.round.id)[0].total == Decimal("93.23")
    with pytest.raises(Invalid) as info:
        r.store.review(r.assessor, r.a.id, "XF-99", Decimal("1"), "没有这个评分项")
    assert info.value.code == "review.unknown-item"
    with pytest.raises(Invalid) as info:
        r.store.review(r.assessor, r.a.id, "XF-05", Decimal("100"), "超出分值")
    assert info.value.code == "review.out-of-range"
    assert len(r.store.review_log(r.assessor, r.a.id)) == 2  # refused entries are not logged


def test_finalize_freezes_the_round_and_ranks_it(two_units):
    r = two_units
    for user, unit in ((r.ua, r.a), (r.ub, r.b)):
        data = example_data()
        if unit is r.b:
            data["指标"]["法制工作人员数"] = 0
        r.store.save(user, unit.id, data, version=0)
        r.store.submit(user, unit.id, version=1)
    r.store.finalize(r.assessor, r.round.id, as_of=T0)
    ranking = r.store.ranking(r.assessor, r.round.id)
    assert [(x.rank, x.unit) for x in ranking] == [(1, "花山区人民政府"), (2, "乙区人民政府")]
    assert ranking[0].total == Decimal("93.74")
    assert r.store.submission(r.ua, r.a.id).status == FINAL
    assert r.store.round(r.assessor, r.round.id).finalized_at == T0
    with pytest.raises(Closed):
        r.store.finalize(r.assessor, r.round.id)
    with pytest.raises(Closed):
        r.store.review(r.assessor, r.a.id, "XF-05", Decimal("1"), "定稿后")
    sheet = r.store.scoresheet(r.ua, r.a.id)
    assert sheet.name == "花山区人民政府-2012年度评分表.xlsx" and sheet.is_file()
    import zipfile

    with zipfile.ZipFile(r.store.download(r.assessor, r.round.id)) as zf:
        assert zf.namelist() == ["汇总.xlsx", "花山区人民政府-2012年度评分表.xlsx", "乙区人民政府-2012年度评分表.xlsx"]
        assert zf.read("花山区人民政府-2012年度评分表.xlsx") == sheet.read_bytes()
    assert r.store.result(r.ua, r.a.id).total == Decimal("93.74")


def test_the_schema_matches_the_models_after_the_migrations(store):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from server.db import Base

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_units_from_a_workbook(store):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["单位名称", "单位类型"])
    ws.append(["甲区人民政府", "区县政府"])
    ws.append(["区司法局", "区直部门"])
    ws.append(["缺类型的单位", None])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(Invalid) as info:
        store.units_from_xlsx(buf.getvalue(), file="单位.xlsx")
    assert info.value.problems[0].text == "单位.xlsx!Sheet!B4：缺少单位类型"
    ws.delete_rows(4)
    buf = io.BytesIO()
    wb.save(buf)
    assert store.units_from_xlsx(buf.getvalue(), file="../单位.xlsx") == [
        ("甲区人民政府", "区县政府"),
        ("区司法局", "区直部门"),
    ]
    with pytest.raises(Invalid) as info:
        store.units_from_xlsx(b"not a workbook", file="单位.xlsx")
    assert info.value.code == "units.xlsx"


def test_failed_logins_at_once_are_all_counted_and_refused(store):
    store.add_user("孙八", "考核组", "right-password")
    codes: list[str] = []

    def attempt() -> None:
        try:
            store.login("孙八", "wrong", client="10.3.3.3")
        except LoginRefused as exc:
            codes.append(exc.code)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(codes) == 8 and set(codes) <= {"wrong", "throttled"}
    with pytest.raises(LoginRefused) as info:
        store.login("孙八", "right-password", client="10.4.4.4")
    assert info.value.code == "throttled"


def _form(data: dict) -> bytes:
    from engine.api import get_ruleset
    from scoresheets.template import build_template, fill_template

    ruleset = get_ruleset("demo-district-2013")
    buf = io.BytesIO()
    fill_template(build_template(ruleset), ruleset, data).save(buf)
    return buf.getvalue()


def test_a_filled_form_is_read_as_the_cli_reads_it(two_units):
    r = two_units
    data = example_data()
    view = r.store.save_form(r.ua, r.a.id, _form(data), version=0, file="C:\\填报\\花山区.xlsx")
    assert view.version == 1 and view.data["指标"] == r.store.save(r.ua, r.a.id, data, version=1).data["指标"]
    assert r.store.check(r.ua, r.a.id, view.data).result.total == Decimal("93.74")
    other = {**data, "单位名称": "乙区人民政府"}
    with pytest.raises(Invalid) as info:
        r.store.save_form(r.ua, r.a.id, _form(other), version=2, file="乙区.xlsx")
    assert info.value.code == "form.other-unit"
    bad = dict(data)
    bad["指标"] = {**data["指标"], "法制工作人员数": "三个"}
    with pytest.raises(Invalid) as info:
        r.store.save_form(r.ua, r.a.id, _form(bad), version=2, file="花山区.xlsx")
    assert info.value.code == "form.invalid"
    assert info.value.problems[0].text.startswith("花山区.xlsx!")  # sheet!cell, the name as uploaded
    with pytest.raises(Invalid):
        r.store.save_form(r.ua, r.a.id, b"PK\x03\x04 not really", version=2, file="坏.xlsx")
    assert r.store.submission(r.ua, r.a.id).version == 2


def test_a_round_that_fails_halfway_leaves_nothing(store):
    """One transaction: the second unit's account name is taken, so no round, unit or account is made."""
    assessor, _ = store.add_user("考核组", "考核组", "assessor-pass")
    store.add_user("R1-002", "考核组", "taken-name-1")
    with pytest.raises(Invalid) as info:
        store.create_round(
            assessor,
            rules="demo-district-2013",
            year=2012,
            opens=T0,
            closes=T0 + dt.timedelta(days=1),
            units=[("甲区人民政府", "区县政府"), ("乙区人民政府", "区县政府")],
        )
    assert info.value.code == "account.exists"
    assert store.rounds(assessor) == []
    assert [u.name for u in store.users(assessor)] == ["考核组", "R1-002"]
    rnd, made = store.create_round(
        assessor,
        rules="demo-district-2013",
        year=2012,
        opens=T0,
        closes=T0 + dt.timedelta(days=1),
        units=[("甲区人民政府", "区县政府")],
    )
    assert [a for _, a, _ in made] == [f"R{rnd.id}-001"]


def test_old_throttle_records_are_removed(store, clock):
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from server.db import ThrottleRow

    for n in range(3):
        with pytest.raises(LoginRefused):
            store.login(f"猜{n}", "x", client=f"10.5.5.{n}")
    clock.now = T0 + dt.timedelta(days=2)
    with pytest.raises(LoginRefused):
        store.login("又猜", "x", client="10.5.5.9")
    with Session(store.engine) as s:
        keys = set(s.scalars(select(ThrottleRow.key)))
        assert s.scalar(select(func.count()).select_from(ThrottleRow)) == 2
    assert keys == {"name:又猜", "client:10.5.5.9"}
