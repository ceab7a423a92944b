"""Agencies' officers and the reminder planner, with a hand-moved clock."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from handlers.calendar import WorkCalendar
from handlers.context import BotConfig
from handlers.reminders import Planner, notify_session_change
from messages.loader import Texts
from storage import agencies, agency_list
from storage.models import ClassSession, OutboxMessage
from tests.dialogue.helpers import add_session, register, valid_tax_code
from tests.fakes.chat import FakeChat

TZ_OFFSET = timedelta(hours=7)


def local(y, m, d, hh=0, mm=0) -> datetime:
    """A Hà Nội wall-clock time as an aware UTC datetime."""
    return datetime(y, m, d, hh, mm, tzinfo=UTC) - TZ_OFFSET


@pytest.fixture(autouse=True)
async def city_health_department(sessionmaker):
    """The 2023 departments ended on 30/06/2025; the reminders of 2026 go to the city's."""
    async with sessionmaker.begin() as session:
        await agency_list.save(session, agencies.AgencyInfo(
            "so-y-te-dn", "Sở Y tế", "SYT", "so-ban-nganh", "so", date(2025, 7, 1)))


@pytest.fixture
def planner(config):
    return Planner(Texts.load(), BotConfig(admins=frozenset({"telegram:900"})), WorkCalendar())


async def new_code(sessionmaker, clock, agency_id="so-y-te-dn"):
    async with sessionmaker.begin() as session:
        return await agencies.new_link_code(session, agency_id, "test", clock.now)


async def new_deadline(sessionmaker, clock, due=date(2026, 12, 31), targets=("so-y-te-dn",)):
    async with sessionmaker.begin() as session:
        return await agencies.add_deadline(session, "Báo cáo năm 2026", due, list(targets),
                                           clock.now, description="Gửi về Sở KH&CN.")


async def link(chat, code):
    await chat.send(f"/start lk-{code}")
    assert "Sở Y tế" in chat.text()  # the officer sees the agency's name before confirming
    await chat.press("Xác nhận")
    assert "Đã liên kết" in chat.text()


async def outbox_rows(sessionmaker):
    async with sessionmaker() as session:
        return (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id)))\
            .scalars().all()


async def test_link_with_a_code_then_the_code_is_spent(dispatcher, sessionmaker, clock):
    code = await new_code(sessionmaker, clock)
    officer = FakeChat(dispatcher, "officer")
    await officer.send("/hanbaocao")
    assert "mã liên kết" in officer.text()
    await officer.press("Nhập mã liên kết")
    await officer.send("WRONG123")
    assert "Mã liên kết không đúng" in officer.text()
    await officer.send(code.lower())  # typed in lower case
    await officer.press("Xác nhận")
    assert "Đã liên kết tài khoản của anh/chị với Sở Y tế" in officer.text()
    other = FakeChat(dispatcher, "other")
    await other.send(f"/start lk-{code}")
    assert "đã được dùng" in other.text()


async def test_the_plan_deadline_is_seeded_for_departments_and_districts(sessionmaker):
    async with sessionmaker() as session:
        seeded = (await agencies.deadlines(session, active_only=False))[0]
        recipients = await agencies.targets_on(session, seeded.targets, seeded.due_date)
    assert seeded.due_date == date(2023, 11, 30) and "30/11/2023" in seeded.description
    assert len(recipients) == 37  # 19 provincial agencies + 18 district-level units
    assert not {a.group for a in recipients} - {"so-ban-nganh", "ubnd-cap-huyen"}


def test_reminder_steps_land_on_working_mornings(planner):
    deadline = agencies.DeadlineInfo(1, "x", None, date(2027, 2, 15), [], [14, 7, 3, 1, 0], 2, 5)
    steps = planner.deadline_steps(deadline)
    assert [s for s, _ in steps] == ["d14", "d7", "d3", "d1", "d0", "od1", "od2", "od3", "od4",
                                     "od5"]
    cal = WorkCalendar()
    for _, at in steps:
        wall = at.astimezone(cal.tz)
        assert cal.is_working_day(wall.date()) and (wall.hour, wall.minute) == (7, 30)
    days = {s: at.astimezone(cal.tz).date() for s, at in steps}
    assert days["d1"] == date(2027, 2, 12)  # Friday before the due Monday
    assert days["d3"] == date(2027, 2, 3)  # three working days back skips Tết (4–10/2/2027)
    assert days["d7"] == date(2027, 1, 28)


async def test_planner_queues_the_due_step_once_and_stops_after_acknowledgement(
        dispatcher, sessionmaker, clock, planner):
    clock.now = local(2026, 12, 1, 9)
    officer, colleague = FakeChat(dispatcher, "officer"), FakeChat(dispatcher, "colleague")
    await link(officer, await new_code(sessionmaker, clock))
    await link(colleague, await new_code(sessionmaker, clock))
    deadline = await new_deadline(sessionmaker, clock)
    at = local(2026, 12, 11, 7, 31)  # just after the 14-working-days step
    for _ in range(2):
        async with sessionmaker.begin() as session:
            await planner.run(session, at)
    rows = await outbox_rows(sessionmaker)
    assert len(rows) == 2 and {r.chat_id for r in rows} == {"officer", "colleague"}
    assert all("còn 14 ngày làm việc" in r.text and r.office_hours for r in rows)
    assert rows[0].buttons[0][0][1] == f"ack:{deadline.id}:so-y-te-dn"
    clock.now = at + timedelta(minutes=5)
    await officer.send(payload=f"ack:{deadline.id}:so-y-te-dn")
    assert "Đã ghi nhận" in officer.text() and "Sở Y tế" in officer.text()
    await colleague.send(payload=f"ack:{deadline.id}:so-y-te-dn")  # a second confirmation
    assert "đã được ghi nhận gửi báo cáo" in colleague.text()
    rows = await outbox_rows(sessionmaker)
    thanks = [r for r in rows if r.dedupe_key.startswith("ack:")]
    assert [r.chat_id for r in thanks] == ["colleague"]
    assert {r.status for r in rows if r.dedupe_key.startswith("dl:")} == {"cancelled"}
    async with sessionmaker.begin() as session:
        await planner.run(session, local(2026, 12, 23, 8))  # the 7-day step: nothing for them
    assert len(await outbox_rows(sessionmaker)) == len(rows)
    await officer.send("/hanbaocao")
    assert "đã xác nhận gửi báo cáo" in officer.text()


async def test_overdue_reminders_escalate_to_admins_and_stop_after_five(
        dispatcher, sessionmaker, clock, planner):
    clock.now = local(2026, 12, 1, 9)
    await link(FakeChat(dispatcher, "officer"), await new_code(sessionmaker, clock))
    await new_deadline(sessionmaker, clock)
    async with sessionmaker.begin() as session:
        await planner.run(session, local(2027, 1, 5, 8))  # 2 working days after 31/12
    rows = await outbox_rows(sessionmaker)
    overdue = [r for r in rows if r.chat_id == "officer"]
    summary = [r for r in rows if r.chat_id == "900"]
    assert len(overdue) == 1 and "Đã quá hạn" in overdue[0].text
    assert len(summary) == 1 and "Sở Y tế" not in summary[0].text and "SYT" in summary[0].text
    async with sessionmaker.begin() as session:
        await planner.run(session, local(2027, 3, 1, 8))  # long after the fifth overdue step
    assert len(await outbox_rows(sessionmaker)) == len(rows)


async def test_a_reminder_missed_while_down_is_sent_once_unless_stale(
        dispatcher, sessionmaker, clock, planner):
    clock.now = local(2026, 12, 1, 9)
    await link(FakeChat(dispatcher, "officer"), await new_code(sessionmaker, clock))
    await new_deadline(sessionmaker, clock)
    async with sessionmaker.begin() as session:  # d14 fell due 11/12; up again on 16/12
        await planner.run(session, local(2026, 12, 16, 9))
    assert await outbox_rows(sessionmaker) == []  # five days late: too stale to be useful
    for _ in range(2):  # down again over d7 (22/12 at 7:30), up at noon: sent, once
        async with sessionmaker.begin() as session:
            await planner.run(session, local(2026, 12, 22, 12))
    rows = await outbox_rows(sessionmaker)
    assert len(rows) == 1 and rows[0].dedupe_key.endswith(":d7")


async def test_the_seeded_2023_deadline_sends_nothing_today(dispatcher, sessionmaker, clock,
                                                            planner):
    async with sessionmaker.begin() as session:
        code = await agencies.new_link_code(session, "so-cong-thuong", None, clock.now)
    await FakeChat(dispatcher, "o").send(f"/start lk-{code}")
    async with sessionmaker.begin() as session:
        assert await planner.run(session, clock.now) == 0


async def test_class_reminders_before_and_on_the_day(dispatcher, sessionmaker, clock, planner):
    clock.now = local(2026, 12, 1, 9)
    await add_session(sessionmaker, clock, "lop1", capacity=2, days=3)  # Friday 4/12, 9:00
    seated, waiting = FakeChat(dispatcher, "seated"), FakeChat(dispatcher, "waiting")
    await register(seated, tax_code=valid_tax_code(1), attendees="2")
    await register(waiting, tax_code=valid_tax_code(2), attendees="1")
    for _ in range(2):
        async with sessionmaker.begin() as session:
            await planner.run(session, local(2026, 12, 3, 7, 45))  # the working day before
    rows = await outbox_rows(sessionmaker)
    by_chat = {r.chat_id: r for r in rows}
    assert len(rows) == 2
    assert "ngày mai" in by_chat["seated"].text and "2 người" in by_chat["seated"].text
    assert "Lưu ý" not in by_chat["seated"].text  # nothing to bring was invented
    assert by_chat["seated"].buttons[0][0][1] == "myreg:x:1"
    assert "danh sách chờ số 1" in by_chat["waiting"].text
    async with sessionmaker.begin() as session:
        await planner.run(session, local(2026, 12, 4, 7, 15))  # the morning: seated only
    morning = (await outbox_rows(sessionmaker))[2:]
    assert [r.chat_id for r in morning] == ["seated"] and "Hôm nay" in morning[0].text
    async with sessionmaker.begin() as session:
        assert await planner.run(session, local(2026, 12, 4, 10)) == 0  # after the class


async def test_moving_a_session_tells_each_registrant_once(dispatcher, sessionmaker, clock):
    clock.now = local(2026, 12, 1, 9)
    info = await add_session(sessionmaker, clock, "lop1", capacity=5, days=10)
    await register(FakeChat(dispatcher, "a"), tax_code=valid_tax_code(3))
    texts = Texts.load()
    async with sessionmaker.begin() as session:
        row = await session.get(ClassSession, info.id)
        row.starts_at += timedelta(days=2)
        for _ in range(2):
            await notify_session_change(session, texts, BotConfig().tz, info.id, clock.now)
    rows = await outbox_rows(sessionmaker)
    assert len(rows) == 1 and "đã được dời sang" in rows[0].text
    async with sessionmaker.begin() as session:
        row = await session.get(ClassSession, info.id)
        row.cancelled = True
        await notify_session_change(session, texts, BotConfig().tz, info.id, clock.now)
    rows = await outbox_rows(sessionmaker)
    assert len(rows) == 2 and "đã bị hủy" in rows[1].text


async def test_help_is_forwarded_to_admins_and_unlink_works(make_dispatcher, sessionmaker,
                                                            clock):
    dispatcher = make_dispatcher()
    clock.now = local(2026, 12, 1, 9)
    officer = FakeChat(dispatcher, "officer")
    await link(officer, await new_code(sessionmaker, clock))
    deadline = await new_deadline(sessionmaker, clock)
    await officer.send("/hanbaocao")
    assert "chưa xác nhận" in officer.text()
    await officer.press("Cần hỗ trợ")
    assert "Đã chuyển yêu cầu hỗ trợ" in officer.text()
    rows = await outbox_rows(sessionmaker)
    assert rows[-1].chat_id == "admin" and "cần hỗ trợ" in rows[-1].text
    stranger = FakeChat(dispatcher, "stranger")
    await stranger.send(payload=f"ack:{deadline.id}:so-y-te-dn")
    assert "chưa được liên kết" in stranger.text()
    await officer.send("/hanbaocao")
    await officer.press("Hủy liên kết")
    await officer.press("Có, hủy liên kết")
    assert "Đã hủy liên kết" in officer.text()


async def test_the_reminder_carries_the_notes_an_admin_wrote(dispatcher, sessionmaker, clock,
                                                            planner):
    clock.now = local(2026, 12, 1, 9)
    info = await add_session(sessionmaker, clock, "lop1", capacity=5, days=3)
    async with sessionmaker.begin() as session:
        (await session.get(ClassSession, info.id)).notes = "Mang theo máy tính xách tay"
    await register(FakeChat(dispatcher, "a"), tax_code=valid_tax_code(9))
    async with sessionmaker.begin() as session:
        await planner.run(session, local(2026, 12, 3, 7, 45))
    rows = await outbox_rows(sessionmaker)
    assert "Lưu ý của Sở: Mang theo máy tính xách tay" in rows[0].text


async def test_guessing_link_codes_is_throttled_by_person_and_for_everyone(
    dispatcher, sessionmaker, clock
):
    code = await new_code(sessionmaker, clock)
    guesser = FakeChat(dispatcher, "guesser", channel="telegram")
    for n in range(agencies.CODE_TRIES):
        await guesser.send(f"/start lk-WRONG{n:03d}")
        assert "Mã liên kết không đúng" in guesser.text()
    await guesser.send(f"/start lk-{code}")  # now even the right code must wait
    assert "nhập sai nhiều lần" in guesser.text()
    await guesser.send("/hanbaocao")
    await guesser.press("Nhập mã liên kết")
    await guesser.send(code)  # typed into the form: the same count
    assert "nhập sai nhiều lần" in guesser.text()
    clock.now += agencies.CODE_TRIES_WINDOW
    await guesser.send(f"/start lk-{code}")
    await guesser.press("Xác nhận")
    assert "Đã liên kết" in guesser.text()

    # many chats, each under its own limit, together meet the limit for everyone
    code = await new_code(sessionmaker, clock)
    for n in range(agencies.CODE_TRIES_ALL // agencies.CODE_TRIES):
        other = FakeChat(dispatcher, f"zalo-{n}", channel="zalo")
        for _ in range(agencies.CODE_TRIES):
            await other.send("/start lk-WRONG999")
    newcomer = FakeChat(dispatcher, "newcomer", channel="web")
    await newcomer.send(f"/start lk-{code}")
    assert "nhập sai nhiều lần" in newcomer.text()
