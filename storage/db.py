"""Engine and session factory; SQLite gets WAL, foreign keys and write locks taken at BEGIN."""

import logging
from pathlib import Path

from sqlalchemy import Insert, Table, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import sqlite_on_loop

log = logging.getLogger(__name__)


def ensure_sqlite_dir(url: str) -> None:
    """Create the folder of a file-based SQLite database so a fresh checkout just runs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str, **kwargs) -> AsyncEngine:
    """Build the async engine for ``url`` (SQLite by default, PostgreSQL by URL)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if "poolclass" not in kwargs:
            # a turn keeps its connection until its replies are sent (storage.locks): room for
            # the turns the inbox workers run at once; two instances stay within the server's
            # default of 100 connections
            kwargs = {"pool_size": 20, "max_overflow": 20, **kwargs}
        return create_async_engine(url, **kwargs)
    ensure_sqlite_dir(url)
    kwargs = {"async_creator": sqlite_on_loop.connector(parsed.database or ":memory:"), **kwargs}
    if "poolclass" not in kwargs:
        # SQLite has one writer at a time. One pooled connection makes transactions queue in
        # order in the pool instead of waiting for the write lock in no order.
        kwargs = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 120, **kwargs}
    engine = create_async_engine(url, **kwargs)
    _configure_sqlite(engine)
    return engine


def create_reader(url: str, engine: AsyncEngine) -> AsyncEngine:
    """The engine for long reads (exports, statistics): on a SQLite file, a second, read-only
    engine on aiosqlite's own worker thread, so that a read of thousands of rows neither runs
    on the event loop nor holds the write lock (in WAL mode readers run beside the writer, each
    on its snapshot); elsewhere (PostgreSQL, an in-memory SQLite) ``engine`` itself."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return engine
    # no isolation handling of pysqlite's: a BEGIN at the start gives the read one snapshot
    reader = create_async_engine(url, connect_args={"isolation_level": None, "timeout": 30})

    @event.listens_for(reader.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    @event.listens_for(reader.sync_engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN")

    return reader


def _configure_sqlite(engine: AsyncEngine) -> None:
    # pysqlite's own transaction handling starts DEFERRED transactions lazily, so two turns could
    # both read and then fail to upgrade to a write lock. Connections are opened in autocommit
    # mode (storage.sqlite_on_loop) and we take the write lock at BEGIN instead
    # (https://docs.sqlalchemy.org/en/20/dialects/sqlite.html#serializable-isolation-savepoints-transactional-ddl).
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # deleted and overwritten values are zeroed, not left in free space (erasure)
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


_CHECKPOINT = "checkpoint after commit"


def checkpoint_after_commit(session: AsyncSession) -> None:
    """Ask whoever commits ``session`` to call ``checkpoint_if_asked`` after the commit."""
    session.info[_CHECKPOINT] = True


async def checkpoint_if_asked(session: AsyncSession) -> None:
    """After a commit that erased data: SQLite's WAL still holds the old pages, so they are
    copied into the database file (where secure_delete zeroed the values) and the WAL is
    truncated. Nothing to do on PostgreSQL."""
    if session.info.pop(_CHECKPOINT, False) and session.bind.dialect.name == "sqlite":
        async with session.bind.connect() as connection:
            # the raw connection: SQLAlchemy would first open a transaction, where SQLite
            # cannot checkpoint
            raw = (await connection.get_raw_connection()).driver_connection
            cursor = await raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _, _ = await cursor.fetchone()
            if busy:
                log.warning("WAL checkpoint after an erasure was blocked by a reader")


def insert_or_skip(session: AsyncSession, table: Table) -> Insert:
    """An INSERT into ``table`` that skips rows whose unique key is already stored (two
    processes, or two people's turns, may insert the same row at once)."""
    insert = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}[session.bind.dialect.name]
    return insert(table).on_conflict_do_nothing()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    """Sessions that keep loaded values after commit, for returning DTOs."""
    return async_sessionmaker(engine, expire_on_commit=False)
