"""The supervisor and the administrator role keep the rules of their work in
the admin through their groups (issue 13, item 2; migration
accounts/0005_role_admin_permissions): the holiday calendar, SLA policies and
their escalation ladders, fee schedules, warranty terms, return rules and
windows."""

import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from servicedesk.deadlines.models import CalendarYear
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SUPERVISOR_MODELS = [
    "deadlines/calendarday", "deadlines/calendaryear", "deadlines/slapolicy",
    "billing/feeschedule", "billing/warrantyterm", "billing/categorybillingpolicy",
]
# By model name: the returns models are moving from the app label billing to returns.
RETURNS_MODELS = ["returnrule", "returnwindow"]


def staff(username, role):
    user = UserFactory(username=username, roles=[role])
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def admin_links(html):
    return set(re.findall(r'href="/admin/([a-z_]+/[a-z]+)/"', html))


@pytest.mark.parametrize("role", ["supervisor", "administrator"])
def test_the_role_opens_the_admin_and_sees_the_rules_of_its_work(client, role):
    client.force_login(staff(f"{role}-staff", role))
    index = client.get("/admin/")
    assert index.status_code == 200
    html = index.content.decode()
    assert "permission to view or edit anything" not in html
    links = admin_links(html)
    assert set(SUPERVISOR_MODELS) <= links
    assert {link.split("/")[1] for link in links} >= set(RETURNS_MODELS)
    for link in sorted(links):
        assert client.get(f"/admin/{link}/").status_code == 200, link
    assert client.get("/admin/deadlines/slapolicy/add/").status_code == 200  # with its escalation ladder inline


def test_only_the_administrator_keeps_people_and_units(client):
    client.force_login(staff("sup-staff", "supervisor"))
    assert client.get("/admin/accounts/user/").status_code == 403
    assert client.get("/admin/accounts/unit/add/").status_code == 403
    client.force_login(staff("adm-staff", "administrator"))
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get("/admin/accounts/unit/add/").status_code == 200


def test_the_groups_hold_the_permissions_by_codename():
    supervisor = Group.objects.get(name="supervisor")
    codenames = set(supervisor.permissions.values_list("content_type__app_label", "codename"))
    assert {("deadlines", "change_calendaryear"), ("deadlines", "change_slapolicy"),
            ("deadlines", "add_escalationstep"), ("billing", "change_feeschedule"),
            ("billing", "change_warrantyterm")} <= codenames
    assert {codename for _app, codename in codenames} >= {"change_returnrule", "add_returnwindow"}
    assert ("accounts", "change_user") not in codenames
    assert not Group.objects.get(name="agent").permissions.exists()


def test_the_dashboard_link_to_confirm_next_years_calendar_answers_and_confirms(client):
    supervisor = staff("sup-cal", "supervisor")
    next_year = timezone.localdate().year + 1
    CalendarYear.objects.filter(year=next_year).delete()
    year = CalendarYear.objects.create(year=next_year)
    client.force_login(supervisor)
    html = client.get("/dashboard/").content.decode()
    panel = html[html.index('id="unconfirmed-years"'):]
    link = re.search(r'href="(/admin/[^"]+)"', panel).group(1)
    assert link == "/admin/deadlines/calendaryear/"
    assert client.get(link).status_code == 200
    response = client.post(link, {"action": "confirm_years", "_selected_action": [year.pk]})
    assert response.status_code == 302
    year.refresh_from_db()
    assert year.confirmed is True and year.confirmed_by == supervisor


def test_without_the_group_the_admin_shows_nothing(client):
    client.force_login(staff("dispatcher-staff", "dispatcher"))
    assert client.get("/admin/deadlines/calendaryear/").status_code == 403
