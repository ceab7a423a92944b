"""Retention with a hand-moved clock: old updates (handled, failed or stuck), closed outbox
messages and web visitors who never gave any data are forgotten after their configured days;
what is still to do, and anyone who gave data, stays."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.scheduler import forget_old
from bot.settings import Settings
from bot.wiring import build_core
from storage import inbox, outbox
from storage.models import Contact, Conversation, InboxUpdate, OutboxMessage
from storage.retention import Purged
from tests.dialogue.helpers import agree
from tests.fakes.chat import FakeChat


@pytest.fixture
async def core(db_url):
    core = build_core(Settings(_env_file=None, database_url=db_url))
    yield core
    await core.close()


async def leave_updates_and_messages(sessionmaker, now):
    async with sessionmaker.begin() as session:
        await inbox.store_pending(session, "telegram", [("1", {"text": "Hoa"}),
                                                        ("2", {"text": "Hoa"})], now)
        await inbox.quarantine(session, "telegram", {"2": "ValueError"}, now)
        for key in ("sent", "failed", "queued"):
            await outbox.enqueue(session, dedupe_key=key, channel="telegram", chat_id="7",
                                 contact_id=None, text="Chào", buttons=[], now=now)
        await outbox.finish(session, 1, "sent", now)
        await outbox.finish(session, 2, "failed", now, "rejected")


async def what_is_kept(sessionmaker):
    async with sessionmaker() as session:
        updates = (await session.execute(select(InboxUpdate.update_id))).scalars().all()
        messages = (await session.execute(select(OutboxMessage.dedupe_key))).scalars().all()
        visitors = (await session.execute(
            select(Contact.user_id).where(Contact.channel == "web"))).scalars().all()
        talks = (await session.execute(
            select(Conversation.user_id).where(Conversation.channel == "web"))).scalars().all()
    return sorted(updates), sorted(messages), sorted(visitors), sorted(talks)


async def test_old_rows_and_idle_visitors_go_after_their_days(core, dispatcher, sessionmaker,
                                                              clock):
    start = clock.now
    await leave_updates_and_messages(sessionmaker, start)
    await FakeChat(dispatcher, "idle", channel="web").send("xin chào", update_id="w1")
    agreed = FakeChat(dispatcher, "agreed", channel="web")
    await agreed.send("/dangky", update_id="w2")
    await agree(agreed)
    clock.advance(days=25)
    await FakeChat(dispatcher, "recent", channel="web").send("xin chào", update_id="w9")
    before = await what_is_kept(sessionmaker)

    assert await forget_old(core, start + timedelta(days=29, hours=23)) == Purged(0, 0, 0)
    assert await what_is_kept(sessionmaker) == before

    await forget_old(core, start + timedelta(days=31))
    updates, messages, visitors, talks = await what_is_kept(sessionmaker)
    assert updates == ["w9"]  # handled, failed and never-handled ones alike
    assert messages == ["failed", "queued", "sent"]  # messages are kept 90 days
    assert visitors == talks == ["agreed", "recent"]

    await forget_old(core, start + timedelta(days=91))
    _, messages, _, _ = await what_is_kept(sessionmaker)
    assert messages == ["queued"]  # a message still to send stays


def test_retention_days_have_defaults_and_floors():
    settings = Settings(_env_file=None)
    assert (settings.inbox_retention_days, settings.outbox_retention_days,
            settings.web_visitor_retention_days) == (30, 90, 30)
    with pytest.raises(ValueError):
        Settings(_env_file=None, outbox_retention_days=1)
