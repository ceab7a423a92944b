"""Alembic, driven from code so `python -m bot db upgrade` needs no alembic.ini."""

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import ensure_sqlite_dir

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision``. Blocking: call it outside the event loop
    (or through ``asyncio.to_thread``), since the migration environment runs its own loop."""
    ensure_sqlite_dir(url)
    command.upgrade(alembic_config(url), revision)


@cache
def head_revision() -> str:
    """The newest revision the code knows (read once: the scripts do not change while running)."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def current_revision(connection: AsyncConnection) -> str | None:
    """The revision the database is at; None before the first migration."""
    return await connection.run_sync(
        lambda sync: MigrationContext.configure(sync).get_current_revision()
    )


def known_revisions() -> set[str]:
    """Every revision this code can upgrade from."""
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {script.revision for script in scripts.walk_revisions()}
