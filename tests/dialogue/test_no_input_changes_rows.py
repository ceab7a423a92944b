"""Property (issue 15): whatever a person sends that no button offered them — random text, or a
real payload with its verb, ids or fields changed — as a payload or typed, on the terminal and
on a text-only channel, changes none of their rows and never makes a turn fail."""

import asyncio
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from handlers import build_router
from handlers.dispatcher import Dispatcher
from storage.db import create_engine, create_sessionmaker
from storage.models import (
    ClubMembership,
    ConsentEvent,
    Contact,
    InboxUpdate,
    Registration,
)
from tests.dialogue.helpers import valid_tax_code
from tests.dialogue.test_actions import seated_with_both_consents
from tests.fakes.chat import FakeChat

CHANNELS = ("console", "zalo_bot")
EXAMPLES = int(os.environ.get("ACTIONS_EXAMPLES", "100"))
INTERNAL_ERROR = "hệ thống vừa gặp sự cố"
SCREENS = ("/start", "/dangkycuatoi", "/dulieucuatoi", "/rutlai", "/xoadulieu", "/hanbaocao",
           "/admin")
ASKS = ("Hủy LTH", "Rời CLB", "Ngừng nhận tin", "Rút đồng ý đăng ký")


async def dump(sessionmaker) -> list:
    """Every row of the people's own tables, without the time each last wrote."""
    async with sessionmaker() as session:
        tables = []
        for model in (Registration, ClubMembership, ConsentEvent, Contact):
            columns = [c for c in model.__table__.columns if c.name != "last_seen_at"]
            # in the order of their ids: an update may move a row in PostgreSQL's heap
            query = select(*columns).order_by(*model.__table__.primary_key.columns)
            tables.append((await session.execute(query)).all())
        return tables


async def real_payloads(chat) -> set[str]:
    """Every payload the person's own screens offer, the confirmations included."""
    payloads: set[str] = set()
    for command in SCREENS:
        await chat.send(command)
        payloads.update(b.payload for r in chat.replies for b in r.all_buttons())
    for ask in ASKS:
        await chat.send("/dangkycuatoi" if ask in ASKS[:2] else "/rutlai")
        await chat.press(ask)
        payloads.update(b.payload for r in chat.replies for b in r.all_buttons())
    await chat.send("/dangky")  # a form's buttons
    payloads.update(b.payload for r in chat.replies for b in r.all_buttons())
    await chat.press("Hủy")
    await chat.send("/menu")
    return payloads


@pytest.fixture
def world(db_url, snapshot, texts, config, clock):
    """The people and their real payloads, on an event loop of the test's own (hypothesis runs
    each example synchronously); a copy of the database restores them before each example, so
    a failure shrinks to the input that caused it."""
    loop = asyncio.new_event_loop()
    engine = create_engine(db_url)
    sessionmaker = create_sessionmaker(engine)
    dispatcher = Dispatcher(sessionmaker, texts, build_router(), config, clock=clock)
    chats = [FakeChat(dispatcher, "u1", channel) for channel in CHANNELS]

    async def build() -> list[str]:
        payloads = set()
        for number, chat in enumerate(chats):
            await seated_with_both_consents(chat, sessionmaker, clock, valid_tax_code(number))
            payloads |= await real_payloads(chat)
        return sorted(payloads)

    real = loop.run_until_complete(build())
    before = loop.run_until_complete(dump(sessionmaker))
    loop.run_until_complete(engine.dispose())
    snapshot.save()

    def restore() -> None:
        loop.run_until_complete(engine.dispose())
        snapshot.restore()

    yield loop, sessionmaker, chats, real, before, restore
    loop.run_until_complete(engine.dispose())
    loop.close()


def mutations(real: list[str]):
    """A real payload with one thing changed: a verb nobody declared, another id, a field
    more or less, a non-digit; never one of the real payloads themselves."""
    words = st.from_regex(r"[a-z]{1,6}", fullmatch=True)
    other_ids = st.sampled_from(["0", "2", "3", "99", "4294967296", "007", "-1", "1.0", "x"])
    junk = st.from_regex(r"[ -~]{0,12}", fullmatch=True)

    @st.composite
    def mutated(draw):
        parts = draw(st.sampled_from(real)).split(":")
        where = draw(st.integers(0, len(parts) - 1))
        change = draw(st.sampled_from(["verb", "id", "extra", "missing", "junk"]))
        if change == "verb":
            parts[where] = draw(words)
        elif change == "id":
            parts[where] = draw(other_ids)
        elif change == "extra":
            parts.insert(where + 1, draw(st.one_of(words, other_ids)))
        elif change == "missing" and len(parts) > 1:
            del parts[where]
        else:
            parts[where] = draw(junk)
        return ":".join(parts)

    return mutated().filter(lambda payload: payload not in real)


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data(), typed=st.booleans())
def test_random_and_mutated_inputs_change_nothing_of_a_persons_rows(world, data, typed):
    loop, sessionmaker, chats, real, before, restore = world
    restore()
    inputs = data.draw(st.lists(st.one_of(st.text(max_size=60), mutations(real)),
                                min_size=1, max_size=3))

    async def send_all() -> None:
        for chat in chats:
            for value in inputs:
                as_payload = not typed and value.isascii() and value != ""
                replies = await (chat.send(payload=value) if as_payload else chat.send(value))
                assert all(INTERNAL_ERROR not in r.text for r in replies), value
        assert await dump(sessionmaker) == before
        async with sessionmaker() as session:
            failed = select(InboxUpdate.id).where(InboxUpdate.error.is_not(None))
            assert (await session.execute(failed)).first() is None

    loop.run_until_complete(send_all())
