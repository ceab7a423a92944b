"""SQLite connections for SQLAlchemy's aiosqlite dialect that run each call at once on the event
loop's thread, instead of queueing it to aiosqlite's worker thread.

Why: a turn's statements take tens of microseconds in SQLite, while each hand-off to the worker
thread and back costs more than that and, under load, waits a full event-loop cycle; the dialect
makes four such hand-offs per statement (cursor, execute, fetch, close). As SQLite allows one
writer, every transaction holds the write lock through all of those cycles. Run on the loop, a
turn's transaction completes without yielding to other tasks, so writers never queue behind one
another. The cost: a statement blocks the loop while it runs. For a turn that is less than
the hand-offs it saves; a long read (an Excel export of 10 000 rows, about 1.5 s with the writing
of the file) holds everyone else for its length, as it already did by holding the one pooled
connection.

SQLite's own busy handler would sleep on the loop's thread, so while another process (the admin
command line) or another engine holds the write lock, nothing else could run, including the task
that would release it. Connections therefore have no busy timeout, and a statement refused with
"database is locked" is retried after an asynchronous sleep, for up to BUSY_WAIT seconds.

The objects below offer the part of aiosqlite's API that the dialect calls (see
``sqlalchemy.dialects.sqlite.aiosqlite``); they are passed as ``async_creator`` to
``create_async_engine``. Not offered: changing the isolation level through SQLAlchemy (the
dialect reaches into aiosqlite's internals for it); transactions begin with BEGIN IMMEDIATE.
"""

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable
from typing import Any

BUSY_WAIT = 30.0  # seconds a statement waits for another writer before it fails


def connector(path: str) -> Callable[[], Any]:
    """The ``async_creator`` for the SQLite file at ``path``."""

    async def connect() -> OnLoopConnection:
        # autocommit mode: storage.db issues BEGIN IMMEDIATE itself
        raw = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=0)
        return OnLoopConnection(raw)

    return connect


async def _when_free(
    connection: sqlite3.Connection, call: Callable, *args, committing: bool = False
) -> Any:
    """``call(*args)``, retried with growing asynchronous sleeps while another connection holds
    the write lock. Only a statement that starts a transaction, or a COMMIT, is retried: inside
    a transaction SQLite advises rolling back instead (the turn then fails and is answered with
    an apology). Retrying is safe there because a refused BEGIN or COMMIT changed nothing."""
    deadline, pause = time.monotonic() + BUSY_WAIT, 0.001
    outside = not connection.in_transaction
    while True:
        try:
            return call(*args)
        except sqlite3.OperationalError as problem:
            busy = problem.sqlite_errorname == "SQLITE_BUSY"
            if not (busy and (outside or committing)) or time.monotonic() + pause > deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.05)


class OnLoopCursor:
    def __init__(self, raw: sqlite3.Cursor):
        self._raw = raw
        self._connection = raw.connection

    @property
    def description(self):
        return self._raw.description

    @property
    def rowcount(self) -> int:
        return self._raw.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._raw.lastrowid

    async def execute(self, sql: str, parameters: Any = ()) -> "OnLoopCursor":
        await _when_free(self._connection, self._raw.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> "OnLoopCursor":
        await _when_free(self._connection, self._raw.executemany, sql, parameters)
        return self

    async def fetchone(self):
        return self._raw.fetchone()

    async def fetchmany(self, size: int | None = None) -> list:
        return self._raw.fetchmany(size if size is not None else self._raw.arraysize)

    async def fetchall(self) -> list:
        return self._raw.fetchall()

    async def close(self) -> None:
        self._raw.close()


class OnLoopConnection:
    def __init__(self, raw: sqlite3.Connection):
        self._raw = raw

    @property
    def isolation_level(self) -> str | None:
        return self._raw.isolation_level

    async def cursor(self) -> OnLoopCursor:
        return OnLoopCursor(self._raw.cursor())

    async def execute(self, sql: str, parameters: Any = ()) -> OnLoopCursor:
        return await OnLoopCursor(self._raw.cursor()).execute(sql, parameters)

    async def create_function(self, *args, **kwargs) -> None:
        self._raw.create_function(*args, **kwargs)

    async def commit(self) -> None:
        await _when_free(self._raw, self._raw.commit, committing=True)

    async def rollback(self) -> None:
        self._raw.rollback()

    async def close(self) -> None:
        self._raw.close()

    def stop(self) -> None:
        """Close at once (the dialect's forced termination)."""
        self._raw.close()
