"""The outbox: messages to send later (reminders, notices, broadcasts).

Queuing is idempotent on the dedupe key. A sender claims due rows with a lease, so a row whose
sender died is claimed again once the lease runs out (at-least-once delivery)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage

LEASE = timedelta(minutes=2)


@dataclass(frozen=True)
class OutboxItem:
    id: int
    channel: str
    chat_id: str
    contact_id: int | None
    text: str
    buttons: list
    topic: str | None
    office_hours: bool
    attempts: int
    priority: int


async def enqueue(
    session: AsyncSession, *, dedupe_key: str, channel: str, chat_id: str,
    contact_id: int | None, text: str, buttons: list, now: datetime, priority: int = 5,
    not_before: datetime | None = None, topic: str | None = None, office_hours: bool = False,
) -> bool:
    """Queue a message unless one with ``dedupe_key`` exists; True if queued now.

    ``buttons`` is a list of rows of [label, payload] pairs.
    """
    exists = await session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    )
    if exists is not None:
        return False
    session.add(
        OutboxMessage(
            dedupe_key=dedupe_key, channel=channel, chat_id=chat_id, contact_id=contact_id,
            text=text, buttons=buttons, priority=priority, status="pending", attempts=0,
            next_attempt_at=not_before or now, created_at=now, topic=topic,
            office_hours=office_hours,
        )
    )
    await session.flush()
    return True


async def claim_due(
    session: AsyncSession, channels: list[str], now: datetime, limit: int = 100
) -> list[OutboxItem]:
    """Lease up to ``limit`` due rows of ``channels``, most urgent first."""
    due = (
        select(OutboxMessage)
        .where(
            OutboxMessage.channel.in_(channels),
            OutboxMessage.next_attempt_at <= now,
            or_(
                OutboxMessage.status == "pending",
                (OutboxMessage.status == "sending") & (OutboxMessage.lease_until < now),
            ),
        )
        .order_by(OutboxMessage.priority, OutboxMessage.id)  # a due retry keeps its place
        .limit(limit)
        # several senders on PostgreSQL share the work; SQLite ignores this
        .with_for_update(skip_locked=True)
    )
    rows = (await session.execute(due)).scalars().all()
    for row in rows:
        row.status, row.lease_until = "sending", now + LEASE
    await session.flush()
    return [_item(row) for row in rows]


async def finish(
    session: AsyncSession, item_id: int, status: str, now: datetime, error: str | None = None,
    count_attempt: bool = False,
) -> None:
    """Close a row: sent, unreachable, failed, cancelled or outside_window."""
    row = await session.get(OutboxMessage, item_id)
    row.status, row.lease_until, row.last_error = status, None, error
    row.attempts += count_attempt
    if status == "sent":
        row.sent_at = now
    await session.flush()


async def retry_at(
    session: AsyncSession, item_id: int, when: datetime, error: str | None,
    count_attempt: bool = True,
) -> None:
    """Put a row back for a later attempt."""
    row = await session.get(OutboxMessage, item_id)
    row.status, row.lease_until, row.next_attempt_at, row.last_error = (
        "pending", None, when, error,
    )
    row.attempts += count_attempt
    await session.flush()


async def cancel_topic(session: AsyncSession, topic: str, now: datetime) -> int:
    """Withdraw pending messages about ``topic`` (e.g. reminders after an acknowledgement)."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.topic == topic, OutboxMessage.status == "pending")
        .values(status="cancelled", last_error="moot")
    )
    return result.rowcount or 0


def about_topic(contact_id: int) -> str:
    """The topic of a message to others about a person (an admin alert), erased with them."""
    return f"about:{contact_id}"


async def erase_contact(session: AsyncSession, contact_id: int, channel: str,
                        chat_ids: set[str]) -> None:
    """Erasure: messages to the person (by contact, or to their chats) or about them lose their
    text and buttons; those not sent yet are withdrawn. The rows stay, so that their dedupe
    keys keep the planner from queuing them again."""
    to_them = (OutboxMessage.contact_id == contact_id) | (
        (OutboxMessage.channel == channel) & OutboxMessage.chat_id.in_(chat_ids)
    ) | (OutboxMessage.topic == about_topic(contact_id))
    await session.execute(
        update(OutboxMessage).where(to_them, OutboxMessage.status == "pending")
        .values(status="cancelled", last_error="erased")
    )
    await session.execute(update(OutboxMessage).where(to_them).values(text="", buttons=[]))


async def purge(session: AsyncSession, created_before: datetime) -> int:
    """Forget messages queued before ``created_before`` that are closed (sent, failed,
    withdrawn…); those still to send stay."""
    result = await session.execute(
        delete(OutboxMessage).where(OutboxMessage.created_at < created_before,
                                    OutboxMessage.status.not_in(("pending", "sending")))
    )
    return result.rowcount or 0


async def counts(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    return dict(rows.all())


async def waiting_for_chat(
    session: AsyncSession, channel: str, chat_id: str, now: datetime
) -> list[OutboxItem]:
    """Messages waiting for a person who fetches them (the web chat); reading marks nothing,
    the page acknowledges what it showed with ``mark_fetched``."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.channel == channel, OutboxMessage.chat_id == chat_id,
               OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.priority, OutboxMessage.id)
        .limit(20)
    )
    return [_item(row) for row in (await session.execute(query)).scalars()]


async def mark_fetched(
    session: AsyncSession, channel: str, chat_id: str, ids: list[int], now: datetime
) -> int:
    """Mark as sent the waiting messages ``ids`` of this chat (others' ids are ignored)."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.channel == channel,
               OutboxMessage.chat_id == chat_id, OutboxMessage.status == "pending")
        .values(status="sent", sent_at=now)
    )
    return result.rowcount or 0


def _item(row: OutboxMessage) -> OutboxItem:
    return OutboxItem(row.id, row.channel, row.chat_id, row.contact_id, row.text, row.buttons,
                      row.topic, row.office_hours, row.attempts, row.priority)


async def depth(session: AsyncSession) -> dict[str, int]:
    """Messages waiting or being sent, per channel (the metrics' outbox depth)."""
    rows = await session.execute(
        select(OutboxMessage.channel, func.count())
        .where(OutboxMessage.status.in_(("pending", "sending")))
        .group_by(OutboxMessage.channel)
    )
    return dict(rows.all())
