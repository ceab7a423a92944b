"""Class registration through the in-process chat: consent, validation, capacity, waitlist."""

import asyncio

from sqlalchemy import func, select

from storage.models import ConsentEvent, OutboxMessage, Registration
from tests.dialogue.helpers import add_session, agree, fill_enterprise, register, valid_tax_code
from tests.fakes.chat import FakeChat


async def test_no_consent_means_no_personal_question_and_nothing_stored(chat, sessionmaker):
    await chat.send("/dangky")
    assert "Thông báo xử lý dữ liệu cá nhân" in chat.text()
    assert "Im lặng hoặc không trả lời không được coi là đồng ý" in chat.text()
    await chat.send("Công ty TNHH Ánh Dương")  # typing instead of answering is not consent
    assert "Tên doanh nghiệp" not in chat.text()
    await chat.send("/dangky")
    await chat.press("Không đồng ý")
    assert "không hỏi hay lưu thông tin cá nhân" in chat.text()
    assert "mời liên hệ Sở Khoa học và Công nghệ thành phố Đà Nẵng." in chat.text()  # no contact
    await chat.send("/dangky")
    assert "Thông báo xử lý dữ liệu cá nhân" in chat.text()  # asked again, not assumed
    async with sessionmaker() as session:
        events = (await session.execute(select(ConsentEvent))).scalars().all()
        assert [e.action for e in events] == ["refuse"]
        assert events[0].purposes_granted == [] and len(events[0].text_sha256) == 64
        assert await session.scalar(select(func.count(Registration.id))) == 0


async def test_consent_is_recorded_with_purposes_version_and_hash(chat, sessionmaker):
    await chat.send("/start lop2", update_id="4242")
    await chat.press("nhận thêm tin")
    assert "Tên doanh nghiệp" in chat.text()  # the form continues where the person was going
    async with sessionmaker() as session:
        event = (await session.execute(select(ConsentEvent))).scalar_one()
    assert event.action == "grant" and event.purposes_granted == ["news", "registration"]
    assert event.text_version and len(event.text_sha256) == 64 and event.channel == "console"


async def test_registration_without_a_schedule_is_recorded_as_interest(chat):
    await register(chat, "lop3")
    text = chat.text()
    assert "LTH3-0001" in text and "đã ghi nhận đăng ký quan tâm" in text
    assert "Lịch học sẽ được thông báo" in text


async def test_each_class_gets_a_seat_when_it_has_a_session(chat, sessionmaker, clock):
    for number, code in enumerate(("lop1", "lop2", "lop3"), start=1):
        await add_session(sessionmaker, clock, code, capacity=10)
        await register(chat, code, tax_code=valid_tax_code(number))
        assert f"LTH{number}-" in chat.text() and "đã có chỗ" in chat.text()
        assert "Hội trường Sở KH&amp;CN" not in chat.text()  # plain text shows it unescaped
        assert "Hội trường Sở KH&CN" in chat.text()


async def test_one_flow_registers_several_classes(chat, sessionmaker, clock):
    await add_session(sessionmaker, clock, "lop2", capacity=10)
    await chat.send("/dangky")
    await agree(chat)
    await chat.press("năng suất chất lượng")
    await chat.press("đổi mới sáng tạo")
    await chat.press("Xong")
    await fill_enterprise(chat)
    await chat.press("Xác nhận")
    assert "LTH1-" in chat.text() and "LTH2-" in chat.text()
    assert "đã ghi nhận đăng ký quan tâm" in chat.text() and "đã có chỗ" in chat.text()


async def test_bad_answers_are_explained_and_nothing_is_lost(chat):
    await chat.send("/start lop1")
    await agree(chat)
    await chat.send("<b>Công ty</b>")
    assert "ký tự không dùng được" in chat.text() and "Tên doanh nghiệp" in chat.text()
    await chat.send("🏭🏭🏭")
    assert "ký tự không dùng được" in chat.text()
    await chat.send("x" * 5000)
    assert "dài quá" in chat.text()
    await chat.send("Công ty TNHH Ánh Dương")
    await chat.send("0100233480")
    assert "sai chữ số kiểm tra" in chat.text() and "Mã số thuế" in chat.text()
    await chat.send("0100233488")
    await chat.send("🏭🏭🏭")
    assert "ký tự không dùng được" in chat.text() and "xã, phường" in chat.text()
    await chat.send("phường Tam Kỳ")
    await chat.press("Quảng Nam (cũ)")
    await chat.send("khai khoáng")  # no sector says so: the choices are shown again
    assert "chọn một mục" in chat.text()
    await chat.send("du lich")  # a choice typed without diacritics
    await chat.send("Nguyễn Văn An 2")
    assert "không được chứa chữ số" in chat.text()
    await chat.send("Nguyễn Văn An")
    await chat.send("Giám đốc")
    await chat.send("090512345")  # 9 digits
    assert "Số điện thoại chưa đúng" in chat.text()
    await chat.send("01662345678")
    assert "0362 345 678" in chat.text()
    await chat.send("0362345678")
    await chat.send("an@@congty")
    assert "Địa chỉ email chưa đúng" in chat.text()
    await chat.send("an@anhduong.vn")
    await chat.send("hai mươi")
    assert "Mời bạn nhập một con số" in chat.text()
    await chat.send("9")
    assert "từ 1 đến 5" in chat.text()
    await chat.send("3")
    summary = chat.text()
    for kept in ("Công ty TNHH Ánh Dương", "0100233488", "phường Tam Kỳ", "Quảng Nam (cũ)",
                 "Du lịch",
                 "Nguyễn Văn An", "Giám đốc", "0362 345 678", "an@anhduong.vn"):
        assert kept in summary


async def test_edit_and_back_on_the_real_form(chat):
    await chat.send("/start lop1")
    await agree(chat)
    await chat.send("Công ty A")
    await chat.press("Quay lại")
    assert "Tên doanh nghiệp" in chat.text() and "Hiện tại: Công ty A" in chat.text()
    await chat.press("Quay lại")
    assert "lớp nào" in chat.text()
    await chat.press("Xong")  # the class chosen by the deep link is still ticked
    await fill_enterprise(chat)
    await chat.press("Sửa chức vụ")
    await chat.send("Phó Giám đốc")
    await chat.press("Xác nhận")
    assert "LTH1-0001" in chat.text()


async def test_editing_a_choice_shows_its_current_label_not_its_code(chat):
    await chat.send("/start lop1")
    await agree(chat)
    await fill_enterprise(chat)
    await chat.press("Sửa thuộc địa bàn")
    assert "(Hiện tại: Quảng Nam (cũ))" in chat.text()


async def test_the_same_tax_code_is_an_update_not_a_duplicate(dispatcher, chat):
    await register(chat, "lop1")
    await chat.send("/start lop1")
    await chat.send("Công ty TNHH Ánh Dương")
    await chat.send("0100-233-488")
    assert "Doanh nghiệp có mã số thuế này đã được bạn đăng ký lớp" in chat.text()
    assert "LTH1-0001" in chat.text()
    assert "Đăng ký của tôi" in chat.text()
    colleague = FakeChat(dispatcher, user_id="colleague")
    await colleague.send("/start lop1")
    await agree(colleague)
    await colleague.send("Công ty TNHH Ánh Dương")
    await colleague.send("0100233488")
    assert "từ một tài khoản khác" in colleague.text()
    assert "LTH1-0001" not in colleague.text()  # another account's code is not revealed


async def test_double_tap_on_confirm_creates_one_registration(chat, sessionmaker):
    await chat.send("/start lop1")
    await agree(chat)
    await fill_enterprise(chat)
    confirm = chat.payload_of("Xác nhận")
    await asyncio.gather(chat.send(payload=confirm), chat.send(payload=confirm))
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count(Registration.id))) == 1


async def test_cancel_promotes_the_waitlist_and_tells_them(dispatcher, sessionmaker, clock):
    await add_session(sessionmaker, clock, "lop1", capacity=2)
    first, second = FakeChat(dispatcher, "first"), FakeChat(dispatcher, "second")
    await register(first, tax_code=valid_tax_code(1), attendees="2")
    assert "đã có chỗ" in first.text()
    await register(second, tax_code=valid_tax_code(2), attendees="1")
    assert "danh sách chờ số 1" in second.text()
    await first.send("/dangkycuatoi")
    await first.press("Hủy LTH1-0001")
    assert "chắc chắn muốn hủy" in first.text()
    await first.press("Có, hủy")
    assert "Đã hủy đăng ký LTH1-0001" in first.text()
    async with sessionmaker() as session:
        notice = (await session.execute(select(OutboxMessage))).scalar_one()
        promoted = await session.get(Registration, 2)
    assert notice.chat_id == "second" and "đã có chỗ cho bạn" in notice.text
    assert promoted.status == "confirmed"
    await second.send("/dangkycuatoi")
    assert "LTH1-0002" in second.text() and "đã có chỗ" in second.text()
    await first.send("/dangkycuatoi")
    assert "Đăng ký lại" in " ".join(first.labels())


async def test_change_attendees_only_within_the_seats_left(chat, sessionmaker, clock):
    await add_session(sessionmaker, clock, "lop1", capacity=4)
    await register(chat, attendees="2")
    await chat.send("/dangkycuatoi")
    await chat.press("Đổi số người")
    await chat.send("5")
    await chat.press("Xác nhận")
    assert "không còn đủ chỗ" in chat.text() and "còn 2 chỗ" in chat.text()
    await chat.send("/dangkycuatoi")
    await chat.press("Đổi số người")
    await chat.send("4")
    await chat.press("Xác nhận")
    assert "thành 4" in chat.text()


async def test_fifty_people_confirm_the_last_seat_at_once(dispatcher, sessionmaker, clock):
    await add_session(sessionmaker, clock, "lop1", capacity=1)
    people = [FakeChat(dispatcher, f"p{i}") for i in range(50)]
    for number, person in enumerate(people):
        await person.send("/start lop1")
        await agree(person)
        await fill_enterprise(person, tax_code=valid_tax_code(number), attendees="1")
    await asyncio.gather(*(person.press("Xác nhận") for person in people))
    texts = [person.text() for person in people]
    assert sum("đã có chỗ" in text for text in texts) == 1
    assert sum("danh sách chờ" in text for text in texts) == 49
    assert not any("sự cố" in text for text in texts)
    async with sessionmaker() as session:
        statuses = (await session.execute(select(Registration.status))).scalars().all()
    assert sorted(statuses).count("confirmed") == 1 and len(statuses) == 50
