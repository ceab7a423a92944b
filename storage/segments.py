"""Who a broadcast reaches. Every segment only contains people whose consent covers it:
registrants, members and people who asked for guidance on a topic who still agree to
"registration and reminders" (which covers support requests), everyone who agreed to
news about other programmes, and officers of agencies for their reporting duty; nobody who
restricts processing or objects to it."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import agencies, consents, contacts
from storage.contacts import ContactRef
from storage.models import ClubMembership, ConsentEvent, Registration, SupportRequest

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


async def recipients(session: AsyncSession, segment: Segment) -> list[ContactRef]:
    """The contacts of ``segment``, each once, reachable and with the needed consent."""
    if segment.kind == "dl":
        ids = await _pending_officers(session, int(segment.value))
        purpose = None
    elif segment.kind == "news":
        ids = await _latest_granting(session, "news")
        purpose = None
    else:
        ids = await _participants(session, segment)
        purpose = "registration"
    people = []
    for contact_id in sorted(set(ids)):
        if purpose and purpose not in await consents.granted(session, contact_id):
            continue
        if await consents.paused(session, contact_id):  # restricted or objecting
            continue
        person = await contacts.reachable(session, contact_id)
        if person is not None:
            people.append(person)
    return people


async def _participants(session: AsyncSession, segment: Segment) -> list[int]:
    if segment.kind == "topic":  # people who asked for guidance on this topic
        query = select(SupportRequest.contact_id).where(
            SupportRequest.kind == "guidance", SupportRequest.topic == segment.value
        )
    elif segment.kind == "club":
        query = select(ClubMembership.contact_id).where(
            ClubMembership.school == segment.value, ClubMembership.status == "active"
        )
    elif segment.kind == "cls":
        query = select(Registration.contact_id).where(
            Registration.class_id == int(segment.value), Registration.status == "confirmed"
        )
    elif segment.kind == "ses":
        query = select(Registration.contact_id).where(
            Registration.session_id == int(segment.value), Registration.status == "confirmed"
        )
    else:  # wait
        query = select(Registration.contact_id).where(
            Registration.class_id == int(segment.value), Registration.status == "waitlisted"
        )
    return list((await session.execute(query)).scalars())


async def _pending_officers(session: AsyncSession, deadline_id: int) -> list[int]:
    deadline = await agencies.get_deadline(session, deadline_id)
    done = await agencies.acknowledgements(session, deadline_id)
    ids: list[int] = []
    for agency in await agencies.targets_on(session, deadline.targets, deadline.due_date):
        if agency.id not in done:
            ids += await agencies.officers(session, agency.id)
    return ids


async def _latest_granting(session: AsyncSession, purpose: str) -> list[int]:
    contact_ids = (await session.execute(select(ConsentEvent.contact_id).distinct())).scalars()
    return [cid for cid in contact_ids if purpose in await consents.granted(session, cid)]
