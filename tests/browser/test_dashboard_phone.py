"""The dashboard on a 360-px phone: no page scrolls sideways as a whole (a wide table scrolls
in its own box), and every control is announced with a name. SQLite only: the pages are the
same on PostgreSQL, which tests/web/ covers."""

import pytest

from tests.browser.admin import link_from_the_chat, registered, signed_in, with_a_session
from tests.browser.conftest import save_screenshot
from tests.browser.looks import page_width, unnamed_controls

PHONE = (360, 740)
pytestmark = pytest.mark.sqlite_only("a browser journey; tests/web/ runs these pages on both")


async def fits_a_phone(page, name: str, has_controls: bool = True) -> None:
    await save_screenshot(page, f"phone_{name}")
    assert await page_width(page) <= PHONE[0], f"{name}: the page scrolls sideways"
    if has_controls:
        assert await unnamed_controls(page) == [], f"{name}: a control without a name"


@pytest.mark.viewport(*PHONE)
async def test_every_dashboard_page_fits_a_phone_and_names_its_controls(page, site):
    session = await with_a_session(site)
    for n in range(2):
        await registered(site, str(300 + n), 20 + n,
                         f"Công ty Trách nhiệm hữu hạn Thương mại Dịch vụ số {n}")
    await page.goto(f"{site.url}/admin/login")
    await fits_a_phone(page, "login_how", has_controls=False)
    link = await link_from_the_chat(site)
    await page.goto(link)
    await fits_a_phone(page, "login")
    await signed_in(page, link)
    await fits_a_phone(page, "overview")

    for name, path in [("registrations", "/admin/registrations"),
                       ("sessions", "/admin/sessions"),
                       ("session_edit", f"/admin/sessions/{session.id}"),
                       ("session_cancel", f"/admin/sessions/{session.id}/cancel"),
                       ("deadlines", "/admin/deadlines"),
                       ("broadcast", "/admin/broadcast")]:
        await page.goto(site.url + path)
        assert await page.get_by_role("heading", level=1).count() == 1, name
        await fits_a_phone(page, name)

    table = page.get_by_role("table")
    await page.goto(f"{site.url}/admin/registrations")
    assert await table.evaluate("t => t.scrollWidth") > PHONE[0]  # wide, in its own box

    await page.goto(f"{site.url}/admin/broadcast")
    await page.get_by_label("Người nhận").select_option(f"cls:{session.class_id}")
    await page.get_by_label("Nội dung thông báo").fill("Lớp học dời sang phòng 204.")
    await page.get_by_role("button", name="Xem trước").click()
    await fits_a_phone(page, "broadcast_preview")
    await page.get_by_role("button", name="Xác nhận gửi tới 2 người").click()
    await page.get_by_role("progressbar").wait_for()
    await fits_a_phone(page, "broadcast_progress")
