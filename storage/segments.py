"""Who a broadcast reaches. Every segment only contains people whose consent covers it:
registrants, members and people who asked for guidance on a topic who still agree to
"registration and reminders" (which covers support requests), everyone who agreed to news
about other programmes, and officers of agencies for their reporting duty; nobody who
restricts processing or objects to it.

An audience is one SQL query: it is counted with COUNT and queued with INSERT … SELECT, in
slices by contact id, so the audience is never loaded into the process and no statement holds
the database for long."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, Select, String, cast, false, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import agencies, consents
from storage.contacts import ContactRef
from storage.models import (
    AgencyOfficer,
    ClubMembership,
    Contact,
    OutboxMessage,
    Registration,
    SupportRequest,
)

KINDS = ("cls", "ses", "wait", "club", "dl", "topic", "news")


@dataclass(frozen=True)
class Segment:
    kind: str
    value: str = ""

    @classmethod
    def parse(cls, text: str) -> "Segment":
        kind, _, value = text.partition(":")
        if kind not in KINDS:
            raise ValueError(text)
        return cls(kind, value)

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


async def count(session: AsyncSession, segment: Segment) -> int:
    """How many people ``segment`` reaches now."""
    audience = (await _audience(session, segment)).with_only_columns(Contact.id).subquery()
    return await session.scalar(select(func.count()).select_from(audience))


async def recipients(session: AsyncSession, segment: Segment) -> list[ContactRef]:
    """The contacts of ``segment``, each once, reachable and with the needed consent."""
    query = await _audience(session, segment)
    return [ContactRef(*row) for row in (await session.execute(query)).all()]


async def enqueue(
    session: AsyncSession, segment: Segment, *, dedupe_prefix: str, text: str, now: datetime,
    priority: int, topic: str, after: int = 0, limit: int | None = None,
) -> int:
    """Queue ``text`` with one INSERT … SELECT for the people of ``segment`` whose contact id
    is above ``after``, at most ``limit`` of them, lowest ids first (dedupe key
    ``<dedupe_prefix><contact id>``); returns how many messages were queued."""
    audience = (await _audience(session, segment)).where(Contact.id > after).limit(limit)
    audience = audience.with_only_columns(
        literal(dedupe_prefix, String) + cast(Contact.id, String), Contact.channel,
        Contact.chat_id, Contact.id, literal(text, String), literal([], JSON),
        literal(priority), literal("pending", String), literal(0),
        literal(now, OutboxMessage.next_attempt_at.type),
        literal(now, OutboxMessage.created_at.type), literal(topic, String), false(),
        maintain_column_froms=True,
    )
    columns = ("dedupe_key", "channel", "chat_id", "contact_id", "text", "buttons", "priority",
               "status", "attempts", "next_attempt_at", "created_at", "topic", "office_hours")
    result = await session.execute(insert(OutboxMessage).from_select(columns, audience))
    return result.rowcount


async def _audience(session: AsyncSession, segment: Segment) -> Select:
    """The reachable, unpaused contacts of ``segment`` with the consent it needs, by id."""
    if segment.kind == "dl":
        members, purpose = await _pending_officers(session, int(segment.value)), None
    elif segment.kind == "news":
        members, purpose = consents.granting("news"), None
    else:
        members, purpose = _participants(segment), "registration"
    query = select(
        Contact.id, Contact.channel, Contact.user_id, Contact.chat_id, Contact.display_name
    ).where(
        Contact.id.in_(members), Contact.unreachable_at.is_(None),
        Contact.id.not_in(consents.pausing()),  # restricted or objecting
    )
    if purpose:
        query = query.where(Contact.id.in_(consents.granting(purpose)))
    return query.order_by(Contact.id)


def _participants(segment: Segment) -> Select:
    if segment.kind == "topic":  # people who asked for guidance on this topic
        return select(SupportRequest.contact_id).where(
            SupportRequest.kind == "guidance", SupportRequest.topic == segment.value
        )
    if segment.kind == "club":
        return select(ClubMembership.contact_id).where(
            ClubMembership.school == segment.value, ClubMembership.status == "active"
        )
    if segment.kind == "cls":
        return select(Registration.contact_id).where(
            Registration.class_id == int(segment.value), Registration.status == "confirmed"
        )
    if segment.kind == "ses":
        return select(Registration.contact_id).where(
            Registration.session_id == int(segment.value), Registration.status == "confirmed"
        )
    return select(Registration.contact_id).where(  # wait
        Registration.class_id == int(segment.value), Registration.status == "waitlisted"
    )


async def _pending_officers(session: AsyncSession, deadline_id: int) -> Select:
    """Officers of the agencies a deadline addresses that have not acknowledged it (agencies
    are a few hundred rows at most: their validity rules stay in storage.agencies)."""
    deadline = await agencies.get_deadline(session, deadline_id)
    done = await agencies.acknowledgements(session, deadline_id)
    pending = [a.id for a in await agencies.targets_on(session, deadline.targets,
                                                       deadline.due_date) if a.id not in done]
    return select(AgencyOfficer.contact_id).where(
        AgencyOfficer.agency_id.in_(pending), AgencyOfficer.unlinked_at.is_(None)
    )
