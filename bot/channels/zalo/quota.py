"""The Zalo Bot Platform's monthly message quota (3,000 on the free plan), counted in the
database so that a restart does not forget it: admins are warned once at 90 %, and sending
stops until the next month when it is used up (Zalo would answer 429)."""

import logging
import math
from collections.abc import Callable
from datetime import datetime

from bot.channels.base import RetryLater
from bot.channels.zalo.common import alert_admins, as_int
from bot.wiring import Core
from storage.channel_secrets import read_secret, write_secret

log = logging.getLogger(__name__)
WARN_SHARE = 0.9


class MonthlyQuota:
    """Messages sent in the current calendar month (the bot's time zone)."""

    def __init__(self, core: Core, limit: int, clock: Callable[[], datetime],
                 prefix: str = "zalo_bot.sent"):
        self.core = core
        self.limit = limit
        self.clock = clock
        self.prefix = prefix

    def _month(self, now: datetime) -> str:
        return now.astimezone(self.core.settings.tz).strftime("%Y-%m")

    async def used(self) -> int:
        """Messages counted so far this month."""
        async with self.core.sessionmaker() as session:
            row = await read_secret(session, f"{self.prefix}.{self._month(self.clock())}")
        return as_int(row.value, 0) if row else 0

    async def check(self) -> None:
        """Raise RetryLater (until the first of next month) when the quota is used up."""
        if await self.used() >= self.limit:
            raise RetryLater(self.seconds_to_next_month())

    async def count(self, sent: int = 1) -> None:
        """Add ``sent`` messages; warn the admins once a month when 90 % are used."""
        now = self.clock()
        month = self._month(now)
        async with self.core.sessionmaker.begin() as session:
            row = await read_secret(session, f"{self.prefix}.{month}", lock=True)
            used = (as_int(row.value, 0) if row else 0) + sent
            await write_secret(session, f"{self.prefix}.{month}", str(used), now)
        if used >= math.ceil(self.limit * WARN_SHARE):  # the outbox's dedupe key: once
            text = self.core.texts("zalo.bot_quota_warning", sent=used, quota=self.limit,
                                   month=now.astimezone(self.core.settings.tz).strftime("%m/%Y"))
            await alert_admins(self.core, f"{self.prefix}.warn.{month}", text)

    def seconds_to_next_month(self) -> float:
        """Seconds from now to midnight on the first of next month, local time."""
        local = self.clock().astimezone(self.core.settings.tz)
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        start = local.replace(year=year, month=month, day=1, hour=0, minute=0, second=0,
                              microsecond=0)
        return max((start - local).total_seconds(), 1.0)
