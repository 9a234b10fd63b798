"""The web application: `create_app(store, secret=…)` gives the ASGI app `assess serve` runs.

Pages are rendered on the server (Jinja2, autoescaped) and work without JavaScript; a small
static script only refreshes the provisional score while a unit types. The store does the work
and checks role and unit itself; the routes check them first (server.security).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from server import security
from server.security import LimitBody, NotLoggedIn, Refused, Sessions

HERE = Path(__file__).parent
MAX_FIELDS = 20000  # a form with record lists: fields per request (the body limit bounds it too)


class Web:
    """What every route needs: the store, the sessions and the templates."""

    def __init__(self, store: Any, sessions: Sessions):
        self.store = store
        self.sessions = sessions
        self.env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html"], default_for_string=True, default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        from server import views

        self.env.filters.update(views.FILTERS)
        from server.evidence import KINDS

        self.env.globals["evidence_accept"] = ",".join(KINDS)

    def page(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        session = getattr(request.state, "session", None)
        html = self.env.get_template(template).render(
            request=request,
            user=getattr(request.state, "user", None),
            csrf=session.csrf if session else "",
            **context,
        )
        return HTMLResponse(html, status_code=status)

    async def call(self, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        """A store call, off the event loop (the store is synchronous)."""
        return await run_in_threadpool(fn, *args, **kwargs)

    async def user(self, request: Request) -> Any:
        """The logged-in user, or NotLoggedIn (the browser is sent to the login page)."""
        session = self.sessions.read(request)
        request.state.session = session
        if session is None or session.user_id is None:
            raise NotLoggedIn()
        user = await self.call(self.store.session_user, session.sid)
        if user is None or user.id != session.user_id:  # ended (logout, password change) or expired
            raise NotLoggedIn()
        request.state.user = user
        return user

    async def form(self, request: Request) -> Any:
        """The posted form, once its CSRF token is this session's."""
        form = await request.form(max_fields=MAX_FIELDS, max_files=4)
        session = getattr(request.state, "session", None) or self.sessions.read(request)
        security.check_csrf(session, form)
        return form


def create_app(
    store: Any,
    *,
    secret: str | None = None,
    secure_cookies: bool = False,
    upload_limit: int = security.UPLOAD_LIMIT,
    form_limit: int = security.FORM_LIMIT,
) -> Any:
    """The ASGI app over a Store. `secret` signs the session cookies (a random one per process when
    None: sessions then end with the process); `secure_cookies` behind a TLS proxy."""
    app = FastAPI(title="法治考核", docs_url=None, redoc_url=None, openapi_url=None)
    web = Web(store, Sessions(secret or secrets.token_urlsafe(32), secure=secure_cookies))
    app.state.web = web
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(NotLoggedIn)
    async def _login_first(request: Request, exc: NotLoggedIn) -> Response:
        target = request.url.path
        query = f"?next={quote(target)}" if request.method == "GET" and target not in ("/", "/login") else ""
        return RedirectResponse(f"/login{query}", status_code=303)

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        return web.page(request, "error.html", status=exc.status, message=exc.message)

    @app.exception_handler(404)
    async def _missing(request: Request, exc: Exception) -> Response:
        return web.page(request, "error.html", status=404, message="没有这个页面")

    from server import views

    views.add_routes(app, web)
    app.add_middleware(LimitBody, upload_limit=upload_limit, form_limit=form_limit)
    app.add_middleware(security.Headers)
    return app
