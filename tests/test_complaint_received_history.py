"""A complaint's history shows when it was received, not when it was entered
(issue 13, item 12): seed_demo and late entries file complaints with an
earlier received time; the create row shows that time, and the time it was
recorded beside it when it differs. The immutable row keeps its recording
time. Through the complaint's page, in both languages."""

import datetime
import re

import pytest
from django.utils import timezone

from complaints.models import ComplaintEvent
from tests.test_pages_complaints import desk, file_complaint, logged_in, units  # noqa: F401 - fixtures used here

pytestmark = pytest.mark.django_db


def create_row(client, complaint, language):
    html = client.get(f"/complaints/{complaint.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    row = re.search(r'<li data-event="create">(.*?)</li>', html, re.S)
    assert row, html
    return row.group(1)


def minute(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def test_a_back_dated_complaint_shows_when_it_was_received_and_when_it_was_recorded(client, desk):  # noqa: F811
    received = (timezone.now() - datetime.timedelta(days=3, hours=2)).replace(second=0, microsecond=0)
    complaint = file_complaint(desk, received_at=received)
    recorded = ComplaintEvent.objects.get(complaint=complaint, action="create").at
    assert recorded - received > datetime.timedelta(days=3)  # the row keeps when it was written

    logged_in(client, desk)
    english = create_row(client, complaint, "en")
    assert f">{minute(received)}</time> <span data-recorded-at>(recorded at {minute(recorded)})</span>" in english
    chinese = create_row(client, complaint, "zh-hans")
    assert f">{minute(received)}</time> <span data-recorded-at>(录入于 {minute(recorded)})</span>" in chinese
    # The row itself is unchanged: its time is still the recording time.
    assert ComplaintEvent.objects.get(complaint=complaint, action="create").at == recorded


def test_a_complaint_filed_as_it_comes_in_shows_one_time(client, desk):  # noqa: F811
    complaint = file_complaint(desk)
    recorded = ComplaintEvent.objects.get(complaint=complaint, action="create").at
    row = create_row(logged_in(client, desk), complaint, "en")
    assert f">{minute(complaint.received_at)}</time>" in row and minute(recorded) == minute(complaint.received_at)
    assert "recorded at" not in row and "data-recorded-at" not in row
