"""The web chat: a cookie per person, the same dialogue, escaped HTML, queued messages."""

from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.channels.web import COOKIE, WebChat
from bot.settings import Settings
from bot.web import init_app
from bot.wiring import build_core
from storage import contacts, org, outbox
from storage.models import Contact, Conversation

ADMIN_VISITOR = "admin-visitor-0123456789"


@pytest.fixture
async def client(db_url, tmp_path):
    settings = Settings(_env_file=None, database_url=db_url, admin_ids=f"web:{ADMIN_VISITOR}",
                        export_dir=tmp_path / "exports")
    core = build_core(settings)
    client = TestClient(TestServer(init_app(core, WebChat(core).routes())))
    await client.start_server()
    client.core = core
    yield client
    await client.close()
    await core.close()


async def visit(client) -> str:
    page = await client.get("/chat/")
    assert page.status == 200
    html = await page.text()
    assert "Trợ lý Kế hoạch 1349/KH-UBND" in html and 'lang="vi"' in html
    return page.cookies[COOKIE].value


async def say(client, **body):
    response = await client.post("/chat/api/send", json=body)
    return response.status, (await response.json())


async def test_a_visitor_chats_with_buttons_and_escaped_values(client):
    await visit(client)
    status, body = await say(client, text="/start", id="m1")
    assert status == 200 and "Xin chào" in body["replies"][0]["html"]
    labels = [label for label, _ in body["replies"][-1]["buttons"]]
    assert labels[0] == "Giới thiệu kế hoạch"
    _, body = await say(client, payload="reg:lop1", id="m2")
    _, body = await say(client, payload="cs:r:reg:lop1", id="m3")
    assert "Tên doanh nghiệp" in body["replies"][-1]["html"]
    _, body = await say(client, text="Công ty Xanh & Sạch", id="m4")
    _, body = await say(client, payload="f:back", id="m5")
    assert "Công ty Xanh &amp; Sạch" in body["replies"][-1]["html"]  # escaped for the page


async def test_no_cookie_no_chat_and_duplicates_and_oversize(client):
    status, _ = await say(client, text="/start")
    assert status == 403
    await visit(client)
    assert (await say(client, text="/start", id="same"))[1]["replies"]
    assert (await say(client, text="/start", id="same"))[1]["replies"] == []
    response = await client.post("/chat/api/send", data=b"{" + b" " * 9000 + b"}",
                                 headers={"Content-Type": "application/json"})
    assert response.status == 400


async def test_queued_messages_wait_for_the_page(client):
    visitor = await visit(client)
    now = datetime.now(UTC)
    async with client.core.sessionmaker.begin() as session:
        person = await contacts.touch(session, "web", visitor, visitor, None, now)
        await outbox.enqueue(session, dedupe_key="t1", channel="web", chat_id=visitor,
                             contact_id=person.id, text="Tin vui: đã có chỗ cho bạn",
                             buttons=[[["Đăng ký của tôi", "myreg"]]], now=now)
    first = await (await client.get("/chat/api/inbox")).json()
    second = await (await client.get("/chat/api/inbox")).json()
    assert first["replies"][0]["html"] == "Tin vui: đã có chỗ cho bạn"
    assert first["replies"][0]["buttons"] == [["Đăng ký của tôi", "myreg"]]
    assert second["replies"] == []


async def test_health_check_answers_when_the_database_does(client):
    response = await client.get("/healthz")
    assert response.status == 200 and (await response.json()) == {"status": "ok"}


@pytest.mark.parametrize("body", [
    b'{"text": "/start", "id": "\\ud800"}',
    b'{"text": "Xin ch\\udc00o", "id": "m1"}',
    b'{"payload": "menu", "id": "m1", "note": ["\\ud83d"]}',
])
async def test_a_lone_surrogate_in_any_field_is_a_bad_request_and_stores_nothing(client, body):
    await visit(client)
    response = await client.post("/chat/api/send", data=body,
                                 headers={"Content-Type": "application/json"})
    assert response.status == 400
    async with client.core.sessionmaker() as session:
        for table in (Contact, Conversation):
            assert (await session.execute(select(func.count()).select_from(table))).scalar() == 0


async def test_an_export_asked_for_in_the_web_chat_is_written_to_the_exports_folder(client,
                                                                                    tmp_path):
    client.session.cookie_jar.update_cookies({COOKIE: ADMIN_VISITOR})
    status, body = await say(client, payload="adm:export", id="x1")
    written = list((tmp_path / "exports").glob("*.xlsx"))
    assert status == 200 and len(written) == 1
    assert str(Path("exports") / written[0].name) in body["replies"][0]["html"]
    assert len(openpyxl.load_workbook(written[0]).worksheets) == 8  # with 4 of requests


async def test_the_page_title_names_the_department_an_admin_entered(client):
    html = await (await client.get("/chat/")).text()
    default = "Sở Khoa học và Công nghệ thành phố Đà Nẵng"
    assert f"<title>Trợ lý Kế hoạch 1349/KH-UBND — {default}</title>" in html
    assert "Quảng Nam" not in html
    async with client.core.sessionmaker.begin() as session:
        await org.put(session, "dept_name", "Sở A & B", "web:admin", datetime.now(UTC))
    html = await (await client.get("/chat/")).text()
    assert "<header>Trợ lý Kế hoạch 1349/KH-UBND — Sở A &amp; B</header>" in html
