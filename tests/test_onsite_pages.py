"""The technician's phone pages (issue 14, item 8): "My jobs" grouped today,
overdue, upcoming with filters and paging; the visit page's check-in (asking
first when early), checklist saved item by item, rectification notice and
resolve; every POST safe to repeat."""

import datetime
import re

import pytest
from django.utils import timezone

from onsite import views as onsite_views
from onsite.models import CheckInPosition, OrderItemRecord, RectificationNotice
from tests.test_pages_work_orders import HTMX, logged_in, make_order
from tests.test_signatures import png_url
from tickets import services
from tickets.models import WorkOrder

pytestmark = [pytest.mark.django_db, pytest.mark.checklists]


def dispatched(agent, dispatcher, tech, category, **kw):
    order = make_order(agent, category=category, **kw)
    services.work_order_dispatch(order_id=order.pk, technician=tech, by=dispatcher)
    return order


def accepted(agent, dispatcher, tech, category, **kw):
    order = dispatched(agent, dispatcher, tech, category, **kw)
    services.work_order_accept(order_id=order.pk, by=tech.user)
    return order


def cards(response):
    return [int(pk) for pk in re.findall(r'<article id="job-(\d+)"', response.content.decode())]


def test_my_jobs_shows_today_then_overdue_then_upcoming(client, agent, dispatcher, tech1, category):
    now = timezone.now()
    upcoming = dispatched(agent, dispatcher, tech1, category)
    overdue = dispatched(agent, dispatcher, tech1, category, reported_at=now - datetime.timedelta(hours=30))
    today = accepted(agent, dispatcher, tech1, category)
    services.work_order_schedule(order_id=today.pk, by=tech1.user, appointment_at=now + datetime.timedelta(minutes=5))
    r = logged_in(client, tech1.user).get("/my-jobs/")
    assert r.status_code == 200
    assert cards(r) == [today.pk, overdue.pk, upcoming.pk]
    html = r.content.decode()
    assert html.index("Today") < html.index("Overdue") < html.index("Upcoming")
    assert f'href="/visit/{today.pk}/"' in html


def test_my_jobs_filters_and_pages(client, agent, dispatcher, tech1, category, monkeypatch):
    monkeypatch.setattr(onsite_views, "PAGE_SIZE", 2)
    orders = [dispatched(agent, dispatcher, tech1, category, name=f"客户{i}") for i in range(3)]
    services.work_order_accept(order_id=orders[0].pk, by=tech1.user)
    logged_in(client, tech1.user)
    first, second = client.get("/my-jobs/"), client.get("/my-jobs/?page=2")
    assert len(cards(first)) == 2 and len(cards(second)) == 1
    assert set(cards(first) + cards(second)) == {o.pk for o in orders}
    assert "Page 1 of 2" in first.content.decode()
    assert cards(client.get("/my-jobs/?state=accepted")) == [orders[0].pk]
    assert cards(client.get("/my-jobs/", {"q": "客户2"})) == [orders[2].pk]
    assert cards(client.get("/my-jobs/", {"q": orders[1].number})) == [orders[1].pk]


def test_the_visit_is_for_the_assigned_technician(client, agent, dispatcher, tech1, tech2, category):
    order = accepted(agent, dispatcher, tech1, category)
    assert logged_in(client, tech2.user).get(f"/visit/{order.pk}/").status_code == 404
    assert logged_in(client, agent).get(f"/visit/{order.pk}/").status_code == 403
    assert logged_in(client, tech1.user).get(f"/visit/{order.pk}/").status_code == 200


def test_an_early_check_in_asks_first_and_keeps_the_position(client, agent, dispatcher, tech1, category):
    order = accepted(agent, dispatcher, tech1, category)
    services.work_order_schedule(order_id=order.pk, by=tech1.user,
                                 appointment_at=timezone.now() + datetime.timedelta(hours=3))
    logged_in(client, tech1.user)
    r = client.post(f"/visit/{order.pk}/check-in/", {"latitude": "31.230416", "longitude": "121.473701"})
    assert r.status_code == 200 and 'data-testid="confirm-check-in"' in r.content.decode()
    assert WorkOrder.objects.get(pk=order.pk).state == "scheduled"
    body = {"latitude": "31.230416", "longitude": "121.473701", "accuracy": "20", "confirmed": "1"}
    r = client.post(f"/visit/{order.pk}/check-in/", body)
    assert r.status_code == 302 and WorkOrder.objects.get(pk=order.pk).state == "on_site"
    assert client.post(f"/visit/{order.pk}/check-in/", body).status_code == 302  # a repeated tap: already done
    assert CheckInPosition.objects.filter(order=order).count() == 1
    page = client.get(f"/visit/{order.pk}/").content.decode()
    assert 'id="item-gas_pressure_test"' in page and 'id="item-safety_test"' in page


def test_a_check_in_on_time_does_not_ask(client, agent, dispatcher, tech1, category):
    order = accepted(agent, dispatcher, tech1, category)
    r = logged_in(client, tech1.user).post(f"/visit/{order.pk}/check-in/", {"latitude": "", "longitude": ""})
    assert r.status_code == 302 and WorkOrder.objects.get(pk=order.pk).state == "on_site"
    assert not CheckInPosition.objects.exists()


def on_site(client, agent, dispatcher, tech, category):
    order = accepted(agent, dispatcher, tech, category)
    services.work_order_check_in(order_id=order.pk, by=tech.user)
    logged_in(client, tech.user)
    return order


def test_each_item_is_saved_at_once_and_a_repeat_adds_nothing(client, agent, dispatcher, tech1, category):
    order = on_site(client, agent, dispatcher, tech1, category)
    r = client.post(f"/visit/{order.pk}/item/gas_pressure_test/", {"value": "4800"}, **HTMX)
    html = r.content.decode()
    assert r.status_code == 200 and 'id="item-gas_pressure_test"' in html and "is-failed" in html
    assert 'id="visit-status"' in html and 'hx-swap-oob="true"' in html and "rectification notice" in html
    client.post(f"/visit/{order.pk}/item/gas_pressure_test/", {"value": "4800"}, **HTMX)
    assert OrderItemRecord.objects.filter(item__code="gas_pressure_test").count() == 1
    r = client.post(f"/visit/{order.pk}/item/gas_pressure_test/", {"value": "lots"}, **HTMX)
    assert r.status_code == 400 and "Give a number." in r.content.decode()
    r = client.post(f"/visit/{order.pk}/item/safety_test/", {"value": "true"}, **HTMX)
    assert r.status_code == 200 and "is-passed" in r.content.decode()


def test_resolve_from_the_visit_says_what_is_missing(client, agent, dispatcher, tech1, category):
    order = on_site(client, agent, dispatcher, tech1, category)
    r = client.post(f"/visit/{order.pk}/resolve/", {"resolution": "换点火针"}, follow=True)
    assert "The checklist is not complete" in r.content.decode()
    assert WorkOrder.objects.get(pk=order.pk).state == "on_site"


def test_the_rectification_notice_from_the_page_once_however_often_it_is_sent(client, agent, dispatcher, tech1,
                                                                             category):
    order = on_site(client, agent, dispatcher, tech1, category)
    for code, value in (("safety_test", "true"), ("gas_pressure_test", "3000"), ("power_on_test", "true"),
                        ("gas_safety_inspection", "true")):
        client.post(f"/visit/{order.pk}/item/{code}/", {"value": value}, **HTMX)
    r = client.post(f"/visit/{order.pk}/rectification/", {"hazards": "漏气", "advice": "更换软管", "token": "t1"})
    assert r.status_code == 400 and "signature" in r.content.decode()
    body = {"hazards": "软管老化漏气", "advice": "更换燃气软管", "signature": png_url(), "token": "t2"}
    assert client.post(f"/visit/{order.pk}/rectification/", body).status_code == 302
    assert client.post(f"/visit/{order.pk}/rectification/", body).status_code == 302
    assert RectificationNotice.objects.filter(order=order).count() == 1
    r = client.post(f"/visit/{order.pk}/resolve/", {"resolution": "换点火针"})
    assert r.status_code == 302 and WorkOrder.objects.get(pk=order.pk).state == "resolved"
    assert client.post(f"/visit/{order.pk}/resolve/", {"resolution": "换点火针"}).status_code == 302
    page = client.get(f"/work-orders/{order.pk}/").content.decode()
    assert "软管老化漏气" in page and 'id="onsite-panel"' in page
