"""A person's support requests in «Đăng ký của tôi», /dulieucuatoi and /xoadulieu."""

from sqlalchemy import select

from storage.models import SupportRequest
from tests.dialogue.helpers import agree


async def ask_guidance(chat, company="Công ty TNHH Ánh Dương") -> None:
    """A whole request for guidance on management systems, from the deep link."""
    await chat.send("/start ht-huongdan")
    if "Thông báo xử lý dữ liệu" in chat.text():
        await agree(chat)
    for answer in (company, "0100233488", "Nguyễn Văn An", "0905 123 456"):
        await chat.send(answer)
    await chat.press("Bỏ qua")
    await chat.press("Hệ thống quản lý")
    for answer in ("ISO 22000", "Chưa áp dụng", "Hướng dẫn xây dựng tài liệu"):
        await chat.send(answer)
    await chat.press("Gặp trực tiếp")
    await chat.press("Xác nhận")


async def test_my_registrations_show_each_request_with_its_code_and_status(chat):
    await chat.send("/dangkycuatoi")
    assert "đề nghị hỗ trợ" in chat.text()  # nothing yet: where to ask is said
    await ask_guidance(chat)
    await chat.send("/dangkycuatoi")
    assert "HT-2026-0001" in chat.text() and "Đề nghị hướng dẫn" in chat.text()
    assert "đã tiếp nhận" in chat.text()


async def test_my_data_shows_the_requests_as_given(chat):
    await ask_guidance(chat)
    await chat.send("/dulieucuatoi")
    text = chat.text()
    for shown in ("HT-2026-0001", "đã tiếp nhận", "Công ty TNHH Ánh Dương", "0100233488",
                  "0905 123 456", "Hệ thống quản lý (ISO 9001", "ISO 22000",
                  "Gặp trực tiếp tại doanh nghiệp", "đề nghị hỗ trợ"):
        assert shown in text, shown


async def test_erasing_my_data_erases_my_requests_and_closes_them(chat, sessionmaker):
    await ask_guidance(chat)
    await chat.send("/xoadulieu")
    assert "đề nghị hỗ trợ" in chat.text()  # the warning says the requests go too
    await chat.press("Có, xóa dữ liệu")
    async with sessionmaker() as session:
        row = (await session.scalars(select(SupportRequest))).one()
    assert row.answers is None and row.status == "closed" and row.topic == "he-thong-ql"
    await chat.send("/dulieucuatoi")
    assert "Ánh Dương" not in chat.text() and "0100233488" not in chat.text()


async def nominate(chat) -> None:
    """A whole nomination for the lecturer course, from the deep link."""
    await chat.send("/start ht-daotao")
    if "Thông báo xử lý dữ liệu" in chat.text():
        await agree(chat)
    await chat.send("Sở Công Thương")
    await chat.press("Cơ quan nhà nước")
    for answer in ("Trần Thị Bích", "Chuyên viên", "0935 123 456"):
        await chat.send(answer)
    await chat.press("Bỏ qua")
    await chat.press("Giảng viên")
    await chat.send("Cần giảng viên về năng suất cho các doanh nghiệp ngành")
    await chat.press("Xác nhận")
