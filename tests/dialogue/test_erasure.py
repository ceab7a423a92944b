"""/xoadulieu erases every copy: no value the person typed or the platform sent about them is
left in any table, nor in the bytes of the SQLite file and its WAL."""

import json
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import JSON, select
from sqlalchemy.engine import make_url

from bot.channels.telegram import user_of
from storage import agencies, agency_list, inbox, outbox
from storage.models import Base, Contact, OutboxMessage
from tests.dialogue.helpers import add_session, agree, valid_tax_code
from tests.fakes.chat import FakeChat

USER = "501"
NAME = "Trần Thị Hoa"
USERNAME = "tranthihoa_qn"
COMPANY = "Công ty TNHH Gốm Thanh Hà"
POSITION = "Trưởng phòng kế hoạch"
EMAIL = "hoa.tran@gomthanhha.vn"
STUDENT_ID = "2115987"
CLASS_NAME = "K22 Kế toán doanh nghiệp"
STUDENT_EMAIL = "hoa2115987@sv.qnamuni.edu.vn"
FREE_TEXT = "nhà tôi ở thôn Phú Ninh Hạ"
COMMUNE = "xã Tam Xuân Hai"
TAX_CODE = valid_tax_code(4242)
# how each value was typed, and how the bot stores it
PHONES = ("0905 777 888", "905777888", "0935 246 810", "935246810")
VALUES = (NAME, USERNAME, COMPANY, POSITION, EMAIL, STUDENT_ID, CLASS_NAME, STUDENT_EMAIL,
          FREE_TEXT, COMMUNE, TAX_CODE, *PHONES)


def telegram_update(update_id: int, text: str) -> dict:
    """A raw Bot API update from the person, as the adapter stores it."""
    person = {"id": int(USER), "is_bot": False, "first_name": "Trần Thị", "last_name": "Hoa",
              "username": USERNAME}
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 1795000000, "text": text, "from": person,
        "chat": {"id": int(USER), "type": "private", "first_name": "Trần Thị",
                 "last_name": "Hoa", "username": USERNAME}}}


async def register_with_everything(person: FakeChat):
    await person.send("/start lop1", display_name=NAME)
    await agree(person)
    for typed in (COMPANY, TAX_CODE):
        await person.send(typed)
    await person.send(COMMUNE)
    await person.press("Quảng Nam (cũ)")
    await person.press("Thương mại")
    for typed in (NAME, POSITION, "0905 777 888", EMAIL, "3"):
        await person.send(typed)
    await person.press("Xác nhận")
    assert "LTH1-0001" in person.text()


async def join_club(person: FakeChat):
    await person.send("/start clb-dhqn")
    await person.press("Tôi từ đủ 16 tuổi")
    for typed in (NAME, STUDENT_ID, CLASS_NAME, "0935 246 810", STUDENT_EMAIL):
        await person.send(typed)
    await person.press("Xác nhận")
    assert "CLB-DH-0001" in person.text()


async def ask_help_as_officer(person: FakeChat, sessionmaker, clock):
    async with sessionmaker.begin() as session:  # the city's department, valid today
        await agency_list.save(session, agencies.AgencyInfo(
            "so-y-te-dn", "Sở Y tế", "SYT", "so-ban-nganh", "so", date(2025, 7, 1)))
        code = await agencies.new_link_code(session, "so-y-te-dn", "test", clock.now)
        await agencies.add_deadline(session, "Báo cáo năm 2026", date(2026, 12, 31),
                                    ["so-y-te-dn"], clock.now)
    await person.send(f"/start lk-{code}")
    await person.press("Xác nhận")
    await person.send("/hanbaocao")
    await person.press("Cần hỗ trợ")
    assert "Đã chuyển yêu cầu hỗ trợ" in person.text()


async def leave_stuck_updates(sessionmaker, clock):
    """One update still pending and one whose turn failed once (kept to be tried again), both
    from the person."""
    async with sessionmaker.begin() as session:
        await inbox.store_pending(
            session, "telegram",
            [("9001", telegram_update(9001, FREE_TEXT)),
             ("9002", telegram_update(9002, f"Tôi là {NAME}, số 0905 777 888"))],
            clock.now, user_of=user_of,
        )
        await inbox.record_failure(session, "telegram", "9002", "ValueError", clock.now)


def every_stored_text(sync_session) -> str:
    """Every text and JSON value of every table, JSON decoded (non-ASCII as it is)."""
    found = []
    for table in Base.metadata.sorted_tables:
        for row in sync_session.execute(select(table)):
            for column, value in zip(table.columns, row, strict=True):
                if isinstance(column.type, JSON):
                    found.append(json.dumps(value, ensure_ascii=False))
                elif isinstance(value, str):
                    found.append(value)
    return "\n".join(found)


def file_bytes(db_url: str) -> bytes:
    path = Path(make_url(db_url).database)
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def kept(value: str, text: str, raw: bytes) -> list[str]:
    """Where ``value`` is still found: in a column, or in the file as UTF-8 or JSON-escaped."""
    where = []
    if value.casefold() in text.casefold():
        where.append("table")
    for form in {value.encode(), json.dumps(value)[1:-1].encode()}:
        if form in raw:
            where.append(f"file {form!r}")
    return where


async def test_erasure_leaves_no_personal_value_in_tables_or_files(
    dispatcher, sessionmaker, clock, db_url, database
):
    clock.now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # a working morning
    await add_session(sessionmaker, clock, "lop1", capacity=5)
    person = FakeChat(dispatcher, USER, channel="telegram")
    await register_with_everything(person)
    await join_club(person)
    await person.send(FREE_TEXT, display_name=NAME)
    await ask_help_as_officer(person, sessionmaker, clock)
    # a form left half-filled in a group chat is a conversation of theirs too
    group = FakeChat(dispatcher, USER, channel="telegram", chat_id="-100777")
    await group.send("/start lop2")
    await group.send(COMPANY)
    await leave_stuck_updates(sessionmaker, clock)
    async with sessionmaker() as session:
        before = await session.run_sync(every_stored_text)
    assert all(kept(v, before, b"") for v in (NAME, USERNAME, COMPANY, EMAIL, TAX_CODE))

    await person.send("/xoadulieu")
    await person.press("Có, xóa")
    assert "Đã xóa dữ liệu cá nhân" in person.text()

    # before anything else touches the files; PostgreSQL's own files are its server's (VACUUM)
    raw = file_bytes(db_url) if database == "sqlite" else b""
    async with sessionmaker() as session:
        after = await session.run_sync(every_stored_text)
    left = {value: kept(value, after, raw) for value in VALUES}
    left = {value: where for value, where in left.items() if where}
    assert not left, left


async def test_the_next_message_does_not_store_the_name_again(dispatcher, sessionmaker):
    person = FakeChat(dispatcher, USER, channel="telegram")
    await person.send("/start", display_name=NAME)
    await person.send("/xoadulieu", display_name=NAME)
    await person.press("Có, xóa")
    await person.send("xin chào", display_name=NAME)
    async with sessionmaker() as session:
        contact = (await session.execute(select(Contact))).scalar_one()
    assert contact.display_name is None
    await person.send("/dulieucuatoi", display_name=NAME)
    assert NAME not in person.text()


async def test_messages_to_the_person_are_withdrawn_and_emptied(dispatcher, sessionmaker,
                                                                 clock):
    person = FakeChat(dispatcher, USER, channel="telegram")
    await person.send("/start", display_name=NAME)
    async with sessionmaker.begin() as session:
        contact = (await session.execute(select(Contact))).scalar_one()
        for key in ("sent", "queued"):
            await outbox.enqueue(session, dedupe_key=key, channel="telegram", chat_id=USER,
                                 contact_id=contact.id, text=f"Chào {NAME}", buttons=[],
                                 now=clock.now)
        await outbox.claim_due(session, ["telegram"], clock.now, limit=1)
        await outbox.finish(session, 1, "sent", clock.now)
    await person.send("/xoadulieu")
    await person.press("Có, xóa")
    async with sessionmaker.begin() as session:
        assert await outbox.claim_due(session, ["telegram"], clock.now) == []  # not sent
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
    assert [(row.dedupe_key, row.status, row.text) for row in rows] == [
        ("sent", "sent", ""), ("queued", "cancelled", "")]
