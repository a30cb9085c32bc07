"""Directory look-ups, the served API description, and the demo data
(api-contract.md, Directory look-ups and Demo data)."""

import datetime

import pytest
import yaml
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from servicedesk.accounts.models import Partner, Unit, User
from servicedesk.customers.models import ProductCategory
from technicians.models import Certification, Technician
from tests.conftest import api_for
from tests.factories import CategoryFactory, UnitFactory, UserFactory
from tickets.models import WorkOrder

pytestmark = pytest.mark.django_db

TECHNICIAN_FIELDS = {"id", "username", "name", "station", "categories", "active"}


# --- technicians ---------------------------------------------------------------------


def test_technicians_filtered_by_username(dispatcher, tech1, tech2):
    station = UnitFactory(name="朝阳服务站", kind=Unit.Kind.STATION)
    tech1.station = station
    tech1.save()
    tech1.user.first_name = "师傅刘"
    tech1.user.save()

    r = api_for(dispatcher).get("/api/v1/technicians/?username=tech1")

    assert r.status_code == 200
    page = r.json()
    assert (page["count"], page["next"], page["previous"]) == (1, None, None)
    row = page["results"][0]
    assert set(row) >= TECHNICIAN_FIELDS
    assert {k: row[k] for k in TECHNICIAN_FIELDS} == {
        "id": tech1.pk, "username": "tech1", "name": "师傅刘", "station": "朝阳服务站",
        "categories": ["gas_water_heater"], "active": True,
    }


def test_technicians_list_everyone_with_their_valid_categories(dispatcher, tech1, tech2):
    CategoryFactory(slug="water_purifier")
    Certification.objects.create(technician=tech2, category=ProductCategory.objects.get(slug="water_purifier"),
                                 valid_until=timezone.localdate() - datetime.timedelta(days=1))
    tech2.active = False
    tech2.save()

    r = api_for(dispatcher).get("/api/v1/technicians/")

    rows = {row["username"]: (row["categories"], row["active"], row["station"]) for row in r.json()["results"]}
    assert rows == {"tech1": (["gas_water_heater"], True, None), "tech2": (["gas_water_heater"], False, None)}


def test_technicians_filter_by_unknown_username_is_empty(dispatcher, tech1):
    r = api_for(dispatcher).get("/api/v1/technicians/?username=nobody")

    assert (r.status_code, r.json()["count"], r.json()["results"]) == (200, 0, [])


def test_technician_detail(dispatcher, tech1):
    r = api_for(dispatcher).get(f"/api/v1/technicians/{tech1.pk}/")

    assert r.status_code == 200
    assert (r.json()["id"], r.json()["username"]) == (tech1.pk, "tech1")


@pytest.mark.parametrize("role", ["partner", "telephony", "hr"])
def test_outsiders_may_not_list_technicians(role, tech1):
    user = UserFactory(username=f"{role}-x", roles=[role])

    assert api_for(user).get("/api/v1/technicians/").status_code == 403


# --- units and me -------------------------------------------------------------------


@pytest.fixture
def units(db):
    hq = UnitFactory(name="总部", kind=Unit.Kind.HEADQUARTERS)
    return {
        "hq": hq,
        "quality": UnitFactory(name="质量部", kind=Unit.Kind.HANDLING_UNIT, parent=hq),
        "logistics": UnitFactory(name="物流部", kind=Unit.Kind.HANDLING_UNIT, parent=hq),
        "station": UnitFactory(name="朝阳服务站", kind=Unit.Kind.STATION, parent=hq),
        "closed": UnitFactory(name="旧站", kind=Unit.Kind.STATION, active=False),
    }


def test_units_list_the_organisation_with_kinds(agent, units):
    r = api_for(agent).get("/api/v1/units/")

    assert r.status_code == 200
    rows = [{k: row[k] for k in ("id", "name", "kind")} for row in r.json()["results"]]
    assert sorted(rows, key=lambda x: x["id"]) == [
        {"id": units["hq"].pk, "name": "总部", "kind": "headquarters"},
        {"id": units["quality"].pk, "name": "质量部", "kind": "handling_unit"},
        {"id": units["logistics"].pk, "name": "物流部", "kind": "handling_unit"},
        {"id": units["station"].pk, "name": "朝阳服务站", "kind": "station"},
    ]


def test_units_filter_on_handling_unit(agent, units):
    r = api_for(agent).get("/api/v1/units/?kind=handling_unit")

    assert r.status_code == 200
    assert sorted(row["name"] for row in r.json()["results"]) == ["物流部", "质量部"]
    assert {row["kind"] for row in r.json()["results"]} == {"handling_unit"}


def test_units_filter_on_an_unknown_kind_is_400(agent, units):
    r = api_for(agent).get("/api/v1/units/?kind=spaceship")

    assert r.status_code == 400
    assert list(r.json()) == ["kind"]


def test_me_shows_roles_and_unit(units):
    user = UserFactory(username="handler", roles=["handler", "supervisor"], first_name="质量部赵")
    user.unit = units["quality"]
    user.save()

    r = api_for(user).get("/api/v1/me/")

    assert r.status_code == 200
    me = r.json()
    assert (me["id"], me["username"], me["name"], me["roles"]) == (
        user.pk, "handler", "质量部赵", ["handler", "supervisor"],
    )
    assert {k: me["unit"][k] for k in ("id", "name", "kind")} == {
        "id": units["quality"].pk, "name": "质量部", "kind": "handling_unit"}
    assert (me["partner"], me["technician"]) == (None, None)


def test_me_for_a_technician_and_a_partner(tech1, partner_user):
    assert api_for(tech1.user).get("/api/v1/me/").json()["technician"] == tech1.pk
    me = api_for(partner_user).get("/api/v1/me/").json()
    assert (me["roles"], me["unit"], me["partner"]["code"]) == (["partner"], None, "acme")


# --- the API description ------------------------------------------------------------


ACTION_PATHS = [f"/api/v1/work-orders/{{id}}/{a}/" for a in (
    "dispatch", "decline", "accept", "schedule", "check-in", "resolve", "take-back", "return", "sign-off",
    "close", "cancel", "revisit", "history",
)]


def test_the_openapi_schema_is_served_with_the_work_order_actions(db):
    r = APIClient().get("/api/schema/")

    assert r.status_code == 200
    schema = yaml.safe_load(r.content)
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in ["/api/v1/auth/token/", "/api/v1/work-orders/", "/api/v1/technicians/", "/api/v1/units/",
                 "/api/v1/me/", *ACTION_PATHS]:
        assert path in paths, path
    for path in ACTION_PATHS[:-1]:
        assert set(paths[path]) == {"post"}, path
    assert set(paths["/api/v1/work-orders/{id}/history/"]) == {"get"}
    assert "201" in paths["/api/v1/work-orders/{id}/revisit/"]["post"]["responses"]
    assert "409" in paths["/api/v1/work-orders/{id}/accept/"]["post"]["responses"]
    assert {"200", "201"} <= set(paths["/api/v1/work-orders/"]["post"]["responses"])


def test_the_schema_agrees_with_the_contract_names(db):
    schema = yaml.safe_load(APIClient().get("/api/schema/").content)
    components = schema["components"]["schemas"]

    order = components["WorkOrder"]["properties"]
    for field in ("id", "number", "kind", "state", "customer", "technician", "reported_at", "deadlines", "revisit_of"):
        assert field in order, field
    # The work order's states (the messages' events name some of them too: "dispatched", "taken_back").
    states = [s for s in components.values() if s.get("enum") and {"received", "taken_back"} <= set(s["enum"])]
    assert [s["enum"] for s in states] == [[
        "awaiting_approval",  # contract v1: approved installations
        "received", "dispatched", "accepted", "scheduled", "on_site",
        "taken_back", "resolved", "signed_off", "closed", "cancelled",
    ]]
    kinds = [s["enum"] for s in components.values() if s.get("enum") and "emergency" in s["enum"]]
    assert kinds == [["repair", "install", "maintenance", "emergency"]]


def test_the_schema_as_json(db):
    r = APIClient().get("/api/schema/?format=json")

    assert r.status_code == 200
    assert "/api/v1/work-orders/{id}/take-back/" in r.json()["paths"]


def test_the_docs_page_answers(db):
    r = APIClient().get("/api/docs/")

    assert r.status_code == 200
    assert b"/api/schema/" in r.content


# --- seed_demo ---------------------------------------------------------------------------

DEMO_USERS = ["agent", "dispatcher", "tech1", "tech2", "supervisor", "handler", "partner", "partner2", "telephony"]
DEMO_CATEGORIES = ["gas_water_heater", "water_purifier", "air_conditioner", "energy_saving_lamp"]


def test_seed_demo_creates_the_contracts_users_and_categories(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-4711")

    call_command("seed_demo", orders=12, verbosity=0)

    users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERS)}
    assert sorted(users) == sorted(DEMO_USERS)
    assert all(u.check_password("demo-pass-4711") for u in users.values())
    slugs = set(ProductCategory.objects.filter(active=True).values_list("slug", flat=True))
    assert set(DEMO_CATEGORIES) <= slugs
    expected_roles = {
        "agent": {"agent"}, "dispatcher": {"dispatcher"}, "tech1": {"technician"}, "tech2": {"technician"},
        "supervisor": {"supervisor"}, "handler": {"handler"}, "partner": {"partner"}, "partner2": {"partner"},
        "telephony": {"telephony"},
    }
    assert {name: set(u.roles) for name, u in users.items()} == expected_roles
    assert users["handler"].unit.kind == Unit.Kind.HANDLING_UNIT
    assert users["partner"].partner != users["partner2"].partner
    tech1, tech2 = Technician.objects.get(user=users["tech1"]), Technician.objects.get(user=users["tech2"])
    assert set(tech1.regions.all()) & set(tech2.regions.all())
    for tech in (tech1, tech2):
        valid = {c.category.slug for c in tech.certifications.all() if c.is_valid}
        assert valid == slugs
    # The 12 asked for, and partner2's installation waiting for approval (dispatch/demo.py).
    assert WorkOrder.objects.count() == 12 + 1
    assert set(WorkOrder.objects.values_list("state", flat=True)) == {s for s, _ in WorkOrder.State.choices}


def test_seeded_users_log_in_with_the_demo_password(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-4711")
    call_command("seed_demo", orders=0, verbosity=0)

    for username in DEMO_USERS:
        r = APIClient().post("/api/v1/auth/token/", {"username": username, "password": "demo-pass-4711"}, format="json")
        assert r.status_code == 200, username
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + APIClient().post(
        "/api/v1/auth/token/", {"username": "dispatcher", "password": "demo-pass-4711"}, format="json").json()["token"])
    r = client.get("/api/v1/technicians/?username=tech1")
    assert r.json()["results"][0]["categories"] == sorted(
        ProductCategory.objects.filter(active=True).values_list("slug", flat=True))


def test_seed_demo_runs_again_without_duplicates(settings):
    settings.DEBUG = True
    call_command("seed_demo", orders=10, verbosity=0)
    counts = (User.objects.count(), Technician.objects.count(), Unit.objects.count(), Partner.objects.count(),
              ProductCategory.objects.count(), Certification.objects.count(), WorkOrder.objects.count())

    call_command("seed_demo", orders=10, verbosity=0)

    assert (User.objects.count(), Technician.objects.count(), Unit.objects.count(), Partner.objects.count(),
            ProductCategory.objects.count(), Certification.objects.count(), WorkOrder.objects.count()) == counts


def test_seed_demo_refuses_with_debug_off(settings):
    settings.DEBUG = False
    groups = Group.objects.count()
    # Migrations may seed reference data (billing seeds the lighting categories its warranty terms name).
    categories = ProductCategory.objects.count()

    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", orders=5, verbosity=0)

    assert (User.objects.count(), WorkOrder.objects.count(), ProductCategory.objects.count(), Unit.objects.count()) == (
        0, 0, categories, 0)
    assert Group.objects.count() == groups


def test_seed_demo_with_force_runs_with_debug_off(settings, monkeypatch):
    settings.DEBUG = False
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-4711")

    call_command("seed_demo", "--force", "--orders", "0", verbosity=0)

    assert set(DEMO_USERS) <= set(User.objects.values_list("username", flat=True))
    assert WorkOrder.objects.count() == 0
    assert User.objects.get(username="agent").check_password("demo-pass-4711")


@pytest.mark.parametrize("value", [None, ""])
def test_seed_demo_with_force_refuses_without_demo_password_when_debug_is_off(settings, monkeypatch, value):
    settings.DEBUG = False
    if value is None:
        monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("DEMO_PASSWORD", value)
    users = User.objects.count()

    with pytest.raises(CommandError, match="DEMO_PASSWORD"):
        call_command("seed_demo", "--force", "--orders", "0", verbosity=0)

    assert (User.objects.count(), WorkOrder.objects.count()) == (users, 0)


@pytest.mark.django_db
def test_a_missing_object_is_a_translated_404_that_names_no_model(supervisor):
    """get_object_or_404's own message names the model class, in English."""
    from .conftest import api_for

    client = api_for(supervisor)
    english = client.get("/api/v1/work-orders/999999/", HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get("/api/v1/returns/999999/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert (english.status_code, english.json()) == (404, {"detail": "Not found.", "code": "not_found"})
    assert (chinese.status_code, chinese.json()["code"]) == (404, "not_found")
    assert "ReturnRequest" not in chinese.json()["detail"] and chinese.json()["detail"] != "Not found."
