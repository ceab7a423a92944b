"""The outbox sender against the fake Bot API: 429s and 403s injected, nothing lost, the blocked
contacts marked, and the configured rate respected."""

import asyncio
import time
from datetime import UTC, datetime

from sqlalchemy import select

from bot.channels.limiter import Limiter, Limits
from bot.channels.telegram import TelegramChannel
from bot.outbox import OutboxSender
from bot.settings import Settings
from bot.wiring import build_core
from handlers.calendar import WorkCalendar
from storage import contacts, outbox
from storage.models import Contact, OutboxMessage

RATE = 40


async def test_bulk_sending_survives_floods_and_blocks(tg, db_url):
    settings = Settings(_env_file=None, database_url=db_url, telegram_bot_token=tg.token,
                        telegram_api_base_url=tg.base_url)
    core = build_core(settings)
    channel = TelegramChannel(core, limiter=Limiter(Limits(per_second=RATE)))
    await channel.bot.initialize()  # so that shutdown() closes its HTTP connections
    stamps: list[float] = []
    real_call = channel._call

    async def timed_call(target, bulk, method, **params):
        async def stamped(**arguments):
            stamps.append(time.monotonic())  # the moment the request leaves the limiter
            return await method(**arguments)

        return await real_call(target, bulk, stamped, **params)

    channel._call = timed_call
    chats = [str(1000 + n) for n in range(120)]
    now = datetime.now(UTC)
    async with core.sessionmaker.begin() as session:
        for chat in chats:
            person = await contacts.touch(session, "telegram", chat, chat, None, now)
            await outbox.enqueue(session, dedupe_key=f"test:{chat}", channel="telegram",
                                 chat_id=chat, contact_id=person.id, text=f"Thông báo {chat}",
                                 buttons=[[["Về menu", "menu"]]], now=now)
    blocked = {"1003", "1050", "1117"}
    for chat in blocked:
        tg.block_chat(int(chat))
    for chat in ("1010", "1011", "1090"):
        tg.fail_with_429(chat_id=int(chat), retry_after=1)
    sender = OutboxSender(core, {"telegram": channel}, WorkCalendar())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        await sender.drain()
        async with core.sessionmaker() as session:
            waiting = await session.scalar(
                select(OutboxMessage.id).where(OutboxMessage.status == "pending")
            )
        if waiting is None:
            break
        await asyncio.sleep(0.2)

    async with core.sessionmaker() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
        marked = (await session.execute(
            select(Contact.chat_id).where(Contact.unreachable_at.is_not(None))
        )).scalars().all()
    await channel.bot.shutdown()
    await core.close()
    status = {row.chat_id: row.status for row in rows}
    assert {c for c, s in status.items() if s == "unreachable"} == blocked == set(marked)
    assert {c for c, s in status.items() if s == "sent"} == set(chats) - blocked
    for chat in set(chats) - blocked:  # each exactly once, the flooded ones included
        assert len(tg.sent(int(chat))) == 1, chat
    for index, start in enumerate(stamps):  # no one-second window above the configured rate
        in_window = sum(1 for s in stamps[index:] if s - start < 1.0)
        assert in_window <= RATE * 1.1 + 1
