"""A person's contact row follows what they do: created on the first message, reachable again
when they write after blocking the bot, their last interaction kept to the minute."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage import contacts
from storage.models import Contact

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


async def _row(sessionmaker) -> Contact:
    async with sessionmaker() as session:
        return (await session.execute(select(Contact))).scalar_one()


async def test_first_message_creates_the_contact_and_later_ones_reuse_it(sessionmaker):
    async with sessionmaker.begin() as session:
        first = await contacts.touch(session, "telegram", "7", "7", "Lê Thị Hoa", T0)
    async with sessionmaker.begin() as session:
        again = await contacts.touch(session, "telegram", "7", "7", None, T0)
    assert first.id == again.id and again.display_name == "Lê Thị Hoa"


async def test_writing_again_after_blocking_makes_the_person_reachable(sessionmaker):
    async with sessionmaker.begin() as session:
        person = await contacts.touch(session, "telegram", "7", "7", "Hoa", T0)
        await contacts.mark_unreachable(session, "telegram", "7", T0)
    assert (await _row(sessionmaker)).unreachable_at is not None
    async with sessionmaker() as session:  # broadcasts leave them out meanwhile
        assert await contacts.reachable(session, person.id) is None
    async with sessionmaker.begin() as session:
        await contacts.touch(session, "telegram", "7", "7", "Hoa", T0 + timedelta(seconds=5))
    assert (await _row(sessionmaker)).unreachable_at is None
    async with sessionmaker() as session:
        assert await contacts.reachable(session, person.id) == person


async def test_last_seen_moves_by_the_minute_and_a_new_name_is_kept(sessionmaker):
    async with sessionmaker.begin() as session:
        await contacts.touch(session, "telegram", "7", "7", "Hoa", T0)
        await contacts.touch(session, "telegram", "7", "7", "Hoa", T0 + timedelta(seconds=30))
    assert (await _row(sessionmaker)).last_seen_at.replace(tzinfo=UTC) == T0
    later = T0 + timedelta(minutes=2)
    async with sessionmaker.begin() as session:
        ref = await contacts.touch(session, "telegram", "7", "7", "Hoa Lê", later)
    row = await _row(sessionmaker)
    assert row.last_seen_at.replace(tzinfo=UTC) == later
    assert row.display_name == ref.display_name == "Hoa Lê"


async def test_a_telegram_name_of_the_longest_kind_is_kept_to_the_column(chat, sessionmaker):
    longest = "Nguyễn " * 18 + "Anh"  # Telegram: a first and a last name of 64 characters each
    await chat.send("/start", display_name=longest)  # PostgreSQL refuses a value too long
    assert "Kế hoạch" in chat.text()
    assert (await _row(sessionmaker)).display_name == longest[:128]
