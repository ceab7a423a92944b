"""The web chat: signed sessions, the same dialogue, escaped HTML, queued messages, and the
guards of a public page (limits, Origin/CSRF, headers)."""

import asyncio
import re
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from aiohttp.test_utils import TestClient, TestServer, make_mocked_request
from sqlalchemy import func, select

from bot.channels.web import COOKIE, CSRF_HEADER, WebChat
from bot.settings import Settings
from bot.web import client_address, init_app
from bot.wiring import build_core
from storage import contacts, org, outbox
from storage.models import Contact, Conversation, InboxUpdate, OutboxMessage

ADMIN_VISITOR = "admin-visitor-0123456789"
TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


async def start(db_url, tmp_path, **overrides):
    settings = Settings(_env_file=None, database_url=db_url, admin_ids=f"web:{ADMIN_VISITOR}",
                        export_dir=tmp_path / "exports", **overrides)
    core = build_core(settings)
    chat = WebChat(core)
    client = TestClient(TestServer(init_app(core, chat.routes())))
    await client.start_server()
    client.core, client.chat = core, chat
    return client


@pytest.fixture
async def client(db_url, tmp_path):
    client = await start(db_url, tmp_path)
    yield client
    await client.close()
    await client.core.close()


async def visit(client) -> str:
    """Open the page; returns its CSRF token (the session cookie is in the client's jar)."""
    page = await client.get("/chat/")
    assert page.status == 200
    html = await page.text()
    assert "Trợ lý Kế hoạch 1349/KH-UBND" in html and 'lang="vi"' in html
    return TOKEN.search(html).group(1)


async def say(client, token, **body):
    response = await client.post("/chat/api/send", json=body, headers={CSRF_HEADER: token})
    return response.status, (await response.json())


async def rows(client, *tables) -> int:
    async with client.core.sessionmaker() as session:
        return sum([(await session.execute(select(func.count()).select_from(table))).scalar()
                    for table in tables])


def cookie(client) -> str:
    return next(c.value for c in client.session.cookie_jar if c.key == COOKIE)


async def test_a_visitor_chats_with_buttons_and_escaped_values(client):
    token = await visit(client)
    status, body = await say(client, token, text="/start", id="m1")
    assert status == 200 and "Xin chào" in body["replies"][0]["html"]
    labels = [label for label, _ in body["replies"][-1]["buttons"]]
    assert labels[0] == "Giới thiệu kế hoạch" and not body["replies"][-1]["asks_text"]
    _, body = await say(client, token, payload="reg:lop1", id="m2")
    _, body = await say(client, token, payload="cs:r:reg:lop1", id="m3")
    assert "Tên doanh nghiệp" in body["replies"][-1]["html"]
    assert body["replies"][-1]["asks_text"]  # the page keeps the focus in the text box
    _, body = await say(client, token, text="Công ty Xanh & Sạch", id="m4")
    _, body = await say(client, token, payload="f:back", id="m5")
    assert "Công ty Xanh &amp; Sạch" in body["replies"][-1]["html"]  # escaped for the page


async def test_opening_the_page_and_its_greeting_store_nothing(client):
    await visit(client)
    welcome = await (await client.get("/chat/api/welcome")).json()
    assert "Xin chào" in welcome["replies"][0]["html"]
    assert ["Giới thiệu kế hoạch", "plan"] in welcome["replies"][-1]["buttons"]
    assert await rows(client, Contact, Conversation, InboxUpdate) == 0
    token = await visit(client)
    await say(client, token, payload="plan", id="first")  # the first real message
    assert await rows(client, Contact) == 1 and await rows(client, Conversation) == 1


@pytest.mark.parametrize("forged", [
    "abcdefghijklmnop0123",  # the unsigned ids the page used to accept
    "abcdefghijklmnop0123.1796000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
])
async def test_a_forged_or_unsigned_cookie_gets_a_new_server_issued_session(client, forged):
    client.session.cookie_jar.update_cookies({COOKIE: forged})
    response = await client.post("/chat/api/send", json={"text": "/start"},
                                 headers={CSRF_HEADER: "whatever"})
    assert response.status == 403 and (await response.json()) == {"error": "session"}
    issued = response.cookies[COOKIE]
    assert issued.value != forged and issued["httponly"] and issued["samesite"] == "Lax"
    assert not issued.value.startswith("abcdefghijklmnop0123")
    assert await rows(client, Contact, Conversation, InboxUpdate) == 0
    # the page retries with the token that came with the new session
    status, body = await say(client, response.headers[CSRF_HEADER], text="/start", id="a")
    assert status == 200 and "Xin chào" in body["replies"][0]["html"]
    async with client.core.sessionmaker() as session:
        visitor = (await session.execute(select(Contact.user_id))).scalar()
    assert issued.value.startswith(visitor + ".")

    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies({COOKIE: forged})
    page = await client.get("/chat/")
    assert page.cookies[COOKIE].value not in (forged, issued.value)


async def test_a_cross_origin_or_non_json_post_is_refused(client):
    token = await visit(client)
    evil = {"Origin": "https://evil.example"}
    response = await client.post("/chat/api/send", json={"text": "/start"}, headers=evil)
    assert response.status == 403
    for body, kind in (('{"text": "/start"}', "text/plain"), ("text=%2Fstart",
                                                              "application/x-www-form-urlencoded")):
        response = await client.post("/chat/api/send", data=body,
                                     headers={"Content-Type": kind, CSRF_HEADER: token})
        assert response.status == 415
    assert await rows(client, Contact, Conversation, InboxUpdate) == 0
    # from the page itself: the same Origin without a token, or the token without an Origin
    own = {"Origin": str(client.make_url("")).rstrip("/")}
    response = await client.post("/chat/api/send", json={"text": "/start", "id": "o"},
                                 headers=own)
    assert response.status == 200
    assert (await say(client, token, text="/start", id="t"))[0] == 200


async def test_duplicates_and_oversize(client):
    token = await visit(client)
    assert (await say(client, token, text="/start", id="same"))[1]["replies"]
    assert (await say(client, token, text="/start", id="same"))[1]["replies"] == []
    response = await client.post("/chat/api/send", data=b"{" + b" " * 9000 + b"}",
                                 headers={"Content-Type": "application/json",
                                          CSRF_HEADER: token})
    assert response.status == 413


async def test_the_inbox_get_changes_nothing_and_the_page_acknowledges_with_a_post(client):
    token = await visit(client)
    visitor = cookie(client).partition(".")[0]
    now = datetime.now(UTC)
    async with client.core.sessionmaker.begin() as session:
        person = await contacts.touch(session, "web", visitor, visitor, None, now)
        await outbox.enqueue(session, dedupe_key="t1", channel="web", chat_id=visitor,
                             contact_id=person.id, text="Tin vui: đã có chỗ cho bạn",
                             buttons=[[["Đăng ký của tôi", "myreg"]]], now=now)
        other = await contacts.touch(session, "web", "someone-else", "someone-else", None, now)
        await outbox.enqueue(session, dedupe_key="t2", channel="web", chat_id="someone-else",
                             contact_id=other.id, text="Của người khác", buttons=[], now=now)
    first = await (await client.get("/chat/api/inbox")).json()
    second = await (await client.get("/chat/api/inbox")).json()
    assert first == second  # reading twice shows the same: nothing was marked
    assert first["replies"][0]["html"] == "Tin vui: đã có chỗ cho bạn"
    assert first["replies"][0]["buttons"] == [["Đăng ký của tôi", "myreg"]]
    async with client.core.sessionmaker() as session:
        statuses = (await session.execute(select(OutboxMessage.status))).scalars().all()
    assert statuses == ["pending", "pending"]
    ids = [reply["id"] for reply in first["replies"]]
    response = await client.post("/chat/api/ack", json={"ids": [*ids, ids[0] + 1]},
                                 headers={CSRF_HEADER: token})
    assert (await response.json()) == {"acknowledged": 1}  # not the other person's message
    assert (await (await client.get("/chat/api/inbox")).json())["replies"] == []


async def test_every_response_carries_the_security_headers(client):
    for path in ("/chat/", "/static/chat.js", "/healthz", "/no-such-page"):
        response = await client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'self'" in csp, path
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert not re.search(r"\d", response.headers["Server"]), path  # no version
    html = await (await client.get("/chat/")).text()
    assert "<style" not in html and "style=" not in html and "<script>" not in html
    script = (Path(__file__).parents[2] / "bot" / "static" / "chat.js").read_text()
    assert "randomUUID(" not in script  # browsers give it only to HTTPS or localhost pages


async def test_frame_ancestors_and_a_trusted_proxy_are_settings(db_url, tmp_path):
    client = await start(db_url, tmp_path, web_frame_ancestors="'self' https://dost.example",
                         web_trusted_proxies="127.0.0.1")
    try:
        response = await client.get("/chat/", headers={"X-Forwarded-Proto": "https"})
        assert "frame-ancestors 'self' https://dost.example" in \
            response.headers["Content-Security-Policy"]
        issued = response.cookies[COOKIE]
        assert issued["secure"]  # served over HTTPS by the proxy
        behind = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "chat.example",
                  "Cookie": f"{COOKIE}={issued.value}"}  # the jar keeps Secure ones for https
        for origin, status in (("http://chat.example", 403), ("https://chat.example", 200)):
            response = await client.post("/chat/api/send", json={"text": "/start"},
                                         headers={**behind, "Origin": origin})
            assert response.status == status, origin
    finally:
        await client.close()
        await client.core.close()


async def test_an_untrusted_peer_cannot_claim_https(client):
    response = await client.get("/chat/", headers={"X-Forwarded-Proto": "https"})
    assert not response.cookies[COOKIE]["secure"]


async def test_a_hurried_visitor_is_asked_to_slow_down(db_url, tmp_path):
    client = await start(db_url, tmp_path, web_session_burst=3, web_session_per_minute=6)
    try:
        token = await visit(client)
        answers = [await say(client, token, text=f"câu {n}", id=str(n)) for n in range(4)]
        assert [status for status, _ in answers] == [200, 200, 200, 429]
        body = answers[-1][1]
        assert "chậm lại một chút" in body["html"] and body["retry_after"] == 10
    finally:
        await client.close()
        await client.core.close()


async def test_a_flood_of_new_visitors_leaves_few_rows_and_a_real_visitor_is_answered(
    db_url, tmp_path
):
    """2,000 requests from new visitors (one address behind the department's proxy) while a
    real visitor at another address talks to the bot."""
    client = await start(db_url, tmp_path, web_trusted_proxies="127.0.0.1",
                         web_address_burst=20, web_address_per_minute=60)
    try:
        flood = {"X-Forwarded-For": "203.0.113.7"}
        cookies = [await client.chat.sessions.issue() for _ in range(2000)]
        token = {value: await client.chat.sessions.csrf_token(value.partition(".")[0])
                 for value in cookies}
        sem = asyncio.Semaphore(20)
        refused = 0
        started = time.monotonic()

        async def newcomer(value):
            nonlocal refused
            async with sem:
                response = await client.post(
                    "/chat/api/send", json={"text": "/start"},
                    headers={**flood, CSRF_HEADER: token[value], "Cookie": f"{COOKIE}={value}"})
                refused += response.status == 429

        async def visitor():
            me = {"X-Forwarded-For": "198.51.100.2"}
            page = await client.get("/chat/", headers=me)
            csrf = TOKEN.search(await page.text()).group(1)
            took = []
            for n, text in enumerate(["/start", "năng suất là gì", "/start", "lớp học"] * 3):
                before = time.monotonic()
                response = await client.post("/chat/api/send", json={"text": text, "id": n},
                                             headers={**me, CSRF_HEADER: csrf})
                took.append(time.monotonic() - before)
                assert response.status == 200 and (await response.json())["replies"]
                await asyncio.sleep(0.05)
            return took

        took, *_ = await asyncio.gather(visitor(), *(newcomer(c) for c in cookies))
        elapsed = time.monotonic() - started
        # the burst, plus what the bucket refilled meanwhile, plus the real visitor's one
        bound = 20 + elapsed * 60 / 60 + 1
        assert refused >= 2000 - bound
        assert await rows(client, Contact) <= bound
        assert await rows(client, Conversation) <= bound
        assert statistics.quantiles(took, n=20)[-1] < 1.0  # p95, generous on a shared CI box
    finally:
        await client.close()
        await client.core.close()


async def test_an_export_asked_for_in_the_web_chat_is_written_to_the_exports_folder(client,
                                                                                    tmp_path):
    value = await client.chat.sessions.issue(ADMIN_VISITOR)
    client.session.cookie_jar.update_cookies({COOKIE: value})
    token = await client.chat.sessions.csrf_token(ADMIN_VISITOR)
    status, body = await say(client, token, payload="adm:export", id="x1")
    written = list((tmp_path / "exports").glob("*.xlsx"))
    assert status == 200 and len(written) == 1
    assert str(Path("exports") / written[0].name) in body["replies"][0]["html"]
    assert len(openpyxl.load_workbook(written[0]).worksheets) == 8  # with 4 of requests


async def test_health_check_answers_when_the_database_does(client):
    response = await client.get("/healthz")
    assert response.status == 200 and (await response.json()) == {"status": "ok"}


@pytest.mark.parametrize("body", [
    b'{"text": "/start", "id": "\\ud800"}',
    b'{"text": "Xin ch\\udc00o", "id": "m1"}',
    b'{"payload": "menu", "id": "m1", "note": ["\\ud83d"]}',
])
async def test_a_lone_surrogate_in_any_field_is_a_bad_request_and_stores_nothing(client, body):
    token = await visit(client)
    response = await client.post("/chat/api/send", data=body,
                                 headers={"Content-Type": "application/json",
                                          CSRF_HEADER: token})
    assert response.status == 400
    assert await rows(client, Contact, Conversation) == 0


async def test_the_page_title_names_the_department_an_admin_entered(client):
    html = await (await client.get("/chat/")).text()
    default = "Sở Khoa học và Công nghệ thành phố Đà Nẵng"
    assert f"<title>Trợ lý Kế hoạch 1349/KH-UBND — {default}</title>" in html
    assert "Quảng Nam" not in html
    async with client.core.sessionmaker.begin() as session:
        await org.put(session, "dept_name", "Sở A & B", "web:admin", datetime.now(UTC))
    html = await (await client.get("/chat/")).text()
    assert "<h1>Trợ lý Kế hoạch 1349/KH-UBND — Sở A &amp; B</h1>" in html


@pytest.mark.parametrize("proxies, forwarded, address", [
    ("", "198.51.100.2", "127.0.0.1"),  # not from our proxy: the header is anyone's word
    ("127.0.0.1", "198.51.100.2", "198.51.100.2"),
    ("127.0.0.1,10.0.0.5", "6.6.6.6, 198.51.100.2, 10.0.0.5", "198.51.100.2"),  # forged first
])
async def test_the_client_address_believes_only_trusted_proxies(db_url, tmp_path, proxies,
                                                                 forwarded, address):
    client = await start(db_url, tmp_path, web_trusted_proxies=proxies)
    try:
        request = make_mocked_request("GET", "/chat/", headers={"X-Forwarded-For": forwarded},
                                      app=client.app)
        request._transport_peername = ("127.0.0.1", 40000)
        assert client_address(request) == address
    finally:
        await client.close()
        await client.core.close()
