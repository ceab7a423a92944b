"""Who may do what when several bot processes share one database.

SQLite is one process's database: a lock in memory is enough. On PostgreSQL several instances
can serve one bot, so the locks that order a person's turns and choose the one instance that
runs the scheduled jobs are the server's advisory locks, held by a connection: when a process
dies, its connections drop and the server releases them."""

import asyncio
import hashlib
import logging
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)
# the two-number form of advisory locks: a key space apart from the persons' 64-bit keys
LEADER_KEY = (1349, 1)
TAKING_KEY = (1349, 2)


def shared(bind) -> bool:
    """True when other processes may use the same database (an engine, connection or
    session's bind)."""
    return bind.dialect.name == "postgresql"


def person_key(channel: str, user_id: str) -> int:
    """A person as a signed 64-bit advisory lock key."""
    digest = hashlib.blake2b(f"{channel}\0{user_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PersonLocks:
    """One person's turns one at a time, in the order they asked, until their replies are
    sent. In the process: a FIFO asyncio lock per person. On PostgreSQL also an advisory lock
    that other processes respect, held by the connection the turn then runs on; it is a
    session lock because it must outlive the turn's commit until the replies are sent."""

    def __init__(self, engine: AsyncEngine):
        self._engine = engine
        self._locks: dict[tuple, asyncio.Lock] = {}
        self._holders: Counter = Counter()

    @asynccontextmanager
    async def hold(self, channel: str, user_id: str) -> AsyncIterator[AsyncConnection | None]:
        """Yields the connection that holds the person's lock (run the turn on it), or None
        where the lock in memory is the whole story."""
        async with self._in_process((channel, user_id)):
            if not shared(self._engine):
                yield None
                return
            async with self._engine.connect() as connection:
                key = person_key(channel, user_id)
                await connection.execute(select(func.pg_advisory_lock(key)))
                await connection.commit()
                try:
                    yield connection
                finally:
                    await _release(connection, key)

    @asynccontextmanager
    async def _in_process(self, key: tuple):
        # dropped when nobody waits on it: no unbounded growth
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._holders[key] += 1
        try:
            async with lock:
                yield
        finally:
            self._holders[key] -= 1
            if not self._holders[key]:
                del self._holders[key], self._locks[key]


async def _release(connection: AsyncConnection, *key: int) -> None:
    try:
        await connection.rollback()  # a turn that failed half-way leaves its transaction open
        await connection.execute(select(func.pg_advisory_unlock(*key)))
        await connection.commit()
    except Exception as problem:
        # the pool must not hand out a connection that still holds the lock: closing the
        # server session releases it
        log.warning("advisory lock not released (%s): connection closed",
                    type(problem).__name__)
        await connection.invalidate()


async def try_lead(connection: AsyncConnection) -> bool:
    """Try to become the instance that runs the scheduled jobs; True while ``connection``
    lives. Always True where one process owns the database."""
    if not shared(connection):
        return True
    got = await connection.scalar(select(func.pg_try_advisory_lock(*LEADER_KEY)))
    await connection.commit()
    return bool(got)


async def step_down(connection: AsyncConnection) -> None:
    """Stop leading (the instance stops, or its connection failed)."""
    await _release(connection, *LEADER_KEY)


async def take_in_turn(session) -> None:
    """Processes take updates from the inbox one after the other (until the caller's
    transaction ends): each then sees which persons the others hold."""
    if shared(session.bind):
        await session.execute(select(func.pg_advisory_xact_lock(*TAKING_KEY)))
