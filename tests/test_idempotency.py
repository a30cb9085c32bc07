"""Idempotency-Key on every POST (api-contract: Retries; issue 16, item 4):
a repeat with the same key by the same user within 24 hours does nothing
again and answers what the first answered, also when the two arrive at
once; the same key with another body is a 422 `idempotency_key_reused`."""

import datetime
import time

import pytest
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from rest_framework.test import APIClient

from servicedesk.core.idempotency import IdempotentPostMixin
from servicedesk.core.models import IdempotencyKey
from servicedesk.core.tasks import purge_idempotency_keys_task
from tests.concurrency import at_once
from tests.conftest import api_for
from tickets import services
from tickets.models import WorkOrder, WorkOrderEvent

pytestmark = pytest.mark.django_db


def order_body(description="热水器点不着火", phone="13800138000"):
    return {"kind": "repair", "description": description,
            "customer": {"name": "王伟", "phone": phone, "address": "北京市朝阳区建国路88号"}}


def post(client, path, body, key=None):
    return client.post(path, body, format="json", **({"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}))


# --- a create -----------------------------------------------------------------------------


def test_a_repeated_create_answers_the_first_answer_and_creates_nothing(agent):
    client = api_for(agent)
    first = post(client, "/api/v1/work-orders/", order_body(), key="order-4711")

    again = post(client, "/api/v1/work-orders/", order_body(), key="order-4711")

    assert first.status_code == 201
    assert (again.status_code, again.content) == (201, first.content)
    assert again["Content-Type"] == "application/json"
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert WorkOrder.objects.count() == 1


def test_the_same_json_spelled_otherwise_is_the_same_request(agent):
    client = api_for(agent)
    first = post(client, "/api/v1/work-orders/", order_body(), key="k1")
    body = order_body()
    respelled = (f'{{"description": "{body["description"]}", "kind": "repair", "customer": {{"phone": "13800138000", '
                 f'"address": "{body["customer"]["address"]}",  "name": "王伟"}}}}')

    again = client.post("/api/v1/work-orders/", respelled, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")

    assert (again.status_code, again.content) == (201, first.content)
    assert WorkOrder.objects.count() == 1


def test_the_same_key_with_another_body_is_422_and_changes_nothing(agent):
    client = api_for(agent)
    first = post(client, "/api/v1/work-orders/", order_body(), key="k1")

    r = post(client, "/api/v1/work-orders/", order_body(description="另一台热水器漏水"), key="k1")

    assert first.status_code == 201
    assert r.status_code == 422
    assert r.json()["code"] == "idempotency_key_reused"
    assert set(r.json()) == {"detail", "code"}
    assert WorkOrder.objects.count() == 1
    assert IdempotencyKey.objects.get().status == 201  # the first answer is kept


def test_the_same_key_on_another_path_is_422(agent):
    client = api_for(agent)
    order = post(client, "/api/v1/work-orders/", order_body(), key="k1").json()

    r = post(client, f"/api/v1/work-orders/{order['id']}/cancel/", order_body(), key="k1")

    assert (r.status_code, r.json()["code"]) == (422, "idempotency_key_reused")
    assert WorkOrder.objects.get().state == "received"


def test_keys_are_per_user(agent, supervisor):
    first = post(api_for(agent), "/api/v1/work-orders/", order_body(), key="shared")

    second = post(api_for(supervisor), "/api/v1/work-orders/", order_body(), key="shared")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert WorkOrder.objects.count() == 2


def test_without_a_key_a_repeat_runs_again(agent):
    client = api_for(agent)
    post(client, "/api/v1/work-orders/", order_body())
    post(client, "/api/v1/work-orders/", order_body())

    assert WorkOrder.objects.count() == 2
    assert IdempotencyKey.objects.count() == 0


def test_a_refused_request_is_answered_the_same_again(agent):
    client = api_for(agent)
    body = {**order_body(), "kind": "teleport"}
    first = post(client, "/api/v1/work-orders/", body, key="bad-1")

    again = post(client, "/api/v1/work-orders/", body, key="bad-1")

    assert first.status_code == 400 and list(first.json()) == ["kind"]
    assert (again.status_code, again.content, again["Idempotent-Replayed"]) == (400, first.content, "true")


# --- an action ----------------------------------------------------------------------------


def test_a_repeated_action_answers_the_first_answer_and_records_nothing_again(agent):
    client = api_for(agent)
    order = post(client, "/api/v1/work-orders/", order_body()).json()
    path = f"/api/v1/work-orders/{order['id']}/cancel/"
    first = post(client, path, {"reason": "客户取消"}, key="cancel-1")
    events = WorkOrderEvent.objects.filter(order_id=order["id"]).count()

    again = post(client, path, {"reason": "客户取消"}, key="cancel-1")
    unkeyed = post(client, path, {"reason": "客户取消"})

    assert first.status_code == 200 and first.json()["state"] == "cancelled"
    assert (again.status_code, again.content) == (200, first.content)
    assert unkeyed.status_code == 409  # what a repeat without the key meets
    assert WorkOrderEvent.objects.filter(order_id=order["id"]).count() == events


def test_a_409_is_answered_again_even_after_the_state_changed(agent, dispatcher, tech1):
    client = api_for(agent)
    order = post(client, "/api/v1/work-orders/", order_body()).json()
    path = f"/api/v1/work-orders/{order['id']}/close/"
    first = post(client, path, {}, key="close-1")
    post(api_for(dispatcher), f"/api/v1/work-orders/{order['id']}/dispatch/", {"technician": tech1.pk})

    again = post(client, path, {}, key="close-1")

    assert first.status_code == 409 and first.json()["state"] == "received"
    assert (again.status_code, again.content) == (409, first.content)


# --- the header -----------------------------------------------------------------------------


def test_a_key_of_255_characters_is_accepted(agent):
    r = post(api_for(agent), "/api/v1/work-orders/", order_body(), key="k" * 255)

    assert r.status_code == 201
    assert IdempotencyKey.objects.get().key == "k" * 255


@pytest.mark.parametrize("key", ["k" * 256, "   "])
def test_a_key_too_long_or_blank_is_400_naming_the_header(agent, key):
    r = post(api_for(agent), "/api/v1/work-orders/", order_body(), key=key)

    assert r.status_code == 400
    assert r.json()["code"] == "invalid_idempotency_key"
    assert "Idempotency-Key" in r.json()["detail"]
    assert (WorkOrder.objects.count(), IdempotencyKey.objects.count()) == (0, 0)


def test_an_anonymous_post_with_a_key_is_401_and_stores_nothing(db):
    r = post(APIClient(), "/api/v1/work-orders/", order_body(), key="k1")

    assert r.status_code == 401
    assert IdempotencyKey.objects.count() == 0


def test_malformed_json_with_a_key_is_400_and_stores_nothing(agent):
    r = api_for(agent).post("/api/v1/work-orders/", '{"kind": ', content_type="application/json",
                            HTTP_IDEMPOTENCY_KEY="k1")

    assert r.status_code == 400
    assert IdempotencyKey.objects.count() == 0


# --- 24 hours -------------------------------------------------------------------------------


def test_after_24_hours_the_key_is_free_again(agent):
    client = api_for(agent)
    first = post(client, "/api/v1/work-orders/", order_body(), key="k1")
    IdempotencyKey.objects.update(created_at=timezone.now() - datetime.timedelta(hours=24, seconds=1))

    again = post(client, "/api/v1/work-orders/", order_body(), key="k1")

    assert again.status_code == 201 and again.json()["id"] != first.json()["id"]
    assert WorkOrder.objects.count() == 2


def test_the_periodic_task_purges_the_answers_older_than_24_hours(agent):
    client = api_for(agent)
    post(client, "/api/v1/work-orders/", order_body(), key="old")
    post(client, "/api/v1/work-orders/", order_body(phone="13900139000"), key="new")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - datetime.timedelta(hours=25))

    purged = purge_idempotency_keys_task.apply().get()

    assert purged == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_the_purge_is_scheduled(db):
    task = PeriodicTask.objects.get(task="core.purge_idempotency_keys")

    assert task.enabled and (task.interval.every, task.interval.period) == (1, "hours")


# --- a server error leaves the key free -------------------------------------------------------


def test_a_request_that_fails_leaves_the_key_for_the_retry(agent, monkeypatch):
    create = services.work_order_create

    def fail_once(**kwargs):
        monkeypatch.setattr(services, "work_order_create", create)
        create(**kwargs)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "work_order_create", fail_once)
    client = api_for(agent)
    client.raise_request_exception = False

    failed = post(client, "/api/v1/work-orders/", order_body(), key="k1")
    retried = post(client, "/api/v1/work-orders/", order_body(), key="k1")

    assert failed.status_code == 500
    assert retried.status_code == 201
    assert WorkOrder.objects.count() == 1  # the failed request's order was rolled back with its key


# --- at once (PostgreSQL) ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_creates_with_one_key_at_once_make_one_order_and_answer_alike(postgres, agent, monkeypatch):
    create = services.work_order_create

    def slow_create(**kwargs):
        time.sleep(0.3)  # the second request arrives while the first is still running
        return create(**kwargs)

    monkeypatch.setattr(services, "work_order_create", slow_create)
    for n in range(3):
        key, body = f"race-{n}", order_body(phone=f"1380013800{n}")

        first, second = at_once(
            *[lambda body=body, key=key: post(api_for(agent), "/api/v1/work-orders/", body, key=key)] * 2
        )

        assert (first.status_code, second.status_code) == (201, 201)
        assert first.content == second.content
        assert WorkOrder.objects.filter(customer__phones__number=f"1380013800{n}").count() == 1
    assert WorkOrder.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_actions_with_one_key_at_once_act_once(postgres, agent):
    client = api_for(agent)
    order = post(client, "/api/v1/work-orders/", order_body()).json()
    path = f"/api/v1/work-orders/{order['id']}/cancel/"

    first, second = at_once(*[lambda: post(api_for(agent), path, {"reason": "客户取消"}, key="c1")] * 2)

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.content == second.content
    assert WorkOrderEvent.objects.filter(order_id=order["id"], to_state="cancelled").count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_key_with_two_bodies_at_once_one_wins_the_other_is_422(postgres, agent):
    answers = at_once(
        lambda: post(api_for(agent), "/api/v1/work-orders/", order_body(phone="13800138001"), key="k"),
        lambda: post(api_for(agent), "/api/v1/work-orders/", order_body(phone="13800138002"), key="k"),
    )

    assert sorted(r.status_code for r in answers) == [201, 422]
    assert WorkOrder.objects.count() == 1


# --- every POST of the API ----------------------------------------------------------------------

# Credentials, not business requests: the token request is anonymous (keys are per
# user), and a repeated logout finds its token gone anyway (401).
NOT_KEYED = {"TokenView", "LogoutView"}


def api_views_that_accept_post():
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern), p.callback

    for route, callback in walk(get_resolver().url_patterns):
        cls = getattr(callback, "cls", None)
        if cls is None or not route.startswith("api/"):
            continue
        actions = getattr(callback, "actions", None)
        if ("post" in actions) if actions is not None else hasattr(cls, "post"):
            yield route, cls


def test_every_post_of_the_api_takes_an_idempotency_key():
    views = dict(api_views_that_accept_post())

    assert len(views) > 50
    missing = sorted(route for route, cls in views.items()
                     if cls.__name__ not in NOT_KEYED and not issubclass(cls, IdempotentPostMixin))
    assert missing == []
    assert {cls.__name__ for cls in views.values()} >= NOT_KEYED
