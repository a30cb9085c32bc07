"""The supervisor dashboard and the inbox, through the pages (issue 3, items
6 and 7)."""

import datetime

import pytest
from django.utils import timezone

from servicedesk.deadlines.escalation import sweep
from servicedesk.deadlines.models import CalendarYear, Deadline
from servicedesk.notifications.models import Notification
from tests.factories import UserFactory
from tickets.services import work_order_create

pytestmark = pytest.mark.django_db


def _order(agent, *, hours_ago, kind="repair"):
    order, _ = work_order_create(
        by=agent, kind=kind, description="no hot water",
        customer={"name": "Li", "phone": f"1390000{hours_ago:04d}", "address": "北京市朝阳区"},
        reported_at=timezone.now() - datetime.timedelta(hours=hours_ago),
    )
    return order


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", roles=["manager"], email="manager@example.com")


def test_dashboard_counts_overdue_by_kind_and_level_and_links_to_the_list(client, agent, supervisor, manager):
    _order(agent, hours_ago=30)  # respond and arrive both overdue
    _order(agent, hours_ago=1)   # not due yet
    sweep()
    client.force_login(supervisor)
    page = client.get("/dashboard/")
    assert page.status_code == 200
    overdue = page.context["overdue"]
    assert {(r["kind"], r["escalation_level"], r["n"]) for r in overdue} == {("respond", 2, 1), ("arrive", 2, 1)}
    assert page.context["overdue_total"] == 2
    assert page.context["escalations_today"] == 4  # levels 1 and 2 for both deadlines (30 h > 24 h + 4 h)
    assert (
        'href="/dashboard/deadlines/?status=overdue&amp;model=workorder&amp;kind=arrive&amp;level=2"'
        in page.content.decode()
    )

    listing = client.get(
        "/dashboard/deadlines/", {"status": "overdue", "kind": "arrive", "level": "2", "model": "workorder"}
    )
    assert listing.status_code == 200
    rows = list(listing.context["page"].object_list)
    assert [d.kind for d in rows] == ["arrive"]


def test_on_time_rate_counts_met_in_time_against_all_due(client, agent, supervisor):
    late = _order(agent, hours_ago=30)
    on_time = _order(agent, hours_ago=30)
    Deadline.objects.filter(object_id=on_time.pk, kind="respond").update(
        met_at=on_time.reported_at + datetime.timedelta(hours=2)
    )
    client.force_login(supervisor)
    rates = {r["kind"]: r for r in client.get("/dashboard/").context["rates"]}
    assert rates["respond"]["week_total"] == 2
    assert rates["respond"]["week"] == 50.0
    assert rates["arrive"]["week"] == 0.0
    assert late.pk != on_time.pk


def test_dashboard_shows_unconfirmed_years_until_confirmed(client, supervisor):
    client.force_login(supervisor)
    year = timezone.localdate().year
    expected = [y for y in (year, year + 1) if not CalendarYear.objects.filter(year=y, confirmed=True).exists()]
    page = client.get("/dashboard/")
    assert page.context["unconfirmed_years"] == expected
    for y in expected:
        CalendarYear.objects.update_or_create(year=y, defaults={"confirmed": True})
    page = client.get("/dashboard/")
    assert page.context["unconfirmed_years"] == []
    assert 'id="unconfirmed-years"' not in page.content.decode()


def test_dashboard_refreshes_as_an_htmx_fragment(client, supervisor):
    client.force_login(supervisor)
    fragment = client.get("/dashboard/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert 'id="stat-overdue"' in fragment.content.decode()


def test_technicians_and_agents_may_not_see_the_dashboard(client, agent, tech1):
    for user in (agent, tech1.user):
        client.force_login(user)
        assert client.get("/dashboard/").status_code == 403
        assert client.get("/dashboard/deadlines/").status_code == 403


def test_inbox_lists_escalations_and_marks_them_read(client, agent, supervisor, manager):
    _order(agent, hours_ago=30)
    sweep()
    client.force_login(manager)
    page = client.get("/notifications/")
    assert page.status_code == 200
    assert page.context["unread_notifications"] == 2  # level 2 of respond and of arrive
    titles = [n.title for n in page.context["page"].object_list]
    assert all("level 2" in t for t in titles)
    assert len(titles) == 2
    first = page.context["page"].object_list[0]
    client.post("/notifications/read/", {"id": first.pk})
    assert Notification.objects.get(pk=first.pk).read_at is not None
    assert client.get("/notifications/").context["unread_notifications"] == 1
    client.post("/notifications/read/")
    assert Notification.objects.filter(recipient=manager, read_at__isnull=True).count() == 0
    # Someone else's notifications are not touched.
    assert Notification.objects.filter(recipient=supervisor, read_at__isnull=True).count() == 2


@pytest.mark.parametrize("role,target", [
    ("dispatcher", "/dispatch/board/"), ("supervisor", "/dashboard/"), ("manager", "/dashboard/"),
    ("handler", "/complaints/queue/"), ("hr", "/complaints/findings/"), ("telephony", "/api/docs/"),
    ("logistics", "/factory-returns/"),
])
def test_home_sends_each_role_where_its_day_starts(client, role, target):
    client.force_login(UserFactory(username=f"home-{role}", roles=[role]))
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == target


def test_header_shows_the_unread_count_and_only_the_sections_a_role_may_open(client, agent, supervisor):
    _order(agent, hours_ago=30)
    sweep()
    client.force_login(supervisor)
    page = client.get("/dashboard/").content.decode()
    assert '<span class="badge" id="unread-count">2</span>' in page  # level 1 of respond and of arrive
    assert 'href="/dashboard/"' in page and 'href="/work-orders/"' in page
    client.force_login(UserFactory(username="hr-nav", roles=["hr"]))
    page = client.get("/notifications/").content.decode()
    assert 'href="/dashboard/"' not in page and 'href="/work-orders/"' not in page
    assert 'id="unread-count"' not in page
