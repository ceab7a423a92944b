"""The admin's way in, and what there is to see: a login link from the chat, a session to
register for, registrations made in the chat."""

import re
from datetime import UTC, datetime

from tests.browser.conftest import ADMIN
from tests.dialogue.helpers import add_session, register, valid_tax_code
from tests.fakes.chat import Clock, FakeChat


def someone(site, user_id: str) -> FakeChat:
    """A person in the Telegram chat, on the real clock the dashboard also uses."""
    return FakeChat(site.core.dispatcher, user_id=user_id, channel="telegram")


async def link_from_the_chat(site) -> str:
    """/admin → «Mở trang quản trị» in the admin's own chat: the link the bot sends."""
    admin = someone(site, ADMIN.split(":")[1])
    await admin.send("/admin")
    await admin.press("Mở trang quản trị")
    found = re.search(re.escape(site.url) + r"/admin/login/[A-Za-z0-9_-]+", admin.text())
    assert found, admin.text()
    return found.group(0)


async def registered(site, user_id: str, n: int, company: str):
    """A registration made in the chat, from the deep link to «Xác nhận»."""
    await register(someone(site, user_id), tax_code=valid_tax_code(n), company=company,
                   attendees="1")


async def with_a_session(site):
    return await add_session(site.core.sessionmaker, Clock(datetime.now(UTC)), "lop1",
                             capacity=50)


async def signed_in(page, link: str) -> None:
    """Open the link and press «Đăng nhập»: the overview follows."""
    await page.goto(link)
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.get_by_role("heading", name="Tổng quan").wait_for()
