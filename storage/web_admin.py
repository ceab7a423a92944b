"""The staff dashboard's one-time login links and browser sessions. Only SHA-256 hashes of
the tokens are stored, so a copy of the database opens no dashboard."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AdminLoginToken, AdminWebSession

Table = type[AdminLoginToken] | type[AdminWebSession]


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _issue(session: AsyncSession, table: Table, admin_id: str, now: datetime,
                 lifetime: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    session.add(table(token_hash=digest(token), admin_id=admin_id, created_at=now,
                      expires_at=now + lifetime))
    await session.flush()
    return token


async def _holder(session: AsyncSession, table: Table, token: str, now: datetime) -> str | None:
    """Whose the token is, while it is neither ended nor expired."""
    return await session.scalar(select(table.admin_id).where(
        table.token_hash == digest(token), table.ended_at.is_(None), table.expires_at > now))


async def _end(session: AsyncSession, table: Table, token: str, now: datetime) -> str | None:
    """End a live token in one conditional UPDATE (two tabs cannot both use a link)."""
    live = (table.token_hash == digest(token), table.ended_at.is_(None), table.expires_at > now)
    holder = await session.scalar(select(table.admin_id).where(*live))
    result = await session.execute(update(table).where(*live).values(ended_at=now))
    return holder if result.rowcount == 1 else None


async def new_login_link(session: AsyncSession, admin_id: str, now: datetime,
                         minutes: int) -> str:
    return await _issue(session, AdminLoginToken, admin_id, now, timedelta(minutes=minutes))


async def login_link_holder(session: AsyncSession, token: str, now: datetime) -> str | None:
    """Whose the link is, without using it (opening the page changes nothing)."""
    return await _holder(session, AdminLoginToken, token, now)


async def use_login_link(session: AsyncSession, token: str, now: datetime) -> str | None:
    return await _end(session, AdminLoginToken, token, now)


async def start_session(session: AsyncSession, admin_id: str, now: datetime,
                        hours: int) -> str:
    return await _issue(session, AdminWebSession, admin_id, now, timedelta(hours=hours))


async def session_holder(session: AsyncSession, token: str, now: datetime) -> str | None:
    return await _holder(session, AdminWebSession, token, now)


async def end_session(session: AsyncSession, token: str, now: datetime) -> str | None:
    return await _end(session, AdminWebSession, token, now)


async def purge_expired(session: AsyncSession, now: datetime) -> int:
    """Forget login links and sessions past their expiry (they open nothing any more)."""
    count = 0
    for table in (AdminLoginToken, AdminWebSession):
        result = await session.execute(delete(table).where(table.expires_at <= now))
        count += result.rowcount
    return count
