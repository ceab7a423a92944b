"""Admins added from the chat, and the audit log of every admin action."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Admin, AuditEntry


@dataclass(frozen=True)
class AuditRecord:
    actor: str
    action: str
    detail: dict
    at: datetime


async def added_admins(session: AsyncSession) -> set[str]:
    query = select(Admin.admin_id).where(Admin.removed_at.is_(None))
    return set((await session.execute(query)).scalars())


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


async def audit_log(session: AsyncSession, limit: int = 100) -> list[AuditRecord]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    return [AuditRecord(e.actor, e.action, e.detail, e.at)
            for e in (await session.execute(query)).scalars()]
