"""The staff dashboard at /admin/ on the project's aiohttp app: server-rendered pages over the
same storage and the same admin handlers the chat uses, for admins signed in with a one-time
link from the chat."""

from functools import partial

from aiohttp import web

from bot.dashboard import broadcast, deadlines, login, overview, people, requests, sessions
from bot.dashboard.auth import admins_only
from bot.dashboard.render import Pages, see_other
from bot.wiring import Core


class Dashboard:
    def __init__(self, core: Core):
        self.core = core
        self.pages = Pages(core.texts)

    def refuse(self, request: web.Request, status: int) -> web.Response:
        return self.pages.render("refused.html", status=status)

    def routes(self) -> list[web.RouteDef]:
        core, pages = self.core, self.pages
        guard = admins_only(core, self.refuse)

        def page(handler):
            return guard(partial(handler, core, pages))

        def open_page(handler):
            return partial(handler, core, pages)

        async def redirect(request: web.Request) -> web.Response:
            return see_other("/admin/")

        return [
            web.get("/admin", redirect),
            web.get("/admin/login", open_page(login.how_to)),
            web.get("/admin/login/{token}", open_page(login.show_link)),
            web.post("/admin/login/{token}", open_page(login.use_link)),
            web.post("/admin/logout", page(login.logout)),
            web.get("/admin/", page(overview.show)),
            web.get("/admin/registrations", page(people.show)),
            web.get("/admin/export", page(people.export)),
            web.get("/admin/broadcast", page(broadcast.compose)),
            web.post("/admin/broadcast/preview", page(broadcast.preview)),
            web.post("/admin/broadcast/send", page(broadcast.send)),
            web.get("/admin/broadcast/{number:\\d+}", page(broadcast.progress)),
            web.post("/admin/broadcast/{number:\\d+}/stop", page(broadcast.stop)),
            web.get("/admin/broadcast/{number:\\d+}/progress.json",
                    page(broadcast.progress_json)),
            web.get("/admin/sessions", page(sessions.show)),
            web.post("/admin/sessions/add", page(sessions.add)),
            web.get("/admin/sessions/{id:\\d+}", page(sessions.edit_form)),
            web.post("/admin/sessions/{id:\\d+}", page(sessions.edit)),
            web.post("/admin/sessions/{id:\\d+}/toggle", page(sessions.toggle)),
            web.get("/admin/sessions/{id:\\d+}/cancel", page(sessions.ask_cancel)),
            web.post("/admin/sessions/{id:\\d+}/cancel", page(sessions.cancel)),
            web.get("/admin/deadlines", page(deadlines.show)),
            web.get("/admin/requests", page(requests.show)),
            web.get("/admin/requests/{id:\\d+}", page(requests.case)),
            web.post("/admin/requests/{id:\\d+}/assign", page(requests.assign)),
            web.post("/admin/requests/{id:\\d+}/answer", page(requests.answer)),
            web.get("/admin/requests/{id:\\d+}/close", page(requests.ask_close)),
            web.post("/admin/requests/{id:\\d+}/close", page(requests.close)),
            web.get("/admin/requests/topics", page(requests.topics)),
            web.post("/admin/requests/topics/add", page(requests.add_topic)),
            web.post("/admin/requests/topics/{topic}/toggle", page(requests.toggle_topic)),
        ]
