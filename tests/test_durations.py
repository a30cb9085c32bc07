"""Lengths of time as people say them (servicedesk.core.durations; issue 13
item 6): never "1440 minutes"."""

import datetime

import pytest
from django.utils import timezone
from django.utils.translation import override

from servicedesk.core.durations import day_month, due_text, duration_phrase, working_days_phrase

M = datetime.timedelta(minutes=1)


@pytest.mark.parametrize("length, en, zh", [
    (0 * M, "0 minutes", "0 分钟"),
    (1 * M, "1 minute", "1 分钟"),
    (30 * M, "30 minutes", "30 分钟"),
    (60 * M, "1 hour", "1 小时"),
    (90 * M, "1 hour 30 minutes", "1 小时 30 分钟"),
    (1440 * M, "24 hours", "24 小时"),
    (72 * 60 * M, "72 hours", "72 小时"),
    (73 * 60 * M, "3 days 1 hour", "3 天 1 小时"),
    (7 * 1440 * M, "7 days", "7 天"),
    (datetime.timedelta(seconds=89), "1 minute", "1 分钟"),  # rounded to the minute
])
def test_durations_in_peoples_units(length, en, zh):
    with override("en"):
        assert duration_phrase(length) == en
    with override("zh-hans"):
        assert duration_phrase(length) == zh


@pytest.mark.parametrize("n, en, zh", [(1, "1 working day", "1 个工作日"), (5, "5 working days", "5 个工作日")])
def test_working_days(n, en, zh):
    with override("en"):
        assert working_days_phrase(n) == en
    with override("zh-hans"):
        assert working_days_phrase(n) == zh


def test_a_due_date_and_time(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    due = datetime.datetime(2026, 12, 11, 6, 30, tzinfo=datetime.UTC)  # 14:30 in Shanghai
    with override("en"):
        assert day_month(due) == "11 Dec"
        assert due_text(due, now=due - datetime.timedelta(hours=2)) == "14:30"  # today: the time alone
        assert due_text(due, now=due - datetime.timedelta(days=1)) == "11 Dec 14:30"
    with override("zh-hans"):
        assert day_month(due) == "12月11日"
        assert due_text(due, now=due - datetime.timedelta(days=1)) == "12月11日 14:30"
    assert timezone.is_aware(due)
