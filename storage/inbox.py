"""The durable inbox: platform updates recorded so a re-delivered one is handled once."""

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboxUpdate


async def claim(session: AsyncSession, channel: str, update_id: str, now: datetime) -> bool:
    """Mark ``update_id`` as handled in the caller's transaction.

    Returns:
        False if it was already handled (the caller must skip it), True otherwise.
    """
    # one statement for the usual case: a stored update being handled
    marked = await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.channel == channel, InboxUpdate.update_id == update_id,
               InboxUpdate.status != "done")
        .values(status="done", handled_at=now, payload=None)
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount:
        return True
    if await _row(session, channel, update_id) is not None:
        return False
    session.add(
        InboxUpdate(
            channel=channel, update_id=update_id, status="done", received_at=now, handled_at=now,
        )
    )
    await session.flush()
    return True


async def store_pending(
    session: AsyncSession, channel: str, update_id: str, payload: dict, now: datetime
) -> bool:
    """Store a raw update before acknowledging it to the platform; False if already known."""
    if await _row(session, channel, update_id) is not None:
        return False
    session.add(
        InboxUpdate(
            channel=channel, update_id=update_id, status="pending", payload=payload,
            received_at=now,
        )
    )
    await session.flush()
    return True


async def mark_failed(
    session: AsyncSession, channel: str, update_id: str, error: str, now: datetime
) -> None:
    """Record that handling failed, so the inbox worker does not retry it forever."""
    row = await _row(session, channel, update_id)
    if row is None:
        session.add(
            InboxUpdate(
                channel=channel, update_id=update_id, status="failed", received_at=now,
                error=error,
            )
        )
    else:
        row.status, row.error = "failed", error
    await session.flush()


async def pending(
    session: AsyncSession, channel: str, limit: int = 100, skip: frozenset[int] = frozenset()
) -> list[InboxUpdate]:
    """Stored updates of ``channel`` not yet handled (except ``skip``), oldest first."""
    query = (
        select(InboxUpdate)
        .where(InboxUpdate.channel == channel, InboxUpdate.status == "pending",
               InboxUpdate.id.not_in(skip))
        .order_by(InboxUpdate.id)
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def _row(session: AsyncSession, channel: str, update_id: str) -> InboxUpdate | None:
    query = select(InboxUpdate).where(
        InboxUpdate.channel == channel, InboxUpdate.update_id == update_id
    )
    return (await session.execute(query)).scalar_one_or_none()


async def purge_handled(session: AsyncSession, before: datetime) -> int:
    """Forget handled updates older than ``before``; platforms stop re-delivering long before."""
    result = await session.execute(
        delete(InboxUpdate).where(InboxUpdate.status == "done", InboxUpdate.handled_at < before)
    )
    return result.rowcount or 0
