"""The admins' changes to the agency list: add, edit, end, successors (from the chat or a
spreadsheet). Agencies are never deleted: officers, codes and acknowledgements refer to them."""

from sqlalchemy.ext.asyncio import AsyncSession

from storage.agencies import AgencyInfo
from storage.models import Agency

ADMIN_SEED = "admin"  # the ``seed`` of rows an admin added


async def save(session: AsyncSession, info: AgencyInfo) -> str:
    """Insert or update the agency ``info.id``; returns "added", "updated" or "unchanged"."""
    values = dict(name=info.name, short_name=info.short_name, kind=info.kind, group=info.group,
                  valid_from=info.valid_from, valid_to=info.valid_to,
                  successor_ids=list(info.successor_ids))
    row = await session.get(Agency, info.id)
    if row is None:
        session.add(Agency(id=info.id, seed=ADMIN_SEED, **values))
        await session.flush()
        return "added"
    if all(getattr(row, name) == value for name, value in values.items()):
        return "unchanged"
    for name, value in values.items():
        setattr(row, name, value)
    await session.flush()
    return "updated"
