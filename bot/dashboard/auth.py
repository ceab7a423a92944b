"""Who is signed in to the dashboard. A server-side session (its token's hash in the database)
named by an HttpOnly, SameSite=Strict cookie; the admin rights are checked again at every
request, so an admin removed in the chat loses the dashboard at once. Every POST carries a
CSRF token derived from the session token."""

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from bot.dashboard.render import see_other
from bot.web import is_https
from bot.wiring import Core
from handlers.dispatcher import utcnow
from storage import admins, web_admin

COOKIE = "qnam_admin"
ADMIN = web.AppKey("dashboard_admin", object)


@dataclass(frozen=True)
class Admin:
    """The admin behind a request: ``id`` as the audit log names people (telegram:123)."""

    id: str
    token: str

    @property
    def csrf(self) -> str:
        return csrf_token(self.token)


def csrf_token(session_token: str) -> str:
    """Only the holder of the (HttpOnly) session cookie gets the page that shows this."""
    return hashlib.sha256(f"csrf:{session_token}".encode()).hexdigest()


async def signed_in(core: Core, request: web.Request, now: datetime) -> Admin | None:
    token = request.cookies.get(COOKIE, "")
    if not token or len(token) > 100:
        return None
    async with core.sessionmaker() as session:
        holder = await web_admin.session_holder(session, token, now)
        if holder is None or holder not in await admins.all_admins(session, core.config.admins):
            return None
    return Admin(holder, token)


def set_cookie(request: web.Request, response: web.StreamResponse, token: str,
               hours: int) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/admin",
                        secure=is_https(request), max_age=hours * 3600)


Handler = Callable[[web.Request, Admin], Awaitable[web.StreamResponse]]


def admins_only(core: Core, refuse: Callable[[web.Request, int], web.StreamResponse]):
    """Wrap a page: no session → the login page (or 403 for a POST); a POST without the
    session's CSRF token → 403."""

    def wrap(handler: Handler):
        async def guarded(request: web.Request) -> web.StreamResponse:
            admin = await signed_in(core, request, utcnow())
            if admin is None:
                if request.method == "GET":
                    return see_other("/admin/login")
                return refuse(request, 403)
            if request.method == "POST":
                form = await request.post()
                if not hmac.compare_digest(str(form.get("csrf", "")), admin.csrf):
                    return refuse(request, 403)
            return await handler(request, admin)

        return guarded

    return wrap


async def audit(core: Core, admin: Admin, action: str, **detail) -> None:
    async with core.sessionmaker.begin() as session:
        await admins.audit(session, admin.id, action, {"via": "web", **detail}, utcnow())
