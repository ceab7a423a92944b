"""The durable inbox: platform updates recorded so a re-delivered one is handled once. An
update that cannot be read, or whose turn failed MAX_ATTEMPTS times, is quarantined: failed,
with a short reason and without its payload, and never handled again."""

import traceback
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert_or_skip
from storage.locks import shared, take_in_turn
from storage.models import InboxUpdate

MAX_ATTEMPTS = 3
LEASE = timedelta(seconds=30)  # an update taken by a process that died is taken again after
_OUR_CODE = str(Path(__file__).resolve().parents[1])
# claim runs on every turn and store on every update: plain table statements built once
_TABLE = InboxUpdate.__table__
_CLAIM = (
    update(_TABLE)
    .where(_TABLE.c.channel == bindparam("in_channel"),
           _TABLE.c.update_id == bindparam("in_update_id"),
           _TABLE.c.status != "done")
    .values(status="done", handled_at=bindparam("now"), payload=None)
)
_QUARANTINE = (
    update(_TABLE)
    .where(_TABLE.c.channel == bindparam("in_channel"),
           _TABLE.c.update_id == bindparam("in_update_id"),
           _TABLE.c.status == "pending")
    .values(status="failed", handled_at=bindparam("now"), payload=None,
            error=bindparam("reason"))
)


async def claim(session: AsyncSession, channel: str, update_id: str, now: datetime) -> bool:
    """Mark ``update_id`` as handled in the caller's transaction.

    Returns:
        False if it was already handled (the caller must skip it), True otherwise.
    """
    # one statement for the usual case: a stored update being handled
    marked = await session.execute(
        _CLAIM, {"in_channel": channel, "in_update_id": update_id, "now": now}
    )
    if marked.rowcount:
        return True
    # not stored before (a channel that hands messages straight to the dispatcher), or already
    # handled: only the transaction that inserts the row may handle it
    inserted = await session.execute(
        insert_or_skip(session, _TABLE).returning(_TABLE.c.id),
        {"channel": channel, "update_id": update_id, "status": "done", "received_at": now,
         "handled_at": now},
    )
    return inserted.first() is not None


async def store_pending(
    session: AsyncSession, channel: str, updates: list[tuple[str, dict]], now: datetime,
    user_of: Callable[[dict], str | None] = lambda _payload: None,
) -> None:
    """Store raw updates (update id, payload) before acknowledging them to the platform; one
    already known (a re-delivery) is left as it is. ``user_of`` names the sender of a payload
    (None if it cannot tell), so that erasure finds the person's updates."""
    await session.execute(insert_or_skip(session, _TABLE), [
        {"channel": channel, "update_id": update_id, "status": "pending", "payload": payload,
         "user_id": user_of(payload), "received_at": now, "handled_at": None}
        for update_id, payload in updates
    ])


def failure_reason(problem: BaseException) -> str:
    """A failure as the inbox and the logs keep it: the exception's type and the last place in
    our code it passed, never its message (which can quote what a person wrote)."""
    ours = [frame for frame in traceback.extract_tb(problem.__traceback__)
            if frame.filename.startswith(_OUR_CODE) and "site-packages" not in frame.filename]
    where = f" at {Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else ""
    return type(problem).__name__ + where


async def record_failure(
    session: AsyncSession, channel: str, update_id: str, reason: str, now: datetime
) -> bool:
    """Count a failed turn of ``update_id``. A stored update stays pending, to be tried again,
    until its MAX_ATTEMPTS-th failure quarantines it. One that was not stored (a channel that
    hands messages straight to the dispatcher, e.g. the web chat) is failed at once; the
    page's re-sending of it is tried again, as claim takes a failed row.

    Returns:
        True if the update is given up, False if it will be tried again.
    """
    row = await _row(session, channel, update_id)
    if row is None:
        row = InboxUpdate(channel=channel, update_id=update_id, status="failed",
                          received_at=now, attempts=0)
        session.add(row)
    row.attempts += 1
    row.error = reason
    if row.status != "pending" or row.attempts >= MAX_ATTEMPTS:
        row.status, row.payload, row.handled_at = "failed", None, now
    else:
        row.handled_at = None  # free to be taken again at once, by any process
    await session.flush()
    return row.status == "failed"


async def quarantine(
    session: AsyncSession, channel: str, reasons: dict[str, str], now: datetime
) -> None:
    """Give up updates (update id → short reason) that cannot be read: failed, payload
    dropped, so a re-delivery is not handled again. One not stored yet (a webhook body without
    a usable id) is recorded failed, to be counted."""
    await session.execute(insert_or_skip(session, _TABLE), [
        {"channel": channel, "update_id": update_id, "status": "failed", "payload": None,
         "received_at": now, "handled_at": now, "error": reason}
        for update_id, reason in reasons.items()
    ])
    await session.execute(_QUARANTINE, [
        {"in_channel": channel, "in_update_id": update_id, "reason": reason, "now": now}
        for update_id, reason in reasons.items()
    ])


async def take(
    session: AsyncSession, channel: str, now: datetime, limit: int = 100,
    held: frozenset[int] = frozenset(),
) -> list[InboxUpdate]:
    """The next pending updates of ``channel`` for this process to handle, oldest first;
    ``held``: those it has taken and not finished.

    With one process that is every pending update. When processes share the database each
    update is leased to one of them (``handled_at`` of a pending row is when it was taken);
    one whose taker died is taken again once the lease has run out. A person's update is
    taken only with their earlier pending ones, or when this process holds these already:
    one process then runs the person's turns in order, never two side by side.
    """
    query = (
        select(InboxUpdate)
        .where(InboxUpdate.channel == channel, InboxUpdate.status == "pending",
               InboxUpdate.id.not_in(held))
        .order_by(InboxUpdate.id)
        .limit(limit)
    )
    if not shared(session.bind):
        return list((await session.execute(query)).scalars())
    await take_in_turn(session)
    free = (InboxUpdate.handled_at.is_(None)) | (InboxUpdate.handled_at < now - LEASE)
    rows = list((await session.execute(
        query.where(free).with_for_update(skip_locked=True))).scalars())
    last = {}  # person → their newest update in this batch
    for row in rows:
        if row.user_id is not None:
            last[row.user_id] = row.id
    # an earlier update of theirs that another process holds (leased, or locked by its turn)
    elsewhere = (
        select(InboxUpdate.user_id, func.min(InboxUpdate.id))
        .where(InboxUpdate.channel == channel, InboxUpdate.status == "pending",
               InboxUpdate.user_id.in_(last),
               InboxUpdate.id.not_in(held | {row.id for row in rows}))
        .group_by(InboxUpdate.user_id)
    )
    waiting = {user for user, first in (await session.execute(elsewhere)).all()
               if first < last[user]}
    rows = [row for row in rows if row.user_id not in waiting]
    if rows:
        await session.execute(update(_TABLE).where(_TABLE.c.id.in_([r.id for r in rows]))
                              .values(handled_at=now))
    return rows


async def release(session: AsyncSession, row_ids: set[int]) -> None:
    """Give back updates taken and not handled (the process stops), for any process to take."""
    await session.execute(update(_TABLE).where(_TABLE.c.id.in_(row_ids),
                                               _TABLE.c.status == "pending")
                          .values(handled_at=None))


async def _row(session: AsyncSession, channel: str, update_id: str) -> InboxUpdate | None:
    query = select(InboxUpdate).where(
        InboxUpdate.channel == channel, InboxUpdate.update_id == update_id
    )
    return (await session.execute(query)).scalar_one_or_none()


async def erase_user(
    session: AsyncSession, channel: str, user_id: str, erasing_update: str | None, now: datetime
) -> None:
    """Erasure: drop the payload of the person's failed updates and of those still pending from
    before ``erasing_update`` (stuck: their turns would have come first), closing these as
    failed. Later ones are the person's next messages, handled (and emptied) in turn."""
    erasing = select(_TABLE.c.id).where(
        _TABLE.c.channel == channel, _TABLE.c.update_id == erasing_update
    ).scalar_subquery()
    stuck = (_TABLE.c.status == "pending") & (_TABLE.c.id < erasing)
    await session.execute(
        update(_TABLE)
        .where(_TABLE.c.channel == channel, _TABLE.c.user_id == user_id,
               (_TABLE.c.status == "failed") | stuck)
        .values(status="failed", payload=None, error="erased", handled_at=now)
    )


async def purge(session: AsyncSession, received_before: datetime) -> int:
    """Forget updates received before ``received_before``, whatever their status: platforms
    stop re-delivering long before, and a pending one that old will never be handled."""
    result = await session.execute(
        delete(InboxUpdate).where(InboxUpdate.received_at < received_before)
    )
    return result.rowcount or 0


async def depth(session: AsyncSession) -> dict[str, int]:
    """Stored updates not yet handled, per channel (the metrics' inbox depth)."""
    rows = await session.execute(
        select(InboxUpdate.channel, func.count())
        .where(InboxUpdate.status == "pending").group_by(InboxUpdate.channel)
    )
    return dict(rows.all())
