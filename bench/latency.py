"""Measure how long ordinary people wait while an admin exports or previews a broadcast.

A fresh SQLite database holds 10,000 registrations and 10,000 contacts who agreed to news (the
rows of bench/export.py). Several simulated people chat through the real dispatcher (menus,
the plan's sections, typed questions), each waiting for the answer and a short pause before
the next message. Meanwhile an admin, in turn: does nothing; exports to Excel, again and
again; previews a broadcast to everyone who agreed to news (the count in its summary), again
and again; confirms one (the first batch queued in the admin's turn), after which the
scheduler's queuer puts the other messages of the 10,000 in the outbox, batch by batch (the
"queue" phase; the sender is not running). The admin reads for a quarter of a second
between two actions, as nobody clicks faster. A phase counts every person's turn that was
under way during it (a turn held up by the admin's work began before it, or ends after it).
Each person's turn is timed from the call to the dispatcher to its answer.

Run from the repository root:
``.venv/bin/python bench/latency.py [--people N] [--db postgres] [--pg-url URL]``
(``--db postgres``: a fresh database on the server of --pg-url, default TEST_POSTGRES_URL).
Exit code 1 when a phase's p99 is 200 ms or more.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: make `bench`, `bot` and `handlers` importable

from bench.export import fill  # noqa: E402
from bot.scheduler import queue_broadcasts  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.wiring import build_core  # noqa: E402
from handlers import actions as a  # noqa: E402
from handlers.turn import Incoming  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests.postgres import Server  # noqa: E402

TARGET_P99_MS = 200.0
ADMIN = "console:admin"
IDLE_SECONDS, WORK_SECONDS = 4.0, 6.0
ADMIN_PAUSE = 0.25  # seconds an admin reads before the next action
MESSAGES = ("/menu", a.Plan().pack(), "lớp đổi mới sáng tạo học khi nào", a.Menu().pack(),
            "kế hoạch 1349 hỗ trợ doanh nghiệp những gì")
_update_ids = itertools.count(1)


class Timings:
    """Each person's turn: when it started and how long it took."""

    def __init__(self):
        self.turns: list[tuple[float, float]] = []

    def during(self, start: float, end: float) -> list[float]:
        return [ms for began, ms in self.turns if began < end and began + ms / 1000 > start]


def incoming(channel: str, user: str, message: str) -> Incoming:
    is_payload = message.isascii() and not message.startswith("/") and " " not in message
    return Incoming(channel=channel, user_id=user, chat_id=user,
                    text=None if is_payload else message, payload=message if is_payload else None,
                    update_id=f"u{next(_update_ids)}")


async def person(dispatcher, number: int, timings: Timings, stop: asyncio.Event) -> None:
    pause = random.Random(number)
    for message in itertools.cycle(MESSAGES):
        if stop.is_set():
            return
        began = time.perf_counter()
        await dispatcher.handle(incoming("telegram", f"p{number}", message))
        timings.turns.append((began, (time.perf_counter() - began) * 1000))
        await asyncio.sleep(pause.uniform(0.02, 0.08))


async def admin_says(dispatcher, message: str) -> tuple[list, float]:
    began = time.perf_counter()
    replies = await dispatcher.handle(incoming("console", "admin", message))
    return replies, time.perf_counter() - began


async def repeat(seconds: float, work) -> list[float]:
    """Run ``work`` back to back for about ``seconds``; its durations."""
    durations, end = [], time.perf_counter() + seconds
    while time.perf_counter() < end:
        durations.append(await work())
        await asyncio.sleep(ADMIN_PAUSE)
    return durations


async def export(dispatcher) -> float:
    replies, took = await admin_says(dispatcher, a.Export().pack())
    assert replies and replies[0].document is not None, f"the export sent no file: {replies}"
    return took


async def preview(dispatcher) -> float:
    await admin_says(dispatcher, a.Broadcast("news").pack())
    await asyncio.sleep(ADMIN_PAUSE)
    replies, took = await admin_says(dispatcher, "Mời tham dự hội thảo năng suất tháng 12")
    assert "10000" in replies[-1].text, "the preview does not count 10,000 people"
    return took


async def confirm(dispatcher) -> float:
    await preview(dispatcher)
    await asyncio.sleep(ADMIN_PAUSE)
    replies, took = await admin_says(dispatcher, "Xác nhận")
    assert "10000" in replies[-1].text, "the broadcast does not reach 10,000 people"
    return took


async def queue(core) -> float:
    """The leader's queuer puts the rest of the broadcast in the outbox."""
    start = time.perf_counter()
    assert await queue_broadcasts(core) > 0, "the queuer found nothing to queue"
    return time.perf_counter() - start


async def measure(url: str, people: int) -> list[tuple[str, str, list[float]]]:
    settings = Settings(_env_file=None, database_url=url, admin_ids=ADMIN)
    core = build_core(settings)
    await fill(core.engine, 10_000, 5_000)  # 10,000 contacts, each with a consent to news
    dispatcher, timings, stop = core.dispatcher, Timings(), asyncio.Event()
    chatting = [asyncio.create_task(person(dispatcher, n, timings, stop)) for n in range(people)]
    phases = []
    try:
        await asyncio.sleep(1.0)  # everyone has begun
        for name, work in (("idle", None), ("export", export), ("preview", preview),
                           ("confirm", confirm), ("queue", queue)):
            start = time.perf_counter()
            if work is None:
                await asyncio.sleep(IDLE_SECONDS)
                durations = []
            elif work is confirm:
                durations = [await confirm(dispatcher)]
            elif work is queue:
                durations = [await queue(core)]
            else:
                durations = await repeat(WORK_SECONDS, lambda w=work: w(dispatcher))
            phases.append((name, durations, timings.during(start, time.perf_counter())))
    finally:
        stop.set()
        await asyncio.gather(*chatting)
        await core.close()
    return phases


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values) or [float("nan")]
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10, help="simulated people (10)")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("TEST_POSTGRES_URL"),
                        help="PostgreSQL server (default: TEST_POSTGRES_URL)")
    args = parser.parse_args()
    if args.db == "postgres":
        if not args.pg_url:
            parser.error("--db postgres needs --pg-url or TEST_POSTGRES_URL")
        server = Server(args.pg_url)
        name = server.create()
        try:
            url = server.url_of(name)
            upgrade(url)  # blocking: outside the event loop
            phases = asyncio.run(measure(url, args.people))
        finally:
            server.drop(name)
    else:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{folder}/bench.db"
            upgrade(url)
            phases = asyncio.run(measure(url, args.people))
    print(f"{args.people} people chatting on {args.db}; 10,000 registrations, 10,000 contacts "
          "with consent")
    print()
    print("while the admin   admin action (each)       turns   p50 ms   p99 ms   max ms")
    worst = 0.0
    for name, durations, turns in phases:
        action = (f"{len(durations)} × {statistics.mean(durations) * 1000:7.0f} ms"
                  if durations else "—")
        p99 = percentile(turns, 0.99)
        worst = max(worst, p99) if name != "idle" else worst
        print(f"{name:<17}{action:<25}{len(turns):>6}  {percentile(turns, 0.5):7.1f}  "
              f"{p99:7.1f}  {percentile(turns, 1.0):7.1f}")
    met = worst < TARGET_P99_MS
    print(f"\np99 during admin work: {worst:.0f} ms (target < {TARGET_P99_MS:.0f} ms: "
          f"{'met' if met else 'NOT met'})")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
