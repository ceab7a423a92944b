"""The outbox: messages to send later. Queuing is idempotent on the dedupe key."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage


async def enqueue(
    session: AsyncSession, *, dedupe_key: str, channel: str, chat_id: str,
    contact_id: int | None, text: str, buttons: list, now: datetime, priority: int = 5,
    not_before: datetime | None = None,
) -> bool:
    """Queue a message unless one with ``dedupe_key`` exists; True if queued now."""
    exists = await session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    )
    if exists is not None:
        return False
    session.add(
        OutboxMessage(
            dedupe_key=dedupe_key, channel=channel, chat_id=chat_id, contact_id=contact_id,
            text=text, buttons=buttons, priority=priority, status="pending", attempts=0,
            next_attempt_at=not_before or now, created_at=now,
        )
    )
    await session.flush()
    return True
