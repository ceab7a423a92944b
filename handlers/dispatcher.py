"""One incoming message → one transaction: de-duplicate, serialise per person, load state,
route, save state and effects together, return the replies."""

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import async_sessionmaker

from handlers.context import BotConfig, Turn
from handlers.router import Router
from handlers.textnorm import nfc
from handlers.turn import Button, Incoming, Reply, completed, menu_of, rows
from handlers.typed_choice import candidates
from messages.loader import Texts
from storage import contacts, conversations, db, inbox
from storage.conversations import ConversationKey, ConversationState
from storage.locks import PersonLocks

log = logging.getLogger(__name__)
Deliver = Callable[[Incoming, list[Reply]], Awaitable[None]]
# told of every turn: (incoming, outcome, seconds); outcome is handled, duplicate, retry or failed
TurnObserver = Callable[[Incoming, str, float], None]
MAX_INCOMING = 4096  # longer texts are cut before anything else sees them


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
        observe: TurnObserver | None = None,
        reader: async_sessionmaker | None = None,
    ):
        self._observe = observe or (lambda incoming, outcome, seconds: None)
        self._sessionmaker = sessionmaker
        self._reader = reader or sessionmaker
        self._texts = texts
        self._router = router
        self._config = config
        self._clock = clock
        self._locks = PersonLocks(sessionmaker.kw["bind"])

    async def handle(self, incoming: Incoming, deliver: Deliver | None = None) -> list[Reply]:
        """Handle ``incoming`` once and return what to show; [] for a duplicate update.
        ``deliver`` sends the replies before the person's next message is handled, so that
        they arrive in the order of the messages."""
        incoming = _clean(incoming)
        async with self._locks.hold(incoming.channel, incoming.user_id) as connection:
            # on PostgreSQL the turn runs on the connection that holds the person's lock
            sessions = self._sessionmaker if connection is None else async_sessionmaker(
                **{**self._sessionmaker.kw, "bind": connection})
            replies, keyboard = await self._turn(incoming, sessions)
            replies = await self._finish(incoming, replies)
            if deliver is not None:
                await deliver(replace(incoming, phone_keyboard=keyboard), replies)
        return replies

    async def _turn(
        self, incoming: Incoming, sessions: async_sessionmaker
    ) -> tuple[list[Reply], bool]:
        """The replies, and whether the share-phone keyboard is still on the person's screen."""
        key = ConversationKey(incoming.channel, incoming.chat_id, incoming.user_id)
        started = time.perf_counter()
        try:
            outcome = await self._handle_in_transaction(incoming, key, sessions)
        except Exception as problem:
            if not await self._record_failure(incoming, problem, sessions):
                self._observe(incoming, "retry", time.perf_counter() - started)
                return [], False  # tried again later; the person hears of it if it is given up
            self._observe(incoming, "failed", time.perf_counter() - started)
            return [Reply(self._texts("errors.internal"))], False
        self._observe(incoming, "duplicate" if outcome is None else "handled",
                      time.perf_counter() - started)
        return outcome or ([], False)

    async def _finish(self, incoming: Incoming, replies: list[Reply]) -> list[Reply]:
        """Do the replies' ``later`` work, now that the turn has committed (only this person
        waits for it). The turn is done, so a failure here is answered, not tried again."""
        try:
            return await completed(replies)
        except Exception as problem:
            log.warning("work after the turn failed: channel=%s user=%s update=%s: %s",
                        incoming.channel, incoming.user_id, incoming.update_id,
                        inbox.failure_reason(problem))
            return [Reply(self._texts("errors.internal"))]

    async def _record_failure(
        self, incoming: Incoming, problem: Exception, sessions: async_sessionmaker
    ) -> bool:
        """Count the failed turn on its stored update: the inbox worker tries it again until
        the third failure quarantines it (no endless retry). Returns True if it is given up,
        at once for a message that was not stored (web chat, terminal)."""
        reason = inbox.failure_reason(problem)
        given_up = True
        if incoming.update_id is not None:
            async with sessions.begin() as session:
                given_up = await inbox.record_failure(
                    session, incoming.channel, incoming.update_id, reason, self._clock()
                )
        log.warning(
            "turn failed: channel=%s user=%s update=%s: %s; %s", incoming.channel,
            incoming.user_id, incoming.update_id, reason,
            "quarantined" if given_up else "to be tried again",
            extra={"channel": incoming.channel, "update_id": incoming.update_id},
        )
        return given_up

    async def _handle_in_transaction(
        self, incoming: Incoming, key, sessions: async_sessionmaker
    ) -> tuple[list[Reply], bool] | None:
        """The turn's replies and whether the share-phone keyboard stays; None when the update
        was already handled."""
        now = self._clock()
        async with sessions.begin() as session:
            if incoming.update_id is not None and not await inbox.claim(
                session, incoming.channel, incoming.update_id, now
            ):
                log.info("duplicate update %s/%s skipped", incoming.channel, incoming.update_id,
                         extra={"channel": incoming.channel, "update_id": incoming.update_id})
                return None
            contact = await contacts.touch(
                session, incoming.channel, incoming.user_id, incoming.chat_id,
                incoming.display_name, now,
            )
            state = await conversations.load(session, key)
            keyboard = state.phone_keyboard
            resolved = resolve_typed_choice(incoming, state)
            turn = Turn(
                incoming=incoming if isinstance(resolved, list) else resolved,
                state=state, session=session, texts=self._texts, now=now,
                contact=contact, config=self._config, reader=self._reader,
            )
            if isinstance(resolved, list):  # several buttons fit what was typed
                replies = [Reply(self._texts("menu.did_you_mean"), rows(*resolved))]
            else:
                replies = await self._router.route(turn)
            buttons, state.menu_numbered, state.menu_from = menu_of(replies)
            state.menu = [[b.label, b.payload] for b in buttons]
            state.phone_keyboard = any(r.ask_phone for r in replies) or (keyboard and not replies)
            await conversations.save(session, key, state, now)
        log.debug("turn handled", extra={"channel": incoming.channel,
                                         "update_id": incoming.update_id,
                                         "contact_id": contact.id})
        await db.checkpoint_if_asked(session)  # after an erasure, now that it is committed
        return replies, keyboard


def resolve_typed_choice(incoming: Incoming, state: ConversationState) -> Incoming | list[Button]:
    """Map typed text to the payload of a button last shown (see handlers.typed_choice), or
    return the buttons it may mean when there are several. Text channels rely on this; it also
    lets a Telegram user type "Hủy" or "ok" instead of tapping. The text stays, so a handler can
    tell typing from tapping."""
    if incoming.payload or not incoming.text or not state.menu:
        return incoming
    labels = [label for label, _ in state.menu]
    found = candidates(incoming.text, labels, state.menu_from, state.menu_numbered)
    payloads = list(dict.fromkeys(state.menu[i][1] for i in found))
    if len(payloads) == 1:
        return replace(incoming, payload=payloads[0])
    if payloads:
        first_label = {payload: label for label, payload in reversed(state.menu)}
        return [Button(first_label[payload], payload) for payload in payloads]
    return incoming


def _clean(incoming: Incoming) -> Incoming:
    if incoming.text is None:
        return incoming
    return replace(incoming, text=nfc(incoming.text[: MAX_INCOMING * 2])[:MAX_INCOMING])
