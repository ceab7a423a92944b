"""Consent evidence: append-only events, the texts they were given on, and the requests that
pause processing (restrict, object); the current purposes are those of the latest event."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, String, cast, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.db import insert_or_skip
from storage.models import ConsentEvent, ConsentText, DataRequest


@dataclass(frozen=True)
class ConsentRecord:
    action: str
    purposes_granted: list
    purposes_refused: list
    text_version: str
    text_sha256: str
    channel: str
    at: datetime


async def record(
    session: AsyncSession, contact_id: int, action: str, granted: list[str], refused: list[str],
    text_version: str, text_sha256: str, channel: str, update_id: str | None, now: datetime,
) -> None:
    session.add(
        ConsentEvent(
            contact_id=contact_id, action=action, purposes_granted=sorted(granted),
            purposes_refused=sorted(refused), text_version=text_version,
            text_sha256=text_sha256, channel=channel, update_id=update_id, at=now,
        )
    )
    await session.flush()


async def history(session: AsyncSession, contact_id: int) -> list[ConsentRecord]:
    query = (
        select(ConsentEvent).where(ConsentEvent.contact_id == contact_id).order_by(ConsentEvent.id)
    )
    return [
        ConsentRecord(
            e.action, e.purposes_granted, e.purposes_refused, e.text_version, e.text_sha256,
            e.channel, e.at,
        )
        for e in (await session.execute(query)).scalars()
    ]


async def granted(session: AsyncSession, contact_id: int) -> set[str]:
    """Purposes the person currently agrees to (empty if never asked, refused or withdrawn)."""
    events = await history(session, contact_id)
    return set(events[-1].purposes_granted) if events else set()


def granting(purpose: str) -> Select:
    """The contact ids whose latest consent event grants ``purpose``, as a subquery (the SQL
    form of ``purpose in granted(…)``). Purposes are stored as a JSON list of plain words, so
    its quoted form identifies one on every database. "Latest" is "no later event of the same
    person" (an anti-join on the contact index): PostgreSQL ran the form with ``id IN (SELECT
    max(id) … GROUP BY)`` as a nested loop over fresh, unanalysed tables, 9 s for 10,000."""
    later = aliased(ConsentEvent)
    return select(ConsentEvent.contact_id).where(
        ~exists().where(later.contact_id == ConsentEvent.contact_id, later.id > ConsentEvent.id),
        cast(ConsentEvent.purposes_granted, String).contains(f'"{purpose}"'),
    )


async def log_request(
    session: AsyncSession, contact_id: int, kind: str, detail: str | None, now: datetime
) -> None:
    session.add(DataRequest(contact_id=contact_id, kind=kind, detail=detail, at=now))
    await session.flush()


async def keep_text(
    session: AsyncSession, sha256: str, version: str, body: str, now: datetime
) -> None:
    """Keep the notice text a consent will refer to, once per hash (two people shown the
    same new notice at once, in two processes, insert it once)."""
    await session.execute(insert_or_skip(session, ConsentText.__table__).values(
        sha256=sha256, version=version, body=body, first_shown_at=now))


async def text_of(session: AsyncSession, sha256: str) -> str | None:
    """The exact notice a consent event was given on."""
    row = await session.get(ConsentText, sha256)
    return row.body if row else None


PAUSES = ("restrict", "object")  # requests that stop broadcasts and reminders while "on"


async def pauses(session: AsyncSession, contact_id: int) -> dict[str, datetime]:
    """The pausing requests in force for the person (kind → since when): the latest request
    of each kind says "on" or "off"."""
    query = (
        select(DataRequest).where(DataRequest.contact_id == contact_id,
                                  DataRequest.kind.in_(PAUSES)).order_by(DataRequest.id)
    )
    latest = {r.kind: r for r in (await session.execute(query)).scalars()}
    return {kind: r.at for kind, r in latest.items() if r.detail == "on"}


def pausing() -> Select:
    """The contact ids who restrict processing or object to it now, as a subquery (the SQL
    form of ``paused``): their latest request of that kind is "on"."""
    later = aliased(DataRequest)
    return select(DataRequest.contact_id).where(
        DataRequest.kind.in_(PAUSES), DataRequest.detail == "on",
        ~exists().where(later.contact_id == DataRequest.contact_id,
                        later.kind == DataRequest.kind, later.id > DataRequest.id),
    )


async def paused(session: AsyncSession, contact_id: int) -> bool:
    """True while the person restricts processing or objects to it."""
    return bool(await pauses(session, contact_id))
