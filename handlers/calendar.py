"""Working days and office hours in Việt Nam: weekends, public holidays (lunar Tết and
compensatory days included, from the `holidays` package) and swapped working Saturdays."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays


@dataclass(frozen=True)
class WorkCalendar:
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Ho_Chi_Minh"))
    office_start: time = time(7, 30)
    office_end: time = time(17, 0)
    extra_days_off: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()

    @cached_property
    def _holidays(self) -> holidays.HolidayBase:
        return holidays.country_holidays("VN", language="vi")  # years are added on demand

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off:
            return False
        return self._holidays.is_working_day(day)

    def add_working_days(self, day: date, count: int) -> date:
        """The working day ``count`` working days after (or, if negative, before) ``day``."""
        step = 1 if count >= 0 else -1
        remaining = abs(count)
        while remaining:
            day += timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def opening(self, day: date) -> datetime:
        """Start of office hours on ``day`` (aware)."""
        return datetime.combine(day, self.office_start, self.tz)

    def next_opening(self, moment: datetime) -> datetime:
        """``moment`` itself if it is inside office hours on a working day, else the next start
        of office hours."""
        local = moment.astimezone(self.tz)
        day = local.date()
        if self.is_working_day(day) and self.office_start <= local.time() < self.office_end:
            return moment
        if self.is_working_day(day) and local.time() < self.office_start:
            return self.opening(day)
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return self.opening(day)
