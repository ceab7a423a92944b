"""Contacts: one row per person per channel."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Contact

LAST_SEEN_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class ContactRef:
    id: int
    channel: str
    user_id: str
    chat_id: str
    display_name: str | None


async def touch(
    session: AsyncSession, channel: str, user_id: str, chat_id: str,
    display_name: str | None, now: datetime,
) -> ContactRef:
    """Create or refresh the contact of a person who just wrote; a reply makes them reachable."""
    query = select(Contact).where(Contact.channel == channel, Contact.user_id == user_id)
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None:
        row = Contact(
            channel=channel, user_id=user_id, chat_id=chat_id, display_name=display_name,
            created_at=now, last_seen_at=now,
        )
        session.add(row)
    elif _changed(row, chat_id, display_name, now):
        row.chat_id, row.last_seen_at, row.unreachable_at = chat_id, now, None
        row.display_name = display_name or row.display_name
    await session.flush()
    return ContactRef(row.id, row.channel, row.user_id, row.chat_id, row.display_name)


def _changed(row: Contact, chat_id: str, display_name: str | None, now: datetime) -> bool:
    # the last interaction is kept to the minute: no write on every message of a conversation
    return (
        row.chat_id != chat_id or row.unreachable_at is not None
        or (display_name and display_name != row.display_name)
        or now - row.last_seen_at > LAST_SEEN_PRECISION
    )


async def get(session: AsyncSession, contact_id: int) -> ContactRef | None:
    row = await session.get(Contact, contact_id)
    if row is None:
        return None
    return ContactRef(row.id, row.channel, row.user_id, row.chat_id, row.display_name)


async def forget_name(session: AsyncSession, contact_id: int) -> None:
    """Erasure: the platform id stays (needed to know who asked), the name goes."""
    row = await session.get(Contact, contact_id)
    row.display_name = None
    await session.flush()


async def mark_unreachable(
    session: AsyncSession, channel: str, chat_id: str, now: datetime
) -> None:
    """The platform refused delivery (blocked, deleted): stop bulk sends until they write."""
    query = select(Contact).where(Contact.channel == channel, Contact.chat_id == chat_id)
    for row in (await session.execute(query)).scalars():
        row.unreachable_at = now
    await session.flush()


async def last_seen(session: AsyncSession, channel: str, chat_id: str) -> datetime | None:
    """When the person in ``chat_id`` last wrote (to the minute); None if never."""
    return await session.scalar(
        select(func.max(Contact.last_seen_at))
        .where(Contact.channel == channel, Contact.chat_id == chat_id)
    )
