"""APScheduler wakes jobs whose work lives in the database: the planner (every minute:
materialises due reminders, idempotently; tells admins once a day what of the organisation is
still unset), the broadcast queuer (every two seconds: queues confirmed broadcasts' messages,
batch by batch), the sender (every two seconds: drains the outbox and shows broadcasts' progress)
and retention (every hour: forgets old updates, messages and idle web visitors). Nothing
user-facing is held in the scheduler itself.

Every instance sends (the outbox is shared row by row); the planner, the queuer and retention
run in one instance only, the leader (see storage.locks.try_lead); when it dies another takes
over."""

import asyncio
import logging
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select

from bot import broadcast_progress
from bot.outbox import OutboxSender
from bot.wiring import Core
from handlers import organisation
from handlers.admin.broadcast import queue_batch
from handlers.calendar import WorkCalendar
from handlers.dispatcher import utcnow
from handlers.reminders import Planner
from storage import broadcasts, locks, retention

log = logging.getLogger(__name__)
STOP_TIMEOUT = 10.0  # seconds a running job gets to finish when the bot quits
LEAD_EVERY = 3.0  # seconds between tries to lead, and between checks that we still do


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


async def queue_broadcasts(core: Core) -> int:
    """Queue the rest of every confirmed broadcast, one batch per transaction, letting other
    people's turns run between batches; returns how many messages were queued."""
    async with core.sessionmaker() as session:
        numbers = await broadcasts.queuing(session)
    total = 0
    for number in numbers:
        while True:
            async with core.sessionmaker.begin() as session:
                queued = await queue_batch(session, number, utcnow())
            if queued is None:
                break
            total += queued
            await asyncio.sleep(0)
    if total:
        log.info("broadcast queuer queued %d messages", total)
    return total


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
        self.leader_only: list[str] = []
        self.leading = False
        self._leadership: asyncio.Task | None = None

    def add(self, job, seconds: int, *args, leader_only: bool = False) -> None:
        async def tracked() -> None:
            task = asyncio.current_task()
            self.running.add(task)
            try:
                await job(*args)
            finally:
                self.running.discard(task)

        # a leader's job waits, paused, until this instance leads
        self.scheduler.add_job(tracked, "interval", seconds=seconds, id=job.__name__,
                               coalesce=True, max_instances=1,
                               next_run_time=None if leader_only else utcnow())
        if leader_only:
            self.leader_only.append(job.__name__)

    def start(self, engine) -> None:
        self.scheduler.start()
        self._leadership = asyncio.create_task(self._lead(engine), name="scheduler-leader")

    async def _lead(self, engine) -> None:
        """Run the leader's jobs while this instance holds the leader's lock; try to take it
        every LEAD_EVERY seconds while another does."""
        if not locks.shared(engine):  # the only process: no connection kept for nothing
            self._set_leading(True)
            return
        while True:
            try:
                async with engine.connect() as connection:
                    while True:
                        if await locks.try_lead(connection):
                            break
                        await asyncio.sleep(LEAD_EVERY)
                    self._set_leading(True)
                    try:
                        while True:  # the lock lasts as long as this connection
                            await asyncio.sleep(LEAD_EVERY)
                            await connection.execute(select(1))
                            await connection.commit()
                    finally:
                        self._set_leading(False)
                        await locks.step_down(connection)
            except Exception as problem:  # the database went away: try again
                log.warning("scheduler leadership lost: %s", type(problem).__name__)
                await asyncio.sleep(LEAD_EVERY)

    def _set_leading(self, leading: bool) -> None:
        self.leading = leading
        log.info("this instance %s the planner, the queuer and retention",
                 "now runs" if leading else "no longer runs")
        for job_id in self.leader_only:
            if leading:
                self.scheduler.modify_job(job_id, next_run_time=utcnow())
            else:
                self.scheduler.pause_job(job_id)

    async def stop(self) -> None:
        """Wake no more jobs, give the running ones STOP_TIMEOUT seconds, then shut down."""
        if self._leadership is not None:
            self._leadership.cancel()
            await asyncio.gather(self._leadership, return_exceptions=True)
        self.scheduler.pause()
        if self.running:
            await asyncio.wait(set(self.running), timeout=STOP_TIMEOUT)
        self.scheduler.shutdown(wait=False)


def start_scheduler(core: Core, sender: OutboxSender, calendar: WorkCalendar) -> Jobs:
    jobs = Jobs(core.settings.tz)
    jobs.add(plan, 60, core, make_planner(core, calendar), leader_only=True)
    jobs.add(queue_broadcasts, 2, core, leader_only=True)
    jobs.add(send, 2, sender)
    jobs.add(forget_old, 3600, core, leader_only=True)
    jobs.start(core.engine)
    return jobs
