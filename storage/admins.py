"""Admins added from the chat, and the audit log of every admin action."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Admin, AuditEntry


async def added_admins(session: AsyncSession) -> set[str]:
    query = select(Admin.admin_id).where(Admin.removed_at.is_(None))
    return set((await session.execute(query)).scalars())


async def all_admins(session: AsyncSession, configured: frozenset[str]) -> set[str]:
    """Everyone with admin rights: ``configured`` (ADMIN_IDS) and those added from the chat."""
    return set(configured) | await added_admins(session)


async def add(session: AsyncSession, admin_id: str, by: str, now: datetime) -> bool:
    if admin_id in await added_admins(session):
        return False
    session.add(Admin(admin_id=admin_id, added_by=by, added_at=now))
    await session.flush()
    return True


async def remove(session: AsyncSession, admin_id: str, now: datetime) -> bool:
    query = select(Admin).where(Admin.admin_id == admin_id, Admin.removed_at.is_(None))
    rows = (await session.execute(query)).scalars().all()
    for row in rows:
        row.removed_at = now
    await session.flush()
    return bool(rows)


async def audit(
    session: AsyncSession, actor: str, action: str, detail: dict, now: datetime
) -> None:
    session.add(AuditEntry(actor=actor, action=action, detail=detail, at=now))
    await session.flush()



async def entries_about(
    session: AsyncSession, actions: tuple[str, ...], code: str
) -> list[AuditEntry]:
    """The audit rows of ``actions`` about the request or registration ``code``, oldest first."""
    query = select(AuditEntry).where(AuditEntry.action.in_(actions),
                                     AuditEntry.detail["code"].as_string() == code)
    return list(await session.scalars(query.order_by(AuditEntry.id)))
