"""Two editors of the roster at once (issue 17; PostgreSQL): one duty per
station and day whoever sets it first, and hours that never overlap."""

import datetime

import pytest
from django.utils import timezone

from dispatch import services
from dispatch.models import Duty, WorkingHours
from servicedesk.core.errors import ValidationFailed
from tests.concurrency import at_once
from tests.factories import UnitFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_first_duties_of_a_day_leave_one_row(postgres, dispatcher, supervisor, tech1, tech2):
    station = UnitFactory()
    for tech in (tech1, tech2):
        tech.station = station
        tech.save()
    day = timezone.localdate()

    at_once(lambda: services.duty_set(by=dispatcher, station=station, date=day, technician=tech1),
            lambda: services.duty_set(by=supervisor, station=station, date=day, technician=tech2))

    assert Duty.objects.filter(station=station, date=day).count() == 1


def test_two_overlapping_hours_at_once_keep_one(postgres, dispatcher, supervisor, tech1):
    def add(by, start, end):
        def run():
            try:
                return services.working_hours_add(by=by, technician=tech1, weekday=0, start=start, end=end)
            except ValidationFailed as exc:
                return exc
        return run

    results = at_once(add(dispatcher, datetime.time(8), datetime.time(12)),
                      add(supervisor, datetime.time(10), datetime.time(14)))

    assert WorkingHours.objects.filter(technician=tech1).count() == 1
    assert sum(isinstance(r, ValidationFailed) for r in results) == 1
