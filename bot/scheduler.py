"""APScheduler wakes jobs whose work lives in the database; it holds no user-facing state."""

import logging
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.wiring import Core
from handlers.dispatcher import utcnow
from storage import inbox

log = logging.getLogger(__name__)
INBOX_RETENTION = timedelta(days=14)


async def purge_inbox(core: Core) -> None:
    async with core.sessionmaker.begin() as session:
        removed = await inbox.purge_handled(session, utcnow() - INBOX_RETENTION)
    if removed:
        log.info("purged %d handled inbox rows", removed)


def start_scheduler(core: Core) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=core.settings.tz)
    scheduler.add_job(
        purge_inbox, "interval", hours=1, args=[core], id="purge_inbox",
        coalesce=True, max_instances=1, next_run_time=utcnow(),
    )
    scheduler.start()
    return scheduler
