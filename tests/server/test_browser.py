"""A whole round in a real browser (Debian's chromium through Playwright) against `assess serve` run as a
separate process: the assessor creates the round, one unit fills the web form and attaches evidence,
the other uploads its filled 填报表, one is returned and resubmits, review, finalize, download.

A screenshot of each page kind is saved to $ASSESS_SCREENSHOTS (else a temporary folder, printed).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from web_round import DATA, EXAMPLES, RULES, UNITS, example, fields_for

from engine.api import assess_file, get_ruleset
from engine.ruleset.names import resolve_rules
from server.forms import web_form

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and os.environ.get("CI") != "true", reason="needs Debian's chromium"
    ),
]
ASSESS = str(Path(sys.executable).parent / "assess")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    """`assess users add` then `assess serve` on a free loopback port; yields (url, assessor password)."""
    data = tmp_path / "考核数据"
    env = {**os.environ, "ASSESS_SECRET": "browser-test"}
    made = subprocess.run(
        [ASSESS, "users", "add", "张三", "--role", "考核组", "--data", str(data)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    password = made.stdout.strip().splitlines()[-1]
    port = free_port()
    proc = subprocess.Popen(
        [ASSESS, "serve", "--data", str(data), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert proc.poll() is None, proc.stdout.read().decode()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}", password
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def shots(tmp_path_factory):
    folder = os.environ.get("ASSESS_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    print(f"screenshots: {path}")
    return path


def fill_form(page, posted: dict[str, str]) -> None:
    """Type each value into its field as a person would (select lists by their option)."""
    for name, value in posted.items():
        field = page.locator(f'#entry [name="{name}"]')
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)


def test_a_whole_round_in_the_browser(server, shots, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    from scoresheets.template import write_template

    base, password = server
    ruleset = get_ruleset(resolve_rules(RULES))
    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=8)))
    opens = (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    closes = (now + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--lang=zh-CN"],
        )

        def window():
            context = browser.new_context(
                locale="zh-CN", viewport={"width": 1440, "height": 900}, accept_downloads=True
            )
            return context.new_page()

        def shot(page, name, full=True):
            page.screenshot(path=str(shots / f"{name}.png"), full_page=full)

        # -- the assessor creates the round ---------------------------------------------------
        boss = window()
        boss.goto(base + "/")
        expect(boss).to_have_url(re.compile(r"/login"))
        shot(boss, "01-登录")
        boss.fill("input[name=name]", "张三")
        boss.fill("input[name=password]", password)
        boss.click("button.primary")
        expect(boss.locator("h1")).to_have_text("考核批次")
        boss.click("text=新建考核批次")
        boss.select_option("select[name=rules]", RULES)
        boss.fill("input[name=year]", "2012")
        boss.fill("input[name=opens]", opens)
        boss.fill("input[name=closes]", closes)
        boss.fill("textarea[name=units]", "\n".join(f"{n},{t}" for n, t in UNITS))
        shot(boss, "02-新建批次")
        boss.click("form.card button.primary")
        expect(boss.locator(".slip")).to_have_count(2)
        slips = boss.locator(".slip")
        accounts = [
            (slips.nth(i).locator("td.mono").nth(0).inner_text(), slips.nth(i).locator("td.mono").nth(1).inner_text())
            for i in range(2)
        ]
        shot(boss, "03-账号条")
        boss.emulate_media(media="print")
        shot(boss, "04-账号条-打印")
        boss.emulate_media(media="screen")
        boss.click("text=进入批次看板")
        expect(boss.locator("table.grid tbody tr")).to_have_count(2)
        shot(boss, "05-看板-未填报")
        round_url = boss.url

        # -- unit A fills the web form and attaches evidence ----------------------------------
        a = window()
        a.goto(base + "/login")
        a.fill("input[name=name]", accounts[0][0])
        a.fill("input[name=password]", accounts[0][1])
        a.click("button.primary")
        expect(a.locator("h1")).to_contain_text(UNITS[0][0])
        shot(a, "06-单位填报-空白", full=False)
        form_a = web_form(ruleset, UNITS[0][1])
        fill_form(a, fields_for(form_a, example(0)))
        cli_a = assess_file(EXAMPLES / DATA[0], RULES)
        # the provisional score follows the typing (the little script); the page works without it too
        expect(a.locator("#provisional-body")).to_contain_text(f"{cli_a.total:.2f}", timeout=20000)
        a.locator("#provisional").scroll_into_view_if_needed()
        shot(a, "07-单位填报-暂定得分", full=False)
        a.click("button[value=draft]")
        expect(a.locator(".notice.ok")).to_contain_text("草稿已保存")
        pdf = tmp_path / "法制机构设置文件.pdf"
        pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
        a.locator('input[type=file][form="ev-2"]').set_input_files(str(pdf))
        a.locator('button[form="ev-2"]').click()
        expect(a.locator(".notice.ok")).to_contain_text("佐证材料已上传")
        expect(a.locator("#ev-list-2")).to_contain_text("法制机构设置文件.pdf")
        a.locator("#f-2").scroll_into_view_if_needed()
        shot(a, "08-单位填报-佐证材料", full=False)
        a.click("button[value=submit]")
        expect(a.locator(".notice.ok")).to_contain_text("已提交")
        shot(a, "09-单位-已提交只读", full=False)

        # -- unit B downloads its 填报表, fills it in Excel, uploads it -----------------------
        b = window()
        b.goto(base + "/login")
        b.fill("input[name=name]", accounts[1][0])
        b.fill("input[name=password]", accounts[1][1])
        b.click("button.primary")
        with b.expect_download() as got:
            b.click("text=下载本单位填报表")
        blank = tmp_path / "下载的填报表.xlsx"
        got.value.save_as(blank)
        assert blank.read_bytes()[:2] == b"PK"
        filled = tmp_path / "填好的填报表.xlsx"
        write_template(ruleset, filled, example(1), UNITS[1][1])  # what the unit types into Excel
        b.locator('input[name=file][accept=".xlsx"]').set_input_files(str(filled))
        b.click("text=上传并保存为草稿")
        expect(b.locator(".notice.ok")).to_contain_text("填报表已读入")
        cli_b = assess_file(EXAMPLES / DATA[1], RULES)
        expect(b.locator("#provisional-body")).to_contain_text(f"{cli_b.total:.2f}")
        shot(b, "10-单位-上传填报表后", full=False)
        b.click("button[value=submit]")
        expect(b.locator(".notice.ok")).to_contain_text("已提交")

        # -- the assessor returns B; B corrects and resubmits ---------------------------------
        boss.goto(round_url)
        expect(boss.locator("tbody .tag", has_text="已提交")).to_have_count(2)
        shot(boss, "11-看板-已提交")
        boss.locator("tbody tr", has_text=UNITS[1][0]).locator("text=审核").click()
        boss.fill("textarea[name=message]", "行政诉讼案件第2条的判决日期请与判决书核对")
        boss.click("text=退回该单位")
        expect(boss.locator("tbody tr", has_text=UNITS[1][0]).locator(".tag")).to_have_text("已退回")
        b.goto(b.url.split("?")[0])
        expect(b.locator(".notice.warn")).to_contain_text("判决日期请与判决书核对")
        shot(b, "12-单位-被退回", full=False)
        b.locator("#entry [name=n0]").fill("已与判决书核对")
        b.click("button[value=submit]")
        expect(b.locator(".notice.ok")).to_contain_text("已提交")

        # -- review, finalize, download -------------------------------------------------------
        boss.goto(round_url)
        boss.locator("tbody tr", has_text=UNITS[0][0]).locator("text=审核").click()
        expect(boss.locator("h1")).to_contain_text(UNITS[0][0])
        lost = next(x for x in cli_a.items if x.deduction > 0)
        row = boss.locator(f'tr[id="item-{lost.rule_id}"]')
        row.locator("input[name=amount]").fill(str(lost.max_points))
        row.locator("input[name=reason]").fill("佐证材料表明已整改到位")
        row.locator("button").click()
        expect(boss.locator(".notice.ok")).to_contain_text("复核意见已记录")
        expect(boss.locator("table.compact").last).to_contain_text("佐证材料表明已整改到位")
        shot(boss, "13-审核-复核", full=False)
        boss.locator(f'tr[id="item-{lost.rule_id}"]').scroll_into_view_if_needed()
        shot(boss, "14-审核-逐项", full=False)
        boss.goto(round_url)
        boss.check("form.confirm input[type=checkbox]")
        boss.click("form.confirm button")
        expect(boss.locator(".notice.ok")).to_contain_text("已定稿")
        expect(boss.locator("tbody tr")).to_have_count(2)
        expect(boss.locator("tbody tr").first).to_contain_text(UNITS[0][0])
        shot(boss, "15-排名")
        with boss.expect_download() as got:
            boss.click("text=下载全部评分表和汇总")
        archive = tmp_path / "结果.zip"
        got.value.save_as(archive)
        names = zipfile.ZipFile(io.BytesIO(archive.read_bytes())).namelist()
        assert any(n.endswith("汇总.xlsx") for n in names) and sum(n.endswith("评分表.xlsx") for n in names) == 2
        boss.locator("tbody tr").first.locator("text=查看").click()
        expect(boss.locator("h1")).to_contain_text("评分表")
        shot(boss, "16-评分表")
        boss.emulate_media(media="print")
        shot(boss, "17-评分表-打印")
        a.goto(a.url.split("?")[0])
        expect(a.locator(".notice.ok")).to_contain_text("已定稿")
        a.click("text=查看本单位评分表")
        expect(a.locator("h1")).to_contain_text(UNITS[0][0])
        shot(a, "18-单位-评分表")
        browser.close()
    assert len(list(shots.glob("*.png"))) == 18
