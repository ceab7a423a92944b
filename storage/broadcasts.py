"""Broadcast rows and their progress, counted from their outbox messages."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Broadcast, OutboxMessage
from storage.outbox import cancel_topic

# people queued per transaction: on SQLite a statement holds every other turn while it runs,
# and 500 rows take a few milliseconds where 10,000 took a fifth of a second
BATCH = 500


def topic(number: int) -> str:
    """The outbox topic of a broadcast's messages, e.g. "bc:12"."""
    return f"bc:{number}"


def is_broadcast(outbox_topic: str | None) -> bool:
    return bool(outbox_topic) and outbox_topic.startswith("bc:")


@dataclass(frozen=True)
class Progress:
    id: int
    total: int
    status: str
    by_status: dict[str, int]
    channel: str | None
    chat_id: str | None
    message_id: str | None
    shown: str | None

    @property
    def waiting(self) -> int:
        return self.by_status.get("pending", 0) + self.by_status.get("sending", 0)

    @property
    def finished(self) -> bool:
        """Nothing is left to send; never while people are still being queued."""
        return self.status != "queuing" and self.waiting == 0


async def create(
    session: AsyncSession, segment: str, text: str, by: str, total: int, channel: str,
    chat_id: str, now: datetime,
) -> int:
    """A confirmed broadcast, "queuing" until its messages are all in the outbox."""
    row = Broadcast(segment={"segment": segment}, text=text, created_by=by, created_at=now,
                    total=total, status="queuing", progress_channel=channel,
                    progress_chat_id=chat_id)
    session.add(row)
    await session.flush()
    return row.id


async def set_total(session: AsyncSession, number: int, total: int) -> None:
    """The number of messages a broadcast sends (expected while it is still queuing)."""
    row = await session.get(Broadcast, number)
    row.total = total
    await session.flush()


async def claim(session: AsyncSession, number: int) -> Broadcast | None:
    """A broadcast's row, locked until the transaction ends on PostgreSQL, so a batch being
    queued and a stop, or two batches, never overlap."""
    query = select(Broadcast).where(Broadcast.id == number).with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def last_queued(session: AsyncSession, number: int) -> int:
    """The highest contact id a broadcast has queued a message for (0 before the first), where
    queuing resumes after a restart."""
    query = select(func.max(OutboxMessage.contact_id)).where(OutboxMessage.topic == topic(number))
    return await session.scalar(query) or 0


async def queued_all(session: AsyncSession, number: int) -> int:
    """Mark a broadcast fully queued; its total becomes the messages actually queued."""
    row = await session.get(Broadcast, number)
    query = select(func.count()).where(OutboxMessage.topic == topic(number))
    row.total, row.status = await session.scalar(query), "sending"
    await session.flush()
    return row.total


async def queuing(session: AsyncSession) -> list[int]:
    """Broadcasts confirmed whose messages are not all queued yet, oldest first."""
    query = select(Broadcast.id).where(Broadcast.status == "queuing").order_by(Broadcast.id)
    return list((await session.execute(query)).scalars())


async def drop(session: AsyncSession, number: int) -> None:
    """Forget a broadcast that queued nothing."""
    await session.delete(await session.get(Broadcast, number))
    await session.flush()


async def cancel(session: AsyncSession, number: int, now: datetime) -> int | None:
    """Stop a broadcast; returns how many unsent messages were dropped (None if not running)."""
    row = await claim(session, number)
    if row is None or row.status not in ("queuing", "sending"):
        return None
    row.status, row.finished_at = "cancelled", now
    return await cancel_topic(session, topic(number), now)


async def running(session: AsyncSession) -> list[Progress]:
    """Broadcasts still queuing or sending, or finished but whose final report is not shown
    yet."""
    query = select(Broadcast).where(
        Broadcast.status.in_(("queuing", "sending")) | (Broadcast.progress_text.is_(None))
        | (Broadcast.finished_at.is_(None))
    )
    return [await _progress(session, row)
            for row in (await session.execute(query)).scalars().all()]


async def progress(session: AsyncSession, number: int) -> Progress | None:
    row = await session.get(Broadcast, number)
    return None if row is None else await _progress(session, row)


async def latest_by(session: AsyncSession, actor: str) -> int | None:
    """The number of the last broadcast ``actor`` created."""
    query = select(func.max(Broadcast.id)).where(Broadcast.created_by == actor)
    return await session.scalar(query)


async def same_since(
    session: AsyncSession, actor: str, segment: str, text: str, since: datetime
) -> int | None:
    """A broadcast ``actor`` created since ``since`` with this segment and text (a form
    posted twice), or None."""
    query = select(Broadcast).where(Broadcast.created_by == actor, Broadcast.created_at >= since,
                                    Broadcast.text == text).order_by(Broadcast.id.desc())
    for row in (await session.execute(query)).scalars():
        if row.segment.get("segment") == segment:
            return row.id
    return None


async def _progress(session: AsyncSession, row: Broadcast) -> Progress:
    counts = await session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.topic == topic(row.id)).group_by(OutboxMessage.status)
    )
    return Progress(row.id, row.total, row.status, dict(counts.all()), row.progress_channel,
                    row.progress_chat_id, row.progress_message_id, row.progress_text)


async def record_progress(
    session: AsyncSession, number: int, text: str, message_id: str | None, finished: bool,
    now: datetime,
) -> None:
    row = await session.get(Broadcast, number)
    row.progress_text = text
    row.progress_message_id = message_id or row.progress_message_id
    if finished:
        row.finished_at = row.finished_at or now
        row.status = "done" if row.status == "sending" else row.status
    await session.flush()
