"""Signing in with a one-time link from the chat, and signing out. Opening the link changes
nothing (a chat app's link preview must not use it up): its page has a button that POSTs."""

from aiohttp import web

from bot.dashboard.auth import COOKIE, Admin, audit, set_cookie
from bot.dashboard.render import Pages, see_other
from bot.wiring import Core
from handlers.dispatcher import utcnow
from storage import admins, web_admin


async def how_to(core: Core, pages: Pages, request: web.Request) -> web.Response:
    return pages.render("login.html", link=None)


async def show_link(core: Core, pages: Pages, request: web.Request) -> web.Response:
    token = request.match_info["token"]
    async with core.sessionmaker() as session:
        holder = await web_admin.login_link_holder(session, token, utcnow())
    if holder is None:
        return pages.render("login.html", link=None, refused=True, status=403)
    return pages.render("login.html", link=request.path)


async def use_link(core: Core, pages: Pages, request: web.Request) -> web.StreamResponse:
    token, now, settings = request.match_info["token"], utcnow(), core.settings
    async with core.sessionmaker.begin() as session:
        holder = await web_admin.use_login_link(session, token, now)
        if holder is None or holder not in await admins.all_admins(session, core.config.admins):
            holder = None
        else:
            session_token = await web_admin.start_session(session, holder, now,
                                                          settings.admin_session_hours)
            await admins.audit(session, holder, "dashboard_login", {"via": "web"}, now)
    if holder is None:
        return pages.render("login.html", link=None, refused=True, status=403)
    response = see_other("/admin/")
    set_cookie(request, response, session_token, settings.admin_session_hours)
    return response


async def logout(core: Core, pages: Pages, request: web.Request, admin: Admin):
    async with core.sessionmaker.begin() as session:
        await web_admin.end_session(session, admin.token, utcnow())
    await audit(core, admin, "dashboard_logout")
    response = see_other("/admin/login")
    response.del_cookie(COOKIE, path="/admin")
    return response
