"""The migrations produce exactly the schema the models declare."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage.db import create_engine
from storage.models import Base


async def test_migrated_schema_matches_models(db_url):
    engine = create_engine(db_url)
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    await engine.dispose()
    assert diff == []
