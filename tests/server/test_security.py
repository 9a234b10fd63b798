"""What the web layer refuses: another unit's anything (by URL, guessed ids, tampered forms), assessor
routes for a unit's account, posts without this session's CSRF token, too many wrong passwords,
oversized requests; and what it does to what users type (escaped) and name (sanitised)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from web_round import (
    ASSESSOR,
    PASSWORD,
    UNITS,
    Clock,
    Web,
    app_of,
    example,
    fields_for,
    make_store,
    round_of,
    version_of,
)

from engine.api import get_ruleset
from engine.ruleset.names import resolve_rules
from server.forms import web_form
from server.security import COOKIE

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def store(tmp_path):
    s = make_store(tmp_path, Clock())
    yield s
    s.close()


@pytest.fixture
def app(store):
    return app_of(store)


@pytest.fixture
def setup(store, app):
    """A round of two units; unit A has saved its data and attached evidence."""
    round_id, accounts = round_of(store)
    a, b = Web(app), Web(app)
    a.login(accounts[0][1], accounts[0][2])
    b.login(accounts[1][1], accounts[1][2])
    form = web_form(get_ruleset(resolve_rules("demo-district-2013")), UNITS[0][1])
    page = a.get(f"/units/{accounts[0][0]}")
    a.post(f"/units/{accounts[0][0]}/save", {**fields_for(form, example(0)), "version": version_of(page)})
    a.post(
        f"/units/{accounts[0][0]}/evidence", {"indicator": "0"}, files={"file": ("A的文件.pdf", PDF, "application/pdf")}
    )
    evidence_id = store.submission(store.login(ASSESSOR, PASSWORD, client="t"), accounts[0][0]).evidence[0].id
    return round_id, accounts, a, b, evidence_id


def saved_version(store, unit_id):
    return store.submission(store.login(ASSESSOR, PASSWORD, client="t"), unit_id).version


def test_unit_b_cannot_read_anything_of_unit_a_by_url_or_guessed_id(setup):
    round_id, accounts, a, b, evidence_id = setup
    a_id = accounts[0][0]
    for url in (
        f"/units/{a_id}",
        f"/units/{a_id}/form.xlsx",
        f"/units/{a_id}/scoresheet",
        f"/units/{a_id}/scoresheet.xlsx",
        f"/evidence/{evidence_id}",
        f"/evidence/{evidence_id + 1}",
        "/units/999",
    ):
        got = b.get(url)
        assert got.status_code == 404, url
        assert "花山区" not in got.text and PDF not in got.content, url
    # and unit A reaches its own evidence
    assert a.get(f"/evidence/{evidence_id}").content == PDF


def test_unit_b_cannot_change_anything_of_unit_a(setup, store):
    round_id, accounts, a, b, evidence_id = setup
    a_id = accounts[0][0]
    before = saved_version(store, a_id)
    b.get(f"/units/{accounts[1][0]}")  # b's own valid token
    for url, data in (
        (f"/units/{a_id}/save", {"version": str(before), "v0": "否", "action": "draft"}),
        (f"/units/{a_id}/save", {"version": str(before), "action": "submit"}),
        (f"/units/{a_id}/check", {"v0": "否"}),
        (f"/units/{a_id}/evidence", {"indicator": "0"}),
        (f"/units/{a_id}/upload", {"version": str(before)}),
    ):
        got = b.post(url, data, files={"file": ("x.pdf", PDF, "application/pdf")} if "evidence" in url else None)
        assert got.status_code == 404, url
    assert saved_version(store, a_id) == before
    assert len(store.submission(store.login(ASSESSOR, PASSWORD, client="t"), a_id).evidence) == 1


def test_tampered_form_fields_cannot_reach_other_indicators_or_the_header(setup, store):
    round_id, accounts, a, b, evidence_id = setup
    b_id = accounts[1][0]
    page = b.get(f"/units/{b_id}")
    tampered = {
        "version": version_of(page),
        "单位名称": "花山区人民政府",
        "单位类型": "区县政府",
        "考核年度": "2099",
        "v99999": "1",
        "t0-0-99": "x",
        "action": "draft",
    }
    b.post(f"/units/{b_id}/save", tampered)
    data = store.submission(store.login(ASSESSOR, PASSWORD, client="t"), b_id).data
    assert (data["单位名称"], data["单位类型"], data["考核年度"]) == (UNITS[1][0], UNITS[1][1], 2012)
    # an evidence index outside the unit's form
    got = b.post(f"/units/{b_id}/evidence", {"indicator": "9999"}, files={"file": ("x.pdf", PDF, "application/pdf")})
    assert got.status_code == 422


ASSESSOR_ROUTES = [
    ("get", "/rounds"),
    ("get", "/rounds/new"),
    ("post", "/rounds/new"),
    ("get", "/rounds/{round}"),
    ("post", "/rounds/{round}/finalize"),
    ("get", "/rounds/{round}/ranking"),
    ("get", "/rounds/{round}/download"),
    ("get", "/rounds/{round}/summary.xlsx"),
    ("get", "/units/{unit}/review"),
    ("post", "/units/{unit}/review"),
    ("post", "/units/{unit}/return"),
    ("get", "/users/new"),
    ("post", "/users/new"),
    ("post", "/accounts/reset"),
]


@pytest.mark.parametrize("method,path", ASSESSOR_ROUTES)
def test_a_units_account_cannot_reach_assessor_routes(setup, store, method, path):
    round_id, accounts, a, b, evidence_id = setup
    url = path.format(round=round_id, unit=accounts[0][0])
    a.get(f"/units/{accounts[0][0]}")
    data = {"item": "XF-01", "amount": "0", "reason": "x", "message": "x", "name": "我是考核组", "account": ASSESSOR}
    got = a.get(url) if method == "get" else a.post(url, data)
    assert got.status_code in (403, 404), url
    assert "只有考核组" in got.text or "没有" in got.text
    user = store.login(ASSESSOR, PASSWORD, client="t")
    assert store.review_log(user, accounts[0][0]) == []
    assert not store.round(user, round_id).finalized
    assert store.login(ASSESSOR, PASSWORD, client="t").name == ASSESSOR  # no password was reset


@pytest.mark.parametrize("method,path", [*ASSESSOR_ROUTES, ("get", "/units/{unit}"), ("post", "/units/{unit}/save")])
def test_without_a_session_every_route_sends_to_the_login_page(setup, app, method, path):
    round_id, accounts, *_ = setup
    anonymous = Web(app)
    url = path.format(round=round_id, unit=accounts[0][0])
    got = anonymous.get(url) if method == "get" else anonymous.post(url, {}, csrf=False)
    assert got.url.path == "/login" and "密码" in got.text


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused(setup, store):
    round_id, accounts, a, b, evidence_id = setup
    a_id = accounts[0][0]
    before = saved_version(store, a_id)
    posted = {"version": str(before), "v0": "否", "action": "draft"}
    for token in (None, "", "x" * 43, b.token):  # none, empty, made up, another session's
        data = dict(posted) if token is None else {**posted, "csrf": token}
        got = a.post(f"/units/{a_id}/save", data, csrf=False)
        assert got.status_code == 403 and "CSRF" in got.text
    assert saved_version(store, a_id) == before
    assert a.post(f"/units/{a_id}/save", posted).status_code == 200  # with its own token it saves
    assert saved_version(store, a_id) == before + 1


def test_login_itself_needs_the_token_and_a_new_session_gets_a_new_one(app):
    web = Web(app)
    page = web.get("/login")
    before = web.token
    refused = web.post("/login", {"name": ASSESSOR, "password": PASSWORD, "csrf": "forged"}, csrf=False)
    assert refused.status_code == 403
    web.token = before
    assert web.post("/login", {"name": ASSESSOR, "password": PASSWORD}).url.path == "/rounds"
    assert web.token and web.token != before  # the token seen before login is worth nothing after
    assert page.status_code == 200


def test_login_goes_on_only_to_a_page_of_this_site(app):
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        web = Web(app)
        web.get("/login")
        landed = web.post("/login", {"name": ASSESSOR, "password": PASSWORD, "next": target})
        assert landed.url.host == "testserver" and landed.url.path == "/rounds", target


def test_wrong_passwords_are_throttled(app):
    web = Web(app)
    web.get("/login")
    statuses = [web.post("/login", {"name": ASSESSOR, "password": f"猜{i}"}).status_code for i in range(12)]
    assert statuses[0] == 401 and statuses[-1] == 429
    locked = web.post("/login", {"name": ASSESSOR, "password": PASSWORD})
    assert locked.status_code == 429 and "后再试" in locked.text  # even the right password, while locked


def test_the_session_cookie_is_signed_httponly_and_samesite(app, store):
    web = Web(app)
    web.get("/login")
    response = web.client.post(
        "/login", data={"name": ASSESSOR, "password": PASSWORD, "csrf": web.token}, follow_redirects=False
    )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    value = web.client.cookies.get(COOKIE)
    assert web.get("/rounds").url.path == "/rounds"
    web.client.cookies.clear()  # the tampered copy alone (a jar may keep both per domain)
    web.client.cookies.set(COOKIE, value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
    assert web.get("/rounds").url.path == "/login"  # tampered: no session


def test_logout_ends_the_session_even_for_a_kept_copy_of_the_cookie(app):
    web = Web(app)
    web.login(ASSESSOR, PASSWORD)
    kept = web.client.cookies.get(COOKIE)
    assert web.post("/logout").url.path == "/login"
    thief = Web(app)
    thief.client.cookies.set(COOKIE, kept)
    assert thief.get("/rounds").url.path == "/login"


def test_a_logout_is_kept_across_a_restart_while_other_sessions_survive_it(store):
    """Sessions live in the database: a new server process with the same secret knows which ended."""
    first = app_of(store, secret="the-same-secret")
    web, other = Web(first), Web(first)
    web.login(ASSESSOR, PASSWORD)
    other.login(ASSESSOR, PASSWORD)
    kept = web.client.cookies.get(COOKIE)
    assert web.post("/logout").url.path == "/login"
    restarted = app_of(store, secret="the-same-secret")
    thief, colleague = Web(restarted), Web(restarted)
    thief.client.cookies.set(COOKIE, kept)
    colleague.client.cookies.set(COOKIE, other.client.cookies.get(COOKIE))
    assert thief.get("/rounds").url.path == "/login"
    assert colleague.get("/rounds").url.path == "/rounds"  # logout ends that session only


def test_a_session_ends_when_its_time_is_up_in_the_database(store, app):
    clock = store.clock
    web = Web(app)
    web.login(ASSESSOR, PASSWORD)
    assert web.get("/rounds").url.path == "/rounds"
    before = clock.now
    clock.now = before + dt.timedelta(hours=12, seconds=1)
    try:
        assert web.get("/rounds").url.path == "/login"
    finally:
        clock.now = before


def test_the_database_keeps_no_session_id_in_clear(store, app):
    from sqlalchemy import select

    from server.db import SessionRow

    web = Web(app)
    web.login(ASSESSOR, PASSWORD)
    sid = app.state.web.sessions.signer.loads(web.client.cookies.get(COOKIE))["s"]
    with store._tx(read=True) as s:
        keys = list(s.scalars(select(SessionRow.key)))
    assert len(keys) == 1 and sid not in keys[0] and keys[0] == hashlib.sha256(sid.encode()).hexdigest()


def test_user_text_is_escaped_everywhere(store, app):
    assessor = Web(app)
    assessor.login(ASSESSOR, PASSWORD)
    assessor.get("/rounds/new")
    evil = "<script>alert(1)</script>"
    slips = assessor.post(
        "/rounds/new",
        {
            "rules": "demo-district-2013",
            "year": "2012",
            "opens": "2026-01-01T08:00",
            "closes": "2026-03-01T17:00",
            "units": f"{evil},区直部门\n\"'><img src=x onerror=alert(2)>,镇街",
        },
    )
    assert slips.status_code == 200
    for page in (slips, assessor.get("/rounds/1")):
        assert evil not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "<img src=x" not in page.text
    user = store.login(ASSESSOR, PASSWORD, client="t")
    unit = store.units(user, 1)[0]
    assert unit.name == evil  # stored as typed, escaped when shown
    # text a unit types (数据说明, a 文本 value, a record) and an evidence file's name, on the assessor's pages
    accounts = re.findall(
        r'<th>账号</th><td class="mono">([^<]+)</td></tr>\s*<tr><th>首次密码</th><td class="mono">([^<]+)', slips.text
    )
    web = Web(app)
    web.login(*accounts[0])
    page = web.get(f"/units/{unit.id}")
    assert evil not in page.text
    web.post(f"/units/{unit.id}/save", {"version": version_of(page), "n0": evil, "v0": evil, "action": "draft"})
    web.post(f"/units/{unit.id}/evidence", {"indicator": "0"}, files={"file": (f"{evil}.pdf", PDF, "application/pdf")})
    for page in (web.get(f"/units/{unit.id}"), assessor.get(f"/units/{unit.id}/review")):
        assert evil not in page.text, page.url


def test_upload_names_with_path_parts_are_sanitised_and_stored_outside_any_served_path(setup, store, tmp_path):
    round_id, accounts, a, b, evidence_id = setup
    a_id = accounts[0][0]
    a.get(f"/units/{a_id}")
    got = a.post(
        f"/units/{a_id}/evidence",
        {"indicator": "1"},
        files={"file": ("../../../etc/passwd.pdf", PDF, "application/pdf")},
    )
    assert got.status_code == 200
    user = store.login(ASSESSOR, PASSWORD, client="t")
    record = store.submission(user, a_id).evidence[-1]
    assert "/" not in record.name and "\\" not in record.name and ".." not in record.name.split(".")[0:1]
    stored = store.evidence(user, record.id)[1]
    assert stored.resolve().is_relative_to((tmp_path / "data").resolve())
    download = a.get(f"/evidence/{record.id}")
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;") and "/" not in disposition.split("filename=")[1].split(";")[0]
    # the static folder serves only the stylesheet and script
    assert a.get("/static/../store.py").status_code == 404
    assert a.get("/static/%2e%2e/store.py").status_code == 404


def test_oversized_requests_are_refused_before_they_are_read(store, tmp_path):
    small = app_of(store, upload_limit=64 * 1024, form_limit=16 * 1024)
    round_id, accounts = round_of(store)
    web = Web(small)
    web.login(accounts[0][1], accounts[0][2])
    unit_id = accounts[0][0]
    page = web.get(f"/units/{unit_id}")
    big_form = web.post(f"/units/{unit_id}/save", {"version": version_of(page), "n0": "说" * 20000, "action": "draft"})
    assert big_form.status_code == 413 and "过大" in big_form.text
    big_file = web.post(
        f"/units/{unit_id}/evidence",
        {"indicator": "0"},
        files={"file": ("大.pdf", PDF + b"0" * 100_000, "application/pdf")},
    )
    assert big_file.status_code == 413
    # a body sent in chunks without a length is cut off as soon as it passes the limit
    chunks = (b"x" * 8192 for _ in range(10))
    streamed = web.client.post(
        f"/units/{unit_id}/save", content=chunks, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert streamed.status_code == 413
    user = store.login(ASSESSOR, PASSWORD, client="t")
    assert store.submission(user, unit_id).version == 0 and store.submission(user, unit_id).evidence == ()


def test_pages_carry_the_security_headers(app):
    page = Web(app).get("/login")
    headers = page.headers
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
    assert (
        "script-src 'self'" in headers["content-security-policy"]
        and "frame-ancestors 'none'" in headers["content-security-policy"]
    )
