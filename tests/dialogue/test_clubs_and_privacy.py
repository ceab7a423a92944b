"""Student clubs, «Đăng ký của tôi» and the data rights: view, withdraw, erase."""

from sqlalchemy import select

from storage.models import ClubMembership, ConsentEvent, Contact, DataRequest, Registration
from tests.dialogue.helpers import add_session, agree, register, valid_tax_code
from tests.fakes.chat import FakeChat


async def join_club(chat, link="clb-dhqn", student_id="2115001"):
    await chat.send(f"/start {link}")
    await chat.press("Tôi từ đủ 16 tuổi")  # the age comes before the consent notice
    if "Thông báo xử lý dữ liệu" in chat.text():
        await agree(chat)
    await chat.send("trần thị bích")
    await chat.send(student_id)
    await chat.send("K21 Công nghệ thông tin")
    await chat.send("0935123456")
    await chat.send("bich@sv.qnamuni.edu.vn")
    return await chat.press("Xác nhận")


async def test_students_join_the_club_of_their_school(dispatcher):
    for link, school, code in (("clb-dhqn", "Trường Đại học Quảng Nam", "CLB-DH-0001"),
                               ("clb-cdqn", "Trường Cao đẳng Quảng Nam", "CLB-CD-0002")):
        student = FakeChat(dispatcher, user_id=link)
        await join_club(student, link)
        assert school in student.text() and code in student.text()


async def test_club_form_shows_the_plan_and_asks_the_school(chat):
    await chat.send("/caulacbo")
    assert "Trường Đại học Quảng Nam và Trường Cao đẳng Quảng Nam" in chat.text()
    assert "16 tuổi" in chat.text()  # asked first, before the consent notice
    await chat.press("Tôi từ đủ 16 tuổi")
    await agree(chat)
    assert "trường nào" in chat.text()


async def test_under_16_cannot_register_by_chat(chat, sessionmaker):
    await chat.send("/start clb-dhqn")
    await chat.press("chưa đủ 16")
    assert "cha mẹ hoặc người giám hộ" in chat.text() and "Họ và tên" not in chat.text()
    await chat.send("Trần Thị Bích")  # the form has ended: no name is taken
    assert "Họ và tên" not in chat.text()
    async with sessionmaker() as session:
        assert (await session.execute(select(ClubMembership))).first() is None


async def test_bad_student_id_is_reasked(chat):
    await chat.send("/start clb-dhqn")
    await chat.press("Tôi từ đủ 16 tuổi")
    await agree(chat)
    await chat.send("Trần Thị Bích")
    await chat.send("SV 21-15")
    assert "Mã số sinh viên gồm" in chat.text()


async def test_joining_twice_gives_the_existing_code_and_leaving_works(chat):
    await join_club(chat)
    await chat.send("/start clb-dhqn")  # told at once, before any question
    assert "đã là thành viên" in chat.text() and "CLB-DH-0001" in chat.text()
    await chat.send("/dangkycuatoi")
    await chat.press("Rời CLB")
    await chat.press("Có, rời")
    assert "đã rời câu lạc bộ" in chat.text()


async def test_my_data_shows_everything_stored(chat):
    await register(chat, "lop1")
    await join_club(chat)
    await chat.send("/dulieucuatoi")
    text = chat.text()
    for shown in ("console", "đăng ký, đề nghị hỗ trợ và nhắc lịch", "LTH1-0001",
                  "Công ty TNHH Ánh Dương", "0100233488", "phường Tam Kỳ", "Quảng Nam (cũ)",
                  "CLB-DH-0001", "Trần Thị Bích", "2115001"):
        assert shown in text


async def test_edit_from_my_registrations_updates_the_fields(chat, sessionmaker):
    await register(chat, "lop1")
    await chat.send("/suathongtin")
    await chat.press("Sửa LTH1-0001")
    assert "Mời bạn kiểm tra lại" in chat.text()  # straight to the summary with the answers
    await chat.press("Sửa điện thoại")
    await chat.send("0935 000 111")
    await chat.press("Xác nhận")
    assert "Đã cập nhật" in chat.text()
    async with sessionmaker() as session:
        assert (await session.get(Registration, 1)).phone == "+84935000111"


async def test_withdrawing_news_keeps_registrations(chat, sessionmaker):
    await chat.send("/start lop1")
    await chat.press("nhận thêm tin")
    await chat.send("/rutlai")
    await chat.press("Ngừng nhận tin")
    await chat.press("Có, rút lại")
    assert "không nhận tin" in chat.text()
    async with sessionmaker() as session:
        last = (await session.execute(select(ConsentEvent).order_by(ConsentEvent.id.desc())))
        event = last.scalars().first()
    assert event.action == "withdraw" and event.purposes_granted == ["registration"]


async def test_withdrawing_registration_consent_cancels_and_says_so(chat, sessionmaker, clock):
    await add_session(sessionmaker, clock, "lop1", capacity=5)
    await register(chat, "lop1")
    await chat.send("/rutlai")
    await chat.press("Rút đồng ý đăng ký")
    assert "sẽ bị hủy" in chat.text() and "không nhận nhắc lịch" in chat.text()
    await chat.press("Có, rút lại")
    async with sessionmaker() as session:
        assert (await session.get(Registration, 1)).status == "cancelled"
    await chat.send("/dangky")
    assert "Thông báo xử lý dữ liệu cá nhân" in chat.text()  # consent is asked again


async def test_erasure_removes_personal_fields_and_frees_the_seat(dispatcher, sessionmaker,
                                                                   clock):
    await add_session(sessionmaker, clock, "lop1", capacity=2)
    owner, waiting = FakeChat(dispatcher, "owner"), FakeChat(dispatcher, "waiting")
    await register(owner, tax_code=valid_tax_code(7), attendees="2")
    await join_club(owner)
    await register(waiting, tax_code=valid_tax_code(8), attendees="2")
    await owner.send("/xoadulieu")
    assert "không hoàn tác được" in owner.text()
    await owner.press("Có, xóa")
    assert "Đã xóa dữ liệu cá nhân" in owner.text()
    async with sessionmaker() as session:
        erased = await session.get(Registration, 1)
        member = (await session.execute(select(ClubMembership))).scalar_one()
        moved_up = await session.get(Registration, 2)
        contact = await session.get(Contact, erased.contact_id)
        requests = (await session.execute(select(DataRequest.kind))).scalars().all()
    assert erased.status == "cancelled" and erased.attendees == 2  # counts stay
    assert all(getattr(erased, f) is None for f in ("company", "tax_code", "contact_name",
                                                     "position", "phone", "email", "commune",
                                                     "region"))
    assert member.full_name is None and member.student_id is None and member.status == "left"
    assert contact.display_name is None
    assert moved_up.status == "confirmed"
    assert "erase" in requests
    await owner.send("/dulieucuatoi")
    assert "Ánh Dương" not in owner.text() and "Trần Thị Bích" not in owner.text()


async def test_someone_else_cannot_touch_my_registration(dispatcher, chat):
    await register(chat)
    stranger = FakeChat(dispatcher, "stranger")
    await stranger.send(payload="myreg:xy:1")
    assert "Không tìm thấy đăng ký này" in stranger.text()
    await chat.send("/dangkycuatoi")
    assert "đã hủy" not in chat.text()


async def test_the_club_is_introduced_once(chat):
    await chat.send("/caulacbo")
    await chat.press("Tôi từ đủ 16 tuổi")
    await agree(chat)
    assert "nhấn mạnh việc hình thành câu lạc bộ" not in chat.text()  # shown before consent
    assert "trường nào" in chat.text()
