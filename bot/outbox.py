"""The outbox sender: drains due rows through each channel's limiter, honours "retry after",
backs off on failures, records rows to unreachable people (the adapter has already marked their
contact) as such, and alerts admins about what it gave up on.

Delivery is at least once: a row is leased while it is being sent; if the process dies before
the row is marked sent, the lease runs out and the row is sent again — the only case where a
person can get a message twice. A batch is sent concurrently and recorded in one transaction.
"""

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
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
from storage import agencies, broadcasts, contacts, conversations, outbox
from storage.conversations import ConversationKey
from storage.outbox import OutboxItem

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
MAX_BACKOFF = timedelta(hours=1)
BATCH = 20  # rows sent at once, then recorded together: the most that can repeat after a crash


@dataclass
class Outcome:
    """What happened to one row, recorded with the rest of its batch."""

    item: OutboxItem
    status: str | None = None  # the row is closed with this status…
    retry_at: datetime | None = None  # …or goes back to the queue until then
    error: str | None = None
    count_attempt: bool = False
    alert: bool = False  # the admins are told the row was given up
    choices: Reply | None = None  # remembered as the person's menu (text-only channels)


class OutboxSender:
    def __init__(
        self, core: Core, channels: dict[str, Channel], calendar: WorkCalendar,
        clock: Callable[[], datetime] = utcnow, batch: int = BATCH,
    ):
        self.core = core
        self.channels = channels
        self.calendar = calendar
        self.clock = clock
        self.batch = batch

    async def drain(self, max_batches: int = 1000) -> int:
        """Send everything that is due now; returns how many rows were handled."""
        handled = 0
        for _ in range(max_batches):
            async with self.core.sessionmaker.begin() as session:
                items = await outbox.claim_due(session, list(self.channels), self.clock(),
                                               self.batch)
            if not items:
                break
            await self._record(await asyncio.gather(*(self._guarded(i) for i in items)))
            handled += len(items)
        return handled

    async def _guarded(self, item: OutboxItem) -> Outcome:
        try:
            return await self._attempt(item)
        except Exception:  # one bad row must not stop the batch; it is retried later
            log.exception("outbox row %s could not be processed", item.id,
                          extra={"outbox_id": item.id, "channel": item.channel})
            return self._failure(item, "internal error")

    async def _attempt(self, item: OutboxItem) -> Outcome:
        now = self.clock()
        if await self._moot(item):
            return Outcome(item, status="cancelled", error="moot")
        if item.office_hours:
            opening = self.calendar.next_opening(now)
            if opening > now:
                return Outcome(item, retry_at=opening, error="outside office hours")
        reply = Reply(Safe(item.text), tuple(
            tuple(Button(label, payload) for label, payload in row) for row in item.buttons
        ))
        channel = self.channels[item.channel]
        try:
            await channel.send(item.chat_id, [reply], bulk=True, priority=item.priority)
        except Unreachable:
            return Outcome(item, status="unreachable", error="blocked or deleted")
        except RetryLater as flood:
            return Outcome(item, retry_at=now + timedelta(seconds=flood.seconds),
                           error="retry after")
        except OutsideWindow:
            # a broadcast counts these in its report; anything else is worth an alert
            return Outcome(item, status="outside_window", error="outside window",
                           alert=not broadcasts.is_broadcast(item.topic))
        except Rejected as problem:
            return Outcome(item, status="failed", error=f"rejected: {problem}", alert=True)
        except (TemporaryFailure, OSError) as problem:
            return self._failure(item, type(problem).__name__)
        text_only = getattr(channel, "text_only", False)
        return Outcome(item, status="sent", choices=reply if text_only else None)

    def _failure(self, item: OutboxItem, error: str) -> Outcome:
        if item.attempts + 1 >= MAX_ATTEMPTS:
            return Outcome(item, status="failed", error=error, count_attempt=True, alert=True)
        delay = min(timedelta(seconds=5 * 2**item.attempts), MAX_BACKOFF)
        delay *= random.uniform(0.8, 1.2)  # jitter, so retries do not arrive in lockstep
        return Outcome(item, retry_at=self.clock() + delay, error=error, count_attempt=True)

    async def _moot(self, item: OutboxItem) -> bool:
        """A deadline reminder to an agency that has since acknowledged it."""
        reminded = agencies.reminded(item.topic)
        if reminded is None:
            return False
        deadline_id, agency_id = reminded
        async with self.core.sessionmaker() as session:
            done = await agencies.acknowledgements(session, deadline_id)
        return agency_id in done

    async def _record(self, outcomes: list[Outcome]) -> None:
        now = self.clock()
        async with self.core.sessionmaker.begin() as session:
            for outcome in outcomes:
                item = outcome.item
                if outcome.retry_at is not None:
                    await outbox.retry_at(session, item.id, outcome.retry_at, outcome.error,
                                          outcome.count_attempt)
                    continue
                await outbox.finish(session, item.id, outcome.status, now, outcome.error,
                                    outcome.count_attempt)
                if item.contact_id is not None and outcome.choices is not None:
                    await self._remember(session, item, outcome.choices, now)
                if outcome.alert:
                    text = self.core.texts("reminders.failed_alert", count=1,
                                           channel=item.channel, chat=item.chat_id)
                    await notify_admins(session, self.core.config, f"failed:{item.id}", text,
                                        now)
        for outcome in outcomes:  # counted once recorded
            if outcome.status == "sent":
                self.core.metrics.outbox_sent(outcome.item.topic)

    @staticmethod
    async def _remember(session, item: OutboxItem, choices: Reply, now: datetime) -> None:
        """On a text-only channel typing "1" or a label must answer this message, as tapping
        does elsewhere: its choices become the person's last menu."""
        buttons, numbered, _ = menu_of([choices])
        if not buttons:
            return
        person = await contacts.get(session, item.contact_id)
        key = ConversationKey(person.channel, person.chat_id, person.user_id)
        await conversations.remember_menu(
            session, key, [[b.label, b.payload] for b in buttons], numbered, now
        )
