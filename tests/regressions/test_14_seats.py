"""Issue 14: seats taken always equal the attendees seated, whatever path takes or frees them."""

from sqlalchemy import func, select

from storage import registrations
from storage.models import ClassSession, OutboxMessage, Registration
from tests.dialogue.helpers import add_session, agree, fill_enterprise, register, valid_tax_code
from tests.fakes.chat import FakeChat


async def seats(sessionmaker, session_id: int) -> tuple[int, int]:
    """(seats taken as counted on the session, attendees of the registrations seated in it)."""
    async with sessionmaker() as session:
        taken = await session.scalar(
            select(ClassSession.seats_taken).where(ClassSession.id == session_id)
        )
        seated = await session.scalar(
            select(func.coalesce(func.sum(Registration.attendees), 0)).where(
                Registration.session_id == session_id, Registration.status == "confirmed"
            )
        )
    return taken, seated


async def test_a_duplicate_tax_code_confirmed_from_two_chats_leaves_no_seat_behind(
    dispatcher, sessionmaker, clock
):
    first = await add_session(sessionmaker, clock, "lop1", capacity=10)
    winner, late = FakeChat(dispatcher, "winner"), FakeChat(dispatcher, "late")
    for person in (winner, late):  # both pass the tax-code check before either confirms
        await person.send("/start lop1")
        await agree(person)
        await fill_enterprise(person, tax_code=valid_tax_code(7), attendees="5")
    await winner.press("Xác nhận")
    await late.press("Xác nhận")
    assert "đã có chỗ" in winner.text() and "đã có chỗ" not in late.text()
    assert await seats(sessionmaker, first.id) == (5, 5)

    await winner.send("/dangkycuatoi")
    await winner.press("Hủy")
    await winner.press("Có, hủy đăng ký")
    assert await seats(sessionmaker, first.id) == (0, 0)


async def test_a_seat_freed_while_registration_is_closed_goes_to_the_waitlist(
    dispatcher, sessionmaker, clock
):
    session = await add_session(sessionmaker, clock, "lop1", capacity=2)
    seated, waiting = FakeChat(dispatcher, "a"), FakeChat(dispatcher, "b")
    await register(seated, tax_code=valid_tax_code(1), attendees="2")
    await register(waiting, tax_code=valid_tax_code(2), attendees="2")
    assert "danh sách chờ" in waiting.text()
    async with sessionmaker.begin() as db:
        await registrations.update_session(db, session.id, clock.now, registration_open=False)
    await seated.send("/dangkycuatoi")
    await seated.press("Hủy")
    await seated.press("Có, hủy đăng ký")
    assert await seats(sessionmaker, session.id) == (2, 2)
    async with sessionmaker() as db:
        queued = (await db.execute(select(OutboxMessage.chat_id, OutboxMessage.text))).all()
    assert [chat for chat, text in queued if "đã có chỗ cho bạn" in text] == ["b"]


async def test_a_new_session_too_small_for_the_interested_group_says_who_waits(
    dispatcher, sessionmaker, clock
):
    admin = FakeChat(dispatcher, "admin")
    firm = FakeChat(dispatcher, "firm")
    await register(firm, "lop2", tax_code=valid_tax_code(3), attendees="5")
    assert "quan tâm" in firm.text()
    await admin.send("/admin")
    await admin.press("Quản lý lớp")
    await admin.press("Thêm buổi")
    await admin.press("đổi mới sáng tạo")
    await admin.send("15/12/2026")
    await admin.send("08:00")
    await admin.send("Hội trường A")
    await admin.send("1")
    await admin.press("Bỏ qua")
    await admin.press("Xác nhận")
    text = admin.text()
    assert "được xếp chỗ" not in text or "0 " in text
    assert "LTH2-0001" in text and "5 người" in text  # who is waiting, and how many
    async with sessionmaker() as session:
        queued = (await session.execute(select(OutboxMessage.text))).scalars().all()
    assert not any("đã có chỗ" in q for q in queued)


async def test_freed_seats_go_to_the_first_waiting_group_that_fits(dispatcher, sessionmaker,
                                                                   clock):
    session = await add_session(sessionmaker, clock, "lop1", capacity=4)
    people = [FakeChat(dispatcher, name) for name in ("seated", "first", "second")]
    for number, (person, attendees) in enumerate(zip(people, ("4", "3", "2"), strict=True)):
        await register(person, tax_code=valid_tax_code(40 + number), attendees=attendees)
    await people[0].send("/dangkycuatoi")
    await people[0].press("Hủy")
    await people[0].press("Có, hủy đăng ký")
    async with sessionmaker() as db:
        rows = (await db.execute(select(Registration.attendees, Registration.status)
                                 .order_by(Registration.id))).all()
    # the group of 3 waited first and fits; the group of 2 behind it keeps waiting
    assert [tuple(row) for row in rows] == [(4, "cancelled"), (3, "confirmed"), (2, "waitlisted")]
    assert await seats(sessionmaker, session.id) == (3, 3)
