"""Who may see and do what with work orders (api-contract.md, Conventions and
Visibility): token authentication, each role's view of the orders, the
actions a role may not take, and the read-only history."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from servicedesk.accounts.models import ApiToken as Token
from servicedesk.core.history import ImmutableRowError
from servicedesk.customers.models import Customer, CustomerPhone
from servicedesk.deadlines.models import Deadline
from tests.conftest import api_for
from tests.factories import PASSWORD, UserFactory
from tests.signing import SIGNED
from tickets import services
from tickets.models import WorkOrder, WorkOrderEvent

pytestmark = pytest.mark.django_db


def post(client, url, body=None):
    return client.post(url, body or {}, format="json")


def token_client(username, password=PASSWORD):
    """A client authenticated the way a partner system is: with a token."""
    anonymous = APIClient()
    r = anonymous.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
    assert r.status_code == 200, r.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {r.json()['token']}")
    return client


def create_body(phone="13800138000", **extra):
    return {
        "kind": "repair", "description": "热水器点不着火",
        "customer": {"name": "王伟", "phone": phone, "address": "北京市朝阳区建国路88号"},
        **extra,
    }


def make_order(by, phone="13800138000", **extra):
    r = post(api_for(by), "/api/v1/work-orders/", create_body(phone, **extra))
    assert r.status_code == 201, r.content
    return WorkOrder.objects.get(pk=r.json()["id"])


def snapshot(order_id):
    return {
        "order": WorkOrder.objects.filter(pk=order_id).values().get(),
        "events": WorkOrderEvent.objects.filter(order_id=order_id).count(),
        "deadlines": list(Deadline.objects.filter(object_id=order_id).order_by("id").values()),
        "orders": WorkOrder.objects.count(),
    }


def list_ids(client, query=""):
    r = client.get(f"/api/v1/work-orders/{query}")
    assert r.status_code == 200, r.content
    return sorted(row["id"] for row in r.json()["results"])


# --- authentication ---------------------------------------------------------------


def test_token_for_username_and_password(agent):
    r = APIClient().post("/api/v1/auth/token/", {"username": "agent", "password": PASSWORD}, format="json")

    assert r.status_code == 200
    assert r.json() == {"token": Token.objects.get(user=agent).key}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {r.json()['token']}")
    me = client.get("/api/v1/me/")
    assert (me.status_code, me.json()["username"]) == (200, "agent")


def test_the_same_user_gets_the_same_token_again(agent):
    first = APIClient().post("/api/v1/auth/token/", {"username": "agent", "password": PASSWORD}, format="json")
    second = APIClient().post("/api/v1/auth/token/", {"username": "agent", "password": PASSWORD}, format="json")

    assert first.json()["token"] == second.json()["token"]
    assert Token.objects.filter(user=agent).count() == 1


@pytest.mark.parametrize("body", [
    {"username": "agent", "password": "wrong-password"},
    {"username": "nobody", "password": PASSWORD},
    {"username": "agent"},
    {},
])
def test_no_token_for_bad_credentials(body, agent):
    r = APIClient().post("/api/v1/auth/token/", body, format="json")

    assert r.status_code == 400
    assert "token" not in r.json()
    assert Token.objects.count() == 0


def test_token_request_with_malformed_json_is_400(agent):
    r = APIClient().post("/api/v1/auth/token/", '{"username": "agent",', content_type="application/json")

    assert r.status_code == 400
    assert Token.objects.count() == 0


@pytest.mark.parametrize("url", ["/api/v1/work-orders/", "/api/v1/me/", "/api/v1/technicians/", "/api/v1/units/"])
def test_no_credentials_is_401(url, agent):
    r = APIClient().get(url)

    assert r.status_code == 401
    assert set(r.json()) == {"detail", "code"} and r.json()["code"] == "not_authenticated"


def test_a_bad_token_is_401(agent):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    assert client.get("/api/v1/work-orders/").status_code == 401


def test_an_anonymous_create_is_401_and_saves_nothing(db):
    r = APIClient().post("/api/v1/work-orders/", create_body(), format="json")

    assert r.status_code == 401
    assert (WorkOrder.objects.count(), Customer.objects.count()) == (0, 0)


# --- technician: only the orders assigned to them --------------------------------


def test_technician_sees_only_orders_assigned_to_them(agent, dispatcher, tech1, tech2):
    mine = make_order(agent, "13800000001")
    theirs = make_order(agent, "13800000002")
    undispatched = make_order(agent, "13800000003")
    services.work_order_dispatch(order_id=mine.pk, technician=tech1, by=dispatcher)
    services.work_order_dispatch(order_id=theirs.pk, technician=tech2, by=dispatcher)
    t1 = token_client("tech1")

    assert list_ids(t1) == [mine.pk]
    assert t1.get(f"/api/v1/work-orders/{mine.pk}/").status_code == 200
    for other in (theirs, undispatched):
        assert t1.get(f"/api/v1/work-orders/{other.pk}/").status_code == 404
        assert t1.get(f"/api/v1/work-orders/{other.pk}/history/").status_code == 404
    assert list_ids(api_for(agent)) == sorted([mine.pk, theirs.pk, undispatched.pk])


def test_a_redispatched_order_leaves_the_first_technicians_view(agent, dispatcher, tech1, tech2):
    order = make_order(agent)
    services.work_order_dispatch(order_id=order.pk, technician=tech1, by=dispatcher)
    services.work_order_dispatch(order_id=order.pk, technician=tech2, by=dispatcher)

    assert list_ids(api_for(tech1.user)) == []
    assert api_for(tech1.user).get(f"/api/v1/work-orders/{order.pk}/").status_code == 404
    assert list_ids(api_for(tech2.user)) == [order.pk]


def test_a_technician_not_assigned_cannot_accept(agent, dispatcher, tech1, tech2):
    order = make_order(agent)
    services.work_order_dispatch(order_id=order.pk, technician=tech1, by=dispatcher)
    before = snapshot(order.pk)

    r = post(api_for(tech2.user), f"/api/v1/work-orders/{order.pk}/accept/")

    assert r.status_code == 404
    assert snapshot(order.pk) == before


def walk_to_signed_off(order, tech, dispatcher):
    services.work_order_dispatch(order_id=order.pk, technician=tech, by=dispatcher)
    services.work_order_accept(order_id=order.pk, by=tech.user)
    services.work_order_check_in(order_id=order.pk, by=tech.user)
    services.work_order_resolve(order_id=order.pk, by=tech.user, resolution="更换点火针")
    services.work_order_sign_off(order_id=order.pk, by=tech.user, signed_by="王伟", satisfaction=5, extra=SIGNED)


@pytest.mark.parametrize(("action", "body"), [
    ("dispatch", "tech2"),
    ("cancel", {"reason": "不想修了"}),
])
def test_the_assigned_technician_may_not_dispatch_or_cancel(action, body, agent, dispatcher, tech1, tech2):
    order = make_order(agent)
    services.work_order_dispatch(order_id=order.pk, technician=tech1, by=dispatcher)
    before = snapshot(order.pk)
    if body == "tech2":
        body = {"technician": tech2.pk}

    r = post(api_for(tech1.user), f"/api/v1/work-orders/{order.pk}/{action}/", body)

    assert r.status_code == 403
    assert snapshot(order.pk) == before


@pytest.mark.parametrize(("action", "body"), [("close", {}), ("revisit", {"description": "又坏了"})])
def test_the_assigned_technician_may_not_close_or_open_a_revisit(action, body, agent, dispatcher, tech1):
    order = make_order(agent)
    walk_to_signed_off(order, tech1, dispatcher)
    before = snapshot(order.pk)

    r = post(api_for(tech1.user), f"/api/v1/work-orders/{order.pk}/{action}/", body)

    assert r.status_code == 403
    assert snapshot(order.pk) == before


def test_the_state_is_checked_before_the_role(partner_user):
    """A partner may never close; on an order whose state does not allow a
    close either, the answer is the 409 with what the state allows."""
    order = make_order(partner_user, external_ref="ACME-1")
    before = snapshot(order.pk)

    r = post(api_for(partner_user), f"/api/v1/work-orders/{order.pk}/close/")

    assert r.status_code == 409
    assert (r.json()["state"], r.json()["allowed"]) == ("received", ["dispatch", "cancel"])
    assert snapshot(order.pk) == before


# --- partner: only the orders its organisation created ------------------------


def test_partner_sees_only_its_own_orders(agent, partner_user, partner2_user):
    ours = make_order(partner_user, "13800000001", external_ref="ACME-1")
    theirs = make_order(partner2_user, "13800000002", external_ref="D2-1")
    office = make_order(agent, "13800000003")
    p1, p2 = token_client("partner"), token_client("partner2")

    assert list_ids(p1) == [ours.pk]
    assert list_ids(p2) == [theirs.pk]
    for client, hidden in ((p1, theirs), (p1, office), (p2, ours), (p2, office)):
        assert client.get(f"/api/v1/work-orders/{hidden.pk}/").status_code == 404
        assert client.get(f"/api/v1/work-orders/{hidden.pk}/history/").status_code == 404


def test_a_colleague_of_the_same_partner_sees_its_orders(partner_user):
    order = make_order(partner_user, external_ref="ACME-1")
    colleague = UserFactory(username="partner-b", roles=["partner"], partner=partner_user.partner)

    assert list_ids(api_for(colleague)) == [order.pk]


def test_partner_sees_the_customer_phone_masked(agent, partner_user):
    r = post(api_for(partner_user), "/api/v1/work-orders/", create_body("138 0013 8000", external_ref="ACME-1"))
    order_id = r.json()["id"]

    assert r.json()["customer"]["phone"] == "138****8000"
    assert api_for(partner_user).get(f"/api/v1/work-orders/{order_id}/").json()["customer"]["phone"] == "138****8000"
    assert api_for(partner_user).get("/api/v1/work-orders/").json()["results"][0]["customer"]["phone"] == "138****8000"
    assert api_for(agent).get(f"/api/v1/work-orders/{order_id}/").json()["customer"]["phone"] == "13800138000"
    assert CustomerPhone.objects.get().number == "13800138000"


def test_partner_may_cancel_its_own_order_but_not_anothers(partner_user, partner2_user):
    order = make_order(partner_user, external_ref="ACME-1")
    before = snapshot(order.pk)

    r = post(api_for(partner2_user), f"/api/v1/work-orders/{order.pk}/cancel/", {"reason": "x"})

    assert r.status_code == 404
    assert snapshot(order.pk) == before
    r = post(api_for(partner_user), f"/api/v1/work-orders/{order.pk}/cancel/", {"reason": "客户取消"})
    assert (r.status_code, r.json()["state"]) == (200, "cancelled")


def test_partner_may_not_dispatch_its_order(partner_user, tech1):
    order = make_order(partner_user, external_ref="ACME-1")
    before = snapshot(order.pk)

    r = post(api_for(partner_user), f"/api/v1/work-orders/{order.pk}/dispatch/", {"technician": tech1.pk})

    assert r.status_code == 403
    assert snapshot(order.pk) == before


def test_partner_may_not_refer_to_another_partners_customer_by_id(partner_user, partner2_user):
    theirs = make_order(partner2_user, external_ref="D2-1")
    counts = (WorkOrder.objects.count(), Customer.objects.count())

    r = post(api_for(partner_user), "/api/v1/work-orders/",
             {"kind": "repair", "description": "x", "customer": theirs.customer_id})

    assert r.status_code == 400
    assert list(r.json()) == ["customer"]
    assert (WorkOrder.objects.count(), Customer.objects.count()) == counts


# --- office roles ------------------------------------------------------------------


def test_agent_cannot_dispatch(agent, tech1):
    order = make_order(agent)
    before = snapshot(order.pk)

    r = post(api_for(agent), f"/api/v1/work-orders/{order.pk}/dispatch/", {"technician": tech1.pk})

    assert r.status_code == 403
    assert set(r.json()) == {"detail", "code"} and r.json()["code"] == "permission_denied"
    assert snapshot(order.pk) == before


@pytest.mark.parametrize("role", ["dispatcher", "supervisor"])
def test_dispatcher_and_supervisor_dispatch(role, agent, tech1):
    order = make_order(agent)
    user = UserFactory(username=f"{role}-x", roles=[role])

    r = post(api_for(user), f"/api/v1/work-orders/{order.pk}/dispatch/", {"technician": tech1.pk})

    assert (r.status_code, r.json()["state"], r.json()["technician"]) == (200, "dispatched", tech1.pk)


@pytest.mark.parametrize("role", ["telephony", "hr"])
def test_telephony_and_hr_cannot_read_work_orders(role, agent):
    order = make_order(agent)
    client = api_for(UserFactory(username=role, roles=[role]))

    assert client.get("/api/v1/work-orders/").status_code == 403
    assert client.get(f"/api/v1/work-orders/{order.pk}/").status_code == 403
    assert client.get(f"/api/v1/work-orders/{order.pk}/history/").status_code == 403


def test_a_user_without_a_role_cannot_read_work_orders(agent):
    make_order(agent)
    client = api_for(UserFactory(username="nobody", roles=[]))

    assert client.get("/api/v1/work-orders/").status_code == 403


@pytest.mark.parametrize(("role", "code"), [
    ("agent", 201), ("dispatcher", 201), ("supervisor", 201), ("partner", 201),
    ("technician", 403), ("telephony", 403), ("hr", 403), ("handler", 403), ("manager", 403),
])
def test_only_agent_dispatcher_supervisor_and_partner_create(role, code, partner_user):
    user = partner_user if role == "partner" else UserFactory(username=f"{role}-x", roles=[role])

    r = post(api_for(user), "/api/v1/work-orders/", create_body(external_ref="R-1"))

    assert r.status_code == code, r.content
    expected = 1 if code == 201 else 0
    assert (WorkOrder.objects.count(), Customer.objects.count(), CustomerPhone.objects.count()) == (
        expected, expected, expected)
    if code == 201:
        assert WorkOrder.objects.get().created_by == user


# --- history is read-only ------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_history_endpoint_is_read_only(method, supervisor, agent):
    order = make_order(agent)
    url = f"/api/v1/work-orders/{order.pk}/history/"
    before = list(WorkOrderEvent.objects.values())

    r = getattr(api_for(supervisor), method)(url, {"action": "close", "note": "x"}, format="json")

    assert r.status_code == 405
    assert list(WorkOrderEvent.objects.values()) == before


def test_the_history_lists_who_did_what_oldest_first(agent, dispatcher, tech1):
    order = make_order(agent)
    services.work_order_dispatch(order_id=order.pk, technician=tech1, by=dispatcher, note="区域负责人")

    r = api_for(agent).get(f"/api/v1/work-orders/{order.pk}/history/")

    rows = [{k: h[k] for k in ("action", "from_state", "to_state", "by", "note")} for h in r.json()]
    assert rows == [
        {"action": "create", "from_state": "", "to_state": "received", "by": "agent", "note": ""},
        {
            "action": "dispatch", "from_state": "received", "to_state": "dispatched", "by": "dispatcher",
            "note": "区域负责人",
        },
    ]
    assert all(h["at"].endswith("+08:00") for h in r.json())


def test_history_rows_refuse_change_and_delete(agent):
    order = make_order(agent)
    event = WorkOrderEvent.objects.get(order=order)
    before = list(WorkOrderEvent.objects.values())

    event.note = "rewritten"
    with pytest.raises(ImmutableRowError):
        event.save()
    with pytest.raises(ImmutableRowError):
        event.delete()

    assert list(WorkOrderEvent.objects.values()) == before


def test_on_postgresql_the_database_refuses_history_changes(postgres, agent):
    order = make_order(agent)
    before = list(WorkOrderEvent.objects.values())
    table = WorkOrderEvent._meta.db_table

    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        WorkOrderEvent.objects.filter(order=order).update(note="rewritten")
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        WorkOrderEvent.objects.filter(order=order)._raw_delete(connection.alias)
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET at = %s", [timezone.now() - datetime.timedelta(days=1)])

    assert list(WorkOrderEvent.objects.values()) == before
