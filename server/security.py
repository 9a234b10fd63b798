"""What stands between a request and the store: the signed session cookie, CSRF tokens, role and
unit guards, request-size limits and response headers.

The session is a cookie signed with the server's secret (itsdangerous), HttpOnly and SameSite=Lax,
holding only the user's id and the session's CSRF token; a tampered or expired cookie is no
session. Every POST carries the token in a form field, compared in constant time. The store checks
role and unit again on every call: these guards are the first lock, not the only one.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

COOKIE = "assess_session"
SESSION_HOURS = 12
ASSESSOR, UNIT = "考核组", "单位"
CSRF_FIELD = "csrf"

# bytes a request body may have: uploads (evidence, a 填报表, a units workbook) and everything else
UPLOAD_LIMIT = 25 * 1024 * 1024
FORM_LIMIT = 2 * 1024 * 1024
UPLOAD_PATHS = ("/evidence", "/upload", "/rounds/new")


class Refused(Exception):
    """A request the guards refuse: shown as a page with the status and the Chinese reason."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class NotLoggedIn(Exception):
    """No valid session: the page sends the browser to the login page."""


@dataclass(frozen=True)
class Session:
    """What the cookie holds: whose (None before login), the CSRF token, and the session's secret id,
    which the store must still know (logout and password changes end sessions in the database)."""

    user_id: int | None
    csrf: str
    sid: str = ""


class Sessions:
    """Signed session cookies: read, issue, clear."""

    def __init__(self, secret: str, *, secure: bool = False, hours: int = SESSION_HOURS):
        self.signer = URLSafeTimedSerializer(secret, salt="assess-session")
        self.secure = secure
        self.max_age = hours * 3600

    def read(self, request: Request) -> Session | None:
        raw = request.cookies.get(COOKIE)
        if not raw:
            return None
        try:
            data = self.signer.loads(raw, max_age=self.max_age)
        except BadSignature:  # also SignatureExpired
            return None
        if not isinstance(data, dict) or not isinstance(data.get("c"), str):
            return None
        uid, sid = data.get("u"), data.get("s")
        if not isinstance(uid, int) or not isinstance(sid, str):
            return Session(None, data["c"])
        return Session(uid, data["c"], sid)

    def issue(self, response: Response, user_id: int | None) -> Session:
        """A new session (new CSRF token, new secret id): at login, so nothing seen before it is worth
        anything after. The caller records the id in the store."""
        session = Session(user_id, secrets.token_urlsafe(32), secrets.token_urlsafe(32))
        self.write(response, session)
        return session

    def write(self, response: Response, session: Session) -> None:
        value = self.signer.dumps({"u": session.user_id, "c": session.csrf, "s": session.sid})
        response.set_cookie(
            COOKIE, value, max_age=self.max_age, httponly=True, samesite="lax", secure=self.secure, path="/"
        )

    def clear(self, response: Response) -> None:
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=self.secure)


def check_csrf(session: Session | None, form: Any) -> None:
    """The form's token must be this session's: refused otherwise (403)."""
    given = form.get(CSRF_FIELD) if form is not None else None
    if session is None or not isinstance(given, str) or not hmac.compare_digest(given, session.csrf):
        raise Refused(403, "表单已失效或来源不明（CSRF 校验未通过）：请刷新页面后重新提交")


def require_assessor(user: Any) -> None:
    if user.role != ASSESSOR:
        raise Refused(403, "只有考核组账号可以访问此页面")


def require_unit_access(user: Any, unit_id: int) -> None:
    """An assessor reaches every unit; a unit's account only its own: another id is answered as not
    found, like an id that does not exist (guessing tells nothing)."""
    if user.role == ASSESSOR:
        return
    if user.role != UNIT or user.unit_id != unit_id:
        raise Refused(404, "没有这个单位，或你无权查看")


class BodyTooLarge(Exception):
    pass


class LimitBody:
    """ASGI middleware: a request body over its limit is refused with 413 before the app reads it
    (by Content-Length) or as soon as the streamed bytes pass it (chunked or lying headers)."""

    def __init__(self, app, *, upload_limit: int = UPLOAD_LIMIT, form_limit: int = FORM_LIMIT):
        self.app = app
        self.upload_limit = upload_limit
        self.form_limit = form_limit

    def limit_for(self, path: str) -> int:
        return self.upload_limit if path.endswith(UPLOAD_PATHS) else self.form_limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limit_for(scope.get("path", ""))
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = limit + 1
                if declared > limit:
                    return await _too_large(limit)(scope, receive, send)
        seen = 0
        started = False

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge()
            return message

        async def watched(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if not started:
                await _too_large(limit)(scope, receive, send)


def _too_large(limit: int) -> Response:
    return PlainTextResponse(
        f"请求过大：超过 {limit // (1024 * 1024)} MiB 的上限，未保存。请压缩或拆分文件后再上传。",
        status_code=413,
        headers={"Connection": "close"},
    )


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "Cache-Control": "no-store",
}


class Headers:
    """ASGI middleware adding the security headers to every response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message["headers"] = list(message.get("headers", [])) + [e for e in extra if e[0] not in have]
            await send(message)

        await self.app(scope, receive, with_headers)
