"""Agencies, their officers, link codes, deadlines and acknowledgements."""

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage import channel_secrets, outbox
from storage.models import Acknowledgement, Agency, AgencyOfficer, Deadline, LinkCode

GROUPS = ("so-ban-nganh", "ubnd-cap-huyen", "phoi-hop")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed
CODE_LIFETIME = timedelta(days=30)
# Wrong link codes: each person may try CODE_TRIES an hour and everyone together CODE_TRIES_ALL,
# so that the 32⁸ codes cannot be guessed through many chats at once. The counts are rows of
# channel_secrets (key → count until expires_at), so every channel and instance shares them.
CODE_TRIES, CODE_TRIES_ALL, CODE_TRIES_WINDOW = 5, 100, timedelta(hours=1)


@dataclass(frozen=True)
class AgencyInfo:
    id: str
    name: str
    short_name: str
    group: str
    kind: str = ""
    valid_from: date | None = None
    valid_to: date | None = None  # the last day it existed
    successor_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DeadlineInfo:
    id: int
    title: str
    description: str | None
    due_date: date
    targets: list
    offsets: list
    overdue_every: int
    overdue_max: int
    active: bool = True


@dataclass(frozen=True)
class AckInfo:
    agency_id: str
    contact_id: int | None
    by_admin: str | None
    at: datetime


async def get(session: AsyncSession, agency_id: str) -> AgencyInfo | None:
    row = await session.get(Agency, agency_id)
    return _agency(row) if row else None


async def active_on(session: AsyncSession, day: date) -> list[AgencyInfo]:
    """Agencies valid on ``day`` (the recipient groups are queries over these)."""
    query = (
        select(Agency)
        .where(or_(Agency.valid_from.is_(None), Agency.valid_from <= day))
        .where(or_(Agency.valid_to.is_(None), Agency.valid_to >= day))
        .order_by(Agency.group, Agency.id)
    )
    return [_agency(row) for row in (await session.execute(query)).scalars()]


async def every_agency(session: AsyncSession) -> list[AgencyInfo]:
    """All agencies, ended or not."""
    query = select(Agency).order_by(Agency.group, Agency.id)
    return [_agency(row) for row in (await session.execute(query)).scalars()]


async def targets_on(session: AsyncSession, targets: list[str], day: date) -> list[AgencyInfo]:
    """The agencies a deadline addresses on ``day``: its groups and its named agencies."""
    wanted = set(targets)
    return [a for a in await active_on(session, day) if a.group in wanted or a.id in wanted]


async def empty_targets(session: AsyncSession, targets: list[str], day: date) -> list[str]:
    """The targets (groups or named agencies) with no agency valid on ``day``."""
    found = await targets_on(session, targets, day)
    return [t for t in targets if not any(t in (a.group, a.id) for a in found)]


async def officers(session: AsyncSession, agency_id: str) -> list[int]:
    """Contact ids of the officers currently linked to an agency."""
    query = select(AgencyOfficer.contact_id).where(
        AgencyOfficer.agency_id == agency_id, AgencyOfficer.unlinked_at.is_(None)
    )
    return list((await session.execute(query)).scalars())


async def agencies_of(session: AsyncSession, contact_id: int) -> list[AgencyInfo]:
    query = (
        select(Agency)
        .join(AgencyOfficer, AgencyOfficer.agency_id == Agency.id)
        .where(AgencyOfficer.contact_id == contact_id, AgencyOfficer.unlinked_at.is_(None))
        .order_by(Agency.id)
    )
    return [_agency(row) for row in (await session.execute(query)).scalars()]


async def new_link_code(
    session: AsyncSession, agency_id: str, by: str | None, now: datetime
) -> str:
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    session.add(LinkCode(code=code, agency_id=agency_id, created_at=now, created_by=by,
                         expires_at=now + CODE_LIFETIME))
    await session.flush()
    return code


def _tries_keys(contact_id: int) -> tuple[tuple[str, int], ...]:
    return (f"link_tries:{contact_id}", CODE_TRIES), ("link_tries:all", CODE_TRIES_ALL)


async def code_tries_used_up(session: AsyncSession, contact_id: int, now: datetime) -> bool:
    """Whether this person, or everyone together, typed too many wrong codes lately."""
    for key, limit in _tries_keys(contact_id):
        row = await channel_secrets.read_secret(session, key)
        if row is not None and row.expires_at > now and int(row.value) >= limit:
            return True
    return False


async def count_wrong_code(session: AsyncSession, contact_id: int, now: datetime) -> None:
    for key, _ in _tries_keys(contact_id):
        row = await channel_secrets.read_secret(session, key, lock=True)
        if row is None or row.expires_at <= now:
            await channel_secrets.write_secret(session, key, "1", now, now + CODE_TRIES_WINDOW)
        else:
            row.value, row.updated_at = str(int(row.value) + 1), now
    await channel_secrets.forget_expired(session, "link_tries:", now)


async def find_code(session: AsyncSession, code: str) -> LinkCode | None:
    return await session.get(LinkCode, code.strip().upper())


async def link(session: AsyncSession, code: str, contact_id: int, now: datetime) -> str | None:
    """Use a link code; returns the agency id, or None if the code is unknown, used or old."""
    row = await find_code(session, code)
    if row is None or row.used_at is not None or row.expires_at < now:
        return None
    row.used_at, row.used_by = now, contact_id
    if contact_id not in await officers(session, row.agency_id):
        session.add(AgencyOfficer(agency_id=row.agency_id, contact_id=contact_id, linked_at=now))
    await session.flush()
    return row.agency_id


async def unlink(session: AsyncSession, agency_id: str, contact_id: int, now: datetime) -> bool:
    query = select(AgencyOfficer).where(
        AgencyOfficer.agency_id == agency_id, AgencyOfficer.contact_id == contact_id,
        AgencyOfficer.unlinked_at.is_(None),
    )
    rows = (await session.execute(query)).scalars().all()
    for row in rows:
        row.unlinked_at = now
    await session.flush()
    return bool(rows)


async def deadlines(session: AsyncSession, active_only: bool = True) -> list[DeadlineInfo]:
    query = select(Deadline).order_by(Deadline.due_date)
    if active_only:
        query = query.where(Deadline.active.is_(True))
    return [_deadline(row) for row in (await session.execute(query)).scalars()]


async def get_deadline(session: AsyncSession, deadline_id: int) -> DeadlineInfo | None:
    row = await session.get(Deadline, deadline_id)
    return _deadline(row) if row else None


async def add_deadline(
    session: AsyncSession, title: str, due_date: date, targets: list[str], now: datetime,
    by: str | None = None, description: str | None = None,
    offsets: list[int] | None = None,
) -> DeadlineInfo:
    row = Deadline(
        title=title, description=description, due_date=due_date, targets=targets,
        offsets=offsets or [14, 7, 3, 1, 0], overdue_every=2, overdue_max=5, active=True,
        created_at=now, created_by=by,
    )
    session.add(row)
    await session.flush()
    return _deadline(row)


async def update_deadline(session: AsyncSession, deadline_id: int, **changes) -> DeadlineInfo:
    """Change a deadline's title, description, due date or targets. Reminders already queued
    keep their text; the steps still to come follow the new date."""
    row = await session.get(Deadline, deadline_id)
    for name, value in changes.items():
        setattr(row, name, value)
    await session.flush()
    return _deadline(row)


async def set_deadline_open(session: AsyncSession, deadline_id: int, is_open: bool) -> bool:
    """Close a deadline (no more reminders; its acknowledgements stay) or reopen it; False if
    there is no such deadline."""
    row = await session.get(Deadline, deadline_id)
    if row is None:
        return False
    row.active = is_open
    await session.flush()
    return True


async def acknowledge(
    session: AsyncSession, deadline_id: int, agency_id: str, now: datetime,
    contact_id: int | None = None, by_admin: str | None = None,
) -> bool:
    """Record that the agency reported and withdraw its reminders still queued; False if it
    already had."""
    try:
        async with session.begin_nested():
            session.add(Acknowledgement(deadline_id=deadline_id, agency_id=agency_id,
                                        contact_id=contact_id, by_admin=by_admin, at=now))
            await session.flush()
    except IntegrityError:
        return False
    await outbox.cancel_topic(session, reminder_topic(deadline_id, agency_id), now)
    return True


def reminder_topic(deadline_id: int, agency_id: str) -> str:
    """The outbox topic of a deadline's reminders to one agency, e.g. "dl:3:so-y-te"."""
    return f"dl:{deadline_id}:{agency_id}"


def reminded(topic: str | None) -> tuple[int, str] | None:
    """(deadline id, agency id) of a reminder's topic; None for other topics."""
    kind, _, rest = (topic or "").partition(":")
    deadline_id, _, agency_id = rest.partition(":")
    return (int(deadline_id), agency_id) if kind == "dl" and deadline_id.isdigit() else None


async def acknowledgements(session: AsyncSession, deadline_id: int) -> dict[str, AckInfo]:
    query = select(Acknowledgement).where(Acknowledgement.deadline_id == deadline_id)
    return {
        row.agency_id: AckInfo(row.agency_id, row.contact_id, row.by_admin, row.at)
        for row in (await session.execute(query)).scalars()
    }


def _agency(row: Agency) -> AgencyInfo:
    return AgencyInfo(row.id, row.name, row.short_name, row.group, row.kind, row.valid_from,
                      row.valid_to, list(row.successor_ids or []))


def _deadline(row: Deadline) -> DeadlineInfo:
    return DeadlineInfo(row.id, row.title, row.description, row.due_date, row.targets,
                        row.offsets, row.overdue_every, row.overdue_max, row.active)
