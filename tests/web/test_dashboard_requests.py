"""Support requests on the dashboard: the list by kind and status, one request taken, assigned,
answered and closed through the chat's own handlers (the requester told through the outbox on
their own channel, every step audited), and the guidance topics."""

import re
from datetime import UTC, datetime

from sqlalchemy import select

from bot.dashboard.auth import COOKIE
from storage import contacts, support
from storage.models import AuditEntry, OutboxMessage, SupportRequest
from tests.dialogue.helpers import add_admin
from tests.dialogue.test_support_data import ask_guidance
from tests.web.conftest import ADMIN, person, sign_in

ANSWER = "Mời anh đến Sở ngày 05/12 để được hướng dẫn <b>ISO 22000</b>."


async def audited(web) -> list[tuple[str, str, dict]]:
    async with web.core.sessionmaker() as session:
        rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(row.actor, row.action, row.detail) for row in rows]


async def guidance_from(web, user_id: str, channel: str) -> SupportRequest:
    """A whole request for guidance made in the chat; the stored request."""
    await ask_guidance(person(web, user_id, channel))
    async with web.core.sessionmaker() as session:
        return (await session.scalars(select(SupportRequest).order_by(
            SupportRequest.id.desc()))).first()


async def stored(web, kind: str, answers: dict, user: str) -> support.RequestInfo:
    now = datetime.now(UTC)
    async with web.core.sessionmaker.begin() as session:
        someone = await contacts.touch(session, "telegram", user, user, None, now)
        return await support.create(session, kind, someone.id, answers, now.year, now)


async def notices_to(web, chat_id: str) -> list[OutboxMessage]:
    async with web.core.sessionmaker() as session:
        query = select(OutboxMessage).where(OutboxMessage.chat_id == chat_id)
        return list(await session.scalars(query.order_by(OutboxMessage.id)))


async def listed(web, **query) -> str:
    page = await web.get("/admin/requests", params=query)
    assert page.status == 200
    return await page.text()


async def test_requests_are_listed_by_kind_and_status_and_found_by_code_or_name(web):
    anh = await stored(web, "guidance", {"company": "Công ty TNHH Ánh Dương"}, "301")
    que = await stored(web, "award", {"company": "Hợp tác xã Quế Sơn"}, "302")
    unit = await stored(web, "training", {"unit": "Sở Công Thương"}, "303")
    async with web.core.sessionmaker.begin() as session:
        await support.assign(session, unit.id, f"telegram:{ADMIN}", datetime.now(UTC))
    await sign_in(web)
    every = await listed(web)
    assert "Tìm thấy 3 mục" in every
    assert all(f'href="/admin/requests/{r.id}">{r.code}<' in every for r in (anh, que, unit))
    assert 'aria-label="1 yêu cầu «Quan tâm Giải thưởng chất lượng Quốc gia» đã tiếp nhận"' \
        in every
    awards = await listed(web, kind="award")
    assert "Tìm thấy 1 mục" in awards and "Quế Sơn" in awards and "Ánh Dương" not in awards
    handled = await listed(web, status="in_progress")
    assert "Tìm thấy 1 mục" in handled and "Sở Công Thương" in handled
    assert "Tìm thấy 0 mục" in await listed(web, kind="award", status="closed")
    for words in ("Ánh Dương", "anh duong", "ANH DUONG", anh.code.lower()):
        found = await listed(web, q=words)
        assert "Tìm thấy 1 mục" in found and anh.code in found, words
    assert "Tìm thấy 0 mục" in await listed(web, q="không có ai")
    overview = await (await web.get("/admin/")).text()
    assert 'aria-label="1 yêu cầu «Cử cán bộ đào tạo chuyên gia năng suất» đang xử lý"' \
        in overview
    assert ">Yêu cầu hỗ trợ</a>" in overview  # in the navigation
    assert "dashboard_requests" in [action for _, action, _ in await audited(web)]


async def test_the_request_list_comes_in_pages(web, monkeypatch):
    monkeypatch.setattr("bot.dashboard.requests.PER_PAGE", 1)
    older = await stored(web, "award", {"company": "Công ty Một"}, "301")
    newer = await stored(web, "award", {"company": "Công ty Hai"}, "302")
    await sign_in(web)
    first = await listed(web, kind="award")
    assert "Trang 1/2" in first and newer.code in first and older.code not in first
    second = await listed(web, kind="award", page="2")
    assert older.code in second and "Trang trước" in second


async def test_staff_take_and_answer_and_the_requester_is_told_on_their_channel(web):
    request = await guidance_from(web, "oa-7001", "zalo")
    token = await sign_in(web)
    page = f"/admin/requests/{request.id}"
    html = await (await web.get(page)).text()
    for shown in (request.code, "Công ty TNHH Ánh Dương", "0100233488", "0905 123 456",
                  "Hệ thống quản lý (ISO 9001", "ISO 22000", "Gặp trực tiếp tại doanh nghiệp",
                  "đã tiếp nhận", "yêu cầu được tiếp nhận"):
        assert shown in html, shown
    assert 'name="csrf"' in html and "Tôi nhận xử lý" in html

    taken = await (await web.post(f"{page}/assign", data={
        "csrf": token, "admin": f"telegram:{ADMIN}"})).text()
    assert f"Đã giao {request.code} cho telegram:{ADMIN}" in taken and "đang xử lý" in taken
    answered = await (await web.post(f"{page}/answer", data={"csrf": token,
                                                             "text": ANSWER})).text()
    assert f"Đã gửi trả lời cho {request.code}" in answered and "đã phản hồi" in answered
    assert f"telegram:{ADMIN} gửi trả lời cho người đề nghị" in answered  # the history

    notices = await notices_to(web, "oa-7001")
    assert [n.channel for n in notices] == ["zalo", "zalo"]
    assert "đang được cán bộ của Sở xử lý" in notices[0].text
    assert f"Sở đã phản hồi đề nghị <b>{request.code}</b>" in notices[1].text
    assert "&lt;b&gt;ISO 22000&lt;/b&gt;" in notices[1].text  # staff text shown as written
    steps = [(actor, action, detail.get("code")) for actor, action, detail in await audited(web)
             if action.startswith("support_")]
    assert steps == [(f"telegram:{ADMIN}", action, request.code)
                     for action in ("support_view", "support_assign", "support_answer")]


async def test_an_empty_answer_is_refused_as_in_the_chat_and_nothing_is_sent(web):
    request = await guidance_from(web, "7001", "telegram")
    token = await sign_in(web)
    refused = await web.post(f"/admin/requests/{request.id}/answer",
                             data={"csrf": token, "text": "   "})
    assert refused.status == 400 and "Bạn chưa nhập gì cả." in await refused.text()
    assert await notices_to(web, "7001") == []


async def test_closing_asks_first_naming_the_code(web):
    request = await guidance_from(web, "7001", "web")
    token = await sign_in(web)
    page = f"/admin/requests/{request.id}"
    assert f'href="{page}/close">Đóng {request.code}<' in await (await web.get(page)).text()
    ask = await (await web.get(f"{page}/close")).text()
    assert f"Bạn chắc chắn muốn đóng yêu cầu <b>{request.code}</b>?" in ask
    assert "Có, đóng yêu cầu" in ask
    async with web.core.sessionmaker() as session:
        assert (await support.get(session, request.id)).status == "received"  # asked only
    closed = await (await web.post(f"{page}/close", data={"csrf": token})).text()
    assert f"Đã đóng {request.code}." in closed and "không nhận thêm thao tác" in closed
    assert "Gửi trả lời" not in closed
    [notice] = await notices_to(web, "7001")
    assert notice.channel == "web" and "đã được đóng" in notice.text
    late = await web.post(f"{page}/answer", data={"csrf": token, "text": "Muộn rồi."})
    assert "đã đóng hoặc không còn nữa" in await late.text()
    assert len(await notices_to(web, "7001")) == 1
    assert (f"telegram:{ADMIN}", "support_close") in [
        (actor, action) for actor, action, _ in await audited(web)]


async def test_a_request_is_given_only_to_an_admin(web):
    await add_admin(person(web, ADMIN), "telegram:555")
    request = await guidance_from(web, "7001", "telegram")
    token = await sign_in(web)
    page = f"/admin/requests/{request.id}"
    assert '<option value="telegram:555">' in await (await web.get(page)).text()
    stranger = await web.post(f"{page}/assign", data={"csrf": token, "admin": "telegram:42"})
    assert "telegram:42 không còn là quản trị viên" in await stranger.text()
    crafted = await web.post(f"{page}/assign", data={"csrf": token, "admin": "ngườilạ"})
    assert crafted.status == 400
    given = await (await web.post(f"{page}/assign", data={"csrf": token,
                                                          "admin": "telegram:555"})).text()
    assert f"Đã giao {request.code} cho telegram:555" in given
    assert re.search(rf"telegram:{ADMIN} giao cho telegram:555\.", given)


async def test_without_rights_nothing_is_shown_or_done(web):
    request = await guidance_from(web, "7001", "telegram")
    page = f"/admin/requests/{request.id}"
    for path in ("/admin/requests", page, f"{page}/close", "/admin/requests/topics"):
        response = await web.get(path, allow_redirects=False)
        assert response.status == 303 and response.headers["Location"] == "/admin/login"
    token = await sign_in(web)
    web.session.cookie_jar.clear()
    web.session.cookie_jar.update_cookies({COOKIE: "forged-" + "a" * 40})
    forged = await web.post(f"{page}/answer", data={"csrf": token, "text": "Xin chào"})
    assert forged.status == 403
    await sign_in(web)
    unguarded = await web.post(f"{page}/close", data={"text": "x"})
    assert unguarded.status == 403
    async with web.core.sessionmaker() as session:
        assert (await support.get(session, request.id)).status == "received"
    assert await notices_to(web, "7001") == []


async def test_an_admin_removed_in_the_chat_cannot_answer(web):
    remover = person(web, ADMIN)
    await add_admin(remover, "telegram:555")
    request = await guidance_from(web, "7001", "telegram")
    token = await sign_in(web, "555")
    await remover.press("Có, xóa quyền")
    response = await web.post(f"/admin/requests/{request.id}/answer",
                              data={"csrf": token, "text": "Xin chào"})
    assert response.status == 403
    assert await notices_to(web, "7001") == []


async def test_guidance_topics_are_added_and_hidden_as_in_the_chat(web):
    token = await sign_in(web)
    topics = "/admin/requests/topics"
    empty = await web.post(f"{topics}/add", data={"csrf": token, "label": ""})
    assert empty.status == 400 and "Bạn chưa nhập gì cả." in await empty.text()
    added = await (await web.post(f"{topics}/add", data={
        "csrf": token, "label": "Truy xuất nguồn gốc sản phẩm"})).text()
    assert "Đã thêm chủ đề «Truy xuất nguồn gốc sản phẩm»." in added
    async with web.core.sessionmaker() as session:
        topic = next(t for t in await support.topics(session)
                     if t.label == "Truy xuất nguồn gốc sản phẩm")
    hidden = await (await web.post(f"{topics}/{topic.id}/toggle", data={"csrf": token})).text()
    assert "Hiện lại: Truy xuất nguồn gốc sản phẩm" in hidden
    async with web.core.sessionmaker() as session:
        assert topic.id not in {t.id for t in await support.topics(session)}  # not offered
    actions = [action for _, action, _ in await audited(web)]
    assert {"support_topic_add", "support_topic"} <= set(actions)
