"""The migrations produce exactly the schema the models declare."""

import asyncio
from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage import org
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade
from storage.models import Base


async def test_migrated_schema_matches_models(db_url):
    engine = create_engine(db_url)
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    await engine.dispose()
    assert diff == []


async def test_a_controller_contact_entered_before_becomes_the_one_contact(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await asyncio.to_thread(upgrade, url, "0004")
    engine = create_engine(url)
    async with create_sessionmaker(engine).begin() as session:
        await org.put(session, "controller_contact", "0235 3812 345", "console:a",
                      datetime.now(UTC))
    await engine.dispose()
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session:
        assert await org.get_all(session) == {"dept_contact": "0235 3812 345"}
    await engine.dispose()
