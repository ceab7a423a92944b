"""A staff member on a phone signs in to the dashboard, finds a support request, answers it and
closes it; the pages fit a 360-px screen, every control has a name, and the browser reports no
breach of the Content-Security-Policy."""

import re

import pytest
from aiohttp.test_utils import unused_port
from sqlalchemy import select

from bot.channels.web import WebChat
from bot.dashboard import Dashboard
from bot.settings import Settings
from bot.web import start_web
from bot.wiring import build_core
from storage.models import OutboxMessage, SupportRequest
from tests.browser.conftest import Site
from tests.dialogue.test_support_data import ask_guidance
from tests.fakes.chat import FakeChat

PHONE = (360, 740)
ADMIN = "999"


@pytest.fixture
async def staff_site(db_url, tmp_path):
    """The app with the dashboard and one admin (telegram:999)."""
    port = unused_port()
    settings = Settings(_env_file=None, database_url=db_url, web_host="127.0.0.1",
                        web_port=port, admin_ids=f"telegram:{ADMIN}",
                        export_dir=tmp_path / "exports")
    core = build_core(settings)
    runner = await start_web(core, [*WebChat(core).routes(), *Dashboard(core).routes()])
    try:
        yield Site(f"http://127.0.0.1:{port}", core)
    finally:
        await runner.cleanup()
        await core.close()


async def page_width(page) -> int:
    return await page.evaluate("document.documentElement.scrollWidth")


async def unnamed_controls(page) -> list[str]:
    cdp = await page.context.new_cdp_session(page)
    tree = await cdp.send("Accessibility.getFullAXTree")
    return [node["role"]["value"] for node in tree["nodes"] if not node.get("ignored")
            and node.get("role", {}).get("value") in ("button", "textbox", "combobox", "link")
            and not node.get("name", {}).get("value", "").strip()]


async def fits_and_is_named(page) -> None:
    assert await page_width(page) <= PHONE[0], f"{page.url} scrolls sideways on a phone"
    assert await unnamed_controls(page) == [], page.url


@pytest.mark.viewport(*PHONE)
async def test_staff_answer_and_close_a_request_on_a_phone(page, staff_site):
    core = staff_site.core
    await ask_guidance(FakeChat(core.dispatcher, user_id="7001", channel="telegram"))
    async with core.sessionmaker() as session:
        code = (await session.scalars(select(SupportRequest.code))).one()
    admin = FakeChat(core.dispatcher, user_id=ADMIN, channel="telegram")
    await admin.send("/admin")
    await admin.press("Mở trang quản trị")
    link = re.search(r"http://127\.0\.0\.1:\d+/admin/login/[A-Za-z0-9_-]+", admin.text())
    breaches = []
    page.on("console", lambda message: breaches.append(message.text)
            if "Content Security Policy" in message.text else None)

    await page.goto(link.group(0))
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.get_by_role("link", name="Yêu cầu hỗ trợ").click()
    await page.get_by_role("heading", name="Yêu cầu hỗ trợ").wait_for()
    await fits_and_is_named(page)
    await page.get_by_label("Tìm (mã yêu cầu, tên doanh nghiệp hoặc đơn vị)").fill("anh duong")
    await page.get_by_role("button", name="Tìm", exact=True).click()
    await page.get_by_text("Tìm thấy 1 mục.").wait_for()
    await page.get_by_role("link", name=code).click()

    await page.get_by_role("heading", name=re.compile(code)).wait_for()
    await fits_and_is_named(page)
    await page.get_by_label("Nội dung trả lời").fill("Mời anh đến Sở ngày 05/12.")
    await page.get_by_role("button", name="Gửi trả lời").click()
    await page.get_by_text(f"Đã gửi trả lời cho {code}.").wait_for()
    await page.get_by_role("link", name=f"Đóng {code}").click()
    await page.get_by_text(f"Bạn chắc chắn muốn đóng yêu cầu {code}?").wait_for()
    await fits_and_is_named(page)
    await page.get_by_role("button", name="Có, đóng yêu cầu").click()
    await page.get_by_text(f"Đã đóng {code}.").wait_for()
    await fits_and_is_named(page)
    assert breaches == []

    async with core.sessionmaker() as session:
        told = list(await session.scalars(select(OutboxMessage.text).where(
            OutboxMessage.chat_id == "7001").order_by(OutboxMessage.id)))
    assert "Mời anh đến Sở ngày 05/12." in told[0] and "đã được đóng" in told[1]
