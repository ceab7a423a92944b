"""Who is an admin (ADMIN_IDS plus admins added from the chat), checked on every call; and the
audit log every admin action writes."""

from collections.abc import Awaitable, Callable

from handlers.context import Turn
from handlers.menu import unknown_command
from handlers.turn import Reply
from storage import admins


async def is_admin(turn: Turn) -> bool:
    return turn.actor in await admins.all_admins(turn.session, turn.config.admins)


def admin_only(handler: Callable[..., Awaitable[list[Reply]]]):
    """Run ``handler`` (a route, or a form's submit taking the answers too) for admins only,
    checked at every call: rights may have been removed while a form was open. A non-admin
    gets the ordinary "không hiểu lệnh" answer: nothing is revealed."""

    async def guarded(turn: Turn, *answers) -> list[Reply]:
        if not await is_admin(turn):
            return await unknown_command(turn)
        return await handler(turn, *answers)

    return guarded


async def audit(turn: Turn, action: str, **detail) -> None:
    await admins.audit(turn.session, turn.actor, action, detail, turn.now)
