"""tickets.hooks: how the apps built on work orders plug into their actions
(an input field, a guard, an effect, an answer field), driven through the API
and the page the way those apps use them."""

import pytest
from rest_framework import serializers

from servicedesk.core.errors import ValidationFailed
from tests.conftest import api_for
from tickets import hooks
from tickets.models import WorkOrder

pytestmark = pytest.mark.django_db


class _Marker(serializers.Field):
    def __init__(self):
        super().__init__(source="*", read_only=True)

    def to_representation(self, order):
        return f"seen {order.number}"


@pytest.fixture
def registered(monkeypatch):
    """A registration like an app's ready() makes, undone after the test."""
    for name in ("_inputs", "_guards", "_effects", "_answer_fields", "_panels"):
        monkeypatch.setattr(hooks, name, {})
    effects = []

    def guard(order, extra, by):
        if extra.get("token") != "ok":
            raise ValidationFailed("token must be ok", field="token")

    def effect(order, at, by, extra):
        assert order.state == WorkOrder.State.ON_SITE  # after the transition, in its transaction
        effects.append((order.pk, extra["token"], by.username))

    hooks.add_input("check-in", "token", lambda: serializers.CharField(required=False))
    hooks.add_guard("check-in", guard)
    hooks.add_effect("check-in", effect)
    hooks.add_answer_field("marker", _Marker)
    return effects


def _accepted_order(agent, dispatcher, tech1):
    a, d, t = api_for(agent), api_for(dispatcher), api_for(tech1.user)
    r = a.post("/api/v1/work-orders/", {
        "kind": "repair", "description": "不出热水",
        "customer": {"name": "李娜", "phone": "13900139000", "address": "上海市徐汇区"},
    }, format="json")
    oid = r.json()["id"]
    assert d.post(f"/api/v1/work-orders/{oid}/dispatch/", {"technician": tech1.pk}, format="json").status_code == 200
    assert t.post(f"/api/v1/work-orders/{oid}/accept/", {}, format="json").status_code == 200
    return oid, t


def test_a_guard_refuses_with_its_field_and_nothing_changes(registered, agent, dispatcher, tech1, category):
    oid, t = _accepted_order(agent, dispatcher, tech1)
    r = t.post(f"/api/v1/work-orders/{oid}/check-in/", {"token": "no"}, format="json")
    assert r.status_code == 400 and r.json() == {"token": ["token must be ok"]}
    order = WorkOrder.objects.get(pk=oid)
    assert order.state == "accepted" and not order.events.filter(action="check-in").exists()
    assert registered == []


def test_the_input_reaches_the_effect_and_the_answer_carries_the_field(registered, agent, dispatcher, tech1,
                                                                       category):
    oid, t = _accepted_order(agent, dispatcher, tech1)
    r = t.post(f"/api/v1/work-orders/{oid}/check-in/", {"token": "ok", "note": "到了"}, format="json")
    assert r.status_code == 200, r.content
    number = WorkOrder.objects.get(pk=oid).number
    assert r.json()["state"] == "on_site" and r.json()["marker"] == f"seen {number}"
    assert registered == [(oid, "ok", tech1.user.username)]


def test_the_page_passes_the_same_input(registered, agent, dispatcher, tech1, category, client):
    oid, _t = _accepted_order(agent, dispatcher, tech1)
    client.force_login(tech1.user)
    r = client.post(f"/work-orders/{oid}/actions/check-in/", {"token": "ok"})
    assert r.status_code in (200, 302), r.content[:500]
    assert WorkOrder.objects.get(pk=oid).state == "on_site"
    assert registered == [(oid, "ok", tech1.user.username)]


def test_a_panel_shows_on_the_order_page(registered, agent, dispatcher, tech1, category, client):
    oid, _t = _accepted_order(agent, dispatcher, tech1)
    hooks.add_panel("probe", "tickets/_deadlines.html", lambda request, order: {"seen_by": request.user.username})
    hooks.add_panel("hidden", "does/not/exist.html", lambda request, order: None)
    client.force_login(dispatcher)
    shown = client.get(f"/work-orders/{oid}/").context["panels"]
    assert [(p["name"], p["seen_by"]) for p in shown] == [("probe", dispatcher.username)]
