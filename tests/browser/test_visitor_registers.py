"""A visitor on a phone registers an enterprise for a training class, with the keyboard alone."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from storage.models import Contact, Registration
from tests.browser.keys import answer, press, shown
from tests.dialogue.helpers import add_session
from tests.fakes.chat import Clock

PHONE = (360, 740)


async def unnamed_controls(page) -> list[str]:
    """Buttons and text boxes a screen reader would announce without a name."""
    cdp = await page.context.new_cdp_session(page)
    tree = await cdp.send("Accessibility.getFullAXTree")
    controls = [node for node in tree["nodes"] if not node.get("ignored")
                and node.get("role", {}).get("value") in ("button", "textbox")]
    assert controls, "the page has no buttons nor text box at all"
    return [node["role"]["value"] for node in controls
            if not node.get("name", {}).get("value", "").strip()]


async def page_width(page) -> int:
    return await page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.viewport(*PHONE)
async def test_a_visitor_registers_for_a_class_on_a_phone_with_the_keyboard_alone(page, site):
    await add_session(site.core.sessionmaker, Clock(datetime.now(UTC)), "lop1", capacity=10)
    async with shown(page, "Đăng ký lớp tập huấn"):
        await page.goto(f"{site.url}/chat/")

    await press(page, "Đăng ký lớp tập huấn", then="Thông báo xử lý dữ liệu cá nhân")
    await press(page, "Đồng ý: đăng ký, đề nghị hỗ trợ và nhắc lịch",
                then="Bạn muốn đăng ký lớp nào")
    await press(page, "năng suất chất lượng", then="Bạn muốn đăng ký lớp nào")
    await press(page, "Xong", then="Tên doanh nghiệp")
    await answer(page, "Công ty TNHH Ánh Dương", then="mã số thuế")
    await answer(page, "0100233488", then="xã, phường hoặc đặc khu nào")
    await answer(page, "phường Tam Kỳ", then="thuộc tỉnh, thành phố nào")
    await press(page, "Quảng Nam (cũ)", then="lĩnh vực hoạt động")
    await press(page, "Thương mại", then="họ và tên người liên hệ")
    await answer(page, "Nguyễn Văn An", then="chức vụ")
    await answer(page, "Giám đốc", then="số điện thoại")
    await answer(page, "0905 123 456", then="email")
    await answer(page, "an@anhduong.vn", then="bao nhiêu người")
    await answer(page, "2", then="kiểm tra lại thông tin")
    assert await page_width(page) <= PHONE[0]  # the longest screen: the summary
    await press(page, "Xác nhận", then="Đã ghi nhận đăng ký")

    confirmation = page.get_by_text("Đã ghi nhận đăng ký").last
    await confirmation.scroll_into_view_if_needed()
    assert await confirmation.is_visible()
    assert "LTH1-0001" in await confirmation.inner_text()
    assert "đã có chỗ" in await confirmation.inner_text()
    assert await page_width(page) <= PHONE[0], "the page scrolls sideways on a 360-px phone"
    assert await unnamed_controls(page) == []

    async with site.core.sessionmaker() as session:
        registration, person = (await session.execute(
            select(Registration, Contact).join(Contact))).one()
    assert person.channel == "web"
    assert (registration.code, registration.status, registration.attendees) == (
        "LTH1-0001", "confirmed", 2)
    assert (registration.company, registration.tax_code, registration.commune) == (
        "Công ty TNHH Ánh Dương", "0100233488", "phường Tam Kỳ")
    assert (registration.contact_name, registration.position, registration.email) == (
        "Nguyễn Văn An", "Giám đốc", "an@anhduong.vn")
    assert registration.phone and registration.phone.endswith("905123456")
