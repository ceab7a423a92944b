"""The statistics count in the database, by the bot's local day."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from storage import stats
from storage.models import ClubMembership, Contact, Registration

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # 10:00 on 2 December in Hà Nội


async def test_signups_are_counted_per_local_day_of_the_last_30(sessionmaker):
    moments = [
        datetime(2026, 12, 1, 16, 59, tzinfo=UTC),  # 23:59 on 1 December there
        datetime(2026, 12, 1, 17, 0, tzinfo=UTC),  # already 2 December there
        datetime(2026, 12, 2, 2, 0, tzinfo=UTC),
        NOW - timedelta(days=31),  # too old
    ]
    async with sessionmaker.begin() as session:
        contact = Contact(channel="web", user_id="w", chat_id="w", created_at=NOW,
                          last_seen_at=NOW)
        session.add(contact)
        await session.flush()
        for i, moment in enumerate(moments):
            session.add(Registration(contact_id=contact.id, class_id=1, status="interested",
                                     attendees=1, tax_code=f"010023348{i}", created_at=moment,
                                     updated_at=moment))
        session.add(ClubMembership(contact_id=contact.id, school="dhqn", status="active",
                                   age_confirmed=True, created_at=moments[0]))
    async with sessionmaker() as session:
        per_day = await stats.signups_per_day(session, NOW, TZ)
    assert per_day == {date(2026, 12, 1): 2, date(2026, 12, 2): 2}
    assert list(per_day) == sorted(per_day)
