"""The dashboard's pages: search and export of registrations, the overview's charts, a
broadcast to the outbox with its progress, sessions changed under the chat's rules, deadlines."""

import io
import re
from datetime import UTC, datetime, timedelta

import openpyxl
from sqlalchemy import func, select

from bot.outbox import OutboxSender
from handlers.calendar import WorkCalendar
from storage import agencies, registrations
from storage.models import AuditEntry, OutboxMessage
from tests.dialogue.helpers import register, valid_tax_code
from tests.fakes.channel import RecordingChannel
from tests.web.conftest import ADMIN, add_session, person, sign_in


async def actions_audited(web) -> list[str]:
    async with web.core.sessionmaker() as session:
        query = select(AuditEntry.action).where(AuditEntry.actor == f"telegram:{ADMIN}")
        return list((await session.execute(query)).scalars())


async def registered(web, user_id: str, n: int, **fields):
    await register(person(web, user_id), tax_code=valid_tax_code(n), **fields)


async def listed(web, **query) -> str:
    page = await web.get("/admin/registrations", params=query)
    assert page.status == 200
    return await page.text()


async def test_search_finds_a_registration_with_or_without_diacritics(web):
    await add_session(web)
    await registered(web, "301", 1, company="Công ty TNHH Ánh Dương")
    await registered(web, "302", 2, company="Hợp tác xã Quế Sơn")
    await sign_in(web)
    for words in ("Ánh Dương", "anh duong", "ANH DUONG", valid_tax_code(1)):
        html = await listed(web, q=words)
        assert "Công ty TNHH Ánh Dương" in html and "Quế Sơn" not in html, words
    assert "Tìm thấy 2 mục" in await listed(web, q="0905 123 456")
    assert "Tìm thấy 0 mục" in await listed(web, q="không có ai")
    assert "Tìm thấy 0 mục" in await listed(web, school="dhqn")
    assert "Tìm thấy 2 mục" in await listed(web, **{"class": "lop1", "status": "confirmed"})
    assert "Tìm thấy 0 mục" in await listed(web, **{"class": "lop2"})
    assert "dashboard_registrations" in await actions_audited(web)


async def test_the_list_comes_in_pages(web, monkeypatch):
    monkeypatch.setattr("bot.dashboard.people.PER_PAGE", 1)
    await add_session(web)
    await registered(web, "301", 1, company="Công ty Một")
    await registered(web, "302", 2, company="Công ty Hai")
    await sign_in(web)
    first = await listed(web)
    assert "Trang 1/2" in first and "Công ty Hai" in first and "Công ty Một" not in first
    assert "Trang sau" in first and "Trang trước" not in first
    second = await listed(web, page="2")
    assert "Công ty Một" in second and "Trang trước" in second


async def test_a_name_with_markup_is_shown_as_text(web):
    await add_session(web)
    await registered(web, "301", 1, company="Công ty Xanh & Sạch")
    await sign_in(web)
    html = await listed(web, q="xanh & sach")
    assert "Công ty Xanh &amp; Sạch" in html


async def test_the_export_downloads_a_workbook_with_the_registration(web):
    await add_session(web)
    await registered(web, "301", 1, company="Công ty TNHH Ánh Dương")
    await sign_in(web)
    response = await web.get("/admin/export")
    assert response.status == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="ke-hoach')
    workbook = openpyxl.load_workbook(io.BytesIO(await response.read()))
    cells = [c for row in workbook.worksheets[0].iter_rows(values_only=True) for c in row]
    assert "Công ty TNHH Ánh Dương" in cells and valid_tax_code(1) in cells
    assert "export" in await actions_audited(web)


async def test_the_overview_draws_its_charts_as_svg(web):
    await add_session(web, capacity=20)
    await registered(web, "301", 1, attendees="3")
    await sign_in(web)
    html = await (await web.get("/admin/")).text()
    assert html.count("<svg") == 2  # sign-ups per day and seats; no deadline yet
    assert 'aria-label="Chỗ đã có người theo buổi học"' in html and ">3/20<" in html
    assert "<script" not in html and "style=" not in html


async def test_a_broadcast_reaches_the_outbox_and_its_progress_reaches_100(web):
    session = await add_session(web, capacity=50)
    for number in range(3):
        await registered(web, str(300 + number), 10 + number, attendees="1")
    token = await sign_in(web)
    composer = await (await web.get("/admin/broadcast")).text()
    segment = f"cls:{session.class_id}"
    assert f'value="{segment}"' in composer and '<label for="text">' in composer
    preview = await web.post("/admin/broadcast/preview", data={
        "csrf": token, "segment": segment, "text": "Lớp học dời sang phòng 204 <ngay>."})
    html = await preview.text()
    assert "3 người" in html and "phòng 204 &lt;ngay&gt;" in html
    assert "Xác nhận gửi tới 3 người" in html
    async with web.core.sessionmaker() as db:
        assert not (await db.execute(select(OutboxMessage.id).where(
            OutboxMessage.topic.like("bc:%")))).first()  # a preview sends nothing
    sent = await web.post("/admin/broadcast/send", allow_redirects=False, data={
        "csrf": token, "segment": segment, "text": "Lớp học dời sang phòng 204 <ngay>."})
    assert sent.status == 303
    page = sent.headers["Location"]
    number = int(re.fullmatch(r"/admin/broadcast/(\d+)", page).group(1))
    async with web.core.sessionmaker() as db:
        rows = (await db.execute(select(OutboxMessage).where(
            OutboxMessage.topic == f"bc:{number}"))).scalars().all()
    assert sorted(r.chat_id for r in rows) == ["300", "301", "302"]
    progress = await (await web.get(f"{page}/progress.json")).json()
    assert progress["percent"] == 0 and not progress["done"]
    assert 'src="/static/admin.js"' in await (await web.get(page)).text()

    telegram = RecordingChannel()
    await OutboxSender(web.core, {"telegram": telegram}, WorkCalendar()).drain()
    received = {chat for chat, text in telegram.sent if "phòng 204 &lt;ngay&gt;" in text}
    assert received == {"300", "301", "302"}
    progress = await (await web.get(f"{page}/progress.json")).json()
    assert progress["percent"] == 100 and progress["done"]
    assert "Đã gửi 3/3" in progress["text"]
    assert "100" in await (await web.get(page)).text()  # without JavaScript: on reload
    assert "broadcast" in await actions_audited(web)

    again = await web.post("/admin/broadcast/send", allow_redirects=False, data={
        "csrf": token, "segment": segment, "text": "Lớp học dời sang phòng 204 <ngay>."})
    assert again.headers["Location"] == page  # confirmed twice: sent once
    async with web.core.sessionmaker() as db:
        count = await db.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.topic.like("bc:%")))
    assert count == 3


async def test_a_broadcast_can_be_stopped_from_its_page(web):
    session = await add_session(web, capacity=50)
    for number in range(2):
        await registered(web, str(300 + number), 10 + number, attendees="1")
    token = await sign_in(web)
    sent = await web.post("/admin/broadcast/send", allow_redirects=False, data={
        "csrf": token, "segment": f"cls:{session.class_id}", "text": "Hẹn gặp lại."})
    page = sent.headers["Location"]
    assert "Có, dừng gửi" in await (await web.get(page)).text()
    stopped = await (await web.post(f"{page}/stop", data={"csrf": token})).text()
    assert "2 tin chưa gửi đã bị hủy" in stopped
    progress = await (await web.get(f"{page}/progress.json")).json()
    assert progress["done"] and progress["status"] == "Đã dừng."
    assert "broadcast_stop" in await actions_audited(web)


async def test_a_broadcast_needs_a_segment_the_chat_offers(web):
    token = await sign_in(web)
    response = await web.post("/admin/broadcast/preview", data={
        "csrf": token, "segment": "ses:999", "text": "Xin chào"})
    assert response.status == 400 and "chọn nhóm người nhận" in await response.text()


async def test_editing_a_session_follows_the_chats_rules(web):
    session = await add_session(web, capacity=20)
    await registered(web, "301", 1, attendees="3")
    token = await sign_in(web)
    edit = f"/admin/sessions/{session.id}"
    form = await (await web.get(edit)).text()
    for label in ("Ngày", "Giờ", "Địa điểm", "Sức chứa"):
        assert f">{label}" in form
    day = (datetime.now(UTC) + timedelta(days=12)).astimezone(web.core.config.tz)
    fields = {"csrf": token, "date": day.strftime("%d/%m/%Y"), "time": "08:30",
              "venue": "Phòng 204", "capacity": "2"}
    too_low = await web.post(edit, data=fields)
    assert "Không thể giảm sức chứa xuống 2" in await too_low.text()
    past = await web.post(edit, data={**fields, "capacity": "30", "date": "01/01/2020"})
    assert past.status == 400 and "Thời điểm này đã qua" in await past.text()
    done = await web.post(edit, data={**fields, "capacity": "30"})
    assert f"Đã cập nhật buổi #{session.id}. 1 đăng ký sẽ được báo thay đổi." in \
        await done.text()
    async with web.core.sessionmaker() as db:
        after = await registrations.get_session(db, session.id)
        told = (await db.execute(select(OutboxMessage.chat_id).where(
            OutboxMessage.text.like("%Phòng 204%")))).scalars().all()
    assert (after.venue, after.capacity, after.seats_taken) == ("Phòng 204", 30, 3)
    assert told == ["301"]
    assert "session_edit" in await actions_audited(web)


async def test_sessions_are_added_closed_and_cancelled_as_in_the_chat(web):
    token = await sign_in(web)
    day = (datetime.now(UTC) + timedelta(days=20)).astimezone(web.core.config.tz)
    added = await web.post("/admin/sessions/add", data={
        "csrf": token, "class_code": "lop2", "date": day.strftime("%d/%m/%Y"),
        "time": "14:00", "venue": "Hội trường B", "capacity": "40", "notes": ""})
    html = await added.text()
    found = re.search(r"Đã thêm buổi #(\d+)", html)
    assert found and "Hội trường B" in html
    number = found.group(1)
    closed = await web.post(f"/admin/sessions/{number}/toggle", data={"csrf": token})
    assert f"Buổi #{number} đã ngừng nhận đăng ký." in await closed.text()
    ask = await (await web.get(f"/admin/sessions/{number}/cancel")).text()
    assert "Có, hủy buổi học" in ask
    cancelled = await web.post(f"/admin/sessions/{number}/cancel", data={"csrf": token})
    assert f"Đã hủy buổi #{number}" in await cancelled.text()
    audited = await actions_audited(web)
    assert {"session_add", "session_toggle", "session_cancel"} <= set(audited)


async def test_deadlines_show_each_agencys_status(web):
    async with web.core.sessionmaker.begin() as session:
        seeded = (await agencies.deadlines(session, active_only=False))[0]
        await agencies.acknowledge(session, seeded.id, "so-cong-thuong", datetime.now(UTC),
                                   by_admin=f"telegram:{ADMIN}")
    await sign_in(web)
    html = await (await web.get("/admin/deadlines")).text()
    section = html.split("<h2>")[1]
    assert section.startswith(f"{seeded.title} — hạn 30/11/2023")
    rows = dict(re.findall(r"<tr><td>([^<]+)</td>\s*<td>(.*?)</td></tr>", section, re.S))
    assert rows["Sở Công Thương"].startswith("Đã xác nhận lúc")
    assert "Chưa xác nhận" in rows["Sở Tài chính"]
    assert f"Đã xác nhận 1/{len(rows)} cơ quan." in section
