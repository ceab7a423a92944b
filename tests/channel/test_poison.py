"""Poison updates are quarantined: an update an adapter cannot read, or whose turn fails three
times, is marked failed without its payload, logged once without its content, counted for the
admins, and never holds up the updates behind it. Webhooks answer 200 to an authenticated but
malformed body, so the platform stops sending it."""
# ruff: noqa: F811 - the Zalo fixtures are imported from test_zalo, then named as parameters

import asyncio
import logging

import aiohttp
from aiohttp.test_utils import unused_port
from sqlalchemy import select

from bot.channels.zalo_bot import WEBHOOK_PATH as BOT_WEBHOOK_PATH
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.turn import Reply
from storage.models import InboxUpdate
from tests.channel.conftest import SECRET, said
from tests.channel.test_zalo import (  # noqa: F401
    BOT_SECRET,
    CHAT,
    USER,
    bot_said,
    make_bot,
    zb,
)
from tests.fakes.chat import FakeChat

HELLO = "hello from Trần Thị Hoa"  # content that must not reach the logs


async def inbox_rows(sessionmaker, channel: str) -> dict[str, InboxUpdate]:
    async with sessionmaker() as session:
        query = select(InboxUpdate).where(InboxUpdate.channel == channel)
        return {row.update_id: row for row in (await session.execute(query)).scalars()}


async def quarantined(sessionmaker, channel: str, count: int, within: float = 10) -> list:
    """Wait until ``count`` updates of ``channel`` are failed; return them."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        rows = await inbox_rows(sessionmaker, channel)
        failed = [row for row in rows.values() if row.status == "failed"]
        if len(failed) >= count or loop.time() > deadline:
            assert len(failed) == count, {k: (r.status, r.error) for k, r in rows.items()}
            return failed
        await asyncio.sleep(0.05)


def assert_quarantined(rows: list[InboxUpdate]) -> None:
    for row in rows:
        assert row.payload is None and row.error and len(row.error) <= 80
        assert "hello" not in row.error


def quarantine_lines(caplog) -> list[logging.LogRecord]:
    """The log records about quarantined updates; none carries content or a traceback."""
    for record in caplog.records:
        assert HELLO not in record.getMessage() and "Hoa" not in record.getMessage()
        assert record.exc_info is None or record.levelno < logging.WARNING, record.getMessage()
    return [r for r in caplog.records if "quarantined" in r.getMessage()]


async def test_a_valid_update_behind_a_thousand_poison_ones_is_answered_within_two_seconds(
        tg, polling_bot, sessionmaker, caplog):
    poison = [(str(100_000 + n), {"update_id": 100_000 + n, "message": HELLO})
              for n in range(1000)]
    await polling_bot.inbox.store(poison)
    tg.user_sends_command(51, "start")
    await said(tg, 51, "Bạn muốn làm gì?", within=2)
    assert_quarantined(await quarantined(sessionmaker, "telegram", 1000))
    assert len(quarantine_lines(caplog)) == 1000  # once each


async def test_telegram_polling_quarantines_a_malformed_update_and_goes_on(
        tg, polling_bot, sessionmaker, caplog):
    tg.push_raw_update({"message": HELLO})
    tg.user_sends_command(52, "start")
    await said(tg, 52, "Bạn muốn làm gì?")
    assert_quarantined(await quarantined(sessionmaker, "telegram", 1))
    assert len(quarantine_lines(caplog)) == 1


async def test_telegram_webhook_takes_a_malformed_update_once(tg, webhook_bot, sessionmaker,
                                                              caplog):
    url, headers = webhook_bot.webhook_url, {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with aiohttp.ClientSession() as http:
        for body in ({"update_id": 21, "message": HELLO}, {"message": {"text": HELLO}}):
            async with http.post(url, json=body, headers=headers) as response:
                assert response.status == 200
        async with http.post(url, data=b"{not json", headers=headers) as response:
            assert response.status == 200
        async with http.post(url, json={"update_id": 22, "message": HELLO}) as response:
            assert response.status == 403  # not authenticated: as before
        rows = await quarantined(sessionmaker, "telegram", 3)
        assert_quarantined(rows)
        async with http.post(url, json={"update_id": 21, "message": HELLO},
                             headers=headers) as response:
            assert response.status == 200  # the platform's re-delivery…
    await asyncio.sleep(0.3)
    rows = await inbox_rows(sessionmaker, "telegram")
    assert rows["21"].status == "failed" and rows["21"].payload is None  # …is not handled again
    assert len(quarantine_lines(caplog)) == 3


async def test_oa_events_the_adapter_cannot_read_get_200_and_are_quarantined(
        oa_fake, oa, sessionmaker, caplog):
    stamp = str(int(oa_fake.now().timestamp() * 1000))
    common = {"app_id": oa_fake.app_id, "user_id_by_app": "552177279717587730",
              "timestamp": stamp, "sender": {"id": USER}, "recipient": {"id": oa_fake.oa_id}}
    oa_fake.set_user(USER, last_interaction=oa_fake.now())
    text_as_string = {**common, "event_name": "user_send_text", "message": HELLO}
    info_as_string = {**common, "event_name": "user_submit_info", "info": HELLO}
    assert await oa_fake.post_event(text_as_string) == 200
    assert await oa_fake.post_event(info_as_string) == 200
    assert_quarantined(await quarantined(sessionmaker, "zalo", 2))
    assert await oa_fake.post_event(text_as_string) == 200  # Zalo's retry: not handled again
    await asyncio.sleep(0.3)
    assert len(quarantine_lines(caplog)) == 2 and oa_fake.sent(USER) == []


async def test_bot_platform_updates_the_adapter_cannot_read_get_200_and_are_quarantined(
        zb, make_bot, sessionmaker, caplog):
    port = unused_port()
    webhook = f"http://127.0.0.1:{port}{BOT_WEBHOOK_PATH}"
    await make_bot(serve=True, web_port=port, zalo_bot_webhook_url=webhook,
                   zalo_bot_webhook_secret=BOT_SECRET)
    chat_as_string = {"event_name": "message.text.received",
                      "message": {"message_id": "p1", "chat": HELLO, "text": HELLO}}
    assert await zb.redeliver(chat_as_string) == 200
    headers = {"X-Bot-Api-Secret-Token": BOT_SECRET}
    async with aiohttp.ClientSession() as http, \
            http.post(webhook, data=b"{not json", headers=headers) as response:
        assert response.status == 200
    assert_quarantined(await quarantined(sessionmaker, "zalo_bot", 2))
    assert await zb.redeliver(chat_as_string) == 200
    await asyncio.sleep(0.3)
    assert len(quarantine_lines(caplog)) == 2
    await zb.user_says(CHAT, "/start")  # the channel still answers
    await bot_said(zb, CHAT, "Bạn muốn làm gì?")


def failing(core, times: int | None):
    """Make the next ``times`` free-text turns fail (every one when None)."""
    failures = {"left": times}

    async def flaky(turn):
        if failures["left"] is None or failures["left"] > 0:
            failures["left"] = None if times is None else failures["left"] - 1
            raise RuntimeError(f"the turn broke on {turn.incoming.text}")
        return [Reply("Đã trả lời sau khi thử lại")]

    router = build_router()
    router.free_text = flaky
    core.dispatcher = Dispatcher(core.sessionmaker, core.texts, router, core.config)


async def test_a_turn_that_fails_twice_is_tried_again_and_answered(zb, make_bot, caplog):
    channel = await make_bot()
    channel.inbox.look_every = 0.1
    failing(channel.core, times=2)
    await zb.user_says(CHAT, HELLO)
    await bot_said(zb, CHAT, "Đã trả lời sau khi thử lại")
    await asyncio.sleep(0.3)
    assert len(zb.texts(CHAT)) == 1  # no error message before the answer
    assert quarantine_lines(caplog) == []


async def test_a_turn_that_fails_three_times_is_given_up_and_counted_for_admins(
        zb, make_bot, sessionmaker, dispatcher, caplog):
    channel = await make_bot()
    channel.inbox.look_every = 0.1
    failing(channel.core, times=None)
    await zb.user_says(CHAT, HELLO)
    await bot_said(zb, CHAT, "sự cố")
    [row] = await quarantined(sessionmaker, "zalo_bot", 1)
    assert_quarantined([row])
    assert row.attempts == 3 and row.error.startswith("RuntimeError")
    await asyncio.sleep(0.5)
    assert len(zb.texts(CHAT)) == 1 and len(quarantine_lines(caplog)) == 1
    admin = FakeChat(dispatcher, user_id="admin")
    await admin.send("/admin")
    await admin.press("Thống kê")
    assert "Tin nhắn không xử lý được: 1" in admin.text()
