"""Support requests for the plan's other activities, and the guidance topics staff edit.

Each request gets a yearly code per kind (``HT-2026-0007``): the next number of its kind and
year, taken in the insert itself; the unique (kind, year, number) makes two requests racing for
the same number retry rather than share it."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SupportRequest, SupportTopic

# kind → the code's prefix: DT đào tạo, HT hướng dẫn (hỗ trợ), GT giải thưởng, NV nhiệm vụ
PREFIX = {"training": "DT", "guidance": "HT", "award": "GT", "sttask": "NV"}
KINDS = tuple(PREFIX)
STATUSES = ("received", "in_progress", "answered", "closed")
OPEN = ("received", "in_progress")


@dataclass(frozen=True)
class RequestInfo:
    id: int
    code: str
    kind: str
    status: str
    contact_id: int
    topic: str | None
    answers: dict
    assignee: str | None
    answer: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class TopicInfo:
    id: str
    label: str
    active: bool


async def create(
    session: AsyncSession, kind: str, contact_id: int, answers: dict, year: int, now: datetime
) -> RequestInfo:
    """Record a request with the next code of its kind in ``year`` (the local year)."""
    for _attempt in range(5):
        number = select(func.coalesce(func.max(SupportRequest.number), 0) + 1).where(
            SupportRequest.kind == kind, SupportRequest.year == year
        )
        try:
            async with session.begin_nested():
                taken = (await session.execute(number)).scalar_one()
                row = SupportRequest(
                    kind=kind, year=year, number=taken, code=f"{PREFIX[kind]}-{year}-{taken:04d}",
                    contact_id=contact_id, status="received", topic=answers.get("topic"),
                    answers=answers, created_at=now, updated_at=now,
                )
                session.add(row)
                await session.flush()
        except IntegrityError:  # another request took the number meanwhile
            continue
        return _info(row)
    raise RuntimeError("no free support request number after 5 attempts")


async def get(session: AsyncSession, request_id: int) -> RequestInfo | None:
    row = await session.get(SupportRequest, request_id)
    return _info(row) if row else None


async def of_contact(session: AsyncSession, contact_id: int) -> list[RequestInfo]:
    query = select(SupportRequest).where(SupportRequest.contact_id == contact_id)
    return [_info(r) for r in (await session.scalars(query.order_by(SupportRequest.id)))]


async def listing(
    session: AsyncSession, kind: str | None = None, statuses: tuple[str, ...] = STATUSES,
    limit: int | None = 20,
) -> list[RequestInfo]:
    """The requests of ``kind`` (all kinds if None) in ``statuses``, oldest first (all of them
    if ``limit`` is None)."""
    query = select(SupportRequest).where(SupportRequest.status.in_(statuses))
    if kind is not None:
        query = query.where(SupportRequest.kind == kind)
    rows = await session.scalars(query.order_by(SupportRequest.id).limit(limit))
    return [_info(r) for r in rows]


async def every(session: AsyncSession, kind: str) -> list[RequestInfo]:
    """Every request of ``kind``, for the export."""
    query = select(SupportRequest).where(SupportRequest.kind == kind).order_by(SupportRequest.id)
    return [_info(r) for r in await session.scalars(query)]


async def counts(session: AsyncSession) -> Counter:
    """(kind, status) → how many requests."""
    rows = await session.execute(
        select(SupportRequest.kind, SupportRequest.status, func.count())
        .group_by(SupportRequest.kind, SupportRequest.status)
    )
    return Counter({(kind, status): n for kind, status, n in rows.all()})


async def assign(session: AsyncSession, request_id: int, assignee: str, now: datetime) -> None:
    """Give the request to a staff member; a request just received is now being handled."""
    row = await session.get(SupportRequest, request_id)
    row.assignee, row.updated_at = assignee, now
    if row.status == "received":
        row.status = "in_progress"
    await session.flush()


async def reply(session: AsyncSession, request_id: int, text: str, now: datetime) -> None:
    row = await session.get(SupportRequest, request_id)
    row.answer, row.status, row.answered_at, row.updated_at = text, "answered", now, now
    await session.flush()


async def close(session: AsyncSession, request_id: int, now: datetime) -> None:
    row = await session.get(SupportRequest, request_id)
    row.status, row.closed_at, row.updated_at = "closed", now, now
    await session.flush()


async def erase_personal_fields(session: AsyncSession, contact_id: int, now: datetime) -> None:
    """Keep kind, code, status and topic for the figures; the answers and the reply go, and
    an open request is closed (nobody is left to answer)."""
    await session.execute(
        update(SupportRequest)
        .where(SupportRequest.contact_id == contact_id, SupportRequest.status.in_(OPEN))
        .values(status="closed", closed_at=now, updated_at=now)
    )
    await session.execute(
        update(SupportRequest).where(SupportRequest.contact_id == contact_id)
        .values(answers=None, answer=None)
    )


async def topics(session: AsyncSession, active_only: bool = True) -> list[TopicInfo]:
    query = select(SupportTopic).order_by(SupportTopic.position)
    if active_only:
        query = query.where(SupportTopic.active.is_(True))
    return [TopicInfo(t.id, t.label, t.active) for t in await session.scalars(query)]


async def topic_label(session: AsyncSession, topic_id: str | None) -> str | None:
    row = await session.get(SupportTopic, topic_id) if topic_id else None
    return row.label if row else topic_id


async def add_topic(session: AsyncSession, label: str) -> TopicInfo:
    """A new topic at the end of the list, with an id of its own (``t5``, ``t6``…)."""
    ids = set(await session.scalars(select(SupportTopic.id)))
    last = await session.scalar(select(func.coalesce(func.max(SupportTopic.position), 0)))
    number = last + 1
    while f"t{number}" in ids:
        number += 1
    row = SupportTopic(id=f"t{number}", label=label, position=last + 1, active=True)
    session.add(row)
    await session.flush()
    return TopicInfo(row.id, row.label, row.active)


async def set_topic_active(session: AsyncSession, topic_id: str, active: bool) -> bool:
    row = await session.get(SupportTopic, topic_id)
    if row is None:
        return False
    row.active = active
    await session.flush()
    return True


def _info(row: SupportRequest) -> RequestInfo:
    return RequestInfo(
        id=row.id, code=row.code, kind=row.kind, status=row.status, contact_id=row.contact_id,
        topic=row.topic, answers=dict(row.answers or {}), assignee=row.assignee,
        answer=row.answer, created_at=row.created_at, updated_at=row.updated_at,
    )
