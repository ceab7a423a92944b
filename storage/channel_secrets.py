"""Credentials and counters a channel keeps at run time (rotating Zalo OA tokens, the Bot
Platform's monthly count), each written in the caller's transaction."""

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelSecret


async def read_secret(session: AsyncSession, key: str, lock: bool = False) -> ChannelSecret | None:
    """The ``channel_secrets`` row ``key`` (locked for update on PostgreSQL if ``lock``)."""
    return await session.get(ChannelSecret, key, with_for_update=lock or None)


async def write_secret(
    session: AsyncSession, key: str, value: str, now: datetime,
    expires_at: datetime | None = None,
) -> None:
    """Create or replace the ``channel_secrets`` row ``key``."""
    await session.merge(ChannelSecret(key=key, value=value, expires_at=expires_at, updated_at=now))
    await session.flush()


async def forget(session: AsyncSession, keys: list[str]) -> None:
    """Delete the ``channel_secrets`` rows ``keys``."""
    await session.execute(delete(ChannelSecret).where(ChannelSecret.key.in_(keys)))


async def forget_expired(session: AsyncSession, prefix: str, now: datetime) -> None:
    """Delete the rows whose key starts with ``prefix`` and whose time is up (counters)."""
    await session.execute(delete(ChannelSecret).where(ChannelSecret.key.startswith(prefix),
                                                      ChannelSecret.expires_at <= now))
