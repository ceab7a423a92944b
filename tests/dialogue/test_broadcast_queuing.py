"""A broadcast to a big audience is queued batch by batch after the admin's confirmation: a
run killed half-way is finished by the next one with nobody twice, its progress never reads
done while people are still being queued, and a stop during queuing stops it."""

import pytest
from sqlalchemy import select, update

from bot.dashboard.broadcast import _figures
from bot.scheduler import queue_broadcasts
from bot.settings import Settings
from bot.wiring import build_core
from handlers.admin.broadcast import queue_batch
from handlers.dispatcher import utcnow
from storage import broadcasts
from storage.models import OutboxMessage
from tests.fakes.chat import FakeChat

PEOPLE = 5


@pytest.fixture
async def core(db_url, monkeypatch):
    monkeypatch.setattr(broadcasts, "BATCH", 2)  # five people take three batches
    core = build_core(Settings(_env_file=None, database_url=db_url, admin_ids="console:admin"))
    for number in range(PEOPLE):
        person = FakeChat(core.dispatcher, f"p{number}")
        await person.send("/dangky")
        await person.press("Chỉ nhận tin chương trình khác")
    yield core
    await core.engine.dispose()


async def confirm_news(core) -> FakeChat:
    admin = FakeChat(core.dispatcher, "admin")
    await admin.send(payload="adm:bc:news")
    await admin.send("Hội thảo năng suất tháng 12")
    await admin.press("Xác nhận")
    assert f"tới {PEOPLE} người" in admin.text()
    return admin


async def queued(core) -> list[OutboxMessage]:
    async with core.sessionmaker() as session:
        query = select(OutboxMessage).where(OutboxMessage.topic == "bc:1")
        return list((await session.execute(query)).scalars())


async def test_a_queue_killed_half_way_is_finished_by_the_next_run_with_nobody_twice(core):
    await confirm_news(core)
    assert len(await queued(core)) == 2  # the confirmation queued the first batch only
    async with core.sessionmaker.begin() as session:  # a run that dies after one batch
        assert await queue_batch(session, 1, utcnow()) == 2
    assert await queue_broadcasts(core) == 1  # a new run, as after a restart
    assert sorted(m.chat_id for m in await queued(core)) == [f"p{n}" for n in range(PEOPLE)]
    async with core.sessionmaker() as session:
        item = await broadcasts.progress(session, 1)
    assert (item.status, item.total) == ("sending", PEOPLE)
    assert await queue_broadcasts(core) == 0


async def test_progress_is_not_done_while_people_are_still_being_queued(core):
    await confirm_news(core)
    async with core.sessionmaker.begin() as session:  # the sender sent what is queued so far
        await session.execute(update(OutboxMessage).values(status="sent"))
    async with core.sessionmaker() as session:
        item = await broadcasts.progress(session, 1)
    figures = _figures(core, item)
    assert not item.finished and not figures["done"] and figures["percent"] < 100
    assert "Đang xếp hàng" in figures["status"]
    await queue_broadcasts(core)
    async with core.sessionmaker() as session:
        item = await broadcasts.progress(session, 1)
    assert not _figures(core, item)["done"] and item.waiting == PEOPLE - 2


async def test_a_stop_while_queuing_queues_nobody_more(core):
    admin = await confirm_news(core)
    await admin.press("Dừng thông báo #1")
    await admin.press("Có, dừng gửi")
    assert "2 tin chưa gửi đã bị hủy" in admin.text()
    assert await queue_broadcasts(core) == 0
    messages = await queued(core)
    assert len(messages) == 2 and all(m.status != "pending" for m in messages)
    async with core.sessionmaker() as session:
        item = await broadcasts.progress(session, 1)
    assert item.finished and _figures(core, item)["done"]
