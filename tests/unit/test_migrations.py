"""The migrations produce exactly the schema the models declare, on SQLite and PostgreSQL, and
bring older databases forward with their data."""

import asyncio
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text

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


async def test_a_controller_contact_entered_before_becomes_the_one_contact(empty_db_url):
    url = empty_db_url
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
async def test_upgrading_a_2023_database_closes_its_deadline_and_keeps_its_history(
    empty_db_url,
):
    import asyncio
    from datetime import UTC, date, datetime

    from sqlalchemy import text

    from storage.migrate import upgrade

    url = empty_db_url
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
        ends = {id_: str(day) for id_, day in (await connection.execute(text(  # a date or text
            "SELECT id, valid_to FROM agencies WHERE id IN ('so-y-te', 'so-tu-phap')"))).all()}
    await engine.dispose()
    assert not active and acks == 1
    assert ends == {"so-y-te": str(date(2025, 3, 31)), "so-tu-phap": str(date(2025, 6, 30))}


@pytest.mark.postgresql_only("SQLite gives the next id from the table itself")
async def test_new_rows_get_ids_after_the_ones_the_migrations_wrote(db_url):
    engine = create_engine(db_url)
    async with engine.connect() as connection:
        behind = []
        for table in Base.metadata.sorted_tables:
            if "id" not in table.c:
                continue
            sequence = await connection.scalar(
                text(f"SELECT pg_get_serial_sequence('{table.name}', 'id')"))
            if sequence is None:
                continue
            taken = await connection.scalar(select(func.max(table.c.id))) or 0
            last = await connection.scalar(text(f"SELECT pg_sequence_last_value('{sequence}')"))
            if taken > (last or 0):
                behind.append(table.name)
    await engine.dispose()
    assert behind == []
