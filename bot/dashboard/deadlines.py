"""Report deadlines and each agency's status: what the chat's deadline answer says today, then
per deadline every agency it targets, acknowledged (when, by whom) or still awaited."""

from aiohttp import web

from bot.dashboard.auth import Admin, audit
from bot.dashboard.render import Pages
from bot.dashboard.turns import admin_turn
from bot.wiring import Core
from handlers import deadline_status
from handlers.context import local_text
from storage import agencies


async def show(core: Core, pages: Pages, request: web.Request, admin: Admin) -> web.Response:
    tz = core.config.tz
    listed = []
    async with admin_turn(core, admin) as turn:
        summary = await deadline_status.status(turn)
        for deadline in await agencies.deadlines(turn.session, active_only=False):
            targets = await agencies.targets_on(turn.session, deadline.targets,
                                                deadline.due_date)
            done = await agencies.acknowledgements(turn.session, deadline.id)
            rows = [(agency, done.get(agency.id)) for agency in targets]
            listed.append((deadline, rows, sum(1 for _, ack in rows if ack),
                           deadline.active and deadline.due_date < turn.today))
    await audit(core, admin, "dashboard_deadlines")
    return pages.render("deadlines.html", admin=admin, message=summary, listed=listed,
                        when=lambda moment: local_text(moment, tz))
