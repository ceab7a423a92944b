"""The part every channel shares: updates are stored in the durable inbox before the platform
is told they arrived, then handled from the inbox — one person's updates in order (the
dispatcher serialises them and the delivery of their replies), different people's side by
side. What was stored and not handled when the process stopped is handled at the next start."""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from bot.wiring import Core
from handlers.dispatcher import Deliver
from handlers.turn import Incoming
from storage import inbox

log = logging.getLogger(__name__)

# Not a coroutine: nothing may come between taking an update and the person's turn in line
ToIncoming = Callable[[dict], Incoming | None]


class InboxWorker:
    """Stores a channel's updates and handles them through the dispatcher."""

    def __init__(self, core: Core, channel: str, to_incoming: ToIncoming, deliver: Deliver,
                 parallel: int = 32):
        self.core = core
        self.channel = channel
        self._to_incoming = to_incoming
        self._deliver = deliver
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task | None = None
        self._in_flight: dict[int, asyncio.Task] = {}
        self._storing: set[asyncio.Future] = set()
        self._slots = asyncio.Semaphore(parallel)

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
            await inbox.store_pending(session, self.channel, updates, datetime.now(UTC))
        self._wake.set()

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
            async with self.core.sessionmaker() as session:
                rows = await inbox.pending(session, self.channel, limit=200,
                                           skip=frozenset(self._in_flight))
            for row in rows:
                if row.id not in self._in_flight and not self._stopping:
                    await self._slots.acquire()
                    self._in_flight[row.id] = asyncio.create_task(
                        self._handle(row.id, row.update_id, row.payload)
                    )
            with contextlib.suppress(TimeoutError):  # also look again now and then
                await asyncio.wait_for(self._wake.wait(), timeout=5)

    async def _handle(self, row_id: int, update_id: str, data: dict) -> None:
        try:
            incoming = self._to_incoming(data)
            if incoming is None:  # a kind of update the bot does not answer
                async with self.core.sessionmaker.begin() as session:
                    await inbox.claim(session, self.channel, update_id, datetime.now(UTC))
                return
            await self.core.dispatcher.handle(incoming, self._deliver)
        except Exception:
            log.exception("%s update %s could not be handled", self.channel, update_id)
        finally:
            self._in_flight.pop(row_id, None)
            self._slots.release()
