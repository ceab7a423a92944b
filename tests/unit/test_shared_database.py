"""Two bot processes on one PostgreSQL database, each played here by its own engine (its own
connections, its own locks in memory): a person's turns never overlap, each stored update is
taken by one of them, and one of them runs the planner until it dies."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot import scheduler
from handlers import build_router
from handlers.context import BotConfig
from handlers.dispatcher import Dispatcher
from handlers.turn import Incoming, Reply
from storage import inbox
from storage.db import create_engine, create_sessionmaker

pytestmark = pytest.mark.postgresql_only
NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


@pytest.fixture
async def two_processes(db_url):
    """Two sessionmakers on one fresh database, as two processes would have."""
    engines = [create_engine(db_url), create_engine(db_url)]
    try:
        yield [create_sessionmaker(engine) for engine in engines]
    finally:
        for engine in engines:
            await engine.dispose()


def message(text: str, user: str = "p1") -> Incoming:
    return Incoming(channel="telegram", user_id=user, chat_id=user, text=text,
                    update_id=f"{user}-{text}")


async def test_one_persons_turns_in_two_processes_never_overlap_until_replies_are_sent(
    two_processes, texts
):
    events: list[str] = []
    began = asyncio.Event()

    async def answer(turn):
        events.append(f"turn {turn.incoming.text}")
        began.set()
        return [Reply(turn.incoming.text)]

    async def deliver(incoming, replies):
        events.append(f"sending {incoming.text}")
        await asyncio.sleep(0.2)  # the reply is on its way while the other process could run
        events.append(f"sent {incoming.text}")

    router = build_router()
    router.free_text = answer
    first, second = (Dispatcher(sessions, texts, router, BotConfig()) for sessions in
                     two_processes)
    handling = asyncio.create_task(first.handle(message("a"), deliver))
    await began.wait()
    await second.handle(message("b"), deliver)
    await handling
    assert events == ["turn a", "sending a", "sent a", "turn b", "sending b", "sent b"]

    # another person is not held up by this one
    events.clear()
    began.clear()
    handling = asyncio.create_task(first.handle(message("c"), deliver))
    await began.wait()
    await second.handle(message("d", user="p2"), deliver)
    await handling
    assert events.index("turn d") < events.index("sent c")


async def store(sessions, updates: list[tuple[str, str]]) -> None:
    """Store (update id, sender) pairs as a webhook would."""
    async with sessions.begin() as session:
        await inbox.store_pending(session, "telegram", [(u, {"from": who}) for u, who in updates],
                                  NOW, lambda payload: payload["from"])


async def take(sessions, now=NOW, held=frozenset(), limit=100) -> list[str]:
    async with sessions.begin() as session:
        rows = await inbox.take(session, "telegram", now, limit=limit, held=held)
    return [row.update_id for row in rows]


async def test_each_stored_update_is_taken_by_one_process(two_processes):
    a, b = two_processes
    await store(a, [(f"{n}", f"person{n % 40}") for n in range(400)])
    held: dict = {a: {}, b: {}}

    async def take_more(sessions) -> None:
        async with sessions.begin() as session:
            rows = await inbox.take(session, "telegram", NOW, limit=150,
                                    held=frozenset(held[sessions]))
        held[sessions].update((row.id, row.update_id) for row in rows)

    for _ in range(4):
        await asyncio.gather(take_more(a), take_more(b))
    assert not set(held[a].values()) & set(held[b].values())
    assert sorted([*held[a].values(), *held[b].values()], key=int) == [
        str(n) for n in range(400)]


async def test_a_persons_next_update_waits_for_the_process_that_holds_their_earlier_one(
    two_processes
):
    a, b = two_processes
    await store(a, [("1", "hoa"), ("2", "lan")])
    async with a.begin() as session:
        held = {row.id: row.update_id for row in await inbox.take(session, "telegram", NOW)}
    await store(b, [("3", "hoa"), ("4", "lan"), ("5", "minh")])
    # Hoa's and Lan's second messages stay with the process that runs their first ones
    assert await take(b) == ["5"]
    assert await take(a, held=frozenset(held)) == ["3", "4"]


async def test_updates_of_a_process_that_died_are_taken_again_after_their_lease(two_processes):
    a, b = two_processes
    await store(a, [("1", "hoa"), ("2", "hoa")])
    assert await take(a) == ["1", "2"]  # ... and the process is killed
    assert await take(b, now=NOW + timedelta(seconds=5)) == []
    assert await take(b, now=NOW + inbox.LEASE + timedelta(seconds=1)) == ["1", "2"]


async def test_one_process_runs_the_planner_and_another_takes_over_when_it_dies(
    monkeypatch, db_url
):
    monkeypatch.setattr(scheduler, "LEAD_EVERY", 0.1)
    runs: list[str] = []

    async def planned(name: str) -> None:
        runs.append(name)

    engines = {name: create_engine(db_url) for name in ("a", "b")}
    jobs = {}
    for name, engine in engines.items():
        jobs[name] = scheduler.Jobs(UTC)
        jobs[name].add(planned, 3600, name, leader_only=True)
        jobs[name].start(engine)
        await asyncio.sleep(0.3)
    try:
        assert (jobs["a"].leading, jobs["b"].leading) == (True, False)
        assert runs == ["a"]
        # the leader's connection drops (as when its process dies): the server releases
        # its lock
        async with engines["b"].connect() as connection:
            assert await connection.scalar(text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks"
                " WHERE locktype = 'advisory' AND classid = 1349 AND objid = 1"))
        await asyncio.sleep(0.5)
        assert (jobs["a"].leading, jobs["b"].leading) == (False, True)
        assert runs == ["a", "b"]
    finally:
        for each in jobs.values():
            await each.stop()
        for engine in engines.values():
            await engine.dispose()
