"""An admin at a desk: signs in with the one-time link the chat sends, finds a registration,
downloads the export, sends a broadcast and watches it go out; a stale or used link is refused.
SQLite only: the same pages run on PostgreSQL in tests/web/, and a browser costs seconds."""

from datetime import UTC, datetime, timedelta

import openpyxl
import pytest

from bot.outbox import OutboxSender
from handlers.calendar import WorkCalendar
from storage import web_admin
from tests.browser.admin import link_from_the_chat, registered, signed_in, with_a_session
from tests.browser.conftest import ADMIN
from tests.dialogue.helpers import valid_tax_code
from tests.fakes.channel import RecordingChannel

pytestmark = pytest.mark.sqlite_only("a browser journey; tests/web/ runs these pages on both")


async def test_an_admin_finds_a_registration_and_downloads_the_export(page, site, tmp_path):
    await with_a_session(site)
    await registered(site, "301", 1, "Công ty TNHH Ánh Dương")
    await registered(site, "302", 2, "Hợp tác xã Quế Sơn")
    await signed_in(page, await link_from_the_chat(site))

    await page.get_by_role("link", name="Đăng ký và thành viên").click()
    await page.get_by_label("Tìm (tên").fill("anh duong")
    await page.get_by_role("button", name="Tìm", exact=True).click()
    await page.get_by_text("Tìm thấy 1 mục").wait_for()
    table = page.get_by_role("table")
    assert "Công ty TNHH Ánh Dương" in await table.inner_text()
    assert "Quế Sơn" not in await table.inner_text()

    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="Tải tệp Excel").click()
    download = await downloading.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    workbook = openpyxl.load_workbook(saved)
    cells = {c for sheet in workbook.worksheets
             for row in sheet.iter_rows(values_only=True) for c in row}
    assert {"Công ty TNHH Ánh Dương", valid_tax_code(1)} <= cells


async def test_an_admin_sends_a_broadcast_and_watches_it_reach_everyone(page, site):
    session = await with_a_session(site)
    for n in range(3):
        await registered(site, str(300 + n), 10 + n, f"Công ty số {n}")
    await signed_in(page, await link_from_the_chat(site))

    await page.get_by_role("link", name="Gửi thông báo").click()
    await page.get_by_label("Người nhận").select_option(f"cls:{session.class_id}")
    await page.get_by_label("Nội dung thông báo").fill("Lớp học dời sang phòng 204.")
    await page.get_by_role("button", name="Xem trước").click()
    assert await page.get_by_text("3 người.").is_visible()
    assert await page.get_by_text("Lớp học dời sang phòng 204.").is_visible()
    await page.get_by_role("button", name="Xác nhận gửi tới 3 người").click()

    bar = page.get_by_role("progressbar", name="Tiến độ gửi")
    assert await bar.get_attribute("value") == "0"
    telegram = RecordingChannel()
    await OutboxSender(site.core, {"telegram": telegram}, WorkCalendar()).drain()
    # the page asks for the figures itself: no reload
    await page.get_by_text("Đã gửi 3/3").wait_for()
    assert await bar.get_attribute("value") == "100"
    assert {chat for chat, text in telegram.sent if "phòng 204" in text} == {"300", "301", "302"}


async def test_an_expired_link_is_refused(page, site):
    past = datetime.now(UTC) - timedelta(minutes=30)
    async with site.core.sessionmaker.begin() as session:
        token = await web_admin.new_login_link(session, ADMIN, past, minutes=10)
    response = await page.goto(f"{site.url}/admin/login/{token}")
    assert response.status == 403
    assert await page.get_by_role("alert").inner_text() == (
        "Đường dẫn đăng nhập này đã hết hạn, đã được dùng hoặc không đúng.")
    assert await page.get_by_role("button", name="Đăng nhập").count() == 0
    await page.goto(f"{site.url}/admin/")
    assert await page.get_by_role("heading", name="Tổng quan").count() == 0


async def test_a_used_link_is_refused_the_second_time(page, browser, site):
    link = await link_from_the_chat(site)
    elsewhere = await browser.new_context()
    try:
        late = await elsewhere.new_page()
        await late.goto(link)  # opened in time, pressed after the admin used the link
        await signed_in(page, link)
        await late.get_by_role("button", name="Đăng nhập").click()
        assert await late.get_by_role("alert").is_visible()
        assert await late.get_by_role("heading", name="Tổng quan").count() == 0
        again = await late.goto(link)
        assert again.status == 403
        assert await late.get_by_role("button", name="Đăng nhập").count() == 0
    finally:
        await elsewhere.close()

