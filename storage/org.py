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
    await session.merge(OrgSetting(key=key, value=value, updated_at=now, updated_by=by))
    await session.flush()
