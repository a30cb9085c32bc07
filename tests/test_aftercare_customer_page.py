"""issue 15, item 2: the customer's page from the signed link, without a
login: progress, technician (masked phone), the appointment with confirm /
another time (the dispatcher sees it), the registered documents, the survey
form once; a tampered or expired link is a friendly 404 / 410."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from aftercare import customer_page, links
from aftercare.models import AppointmentRequest, Survey
from tests.conftest import api_for
from tests.test_aftercare_survey import post, signed_off_order
from tickets.models import WorkOrder

pytestmark = pytest.mark.django_db


def scheduled_order(agent, dispatcher, tech1):
    tech1.user.phone = "13812345678"
    tech1.user.save()
    a, d, t = api_for(agent), api_for(dispatcher), api_for(tech1.user)
    oid = post(a, "/api/v1/work-orders/", {"kind": "repair", "description": "不出热水",
                                           "customer": {"name": "李娜", "phone": "13900139000"}}).json()["id"]
    at = (timezone.localtime() + datetime.timedelta(days=1)).replace(hour=14, minute=0, second=0, microsecond=0)
    for client, action, body in [(d, "dispatch", {"technician": tech1.pk}), (t, "accept", {}),
                                 (t, "schedule", {"appointment_at": at.isoformat()})]:
        assert post(client, f"/api/v1/work-orders/{oid}/{action}/", body).status_code == 200
    return oid


def link_path(agent, oid):
    link = api_for(agent).get(f"/api/v1/work-orders/{oid}/").json()["survey_link"]
    return re.sub(r"^https?://[^/]+", "", link)


def csrf_client(path):
    client = Client(enforce_csrf_checks=True)
    page = client.get(path)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    return client, page, token


def test_the_page_shows_progress_technician_masked_and_the_appointment_in_chinese(agent, dispatcher, tech1,
                                                                                  category):
    oid = scheduled_order(agent, dispatcher, tech1)
    page = Client().get(link_path(agent, oid))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "138****5678" in html and "13812345678" not in html
    assert 'data-form="confirm"' in html and 'data-form="survey"' not in html  # no survey before the sign-off
    assert page["Cache-Control"] == "no-store"


def test_confirm_and_ask_for_another_time_the_dispatcher_sees_it(agent, dispatcher, tech1, category):
    oid = scheduled_order(agent, dispatcher, tech1)
    path = link_path(agent, oid)
    client, _page, token = csrf_client(path)
    r = client.post(path, {"form": "confirm", "csrfmiddlewaretoken": token})
    assert r.status_code == 200 and 'data-done="1"' in r.content.decode()
    r = client.post(path, {"form": "reschedule", "wish": "", "csrfmiddlewaretoken": token})
    assert r.status_code == 400  # says which time
    r = client.post(path, {"form": "reschedule", "wish": "周六上午", "csrfmiddlewaretoken": token})
    assert r.status_code == 200
    assert list(AppointmentRequest.objects.filter(order_id=oid).values_list("kind", flat=True).order_by("id")) == [
        "confirm", "reschedule"]
    staff = Client()
    staff.force_login(dispatcher)
    listed = staff.get("/customer-requests/").content.decode()
    assert "周六上午" in listed and WorkOrder.objects.get(pk=oid).number in listed
    assert 'data-part="requests"' in staff.get(f"/work-orders/{oid}/").content.decode()
    row = AppointmentRequest.objects.get(order_id=oid, kind="reschedule")
    assert staff.post(f"/customer-requests/{row.pk}/handled/").status_code == 302
    assert "周六上午" not in staff.get("/customer-requests/").content.decode()


def test_a_post_without_the_csrf_token_is_refused(agent, dispatcher, tech1, category):
    oid = scheduled_order(agent, dispatcher, tech1)
    r = Client(enforce_csrf_checks=True).post(link_path(agent, oid), {"form": "confirm"})
    assert r.status_code == 403
    assert not AppointmentRequest.objects.exists()


def test_the_survey_form_works_once(agent, dispatcher, tech1, category):
    oid = signed_off_order(agent, dispatcher, tech1, category)
    path = link_path(agent, oid)
    client, page, token = csrf_client(path)
    assert 'data-form="survey"' in page.content.decode()
    answers = {"form": "survey", "attitude": "5", "skill": "4", "punctuality": "5", "overall": "5",
               "comment": "师傅很专业", "csrfmiddlewaretoken": token}
    r = client.post(path, answers)
    assert r.status_code == 200 and 'data-survey="done"' in r.content.decode()
    survey = Survey.objects.get(order_id=oid)
    assert (survey.channel, survey.by, survey.skill, survey.comment) == ("link", None, 4, "师傅很专业")
    again = client.post(path, answers)
    assert again.status_code == 409 and Survey.objects.count() == 1
    order = api_for(agent).get(f"/api/v1/work-orders/{oid}/").json()
    assert order["survey"]["channel"] == "link"
    assert [d["met_at"] is not None for d in order["deadlines"] if d["kind"] == "survey"] == [True]


def test_tampered_and_expired_links_are_friendly_pages(agent, dispatcher, tech1, category, settings):
    oid = signed_off_order(agent, dispatcher, tech1, category)
    path = link_path(agent, oid)
    tampered = Client().get(path[:-3] + "xyz/")
    assert tampered.status_code == 404 and 'data-gone="invalid"' in tampered.content.decode()
    assert Client().get("/c/garbage/").status_code == 404
    other = links.token_for(WorkOrder(pk=999999))
    assert Client().get(f"/c/{other}/").status_code == 404
    # The link counts from the midnight after it was made (aftercare.links): a day less than "-1 days" is past.
    settings.SERVICEDESK = {**settings.SERVICEDESK, "CUSTOMER_LINK_MAX_AGE_DAYS": -1}
    expired = Client().get(path)
    assert expired.status_code == 410 and 'data-gone="expired"' in expired.content.decode()
    assert Client().post(path, {"form": "confirm"}).status_code in (403, 410)


def test_the_link_reads_the_same_all_day_and_lives_the_configured_days(agent, dispatcher, tech1, category,
                                                                       monkeypatch):
    oid = signed_off_order(agent, dispatcher, tech1, category)
    first, again = link_path(agent, oid), link_path(agent, oid)
    assert first == again
    token = first.split("/")[2]
    assert links.order_id_from(token) == oid
    import time

    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 7 * 86400 - 60)  # 7 days less a minute: still good
    assert links.order_id_from(token) == oid
    monkeypatch.setattr(time, "time", lambda: real() + 8 * 86400 + 60)  # more than 7 days after the midnight
    with pytest.raises(links.LinkExpired):
        links.order_id_from(token)


def test_registered_documents_are_shown(agent, dispatcher, tech1, category, monkeypatch):
    monkeypatch.setattr(customer_page, "document_providers", [])
    customer_page.register_document_provider(
        lambda order: [{"kind": "service_record", "label": "服务记录单", "url": f"/docs/{order.pk}.pdf"}])
    oid = signed_off_order(agent, dispatcher, tech1, category)
    html = Client().get(link_path(agent, oid)).content.decode()
    assert f'href="/docs/{oid}.pdf"' in html and "服务记录单" in html
