"""APScheduler wakes jobs whose work lives in the database: the planner (every minute:
materialises due reminders, idempotently; tells admins once a day what of the organisation is
still unset), the sender (every two seconds: drains the outbox and shows broadcasts' progress)
and retention (every hour: forgets old updates, messages and idle web visitors). Nothing
user-facing is held in the scheduler itself."""

import asyncio
import logging
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import broadcast_progress
from bot.outbox import OutboxSender
from bot.wiring import Core
from handlers import organisation
from handlers.calendar import WorkCalendar
from handlers.dispatcher import utcnow
from handlers.reminders import Planner
from storage import retention

log = logging.getLogger(__name__)
STOP_TIMEOUT = 10.0  # seconds a running job gets to finish when the bot quits


def make_planner(core: Core, calendar: WorkCalendar) -> Planner:
    return Planner(core.texts, core.config, calendar)


async def plan(core: Core, planner: Planner) -> None:
    now = utcnow()
    async with core.sessionmaker.begin() as session:
        reminders = await planner.run(session, now)
        added = reminders + await organisation.alert_unset(session, core.texts, core.config, now)
    core.metrics.reminders_queued.inc(reminders)
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


class Jobs:
    """The scheduler and the job runs in flight. Stopping lets a run finish: APScheduler 3's
    asyncio executor cancels running jobs at shutdown and logs the CancelledError as a failed
    job, with its traceback, at every quit that happens while the planner or sender runs."""

    def __init__(self, tz):
        self.scheduler = AsyncIOScheduler(timezone=tz)
        self.running: set[asyncio.Task] = set()

    def add(self, job, seconds: int, *args) -> None:
        async def tracked() -> None:
            task = asyncio.current_task()
            self.running.add(task)
            try:
                await job(*args)
            finally:
                self.running.discard(task)

        self.scheduler.add_job(tracked, "interval", seconds=seconds, id=job.__name__,
                               coalesce=True, max_instances=1, next_run_time=utcnow())

    async def stop(self) -> None:
        """Wake no more jobs, give the running ones STOP_TIMEOUT seconds, then shut down."""
        self.scheduler.pause()
        if self.running:
            await asyncio.wait(set(self.running), timeout=STOP_TIMEOUT)
        self.scheduler.shutdown(wait=False)


def start_scheduler(core: Core, sender: OutboxSender, calendar: WorkCalendar) -> Jobs:
    jobs = Jobs(core.settings.tz)
    jobs.add(plan, 60, core, make_planner(core, calendar))
    jobs.add(send, 2, sender)
    jobs.add(forget_old, 3600, core)
    jobs.scheduler.start()
    return jobs
