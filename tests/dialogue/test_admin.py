"""Admin tools through the in-process chat (the admin is console:admin in the test config)."""

import io
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import select

from handlers.reminders import notify_admins
from storage import agencies, registrations
from storage.models import AuditEntry, Broadcast, ClassSession, OutboxMessage
from tests.dialogue.helpers import (
    add_deadline,
    add_session,
    agree,
    fill_enterprise,
    register,
    valid_tax_code,
)
from tests.fakes.chat import FakeChat

ADMIN_PAYLOADS = [
    "adm", "adm:stats", "adm:export", "adm:bc", "adm:bc:cls", "adm:bc:cls:1", "adm:bc:news",
    "adm:bc:stop:1", "adm:bc:stopyes:1", "adm:cls", "adm:cls:add", "adm:cls:edit:1",
    "adm:cls:toggle:1", "adm:cls:cancel:1", "adm:cls:cancelyes:1", "adm:dl", "adm:dl:add",
    "adm:dl:mark:1", "adm:dl:code", "adm:dl:close:1", "adm:dl:closeyes:1", "adm:dl:open:1",
    "adm:ag", "adm:ag:add", "adm:ag:pick", "adm:ag:pick:so-ban-nganh", "adm:ag:edit:so-y-te",
    "adm:ag:xlsx", "adm:org", "adm:adm", "adm:adm:add",
    "adm:adm:rm:telegram:1", "adm:adm:rmyes:telegram:1",
]


@pytest.fixture
def admin(dispatcher):
    return FakeChat(dispatcher, user_id="admin")


async def audit_actions(sessionmaker):
    async with sessionmaker() as session:
        return [e.action for e in (await session.execute(select(AuditEntry))).scalars()]


async def test_a_non_admin_reaches_no_admin_function(dispatcher, sessionmaker, clock):
    await add_session(sessionmaker, clock)
    stranger = FakeChat(dispatcher, user_id="stranger")
    await stranger.send("/admin")
    assert "không hiểu lệnh" in stranger.text() and "Quản trị" not in stranger.text()
    for payload in ADMIN_PAYLOADS:
        await stranger.send(payload=payload)
        assert "không hiểu lệnh" in stranger.text(), payload
        assert not any(label.startswith(("📊", "📣", "Sửa buổi")) for label in stranger.labels())
    assert await audit_actions(sessionmaker) == []
    async with sessionmaker() as session:
        assert (await session.get(ClassSession, 1)).registration_open is True


async def test_an_admin_removed_mid_form_cannot_submit(dispatcher, admin, sessionmaker):
    await admin.send("/admin")
    await admin.press("Quản trị viên")
    await admin.press("Thêm quản trị viên")
    await admin.send("telegram:555")
    await admin.press("Xác nhận")
    assert "Đã thêm quản trị viên telegram:555" in admin.text()
    added = FakeChat(dispatcher, user_id="555", channel="telegram")
    await added.send("/admin")
    assert "Quản trị" in added.text()
    await added.press("Quản trị viên")
    await added.press("Thêm quản trị viên")
    await added.send("zalo:abc")
    await admin.send(payload="adm:adm:rmyes:telegram:555")  # removed while filling the form
    assert "Đã xóa quyền quản trị" in admin.text()
    await added.press("Xác nhận")
    assert "không hiểu lệnh" in added.text()
    assert await audit_actions(sessionmaker) == ["admin_add", "admin_remove"]


async def test_an_admin_added_from_the_chat_gets_the_alerts_too(admin, config, sessionmaker,
                                                            clock):
    await admin.send("/admin")
    await admin.press("Quản trị viên")
    await admin.press("Thêm quản trị viên")
    await admin.send("telegram:555")
    await admin.press("Xác nhận")
    async with sessionmaker.begin() as session:
        await notify_admins(session, config, "test-alert", "Có việc cần xem", clock.now)
    async with sessionmaker() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
    assert sorted((r.channel, r.chat_id) for r in rows) == [("console", "admin"),
                                                            ("telegram", "555")]


async def test_stats_show_sessions_clubs_deadlines_and_signups(dispatcher, admin, sessionmaker,
                                                               clock):
    await add_session(sessionmaker, clock, capacity=3)
    await register(FakeChat(dispatcher, "a"), tax_code=valid_tax_code(1), attendees="2")
    await register(FakeChat(dispatcher, "b"), tax_code=valid_tax_code(2), attendees="2")
    async with sessionmaker.begin() as session:
        await agencies.add_deadline(session, "Báo cáo tháng 11", date(2026, 11, 20),
                                    ["phoi-hop"], clock.now)
    await admin.send("/admin")
    await admin.press("Thống kê")
    text = admin.text()
    assert "2/3 chỗ; đã có chỗ 1, chờ 1" in text
    assert "Báo cáo tháng 11 (hạn 20/11/2026, đã quá hạn)" in text
    assert "1349/KH-UBND năm 2023" not in text  # closed: its 2023 units are not overdue
    assert f"{clock.now.strftime('%d/%m')}: 2" in text
    assert await audit_actions(sessionmaker) == ["stats"]


async def test_export_is_an_xlsx_with_the_registrations(dispatcher, admin, clock, sessionmaker):
    await add_session(sessionmaker, clock)
    await register(FakeChat(dispatcher, "a"), tax_code="0100233488")
    await admin.send(payload="adm:export")
    document = admin.replies[0].document
    assert document.filename.endswith(".xlsx") and "1 đăng ký lớp" in admin.text()
    book = openpyxl.load_workbook(io.BytesIO(document.content))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and "0100233488" in rows[1]
    assert any(isinstance(value, datetime) for value in rows[1])


async def test_sessions_add_edit_capacity_and_move(dispatcher, admin, sessionmaker, clock):
    interested = FakeChat(dispatcher, "early")
    await register(interested, "lop2", tax_code=valid_tax_code(5), attendees="2")
    await admin.send(payload="adm:cls:add")
    await admin.press("đổi mới sáng tạo")
    await admin.send("01/01/2020")
    assert "đã qua" in admin.text()
    await admin.send("15/12/2026")
    await admin.send("8h30")
    await admin.send("Hội trường Sở KH&CN, Tam Kỳ")
    await admin.send("2")
    await admin.send("Mang theo máy tính xách tay")
    await admin.press("Xác nhận")
    assert "Đã thêm buổi #1" in admin.text() and "1 đăng ký đã được xếp chỗ" in admin.text()
    async with sessionmaker() as session:
        assert (await registrations.get(session, 1)).status == "confirmed"
    await admin.press("Sửa buổi #1")
    await admin.press("Sửa sức chứa")
    await admin.send("1")
    await admin.press("Xác nhận")
    assert "Không thể giảm sức chứa xuống 1" in admin.text()
    await admin.press("Sửa buổi #1")
    await admin.press("Sửa ngày")
    await admin.send("16/12/2026")
    await admin.press("Xác nhận")
    assert "1 đăng ký sẽ được báo thay đổi" in admin.text()
    async with sessionmaker() as session:
        notices = (await session.execute(select(OutboxMessage.text))).scalars().all()
    assert sum("đã được dời sang" in text for text in notices) == 1
    assert sum("đã có chỗ cho bạn" in text for text in notices) == 1  # the interest was seated
    async with sessionmaker() as session:
        assert (await session.get(ClassSession, 1)).notes == "Mang theo máy tính xách tay"
    assert await audit_actions(sessionmaker) == ["session_add", "session_edit"]


async def test_broadcast_reaches_only_the_consenting_members(dispatcher, admin, sessionmaker,
                                                              clock):
    await add_session(sessionmaker, clock, capacity=20)
    people = [FakeChat(dispatcher, f"p{n}") for n in range(3)]
    for number, person in enumerate(people):
        await register(person, tax_code=valid_tax_code(20 + number), attendees="1")
    await people[2].send("/rutlai")
    await people[2].press("Rút đồng ý đăng ký")
    await people[2].press("Có, rút lại")
    await admin.send(payload="adm:bc")
    await admin.press("Học viên đã có chỗ")
    await admin.press("nhận thức về năng suất")
    await admin.send("Lớp học sáng mai bắt đầu lúc 8:00 <đúng giờ> & mang theo laptop.")
    assert "2 người" in admin.text()  # the preview with the count
    await admin.press("Xác nhận")
    assert "tới 2 người" in admin.text()
    async with sessionmaker() as session:
        rows = (await session.execute(select(OutboxMessage).where(
            OutboxMessage.topic == "bc:1"))).scalars().all()
        broadcast = await session.get(Broadcast, 1)
    assert sorted(r.chat_id for r in rows) == ["p0", "p1"]
    assert "&lt;đúng giờ&gt; &amp;" in rows[0].text  # admin text is escaped, not markup
    assert broadcast.total == 2 and broadcast.status == "sending"
    await admin.press("Dừng thông báo #1")
    await admin.press("Có, dừng gửi")
    assert "2 tin chưa gửi đã bị hủy" in admin.text()


async def test_deadline_added_marked_and_link_code_made(dispatcher, admin, sessionmaker):
    await add_deadline(admin, "Các đơn vị phối hợp")  # due 31/12/2026
    assert "gửi nhắc cho 6 cơ quan" in admin.text()  # those valid on 31/12/2026
    await admin.press("Đánh dấu đã báo cáo (hạn #2)")
    await admin.press("Hiệp hội DN")
    await admin.press("Xác nhận")
    assert "Hiệp hội Doanh nghiệp tỉnh đã báo cáo" in admin.text()
    assert "đã xác nhận 1/6" in admin.text()
    await admin.press("Tạo mã liên kết")
    await admin.press("Các đơn vị phối hợp")
    await admin.press("ĐH Quảng Nam")
    await admin.press("Xác nhận")
    assert "Mã liên kết cho Trường Đại học Quảng Nam" in admin.text()
    code = admin.text().split("/start lk-")[1].split()[0]
    officer = FakeChat(dispatcher, "officer")
    await officer.send(f"/start lk-{code}", display_name="Trần Văn Bình")
    await officer.press("Xác nhận")
    await admin.send(payload="adm:ag")
    assert "Trường Đại học Quảng Nam: 1 cán bộ (Trần Văn Bình)" in admin.text()
    assert await audit_actions(sessionmaker) == ["deadline_add", "deadline_mark", "link_code"]


async def test_contact_facts_reach_the_answers_and_the_notice(dispatcher, admin):
    await admin.send(payload="adm:org")
    assert "(không có)" in admin.text()  # nothing invented before an admin enters it
    await admin.press("Sửa liên hệ của Sở")
    await admin.send("Sở KH&CN Quảng Nam, 0235 3812 345")
    await admin.press("Xác nhận")
    assert "Đã lưu" in admin.text()
    person = FakeChat(dispatcher, "someone")
    await person.send("thoi tiet hom nay")
    assert "Sở KH&CN Quảng Nam, 0235 3812 345" in person.text()


async def test_the_attendee_limit_is_the_admins_to_set(dispatcher, admin):
    person = FakeChat(dispatcher, "big-company")
    await person.send("/start lop1")
    await agree(person)
    await fill_enterprise(person, tax_code=valid_tax_code(60), attendees="7")
    assert "từ 1 đến 5" in person.text()  # the default limit
    await admin.send(payload="adm:org")
    await admin.press("Sửa số người tối đa")
    await admin.send("8")
    await admin.press("Xác nhận")
    await person.send("7")
    await person.press("Xác nhận")
    assert "LTH1-0001" in person.text()


async def test_a_deadline_can_be_edited(admin, sessionmaker):
    await admin.send(payload="adm:dl")
    await admin.press("Sửa hạn #1")
    assert "30/11/2023" in admin.text()  # the seeded deadline, in the summary
    await admin.press("Sửa hạn")
    await admin.send("15/12/2026")
    await admin.press("Xác nhận")
    assert "Đã cập nhật hạn #1" in admin.text() and "15/12/2026" in admin.text()
    assert await audit_actions(sessionmaker) == ["deadline_edit"]


async def test_a_broadcast_whose_audience_left_after_the_preview_queues_nothing(
    dispatcher, admin, sessionmaker
):
    person = FakeChat(dispatcher, "p")
    await person.send("/dangky")
    await person.press("Chỉ nhận tin chương trình khác")
    await admin.send(payload="adm:bc:news")
    await admin.send("Hội thảo năng suất tháng 12")
    assert "1 người" in admin.text()  # the preview counts them
    await person.send("/rutlai")
    await person.press("Ngừng nhận tin")
    await person.press("Có, rút lại")
    await admin.press("Xác nhận")
    assert "không có ai nhận được" in admin.text()
    async with sessionmaker() as session:
        assert (await session.execute(select(Broadcast))).first() is None
        assert (await session.execute(select(OutboxMessage))).first() is None
