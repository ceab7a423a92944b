"""What every channel adapter offers the rest of the bot, and the errors its sending raises."""

import hmac
from datetime import UTC, datetime
from typing import Protocol

from aiohttp import web

from bot.wiring import Core
from handlers.turn import Reply
from storage import contacts


class Unreachable(Exception):
    """The person blocked the bot or the account is gone; stop writing to them."""


async def mark_unreachable(core: Core, channel: str, chat_id: str) -> None:
    """The platform refused delivery (blocked, deleted): no bulk sends to this person until
    they write again. Adapters call this before raising Unreachable."""
    async with core.sessionmaker.begin() as session:
        await contacts.mark_unreachable(session, channel, chat_id, datetime.now(UTC))


class RetryLater(Exception):
    """The platform asked us to wait ``seconds`` before writing to this chat again."""

    def __init__(self, seconds: float):
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds


class TemporaryFailure(Exception):
    """A network error or a 5xx: worth trying again later."""


class OutsideWindow(Exception):
    """The platform allows no message to this person now (Zalo OA: no interaction for 7 days,
    or a paid-window message not worth paying for); another channel may reach them."""


class Rejected(Exception):
    """The platform refused this message for good (bad markup, too long…): do not retry."""


class Channel(Protocol):
    name: str
    text_only: bool  # choices shown as numbered text (no buttons to tap)

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def routes(self) -> list:
        """aiohttp routes (webhooks) this channel mounts on the one web app."""
        ...

    async def send(
        self, chat_id: str, replies: list[Reply], *, bulk: bool = False, priority: int = 5
    ) -> None:
        """Deliver ``replies`` to ``chat_id``; raises Unreachable, RetryLater, OutsideWindow,
        TemporaryFailure or Rejected when the platform refuses. ``priority`` is the outbox
        row's (lower is more important) for bulk sends."""
        ...


def carries_secret(request: web.Request, header: str, secret: str | None) -> bool:
    """A webhook request proves it comes from the platform: its shared-secret header equals
    ours (constant-time). Fails closed when we have no secret."""
    given = request.headers.get(header, "")
    return bool(secret) and hmac.compare_digest(given.encode(), secret.encode())
