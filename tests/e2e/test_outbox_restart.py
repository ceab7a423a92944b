"""Kill the bot with SIGKILL while it drains 1000 outbox rows; after a restart every row is sent,
and only messages whose send was in flight at the kill can arrive twice."""

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from aiohttp.test_utils import unused_port
from sqlalchemy import func, select

from bot.outbox import BATCH
from storage import contacts, outbox
from storage.db import create_engine, create_sessionmaker
from storage.models import OutboxMessage
from tests.fakes.telegram_server import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
ROWS = 1000


async def start_bot(tg: FakeTelegram, db_url: str, cwd: Path):
    env = {**os.environ, "DATABASE_URL": db_url, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING",
           "TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_API_BASE_URL": tg.base_url,
           "TELEGRAM_MAX_PER_SECOND": "200", "WEB_PORT": str(unused_port())}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=cwd, env=env, stdin=asyncio.subprocess.DEVNULL,
    )


def delivered(tg: FakeTelegram) -> Counter:
    return Counter(m["chat_id"] for m in tg.sent() if m["method"] == "sendMessage")


async def test_sigkill_while_draining_loses_nothing(db_url, tmp_path):
    async with FakeTelegram() as tg:
        await drain_kill_restart(tg, db_url, tmp_path)


async def drain_kill_restart(tg: FakeTelegram, db_url: str, tmp_path: Path) -> None:
    engine = create_engine(db_url)
    sessionmaker = create_sessionmaker(engine)
    now = datetime.now(UTC)
    async with sessionmaker.begin() as session:
        for n in range(ROWS):
            chat = str(5000 + n)
            person = await contacts.touch(session, "telegram", chat, chat, None, now)
            await outbox.enqueue(session, dedupe_key=f"bulk:{chat}", channel="telegram",
                                 chat_id=chat, contact_id=person.id, text=f"Tin số {n}",
                                 buttons=[], now=now)
    bot = await start_bot(tg, db_url, tmp_path)
    await tg.wait_until(lambda: sum(delivered(tg).values()) >= 300, timeout=60,
                        what="300 messages")
    bot.send_signal(signal.SIGKILL)
    await bot.wait()
    at_kill = sum(delivered(tg).values())
    assert at_kill < ROWS  # killed in the middle of the drain

    bot = await start_bot(tg, db_url, tmp_path)
    try:
        await tg.wait_until(lambda: len(delivered(tg)) == ROWS, timeout=90, what="every row")
        await asyncio.sleep(1)
    finally:
        bot.send_signal(signal.SIGTERM)
        await asyncio.wait_for(bot.wait(), timeout=30)
    counts = delivered(tg)
    duplicates = sum(n - 1 for n in counts.values())
    assert len(counts) == ROWS
    assert duplicates <= BATCH  # only sends in flight at the kill can repeat
    async with sessionmaker() as session:
        status = dict((await session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        )).all())
    await engine.dispose()
    # a row whose send was in flight stays leased until its lease runs out, then goes again
    assert status.get("sent", 0) + status.get("sending", 0) == ROWS
    assert status.get("sending", 0) <= BATCH
