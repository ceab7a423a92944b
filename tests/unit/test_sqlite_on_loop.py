"""SQLite runs on the event loop's thread, so a writer that must wait for another (the admin
command line, a second engine) has to wait without stopping everything else."""

import asyncio
import sqlite3
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from storage import sqlite_on_loop
from storage.db import create_engine, create_sessionmaker
from storage.models import InboxUpdate

pytestmark = pytest.mark.sqlite_only("how SQLite connections wait for its one write lock")


async def _store_update(sessionmaker, update_id: str) -> None:
    async with sessionmaker.begin() as session:
        session.add(InboxUpdate(channel="telegram", update_id=update_id, status="done",
                                received_at=datetime.now(UTC)))


async def test_a_writer_waits_for_another_while_the_loop_keeps_running(db_url):
    holder, waiter = create_engine(db_url), create_engine(db_url)
    try:
        async with create_sessionmaker(holder).begin() as held:
            await held.execute(select(1))  # BEGIN IMMEDIATE: the write lock is ours
            waiting = asyncio.create_task(_store_update(create_sessionmaker(waiter), "u1"))
            ticks = 0
            for _ in range(20):  # other tasks still run while the second writer waits
                await asyncio.sleep(0.005)
                ticks += 1
            assert ticks == 20 and not waiting.done()
        await asyncio.wait_for(waiting, 5)  # and it goes ahead once the lock is released
        async with create_sessionmaker(holder)() as session:
            assert await session.scalar(select(func.count()).select_from(InboxUpdate)) == 1
    finally:
        await holder.dispose()
        await waiter.dispose()


async def test_a_writer_gives_up_after_the_busy_wait(db_url, monkeypatch):
    monkeypatch.setattr(sqlite_on_loop, "BUSY_WAIT", 0.1)
    holder, waiter = create_engine(db_url), create_engine(db_url)
    try:
        async with create_sessionmaker(holder).begin() as held:
            await held.execute(select(1))
            with pytest.raises(OperationalError) as refused:
                await _store_update(create_sessionmaker(waiter), "u2")
        assert isinstance(refused.value.orig, sqlite3.OperationalError)
        assert "locked" in str(refused.value)
    finally:
        await holder.dispose()
        await waiter.dispose()
