"""The pages: login, the assessor's rounds, dashboard, review and results, a unit's own page.

Every route finds the user from the session and checks role and unit before it calls the store
(which checks again); every POST checks the CSRF token first. Changes answer with a redirect
(post/redirect/get) or, when refused, the page again with the reason beside what caused it.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from engine.documents.numbers import format_decimal
from server import forms
from server.archive import CHINA
from server.security import ASSESSOR, UNIT, Refused, Session, require_assessor, require_unit_access
from server.store import Closed, Forbidden, Invalid, LoginRefused, NotFound, Stale, StoreError

# what a redirect's ?done= says: fixed texts, so no user text travels in a URL into a page
DONE = {
    "saved": "草稿已保存。",
    "submitted": "已提交。截止前如需修改，请联系考核组退回。",
    "uploaded": "填报表已读入并保存为草稿。",
    "evidence": "佐证材料已上传。",
    "reviewed": "复核意见已记录。",
    "returned": "已退回该单位，并附上说明。",
    "finalized": "本批次已定稿，结果不再变化。",
    "user": "账号已创建。",
}


def fmt_time(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(CHINA)
    return value.strftime("%Y-%m-%d %H:%M")


def fmt_points(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def fmt_size(size: int) -> str:
    if size < 1024:
        return f"{size} 字节"
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


FILTERS = {
    "time": fmt_time,
    "points": fmt_points,
    "size": fmt_size,
    "shown": forms.shown,
    "dec": lambda v: format_decimal(v) if isinstance(v, Decimal) else ("" if v is None else str(v)),
}


def _local(text: str, field: str) -> dt.datetime:
    """A time typed in the page: Beijing time unless it says otherwise."""
    try:
        when = dt.datetime.fromisoformat(text.strip())
        return when if when.tzinfo else when.replace(tzinfo=CHINA)
    except (ValueError, AttributeError):
        raise Refused(400, f"{field}应为日期和时间（如 2026-03-01 17:00）") from None


def _int(text: Any, what: str) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        raise Refused(400, f"{what}应为整数") from None


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _attachment(name: str) -> dict[str, str]:
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", name) or "file"
    return {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"}


def add_routes(app: FastAPI, web: Any) -> None:
    store = web.store

    @app.exception_handler(StoreError)
    async def _store_error(request: Request, exc: StoreError) -> Response:
        status = 404 if isinstance(exc, NotFound) else 403 if isinstance(exc, Forbidden) else 409
        if isinstance(exc, Invalid):
            status = 422
        return web.page(
            request, "error.html", status=status, message=exc.message, problems=getattr(exc, "problems", ())
        )

    # -- login ------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    async def home(request: Request) -> Response:
        user = await web.user(request)
        if user.role == UNIT and user.unit_id is not None:
            return RedirectResponse(f"/units/{user.unit_id}", status_code=303)
        return RedirectResponse("/rounds", status_code=303)

    @app.get("/login", response_class=HTMLResponse)
    async def login_page(request: Request, next: str = "/") -> Response:
        session = web.sessions.read(request)
        fresh = session is None
        if fresh:  # a session without a user, for the login form's CSRF token
            session = Session(None, secrets.token_urlsafe(32))
        request.state.session = session
        response = web.page(request, "login.html", next=_safe_next(next))
        if fresh:
            web.sessions.write(response, session)
        return response

    @app.post("/login")
    async def login(request: Request) -> Response:
        request.state.session = web.sessions.read(request)
        form = await web.form(request)
        name, password = str(form.get("name", "")).strip(), str(form.get("password", ""))
        target = _safe_next(str(form.get("next", "/")))
        client = request.client.host if request.client else "unknown"
        try:
            user = await web.call(store.login, name, password, client=client)
        except LoginRefused as exc:
            status = 429 if exc.code == "throttled" else 401
            return web.page(request, "login.html", status=status, error=exc.message, next=target, name=name)
        response = RedirectResponse(target, status_code=303)
        session = web.sessions.issue(response, user.id)
        await web.call(store.open_session, user, session.sid, web.sessions.max_age)
        return response

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        await web.user(request)
        await web.form(request)
        await web.call(store.end_session, request.state.session.sid)
        response = RedirectResponse("/login", status_code=303)
        web.sessions.clear(response)
        return response

    # -- assessor: rounds -------------------------------------------------------------------

    @app.get("/rounds", response_class=HTMLResponse)
    async def rounds(request: Request, done: str = "") -> Response:
        user = await web.user(request)
        require_assessor(user)
        items = await web.call(store.rounds, user)
        return web.page(request, "rounds.html", rounds=items, done=DONE.get(done, ""))

    @app.get("/rounds/new", response_class=HTMLResponse)
    async def new_round(request: Request) -> Response:
        user = await web.user(request)
        require_assessor(user)
        choices = await web.call(store.rulesets)
        return web.page(request, "round_new.html", rulesets=choices, values={}, year=dt.date.today().year - 1)

    @app.post("/rounds/new", response_class=HTMLResponse)
    async def create_round(request: Request) -> Response:
        user = await web.user(request)
        require_assessor(user)
        form = await web.form(request)
        values = {k: str(form.get(k, "")) for k in ("rules", "year", "opens", "closes", "units")}
        choices = await web.call(store.rulesets)

        def again(message: str, problems=()) -> Response:
            return web.page(
                request, "round_new.html", status=422, rulesets=choices, values=values, error=message, problems=problems
            )

        try:
            year = _int(values["year"], "考核年度")
            opens, closes = _local(values["opens"], "开始时间"), _local(values["closes"], "截止时间")
            units = _typed_units(values["units"])
            upload = form.get("units_file")
            if upload is not None and getattr(upload, "filename", ""):
                raw = await upload.read()
                units += await web.call(store.units_from_xlsx, raw, file=Path(upload.filename).name)
            if not units:
                raise Refused(422, "请填写被考核单位（每行：单位名称,单位类型），或上传单位名单 xlsx")
            created, accounts = await web.call(
                store.create_round, user, rules=values["rules"], year=year, opens=opens, closes=closes, units=units
            )
        except Refused as exc:
            return again(exc.message)
        except Invalid as exc:
            return again(exc.message, exc.problems)
        # the first passwords exist only in this response: printed as slips, never stored in clear
        return web.page(request, "slips.html", round=created, accounts=accounts)

    @app.get("/rounds/{round_id}", response_class=HTMLResponse)
    async def dashboard(request: Request, round_id: int, done: str = "") -> Response:
        user = await web.user(request)
        require_assessor(user)
        rnd = await web.call(store.round, user, round_id)
        rows = await web.call(store.dashboard, user, round_id)
        counts = {s: sum(1 for r in rows if r.status == s) for s in ("已提交", "草稿", "已退回", "未填报", "已定稿")}
        now = dt.datetime.now(dt.UTC)
        return web.page(
            request, "dashboard.html", round=rnd, rows=rows, counts=counts, now=now, done=DONE.get(done, "")
        )

    @app.post("/rounds/{round_id}/finalize")
    async def finalize(request: Request, round_id: int) -> Response:
        user = await web.user(request)
        require_assessor(user)
        await web.form(request)
        await web.call(store.finalize, user, round_id)
        return RedirectResponse(f"/rounds/{round_id}/ranking?done=finalized", status_code=303)

    @app.get("/rounds/{round_id}/ranking", response_class=HTMLResponse)
    async def ranking(request: Request, round_id: int, done: str = "") -> Response:
        user = await web.user(request)
        require_assessor(user)
        rnd = await web.call(store.round, user, round_id)
        rows = await web.call(store.ranking, user, round_id) if rnd.finalized else []
        return web.page(request, "ranking.html", round=rnd, rows=rows, done=DONE.get(done, ""))

    @app.get("/rounds/{round_id}/download")
    async def download(request: Request, round_id: int) -> Response:
        user = await web.user(request)
        require_assessor(user)
        rnd = await web.call(store.round, user, round_id)
        path = await web.call(store.download, user, round_id)
        return FileResponse(path, media_type="application/zip", headers=_attachment(f"{rnd.year}年度考核结果.zip"))

    @app.get("/rounds/{round_id}/summary.xlsx")
    async def summary(request: Request, round_id: int) -> Response:
        user = await web.user(request)
        require_assessor(user)
        path = await web.call(store.summary_workbook, user, round_id)
        return FileResponse(path, media_type=XLSX, headers=_attachment("汇总.xlsx"))

    @app.get("/users/new", response_class=HTMLResponse)
    async def new_user(request: Request) -> Response:
        user = await web.user(request)
        require_assessor(user)
        return web.page(request, "user_new.html")

    @app.post("/users/new", response_class=HTMLResponse)
    async def add_user(request: Request) -> Response:
        user = await web.user(request)
        require_assessor(user)
        form = await web.form(request)
        name = str(form.get("name", "")).strip()
        try:
            added, password = await web.call(store.add_user, name, ASSESSOR)
        except StoreError as exc:
            return web.page(request, "user_new.html", status=422, error=exc.message, name=name)
        return web.page(request, "user_new.html", added=added, password=password)

    @app.get("/password", response_class=HTMLResponse)
    async def password_page(request: Request) -> Response:
        await web.user(request)
        return web.page(request, "password.html")

    @app.post("/password", response_class=HTMLResponse)
    async def change_password(request: Request) -> Response:
        """Anyone changes their own password (the first one came on a slip)."""
        user = await web.user(request)
        form = await web.form(request)
        current, new, again = (str(form.get(k, "")) for k in ("current", "new", "again"))
        if new != again:
            return web.page(request, "password.html", status=422, error="两次输入的新密码不一致")
        client = request.client.host if request.client else "unknown"
        try:
            await web.call(store.change_password, user, current, new, client=client, keep=request.state.session.sid)
        except Invalid as exc:
            return web.page(request, "password.html", status=422, error=exc.message)
        return web.page(request, "password.html", done="密码已修改，下次登录用新密码；用旧密码登录的其他浏览器已退出。")

    @app.post("/accounts/reset", response_class=HTMLResponse)
    async def reset_password(request: Request) -> Response:
        """A new first password for a unit's account (or an assessor's), shown once like the slips."""
        user = await web.user(request)
        require_assessor(user)
        form = await web.form(request)
        name = str(form.get("account", "")).strip()
        password = await web.call(store.set_password, user, name)
        return web.page(request, "user_new.html", reset=name, password=password)

    # -- assessor: one unit -----------------------------------------------------------------

    @app.get("/units/{unit_id}/review", response_class=HTMLResponse)
    async def review_page(request: Request, unit_id: int, done: str = "") -> Response:
        user = await web.user(request)
        require_assessor(user)
        context = await web.call(_review_context, store, user, unit_id)
        return web.page(request, "review.html", done=DONE.get(done, ""), **context)

    @app.post("/units/{unit_id}/review", response_class=HTMLResponse)
    async def add_review(request: Request, unit_id: int) -> Response:
        user = await web.user(request)
        require_assessor(user)
        form = await web.form(request)
        item = str(form.get("item", ""))
        kind = "扣分" if form.get("kind") == "扣分" else "得分"
        amount = forms.parse_number(str(form.get("amount", "")))
        reason = str(form.get("reason", "")).strip()
        try:
            if amount is None:
                raise Invalid(f"评分项 {item} 的{kind}应为数字")
            await web.call(store.review, user, unit_id, item, amount, reason, kind=kind)
        except Invalid as exc:
            context = await web.call(_review_context, store, user, unit_id)
            return web.page(request, "review.html", status=422, error=exc.message, error_item=item, **context)
        return RedirectResponse(f"/units/{unit_id}/review?done=reviewed#item-{quote(item)}", status_code=303)

    @app.post("/units/{unit_id}/return")
    async def send_back(request: Request, unit_id: int) -> Response:
        user = await web.user(request)
        require_assessor(user)
        form = await web.form(request)
        message = str(form.get("message", "")).strip()
        if not message:
            raise Refused(422, "退回时请写明需要修改的内容")
        view = await web.call(store.send_back, user, unit_id, message)
        return RedirectResponse(f"/rounds/{view.unit.round_id}?done=returned", status_code=303)

    # -- both: results ------------------------------------------------------------------------

    @app.get("/units/{unit_id}/scoresheet", response_class=HTMLResponse)
    async def scoresheet_page(request: Request, unit_id: int) -> Response:
        user = await web.user(request)
        require_unit_access(user, unit_id)
        view = await web.call(store.submission, user, unit_id)
        rnd = await web.call(store.round, user, view.unit.round_id)
        if not rnd.finalized and user.role != ASSESSOR:
            raise Refused(404, "评分表在考核组定稿后才能查看")
        result = await web.call(store.result, user, unit_id)
        return web.page(request, "scoresheet.html", round=rnd, unit=view.unit, result=result)

    @app.get("/units/{unit_id}/scoresheet.xlsx")
    async def scoresheet_file(request: Request, unit_id: int) -> Response:
        user = await web.user(request)
        require_unit_access(user, unit_id)
        view = await web.call(store.submission, user, unit_id)
        path = await web.call(store.scoresheet, user, unit_id)
        return FileResponse(path, media_type=XLSX, headers=_attachment(f"{view.unit.name}-评分表.xlsx"))

    # -- a unit's own page ------------------------------------------------------------------

    @app.get("/units/{unit_id}", response_class=HTMLResponse)
    async def unit_page(request: Request, unit_id: int, done: str = "") -> Response:
        user = await web.user(request)
        require_unit_access(user, unit_id)
        context = await web.call(_unit_context, store, user, unit_id)
        if done == "submitted" and context["view"].status not in ("已提交", "已定稿"):
            done = ""  # a page reloaded after a 退回 must not still say it was submitted
        return web.page(request, "unit.html", done=DONE.get(done, ""), **context)

    @app.post("/units/{unit_id}/save", response_class=HTMLResponse)
    async def save(request: Request, unit_id: int) -> Response:
        user = await web.user(request)
        require_unit_access(user, unit_id)
        posted = await web.form(request)
        version = _int(posted.get("version", ""), "版本")
        base = await web.call(_unit_context, store, user, unit_id, check=False)
        data = forms.form_to_data(
            base["form"],
            posted,
            unit=base["unit"].name,
            unit_type=base["unit"].unit_type,
            year=base["round"].year,
            keep=base["view"].data,
        )
        try:
            saved = await web.call(store.save, user, unit_id, data, version=version)
            if posted.get("action") == "submit":
                await web.call(store.submit, user, unit_id, version=saved.version)
                return RedirectResponse(f"/units/{unit_id}?done=submitted", status_code=303)
        except Stale as exc:
            context = await web.call(_unit_context, store, user, unit_id)
            lost = forms.changed(exc.current.data, data)
            return web.page(request, "unit.html", status=409, stale=exc.message, lost=lost, **context)
        except (Invalid, Closed) as exc:
            context = await web.call(
                _unit_context, store, user, unit_id, data=data, problems=getattr(exc, "problems", None)
            )
            return web.page(request, "unit.html", status=422, error=exc.message, **context)
        return RedirectResponse(f"/units/{unit_id}?done=saved", status_code=303)

    @app.post("/units/{unit_id}/check", response_class=HTMLResponse)
    async def check(request: Request, unit_id: int) -> Response:
        user = await web.user(request)
        require_unit_access(user, unit_id)
        posted = await web.form(request)
        base = await web.call(_unit_context, store, user, unit_id, check=False)
        data = forms.form_to_data(
            base["form"], posted, unit=base["unit"].name, unit_type=base["unit"].unit_type, year=base["round"].year
        )
        checked = await web.call(store.check, user, unit_id, data)
        placed = forms.place(checked.problems, base["form"])
        return web.page(request, "_provisional.html", checked=checked, placed=placed)

    @app.post("/units/{unit_id}/upload", response_class=HTMLResponse)
    async def upload_form(request: Request, unit_id: int) -> Response:
        user = await web.user(request)
        require_unit_access(user, unit_id)
        posted = await web.form(request)
        version = _int(posted.get("version", ""), "版本")
        upload = posted.get("file")
        if upload is None or not getattr(upload, "filename", ""):
            raise Refused(422, "请选择要上传的填报表（.xlsx）")
        raw = await upload.read()
        try:
            await web.call(store.save_form, user, unit_id, raw, version=version, file=Path(upload.filename).name)
        except Stale as exc:
            context = await web.call(_unit_context, store, user, unit_id)
            return web.page(request, "unit.html", status=409, stale=exc.message, lost=[], **context)
        except (Invalid, Closed) as exc:
            context = await web.call(_unit_context, store, user, unit_id)
            return web.page(
                request,
                "unit.html",
                status=422,
                error=exc.message,
                file_problems=getattr(exc, "problems", ()),
                **context,
            )
        return RedirectResponse(f"/units/{unit_id}?done=uploaded", status_code=303)

    @app.get("/units/{unit_id}/form.xlsx")
    async def form_file(request: Request, unit_id: int) -> Response:
        user = await web.user(request)
        require_unit_access(user, unit_id)
        raw, name = await web.call(_form_workbook, store, user, unit_id)
        return Response(raw, media_type=XLSX, headers=_attachment(name))

    @app.post("/units/{unit_id}/evidence", response_class=HTMLResponse)
    async def add_evidence(request: Request, unit_id: int) -> Response:
        user = await web.user(request)
        require_unit_access(user, unit_id)
        posted = await web.form(request)
        base = await web.call(_unit_context, store, user, unit_id, check=False)
        names = base["form"].names
        k = _int(posted.get("indicator", ""), "指标")
        if not 0 <= k < len(names):
            raise Refused(422, "没有这个指标")
        upload = posted.get("file")
        if upload is None or not getattr(upload, "filename", ""):
            raise Refused(422, "请选择要上传的佐证材料文件")
        try:
            await web.call(store.add_evidence, user, unit_id, names[k], upload.filename, upload.file)
        except (Invalid, Closed) as exc:
            context = await web.call(_unit_context, store, user, unit_id)
            return web.page(request, "unit.html", status=422, error=exc.message, **context)
        return RedirectResponse(f"/units/{unit_id}?done=evidence#ev-{k}", status_code=303)

    @app.get("/evidence/{evidence_id}")
    async def evidence_file(request: Request, evidence_id: int) -> Response:
        user = await web.user(request)
        record, path = await web.call(store.evidence, user, evidence_id)
        require_unit_access(user, record.unit_id)
        # always a download, never shown inline: an uploaded HTML or SVG cannot run in this site's origin
        return FileResponse(path, media_type="application/octet-stream", headers=_attachment(record.name))


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _typed_units(text: str) -> list[tuple[str, str]]:
    """Units typed one a line: 名称,类型 (also ， tab or several spaces between)."""
    units = []
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in re.split(r"[,，\t]|\s{2,}", line, maxsplit=1)]
        if len(parts) != 2 or not all(parts):
            raise Refused(422, f"单位名单第{n}行应为“单位名称,单位类型”，实为“{line[:60]}”")
        units.append((parts[0], parts[1]))
    return units


def _unit_context(store: Any, user: Any, unit_id: int, *, check: bool = True, data=None, problems=None) -> dict:
    """Everything a unit's page shows: the round, the form, the stored (or posted) data and its check."""
    view = store.submission(user, unit_id)
    rnd = store.round(user, view.unit.round_id)
    ruleset = store.ruleset(user, rnd.id)  # loaded through the store's one evaluating thread
    form = forms.web_form(ruleset, view.unit.unit_type)
    shown = data if data is not None else view.data
    checked = None
    if check and shown and shown.get("指标"):
        checked = store.check(user, unit_id, shown)
    found = list(problems or ()) or (list(checked.problems) if checked else [])
    evidence: dict[str, list] = {}
    for e in view.evidence:
        evidence.setdefault(e.indicator, []).append(e)
    return {
        "view": view,
        "round": rnd,
        "unit": view.unit,
        "form": form,
        "data": shown or {},
        "values": (shown or {}).get("指标") or {},
        "notes": (shown or {}).get("数据说明") or {},
        "checked": checked,
        "placed": forms.place(found, form),
        "evidence": evidence,
        "rows_of": forms.rows_of,
        "editable": view.editable,
    }


def _review_context(store: Any, user: Any, unit_id: int) -> dict:
    view = store.submission(user, unit_id)
    rnd = store.round(user, view.unit.round_id)
    ruleset = store.ruleset(user, rnd.id)  # loaded through the store's one evaluating thread
    result, problems = None, ()
    if view.data:
        try:
            result = store.result(user, unit_id)
        except Invalid as exc:
            problems = exc.problems or (exc.message,)
    evidence: dict[str, list] = {}
    for e in view.evidence:
        evidence.setdefault(e.indicator, []).append(e)
    reads = ruleset.item_reads
    return {
        "view": view,
        "round": rnd,
        "unit": view.unit,
        "result": result,
        "problems": problems,
        "log": store.review_log(user, unit_id),
        "reads": reads,
        "evidence": evidence,
        "notes": (view.data or {}).get("数据说明") or {},
        "values": (view.data or {}).get("指标") or {},
        "indicators": ruleset.indicators,
    }


def _form_workbook(store: Any, user: Any, unit_id: int) -> tuple[bytes, str]:
    """The unit's 填报表 (its unit type), filled with what it has saved so far."""
    from scoresheets.template import write_template

    view = store.submission(user, unit_id)
    rnd = store.round(user, view.unit.round_id)
    ruleset = store.ruleset(user, rnd.id)  # loaded through the store's one evaluating thread
    header = {"单位名称": view.unit.name, "单位类型": view.unit.unit_type, "考核年度": rnd.year}
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "form.xlsx"
        try:
            write_template(ruleset, target, {**(view.data or {}), **header}, view.unit.unit_type)
        except Exception:  # a draft's value the workbook cannot hold: the form with the header only
            write_template(ruleset, target, header, view.unit.unit_type)
        return target.read_bytes(), f"{view.unit.name}-{rnd.year}年度填报表.xlsx"
