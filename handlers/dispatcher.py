"""One incoming message → one transaction: de-duplicate, serialise per person, load state,
route, save state and effects together, return the replies."""

import asyncio
import logging
import re
from collections import Counter
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import async_sessionmaker

from handlers.context import BotConfig, Turn
from handlers.router import Router
from handlers.textnorm import fold, nfc
from handlers.turn import Incoming, Reply, menu_of
from messages.loader import Texts
from storage import contacts, conversations, inbox
from storage.conversations import ConversationKey, ConversationState

log = logging.getLogger(__name__)
MAX_INCOMING = 4096  # longer texts are cut before anything else sees them
_LABEL_DECORATION = re.compile(r"^[^\w]+", re.UNICODE)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Dispatcher:
    """Handles incoming messages for every channel."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker,
        texts: Texts,
        router: Router,
        config: BotConfig,
        clock: Callable[[], datetime] = utcnow,
    ):
        self._sessionmaker = sessionmaker
        self._texts = texts
        self._router = router
        self._config = config
        self._clock = clock
        self._locks = _KeyedLocks()

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Handle ``incoming`` once and return what to show; [] for a duplicate update."""
        incoming = _clean(incoming)
        key = ConversationKey(incoming.channel, incoming.chat_id, incoming.user_id)
        async with self._locks.hold((incoming.channel, incoming.user_id)):
            try:
                return await self._handle_in_transaction(incoming, key)
            except Exception as problem:
                log.exception(
                    "turn failed: channel=%s user=%s update=%s",
                    incoming.channel, incoming.user_id, incoming.update_id,
                )
                await self._record_failure(incoming, problem)
                return [Reply(self._texts("errors.internal"))]

    async def _record_failure(self, incoming: Incoming, problem: Exception) -> None:
        """A stored update that made the turn fail is not picked up again by the inbox
        worker (no endless retry); a platform's re-delivery is still tried."""
        if incoming.update_id is None:
            return
        async with self._sessionmaker.begin() as session:
            await inbox.mark_failed(
                session, incoming.channel, incoming.update_id, type(problem).__name__,
                self._clock(),
            )

    async def _handle_in_transaction(self, incoming: Incoming, key) -> list[Reply]:
        now = self._clock()
        async with self._sessionmaker.begin() as session:
            if incoming.update_id is not None and not await inbox.claim(
                session, incoming.channel, incoming.update_id, now
            ):
                log.info("duplicate update %s/%s skipped", incoming.channel, incoming.update_id)
                return []
            contact = await contacts.touch(
                session, incoming.channel, incoming.user_id, incoming.chat_id,
                incoming.display_name, now,
            )
            state = await conversations.load(session, key)
            turn = Turn(
                incoming=resolve_typed_choice(incoming, state),
                state=state, session=session, texts=self._texts, now=now,
                contact=contact, config=self._config,
            )
            replies = await self._router.route(turn)
            buttons, numbered = menu_of(replies)
            state.menu = [[b.label, b.payload] for b in buttons]
            state.menu_numbered = numbered
            await conversations.save(session, key, state, now)
        return replies


def resolve_typed_choice(incoming: Incoming, state: ConversationState) -> Incoming:
    """Map typed text to the payload of a button last shown: by its label, or by its number
    when the buttons were shown numbered. Text channels rely on this; it also lets a Telegram
    user type "Hủy" instead of tapping."""
    if incoming.payload or not incoming.text or not state.menu:
        return incoming
    typed = fold(incoming.text)
    for label, payload in state.menu:
        if fold(_LABEL_DECORATION.sub("", label)) == typed:
            return replace(incoming, payload=payload)
    if state.menu_numbered and typed.isdecimal() and 1 <= int(typed) <= len(state.menu):
        return replace(incoming, payload=state.menu[int(typed) - 1][1])
    return incoming


def _clean(incoming: Incoming) -> Incoming:
    if incoming.text is None:
        return incoming
    return replace(incoming, text=nfc(incoming.text[: MAX_INCOMING * 2])[:MAX_INCOMING])


class _KeyedLocks:
    """One asyncio lock per person, dropped when nobody waits on it (no unbounded growth)."""

    def __init__(self):
        self._locks: dict[tuple, asyncio.Lock] = {}
        self._holders: Counter = Counter()

    @asynccontextmanager
    async def hold(self, key: tuple):
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._holders[key] += 1
        try:
            async with lock:
                yield
        finally:
            self._holders[key] -= 1
            if not self._holders[key]:
                del self._holders[key], self._locks[key]
