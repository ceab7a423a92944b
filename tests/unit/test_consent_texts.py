"""The notice text a consent refers to is kept once, also when two people are shown a new
notice at the same moment in two processes (on PostgreSQL the second insert used to fail that
person's turn)."""

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from storage import consents
from storage.db import create_engine, create_sessionmaker
from storage.models import ConsentText

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
# SQLite lets one writer in at a time (BEGIN IMMEDIATE): two turns cannot both be inside
pytestmark = pytest.mark.postgresql_only


async def test_the_same_new_notice_shown_to_two_people_at_once_is_kept_once(db_url):
    engines = [create_engine(db_url), create_engine(db_url)]  # as two processes have
    arrived = asyncio.Barrier(2)

    async def show(sessionmaker) -> None:
        async with sessionmaker.begin() as session:
            await session.scalar(select(func.count(ConsentText.sha256)))  # both start first
            await arrived.wait()
            await consents.keep_text(session, "ab" * 32, "2026.3", "Thông báo…", NOW)

    try:
        await asyncio.wait_for(asyncio.gather(
            *(show(create_sessionmaker(engine)) for engine in engines)), 30)
        async with create_sessionmaker(engines[0])() as session:
            assert await consents.text_of(session, "ab" * 32) == "Thông báo…"
            assert await session.scalar(select(func.count(ConsentText.sha256))) == 1
    finally:
        for engine in engines:
            await engine.dispose()
