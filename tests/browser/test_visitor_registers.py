"""A visitor on a phone registers an enterprise for a training class, with the keyboard alone."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from storage.models import Contact, Registration
from tests.browser.keys import answer, press, shown
from tests.browser.looks import focus_ring, page_width, unnamed_controls
from tests.dialogue.helpers import add_session
from tests.fakes.chat import Clock

PHONE = (360, 740)
MAX_TABS_PER_STEP = 3
STEPS = [  # press a button, or answer by typing; then what the reply says
    ("press", "Đăng ký lớp tập huấn", "Thông báo xử lý dữ liệu cá nhân"),
    ("press", "Đồng ý: đăng ký", "Bạn muốn đăng ký lớp nào"),
    ("press", "năng suất chất lượng", "Bạn muốn đăng ký lớp nào"),
    ("press", "Xong", "Tên doanh nghiệp"),
    ("answer", "Công ty TNHH Ánh Dương", "mã số thuế"),
    ("answer", "0100233488", "xã, phường hoặc đặc khu nào"),
    ("answer", "phường Tam Kỳ", "thuộc tỉnh, thành phố nào"),
    ("press", "Quảng Nam (cũ)", "lĩnh vực hoạt động"),
    ("press", "Thương mại", "họ và tên người liên hệ"),
    ("answer", "Nguyễn Văn An", "chức vụ"),
    ("answer", "Giám đốc", "số điện thoại"),
    ("answer", "0905 123 456", "email"),
    ("answer", "an@anhduong.vn", "bao nhiêu người"),
    ("answer", "2", "kiểm tra lại thông tin"),
]


@pytest.mark.viewport(*PHONE)
async def test_a_visitor_registers_for_a_class_on_a_phone_with_the_keyboard_alone(page, site):
    await add_session(site.core.sessionmaker, Clock(datetime.now(UTC)), "lop1", capacity=10)
    async with shown(page, "Đăng ký lớp tập huấn"):
        await page.goto(f"{site.url}/chat/")

    presses = {}
    for step, said, then in STEPS:
        presses[said] = await (press if step == "press" else answer)(page, said, then=then)
    assert await page_width(page) <= PHONE[0]  # the longest screen: the summary
    presses["Xác nhận"] = await press(page, "Xác nhận", then="Đã ghi nhận đăng ký")
    # Focus follows the talk: onto the newest reply's buttons after a press, kept in the box
    # after typing; older replies' buttons are out of the way.
    slow = {step: count for step, count in presses.items() if count > MAX_TABS_PER_STEP}
    assert not slow, f"too many presses of Tab to reach these: {slow}"
    assert sum(presses.values()) <= 12, presses  # the page on main needed 62
    assert await focus_ring(page) >= 2, "the focus cannot be seen"
    stale = page.get_by_role("button", name="Đăng ký lớp tập huấn").first
    assert await stale.is_disabled()  # still read out, no longer in the way
    log = page.get_by_role("log")
    assert await log.get_attribute("aria-live") == "polite"  # new replies are read out

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
