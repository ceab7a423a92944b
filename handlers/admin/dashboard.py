"""The way into the staff dashboard: a one-time login link, sent only in the admin's own chat
(never in a group, where others would see it), valid for minutes and used once."""

from handlers.admin.guard import audit
from handlers.admin.stats import back
from handlers.context import Turn
from handlers.turn import Reply
from storage import web_admin


async def login_link(turn: Turn) -> list[Reply]:
    if turn.incoming.chat_id != turn.incoming.user_id:
        return [Reply(turn.t("admin.dashboard_private_only"), back(turn))]
    minutes = turn.config.admin_login_minutes
    token = await web_admin.new_login_link(turn.session, turn.actor, turn.now, minutes)
    await audit(turn, "dashboard_link")
    url = f"{turn.config.web_public_url}/admin/login/{token}"
    return [Reply(turn.t("admin.dashboard_link", url=url, minutes=minutes), back(turn))]
