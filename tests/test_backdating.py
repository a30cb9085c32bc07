"""Timestamps more than SERVICEDESK_MAX_BACKDATE_DAYS (default 30) in the
past are a 400 naming the field (contract: Retries, privacy, abuse; issue
16, item 7): a back-dated order would be overdue, and escalate, at once."""

import datetime

import pytest
from django.utils import timezone

from calls.models import Call, CallEvent
from complaints.models import Complaint
from tests.conftest import api_for
from tickets.models import WorkOrder

pytestmark = pytest.mark.django_db

CUSTOMER = {"name": "王伟", "phone": "13800138000"}


def ago(**delta):
    return (timezone.now() - datetime.timedelta(**delta)).isoformat()


def create_order(user, reported_at):
    return api_for(user).post("/api/v1/work-orders/", {"kind": "repair", "description": "热水器不点火",
                                                       "customer": CUSTOMER, "reported_at": reported_at}, format="json")


def file_complaint(user, received_at):
    return api_for(user).post(
        "/api/v1/complaints/",
        {"customer": CUSTOMER, "category": "service", "description": "迟到", "received_at": received_at}, format="json",
    )


def switch_event(user, at):
    return api_for(user).post("/api/v1/calls/events/", {"call_id": "c1", "event": "ring", "at": at,
                                                        "caller": "13800138000"}, format="json")


TOO_OLD = [ago(days=30, minutes=1), ago(days=400), "1900-01-01T00:00:00+08:00", "0001-01-01T00:00:00+08:00",
           "0001-01-01T00:00:00+00:00"]


@pytest.mark.parametrize("value", TOO_OLD)
def test_a_work_order_reported_too_long_ago_is_a_400_on_reported_at(partner_user, value):
    r = create_order(partner_user, value)

    assert r.status_code == 400 and list(r.json()) == ["reported_at"]
    assert WorkOrder.objects.count() == 0


@pytest.mark.parametrize("value", TOO_OLD)
def test_a_complaint_received_too_long_ago_is_a_400_on_received_at(agent, value):
    r = file_complaint(agent, value)

    assert r.status_code == 400 and list(r.json()) == ["received_at"]
    assert Complaint.objects.count() == 0


@pytest.mark.parametrize("value", TOO_OLD)
def test_a_switch_event_too_long_ago_is_a_400_on_at(telephony, value):
    r = switch_event(telephony, value)

    assert r.status_code == 400 and list(r.json()) == ["at"]
    assert not (Call.objects.exists() or CallEvent.objects.exists())


def test_the_message_names_the_limit(partner_user):
    assert create_order(partner_user, ago(days=31)).json() == {
        "reported_at": ["Must not be more than 30 days in the past."]
    }


def test_within_the_limit_is_accepted(partner_user, agent, telephony):
    assert create_order(partner_user, ago(days=29, hours=23)).status_code == 201
    assert file_complaint(agent, ago(days=29, hours=23)).status_code == 201
    assert switch_event(telephony, ago(days=29, hours=23)).status_code == 201


def test_the_limit_is_the_setting(partner_user, settings):
    settings.SERVICEDESK_MAX_BACKDATE_DAYS = 5

    assert create_order(partner_user, ago(days=5, minutes=1)).json() == {
        "reported_at": ["Must not be more than 5 days in the past."]}
    assert create_order(partner_user, ago(days=4)).status_code == 201
