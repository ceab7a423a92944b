"""Staff handle support requests from /admin: a list by kind and status, assign, answer, close;
the requester is told through the outbox; every step is audited."""

from sqlalchemy import select

from storage import contacts, support
from storage.models import AuditEntry, OutboxMessage, SupportRequest
from tests.dialogue.test_support_data import ask_guidance
from tests.fakes.chat import FakeChat


async def open_request(admin: FakeChat, code: str = "HT-2026-0001") -> None:
    await admin.send("/admin")
    await admin.press("Yêu cầu hỗ trợ")
    await admin.press("Đề nghị hướng dẫn")
    await admin.press(code)


async def test_staff_assign_answer_and_close_and_the_requester_is_told(
    dispatcher, sessionmaker, config
):
    person, admin = FakeChat(dispatcher, "u1"), FakeChat(dispatcher, "admin")
    await ask_guidance(person)
    await admin.send("/admin")
    await admin.press("Yêu cầu hỗ trợ")
    assert "Đề nghị hướng dẫn áp dụng tiêu chuẩn, công cụ: 1 / 0 / 0 / 0" in admin.text()
    await admin.press("Đề nghị hướng dẫn")
    assert "HT-2026-0001" in admin.text() and "Công ty TNHH Ánh Dương" in admin.text()
    assert "chưa giao" in admin.text()
    await admin.press("HT-2026-0001")
    assert "ISO 22000" in admin.text() and "Hệ thống quản lý (ISO 9001" in admin.text()
    await admin.press("Giao cho cán bộ")
    await admin.press("console:admin")
    assert "Đã giao HT-2026-0001 cho console:admin" in admin.text()
    assert "đang xử lý" in admin.text()
    await admin.press("Trả lời")
    await admin.send("Mời anh đến Sở ngày 05/12 để được hướng dẫn <b>ISO 22000</b>.")
    await admin.press("Xác nhận")
    assert "Đã gửi trả lời cho HT-2026-0001" in admin.text()
    await admin.press("Đóng HT-2026-0001")
    assert "chắc chắn muốn đóng" in admin.text()
    await admin.press("Có, đóng")
    assert "Đã đóng HT-2026-0001" in admin.text()
    async with sessionmaker() as session:
        request = (await session.scalars(select(SupportRequest))).one()
        notices = list(await session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == "u1").order_by(OutboxMessage.id)))
        audited = [e.action for e in await session.scalars(select(AuditEntry))]
    assert request.status == "closed" and request.assignee == "console:admin"
    assert [n.channel for n in notices] == ["console"] * 3
    assert "đang được cán bộ của Sở xử lý" in notices[0].text
    assert "&lt;b&gt;ISO 22000&lt;/b&gt;" in notices[1].text  # staff text is shown as written
    assert "đã được đóng" in notices[2].text
    assert audited == ["support_view", "support_assign", "support_answer", "support_close"]
    await person.send("/dangkycuatoi")
    assert "HT-2026-0001" in person.text() and "đã đóng" in person.text()
    assert "Mời anh đến Sở ngày 05/12" in person.text()


async def test_the_list_is_by_kind_and_status(dispatcher):
    person, admin = FakeChat(dispatcher, "u1"), FakeChat(dispatcher, "admin")
    await ask_guidance(person)
    await ask_guidance(FakeChat(dispatcher, "u2"), company="Hợp tác xã Bình Minh")
    await open_request(admin, "HT-2026-0002")
    await admin.press("Tôi nhận xử lý")
    await admin.press("Trả lời")
    await admin.send("Đã hướng dẫn qua điện thoại.")
    await admin.press("Xác nhận")
    await admin.press("« Danh sách")
    assert "HT-2026-0001" in admin.text() and "HT-2026-0002" not in admin.text()
    await admin.press("Xem yêu cầu đã xong")
    assert "HT-2026-0002" in admin.text() and "đã phản hồi" in admin.text()
    assert "HT-2026-0001" not in admin.text()
    await admin.send("/admin")
    await admin.press("Yêu cầu hỗ trợ")
    assert "Đề nghị hướng dẫn áp dụng tiêu chuẩn, công cụ: 1 / 0 / 1 / 0" in admin.text()
    assert "Quan tâm Giải thưởng chất lượng Quốc gia: 0 / 0 / 0 / 0" in admin.text()


async def test_a_closed_request_takes_no_more_answers(dispatcher, sessionmaker):
    person, admin = FakeChat(dispatcher, "u1"), FakeChat(dispatcher, "admin")
    await ask_guidance(person)
    await open_request(admin)
    answer = admin.payload_of("Trả lời")
    await admin.press("Đóng HT-2026-0001")
    await admin.press("Có, đóng")
    await admin.send(payload=answer)  # an old button of the request
    assert "đã đóng" in admin.text() and "nhập nội dung trả lời" not in admin.text()


async def test_people_who_are_not_staff_reach_nothing(dispatcher, sessionmaker):
    person = FakeChat(dispatcher, "u1")
    await ask_guidance(person)
    for payload in ("adm:ht", "adm:ht:req:1", "adm:ht:who:1:console:u1", "adm:ht:closeyes:1"):
        await person.send(payload=payload)
        assert "không hiểu lệnh" in person.text() and "HT-2026-0001" not in person.text()
    async with sessionmaker() as session:
        assert (await session.scalars(select(SupportRequest))).one().status == "received"


async def test_staff_edit_the_guidance_topics_people_choose_from(dispatcher):
    person, admin = FakeChat(dispatcher, "u1"), FakeChat(dispatcher, "admin")
    await admin.send("/admin")
    await admin.press("Yêu cầu hỗ trợ")
    await admin.press("Chủ đề hướng dẫn")
    await admin.press("Thêm chủ đề")
    await admin.send("Truy xuất nguồn gốc sản phẩm")
    await admin.press("Xác nhận")
    await admin.press("Ẩn: Tiêu chuẩn, quy chuẩn kỹ thuật")
    assert "Tiêu chuẩn, quy chuẩn kỹ thuật (đã ẩn)" in admin.text()
    await person.send("/start ht-huongdan")
    await person.press("Đồng ý: đăng ký")
    for answer in ("Công ty TNHH Ánh Dương", "0100233488", "Nguyễn Văn An", "0905 123 456"):
        await person.send(answer)
    await person.press("Bỏ qua")
    assert "Truy xuất nguồn gốc sản phẩm" in person.labels()
    assert "Tiêu chuẩn, quy chuẩn kỹ thuật" not in person.labels()


async def test_statistics_count_each_kind_by_status(dispatcher):
    admin = FakeChat(dispatcher, "admin")
    await ask_guidance(FakeChat(dispatcher, "u1"))
    await ask_guidance(FakeChat(dispatcher, "u2"))
    await open_request(admin)
    await admin.press("Tôi nhận xử lý")
    await admin.send("/admin")
    await admin.press("Thống kê")
    text = admin.text()
    assert "Đề nghị hỗ trợ (đã tiếp nhận / đang xử lý / đã phản hồi / đã đóng)" in text
    assert "Đề nghị hướng dẫn áp dụng tiêu chuẩn, công cụ: 1 / 1 / 0 / 0" in text
    assert "Đề xuất nhiệm vụ khoa học và công nghệ: 0 / 0 / 0 / 0" in text


async def test_a_broadcast_reaches_people_who_asked_for_guidance_on_a_topic(
    dispatcher, sessionmaker
):
    admin = FakeChat(dispatcher, "admin")
    asked, withdrawn = FakeChat(dispatcher, "u1"), FakeChat(dispatcher, "u2")
    await ask_guidance(asked)  # on management systems
    await ask_guidance(withdrawn)
    await withdrawn.send("/rutlai")
    await withdrawn.press("Rút đồng ý đăng ký")
    await withdrawn.press("Có, rút lại")
    other_topic = FakeChat(dispatcher, "u3")
    await other_topic.send("/start ht-huongdan")
    await other_topic.press("Đồng ý: đăng ký")
    for answer in ("Công ty Bình Minh", "0100233488", "Lê Văn Cường", "0935 123 456"):
        await other_topic.send(answer)
    await other_topic.press("Bỏ qua")
    await other_topic.press("Công cụ cải tiến")
    for answer in ("5S", "Chưa áp dụng", "Hướng dẫn"):
        await other_topic.send(answer)
    await other_topic.press("Gọi điện thoại")
    await other_topic.press("Xác nhận")
    await admin.send("/admin")
    await admin.press("Gửi thông báo")
    await admin.press("Người đề nghị hướng dẫn về một chủ đề")
    await admin.press("Hệ thống quản lý")
    await admin.send("Hội thảo ISO 22000 ngày 10/12 tại Sở.")
    assert "1 người" in admin.text()  # the preview with the count
    await admin.press("Xác nhận")
    async with sessionmaker() as session:
        rows = list(await session.scalars(
            select(OutboxMessage).where(OutboxMessage.topic == "bc:1")))
    assert [r.chat_id for r in rows] == ["u1"]


async def test_a_long_list_says_how_many_more_wait(dispatcher, sessionmaker, clock):
    async with sessionmaker.begin() as session:
        person = await contacts.touch(session, "console", "u1", "u1", None, clock.now)
        for _ in range(23):
            await support.create(session, "award", person.id, {"company": "Công ty An"},
                                 2026, clock.now)
    admin = FakeChat(dispatcher, "admin")
    await admin.send("/admin")
    await admin.press("Yêu cầu hỗ trợ")
    await admin.press("Quan tâm Giải thưởng")
    assert "GT-2026-0020" in admin.labels() and "GT-2026-0021" not in admin.labels()
    assert "và 3 yêu cầu khác" in admin.text()
