"""One turn through the real router without a channel or a stored conversation, for the command
line (`ask`, `admin`)."""

from handlers import build_router
from handlers.context import BotConfig, Turn
from handlers.dispatcher import utcnow
from handlers.turn import Incoming, Reply, completed
from storage.contacts import ContactRef
from storage.conversations import ConversationState


async def one_turn(core, incoming: Incoming, config: BotConfig, commit: bool) -> list[Reply]:
    """Route ``incoming`` in one transaction, committed only if ``commit``."""
    person = ContactRef(0, incoming.channel, incoming.user_id, incoming.chat_id, None)
    async with core.sessionmaker() as session:
        turn = Turn(incoming=incoming, state=ConversationState(), session=session,
                    texts=core.texts, now=utcnow(), contact=person, config=config,
                    reader=core.reader)
        replies = await build_router().route(turn)
        await (session.commit() if commit else session.rollback())
    return await completed(replies)
