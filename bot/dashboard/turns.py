"""The dashboard acts through the chat's own admin handlers (same rules, same notifications,
same audit rows), each given a turn for the signed-in admin inside one transaction."""

from contextlib import asynccontextmanager
from datetime import datetime

from markupsafe import Markup

from bot.dashboard.auth import Admin
from bot.wiring import Core
from handlers.actions import Action
from handlers.admin import ROUTES
from handlers.context import Turn
from handlers.dispatcher import utcnow
from handlers.turn import Incoming, Reply
from storage.contacts import ContactRef
from storage.conversations import ConversationState


@asynccontextmanager
async def admin_turn(core: Core, admin: Admin, action: Action | None = None,
                     now: datetime | None = None):
    """A turn as if ``admin`` had pressed ``action`` in their own chat; committed on exit.
    It is not a chat message: no conversation state is loaded or saved, no contact touched
    (the admin handlers do not read them)."""
    channel, _, user_id = admin.id.partition(":")
    now = now or utcnow()
    incoming = Incoming(channel=channel, user_id=user_id, chat_id=user_id, text=None,
                        payload=action.pack() if action else None, received_at=now)
    async with core.sessionmaker.begin() as session:
        yield Turn(incoming=incoming, state=ConversationState(), session=session,
                   texts=core.texts, now=now,
                   contact=ContactRef(0, channel, user_id, user_id, None),
                   config=core.config, action=action)


async def press(core: Core, admin: Admin, action: Action) -> Markup:
    """Run the chat's handler of ``action`` for the admin; what the chat would answer."""
    async with admin_turn(core, admin, action) as turn:
        return said(await ROUTES[type(action)](turn))


def said(replies: list[Reply]) -> Markup:
    """What the chat would have answered first (HTML whose values are escaped), as the
    page's message."""
    return Markup(replies[0].text) if replies else Markup("")
