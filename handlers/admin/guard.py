"""Who is an admin (ADMIN_IDS plus admins added from the chat), checked on every call; and the
audit log every admin action writes."""

from collections.abc import Awaitable, Callable

from handlers.context import Turn
from handlers.menu import unknown_command
from handlers.turn import Reply
from storage import admins


async def is_admin(turn: Turn) -> bool:
    return turn.actor in turn.config.admins or turn.actor in await admins.added_admins(
        turn.session
    )


def admin_only(handler: Callable[[Turn], Awaitable[list[Reply]]]):
    """A non-admin gets the ordinary "không hiểu lệnh" answer: nothing is revealed."""

    async def guarded(turn: Turn) -> list[Reply]:
        if not await is_admin(turn):
            return await unknown_command(turn)
        return await handler(turn)

    return guarded


def admin_submit(submit: Callable[[Turn, dict], Awaitable[list[Reply]]]):
    """The same check for a form's submit (rights may have been removed meanwhile)."""

    async def guarded(turn: Turn, answers: dict) -> list[Reply]:
        if not await is_admin(turn):
            return await unknown_command(turn)
        return await submit(turn, answers)

    return guarded


async def audit(turn: Turn, action: str, **detail) -> None:
    await admins.audit(turn.session, turn.actor, action, detail, turn.now)
