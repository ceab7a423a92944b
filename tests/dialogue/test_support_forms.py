"""The four support requests: reached from the plan's answers, the menu, typed requests and deep
links; consent to the notice that covers them; every step refuses bad input and asks again."""

from sqlalchemy import select

from storage.models import ConsentEvent, SupportRequest
from tests.dialogue.helpers import agree, register

COMPANY = ("<>", "ký tự không dùng được", "Công ty TNHH Ánh Dương")
TAX_FORMAT = ("12345", "Mã số thuế gồm 10 chữ số", None)
TAX = ("0100233489", "sai chữ số kiểm tra", "0100233488")
NAME = ("Nguyễn 2", "không được chứa chữ số", "Nguyễn Văn An")
PHONE = ("12345", "Số điện thoại chưa đúng", "0905 123 456")
EMAIL = ("an@", "Địa chỉ email chưa đúng", "an@anhduong.vn")
PICK = "Mời bạn chọn một mục trong danh sách"


def note(good: str) -> tuple:
    return ("???", "Nội dung cần có chữ", good)


def choice(label: str) -> tuple:
    return ("xyz", PICK, ("press", label))


async def walk(chat, steps) -> None:
    """Each step: a bad answer is refused with its reason and the same question comes back;
    then the good answer (typed, or a button pressed) moves on."""
    for bad, reason, good in steps:
        asked = chat.replies[-1].text.split("\n\n")[-1]  # the question, without the intro
        await chat.send(bad)
        assert reason in chat.text(), (bad, chat.text())
        assert asked in chat.replies[-1].text, (bad, asked)
        if good is None:
            continue
        if isinstance(good, tuple):
            await chat.press(good[1])
        else:
            await chat.send(good)


async def begin(chat, link: str) -> None:
    await chat.send(f"/start {link}")
    if "Thông báo xử lý dữ liệu" in chat.text():
        await agree(chat)


async def stored(sessionmaker) -> list[SupportRequest]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(SupportRequest).order_by(SupportRequest.id)))


async def test_nomination_for_the_expert_training(chat, sessionmaker):
    await begin(chat, "ht-daotao")
    assert "Cử cán bộ đào tạo chuyên gia năng suất" in chat.text()
    await walk(chat, [
        ("<b>", "ký tự không dùng được", "Sở Công Thương"),
        choice("Cơ quan nhà nước"),
        NAME,
        ("1", "ít nhất 2", "Phó phòng Quản lý công nghiệp"),
        PHONE,
        EMAIL,
        choice("Giảng viên năng suất chất lượng"),
        note("Hướng dẫn áp dụng 5S và Kaizen cho doanh nghiệp"),
    ])
    assert "Sửa khóa đào tạo" in chat.labels()
    await chat.press("Xác nhận")
    assert "DT-2026-0001" in chat.text()
    await chat.press("Cử thêm một cán bộ")  # the unit is not asked again
    assert "họ và tên cán bộ được cử" in chat.text()
    for answer in ("Trần Thị Bích", "Chuyên viên", "0935 123 456"):
        await chat.send(answer)
    await chat.press("Bỏ qua")
    await chat.press("Chuyên gia năng suất chất lượng")
    await chat.send("Cần chuyên gia đánh giá năng suất")
    assert "Sở Công Thương" in chat.text()
    await chat.press("Xác nhận")
    assert "DT-2026-0002" in chat.text()
    first, second = await stored(sessionmaker)
    assert first.answers["course"] == "lecturer" and first.answers["unit_kind"] == "agency"
    assert second.answers["unit"] == "Sở Công Thương" and second.answers["nominee"] == \
        "Trần Thị Bích"


async def test_request_for_guidance(chat, sessionmaker):
    await begin(chat, "ht-huongdan")
    await walk(chat, [
        COMPANY, TAX_FORMAT, TAX, NAME, PHONE, EMAIL,
        choice("Hệ thống quản lý (ISO 9001"),
        note("ISO 22000 cho xưởng chế biến"),
        note("Chưa áp dụng hệ thống nào"),
        note("Cần chuyên gia hướng dẫn xây dựng tài liệu"),
        choice("Gặp trực tiếp tại doanh nghiệp"),
    ])
    await chat.press("Xác nhận")
    assert "HT-2026-0001" in chat.text()
    (request,) = await stored(sessionmaker)
    assert request.kind == "guidance" and request.topic == "he-thong-ql"
    assert request.answers["tax_code"] == "0100233488" and request.status == "received"


async def test_interest_in_the_quality_award(chat, sessionmaker):
    await begin(chat, "ht-giaithuong")
    await walk(chat, [
        COMPANY, TAX, NAME, PHONE, EMAIL,
        choice("Công nghiệp, chế biến"),
        choice("Vừa"),
        choice("Đã được chứng nhận"),
        choice("2027"),
    ])
    await chat.press("Xác nhận")
    assert "GT-2026-0001" in chat.text()
    (request,) = await stored(sessionmaker)
    assert request.answers["target_year"] == "2027" and request.answers["size"] == "medium"


async def test_proposal_of_an_st_task_takes_a_budget_band_never_a_number(chat, sessionmaker):
    await begin(chat, "ht-nhiemvu")
    await walk(chat, [
        COMPANY, NAME, PHONE, EMAIL,
        note("Ứng dụng Lean trong chế biến gỗ"),
        note("Tỷ lệ phế phẩm cao"),
        note("Giảm 10% phế phẩm"),
        COMPANY,
        choice("Từ 12 đến 24 tháng"),
    ])
    assert "Kinh phí dự kiến" in chat.text()
    await chat.send("800000000")  # a number is not a band
    assert PICK in chat.text()
    await chat.press("Từ 500 triệu đến 1 tỷ đồng")
    await chat.press("Xác nhận")
    assert "NV-2026-0001" in chat.text()
    (request,) = await stored(sessionmaker)
    assert request.answers["budget"] == "500-1000" and request.answers["duration"] == "24"


async def test_the_answer_about_each_activity_offers_its_form(chat):
    for question, button, title in (
        ("đào tạo chuyên gia năng suất chất lượng", "Cử cán bộ đi đào tạo",
         "Cử cán bộ đào tạo chuyên gia năng suất"),
        ("hỗ trợ doanh nghiệp áp dụng tiêu chuẩn", "Đề nghị Sở hướng dẫn",
         "Đề nghị hướng dẫn áp dụng tiêu chuẩn"),
        ("giải thưởng chất lượng quốc gia", "Đăng ký quan tâm giải thưởng",
         "Quan tâm Giải thưởng chất lượng Quốc gia"),
        ("nhiệm vụ khoa học và công nghệ", "Gửi đề xuất nhiệm vụ",
         "Đề xuất nhiệm vụ khoa học và công nghệ"),
    ):
        await chat.send(question)
        await chat.press(button)
        if "Thông báo xử lý dữ liệu" in chat.text():
            await agree(chat)
        assert title in chat.text(), question
        await chat.press("Hủy")


async def test_the_menu_lists_the_four_requests(chat):
    await chat.send("/menu")
    await chat.press("Đề nghị hỗ trợ")
    assert chat.labels()[:4] == [
        "Cử cán bộ đào tạo chuyên gia năng suất", "Đề nghị hướng dẫn áp dụng tiêu chuẩn, công cụ",
        "Quan tâm Giải thưởng chất lượng Quốc gia", "Đề xuất nhiệm vụ khoa học và công nghệ"]
    await chat.press("Quan tâm Giải thưởng")
    assert "Thông báo xử lý dữ liệu" in chat.text()


async def test_a_typed_request_opens_its_form(chat):
    await chat.send("tôi muốn đăng ký tham gia giải thưởng chất lượng")
    await agree(chat)
    assert "Quan tâm Giải thưởng chất lượng Quốc gia" in chat.text()
    assert "Tên doanh nghiệp" in chat.text()


async def test_the_enterprise_already_registered_is_not_asked_again(chat, sessionmaker):
    await register(chat, "lop1")
    await chat.send("/start ht-huongdan")
    assert "dùng lại thông tin doanh nghiệp" in chat.text()
    assert "Doanh nghiệp cần hướng dẫn về nội dung nào" in chat.text()
    await chat.press("Tiêu chuẩn, quy chuẩn")
    for answer in ("TCVN về an toàn thực phẩm", "Chưa có", "Tư vấn quy chuẩn áp dụng"):
        await chat.send(answer)
    await chat.press("Gọi điện thoại")
    assert "Công ty TNHH Ánh Dương" in chat.text() and "0100233488" in chat.text()
    await chat.press("Xác nhận")
    (request,) = await stored(sessionmaker)
    assert request.answers["company"] == "Công ty TNHH Ánh Dương"


async def test_a_consent_to_the_older_notice_is_asked_again_before_a_request(
    chat, sessionmaker, clock
):
    await register(chat, "lop1")
    async with sessionmaker.begin() as session:  # as if that consent was to the older notice
        event = (await session.scalars(select(ConsentEvent))).one()
        event.text_version = "2026.2"
    clock.advance(minutes=1)
    await chat.send("/dangky")  # the registration purpose was covered then: not asked again
    assert "Thông báo xử lý dữ liệu" not in chat.text()
    await chat.press("Hủy")
    await chat.send("/start ht-giaithuong")
    assert "Thông báo xử lý dữ liệu" in chat.text() and "đề nghị hỗ trợ" in chat.text()
    await agree(chat)
    assert "Tôi dùng lại thông tin" in chat.text()
    clock.advance(days=1)
    await chat.send("/start ht-nhiemvu")  # agreed once to the new notice: not asked again
    assert "Thông báo xử lý dữ liệu" not in chat.text()


async def test_without_consent_nothing_is_asked_or_stored(chat, sessionmaker):
    await chat.send("/start ht-nhiemvu")
    await chat.press("Không đồng ý")
    assert "Tên cơ quan, tổ chức" not in chat.text()
    assert await stored(sessionmaker) == []


async def test_codes_start_again_next_year(chat, clock):
    await begin(chat, "ht-giaithuong")
    for answer in ("Công ty TNHH Ánh Dương", "0100233488", "Nguyễn Văn An", "0905123456"):
        await chat.send(answer)
    for label in ("Bỏ qua", "Xây dựng", "Nhỏ", "Chưa áp dụng", "2027", "Xác nhận"):
        await chat.press(label)
    assert "GT-2026-0001" in chat.text()
    clock.advance(days=40)  # January 2027
    await chat.send("/start ht-giaithuong")
    await chat.press("Xây dựng")
    for label in ("Nhỏ", "Chưa áp dụng", "2027", "Xác nhận"):
        await chat.press(label)
    assert "GT-2027-0001" in chat.text()


async def test_a_vague_request_offers_the_four_rather_than_a_form(chat):
    await chat.send("cho mình xin hướng dẫn")
    assert "Bạn muốn gửi đề nghị nào" in chat.text()
    assert "Thông báo xử lý dữ liệu" not in chat.text()
