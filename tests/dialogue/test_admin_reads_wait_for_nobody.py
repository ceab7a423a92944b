"""An admin's long reads (the export, the statistics) run after their turn, on a reader, so
other people's turns go on meanwhile."""

import asyncio
import io
from datetime import UTC, datetime

import openpyxl
import pytest
from sqlalchemy import event, insert

from handlers import build_router
from handlers.dispatcher import Dispatcher
from storage.db import create_reader, create_sessionmaker
from storage.models import Contact, Registration
from tests.fakes.chat import FakeChat

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
ROWS = 4000


@pytest.fixture
async def reader_engine(db_url, sessionmaker):
    engine = create_reader(db_url, sessionmaker.kw["bind"])
    yield engine
    await engine.dispose()


@pytest.fixture
def dispatcher(sessionmaker, texts, clock, config, reader_engine):
    return Dispatcher(sessionmaker, texts, build_router(), config, clock=clock,
                      reader=create_sessionmaker(reader_engine))


async def _registrations(sessionmaker, n: int) -> None:
    async with sessionmaker.begin() as session:
        contact = Contact(channel="web", user_id="w", chat_id="w", created_at=NOW,
                          last_seen_at=NOW)
        session.add(contact)
        await session.flush()
        await session.execute(insert(Registration), [
            {"contact_id": contact.id, "class_id": 1, "status": "interested", "attendees": 1,
             "company": f"Công ty {i}", "tax_code": f"{i:010d}", "created_at": NOW,
             "updated_at": NOW}
            for i in range(n)
        ])


async def test_a_turn_started_during_an_export_finishes_before_the_export(
    dispatcher, sessionmaker, reader_engine
):
    await _registrations(sessionmaker, ROWS)
    admin, person = FakeChat(dispatcher, "admin"), FakeChat(dispatcher, "p")
    reading = asyncio.Event()
    event.listen(reader_engine.sync_engine, "checkout", lambda *_: reading.set())
    export = asyncio.create_task(admin.send(payload="adm:export"))
    await asyncio.wait_for(reading.wait(), 10)  # the export has begun to read
    turn = asyncio.create_task(person.send("/menu"))
    done, _ = await asyncio.wait({export, turn}, return_when=asyncio.FIRST_COMPLETED)
    assert done == {turn} and person.labels()  # answered while the export still ran
    await export
    assert f"{ROWS} đăng ký lớp" in admin.text()
    book = openpyxl.load_workbook(io.BytesIO(admin.replies[0].document.content), read_only=True)
    assert book.worksheets[0].max_row == ROWS + 1
    assert admin.labels() == ["« Quản trị"]  # as the conversation remembers them
    await admin.send("quản trị")
    assert "📊 Thống kê" in admin.labels()


async def test_statistics_are_counted_on_the_reader_after_the_turn(
    dispatcher, sessionmaker, reader_engine
):
    await _registrations(sessionmaker, 3)
    admin = FakeChat(dispatcher, "admin")
    await admin.send(payload="adm:stats")
    assert "chưa có lịch: quan tâm 3" in admin.text()
    assert reader_engine.pool.checkedin()  # the reader was used, and given back
