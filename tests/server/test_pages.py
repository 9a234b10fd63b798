"""The pages, driven over HTTP as a browser would (Starlette's TestClient) against a real store on SQLite:
a round created from the page, the unit's form generated from the ruleset, what it saves and scores
(the same as `assess` on the same data), stale edits, the deadline, 退回, review, finalize and downloads."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from decimal import Decimal

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from web_round import (
    ASSESSOR,
    CLOSES,
    DATA,
    EXAMPLES,
    PASSWORD,
    RULES,
    UNITS,
    YEAR,
    Clock,
    Web,
    app_of,
    example,
    fields_for,
    make_store,
    round_of,
    version_of,
)

from engine.api import assess_file, get_ruleset, load_submission_for
from engine.ruleset.names import resolve_rules
from server.forms import web_form

pytest_plugins = ["store_fixtures"]  # db_url: SQLite and PostgreSQL


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(tmp_path, clock, db_url):
    """On SQLite and on PostgreSQL (store_fixtures.db_url)."""
    s = make_store(tmp_path, clock, db_url)
    yield s
    s.close()


@pytest.fixture
def app(store):
    return app_of(store)


@pytest.fixture
def assessor(app):
    web = Web(app)
    assert web.login(ASSESSOR, PASSWORD).url.path == "/rounds"
    return web


def unit_web(app, account: tuple[int, str, str]) -> Web:
    web = Web(app)
    page = web.login(account[1], account[2])
    assert page.url.path == f"/units/{account[0]}"
    return web


def form_of(unit_type: str):
    return web_form(get_ruleset(resolve_rules(RULES)), unit_type)


def fill(web: Web, unit_id: int, i: int, action: str = "draft"):
    """The unit types example i into its form and saves (or submits) it."""
    page = web.get(f"/units/{unit_id}")
    posted = fields_for(form_of(UNITS[i][1]), example(i))
    return web.post(f"/units/{unit_id}/save", {**posted, "version": version_of(page), "action": action})


def test_a_round_is_created_from_the_page_and_the_first_passwords_are_shown_once(assessor, store):
    page = assessor.get("/rounds/new")
    assert "demo-district-2013" in page.text
    slips = assessor.post(
        "/rounds/new",
        {
            "rules": RULES,
            "year": str(YEAR),
            "opens": "2026-01-01T08:00",
            "closes": "2026-03-01T17:00",
            "units": "区司法局,区直部门\n城关镇，镇街\n",
        },
    )
    assert slips.status_code == 200
    accounts = re.findall(
        r'<th>账号</th><td class="mono">([^<]+)</td></tr>\s*<tr><th>首次密码</th><td class="mono">([^<]+)', slips.text
    )
    assert len(accounts) == 2 and "区司法局" in slips.text and "城关镇" in slips.text
    # the window typed is Beijing time
    rnd = store.rounds(store.login(ASSESSOR, PASSWORD, client="t"))[0]
    assert rnd.closes == dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    board = assessor.get(f"/rounds/{rnd.id}")
    assert "区司法局" in board.text and "未填报" in board.text
    assert all(password not in board.text for _, password in accounts)
    # each slip's password logs its unit in
    web = Web(assessor.client.app)
    assert web.login(*accounts[0]).url.path.startswith("/units/")


def test_units_are_imported_from_a_workbook(assessor):
    wb = Workbook()
    wb.active.append(["单位名称", "单位类型"])
    wb.active.append(["区教育局", "区直部门"])
    wb.active.append(["城南街道", "镇街"])
    raw = io.BytesIO()
    wb.save(raw)
    assessor.get("/rounds/new")
    slips = assessor.post(
        "/rounds/new",
        {"rules": RULES, "year": "2012", "opens": "2026-01-01T08:00", "closes": "2026-03-01T17:00", "units": ""},
        files={"units_file": ("单位名单.xlsx", raw.getvalue(), "application/octet-stream")},
    )
    assert slips.status_code == 200 and "区教育局" in slips.text and "城南街道" in slips.text


def test_a_bad_unit_line_or_type_is_refused_in_chinese(assessor):
    assessor.get("/rounds/new")
    page = assessor.post(
        "/rounds/new",
        {
            "rules": RULES,
            "year": "2012",
            "opens": "2026-01-01T08:00",
            "closes": "2026-03-01T17:00",
            "units": "区教育局",
        },
    )
    assert page.status_code == 422 and "第1行应为“单位名称,单位类型”" in page.text
    page = assessor.post(
        "/rounds/new",
        {
            "rules": RULES,
            "year": "2012",
            "opens": "2026-01-01T08:00",
            "closes": "2026-03-01T17:00",
            "units": "区教育局,学校",
        },
    )
    assert page.status_code == 422 and "学校" in page.text


def test_the_form_lists_the_indicators_of_the_units_type_in_the_forms_order(store, app):
    _, accounts = round_of(store)
    web = unit_web(app, accounts[1])
    page = web.get(f"/units/{accounts[1][0]}")
    ruleset = get_ruleset(resolve_rules(RULES))
    form = form_of("区直部门")
    labels = [f.label for f in form.fields]
    positions = [page.text.index(f"<strong>{label}</strong>") for label in labels]
    assert positions == sorted(positions)
    only_other = [n for n, s in ruleset.indicators.items() if s.applies_to and "区直部门" not in s.applies_to]
    assert only_other and all(f"<strong>{ruleset.indicators[n].label}</strong>" not in page.text for n in only_other)
    assert form.tables and f"{form.tables[0].label}" in page.text  # a record list as a table


@pytest.mark.parametrize("i", [0, 1])
def test_what_the_form_saves_scores_as_the_cli_scores_the_same_file(store, app, i):
    _, accounts = round_of(store)
    web = unit_web(app, accounts[i])
    saved = fill(web, accounts[i][0], i)
    assert saved.url.path == f"/units/{accounts[i][0]}" and "草稿已保存" in saved.text
    cli = assess_file(EXAMPLES / DATA[i], RULES)
    user = store.login(ASSESSOR, PASSWORD, client="t")
    web_result = store.result(user, accounts[i][0])
    assert web_result.total == cli.total and web_result.grade.grade == cli.grade.grade
    assert [(x.rule_id, x.deduction, x.status) for x in web_result.items] == [
        (x.rule_id, x.deduction, x.status) for x in cli.items
    ]
    # the provisional panel says the same total
    assert f"{cli.total:.2f}" in saved.text and cli.grade.grade in saved.text


def _count_typed_as(store, app, text: str, action: str):
    """Unit 2's example posted with its first 次数 field typed as `text`: (web, unit, form, k, posted, page)."""
    _, accounts = round_of(store)
    web = unit_web(app, accounts[1])
    form = form_of("区直部门")
    k = next(k for k, f in enumerate(form.fields) if f.type == "次数")
    posted = {**fields_for(form, example(1)), f"v{k}": text}
    unit = accounts[1][0]
    page = web.get(f"/units/{unit}")
    page = web.post(f"/units/{unit}/save", {**posted, "version": version_of(page), "action": action})
    return web, unit, form, k, posted, page


def test_a_problem_is_shown_beside_its_field_with_the_validators_message(store, app):
    web, unit, form, k, posted, page = _count_typed_as(store, app, "三次", "draft")
    row = re.search(rf'<tr id="f-{k}" class="has-err">(.*?)</tr>', page.text, re.S)
    assert row, "the field's row is marked"
    assert "三次" in row.group(1) and 'class="err"' in row.group(1) and form.fields[k].label in row.group(1)
    # submitting is refused with the same problem
    page = web.post(f"/units/{unit}/save", {**posted, "version": version_of(page), "action": "submit"})
    assert page.status_code == 422 and "未提交" in page.text


def test_a_required_value_left_blank_is_shown_beside_its_own_field(store, app):
    # the engine's problem has the path 指标 only; its subject names the indicator
    _, _, _, k, _, page = _count_typed_as(store, app, "", "submit")
    assert page.status_code == 422
    row = re.search(rf'<tr id="f-{k}" class="has-err">(.*?)</tr>', page.text, re.S)
    assert row and "缺少必填指标" in row.group(1), "the message is beside the blank field"
    assert len(re.findall(r'class="has-err"', page.text)) == 1


def test_record_lists_are_editable_tables_and_blank_rows_are_not_records(store, app):
    _, accounts = round_of(store)
    unit_id = accounts[1][0]
    web = unit_web(app, accounts[1])
    fill(web, unit_id, 1)
    user = store.login(ASSESSOR, PASSWORD, client="t")
    form = form_of(UNITS[1][1])
    table = form.tables[0]
    before = store.submission(user, unit_id).data["指标"][table.name]
    assert len(before) == 4
    page = web.get(f"/units/{unit_id}")
    # the stored records, then blank rows to add more
    assert page.text.count(f'name="t{table.index}-{len(before)}-0"') == 1
    posted = fields_for(form, store.submission(user, unit_id).data)
    for key in [k for k in posted if k.startswith(f"t{table.index}-0-")]:
        del posted[key]  # the first record emptied: removed
    web.post(f"/units/{unit_id}/save", {**posted, "version": version_of(page), "action": "draft"})
    after = store.submission(user, unit_id).data["指标"][table.name]
    assert len(after) == len(before) - 1 and after == before[1:]


def test_an_edit_made_on_a_stale_page_is_refused_with_the_newer_version_shown(store, app):
    _, accounts = round_of(store)
    unit_id = accounts[1][0]
    first, second = unit_web(app, accounts[1]), unit_web(app, accounts[1])
    page_1 = first.get(f"/units/{unit_id}")
    page_2 = second.get(f"/units/{unit_id}")
    form = form_of("区直部门")
    posted = fields_for(form, example(1))
    ok = first.post(f"/units/{unit_id}/save", {**posted, "version": version_of(page_1), "action": "draft"})
    assert ok.status_code == 200 and version_of(ok) == "1"
    k = next(k for k, f in enumerate(form.fields) if f.type == "次数")
    stale = second.post(
        f"/units/{unit_id}/save", {**posted, f"v{k}": "7", "version": version_of(page_2), "action": "draft"}
    )
    assert stale.status_code == 409
    assert "当前版本 1" in stale.text and "没有保存" in stale.text and version_of(stale) == "1"
    user = store.login(ASSESSOR, PASSWORD, client="t")
    kept = store.submission(user, unit_id).data["指标"][form.fields[k].name]
    assert kept == example(1)["指标"][form.fields[k].name]  # the first save stands


def test_submitted_is_read_only_until_returned_then_resubmitted(store, app, assessor):
    round_id, accounts = round_of(store)
    unit_id = accounts[0][0]
    web = unit_web(app, accounts[0])
    done = fill(web, unit_id, 0, action="submit")
    assert "已提交" in done.text and "保存并提交" not in done.text and "readonly" in done.text
    again = web.post(f"/units/{unit_id}/save", {"version": version_of(done), "action": "draft"})
    assert again.status_code == 422
    review = assessor.get(f"/units/{unit_id}/review")
    assert "退回该单位" in review.text
    board = assessor.post(f"/units/{unit_id}/return", {"message": "请补充行政诉讼案件的判决日期"})
    assert board.url.path == f"/rounds/{round_id}" and "已退回" in board.text
    page = web.get(f"/units/{unit_id}")
    assert "考核组退回：请补充行政诉讼案件的判决日期" in page.text and "保存并提交" in page.text
    reloaded = web.get(f"/units/{unit_id}?done=submitted")  # the address the submission left in the browser
    assert "请联系考核组退回" not in reloaded.text and "考核组退回：" in reloaded.text
    resubmitted = fill(web, unit_id, 0, action="submit")
    assert "已提交" in resubmitted.text


def test_after_the_deadline_the_form_is_read_only(store, app, clock):
    _, accounts = round_of(store)
    web = unit_web(app, accounts[0])
    fill(web, accounts[0][0], 0)
    clock.now = CLOSES + dt.timedelta(minutes=1)
    web = unit_web(app, accounts[0])  # weeks later: the earlier session has expired
    page = web.get(f"/units/{accounts[0][0]}")
    assert "已过填报截止时间" in page.text and "保存并提交" not in page.text
    refused = fill(web, accounts[0][0], 0, action="submit")
    assert refused.status_code == 422


def test_a_filled_form_workbook_is_uploaded_and_the_form_downloads_with_what_was_saved(store, app, tmp_path):
    from scoresheets.template import write_template

    _, accounts = round_of(store)
    unit_id = accounts[1][0]
    web = unit_web(app, accounts[1])
    empty = web.get(f"/units/{unit_id}/form.xlsx")
    assert empty.status_code == 200 and empty.content[:2] == b"PK"
    assert "attachment" in empty.headers["content-disposition"]
    target = tmp_path / "填好的.xlsx"
    write_template(get_ruleset(resolve_rules(RULES)), target, example(1), "区直部门")
    page = web.get(f"/units/{unit_id}")
    done = web.post(
        f"/units/{unit_id}/upload",
        {"version": version_of(page)},
        files={"file": ("填好的.xlsx", target.read_bytes(), "application/octet-stream")},
    )
    assert "填报表已读入" in done.text
    user = store.login(ASSESSOR, PASSWORD, client="t")
    assert store.result(user, unit_id).total == assess_file(EXAMPLES / DATA[1], RULES).total
    # a workbook that is no 填报表 is refused with its place
    page = web.get(f"/units/{unit_id}")
    bad = web.post(
        f"/units/{unit_id}/upload",
        {"version": version_of(page)},
        files={"file": ("别的.xlsx", empty.content[:100], "application/octet-stream")},
    )
    assert bad.status_code == 422 and "别的.xlsx" in bad.text


def test_evidence_is_attached_per_indicator_and_shown_to_the_assessor(store, app, assessor):
    _, accounts = round_of(store)
    unit_id = accounts[0][0]
    web = unit_web(app, accounts[0])
    fill(web, unit_id, 0)
    form = form_of(UNITS[0][1])
    k = 2
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    page = web.post(
        f"/units/{unit_id}/evidence",
        {"indicator": str(k)},
        files={"file": ("法制机构设置文件.pdf", pdf, "application/pdf")},
    )
    assert page.status_code == 200 and "佐证材料已上传" in page.text and "法制机构设置文件.pdf" in page.text
    link = re.search(r'href="/evidence/(\d+)">法制机构设置文件.pdf', page.text).group(1)
    got = web.get(f"/evidence/{link}")
    assert got.content == pdf and got.headers["content-type"] == "application/octet-stream"
    review = assessor.get(f"/units/{unit_id}/review")
    name = form.names[k]
    reads = get_ruleset(resolve_rules(RULES)).item_reads
    if any(name in names for names in reads.values()):
        assert "法制机构设置文件.pdf" in review.text


def test_review_finalize_ranking_and_downloads(store, app, assessor):
    round_id, accounts = round_of(store)
    for i, account in enumerate(accounts):
        fill(unit_web(app, account), account[0], i, action="submit")
    user = store.login(ASSESSOR, PASSWORD, client="t")
    before = store.result(user, accounts[0][0])
    item = next(x for x in before.items if x.deduction > 0)
    review = assessor.get(f"/units/{accounts[0][0]}/review")
    assert item.rule_id in review.text and "复核" in review.text
    done = assessor.post(
        f"/units/{accounts[0][0]}/review",
        {"item": item.rule_id, "kind": "得分", "amount": str(item.max_points), "reason": "佐证材料表明已整改到位"},
    )
    assert "复核意见已记录" in done.text and "佐证材料表明已整改到位" in done.text and ASSESSOR in done.text
    after = store.result(user, accounts[0][0])
    assert after.total > before.total
    bad = assessor.post(
        f"/units/{accounts[0][0]}/review", {"item": item.rule_id, "kind": "得分", "amount": "很多", "reason": "x"}
    )
    assert bad.status_code == 422
    board = assessor.get(f"/rounds/{round_id}")
    assert board.text.count("已提交") >= 2
    ranking = assessor.post(f"/rounds/{round_id}/finalize")
    assert ranking.url.path == f"/rounds/{round_id}/ranking" and "已定稿" in ranking.text
    assert ranking.text.index(UNITS[0][0]) < ranking.text.index(UNITS[1][0])  # 93.74+ above 64.63
    zipped = assessor.get(f"/rounds/{round_id}/download")
    assert zipped.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()
    assert any(n.endswith("汇总.xlsx") for n in names) and sum(n.endswith("评分表.xlsx") for n in names) == 2
    sheet = assessor.get(f"/units/{accounts[0][0]}/scoresheet")
    assert sheet.status_code == 200 and f"{after.total:.2f}" in sheet.text and "佐证材料表明已整改到位" in sheet.text
    xlsx = assessor.get(f"/units/{accounts[0][0]}/scoresheet.xlsx")
    assert xlsx.content == store.scoresheet(user, accounts[0][0]).read_bytes()
    # the unit sees its own scoresheet once the round is final
    mine = unit_web(app, accounts[1])
    assert mine.get(f"/units/{accounts[1][0]}/scoresheet").status_code == 200
    assert mine.get(f"/units/{accounts[1][0]}/scoresheet.xlsx").content[:2] == b"PK"
    assert assessor.get(f"/rounds/{round_id}/summary.xlsx").content[:2] == b"PK"


def test_the_live_check_answers_with_the_provisional_panel(store, app):
    _, accounts = round_of(store)
    web = unit_web(app, accounts[0])
    web.get(f"/units/{accounts[0][0]}")
    posted = fields_for(form_of(UNITS[0][1]), example(0))
    panel = web.post(f"/units/{accounts[0][0]}/check", posted)
    assert panel.status_code == 200 and 'id="provisional-body"' in panel.text
    assert f"{assess_file(EXAMPLES / DATA[0], RULES).total:.2f}" in panel.text
    user = store.login(ASSESSOR, PASSWORD, client="t")
    assert store.submission(user, accounts[0][0]).version == 0  # nothing stored


def test_another_assessor_account_is_added_from_the_page(assessor, app):
    assessor.get("/users/new")
    page = assessor.post("/users/new", {"name": "李四"})
    password = re.search(r'<th>首次密码</th><td class="mono">([^<]+)', page.text).group(1)
    assert Web(app).login("李四", password).url.path == "/rounds"


def test_a_password_is_changed_by_its_owner_and_reset_by_an_assessor(store, app, assessor):
    _, accounts = round_of(store)
    web = unit_web(app, accounts[0])
    web.get("/password")
    first = accounts[0][2]
    short = web.post("/password", {"current": first, "new": "短", "again": "短"})
    assert short.status_code == 422 and "至少" in short.text
    differ = web.post("/password", {"current": first, "new": "新的密码-12345", "again": "新的密码-54321"})
    assert differ.status_code == 422 and "不一致" in differ.text
    wrong = web.post("/password", {"current": "猜的-123456", "new": "新的密码-12345", "again": "新的密码-12345"})
    assert wrong.status_code == 422 and "当前密码不对" in wrong.text
    other = unit_web(app, accounts[0])  # the same account in another browser
    changed = web.post("/password", {"current": first, "new": "新的密码-12345", "again": "新的密码-12345"})
    assert "密码已修改" in changed.text
    assert web.get(f"/units/{accounts[0][0]}").url.path == f"/units/{accounts[0][0]}"  # this browser stays in
    assert other.get(f"/units/{accounts[0][0]}").url.path == "/login"  # the other one is out
    assert Web(app).login(accounts[0][1], "新的密码-12345").url.path == f"/units/{accounts[0][0]}"
    board = assessor.get("/rounds/1")
    assert "重置密码" in board.text
    reset = assessor.post("/accounts/reset", {"account": accounts[0][1]})
    password = re.search(r'<th>新密码</th><td class="mono">([^<]+)', reset.text).group(1)
    assert web.get(f"/units/{accounts[0][0]}").url.path == "/login"  # a reset ends the account's sessions
    assert Web(app).login(accounts[0][1], password).url.path == f"/units/{accounts[0][0]}"
    assert Web(app).login(accounts[0][1], "新的密码-12345").status_code == 401


def _users_add(tmp_path):
    from engine.cli.app import cli

    runner = CliRunner()
    data = tmp_path / "考核数据"
    made = runner.invoke(cli, ["users", "add", "王五", "--role", "考核组", "--data", str(data)])
    assert made.exit_code == 0, made.output
    password = made.stdout.strip().splitlines()[-1]
    store = make_store_at(data)
    user = store.login("王五", password, client="t")
    rnd, _ = store.create_round(
        user, rules=RULES, year=YEAR, opens=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), closes=CLOSES, units=UNITS
    )
    store.close()
    twice = runner.invoke(cli, ["users", "add", "王五", "--role", "考核组", "--data", str(data)])
    assert twice.exit_code == 3
    unit_without_id = runner.invoke(cli, ["users", "add", "赵六", "--role", "单位", "--data", str(data)])
    assert unit_without_id.exit_code == 2 and "--unit" in unit_without_id.output
    return runner, data, rnd


def test_cli_users_add_makes_an_account_and_shows_its_password_once(tmp_path):
    _users_add(tmp_path)


def test_cli_serve_exports_and_imports_a_round(tmp_path):
    from engine.cli.app import cli

    runner, data, rnd = _users_add(tmp_path)
    target = tmp_path / "归档.zip"
    exported = runner.invoke(cli, ["serve", "--data", str(data), "--export", str(rnd.id), str(target)])
    assert exported.exit_code == 0, exported.output
    assert target.is_file()
    imported = runner.invoke(cli, ["serve", "--data", str(data), "--import", str(target)])
    assert imported.exit_code == 0, imported.output and "已恢复" in imported.output
    missing = runner.invoke(cli, ["serve", "--data", str(data), "--export", "99", str(tmp_path / "x.zip")])
    assert missing.exit_code == 3 and "Traceback" not in missing.output


def make_store_at(data):
    from engine.cli.serve import _db_url
    from server.store import Store

    return Store(_db_url(None, data), data)


def test_numbers_typed_in_the_form_are_exact():
    from server.forms import parse_value

    assert parse_value("96.50", "百分比") == Decimal("96.50")
    assert parse_value("1,200", "数值") == 1200 and parse_value("3", "次数") == 3
    assert parse_value("3.5", "次数") == "3.5"  # refused by the validator, with its message
    assert parse_value("是", "是否") is True and parse_value("否", "是否") is False
    assert parse_value("2026-02-03", "日期") == "2026-02-03"


@pytest.mark.parametrize("name", ["national-bureau-2022", "huashan-2012", "county-dept-2024"])
def test_what_a_browser_posts_for_a_submission_reads_back_as_that_submission(name):
    """data_to_fields and form_to_data are inverses for every value and record a form shows."""
    from server.forms import data_to_fields, form_to_data

    data = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"), parse_float=Decimal)
    ruleset, _ = load_submission_for(EXAMPLES / f"{name}.json", None)
    form = web_form(ruleset, data["单位类型"])
    posted = data_to_fields(form, data)
    back = form_to_data(form, posted, unit=data["单位名称"], unit_type=data["单位类型"], year=data["考核年度"])
    shown_values = {f.name for f in form.fields} | {t.name for t in form.tables}
    assert back["指标"] == {k: v for k, v in data["指标"].items() if k in shown_values}
    assert back.get("数据说明", {}) == {k: v for k, v in data.get("数据说明", {}).items() if k in form.names}
