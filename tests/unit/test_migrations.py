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
async def test_upgrading_a_2023_database_closes_its_deadline_and_keeps_its_history(tmp_path):
    import asyncio
    from datetime import UTC, date, datetime

    from sqlalchemy import text

    from storage.migrate import upgrade

    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await asyncio.to_thread(upgrade, url, "0004")  # alembic's environment runs its own loop
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text(
            "INSERT INTO acknowledgements (deadline_id, agency_id, by_admin, at) "
            "VALUES (1, 'so-y-te', 'telegram:1', :at)"),
            {"at": datetime(2023, 11, 20, tzinfo=UTC)})
        await connection.execute(text(  # an end date an admin set by hand stays as it is
            "UPDATE agencies SET valid_to = '2025-03-31' WHERE id = 'so-y-te'"))
    await engine.dispose()
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    async with engine.connect() as connection:
        active = await connection.scalar(text("SELECT active FROM deadlines WHERE id = 1"))
        acks = await connection.scalar(text("SELECT count(*) FROM acknowledgements"))
        ends = dict((await connection.execute(text(
            "SELECT id, valid_to FROM agencies WHERE id IN ('so-y-te', 'so-tu-phap')"))).all())
    await engine.dispose()
    assert not active and acks == 1
    assert ends == {"so-y-te": str(date(2025, 3, 31)), "so-tu-phap": str(date(2025, 6, 30))}
