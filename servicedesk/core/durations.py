"""Lengths of time in the units people say them in (issue 13 item 6): a
promise reads "24 hours" or "5 working days, due 11 Dec", never "1440
minutes". For the countdowns of lists ("2 d 3 h") see servicedesk.core.pages.duration_text."""

import datetime

from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

#: up to this many hours a length is said in hours ("24 hours", "72 hours",
#: as service promises are said); beyond, in days
HOURS_SAID_UP_TO = 72


def _minutes(n):
    return ngettext("%(n)s minute", "%(n)s minutes", n) % {"n": n}


def _hours(n):
    return ngettext("%(n)s hour", "%(n)s hours", n) % {"n": n}


def _days(n):
    return ngettext("%(n)s day", "%(n)s days", n) % {"n": n}


def duration_phrase(length: datetime.timedelta) -> str:
    """"30 minutes", "24 hours", "1 hour 30 minutes", "4 days", "4 days 6
    hours": minutes under an hour, hours up to HOURS_SAID_UP_TO, days beyond;
    the smaller unit only when it is not zero. Rounded to the minute."""
    minutes = max(0, round(length.total_seconds() / 60))
    if minutes < 60:
        return _minutes(minutes)
    hours, mins = divmod(minutes, 60)
    if hours <= HOURS_SAID_UP_TO:
        return " ".join([_hours(hours)] + ([_minutes(mins)] if mins else []))
    days, hours = divmod(hours, 24)
    return " ".join([_days(days)] + ([_hours(hours)] if hours else []))


def working_days_phrase(n: int) -> str:
    """"5 working days" (seeds/000: complaints run on working days)."""
    return ngettext("%(n)s working day", "%(n)s working days", n) % {"n": n}


def day_month(at: datetime.datetime | datetime.date) -> str:
    """The day as people write a due date: "11 Dec"; 12月11日 in Chinese."""
    if isinstance(at, datetime.datetime):
        at = timezone.localtime(at)
    return dateformat.format(at, pgettext("date format: day and month of a due date", "j M"))


def due_text(at: datetime.datetime, *, now: datetime.datetime | None = None) -> str:
    """A due time: "14:30" today, "11 Dec 14:30" on another day."""
    local = timezone.localtime(at)
    today = timezone.localtime(now or timezone.now()).date()
    time = dateformat.format(local, "H:i")
    if local.date() == today:
        return time
    return _("%(day)s %(time)s") % {"day": day_month(local), "time": time}
