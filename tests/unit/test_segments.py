"""Broadcast audiences are counted and queued by the database: the same people as the rules
say (consent, pauses, reachability), in a fixed number of statements whatever their number."""

import itertools
from datetime import UTC, datetime

from sqlalchemy import event, select

from storage import consents, segments
from storage.models import ClubMembership, Contact, OutboxMessage
from storage.segments import Segment

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
# (latest consent purposes or None, pause requests in order, unreachable, club member)
KINDS = [
    (["news", "registration"], [], False, True),  # in both audiences
    (["registration"], [], False, True),  # club only
    (["news"], [], False, True),  # news only: a member without the required purpose
    ([], [], False, True),  # withdrew everything
    (None, [], False, True),  # never asked
    (["news", "registration"], [("restrict", "on")], False, True),  # restricting
    (["news", "registration"], [("object", "on"), ("object", "off")], False, True),  # lifted
    (["news", "registration"], [("object", "on"), ("restrict", "off")], False, True),  # objects
    (["news", "registration"], [], True, True),  # unreachable
    (["news", "registration"], [], False, False),  # not a member: news only
]
IN_CLUB = {0, 1, 6}
IN_NEWS = {0, 2, 6, 9}


async def _people(sessionmaker, n: int) -> dict[int, int]:
    """``n`` contacts cycling through KINDS; returns contact id → kind index."""
    kinds = {}
    async with sessionmaker.begin() as session:
        for i, kind in zip(range(n), itertools.cycle(range(len(KINDS))), strict=False):
            purposes, pauses, unreachable, member = KINDS[kind]
            contact = Contact(channel="telegram", user_id=f"u{i}", chat_id=f"c{i}",
                              created_at=NOW, last_seen_at=NOW,
                              unreachable_at=NOW if unreachable else None)
            session.add(contact)
            await session.flush()
            kinds[contact.id] = kind
            if purposes is not None:
                # an older grant first: only the latest event counts
                await consents.record(session, contact.id, "grant", ["news", "registration"],
                                      [], "1", "", "telegram", None, NOW)
                await consents.record(session, contact.id, "withdraw", purposes, [], "1", "",
                                      "telegram", None, NOW)
            for pause, detail in pauses:
                await consents.log_request(session, contact.id, pause, detail, NOW)
            if member:
                session.add(ClubMembership(contact_id=contact.id, school="dhqn",
                                           status="active", age_confirmed=True,
                                           created_at=NOW))
    return kinds


async def test_an_audience_is_who_the_consent_and_pause_rules_say(sessionmaker):
    kinds = await _people(sessionmaker, 30)
    for segment, wanted_kinds in ((Segment("club", "dhqn"), IN_CLUB),
                                  (Segment("news"), IN_NEWS)):
        wanted = sorted(cid for cid, kind in kinds.items() if kind in wanted_kinds)
        async with sessionmaker.begin() as session:
            assert await segments.count(session, segment) == len(wanted)
            assert [p.id for p in await segments.recipients(session, segment)] == wanted
            queued = await segments.enqueue(
                session, segment, dedupe_prefix=f"bc:{segment.kind}:", text="Tin &amp; lịch",
                now=NOW, priority=6, topic=f"bc:{segment.kind}",
            )
            rows = (await session.execute(
                select(OutboxMessage).where(OutboxMessage.topic == f"bc:{segment.kind}")
                .order_by(OutboxMessage.contact_id)
            )).scalars().all()
        assert queued == len(wanted) == len(rows)
        assert [r.contact_id for r in rows] == wanted
        first = rows[0]
        assert first.dedupe_key == f"bc:{segment.kind}:{first.contact_id}"
        assert (first.chat_id, first.channel, first.status) == (f"c{first.contact_id - 1}",
                                                                 "telegram", "pending")
        assert first.text == "Tin &amp; lịch" and first.buttons == [] and first.attempts == 0
        assert first.next_attempt_at == NOW and first.priority == 6 and not first.office_hours


async def _statements(sessionmaker, segment: Segment, number: int) -> int:
    statements = []
    async with sessionmaker.begin() as session:
        engine = session.bind.sync_engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            await segments.count(session, segment)
            await segments.enqueue(session, segment, dedupe_prefix=f"bc:{number}:", text="x",
                                   now=NOW, priority=6, topic=f"bc:{number}")
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


async def test_counting_and_queuing_take_the_same_statements_for_ten_or_a_thousand(
    sessionmaker,
):
    await _people(sessionmaker, 10)
    few = await _statements(sessionmaker, Segment("news"), 1)
    await _people_more(sessionmaker, 1000)
    assert await _statements(sessionmaker, Segment("news"), 2) == few <= 3


async def _people_more(sessionmaker, n):
    async with sessionmaker.begin() as session:
        for i in range(n):
            contact = Contact(channel="web", user_id=f"w{i}", chat_id=f"w{i}", created_at=NOW,
                              last_seen_at=NOW)
            session.add(contact)
            await session.flush()
            await consents.record(session, contact.id, "grant", ["news"], [], "1", "", "web",
                                  None, NOW)
