"""A fresh, migrated PostgreSQL database on the server named by TEST_POSTGRES_URL, for tests of
several bot processes sharing one database."""

import asyncio
import os
import uuid
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import create_engine
from storage.migrate import upgrade

SERVER = os.environ.get("TEST_POSTGRES_URL")
needs_postgres = pytest.mark.skipif(
    not SERVER, reason="several processes on one database: needs a PostgreSQL server in "
                       "TEST_POSTGRES_URL (postgresql+asyncpg://USER@HOST:PORT/postgres)"
)


@asynccontextmanager
async def fresh_database(server_url: str | None = None):
    """Yields the URL of a new database on ``server_url`` (TEST_POSTGRES_URL by default),
    migrated to the newest schema; drops it after."""
    name = "shared_" + uuid.uuid4().hex[:12]
    server_url = server_url or SERVER
    server = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with server.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        await asyncio.to_thread(upgrade, url)
        yield url
    finally:
        async with server.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await server.dispose()
