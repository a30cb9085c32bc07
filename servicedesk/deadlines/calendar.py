"""The working-day calendar (contract: Working days).

"N working days after T" is due at 23:59:59 local time on the Nth working day
after the calendar day of T; the day of T never counts. A day is a working day
unless an override (CalendarDay) says otherwise, or it falls on a weekend or a
fixed-date statutory holiday (1 January, 1 May, 1-3 October). Overrides for
the years chinese-calendar knows are seeded from it (migration 0004 and
`manage.py calendar_sync`); a year it does not know still works by the fixed
rules and is shown unconfirmed until an administrator confirms it. Nothing
here calls chinese-calendar at run time, so nothing raises for an unknown year.
"""

import datetime

from django.utils import timezone

# GB/T: New Year's Day, Labour Day, National Day (first three days).
FIXED_HOLIDAYS = {(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)}
_WINDOW = datetime.timedelta(days=62)


def _overrides(first: datetime.date, last: datetime.date) -> dict:
    from .models import CalendarDay

    return dict(CalendarDay.objects.filter(date__gte=first, date__lte=last).values_list("date", "kind"))


def _default_is_working(day: datetime.date) -> bool:
    return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS


def _is_working(day, overrides) -> bool:
    kind = overrides.get(day)
    if kind is not None:
        return kind == "workday"
    return _default_is_working(day)


def is_working_day(day: datetime.date) -> bool:
    return _is_working(day, _overrides(day, day))


def working_day_n_after(day: datetime.date, n: int) -> datetime.date:
    """The Nth working day after `day` (n >= 1); `day` itself never counts."""
    if n < 1:
        raise ValueError("n must be at least 1")
    counted = 0
    window_start = day + datetime.timedelta(days=1)
    while True:
        window_end = window_start + _WINDOW
        overrides = _overrides(window_start, window_end)
        current = window_start
        while current <= window_end:
            if _is_working(current, overrides):
                counted += 1
                if counted == n:
                    return current
            current += datetime.timedelta(days=1)
        window_start = window_end + datetime.timedelta(days=1)


def add_working_days(start: datetime.datetime, n: int) -> datetime.datetime:
    """23:59:59 local time on the Nth working day after the calendar day of start."""
    tz = timezone.get_default_timezone()
    day = timezone.localtime(start, tz).date()
    end = datetime.datetime.combine(working_day_n_after(day, n), datetime.time(23, 59, 59))
    return timezone.make_aware(end, tz)


def unconfirmed_years(*, around: datetime.date | None = None) -> list[int]:
    """This year and next, where their official schedule is not confirmed."""
    from .models import CalendarYear

    today = around or timezone.localdate()
    years = [today.year, today.year + 1]
    confirmed = set(CalendarYear.objects.filter(year__in=years, confirmed=True).values_list("year", flat=True))
    return [y for y in years if y not in confirmed]


def sync_from_chinese_calendar() -> list[int]:
    """Seed overrides and confirmed years from chinese-calendar's tables.
    Manual overrides are kept. Answers the years written."""
    import chinese_calendar.constants as known

    from .models import CalendarDay, CalendarYear

    manual = set(CalendarDay.objects.exclude(source="chinese-calendar").values_list("date", flat=True))
    rows = []
    for day, name in known.holidays.items():
        if day.weekday() < 5 and day not in manual:
            rows.append(CalendarDay(date=day, kind=CalendarDay.Kind.HOLIDAY, name=str(name), source="chinese-calendar"))
    for day, name in known.workdays.items():
        if day not in manual:
            rows.append(CalendarDay(date=day, kind=CalendarDay.Kind.WORKDAY, name=str(name), source="chinese-calendar"))
    # Fixed-date holidays that fall on a weekend need no row; a weekday
    # holiday already in the fixed list needs none either, but a row is harmless.
    CalendarDay.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["date"], update_fields=["kind", "name", "source"]
    )
    years = sorted({d.year for d in known.holidays} | {d.year for d in known.workdays})
    for year in years:
        CalendarYear.objects.update_or_create(
            year=year, defaults={"confirmed": True, "source": "chinese-calendar"}
        )
    return years
