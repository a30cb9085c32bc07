"""Appointment kept (contract v1: On site, Appointment kept; issue 14 item 7):
the `appointment` deadline, rescheduling, and the check-in's position."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from onsite.models import CheckInPosition
from servicedesk.deadlines.models import Deadline
from tests.conftest import api_for

pytestmark = pytest.mark.django_db


def post(client, url, body=None):
    return client.post(url, body or {}, format="json")


@pytest.fixture
def accepted(agent, dispatcher, tech1, category):
    a, d, t = api_for(agent), api_for(dispatcher), api_for(tech1.user)
    oid = post(a, "/api/v1/work-orders/", {"kind": "repair", "description": "热水器点不着火", "customer": {
        "name": "王伟", "phone": "13800138000"}, "product": {"category": category.slug}}).json()["id"]
    post(d, f"/api/v1/work-orders/{oid}/dispatch/", {"technician": tech1.pk})
    post(t, f"/api/v1/work-orders/{oid}/accept/")
    return oid, t


def appointments(body):
    return [d for d in body["deadlines"] if d["kind"] == "appointment"]


def at(hours):
    return (timezone.now() + datetime.timedelta(hours=hours)).replace(microsecond=0)


def test_the_appointment_is_due_at_the_end_of_the_window(accepted):
    oid, t = accepted
    end = at(5)
    r = post(t, f"/api/v1/work-orders/{oid}/schedule/", {"appointment_at": at(3).isoformat(),
                                                         "appointment_end": end.isoformat()})
    assert r.status_code == 200, r.content
    [deadline] = appointments(r.json())
    assert datetime.datetime.fromisoformat(deadline["due_at"]) == end
    assert datetime.datetime.fromisoformat(r.json()["appointment_end"]) == end
    assert deadline["met_at"] is None and deadline["cancelled"] is False


def test_without_an_end_it_is_due_after_the_grace(accepted, settings):
    oid, t = accepted
    start = at(3)
    r = post(t, f"/api/v1/work-orders/{oid}/schedule/", {"appointment_at": start.isoformat()})
    [deadline] = appointments(r.json())
    assert datetime.datetime.fromisoformat(deadline["due_at"]) == start + datetime.timedelta(minutes=30)
    assert r.json()["appointment_end"] is None


def test_an_end_before_the_start_is_a_400_and_nothing_changes(accepted):
    oid, t = accepted
    r = post(t, f"/api/v1/work-orders/{oid}/schedule/", {"appointment_at": at(3).isoformat(),
                                                         "appointment_end": at(2).isoformat()})
    assert r.status_code == 400 and "appointment_end" in r.json()
    assert not Deadline.objects.filter(kind="appointment").exists()
    assert t.get(f"/api/v1/work-orders/{oid}/").json()["state"] == "accepted"


def test_a_new_schedule_before_it_is_due_cancels_it_and_starts_a_new_one(accepted):
    oid, t = accepted
    post(t, f"/api/v1/work-orders/{oid}/schedule/", {"appointment_at": at(3).isoformat()})
    end = at(8)
    r = post(t, f"/api/v1/work-orders/{oid}/schedule/", {"appointment_at": at(6).isoformat(),
                                                         "appointment_end": end.isoformat()})
    old, new = sorted(appointments(r.json()), key=lambda d: d["due_at"])
    assert old["cancelled"] is True and old["breached"] is False
    assert new["cancelled"] is False and datetime.datetime.fromisoformat(new["due_at"]) == end
    # never escalated
    assert Deadline.objects.get(kind="appointment", cancelled_at__isnull=False).next_escalation_at is None


def test_once_due_it_stays_breached_and_the_check_in_meets_it_late(accepted, clock_at):
    oid, t = accepted
    post(t, f"/api/v1/work-orders/{oid}/schedule/", {"appointment_at": at(1).isoformat()})
    clock_at(timezone.now() + datetime.timedelta(hours=2))  # 30 minutes past the grace
    r = post(t, f"/api/v1/work-orders/{oid}/schedule/", {"appointment_at": at(3).isoformat()})
    [deadline] = appointments(r.json())
    assert deadline["breached"] is True and deadline["cancelled"] is False and deadline["met_at"] is None
    assert Deadline.objects.get(kind="appointment").next_escalation_at is not None  # escalated as any other
    r = post(t, f"/api/v1/work-orders/{oid}/check-in/")
    [deadline] = appointments(r.json())
    assert deadline["met_at"] and deadline["breached"] is True


def test_the_check_in_meets_it_and_keeps_the_position(accepted, dispatcher):
    oid, t = accepted
    post(t, f"/api/v1/work-orders/{oid}/schedule/", {"appointment_at": at(5).isoformat()})
    # The API never asks for a confirmation, even 5 hours early (contract).
    r = post(t, f"/api/v1/work-orders/{oid}/check-in/", {"latitude": 39.9087243, "longitude": 116.3974752,
                                                         "accuracy": 12})
    assert r.status_code == 200 and r.json()["state"] == "on_site"
    [deadline] = appointments(r.json())
    assert deadline["met_at"] and deadline["breached"] is False
    position = CheckInPosition.objects.get(order_id=oid)
    assert (float(position.latitude), float(position.longitude), position.accuracy) == (39.908724, 116.397475, 12)
    browser = Client()
    browser.force_login(dispatcher)
    page = browser.get(f"/work-orders/{oid}/")
    assert page.status_code == 200 and "39.908724" in page.content.decode()


def test_half_a_position_is_a_400_and_the_check_in_does_not_happen(accepted):
    oid, t = accepted
    r = post(t, f"/api/v1/work-orders/{oid}/check-in/", {"latitude": 39.9})
    assert r.status_code == 400 and "longitude" in r.json()
    assert t.get(f"/api/v1/work-orders/{oid}/").json()["state"] == "accepted"
    r = post(t, f"/api/v1/work-orders/{oid}/check-in/", {"latitude": 139.9, "longitude": 116.4})
    assert r.status_code == 400 and "latitude" in r.json()


def test_the_order_page_schedules_with_the_end_of_the_window(accepted, tech1):
    oid, _t = accepted
    browser = Client()
    browser.force_login(tech1.user)
    start = timezone.localtime(at(3))
    end = start + datetime.timedelta(hours=2)
    page = browser.get(f"/work-orders/{oid}/").content.decode()
    assert 'name="appointment_end"' in page
    r = browser.post(f"/work-orders/{oid}/actions/schedule/", {
        "appointment_at": start.strftime("%Y-%m-%dT%H:%M"), "appointment_end": end.strftime("%Y-%m-%dT%H:%M")})
    assert r.status_code == 302
    deadline = Deadline.objects.get(kind="appointment")
    assert deadline.due_at == end.replace(second=0)
