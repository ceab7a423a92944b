"""The outbox sender: drains due rows through each channel's limiter, honours "retry after",
backs off on failures, marks unreachable contacts, and alerts admins about what it gave up on.

Delivery is at least once: a row is leased while it is being sent; if the process dies before
the row is marked sent, the lease runs out and the row is sent again — the only case where a
person can get a message twice.
"""

import asyncio
import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.channels.base import (
    Channel,
    OutsideWindow,
    Rejected,
    RetryLater,
    TemporaryFailure,
    Unreachable,
)
from bot.wiring import Core
from handlers.calendar import WorkCalendar
from handlers.dispatcher import utcnow
from handlers.reminders import notify_admins
from handlers.turn import Button, Reply, menu_of
from messages.loader import Safe
from storage import agencies, contacts, conversations, outbox
from storage.conversations import ConversationKey
from storage.outbox import OutboxItem

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
MAX_BACKOFF = timedelta(hours=1)
PARALLEL_SENDS = 20  # rows sent at once; also the most that can repeat after a crash


class OutboxSender:
    def __init__(
        self, core: Core, channels: dict[str, Channel], calendar: WorkCalendar,
        clock: Callable[[], datetime] = utcnow, batch: int = 50, parallel: int = PARALLEL_SENDS,
    ):
        self.core = core
        self.channels = channels
        self.calendar = calendar
        self.clock = clock
        self.batch = batch
        self._parallel = asyncio.Semaphore(parallel)

    async def drain(self, max_batches: int = 1000) -> int:
        """Send everything that is due now; returns how many rows were handled."""
        handled = 0
        for _ in range(max_batches):
            async with self.core.sessionmaker.begin() as session:
                items = await outbox.claim_due(session, list(self.channels), self.clock(),
                                               self.batch)
            if not items:
                break
            await asyncio.gather(*(self._guarded(item) for item in items))
            handled += len(items)
        return handled

    async def _guarded(self, item: OutboxItem) -> None:
        async with self._parallel:
            try:
                await self._send(item)
            except Exception:  # one bad row must not stop the batch; it is retried later
                log.exception("outbox row %s could not be processed", item.id)
                await self._failed(item, "internal error")

    async def _send(self, item: OutboxItem) -> None:
        now = self.clock()
        if await self._moot(item):
            return await self._finish(item, "cancelled", "moot")
        if item.office_hours:
            opening = self.calendar.next_opening(now)
            if opening > now:
                return await self._retry(item, opening, "outside office hours", count=False)
        reply = Reply(Safe(item.text), tuple(
            tuple(Button(label, payload) for label, payload in row) for row in item.buttons
        ))
        try:
            await self.channels[item.channel].send(item.chat_id, [reply], bulk=True,
                                                   priority=item.priority)
        except Unreachable:
            await self._finish(item, "unreachable", "blocked or deleted")
        except RetryLater as flood:
            await self._retry(item, now + timedelta(seconds=flood.seconds), "retry after",
                              count=False)
        except OutsideWindow:
            if item.topic and item.topic.startswith("bc:"):  # counted in the broadcast report
                await self._finish(item, "outside_window", "outside window")
            else:
                await self._give_up(item, "outside window", status="outside_window")
        except Rejected as problem:
            await self._give_up(item, f"rejected: {problem}")
        except (TemporaryFailure, OSError) as problem:
            await self._failed(item, type(problem).__name__)
        else:
            text_only = getattr(self.channels[item.channel], "text_only", False)
            await self._finish(item, "sent", choices=reply if text_only else None)

    async def _moot(self, item: OutboxItem) -> bool:
        """A deadline reminder to an agency that has since acknowledged it."""
        if not item.topic or not item.topic.startswith("dl:"):
            return False
        _, deadline_id, agency_id = item.topic.split(":", 2)
        async with self.core.sessionmaker() as session:
            done = await agencies.acknowledgements(session, int(deadline_id))
        return agency_id in done

    async def _failed(self, item: OutboxItem, error: str) -> None:
        delay = min(timedelta(seconds=5 * 2**item.attempts), MAX_BACKOFF)
        delay *= random.uniform(0.8, 1.2)  # jitter, so retries do not arrive in lockstep
        attempts = await self._retry(item, self.clock() + delay, error, count=True)
        if attempts >= MAX_ATTEMPTS:
            await self._give_up(item, error)

    async def _give_up(self, item: OutboxItem, error: str, status: str = "failed") -> None:
        await self._finish(item, status, error)
        text = self.core.texts("reminders.failed_alert", count=1, channel=item.channel,
                               chat=item.chat_id)
        async with self.core.sessionmaker.begin() as session:
            await notify_admins(session, self.core.config, f"failed:{item.id}", text,
                                self.clock())

    async def _finish(
        self, item: OutboxItem, status: str, error: str | None = None,
        choices: Reply | None = None,
    ) -> None:
        async with self.core.sessionmaker.begin() as session:
            await outbox.finish(session, item.id, status, self.clock(), error)
            if choices is not None and choices.buttons and item.contact_id is not None:
                # on a text-only channel typing "1" or a label must answer this message, as
                # tapping does elsewhere: its choices become the person's last menu
                buttons, numbered = menu_of([choices])
                person = await contacts.get(session, item.contact_id)
                key = ConversationKey(person.channel, person.chat_id, person.user_id)
                await conversations.remember_menu(
                    session, key, [[b.label, b.payload] for b in buttons], numbered,
                    self.clock(),
                )
            if status == "unreachable" and item.contact_id is not None:
                person = await contacts.get(session, item.contact_id)
                await contacts.mark_unreachable(session, person.channel, person.chat_id,
                                                self.clock())

    async def _retry(self, item: OutboxItem, when: datetime, error: str, count: bool) -> int:
        async with self.core.sessionmaker.begin() as session:
            return await outbox.retry_at(session, item.id, when, error, count)
