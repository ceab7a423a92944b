"""Facts only an admin can give (contact details, controller…); absent until entered."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OrgSetting


async def get_all(session: AsyncSession) -> dict[str, str]:
    rows = (await session.execute(select(OrgSetting))).scalars()
    return {row.key: row.value for row in rows}


async def put(
    session: AsyncSession, key: str, value: str, by: str | None, now: datetime
) -> None:
    row = await session.get(OrgSetting, key)
    if row is None:
        session.add(OrgSetting(key=key, value=value, updated_at=now, updated_by=by))
    else:
        row.value, row.updated_at, row.updated_by = value, now, by
    await session.flush()
