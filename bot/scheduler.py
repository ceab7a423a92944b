"""APScheduler wakes jobs whose work lives in the database: the planner (every minute:
materialises due reminders, idempotently), the sender (every two seconds: drains the outbox
and shows broadcasts' progress) and retention (every hour: forgets old updates, messages and
idle web visitors). Nothing user-facing is held in the scheduler itself."""

import logging
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import broadcast_progress
from bot.outbox import OutboxSender
from bot.wiring import Core
from handlers.calendar import WorkCalendar
from handlers.dispatcher import utcnow
from handlers.reminders import Planner
from storage import retention

log = logging.getLogger(__name__)


def make_planner(core: Core, calendar: WorkCalendar) -> Planner:
    return Planner(core.texts, core.config, calendar)


async def plan(core: Core, planner: Planner) -> None:
    now = utcnow()
    async with core.sessionmaker.begin() as session:
        added = await planner.run(session, now)
    if added:
        log.info("planner queued %d messages", added)


async def send(sender: OutboxSender) -> None:
    sent = await sender.drain()
    if sent:
        log.info("sender handled %d outbox rows", sent)
    await broadcast_progress.report(sender.core, sender.channels)


async def forget_old(core: Core, now: datetime | None = None) -> retention.Purged:
    settings = core.settings
    keep = retention.Retention(
        inbox=timedelta(days=settings.inbox_retention_days),
        outbox=timedelta(days=settings.outbox_retention_days),
        idle_web_visitors=timedelta(days=settings.web_visitor_retention_days),
    )
    async with core.sessionmaker.begin() as session:
        purged = await retention.purge(session, now or utcnow(), keep)
    if purged != retention.Purged(0, 0, 0):
        log.info("retention: %s", purged)
    return purged


def start_scheduler(core: Core, sender: OutboxSender, calendar: WorkCalendar) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=core.settings.tz)
    common = dict(coalesce=True, max_instances=1, next_run_time=utcnow())
    scheduler.add_job(plan, "interval", minutes=1, args=[core, make_planner(core, calendar)],
                      id="planner", **common)
    scheduler.add_job(send, "interval", seconds=2, args=[sender], id="sender", **common)
    scheduler.add_job(forget_old, "interval", hours=1, args=[core], id="retention", **common)
    scheduler.start()
    return scheduler
