"""Student productivity club memberships."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ClubMembership

PERSONAL_FIELDS = ("full_name", "student_id", "class_name", "phone", "email")
SCHOOL_PREFIX = {"dhqn": "CLB-DH", "cdqn": "CLB-CD"}


@dataclass(frozen=True)
class MembershipInfo:
    id: int
    code: str
    school: str
    status: str
    contact_id: int
    fields: dict


async def active_of(session: AsyncSession, contact_id: int, school: str) -> MembershipInfo | None:
    query = select(ClubMembership).where(
        ClubMembership.contact_id == contact_id,
        ClubMembership.school == school,
        ClubMembership.status == "active",
    )
    row = (await session.execute(query)).scalar_one_or_none()
    return _info(row) if row else None


async def join(
    session: AsyncSession, contact_id: int, school: str, fields: dict, now: datetime
) -> MembershipInfo:
    row = ClubMembership(
        contact_id=contact_id, school=school, status="active", age_confirmed=True,
        created_at=now, **{name: fields.get(name) for name in PERSONAL_FIELDS},
    )
    session.add(row)
    await session.flush()
    row.code = f"{SCHOOL_PREFIX[school]}-{row.id:04d}"
    await session.flush()
    return _info(row)


async def update_fields(session: AsyncSession, membership_id: int, fields: dict) -> None:
    row = await session.get(ClubMembership, membership_id)
    for name in PERSONAL_FIELDS:
        if name in fields:
            setattr(row, name, fields[name])
    await session.flush()


async def leave(session: AsyncSession, membership_id: int, now: datetime) -> bool:
    row = await session.get(ClubMembership, membership_id)
    if row is None or row.status != "active":
        return False
    row.status, row.left_at = "left", now
    await session.flush()
    return True


async def get(session: AsyncSession, membership_id: int) -> MembershipInfo | None:
    row = await session.get(ClubMembership, membership_id)
    return _info(row) if row else None


async def of_contact(session: AsyncSession, contact_id: int) -> list[MembershipInfo]:
    query = (
        select(ClubMembership)
        .where(ClubMembership.contact_id == contact_id)
        .order_by(ClubMembership.id)
    )
    return [_info(row) for row in (await session.execute(query)).scalars()]


async def erase_personal_fields(session: AsyncSession, contact_id: int, now: datetime) -> None:
    await session.execute(
        update(ClubMembership)
        .where(ClubMembership.contact_id == contact_id, ClubMembership.status == "active")
        .values(status="left", left_at=now)
    )
    await session.execute(
        update(ClubMembership)
        .where(ClubMembership.contact_id == contact_id)
        .values(**{name: None for name in PERSONAL_FIELDS})
    )


def _info(row: ClubMembership) -> MembershipInfo:
    return MembershipInfo(
        id=row.id, code=row.code or "", school=row.school, status=row.status,
        contact_id=row.contact_id, fields={name: getattr(row, name) for name in PERSONAL_FIELDS},
    )
