"""Alembic, driven from code so `python -m bot db upgrade` needs no alembic.ini."""

from pathlib import Path

from alembic import command
from alembic.config import Config

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
