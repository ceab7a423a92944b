"""Classes, sessions and registrations. Seats are taken with one conditional UPDATE, so the last
seat cannot be given twice, whatever the number of people confirming at once.

The invariant every function here keeps, in the caller's transaction: a session's ``seats_taken``
is the sum of the attendees of its confirmed registrations, never above its capacity; when seats
free up, the waitlist is seated in order (a group too large for the seats left keeps its place
while smaller ones behind it move up); while a class has an open session, nobody of that class is
left "interested".

Every function that moves seats first locks the class (``_take_turn``), so that changes within
one class happen one after the other on PostgreSQL as they do on SQLite, whose writers already
take turns: a waitlist cannot be seated twice, nor a registration cancelled twice."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ClassSession, Registration, TrainingClass

ACTIVE = ("confirmed", "waitlisted", "interested")
PERSONAL_FIELDS = (
    "company", "tax_code", "locality", "commune", "region", "sector", "contact_name", "position",
    "phone", "email",
)


@dataclass(frozen=True)
class ClassInfo:
    id: int
    code: str
    prefix: str
    title: str


@dataclass(frozen=True)
class SessionInfo:
    id: int
    class_id: int
    starts_at: datetime
    venue: str
    capacity: int
    seats_taken: int
    registration_open: bool
    cancelled: bool
    notes: str | None

    @property
    def seats_left(self) -> int:
        return self.capacity - self.seats_taken


@dataclass(frozen=True)
class RegistrationInfo:
    id: int
    code: str
    class_id: int
    session_id: int | None
    status: str
    attendees: int
    contact_id: int
    waitlist_position: int | None
    fields: dict


class DuplicateRegistration(Exception):
    """This tax code already has an active registration for the class."""


async def _take_turn(session: AsyncSession, class_id) -> None:
    """Lock the class's row to the end of the transaction; ``class_id`` may be a subquery.
    Always the class first, then its sessions and registrations: no deadlocks. (SQLite has no
    row locks and renders no FOR UPDATE.)"""
    await session.execute(
        select(TrainingClass.id).where(TrainingClass.id == class_id).with_for_update())


def _class_of_session(session_id: int):
    return select(ClassSession.class_id).where(ClassSession.id == session_id).scalar_subquery()


def _class_of_registration(registration_id: int):
    return (select(Registration.class_id).where(Registration.id == registration_id)
            .scalar_subquery())


async def classes(session: AsyncSession) -> list[ClassInfo]:
    rows = await session.execute(select(TrainingClass).order_by(TrainingClass.position))
    return [ClassInfo(c.id, c.code, c.prefix, c.title) for c in rows.scalars()]


async def class_title(session: AsyncSession, class_id: int) -> str:
    return await session.scalar(select(TrainingClass.title).where(TrainingClass.id == class_id))


async def class_by_code(session: AsyncSession, code: str) -> ClassInfo | None:
    return next((c for c in await classes(session) if c.code == code), None)


async def upcoming_sessions(
    session: AsyncSession, class_id: int, now: datetime
) -> list[SessionInfo]:
    """Sessions of a class that have not started and are not cancelled, soonest first."""
    query = (
        select(ClassSession)
        .where(
            ClassSession.class_id == class_id,
            ClassSession.starts_at > now,
            ClassSession.cancelled.is_(False),
        )
        .order_by(ClassSession.starts_at)
    )
    return [_session_info(row) for row in (await session.execute(query)).scalars()]


async def add_session(
    session: AsyncSession, class_id: int, starts_at: datetime, venue: str, capacity: int,
    now: datetime, notes: str | None = None,
) -> tuple[SessionInfo, list[RegistrationInfo]]:
    """Add an open session; people interested in the class are placed in it at once.

    Returns:
        The session, and the registrations placed in it (seated or waitlisted).
    """
    await _take_turn(session, class_id)
    row = ClassSession(
        class_id=class_id, starts_at=starts_at, venue=venue, capacity=capacity,
        seats_taken=0, registration_open=True, cancelled=False, notes=notes, created_at=now,
    )
    session.add(row)
    await session.flush()
    placed = await assign_interested(session, class_id, row.id, now)
    await session.refresh(row)
    return _session_info(row), placed


async def get_session(session: AsyncSession, session_id: int) -> SessionInfo | None:
    row = await session.get(ClassSession, session_id, populate_existing=True)
    return _session_info(row) if row else None


async def find_active(
    session: AsyncSession, class_id: int, tax_code: str
) -> RegistrationInfo | None:
    query = select(Registration).where(
        Registration.class_id == class_id,
        Registration.tax_code == tax_code,
        Registration.status.in_(ACTIVE),
    )
    row = (await session.execute(query)).scalar_one_or_none()
    return await _info(session, row) if row else None


async def register(
    session: AsyncSession, contact_id: int, class_id: int, attendees: int, fields: dict,
    now: datetime,
) -> RegistrationInfo:
    """Register for the next open session of the class: a seat if there is room, else the
    waitlist; "interested" while the class has no open session yet.

    Raises:
        DuplicateRegistration: the tax code is already registered for this class (nothing is
            kept: the seats taken for it are given back with the row).
    """
    await _take_turn(session, class_id)
    target = await _open_session(session, class_id, now)
    try:
        async with session.begin_nested():  # the seats and the row stand or fall together
            status = "interested"
            if target is not None:
                seated = await take_seats(session, target, attendees, new_booking=True)
                status = "confirmed" if seated else "waitlisted"
            row = Registration(
                contact_id=contact_id, class_id=class_id, session_id=target, status=status,
                attendees=attendees, created_at=now, updated_at=now,
                **{name: fields.get(name) for name in PERSONAL_FIELDS},
            )
            session.add(row)
            await session.flush()
    except IntegrityError:
        raise DuplicateRegistration from None
    prefix = await session.scalar(
        select(TrainingClass.prefix).where(TrainingClass.id == class_id)
    )
    row.code = f"{prefix}-{row.id:04d}"
    await session.flush()
    return await _info(session, row)


async def _open_session(session: AsyncSession, class_id: int, now: datetime) -> int | None:
    """The id of the class's next session that takes registrations, if any."""
    return next(
        (s.id for s in await upcoming_sessions(session, class_id, now) if s.registration_open),
        None,
    )


async def take_seats(
    session: AsyncSession, session_id: int, seats: int, *, new_booking: bool
) -> bool:
    """Take ``seats`` in one statement; False when they do not fit. A new booking (a new
    registration, more attendees) also needs registration to be open; seating the waitlist
    does not, so a seat freed while registration is closed still goes to who waits for it."""
    conditions = [
        ClassSession.id == session_id,
        ClassSession.seats_taken + seats <= ClassSession.capacity,
        ClassSession.cancelled.is_(False),
    ]
    if new_booking:
        conditions.append(ClassSession.registration_open.is_(True))
    result = await session.execute(
        update(ClassSession).where(*conditions)
        .values(seats_taken=ClassSession.seats_taken + seats)
    )
    return result.rowcount == 1


async def release_seats(session: AsyncSession, session_id: int, seats: int) -> None:
    await session.execute(
        update(ClassSession)
        .where(ClassSession.id == session_id)
        .values(seats_taken=ClassSession.seats_taken - seats)
    )


async def cancel(
    session: AsyncSession, registration_id: int, now: datetime
) -> list[RegistrationInfo]:
    """Cancel a registration, free its seats and return the waitlisted people promoted."""
    await _take_turn(session, _class_of_registration(registration_id))
    row = await session.get(Registration, registration_id, populate_existing=True)
    if row is None or row.status == "cancelled":
        return []
    was_confirmed = row.status == "confirmed"
    row.status, row.cancelled_at, row.updated_at = "cancelled", now, now
    await session.flush()
    if not was_confirmed:
        return []
    await release_seats(session, row.session_id, row.attendees)
    return await promote_waitlist(session, row.session_id, now)


async def promote_waitlist(
    session: AsyncSession, session_id: int, now: datetime
) -> list[RegistrationInfo]:
    """Give freed seats to the waitlist in order; a group too large for the seats left keeps
    its place while smaller ones behind it move up."""
    query = (
        select(Registration)
        .where(Registration.session_id == session_id, Registration.status == "waitlisted")
        .order_by(Registration.id)
    )
    promoted = []
    for row in (await session.execute(query)).scalars().all():
        if await take_seats(session, session_id, row.attendees, new_booking=False):
            row.status, row.updated_at = "confirmed", now
            await session.flush()
            promoted.append(await _info(session, row))
    return promoted


async def waitlist(session: AsyncSession, session_id: int) -> list[RegistrationInfo]:
    """Who waits for a seat in the session, in the order they will be seated."""
    query = (
        select(Registration)
        .where(Registration.session_id == session_id, Registration.status == "waitlisted")
        .order_by(Registration.id)
    )
    return [await _info(session, row) for row in (await session.execute(query)).scalars()]


async def change_attendees(
    session: AsyncSession, registration_id: int, attendees: int, now: datetime
) -> tuple[bool, list[RegistrationInfo]]:
    """Change the number of attendees; a confirmed seat grows only if the seats exist.

    Returns:
        (changed, promoted): whether it changed, and who moved up from the waitlist (a smaller
        waiting group may fit now, or the seats a confirmed group gave back).
    """
    await _take_turn(session, _class_of_registration(registration_id))
    row = await session.get(Registration, registration_id, populate_existing=True)
    delta = attendees - row.attendees
    if row.status == "confirmed" and delta > 0 and not await take_seats(
        session, row.session_id, delta, new_booking=True
    ):
        return False, []
    row.attendees, row.updated_at = attendees, now
    await session.flush()
    if row.status == "confirmed" and delta < 0:
        await release_seats(session, row.session_id, -delta)
    if row.session_id is not None and delta < 0:
        return True, await promote_waitlist(session, row.session_id, now)
    return True, []


async def update_fields(
    session: AsyncSession, registration_id: int, fields: dict, now: datetime
) -> None:
    row = await session.get(Registration, registration_id)
    for name in PERSONAL_FIELDS:
        if name in fields:
            setattr(row, name, fields[name])
    row.updated_at = now
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise DuplicateRegistration from None


async def of_contact(session: AsyncSession, contact_id: int) -> list[RegistrationInfo]:
    query = (
        select(Registration)
        .where(Registration.contact_id == contact_id)
        .order_by(Registration.id)
    )
    return [await _info(session, row) for row in (await session.execute(query)).scalars()]


async def get(session: AsyncSession, registration_id: int) -> RegistrationInfo | None:
    row = await session.get(Registration, registration_id)
    return await _info(session, row) if row else None


async def erase_personal_fields(session: AsyncSession, contact_id: int, now: datetime) -> int:
    """Empty the personal fields of every registration of a contact (counts stay)."""
    result = await session.execute(
        update(Registration)
        .where(Registration.contact_id == contact_id)
        .values(**{name: None for name in PERSONAL_FIELDS}, updated_at=now)
    )
    return result.rowcount or 0


async def _info(session: AsyncSession, row: Registration) -> RegistrationInfo:
    position = None
    if row.status == "waitlisted":
        position = await session.scalar(
            select(func.count()).where(
                Registration.session_id == row.session_id,
                Registration.status == "waitlisted",
                Registration.id <= row.id,
            )
        )
    return RegistrationInfo(
        id=row.id, code=row.code or "", class_id=row.class_id, session_id=row.session_id,
        status=row.status, attendees=row.attendees, contact_id=row.contact_id,
        waitlist_position=position,
        fields={name: getattr(row, name) for name in PERSONAL_FIELDS},
    )


def _session_info(row: ClassSession) -> SessionInfo:
    return SessionInfo(
        id=row.id, class_id=row.class_id, starts_at=row.starts_at, venue=row.venue,
        capacity=row.capacity, seats_taken=row.seats_taken,
        registration_open=row.registration_open, cancelled=row.cancelled, notes=row.notes,
    )


async def assign_interested(
    session: AsyncSession, class_id: int, session_id: int, now: datetime
) -> list[RegistrationInfo]:
    """A class got an open session: people who registered their interest get a seat or a
    waitlist place in it, in the order they registered."""
    query = (
        select(Registration)
        .where(Registration.class_id == class_id, Registration.status == "interested")
        .order_by(Registration.id)
    )
    assigned = []
    for row in (await session.execute(query)).scalars().all():
        seated = await take_seats(session, session_id, row.attendees, new_booking=False)
        row.session_id, row.updated_at = session_id, now
        row.status = "confirmed" if seated else "waitlisted"
        await session.flush()
        assigned.append(await _info(session, row))
    return assigned


async def update_session(
    session: AsyncSession, session_id: int, now: datetime, **changes
) -> tuple[SessionInfo, list[RegistrationInfo]]:
    """Change a session's time, venue, capacity, notes or open/closed state; the seats that a
    larger capacity or a reopening gives go to the waitlist, then to people interested in the
    class.

    Returns:
        The session as changed, and the registrations seated or placed in it.

    Raises:
        ValueError: the capacity would fall below the seats already given.
    """
    await _take_turn(session, _class_of_session(session_id))
    row = await session.get(ClassSession, session_id, populate_existing=True)
    if "capacity" in changes and changes["capacity"] < row.seats_taken:
        raise ValueError("capacity below seats taken")
    for name, value in changes.items():
        setattr(row, name, value)
    await session.flush()
    placed = await promote_waitlist(session, session_id, now)
    if row.registration_open and not row.cancelled:
        placed += await assign_interested(session, row.class_id, session_id, now)
    await session.refresh(row)
    return _session_info(row), placed


async def cancel_session(
    session: AsyncSession, session_id: int, now: datetime
) -> list[RegistrationInfo]:
    """Cancel a session. Its people keep their registrations: in the class's next open session
    if it has one (a seat or the waitlist, in the order they registered), else as "interested",
    to be seated first when the class gets a session.

    Returns:
        The registrations placed in another session.
    """
    await _take_turn(session, _class_of_session(session_id))
    row = await session.get(ClassSession, session_id, populate_existing=True)
    row.cancelled, row.registration_open, row.seats_taken = True, False, 0
    query = select(Registration).where(
        Registration.session_id == session_id, Registration.status.in_(ACTIVE)
    )
    for registration in (await session.execute(query)).scalars().all():
        registration.status, registration.session_id = "interested", None
        registration.updated_at = now
    await session.flush()
    other = await _open_session(session, row.class_id, now)
    return await assign_interested(session, row.class_id, other, now) if other else []
