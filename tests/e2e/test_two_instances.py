"""Two real bot processes (`python -m bot run`) on one PostgreSQL database behind one webhook
address: 200 people write to the bot, their updates alternating between the two instances,
while 5,000 queued messages go out. Every update is handled once, every person gets every
reply once and in order, every queued message is sent once. Then one instance is killed with
SIGKILL mid-run: the other one finishes its work (also the updates the dead one had taken) and
takes over the scheduled jobs."""

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import unused_port
from sqlalchemy import func, insert, select, text

from bot.outbox import BATCH
from storage.db import create_engine, create_sessionmaker
from storage.models import InboxUpdate, OutboxMessage
from tests.fakes.telegram_server import FakeTelegram

pytestmark = pytest.mark.postgresql_only
ROOT = Path(__file__).resolve().parents[2]
SECRET = "two-instances-webhook-secret-0123456789"
PEOPLE = 200
# what people send, and how the one message answering it begins
ANSWERS = {
    "/menu": "Bạn muốn làm gì?",
    "/help": "Bạn có thể bấm",
    "/chinhsach": "Đây là toàn văn",
    "/hanbaocao": "Hiện không có hạn",
    "/start": "Xin chào",
}
COMMANDS = list(ANSWERS)
LEADER = text(  # the server process of the connection that holds the leader's lock
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 1349"
    " AND objid = 1 AND granted")


class Instance:
    """One `python -m bot run` process serving the Telegram webhook on its own port."""

    def __init__(self, tg: FakeTelegram, db_url: str, cwd: Path):
        self.port = unused_port()
        self.url = f"http://127.0.0.1:{self.port}/telegram/webhook"
        self.env = {
            **os.environ, "DATABASE_URL": db_url, "PYTHONPATH": str(ROOT),
            "LOG_LEVEL": "WARNING", "TELEGRAM_BOT_TOKEN": tg.token,
            "TELEGRAM_API_BASE_URL": tg.base_url, "TELEGRAM_WEBHOOK_URL": self.url,
            "TELEGRAM_WEBHOOK_SECRET": SECRET, "TELEGRAM_MAX_PER_SECOND": "1000",
            "WEB_PORT": str(self.port),
        }
        self.cwd = cwd
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=self.cwd, env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
        )

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.process.wait(), timeout=30)


class Balancer:
    """Sends each person's updates to the instances in turn (as a load balancer in front of
    them may), skipping an instance taken out of service."""

    def __init__(self, instances: list[Instance]):
        self.live = [instance.url for instance in instances]
        self.count: Counter = Counter()

    def __call__(self, update: dict) -> str:
        chat = update["message"]["chat"]["id"]
        self.count[chat] += 1
        return self.live[(chat + self.count[chat]) % len(self.live)]


def said(tg: FakeTelegram, chats: range) -> dict[int, list[str]]:
    """Which command each message to ``chats`` answers, in the order they arrived."""
    answered: dict[int, list[str]] = {chat: [] for chat in chats}
    for message in tg.sent():
        if message["method"] == "sendMessage" and message["chat_id"] in answered:
            command = next((c for c, start in ANSWERS.items()
                            if (message["text"] or "").startswith(start)), message["text"])
            answered[message["chat_id"]].append(command)
    return answered


def delivered(tg: FakeTelegram, chats: range) -> Counter:
    return Counter(m["chat_id"] for m in tg.sent()
                   if m["method"] == "sendMessage" and m["chat_id"] in chats)


async def queue_outbox(sessionmaker, chats: range) -> None:
    now = datetime.now(UTC)
    async with sessionmaker.begin() as session:
        await session.execute(insert(OutboxMessage), [
            {"dedupe_key": f"bulk:{chat}", "channel": "telegram", "chat_id": str(chat),
             "contact_id": None, "text": f"Thông báo số {chat}", "buttons": [],
             "priority": 5, "status": "pending", "attempts": 0, "next_attempt_at": now,
             "created_at": now, "office_hours": False}
            for chat in chats
        ])


def people_write(tg: FakeTelegram, people: range, rounds: range) -> dict[int, list[str]]:
    """Each person sends one command per round (never the same twice in a row); returns
    what each sent."""
    sent: dict[int, list[str]] = {chat: [] for chat in people}
    for k in rounds:
        for chat in people:
            command = COMMANDS[(chat + k) % len(COMMANDS)]
            tg.user_sends_text(chat, command)
            sent[chat].append(command)
    return sent


async def statuses(sessionmaker, model) -> dict[str, int]:
    async with sessionmaker() as session:
        return dict((await session.execute(
            select(model.status, func.count()).group_by(model.status))).all())


async def test_two_instances_share_the_work_and_one_survives_a_kill(db_url, tmp_path):
    async with FakeTelegram(webhook_parallel=40) as tg:
        engine = create_engine(db_url)
        sessionmaker = create_sessionmaker(engine)
        first, second = Instance(tg, db_url, tmp_path), Instance(tg, db_url, tmp_path)
        tg.route = balancer = Balancer([first, second])
        try:
            await first.start()  # it starts first, so it leads the scheduled jobs
            await tg.wait_until(lambda: tg.calls and any(
                method == "setWebhook" for method, _ in tg.calls), timeout=30,
                what="the first instance")
            await second.start()
            await tg.wait_until(lambda: sum(
                method == "setWebhook" for method, _ in tg.calls) == 2, timeout=30,
                what="the second instance")
            await both_handle_everything_once(tg, sessionmaker)
            await one_is_killed_and_the_other_carries_on(
                tg, sessionmaker, engine, first, balancer)
        finally:
            for instance in (first, second):
                await instance.stop()
            await engine.dispose()


async def both_handle_everything_once(tg: FakeTelegram, sessionmaker) -> None:
    people, queued = range(1, PEOPLE + 1), range(10_000, 15_000)
    await queue_outbox(sessionmaker, queued)
    wrote = people_write(tg, people, range(10))
    await eventually(lambda: progress(tg, people, queued), lambda p: p == (2000, 5000), 240)
    await asyncio.sleep(1)  # anything sent twice would have arrived by now
    assert said(tg, people) == wrote  # none lost, none twice, each person's in order
    assert set(delivered(tg, queued).values()) == {1}
    assert await statuses(sessionmaker, InboxUpdate) == {"done": 2000}
    assert await statuses(sessionmaker, OutboxMessage) == {"sent": 5000}


async def one_is_killed_and_the_other_carries_on(
    tg: FakeTelegram, sessionmaker, engine, first: Instance, balancer: Balancer
) -> None:
    people, queued = range(1, PEOPLE + 1), range(20_000, 21_000)
    before = said(tg, people)
    await queue_outbox(sessionmaker, queued)
    wrote = people_write(tg, people, range(10, 13))
    await eventually(lambda: progress(tg, people, queued), lambda p: p[0] >= 2000 + 150, 60)
    leader = await leader_of(engine)
    assert leader is not None
    balancer.live.remove(first.url)  # out of service, then killed in the middle of its work
    first.process.send_signal(signal.SIGKILL)
    await first.process.wait()
    await eventually(lambda: leader_of(engine), lambda pid: pid not in (None, leader), 15)
    # updates the dead instance had taken are taken again once their lease runs out
    await eventually(lambda: statuses(sessionmaker, InboxUpdate),
                     lambda found: found == {"done": 2600}, 90)
    await eventually(lambda: progress(tg, people, queued), lambda p: p[1] == len(queued), 90)
    await asyncio.sleep(1)

    now = said(tg, people)
    replies = {chat: now[chat][len(before[chat]):] for chat in people}
    missing = 0
    for chat in people:
        # in order and none twice; a turn done but not yet answered at the kill stays
        # unanswered (its reply is sent after the commit)
        assert is_subsequence(replies[chat], wrote[chat]), chat
        missing += len(wrote[chat]) - len(replies[chat])
    assert missing <= 32  # at most the turns the killed instance had in hand
    # a message being sent at the kill can go twice; none is lost
    assert sum(n - 1 for n in delivered(tg, queued).values()) <= BATCH
    outbox = await statuses(sessionmaker, OutboxMessage)
    assert outbox.get("sent", 0) - 5000 + outbox.get("sending", 0) == len(queued)
    assert outbox.get("sending", 0) <= BATCH


async def progress(tg: FakeTelegram, people: range, queued: range) -> tuple[int, int]:
    """Replies to people so far, and queued messages delivered (checked every half second,
    not at every call the fake records: 7,000 messages scanned 7,000 times would cost more
    than the bots under test)."""
    return sum(map(len, said(tg, people).values())), len(delivered(tg, queued))


async def leader_of(engine) -> int | None:
    async with engine.connect() as connection:
        return await connection.scalar(LEADER)


async def eventually(read, wanted, within: float):
    """Read until ``wanted(value)`` holds; fails with the last value read after ``within``
    seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = await read()
        if wanted(value) or loop.time() > deadline:
            break
        await asyncio.sleep(0.5)
    assert wanted(value), value
    return value


def is_subsequence(part: list[str], whole: list[str]) -> bool:
    rest = iter(whole)
    return all(item in rest for item in part)
