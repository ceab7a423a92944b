"""Measure the outbox sender: how much of Telegram's configured rate a bulk send really uses.

Everything runs offline in one process: a fresh, migrated SQLite database in a temp dir, a fake
Bot API (``tests/fakes/telegram_server.py``) on 127.0.0.1, and the real ``OutboxSender`` with a
``TelegramChannel`` whose limiter allows ``--rate`` messages a second (per-chat limits at their
defaults: each chat gets one message). ``--rows`` messages go to as many distinct chats; a
``--flood`` share of the chats (fixed seed) answer their first sendMessage with 429, retry
after 1 s. ``drain()`` runs in a loop every 0.2 s, as the scheduler would, until no row is
pending or sending (or the time limit passes). The messages are reminders with two buttons (the
sender then also remembers them as the person's last menu); ``--plain`` queues them without
buttons, as an admin broadcast does.

Rates are measured on our side of the HTTP connection (each request is timed around the Bot
API call, after the limiter let it go); delivery is checked on the fake.

* overall rate: delivered / (last delivery - start of the first drain). It includes the tail
  in which the flooded rows wait out their retry_after; with few rows that tail is a large
  share of the run, so this figure is shown, not judged.
* first-attempt phase: from the start to the end of the last first attempt (each chat's first
  request). Every request takes a slot of the configured rate, a 429 too, so the judged figure
  is requests/s in this phase; delivered/s in it is shown too (≈ (1 - flood) × requests/s).

Exit code 1 if the first-attempt phase uses less than 95 % of the rate (judged when there are
at least as many rows as the rate allows in a second), a row is lost, duplicated or not sent,
or the time limit passed.

The bot, the fake and SQLite share one process (and the CPU figure printed): if it is near one
core, the figures are bounded by this machine, not by the configured rate.

Run from the repository root: ``.venv/bin/python bench/outbox.py [--rows 5000] [--rate 300]
[--flood 0.02] [--plain]``.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import os
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# run as a script, bench/telegram.py would shadow PTB's `telegram` package: drop this folder
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))  # and make `bot`, `storage` and `tests` importable
os.environ.setdefault("PTB_TIMEDELTA", "true")  # as our adapter does: no PTB warnings

from sqlalchemy import func, select  # noqa: E402

from bot.channels.limiter import Limiter, Limits  # noqa: E402
from bot.channels.telegram import TelegramChannel  # noqa: E402
from bot.outbox import OutboxSender  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.wiring import Core, build_core  # noqa: E402
from handlers.calendar import WorkCalendar  # noqa: E402
from storage import contacts, outbox  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import OutboxMessage  # noqa: E402
from tests.fakes.telegram_server import FakeTelegram  # noqa: E402

SEED = 1349
RETRY_AFTER = 1  # seconds, in the injected 429s
POLL_INTERVAL = 0.2  # seconds between drains, as a scheduler would call it
TARGET = 0.95  # share of the configured rate the first-attempt phase must use
SETUP_TIMEOUT = 15.0  # seconds to start or stop the bot's HTTP client
FIRST_CHAT = 700_000_000  # private chats: positive ids
UNFINISHED = ("pending", "sending")


@dataclass(frozen=True)
class Request:
    """One Bot API call as the adapter made it, timed after the limiter let it go."""

    chat: str
    start: float  # perf_counter()
    end: float
    outcome: str  # "ok" or the exception PTB raised


def record_requests(channel: TelegramChannel, requests: list[Request]) -> None:
    """Time every Bot API call of ``channel`` (the limiter's wait is not part of it)."""
    real_call = channel._call

    async def timed_call(target, bulk, method, **params):
        @functools.wraps(method)
        async def timed(**arguments):
            start = time.perf_counter()
            try:
                result = await method(**arguments)
            except Exception as problem:
                requests.append(Request(target, start, time.perf_counter(),
                                        type(problem).__name__))
                raise
            requests.append(Request(target, start, time.perf_counter(), "ok"))
            return result

        return await real_call(target, bulk, timed, **params)

    channel._call = timed_call


async def queue(core: Core, rows: int, plain: bool) -> list[int]:
    """One contact and one outbox row per chat, all in one transaction."""
    buttons = [] if plain else [[["Xem lịch", "lich"], ["Về menu", "menu"]]]
    now = datetime.now(UTC)
    chats = [FIRST_CHAT + n for n in range(rows)]
    async with core.sessionmaker.begin() as session:
        for n, chat in enumerate(chats):
            person = await contacts.touch(session, "telegram", str(chat), str(chat),
                                          f"Doanh nghiệp {n}", now)
            await outbox.enqueue(
                session, dedupe_key=f"bench:{chat}", channel="telegram", chat_id=str(chat),
                contact_id=person.id, now=now,
                text=f"<b>Nhắc lịch</b>: lớp tập huấn năng suất chất lượng số {n} "
                     "bắt đầu lúc 8 giờ sáng thứ Hai.",
                buttons=buttons,
            )
    return chats


async def unfinished(core: Core) -> int:
    async with core.sessionmaker() as session:
        return await session.scalar(
            select(func.count()).select_from(OutboxMessage)
            .where(OutboxMessage.status.in_(UNFINISHED))
        )


async def drain_loop(core: Core, sender: OutboxSender, limit: float) -> bool:
    """Drain every POLL_INTERVAL until nothing is pending or sending; False if out of time."""
    try:
        async with asyncio.timeout(limit):
            while True:
                await sender.drain()
                if not await unfinished(core):
                    return True
                await asyncio.sleep(POLL_INTERVAL)
    except TimeoutError:
        return False


def busiest_second(starts: list[float]) -> int:
    """The most requests that left in any one-second window."""
    best, low = 0, 0
    for high, start in enumerate(starts):
        while start - starts[low] >= 1.0:
            low += 1
        best = max(best, high - low + 1)
    return best


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else 0.0


async def bench(
    rows: int, per_second: float, flood: float, plain: bool, limit: float, url: str
) -> int:
    async with FakeTelegram() as tg:
        settings = Settings(_env_file=None, database_url=url, telegram_bot_token=tg.token,
                            telegram_api_base_url=tg.base_url)
        core = build_core(settings)
        channel = TelegramChannel(core, limiter=Limiter(Limits(per_second=per_second)))
        requests: list[Request] = []
        record_requests(channel, requests)
        try:
            await asyncio.wait_for(channel.bot.initialize(), SETUP_TIMEOUT)
            started = time.perf_counter()
            chats = await queue(core, rows, plain)
            queued_in = time.perf_counter() - started
            flooded = set(random.Random(SEED).sample(chats, round(flood * rows)))
            for chat in flooded:
                tg.fail_with_429("sendMessage", retry_after=RETRY_AFTER, chat_id=chat)
            sender = OutboxSender(core, {"telegram": channel}, WorkCalendar())
            t0, cpu = time.perf_counter(), time.process_time()
            finished = await drain_loop(core, sender, limit)
            wall, cpu = time.perf_counter() - t0, time.process_time() - cpu
            async with core.sessionmaker() as session:
                status = await outbox.counts(session)
        finally:
            await asyncio.wait_for(channel.bot.shutdown(), SETUP_TIMEOUT)
            await core.close()
        received = Counter(m["chat_id"] for m in tg.sent() if m["method"] == "sendMessage")

    lost = sum(1 for chat in chats if received[chat] == 0)
    duplicated = sum(1 for chat in chats if received[chat] > 1)
    requests.sort(key=lambda r: r.start)
    delivered = [r for r in requests if r.outcome == "ok"]
    seen, first = set(), []
    for request in requests:
        if request.chat not in seen:
            seen.add(request.chat)
            first.append(request)
    last_delivery = max((r.end for r in delivered), default=t0) - t0
    first_end = max((r.end for r in first), default=t0) - t0
    first_ok = sum(1 for r in first if r.outcome == "ok")
    outcomes = Counter(r.outcome for r in requests)
    retried = len(requests) - len(first)
    waits = []  # from a chat's 429 to its next request
    by_chat = {}
    for request in requests:
        if request.chat in by_chat and by_chat[request.chat].outcome != "ok":
            waits.append(request.start - by_chat[request.chat].end)
        by_chat[request.chat] = request

    judged = rows >= per_second  # shorter runs measure start-up more than the rate
    overall = rate(len(delivered), last_delivery)
    first_rate = rate(len(first), first_end)
    first_share = first_rate / per_second
    print(f"rows              {rows} to {rows} chats, {'no' if plain else 'two'} buttons, "
          f"{len(flooded)} flooded with 429 (retry_after {RETRY_AFTER} s, seed {SEED}); "
          f"queued in {queued_in:.1f} s")
    print(f"configured rate   {per_second:g}/s (limiter burst {max(1.0, per_second / 10):g})")
    print(f"wall time         {wall:.2f} s (time limit {limit:.0f} s"
          f"{'' if finished else ', REACHED'}); CPU {cpu:.1f} s = {cpu / wall:.2f} of a core"
          " (bot, fake and SQLite thread together)")
    print(f"requests          {len(requests)}: "
          + ", ".join(f"{n} {kind}" for kind, n in outcomes.most_common()))
    print(f"overall           {len(delivered)} delivered / {last_delivery:.2f} s to the last "
          f"= {overall:.1f}/s = {overall / per_second:.3f} of the rate (not judged: includes "
          f"the retry tail)")
    target = f"target ≥ {TARGET}" if judged else "not judged: under 1 s of sending"
    print(f"first attempts    {len(first)} requests / {first_end:.2f} s = {first_rate:.1f}/s "
          f"= {first_share:.3f} of the rate ({target}); delivered "
          f"{rate(first_ok, first_end):.1f}/s = {rate(first_ok, first_end) / per_second:.3f}")
    if retried:
        spread = f"; 429 → next try {min(waits):.2f}–{max(waits):.2f} s" if waits else ""
        print(f"retry tail        {retried} retries, {last_delivery - first_end:.2f} s after"
              f" the first-attempt phase{spread}")
    print(f"busiest second    {busiest_second([r.start for r in requests])} requests "
          f"(limit {per_second:g} + burst)")
    print(f"lost              {lost} (rows with no sendMessage on the fake)")
    print(f"duplicated        {duplicated} (chats with more than one message)")
    print("outbox status     " + ", ".join(f"{k} {v}" for k, v in sorted(status.items())))

    problems = []
    if not finished:
        problems.append("time limit reached")
    if first_share < TARGET and judged:
        problems.append(f"first-attempt phase at {first_share:.3f} of the rate")
    if lost or duplicated:
        problems.append(f"{lost} lost, {duplicated} duplicated")
    if status.get("sent", 0) != rows:
        problems.append(f"{rows - status.get('sent', 0)} rows not sent")
    print("verdict           " + ("met" if not problems else "NOT met: " + "; ".join(problems)))
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000, help="messages and chats (5000)")
    parser.add_argument("--rate", type=float, default=300.0, help="limiter messages/s (300)")
    parser.add_argument("--flood", type=float, default=0.02,
                        help="share of chats answered with a 429 first (0.02)")
    parser.add_argument("--plain", action="store_true",
                        help="messages without buttons, like a broadcast")
    parser.add_argument("--limit", type=float,
                        help="seconds before giving up (default 3 × rows/rate + 30)")
    args = parser.parse_args()
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    if args.rate <= 0:
        parser.error("--rate must be positive")
    if not 0 <= args.flood <= 1:
        parser.error("--flood must be between 0 and 1")
    limit = args.limit if args.limit is not None else 3 * args.rows / args.rate + 30
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    with tempfile.TemporaryDirectory(prefix="bench-outbox-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)  # blocking, with its own event loop: before ours starts
        return asyncio.run(bench(args.rows, args.rate, args.flood, args.plain, limit, url))


if __name__ == "__main__":
    sys.exit(main())
