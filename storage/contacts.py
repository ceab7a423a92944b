"""Contacts: one row per person per channel."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, insert, select, update
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


# touch runs on every turn: plain table statements built once (see storage.conversations)
_TABLE = Contact.__table__
_NAME_LENGTH = _TABLE.c.display_name.type.length
_FIND = select(_TABLE).where(
    _TABLE.c.channel == bindparam("channel"), _TABLE.c.user_id == bindparam("user_id")
)
_INSERT = insert(_TABLE).returning(_TABLE.c.id)
_REFRESH = (
    update(_TABLE).where(_TABLE.c.id == bindparam("row_id"))
    .values(chat_id=bindparam("new_chat_id"), display_name=bindparam("new_name"),
            last_seen_at=bindparam("now"), unreachable_at=None)
)


async def touch(
    session: AsyncSession, channel: str, user_id: str, chat_id: str,
    display_name: str | None, now: datetime,
) -> ContactRef:
    """Create or refresh the contact of a person who just wrote; a reply makes them reachable.
    The platform's name for a person who erased their data is not stored again."""
    # a Telegram full name can be 129 characters; PostgreSQL refuses what does not fit
    display_name = display_name[:_NAME_LENGTH] if display_name else display_name
    row = (await session.execute(_FIND, {"channel": channel, "user_id": user_id})).one_or_none()
    if row is None:
        contact_id = await session.scalar(_INSERT, {
            "channel": channel, "user_id": user_id, "chat_id": chat_id,
            "display_name": display_name, "created_at": now, "last_seen_at": now,
        })
        return ContactRef(contact_id, channel, user_id, chat_id, display_name)
    if row.erased_at is not None:
        display_name = None
    name = display_name or row.display_name
    if _changed(row, chat_id, display_name, now):
        await session.execute(_REFRESH, {"row_id": row.id, "new_chat_id": chat_id,
                                         "new_name": name, "now": now})
    return ContactRef(row.id, channel, user_id, chat_id, name)


def _changed(row, chat_id: str, display_name: str | None, now: datetime) -> bool:
    # the last interaction is kept to the minute: no write on every message of a conversation
    return (
        row.chat_id != chat_id or row.unreachable_at is not None
        or (display_name and display_name != row.display_name)
        or now - row.last_seen_at > LAST_SEEN_PRECISION
    )


async def get(session: AsyncSession, contact_id: int) -> ContactRef | None:
    row = await session.get(Contact, contact_id)
    return _ref(row) if row else None


async def reachable(session: AsyncSession, contact_id: int) -> ContactRef | None:
    """The contact, unless the platform refused delivery to them since they last wrote."""
    row = await session.get(Contact, contact_id)
    return _ref(row) if row and row.unreachable_at is None else None


def _ref(row: Contact) -> ContactRef:
    return ContactRef(row.id, row.channel, row.user_id, row.chat_id, row.display_name)


async def forget_name(session: AsyncSession, contact_id: int, now: datetime) -> None:
    """Erasure: the platform id stays (needed to know who asked), the name goes for good."""
    row = await session.get(Contact, contact_id)
    row.display_name, row.erased_at = None, now
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
