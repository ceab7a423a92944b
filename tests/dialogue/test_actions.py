"""Issue 15, typed actions: a payload that no button carries changes nothing, and every
destructive action goes through a confirmation that names its object and is checked against
the person who owns it."""

import pytest
from sqlalchemy import select

from storage import consents
from storage.models import Admin, Broadcast, ClubMembership, Contact, Registration
from tests.dialogue.helpers import (
    add_admin,
    add_session,
    fill_enterprise,
    register,
    valid_tax_code,
)
from tests.dialogue.test_agencies_and_reminders import (  # noqa: F401 (an autouse fixture)
    city_health_department,
    link,
    new_code,
)
from tests.dialogue.test_clubs_and_privacy import join_club
from tests.fakes.chat import FakeChat

STALE = "tin nhắn cũ"


async def seated_with_both_consents(chat, sessionmaker, clock, tax_code="0100233488"):
    """A person with a seat in class 1 (LTH1-…), both consents, and a club membership."""
    await add_session(sessionmaker, clock)
    await chat.send("/start lop1")
    await chat.press("Đồng ý, và nhận thêm")
    await fill_enterprise(chat, tax_code=tax_code)
    await chat.press("Xác nhận")
    await join_club(chat)


async def statuses(sessionmaker) -> dict:
    async with sessionmaker() as session:
        regs = (await session.execute(select(Registration))).scalars().all()
        members = (await session.execute(select(ClubMembership))).scalars().all()
        return {**{r.code: r.status for r in regs}, **{m.code: m.status for m in members}}


async def granted(sessionmaker, user_id="u1") -> set[str]:
    async with sessionmaker() as session:
        contact = await session.scalar(select(Contact).where(Contact.user_id == user_id))
        return await consents.granted(session, contact.id)


async def test_an_unknown_verb_on_ones_registration_cancels_nothing(chat, sessionmaker, clock):
    await seated_with_both_consents(chat, sessionmaker, clock)
    for payload in ("myreg:typo:1", "myreg:x", "myreg:xy:01", "myreg:xy:1:2", "myreg:ly:x"):
        await chat.send(payload=payload)
        assert STALE in chat.text(), payload
    assert await statuses(sessionmaker) == {"LTH1-0001": "confirmed", "CLB-DH-0001": "active"}


@pytest.mark.parametrize("channel", ["console", "zalo"])  # on Zalo OA «#wd:x» is a payload
async def test_withdraw_with_a_purpose_it_does_not_know_changes_nothing(
    dispatcher, sessionmaker, clock, channel
):
    person = FakeChat(dispatcher, "u1", channel=channel)
    await seated_with_both_consents(person, sessionmaker, clock)
    for payload in ("wd:reg:no", "wd:x", "wd:news:1", "wd:yes", "wd:yes:all"):
        await person.send(payload=payload)
        assert STALE in person.text(), payload
    assert await granted(sessionmaker) == {"registration", "news"}
    assert await statuses(sessionmaker) == {"LTH1-0001": "confirmed", "CLB-DH-0001": "active"}


async def test_withdrawing_the_news_consent_asks_first_naming_it(chat, sessionmaker, clock):
    await seated_with_both_consents(chat, sessionmaker, clock)
    await chat.send("/rutlai")
    await chat.press("Ngừng nhận tin")
    assert "tin về các chương trình khác" in chat.text() and "?" in chat.text()
    assert await granted(sessionmaker) == {"registration", "news"}
    await chat.press("Có, rút lại")
    assert await granted(sessionmaker) == {"registration"}


async def test_a_refusal_payload_after_consenting_is_stale(chat, sessionmaker, clock):
    await seated_with_both_consents(chat, sessionmaker, clock)
    for payload in ("cs:n", "cs:r:reg", "cs:a:club"):
        await chat.send(payload=payload)
        assert STALE in chat.text(), payload
    assert await granted(sessionmaker) == {"registration", "news"}


async def test_someone_elses_registration_is_not_yours(dispatcher, chat, sessionmaker, clock):
    await seated_with_both_consents(chat, sessionmaker, clock)
    other = FakeChat(dispatcher, "u2")
    await register(other, tax_code=valid_tax_code(7))
    for payload in ("myreg:x:1", "myreg:xy:1", "myreg:l:1", "myreg:ly:1", "myreg:n:1"):
        await other.send(payload=payload)
        assert "Không tìm thấy đăng ký này" in other.text(), payload
    assert (await statuses(sessionmaker))["LTH1-0001"] == "confirmed"


async def test_cancelling_asks_naming_the_registration_first(chat, sessionmaker, clock):
    await seated_with_both_consents(chat, sessionmaker, clock)
    await chat.send("/dangkycuatoi")
    await chat.press("Hủy LTH1-0001")
    assert "LTH1-0001" in chat.text()
    assert (await statuses(sessionmaker))["LTH1-0001"] == "confirmed"
    await chat.press("Có, hủy")
    assert (await statuses(sessionmaker))["LTH1-0001"] == "cancelled"


async def test_only_an_officer_of_the_agency_can_unlink_it(dispatcher, sessionmaker, clock):
    officer = FakeChat(dispatcher, "officer")
    await link(officer, await new_code(sessionmaker, clock))
    await officer.send("/hanbaocao")
    ask = officer.payload_of("Hủy liên kết")
    await officer.press("Hủy liên kết")
    confirm = officer.payload_of("Có, hủy liên kết")
    stranger = FakeChat(dispatcher, "stranger")
    for payload in (ask, confirm):  # the officer's own buttons, sent by someone else
        await stranger.send(payload=payload)
        assert "chưa được liên kết với đơn vị này" in stranger.text(), payload
    await officer.press("Có, hủy liên kết")
    assert "Đã hủy liên kết" in officer.text()


async def test_removing_an_admin_asks_naming_them_first(dispatcher, sessionmaker):
    admin = FakeChat(dispatcher, "admin")
    await add_admin(admin)  # and asks to remove them
    assert "telegram:555" in admin.text() and "?" in admin.text()
    async with sessionmaker() as session:
        assert await session.scalar(select(Admin.admin_id)) == "telegram:555"
    await admin.press("Có, xóa")
    assert "Đã xóa quyền quản trị của telegram:555" in admin.text()


async def test_stopping_a_broadcast_asks_naming_it_first(dispatcher, sessionmaker, clock):
    await seated_with_both_consents(FakeChat(dispatcher, "u1"), sessionmaker, clock)
    admin = FakeChat(dispatcher, "admin")
    await admin.send("/admin")
    await admin.press("Gửi thông báo")
    await admin.press("tin chương trình khác")
    await admin.send("Hội thảo năng suất ngày 5/12.")
    await admin.press("Xác nhận")
    await admin.press("Dừng thông báo #1")
    assert "#1" in admin.text() and "?" in admin.text()
    async with sessionmaker() as session:
        assert (await session.get(Broadcast, 1)).status == "sending"
    await admin.press("Có, dừng")
    assert "Đã dừng thông báo #1" in admin.text()


@pytest.mark.parametrize("typed", ["¹", "²", "٣"])  # str.isdigit() says yes, int() says no
async def test_a_digit_int_cannot_read_typed_at_a_numbered_menu_is_no_crash(dispatcher, typed):
    person = FakeChat(dispatcher, "z1", channel="zalo_bot")
    await person.send("/menu")
    await person.send(typed)
    assert "hệ thống vừa gặp sự cố" not in person.text()


async def test_a_typed_command_is_not_taken_for_a_pressed_button(chat):
    await chat.send("/menu")
    assert chat.replies[-1].replace is False  # a new message, not an edit of an older one
    await chat.press("Giới thiệu kế hoạch")
    assert chat.replies[-1].replace is True
