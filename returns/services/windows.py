"""Where a factory return stands against its office's return week
(domain.md section 5, seeds/004)."""

import datetime

from ..models import FactoryReturn, add_months, window_days


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def window_state(obj: FactoryReturn, day: datetime.date):
    """('open' | 'early' | 'missed' | 'none', window, (first, last) of the
    application's month)."""
    window = obj.window()
    if window is None:
        return "none", None, None
    first, last = window_days(obj.month, window.week)
    if first <= day <= last:
        return "open", window, (first, last)
    if day < first:
        return "early", window, (first, last)
    return "missed", window, (first, last)


def next_month_with_window(day: datetime.date, week: int) -> datetime.date:
    """The month whose window is the next one not yet over on `day`."""
    month = first_of_month(day)
    _first, last = window_days(month, week)
    return month if day <= last else add_months(month, 1)
