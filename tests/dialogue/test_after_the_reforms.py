"""Issue 16, items 3–5: the bot on 02/12/2026, after the 2025 reforms (departments merged on
01/02/2025; Quảng Nam part of thành phố Đà Nẵng and no district level from 01/07/2025)."""

import io
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import select

from handlers.calendar import WorkCalendar
from handlers.context import BotConfig
from handlers.reminders import Planner
from messages.loader import Texts
from storage import agencies
from storage.models import Deadline, OutboxMessage
from tests.dialogue.helpers import add_deadline
from tests.fakes.chat import FakeChat

TODAY = date(2026, 12, 2)


def local(y, m, d, hh=0, mm=0) -> datetime:
    """A Hà Nội wall-clock time as an aware UTC datetime."""
    return datetime(y, m, d, hh, mm, tzinfo=UTC) - timedelta(hours=7)


@pytest.fixture(autouse=True)
def december_2026(clock):
    clock.now = local(2026, 12, 2, 9)


@pytest.fixture
def admin(dispatcher):
    return FakeChat(dispatcher, user_id="admin")


@pytest.fixture
def planner():
    return Planner(Texts.load(), BotConfig(admins=frozenset({"telegram:900"})), WorkCalendar())


def in_group(found, group):
    return [a for a in found if a.group == group]


async def by_name(sessionmaker, name):
    async with sessionmaker() as session:
        return next(a for a in await agencies.every_agency(session) if a.name == name)


async def add_agency(admin, name, short, group="Các sở, ban, ngành", since="01/07/2025"):
    await admin.send(payload="adm:ag")
    await admin.press("Thêm cơ quan")
    await admin.press(group)
    await admin.send(name)
    await admin.send(short)
    await admin.send(since)
    await admin.press("Bỏ qua")  # no end date
    await admin.press("Xác nhận")
    assert f"Đã lưu cơ quan «{name}»" in admin.text()


async def link_officer(dispatcher, sessionmaker, clock, user, agency_id):
    async with sessionmaker.begin() as session:
        code = await agencies.new_link_code(session, agency_id, "test", clock.now)
    officer = FakeChat(dispatcher, user)
    await officer.send(f"/start lk-{code}")
    await officer.press("Xác nhận")
    return officer


async def test_the_seed_follows_the_reforms_and_no_agency_that_ended_is_a_recipient(
        sessionmaker):
    async with sessionmaker() as session:
        in_2024 = await agencies.active_on(session, date(2024, 6, 1))
        in_march_2025 = await agencies.active_on(session, date(2025, 3, 1))
        today = await agencies.active_on(session, TODAY)
        planning = await agencies.get(session, "so-ke-hoach-dau-tu")
        nong_son = await agencies.get(session, "h-nong-son")
        ethnic = await agencies.get(session, "ban-dan-toc")
    assert len(in_group(in_2024, "so-ban-nganh")) == 19
    assert len(in_group(in_2024, "ubnd-cap-huyen")) == 18
    assert len(in_group(in_march_2025, "so-ban-nganh")) == 13  # 01/02/2025: 19 became 13
    assert len(in_group(in_march_2025, "ubnd-cap-huyen")) == 17  # Nông Sơn into Quế Sơn
    names = {a.name for a in in_march_2025}
    assert {"Sở Nông nghiệp và Môi trường", "Sở Dân tộc và Tôn giáo"} <= names
    assert (planning.valid_to, planning.successor_ids) == (date(2025, 1, 31), ["so-tai-chinh"])
    assert (nong_son.valid_to, nong_son.successor_ids) == (date(2024, 12, 31), ["h-que-son"])
    assert ethnic.successor_ids == ["so-dan-toc-ton-giao"]
    # From 01/07/2025 there is no district level and the province's departments have ended.
    assert in_group(today, "so-ban-nganh") == [] and in_group(today, "ubnd-cap-huyen") == []
    assert all(a.valid_to is None or a.valid_to >= TODAY for a in today)
    assert "Ban Quản lý Khu kinh tế mở Chu Lai thành phố Đà Nẵng" in {a.name for a in today}


async def test_a_new_deadline_reaches_only_agencies_valid_on_its_dates_and_an_empty_group_is_told(
        dispatcher, admin, sessionmaker, clock, planner):
    await add_agency(admin, "Sở Y tế thành phố Đà Nẵng", "SYT Đà Nẵng")
    new = await by_name(sessionmaker, "Sở Y tế thành phố Đà Nẵng")
    assert new.valid_from == date(2025, 7, 1) and new.group == "so-ban-nganh"
    await link_officer(dispatcher, sessionmaker, clock, "new-officer", new.id)
    await link_officer(dispatcher, sessionmaker, clock, "old-officer", "so-y-te")
    await add_deadline(admin, "Các sở, ban, ngành", "UBND các huyện")  # due 31/12/2026
    text = admin.text()
    assert "gửi nhắc cho 1 cơ quan" in text
    assert "«UBND các huyện, thị xã, thành phố» không có cơ quan nào còn hiệu lực" in text
    for _ in range(2):  # the 14-working-days step, planned twice: nothing doubles
        async with sessionmaker.begin() as session:
            await planner.run(session, local(2026, 12, 11, 7, 31))
    async with sessionmaker() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
    reminders = [r for r in rows if r.dedupe_key.startswith("dl:") and ":empty:" not in
                 r.dedupe_key]
    assert [r.chat_id for r in reminders] == ["new-officer"]  # not the 2023 Sở Y tế
    alerts = [r for r in rows if r.chat_id == "900"]
    assert len(alerts) == 1
    assert "UBND các huyện, thị xã, thành phố" in alerts[0].text
    assert "không có cơ quan nào" in alerts[0].text and "31/12/2026" in alerts[0].text


async def test_the_2023_deadline_is_closed_with_its_history_and_not_overdue_today(
        admin, sessionmaker):
    async with sessionmaker() as session:
        seeded = await session.get(Deadline, 1)
    assert seeded.due_date == date(2023, 11, 30) and seeded.active is False
    await admin.send(payload="adm:stats")
    assert "quá hạn" not in admin.text() and "Chưa xác nhận:" not in admin.text()
    await admin.send(payload="adm:dl")
    assert "30/11/2023" in admin.text() and "đã đóng" in admin.text()
    await admin.press("Mở lại hạn #1")
    assert "Đã mở lại hạn #1" in admin.text()
    await admin.press("Đóng hạn #1")
    assert "Đóng hạn #1 «Báo cáo kết quả thực hiện" in admin.text()  # asked, naming it
    async with sessionmaker() as session:
        assert (await session.get(Deadline, 1)).active is True
    await admin.press("Có, đóng hạn này")
    assert "Đã đóng hạn #1" in admin.text()
    async with sessionmaker() as session:
        assert (await session.get(Deadline, 1)).active is False


async def test_the_deadline_answer_says_30_11_2023_is_past(dispatcher):
    person = FakeChat(dispatcher, "someone")
    await person.send("/hanbaocao")
    assert "Hiện không có hạn báo cáo nào đang mở" in person.text()
    assert "30/11/2023" in person.text() and "đã qua" in person.text()
    await person.send("hạn báo cáo kết quả thực hiện là khi nào")
    assert "Hiện không có hạn báo cáo nào đang mở" in person.text()
    assert "Cơ quan, đơn vị: hạn báo cáo" not in person.labels()
    await person.send(payload="plan:agencies")
    assert "Cơ quan, đơn vị: hạn báo cáo" not in person.labels()


async def test_an_open_deadline_is_shown_to_everyone_who_asks(dispatcher, sessionmaker, clock):
    async with sessionmaker.begin() as session:
        await agencies.add_deadline(session, "Báo cáo năm 2026", date(2026, 12, 31),
                                    ["so-ban-nganh"], clock.now)
    person = FakeChat(dispatcher, "someone")
    await person.send("/hanbaocao")
    assert "Báo cáo năm 2026" in person.text() and "31/12/2026" in person.text()
    await person.send(payload="plan:deadline")
    assert "Báo cáo năm 2026" in person.text()
    assert "Cơ quan, đơn vị: hạn báo cáo" in person.labels()


async def test_admins_add_edit_end_and_give_successors(admin, sessionmaker):
    await add_agency(admin, "Sở Y tế thành phố Đà Nẵng", "SYT Đà Nẵng")
    await add_agency(admin, "Sở Y tế và Dân số thành phố Đà Nẵng", "SYT-DS Đà Nẵng")
    await admin.send(payload="adm:ag")
    await admin.press("Sửa, kết thúc cơ quan")
    await admin.press("Các sở, ban, ngành")
    await admin.press("SYT Đà Nẵng")
    assert "Sở Y tế thành phố Đà Nẵng" in admin.text()  # the summary, to change any line
    await admin.press("Sửa tên viết tắt")
    await admin.send("Sở Y tế ĐN")
    await admin.press("Sửa hiệu lực đến")
    await admin.send("31/12/2026")
    await admin.press("SYT-DS Đà Nẵng")  # successors: those valid the next day
    await admin.press("Xong")
    await admin.press("Xác nhận")
    assert "Đã lưu cơ quan «Sở Y tế thành phố Đà Nẵng»" in admin.text()
    ended = await by_name(sessionmaker, "Sở Y tế thành phố Đà Nẵng")
    heir = await by_name(sessionmaker, "Sở Y tế và Dân số thành phố Đà Nẵng")
    assert ended.short_name == "Sở Y tế ĐN" and ended.valid_to == date(2026, 12, 31)
    assert ended.successor_ids == [heir.id]
    async with sessionmaker() as session:
        assert ended not in await agencies.active_on(session, date(2027, 1, 1))
    await admin.send(payload=f"adm:ag:edit:{heir.id}")
    await admin.press("Sửa hiệu lực đến")
    await admin.send("01/01/2025")
    assert "không thể trước ngày bắt đầu" in admin.text()


async def test_the_agency_list_is_exported_from_the_chat(admin):
    await admin.send(payload="adm:ag")
    await admin.press("Xuất danh sách cơ quan")
    document = admin.replies[0].document
    assert document.filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(document.content)).worksheets[0]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["h-nong-son"][6].date() == date(2024, 12, 31) and rows["h-nong-son"][7] == \
        "h-que-son"
