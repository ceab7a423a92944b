"""Working days and office hours around Vietnamese holidays and weekends."""

from datetime import UTC, date, datetime

import pytest

from handlers.calendar import WorkCalendar

CAL = WorkCalendar()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2023, 11, 30), True),  # the plan's deadline, a Thursday
        (date(2026, 2, 16), False),  # giao thừa
        (date(2026, 2, 20), False),  # mùng bốn Tết
        (date(2026, 4, 27), False),  # Giỗ Tổ (nghỉ bù)
        (date(2026, 4, 30), False),
        (date(2026, 5, 1), False),
        (date(2026, 9, 2), False),
        (date(2026, 8, 31), False),  # swapped day off…
        (date(2026, 8, 22), True),  # …for a working Saturday
        (date(2026, 11, 28), False),  # a Saturday
        (date(2026, 11, 24), False),  # Ngày Văn hóa Việt Nam
    ],
)
def test_working_days(day, working):
    assert CAL.is_working_day(day) is working


def test_counting_working_days_skips_tet_and_weekends():
    assert CAL.add_working_days(date(2023, 11, 30), -5) == date(2023, 11, 23)
    assert CAL.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
    assert CAL.add_working_days(date(2026, 5, 4), -1) == date(2026, 4, 29)


def test_next_opening_moves_out_of_hours_to_the_next_working_morning():
    friday_evening = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)  # 18:00 in Hà Nội time
    opening = CAL.next_opening(friday_evening)
    assert opening.date() == date(2026, 11, 30) and opening.hour == 7 and opening.minute == 30
    inside = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)  # 10:00 local on a Friday
    assert CAL.next_opening(inside) == inside


def test_admin_overrides_win():
    cal = WorkCalendar(extra_days_off=frozenset({date(2026, 12, 1)}),
                       extra_working_days=frozenset({date(2026, 12, 5)}))
    assert not cal.is_working_day(date(2026, 12, 1))
    assert cal.is_working_day(date(2026, 12, 5))
