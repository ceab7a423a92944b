"""What an operator watches: /metrics (turns, queue depths, send errors, reminders) and /readyz
(the database answers and its schema is current)."""

import asyncio
import time
from datetime import UTC, date, datetime

import pytest
import time_machine
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from bot.channels.limiter import Limiter, Limits
from bot.channels.telegram import TelegramChannel
from bot.outbox import OutboxSender
from bot.scheduler import make_planner, plan
from bot.settings import Settings
from bot.web import init_app
from bot.wiring import build_calendar, build_core
from handlers import build_router
from handlers.calendar import WorkCalendar
from handlers.dispatcher import Dispatcher
from handlers.turn import Incoming
from storage import agencies, agency_list, contacts, inbox, outbox
from storage.migrate import upgrade
from tests.fakes.chat import FakeChat


@pytest.fixture
async def client(db_url):
    core = build_core(Settings(_env_file=None, database_url=db_url))
    client = TestClient(TestServer(init_app(core)))
    await client.start_server()
    client.core = core
    yield client
    await client.close()
    await core.close()


async def scrape(client) -> dict:
    response = await client.get("/metrics")
    assert response.status == 200 and response.content_type == "text/plain"
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(await response.text())
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0)


async def test_turns_are_counted_per_channel_and_outcome_with_their_latency(client, db_url):
    core = client.core
    start = Incoming(channel="zalo", user_id="z1", chat_id="z1", text="/start", update_id="7")
    await core.dispatcher.handle(start)
    await core.dispatcher.handle(start)  # a re-delivery
    await core.dispatcher.handle(Incoming(channel="web", user_id="w1", chat_id="w1", text="menu"))

    async def broken(turn):
        raise RuntimeError("the database went away")

    router = build_router()
    router.free_text = broken
    core.dispatcher = Dispatcher(core.sessionmaker, core.texts, router, core.config,
                                 observe=core.metrics.turn)
    await core.dispatcher.handle(Incoming(channel="web", user_id="w1", chat_id="w1",
                                          text="câu hỏi lạ"))
    samples = await scrape(client)
    assert value(samples, "bot_updates_handled_total", channel="zalo", outcome="handled") == 1
    assert value(samples, "bot_updates_handled_total", channel="zalo", outcome="duplicate") == 1
    assert value(samples, "bot_updates_handled_total", channel="web", outcome="handled") == 1
    assert value(samples, "bot_updates_handled_total", channel="web", outcome="failed") == 1
    assert value(samples, "bot_turn_seconds_count", channel="zalo") == 1
    assert 0 < value(samples, "bot_turn_seconds_sum", channel="zalo") < 5
    assert value(samples, "bot_turn_seconds_bucket", channel="zalo", le="10.0") == 1

    other = build_core(Settings(_env_file=None, database_url=db_url))  # its own registry
    try:
        assert value(await scrape_core(other), "bot_updates_handled_total", channel="zalo",
                     outcome="handled") == 0
    finally:
        await other.close()


async def scrape_core(core) -> dict:
    client = TestClient(TestServer(init_app(core)))
    await client.start_server()
    try:
        return await scrape(client)
    finally:
        await client.close()


async def test_queue_depths_are_counted_when_scraped(client):
    now = datetime.now(UTC)
    async with client.core.sessionmaker.begin() as session:
        await inbox.store_pending(session, "telegram", [(str(n), {"n": n}) for n in range(3)],
                                  now)
        for n in range(2):
            await outbox.enqueue(session, dedupe_key=f"t{n}", channel="zalo", chat_id=f"c{n}",
                                 contact_id=None, text="Nhắc lịch", buttons=[], now=now)
    samples = await scrape(client)
    assert value(samples, "bot_inbox_depth", channel="telegram") == 3
    assert value(samples, "bot_outbox_depth", channel="zalo") == 2
    async with client.core.sessionmaker.begin() as session:
        for n in range(3):
            await inbox.claim(session, "telegram", str(n), now)
        for item in await outbox.claim_due(session, ["zalo"], now, 10):
            await outbox.finish(session, item.id, "sent", now)
    samples = await scrape(client)  # emptied queues read 0, not their last figure
    assert value(samples, "bot_inbox_depth", channel="telegram") == 0
    assert (("bot_outbox_depth", frozenset({("channel", "zalo")})) in samples
            and value(samples, "bot_outbox_depth", channel="zalo") == 0)


async def test_send_errors_by_code_and_reminders_sent_by_kind(tg, db_url):
    settings = Settings(_env_file=None, database_url=db_url, telegram_bot_token=tg.token,
                        telegram_api_base_url=tg.base_url)
    core = build_core(settings)
    channel = TelegramChannel(core, limiter=Limiter(Limits(per_second=100)))
    await channel.bot.initialize()
    now = datetime.now(UTC)
    topics = {"3001": "dl:1:so-y-te-dn", "3002": "reg:7", "3003": "bc:1", "3004": "dl:1:so-tc"}
    async with core.sessionmaker.begin() as session:
        for chat, topic in topics.items():
            person = await contacts.touch(session, "telegram", chat, chat, None, now)
            await outbox.enqueue(session, dedupe_key=f"m:{chat}", channel="telegram",
                                 chat_id=chat, contact_id=person.id, text="Nhắc hạn",
                                 buttons=[], now=now, topic=topic)
    tg.block_chat(3003)
    tg.fail_with_429(chat_id=3004, retry_after=1)
    sender = OutboxSender(core, {"telegram": channel}, WorkCalendar())
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and len(tg.sent()) < 3:
        await sender.drain()
        await asyncio.sleep(0.2)
    samples = await scrape_core(core)
    await channel.bot.shutdown()
    await core.close()
    assert value(samples, "bot_send_errors_total", platform="telegram", code="403") == 1
    assert value(samples, "bot_send_errors_total", platform="telegram", code="429") == 1
    assert value(samples, "bot_reminders_sent_total", kind="deadline") == 2
    assert value(samples, "bot_reminders_sent_total", kind="class") == 1


async def test_reminders_the_planner_queues_are_counted(client):
    core = client.core
    async with core.sessionmaker.begin() as session:
        await agency_list.save(session, agencies.AgencyInfo(
            "so-y-te-dn", "Sở Y tế", "SYT", "so-ban-nganh", "so", date(2025, 7, 1)))
        code = await agencies.new_link_code(session, "so-y-te-dn", "test", datetime.now(UTC))
    officer = FakeChat(core.dispatcher, "officer")
    await officer.send(f"/start lk-{code}")
    await officer.press("Xác nhận")
    async with core.sessionmaker.begin() as session:
        await agencies.add_deadline(session, "Báo cáo năm 2026", date(2026, 12, 31),
                                    ["so-y-te-dn"], datetime.now(UTC))
    # just after the 14-working-days step, 07:31 in Hà Nội
    with time_machine.travel(datetime(2026, 12, 11, 0, 31, tzinfo=UTC), tick=False):
        planner = make_planner(core, build_calendar(core.settings))
        await plan(core, planner)
        await plan(core, planner)  # nothing is due twice
    samples = await scrape(client)
    assert value(samples, "bot_reminders_queued_total") == 1


async def test_ready_only_with_the_database_at_the_newest_schema(db_url, tmp_path):
    behind = tmp_path / "behind.db"
    await asyncio.to_thread(upgrade, f"sqlite+aiosqlite:///{behind}", "0001")
    for url, status, reason in (
        (db_url, 200, "ok"),
        (f"sqlite+aiosqlite:///{behind}", 503, "schema not current"),
        (f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}", 503, "schema not current"),
    ):
        core = build_core(Settings(_env_file=None, database_url=url))
        client = TestClient(TestServer(init_app(core)))
        await client.start_server()
        try:
            response = await client.get("/readyz")
            assert response.status == status, url
            assert (await response.json())["status"] == reason
            assert (await client.get("/healthz")).status == 200  # alive all the same
        finally:
            await client.close()
            await core.close()


async def test_not_ready_when_the_database_does_not_answer(tmp_path):
    core = build_core(Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path}"))
    client = TestClient(TestServer(init_app(core)))  # a folder is no database file
    await client.start_server()
    try:
        response = await client.get("/readyz")
        assert response.status == 503
        assert (await response.json()) == {"status": "database unavailable"}
    finally:
        await client.close()
        await core.close()
