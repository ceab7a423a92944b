"""Figures for the department's staff: registrations, clubs, deadlines, sign-ups, consent."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import agencies, registrations
from storage.models import ClubMembership, ConsentEvent, Contact, InboxUpdate, Registration


@dataclass(frozen=True)
class SessionFigures:
    class_title: str
    session: registrations.SessionInfo | None  # None: registrations without a session yet
    by_status: dict[str, int]


@dataclass(frozen=True)
class DeadlineFigures:
    deadline: agencies.DeadlineInfo
    acknowledged: int
    pending: list[str]
    overdue: bool


async def sessions(session: AsyncSession, now: datetime) -> list[SessionFigures]:
    counts: dict[tuple, Counter] = {}
    rows = await session.execute(
        select(Registration.class_id, Registration.session_id, Registration.status,
               func.count()).group_by(Registration.class_id, Registration.session_id,
                                      Registration.status)
    )
    for class_id, session_id, status, count in rows.all():
        counts.setdefault((class_id, session_id), Counter())[status] += count
    figures = []
    for info in await registrations.classes(session):
        for upcoming in await registrations.upcoming_sessions(session, info.id, now):
            figures.append(SessionFigures(info.title, upcoming,
                                          dict(counts.get((info.id, upcoming.id), {}))))
        unscheduled = counts.get((info.id, None))
        if unscheduled:
            figures.append(SessionFigures(info.title, None, dict(unscheduled)))
    return figures


async def club_members(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(ClubMembership.school, func.count())
        .where(ClubMembership.status == "active").group_by(ClubMembership.school)
    )
    return dict(rows.all())


async def deadlines(session: AsyncSession, today: date) -> list[DeadlineFigures]:
    figures = []
    for deadline in await agencies.deadlines(session):
        targets = await agencies.targets_on(session, deadline.targets, deadline.due_date)
        done = await agencies.acknowledgements(session, deadline.id)
        pending = [a.short_name for a in targets if a.id not in done]
        figures.append(DeadlineFigures(deadline, len(targets) - len(pending), pending,
                                       deadline.due_date < today and bool(pending)))
    return figures


async def signups_per_day(
    session: AsyncSession, now: datetime, tz: ZoneInfo, days: int = 30
) -> dict[date, int]:
    """Class registrations and club memberships created per local day, oldest first: counted
    by the database (GROUP BY the local day), not row by row here."""
    since = now - timedelta(days=days)
    per_day: Counter = Counter()
    for column in (Registration.created_at, ClubMembership.created_at):
        day = _local_day(session, column, tz, now)
        rows = await session.execute(
            select(day, func.count()).where(column >= since).group_by(day)
        )
        per_day.update({_as_date(value): n for value, n in rows.all()})
    return dict(sorted(per_day.items()))


def _local_day(session: AsyncSession, column, tz: ZoneInfo, now: datetime):
    """SQL for the local calendar day of a UTC ``column``. SQLite has no time zones: the
    offset of ``now`` is applied (Asia/Ho_Chi_Minh keeps one offset all year)."""
    if session.bind.dialect.name == "postgresql":
        return func.date(func.timezone(tz.key, column))
    minutes = int(now.astimezone(tz).utcoffset().total_seconds() // 60)
    return func.date(column, f"{minutes:+d} minutes")


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


async def consent_refusals(session: AsyncSession) -> int:
    return await session.scalar(
        select(func.count(func.distinct(ConsentEvent.contact_id)))
        .where(ConsentEvent.action == "refuse")
    )


async def unreachable_contacts(session: AsyncSession) -> int:
    return await session.scalar(
        select(func.count(Contact.id)).where(Contact.unreachable_at.is_not(None))
    )


async def failed_updates(session: AsyncSession) -> int:
    """Messages the bot gave up on (unreadable, or their turn failed three times)."""
    return await session.scalar(
        select(func.count(InboxUpdate.id)).where(InboxUpdate.status == "failed")
    )
