"""Retention: what the bot stops keeping after a while (the scheduler runs this hourly)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import inbox, outbox, web_admin
from storage.models import (
    Acknowledgement,
    AgencyOfficer,
    ClubMembership,
    ConsentEvent,
    Contact,
    Conversation,
    DataRequest,
    LinkCode,
    OutboxMessage,
    Registration,
    SupportRequest,
)

WEB = "web"
# a contact named in any of these gave data (or evidence of a choice) that must stay
GAVE_DATA = (
    Registration.contact_id, ClubMembership.contact_id, ConsentEvent.contact_id,
    DataRequest.contact_id, AgencyOfficer.contact_id, Acknowledgement.contact_id,
    LinkCode.used_by, SupportRequest.contact_id,
)


@dataclass(frozen=True)
class Retention:
    inbox: timedelta  # stored updates, handled or not
    outbox: timedelta  # messages sent, failed or withdrawn
    idle_web_visitors: timedelta  # web chat visitors who never gave any data


@dataclass(frozen=True)
class Purged:
    inbox: int
    outbox: int
    web_visitors: int
    dashboard_tokens: int = 0  # login links and dashboard sessions past their expiry


async def purge(session: AsyncSession, now: datetime, keep: Retention) -> Purged:
    return Purged(
        inbox=await inbox.purge(session, now - keep.inbox),
        outbox=await outbox.purge(session, now - keep.outbox),
        web_visitors=await _idle_web_visitors(session, now - keep.idle_web_visitors),
        dashboard_tokens=await web_admin.purge_expired(session, now),
    )


async def _idle_web_visitors(session: AsyncSession, seen_before: datetime) -> int:
    """Web chat visitors silent since ``seen_before`` who never registered, joined a club,
    answered the consent notice, asked for their data or served an agency: their contact,
    conversations and messages go."""
    idle = select(Contact.id, Contact.user_id).where(
        Contact.channel == WEB, Contact.last_seen_at < seen_before,
        *(~exists().where(column == Contact.id) for column in GAVE_DATA),
    )
    visitors = (await session.execute(idle)).all()
    if not visitors:
        return 0
    ids, user_ids = [row.id for row in visitors], [row.user_id for row in visitors]
    await session.execute(delete(OutboxMessage).where(OutboxMessage.contact_id.in_(ids)))
    await session.execute(
        delete(Conversation).where(Conversation.channel == WEB,
                                   Conversation.user_id.in_(user_ids))
    )
    await session.execute(delete(Contact).where(Contact.id.in_(ids)))
    return len(ids)
