"""The part every channel shares: updates are stored in the durable inbox before the platform
is told they arrived, then handled from the inbox — one person's updates in order (the
dispatcher serialises them and the delivery of their replies), different people's side by
side. What was stored and not handled when the process stopped is handled at the next start."""

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from bot.wiring import Core
from handlers.dispatcher import Deliver
from handlers.turn import Incoming
from storage import inbox, locks

log = logging.getLogger(__name__)

# Not a coroutine: nothing may come between taking an update and the person's turn in line
ToIncoming = Callable[[dict], Incoming | None]
UserOf = Callable[[dict], str | None]  # the sender of a raw update; None if it cannot tell
BATCH = 200  # pending updates read at a time


class InboxWorker:
    """Stores a channel's updates and handles them through the dispatcher."""

    # seconds between looks at the inbox when no update wakes the worker: sooner where another
    # process may have stored a person's update that waited for this one to finish theirs
    look_every = 5.0
    look_every_shared = 1.0

    def __init__(self, core: Core, channel: str, to_incoming: ToIncoming, deliver: Deliver,
                 user_of: UserOf, parallel: int = 32):
        self.core = core
        self.channel = channel
        self._to_incoming = to_incoming
        self._user_of = user_of
        self._deliver = deliver
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task | None = None
        self._in_flight: dict[int, asyncio.Task] = {}
        self._held: set[int] = set()  # taken from the inbox, not finished
        self._storing: set[asyncio.Future] = set()
        self._slots = asyncio.Semaphore(parallel)
        self._parallel = parallel
        self._shared = locks.shared(core.engine)
        if self._shared:
            self.look_every = self.look_every_shared

    async def store(self, updates: list[tuple[str, dict]]) -> None:
        """Record updates (update id, raw payload); a re-delivered one is ignored. Shielded: a
        poller cancelled while storing does not leave the platform's updates half stored, and
        stop() waits for the write to end."""
        writing = asyncio.ensure_future(self._write(updates))
        self._storing.add(writing)
        writing.add_done_callback(self._storing.discard)
        return await asyncio.shield(writing)

    async def _write(self, updates: list[tuple[str, dict]]) -> None:
        async with self.core.sessionmaker.begin() as session:
            await inbox.store_pending(session, self.channel, updates, datetime.now(UTC),
                                      self._user_of)
        self._wake.set()

    async def unreadable_body(self, raw: bytes, reason: str) -> None:
        """An authenticated webhook body with no update in it: recorded failed under a digest
        of the body (so it is counted for the admins, once), never handled. The caller then
        answers 200, so that the platform stops sending it."""
        key = "body:" + hashlib.sha256(raw).hexdigest()[:40]
        async with self.core.sessionmaker.begin() as session:
            await inbox.quarantine(session, self.channel, {key: reason}, datetime.now(UTC))
        self._log_quarantined({key: reason})

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"{self.channel}-inbox")

    async def stop(self) -> None:
        """Let writes and turns in progress finish; stored updates not yet handled wait for
        the next start."""
        await asyncio.gather(*self._storing, return_exceptions=True)
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        await asyncio.gather(*self._in_flight.values(), return_exceptions=True)

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()  # before looking, so an update stored meanwhile is not missed
            # where processes share the inbox, each takes only what it can start now: an
            # update waiting here is one another process could be handling
            room = self._parallel - len(self._held) if self._shared else BATCH
            ready, more = [], False
            try:
                if room > 0:
                    ready, more = await self._take(room)
            except Exception as problem:  # the database, most likely: look again later
                log.warning("%s inbox not read: %s", self.channel, inbox.failure_reason(problem))
            self._held.update(row_id for row_id, _ in ready)
            for index, (row_id, incoming) in enumerate(ready):
                if self._stopping:
                    await self._give_back({row_id for row_id, _ in ready[index:]})
                    break
                await self._slots.acquire()
                self._in_flight[row_id] = asyncio.create_task(self._handle(row_id, incoming))
            if not more or room <= 0:  # a finished turn wakes a full worker on a shared inbox
                with contextlib.suppress(TimeoutError):  # also look again now and then
                    await asyncio.wait_for(self._wake.wait(), timeout=self.look_every)

    async def _take(self, limit: int) -> tuple[list[tuple[int, Incoming]], bool]:
        """The next pending updates this process takes (see inbox.take), oldest first, read by
        the adapter in one transaction that quarantines those it cannot read and closes those
        the bot does not answer. Returns the others (row id, incoming) and whether more may
        be pending."""
        now = datetime.now(UTC)
        ready: list[tuple[int, Incoming]] = []
        unreadable: dict[str, str] = {}
        async with self.core.sessionmaker.begin() as session:
            rows = await inbox.take(session, self.channel, now, limit=limit,
                                    held=frozenset(self._held))
            for row in rows:
                try:
                    incoming = self._to_incoming(row.payload)
                except Exception as problem:  # a malformed update: trying again cannot help
                    unreadable[row.update_id] = "unreadable: " + inbox.failure_reason(problem)
                    continue
                if incoming is None:  # a kind of update the bot does not answer
                    await inbox.claim(session, self.channel, row.update_id, now)
                else:
                    ready.append((row.id, incoming))
            if unreadable:
                await inbox.quarantine(session, self.channel, unreadable, now)
        self._log_quarantined(unreadable)
        return ready, len(rows) == limit

    async def _give_back(self, row_ids: set[int]) -> None:
        self._held -= row_ids
        try:
            async with self.core.sessionmaker.begin() as session:
                await inbox.release(session, row_ids)
        except Exception as problem:  # they are taken again when their lease runs out
            log.warning("%s updates not given back: %s", self.channel,
                        inbox.failure_reason(problem))

    async def _handle(self, row_id: int, incoming: Incoming) -> None:
        try:
            await self.core.dispatcher.handle(incoming, self._deliver)
        except Exception as problem:  # the turn is recorded; its replies could not be sent
            log.warning("%s update %s: replies not delivered (%s)", self.channel,
                        incoming.update_id, inbox.failure_reason(problem),
                        extra={"channel": self.channel, "update_id": incoming.update_id})
        finally:
            self._in_flight.pop(row_id, None)
            self._held.discard(row_id)
            self._slots.release()
            if self._shared:
                self._wake.set()

    def _log_quarantined(self, reasons: dict[str, str]) -> None:
        self.core.metrics.unreadable(self.channel, len(reasons))
        for update_id, reason in reasons.items():
            log.warning("%s update %s quarantined: %s", self.channel, update_id, reason,
                        extra={"channel": self.channel, "update_id": update_id})
