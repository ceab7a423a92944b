"""A running web app with the dashboard, an admin who asks the bot for a login link, and a
browser-like client that signs in with it."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.dashboard import Dashboard
from bot.settings import Settings
from bot.web import init_app
from bot.wiring import build_core
from storage import registrations
from tests.fakes.chat import FakeChat

ADMIN = "999"
CSRF = re.compile(r'name="csrf" value="([0-9a-f]{64})"')


@pytest.fixture
async def web(db_url, tmp_path):
    settings = Settings(_env_file=None, database_url=db_url, admin_ids=f"telegram:{ADMIN}",
                        export_dir=tmp_path / "exports", web_public_url="http://bot.test")
    core = build_core(settings)
    client = TestClient(TestServer(init_app(core, Dashboard(core).routes())))
    await client.start_server()
    client.core = core
    yield client
    await client.close()
    await core.close()


def person(web, user_id: str, channel: str = "telegram") -> FakeChat:
    """Someone in the chat, on the real clock the dashboard also uses."""
    return FakeChat(web.core.dispatcher, user_id=user_id, channel=channel)


async def login_link(web, user_id: str = ADMIN) -> str:
    """/admin → «Mở trang quản trị» in the admin's own chat; the path of the link sent."""
    admin = person(web, user_id)
    await admin.send("/admin")
    await admin.press("Mở trang quản trị")
    found = re.search(r"http://bot\.test(/admin/login/[A-Za-z0-9_-]+)", admin.text())
    assert found, admin.text()
    return found.group(1)


async def sign_in(web, user_id: str = ADMIN) -> str:
    """Open the link, press «Đăng nhập»; the CSRF token of the signed-in pages."""
    link = await login_link(web, user_id)
    page = await web.get(link)
    assert page.status == 200 and "Đăng nhập" in await page.text()
    response = await web.post(link, allow_redirects=False)
    assert response.status == 303
    return await csrf(web)


async def csrf(web, path: str = "/admin/") -> str:
    page = await web.get(path, allow_redirects=False)
    assert page.status == 200
    return CSRF.search(await page.text()).group(1)


async def add_session(web, capacity=20, days=10, class_code="lop1"):
    now = datetime.now(UTC)
    async with web.core.sessionmaker.begin() as session:
        info = await registrations.class_by_code(session, class_code)
        added, _ = await registrations.add_session(
            session, info.id, now + timedelta(days=days), "Hội trường Sở KH&CN", capacity, now)
        return added
