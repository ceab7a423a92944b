"""A staff member on a phone signs in to the dashboard, finds a support request, answers it and
closes it; the pages fit a 360-px screen, every control has a name, and the browser reports no
breach of the Content-Security-Policy."""

import re

import pytest
from sqlalchemy import select

from storage.models import OutboxMessage, SupportRequest
from tests.browser.admin import link_from_the_chat
from tests.browser.looks import page_width, unnamed_controls
from tests.dialogue.test_support_data import ask_guidance
from tests.fakes.chat import FakeChat

PHONE = (360, 740)


async def fits_and_is_named(page) -> None:
    assert await page_width(page) <= PHONE[0], f"{page.url} scrolls sideways on a phone"
    assert await unnamed_controls(page) == [], page.url


@pytest.mark.viewport(*PHONE)
async def test_staff_answer_and_close_a_request_on_a_phone(page, site):
    core = site.core
    await ask_guidance(FakeChat(core.dispatcher, user_id="7001", channel="telegram"))
    async with core.sessionmaker() as session:
        code = (await session.scalars(select(SupportRequest.code))).one()
    link = await link_from_the_chat(site)
    breaches = []
    page.on("console", lambda message: breaches.append(message.text)
            if "Content Security Policy" in message.text else None)

    await page.goto(link)
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
