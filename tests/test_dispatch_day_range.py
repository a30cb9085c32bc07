"""A day outside 2000-2099 asked of the schedule is a 400 naming `date`, not a
500 (9999-12-31 overflowed computing the day's end; schemathesis found it),
and the board shows today for such a day (issue 16 item 2: no 500 on
malformed input)."""

import pytest

from tests.conftest import api_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("day", ["0001-01-01", "0139-01-01", "9999-12-31"])
def test_the_schedule_refuses_a_day_outside_the_years_with_a_400_naming_the_field(supervisor, day):
    r = api_for(supervisor).get("/api/v1/schedule/", {"date": day})

    assert r.status_code == 400, r.content
    assert "date" in r.json()


def test_the_schedule_answers_a_day_inside_them(supervisor):
    r = api_for(supervisor).get("/api/v1/schedule/", {"date": "2099-12-31"})

    assert (r.status_code, r.json()["date"]) == (200, "2099-12-31")


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_board_shows_today_for_a_day_outside_them(client, dispatcher, day):
    client.force_login(dispatcher)

    assert client.get("/dispatch/board/", {"date": day}).status_code == 200
