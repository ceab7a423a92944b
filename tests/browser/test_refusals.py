"""What an attacker tries from a real browser is refused: a cookie they made up is not an
identity, and a page of another origin cannot post to the chat with the visitor's cookie."""

import pytest
from sqlalchemy import func, select

from bot.channels.web import COOKIE
from storage.models import Contact, Conversation, InboxUpdate
from tests.browser.keys import press, shown

FORGED = "forged-visitor-0123456789"


async def open_chat(page, site) -> None:
    async with shown(page, "Đăng ký lớp tập huấn"):
        await page.goto(f"{site.url}/chat/")


async def test_a_forged_cookie_gets_a_fresh_session_not_the_identity_it_names(page, site):
    await page.context.add_cookies([{"name": COOKIE, "value": FORGED, "url": site.url}])
    await open_chat(page, site)
    await press(page, "Đăng ký lớp tập huấn", then="Thông báo xử lý dữ liệu cá nhân")

    async with site.core.sessionmaker() as session:
        people = set(await session.scalars(select(Contact.user_id)))
        talks = set(await session.scalars(select(Conversation.user_id)))
        senders = set(await session.scalars(select(InboxUpdate.user_id)))
    assert senders, "the visitor's message was not received at all"
    assert FORGED not in people | talks | senders


async def test_a_post_from_another_origin_is_refused(page, site, other_site):
    await open_chat(page, site)  # the visitor has a session cookie now
    async with site.core.sessionmaker() as session:
        before = await session.scalar(select(func.count(InboxUpdate.id)))

    # Another port of the same host: another origin, yet the same site, so SameSite=Lax still
    # lets the browser attach the cookie. A "simple" request (text/plain, no-cors) needs no
    # preflight: only the server can refuse it.
    await page.goto(other_site)
    outcome = await page.evaluate(
        """url => fetch(url, {method: "POST", mode: "no-cors", credentials: "include",
                              headers: {"Content-Type": "text/plain"},
                              body: JSON.stringify({text: "/dangky", id: "from-elsewhere"})})
                 .then(() => "sent", problem => String(problem))""",
        f"{site.url}/chat/api/send",
    )
    if outcome != "sent":
        pytest.fail(f"the browser did not even send the request: {outcome}")

    async with site.core.sessionmaker() as session:
        after = await session.scalar(select(func.count(InboxUpdate.id)))
    assert after == before, "a page of another origin talked to the bot as the visitor"
