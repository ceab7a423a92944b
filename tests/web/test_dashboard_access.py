"""Signing in to the dashboard: a one-time link from the chat, used once, for minutes; a
server-side session; CSRF on every form; rights checked at every request; all audited."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot import dashboard
from bot.dashboard.auth import COOKIE
from storage import web_admin
from storage.models import AdminLoginToken, AdminWebSession, AuditEntry
from tests.dialogue.helpers import add_admin
from tests.web.conftest import ADMIN, login_link, person, sign_in


async def audit_rows(web) -> list[tuple[str, str]]:
    async with web.core.sessionmaker() as session:
        rows = (await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars()
        return [(row.actor, row.action) for row in rows]


async def test_the_link_signs_in_once_and_opening_it_changes_nothing(web):
    link = await login_link(web)
    for _ in range(2):  # a chat app's link preview opens it first: it must still work
        page = await web.get(link)
        assert page.status == 200
        assert '<button type="submit">Đăng nhập</button>' in await page.text()
    response = await web.post(link, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/admin/"
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    overview = await web.get("/admin/")
    assert "<h1>Tổng quan</h1>" in await overview.text()

    web.session.cookie_jar.clear()
    again = await web.post(link, allow_redirects=False)
    assert again.status == 403 and "đã được dùng" in await again.text()
    assert COOKIE not in again.cookies
    assert (await web.get(link)).status == 403
    assert ("telegram:999", "dashboard_login") in await audit_rows(web)


async def test_only_hashes_of_the_tokens_are_stored(web):
    link = await login_link(web)
    token = link.rsplit("/", 1)[1]
    await web.post(link, allow_redirects=False)
    session_token = web.session.cookie_jar.filter_cookies(web.make_url("/admin/"))[COOKIE].value
    async with web.core.sessionmaker() as session:
        stored = [*(await session.execute(select(AdminLoginToken.token_hash))).scalars(),
                  *(await session.execute(select(AdminWebSession.token_hash))).scalars()]
    assert len(stored) == 2 and token not in stored and session_token not in stored
    assert web_admin.digest(token) in stored and web_admin.digest(session_token) in stored


async def test_an_expired_link_is_refused(web):
    past = datetime.now(UTC) - timedelta(minutes=11)
    async with web.core.sessionmaker.begin() as session:
        token = await web_admin.new_login_link(session, f"telegram:{ADMIN}", past, minutes=10)
    link = f"/admin/login/{token}"
    assert (await web.get(link)).status == 403
    response = await web.post(link, allow_redirects=False)
    assert response.status == 403 and COOKIE not in response.cookies
    assert (await web.get("/admin/", allow_redirects=False)).status == 303


async def test_without_a_session_every_page_leads_to_the_login_page(web):
    for path in ("/admin/", "/admin/registrations", "/admin/export", "/admin/broadcast",
                 "/admin/sessions", "/admin/deadlines"):
        response = await web.get(path, allow_redirects=False)
        assert response.status == 303 and response.headers["Location"] == "/admin/login"
    page = await web.get("/admin/login")
    assert "Mở trang quản trị" in await page.text()
    assert (await web.post("/admin/broadcast/send", data={"csrf": "x"})).status == 403


async def test_a_forged_session_cookie_is_refused(web):
    await sign_in(web)
    web.session.cookie_jar.clear()
    web.session.cookie_jar.update_cookies({COOKIE: "forged-" + "a" * 40})
    response = await web.get("/admin/registrations", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/admin/login"


async def test_a_post_without_the_csrf_token_is_refused(web):
    token = await sign_in(web)
    refused = await web.post("/admin/logout", data={}, allow_redirects=False)
    assert refused.status == 403
    wrong = await web.post("/admin/logout", data={"csrf": "0" * 64}, allow_redirects=False)
    assert wrong.status == 403
    assert (await web.get("/admin/", allow_redirects=False)).status == 200  # still signed in
    done = await web.post("/admin/logout", data={"csrf": token}, allow_redirects=False)
    assert done.status == 303 and done.headers["Location"] == "/admin/login"
    web.session.cookie_jar.clear()
    assert ("telegram:999", "dashboard_logout") in await audit_rows(web)


async def test_logging_out_ends_the_session_on_the_server(web):
    token = await sign_in(web)
    cookie = web.session.cookie_jar.filter_cookies(web.make_url("/admin/"))[COOKIE].value
    await web.post("/admin/logout", data={"csrf": token}, allow_redirects=False)
    web.session.cookie_jar.clear()
    web.session.cookie_jar.update_cookies({COOKIE: cookie})  # a copy of the old cookie
    assert (await web.get("/admin/", allow_redirects=False)).status == 303


async def test_an_admin_removed_in_the_chat_loses_the_dashboard_at_once(web):
    remover = person(web, ADMIN)
    await add_admin(remover, "telegram:555")  # added; «Xóa telegram:555» pressed: it asks
    await sign_in(web, "555")
    assert (await web.get("/admin/", allow_redirects=False)).status == 200
    await remover.press("Có, xóa quyền")
    assert "Đã xóa quyền quản trị của telegram:555" in remover.text()
    response = await web.get("/admin/", allow_redirects=False)
    assert response.status == 303


async def test_a_link_is_only_sent_in_the_admins_own_chat(web):
    group = person(web, ADMIN)
    group.chat_id = "-100200300"
    await group.send("/admin")
    await group.press("Mở trang quản trị")
    assert "/admin/login/" not in group.text()
    assert "cuộc trò chuyện riêng" in group.text()


async def test_someone_not_admin_gets_no_link(web):
    stranger = person(web, "12345")
    await stranger.send(payload="adm:web")
    assert "/admin/login/" not in stranger.text()


async def test_a_session_expires(web, monkeypatch):
    await sign_in(web)
    later = datetime.now(UTC) + timedelta(hours=8, minutes=1)
    monkeypatch.setattr("bot.dashboard.auth.utcnow", lambda: later)
    assert (await web.get("/admin/", allow_redirects=False)).status == 303


async def test_expired_links_and_sessions_are_forgotten(web):
    await sign_in(web)
    await login_link(web)  # never used
    later = datetime.now(UTC) + timedelta(hours=8, minutes=1)
    async with web.core.sessionmaker.begin() as session:
        assert await web_admin.purge_expired(session, later) == 3
    async with web.core.sessionmaker() as session:
        assert not (await session.execute(select(AdminWebSession.id))).first()


def test_pages_have_no_inline_script_or_style():
    """The Content-Security-Policy allows scripts and styles from files under /static/ only."""
    for path in (Path(dashboard.__file__).parent / "templates").glob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert "style=" not in html and "<style" not in html, path.name
        assert all('src="/static/' in tag for tag in re.findall(r"<script[^>]*>", html))


async def test_the_cookie_is_secure_when_the_browser_came_over_https(web, monkeypatch):
    monkeypatch.setattr("bot.dashboard.auth.is_https", lambda request: True)
    response = await web.post(await login_link(web), allow_redirects=False)
    cookie = response.cookies[COOKIE]
    assert cookie["secure"] and cookie["httponly"] and cookie["path"] == "/admin"
