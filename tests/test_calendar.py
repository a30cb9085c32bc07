"""The working-day calendar (api-contract.md, Working days): "N working days
after T" is due at 23:59:59 local time on the Nth working day after the
calendar day of T; the day of T never counts. Statutory holidays and make-up
workdays (调休) come from the seeded CalendarDay rows (migration 0004, from
chinese-calendar); a year nobody confirmed still works by weekends and the
fixed-date holidays; an administrator's override changes the answer."""

import datetime
import io

import chinese_calendar
import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from servicedesk.deadlines.calendar import add_working_days, is_working_day, unconfirmed_years, working_day_n_after
from servicedesk.deadlines.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db

TZ = timezone.get_fixed_timezone(8 * 60)  # Asia/Shanghai has no summer time
END_OF_DAY = datetime.time(23, 59, 59)


def local(*args):
    return datetime.datetime(*args, tzinfo=TZ)


def due_day(start, n):
    """The local calendar day a working-day deadline falls on."""
    due = timezone.localtime(add_working_days(start, n))
    assert due.time() == END_OF_DAY
    return due.date()


D = datetime.date


# --- the contract rule -------------------------------------------------------


def test_one_working_day_after_a_tuesday_morning_is_wednesday_at_23_59_59_local():
    due = add_working_days(local(2026, 3, 10, 9, 30), 1)
    assert due == local(2026, 3, 11, 23, 59, 59)
    assert timezone.localtime(due).tzname() == "CST"


def test_the_day_of_t_never_counts_even_at_one_second_past_midnight_or_one_second_before():
    assert add_working_days(local(2026, 3, 10, 0, 0, 1), 1) == local(2026, 3, 11, 23, 59, 59)
    assert add_working_days(local(2026, 3, 10, 23, 59, 59), 1) == local(2026, 3, 11, 23, 59, 59)


def test_the_calendar_day_of_t_is_the_local_one_not_the_utc_one():
    # 2026-03-10 17:30 UTC is already Wednesday 01:30 in Beijing.
    start = datetime.datetime(2026, 3, 10, 17, 30, tzinfo=datetime.UTC)
    assert add_working_days(start, 1) == local(2026, 3, 12, 23, 59, 59)


def test_weekends_do_not_count():
    friday = local(2026, 3, 13, 16, 0)
    assert due_day(friday, 1) == D(2026, 3, 16)  # Monday
    assert due_day(friday, 5) == D(2026, 3, 20)
    saturday = local(2026, 3, 14, 10, 0)
    assert due_day(saturday, 1) == D(2026, 3, 16)


def test_contract_examples_for_complaints_1_3_5_working_days():
    received = local(2026, 3, 12, 11, 0)  # Thursday
    assert [due_day(received, n) for n in (1, 2, 3, 5)] == [
        D(2026, 3, 13), D(2026, 3, 16), D(2026, 3, 17), D(2026, 3, 19),
    ]


def test_n_below_one_is_refused():
    with pytest.raises(ValueError):
        working_day_n_after(D(2026, 3, 10), 0)


# --- 2026 as the State Council published it (seeded) ---------------------------


def test_the_seeded_rows_for_national_day_2026_say_1_to_7_october_off_and_two_make_up_weekends():
    rows = dict(
        CalendarDay.objects.filter(date__range=(D(2026, 9, 19), D(2026, 10, 11))).values_list("date", "kind")
    )
    # Weekend holidays need no row; weekday ones and make-up workdays do.
    assert rows == {
        D(2026, 9, 20): "workday",  # Sunday
        D(2026, 9, 25): "holiday",  # Mid-autumn, Friday
        D(2026, 10, 1): "holiday", D(2026, 10, 2): "holiday", D(2026, 10, 5): "holiday",
        D(2026, 10, 6): "holiday", D(2026, 10, 7): "holiday",
        D(2026, 10, 10): "workday",  # Saturday
    }
    assert CalendarYear.objects.get(year=2026).confirmed is True


def test_national_day_2026_skips_1_to_7_october_and_counts_the_make_up_saturday():
    last_day_before = local(2026, 9, 30, 15, 0)  # Wednesday
    assert [due_day(last_day_before, n) for n in (1, 2, 3, 4)] == [
        D(2026, 10, 8), D(2026, 10, 9), D(2026, 10, 10), D(2026, 10, 12),
    ]
    assert not any(is_working_day(D(2026, 10, d)) for d in range(1, 8))
    assert is_working_day(D(2026, 10, 10)) and not is_working_day(D(2026, 10, 11))


def test_a_make_up_sunday_counts_and_the_mid_autumn_friday_does_not():
    assert due_day(local(2026, 9, 18, 10, 0), 1) == D(2026, 9, 20)  # Friday -> make-up Sunday
    assert due_day(local(2026, 9, 24, 10, 0), 1) == D(2026, 9, 28)  # Thursday -> over the holiday


def test_spring_festival_2026_skips_15_to_23_february_and_counts_both_make_up_saturdays():
    friday_before = local(2026, 2, 13, 10, 0)
    assert [due_day(friday_before, n) for n in (1, 2, 3)] == [D(2026, 2, 14), D(2026, 2, 24), D(2026, 2, 25)]
    assert due_day(local(2026, 2, 14, 18, 0), 1) == D(2026, 2, 24)  # started on the make-up Saturday
    assert due_day(local(2026, 2, 27, 10, 0), 1) == D(2026, 2, 28)  # Friday -> make-up Saturday
    assert [is_working_day(D(2026, 2, d)) for d in range(14, 25)] == [True] + [False] * 9 + [True]


# --- a year nobody has published yet -------------------------------------------


def test_2027_is_not_known_to_chinese_calendar_so_this_is_a_real_unknown_year():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 3, 1))
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_an_unknown_year_uses_weekends_and_the_fixed_date_holidays_without_raising():
    # 31 Dec 2026 is a Thursday; 1 Jan 2027 (Friday) is New Year's Day; then a weekend.
    assert due_day(local(2026, 12, 31, 10, 0), 1) == D(2027, 1, 4)
    # 30 Apr 2027 Friday; 1 May is a Saturday anyway; Monday 3 May works.
    assert due_day(local(2027, 4, 30, 10, 0), 1) == D(2027, 5, 3)
    # 30 Sep 2027 Thursday; 1 Oct Friday off, 2-3 Oct weekend, Monday 4 Oct works (no schedule known).
    assert due_day(local(2027, 9, 30, 10, 0), 1) == D(2027, 10, 4)
    # A whole unknown year and more: 300 working days from mid-2027 land in 2028.
    assert due_day(local(2027, 6, 1, 10, 0), 300).year == 2028
    assert [is_working_day(D(2027, 1, 1)), is_working_day(D(2027, 10, 1)), is_working_day(D(2027, 10, 4))] == [
        False, False, True,
    ]


def test_an_unknown_year_is_listed_unconfirmed_until_an_administrator_confirms_it(admin_client):
    assert unconfirmed_years(around=D(2026, 6, 1)) == [2027]
    assert unconfirmed_years(around=D(2027, 2, 1)) == [2027, 2028]
    year = CalendarYear.objects.create(year=2027, confirmed=False)
    assert unconfirmed_years(around=D(2026, 6, 1)) == [2027]

    r = admin_client.post(
        "/admin/deadlines/calendaryear/", {"action": "confirm_years", "_selected_action": [year.pk]}
    )

    assert r.status_code == 302
    year.refresh_from_db()
    assert (year.confirmed, year.confirmed_by.username, year.source) == (True, "admin", "manual")
    assert unconfirmed_years(around=D(2026, 6, 1)) == []
    assert unconfirmed_years(around=D(2027, 2, 1)) == [2028]


# --- administrators' overrides ---------------------------------------------------


def test_a_holiday_added_by_an_administrator_moves_the_due_day(admin_client):
    start = local(2026, 3, 10, 9, 0)
    assert due_day(start, 1) == D(2026, 3, 11)

    r = admin_client.post(
        "/admin/deadlines/calendarday/add/",
        {"date": "2026-03-11", "kind": "holiday", "name": "typhoon", "source": "chinese-calendar"},
    )

    assert r.status_code == 302, r.content
    assert CalendarDay.objects.get(date=D(2026, 3, 11)).source == "manual"  # kept by calendar_sync
    assert due_day(start, 1) == D(2026, 3, 12)
    assert due_day(start, 2) == D(2026, 3, 13)


def test_overrides_for_an_unknown_year_apply_once_an_administrator_enters_them():
    # Say the State Council publishes National Day 2027 as 1-7 Oct with a make-up Saturday on 9 Oct.
    for day in (4, 5, 6, 7):
        CalendarDay.objects.create(date=D(2027, 10, day), kind=CalendarDay.Kind.HOLIDAY, name="National Day")
    CalendarDay.objects.create(date=D(2027, 10, 9), kind=CalendarDay.Kind.WORKDAY, name="National Day")
    assert [due_day(local(2027, 9, 30, 10, 0), n) for n in (1, 2)] == [D(2027, 10, 8), D(2027, 10, 9)]


def test_calendar_sync_keeps_manual_overrides_and_restores_its_own_rows():
    CalendarDay.objects.filter(date=D(2026, 10, 10)).delete()
    CalendarDay.objects.update_or_create(
        date=D(2026, 10, 9), defaults={"kind": CalendarDay.Kind.HOLIDAY, "name": "company day", "source": "manual"}
    )

    call_command("calendar_sync", stdout=io.StringIO())

    assert CalendarDay.objects.get(date=D(2026, 10, 10)).kind == "workday"
    manual = CalendarDay.objects.get(date=D(2026, 10, 9))
    assert (manual.kind, manual.name, manual.source) == ("holiday", "company day", "manual")


# --- properties ----------------------------------------------------------------------

starts = st.datetimes(
    min_value=datetime.datetime(2024, 1, 1), max_value=datetime.datetime(2027, 12, 31), timezones=st.just(TZ)
)
small_n = st.integers(min_value=1, max_value=30)


def test_the_due_time_is_always_23_59_59_local_on_a_working_day_after_the_day_of_t():
    @settings(deadline=None, max_examples=60)
    @given(start=starts, n=small_n)
    def check(start, n):
        due = timezone.localtime(add_working_days(start, n))
        assert due.time() == END_OF_DAY
        assert due.date() > timezone.localtime(start).date()
        assert is_working_day(due.date())
        between = [
            timezone.localtime(start).date() + datetime.timedelta(days=i)
            for i in range(1, (due.date() - timezone.localtime(start).date()).days + 1)
        ]
        assert sum(is_working_day(d) for d in between) == n

    check()


def test_the_due_time_is_monotonic_in_n_and_in_the_start():
    @settings(deadline=None, max_examples=60)
    @given(
        start=starts, n=small_n,
        later_by=st.timedeltas(min_value=datetime.timedelta(0), max_value=datetime.timedelta(days=20)),
    )
    def check(start, n, later_by):
        assert add_working_days(start, n) < add_working_days(start, n + 1)
        assert add_working_days(start, n) <= add_working_days(start + later_by, n)

    check()


def test_the_engine_agrees_with_chinese_calendar_in_every_year_it_knows():
    # chinese-calendar is the oracle here; the engine reads only the seeded rows.
    @settings(deadline=None, max_examples=80)
    @given(
        start=st.datetimes(min_value=datetime.datetime(2005, 1, 1), max_value=datetime.datetime(2026, 10, 31),
                           timezones=st.just(TZ)),
        n=st.integers(min_value=1, max_value=25),
    )
    def check(start, n):
        day = timezone.localtime(start).date()
        expected, counted = day, 0
        while counted < n:
            expected += datetime.timedelta(days=1)
            counted += chinese_calendar.is_workday(expected)
        assert working_day_n_after(day, n) == expected

    check()
