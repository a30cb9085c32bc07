"""Working days (contract: Working days). Minimal until the deadline-engine
issue adds administrator overrides and unknown-year handling: weekends and
chinese-calendar's statutory schedule for the years it knows."""

import datetime

from django.utils import timezone


def is_working_day(day: datetime.date) -> bool:
    import chinese_calendar

    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days(start: datetime.datetime, n: int) -> datetime.datetime:
    """23:59:59 local time on the Nth working day after the calendar day of
    start; the day of start itself never counts."""
    day = timezone.localtime(start).date()
    counted = 0
    while counted < n:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    end = datetime.datetime.combine(day, datetime.time(23, 59, 59))
    return timezone.make_aware(end, timezone.get_default_timezone())
