"""How the sender closes or requeues rows: retries with backoff, giving up with an alert,
office hours, withdrawn reminders, closed reply windows (a scripted channel at our own seam,
no platform)."""

import contextlib
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.channels.base import OutsideWindow, Rejected, RetryLater, TemporaryFailure
from bot.outbox import MAX_ATTEMPTS, OutboxSender
from bot.settings import Settings
from bot.wiring import build_core
from handlers.calendar import WorkCalendar
from storage import agencies, broadcasts, outbox
from storage.models import OutboxMessage


class ScriptedChannel:
    name = "telegram"
    text_only = False

    def __init__(self, *failures: Exception):
        self.failures = list(failures)
        self.delivered: list[str] = []

    async def send(self, chat_id, replies, *, bulk=False, priority=5):
        if self.failures:
            raise self.failures.pop(0)
        self.delivered.append(chat_id)
        return []


@contextlib.asynccontextmanager
async def running_core(db_url):
    core = build_core(Settings(_env_file=None, database_url=db_url, admin_ids="telegram:1"))
    try:
        yield core
    finally:
        await core.close()


async def queue(core, now, **extra):
    async with core.sessionmaker.begin() as session:
        await outbox.enqueue(session, dedupe_key="k", channel="telegram", chat_id="7",
                             contact_id=None, text="Nhắc lịch", buttons=[], now=now, **extra)


async def rows(core):
    async with core.sessionmaker() as session:
        return (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id)))\
            .scalars().all()


async def test_network_errors_back_off_then_give_up_and_alert(db_url):
    async with running_core(db_url) as core:
        now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
        clock = [now]
        channel = ScriptedChannel(*[TemporaryFailure("timeout")] * MAX_ATTEMPTS)
        sender = OutboxSender(core, {"telegram": channel}, WorkCalendar(), clock=lambda: clock[0])
        await queue(core, now)
        waits = []
        for _ in range(MAX_ATTEMPTS):
            await sender.drain()
            row = (await rows(core))[0]
            if row.status == "pending":
                waits.append(row.next_attempt_at - clock[0])
                clock[0] = row.next_attempt_at
        first, alert = await rows(core)
        assert first.status == "failed" and first.attempts == MAX_ATTEMPTS
        assert all(later > earlier for earlier, later in zip(waits, waits[1:], strict=False))
        assert alert.chat_id == "1" and "Không gửi được" in alert.text


async def test_flood_waits_without_counting_and_rejection_is_final(db_url):
    async with running_core(db_url) as core:
        now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
        channel = ScriptedChannel(RetryLater(7), Rejected("can't parse entities"))
        sender = OutboxSender(core, {"telegram": channel}, WorkCalendar(), clock=lambda: now)
        await queue(core, now)
        await sender.drain()
        row = (await rows(core))[0]
        assert row.status == "pending" and row.attempts == 0
        assert row.next_attempt_at == now + timedelta(seconds=7)
        sender.clock = lambda: now + timedelta(seconds=7)
        await sender.drain()
        assert (await rows(core))[0].status == "failed" and "7" not in channel.delivered


async def test_office_hours_rows_wait_for_the_next_working_morning(db_url):
    async with running_core(db_url) as core:
        saturday = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # 10:00 on a Saturday in Hà Nội
        channel = ScriptedChannel()
        sender = OutboxSender(core, {"telegram": channel}, WorkCalendar(), clock=lambda: saturday)
        await queue(core, saturday, office_hours=True)
        await sender.drain()
        row = (await rows(core))[0]
        assert channel.delivered == [] and row.status == "pending"
        assert row.next_attempt_at == datetime(2026, 11, 30, 0, 30, tzinfo=UTC)  # Monday 07:30


async def test_reminders_to_an_agency_that_reported_are_withdrawn_not_sent(db_url):
    async with running_core(db_url) as core:
        now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 09:00 on a Tuesday
        channel = ScriptedChannel()
        sender = OutboxSender(core, {"telegram": channel}, WorkCalendar(), clock=lambda: now)
        async with core.sessionmaker.begin() as session:
            deadline = await agencies.add_deadline(session, "Báo cáo năm 2026",
                                                   date(2026, 12, 31), ["so-y-te"], now)

        async def remind(key: str, chat: str, agency: str) -> None:
            async with core.sessionmaker.begin() as session:
                await outbox.enqueue(session, dedupe_key=key, channel="telegram", chat_id=chat,
                                     contact_id=None, text="Nhắc hạn", buttons=[], now=now,
                                     topic=agencies.reminder_topic(deadline.id, agency))

        await remind("queued", "7", "so-y-te")
        async with core.sessionmaker.begin() as session:  # the agency reports
            assert await agencies.acknowledge(session, deadline.id, "so-y-te", now)
        await remind("late", "7", "so-y-te")  # queued after it reported: dropped when sent
        await remind("other", "8", "so-tai-chinh")
        await sender.drain()
        status = {row.dedupe_key: row.status for row in await rows(core)}
        assert status == {"queued": "cancelled", "late": "cancelled", "other": "sent"}
        assert channel.delivered == ["8"]


async def test_outside_the_reply_window_alerts_admins_except_for_broadcasts(db_url):
    async with running_core(db_url) as core:
        now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
        channel = ScriptedChannel(OutsideWindow("7 days"), OutsideWindow("7 days"))
        sender = OutboxSender(core, {"telegram": channel}, WorkCalendar(), clock=lambda: now)
        async with core.sessionmaker.begin() as session:
            for key, topic in (("notice", None), ("broadcast", broadcasts.topic(1))):
                await outbox.enqueue(session, dedupe_key=key, channel="telegram", chat_id="7",
                                     contact_id=None, text="Thông báo", buttons=[], now=now,
                                     topic=topic)
        await sender.drain(max_batches=1)
        notice, broadcast, *alerts = await rows(core)
        assert notice.status == broadcast.status == "outside_window"
        assert [a.dedupe_key for a in alerts] == [f"failed:{notice.id}:telegram:1"]
