"""Partner webhooks (api-contract.md, "Partner webhooks").

Registration and its checks through the API; the outbox written in the
transaction of the change (a rolled-back change writes nothing); each
delivery signed, with the same id and body on a repeat; retries with
backoff; events of one object in order; redelivery; and a real Celery worker
delivering to a receiver on a loopback port, one that fails first and one
that never answers."""

import datetime
import hashlib
import hmac
import json

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from servicedesk.webhooks import delivery
from servicedesk.webhooks.models import Attempt, Delivery, Webhook
from servicedesk.webhooks.outbox import GIVE_UP_AFTER
from tests.celery_utils import broker, new_prefix, scratch_broker_url, wait_for, worker_thread
from tests.conftest import api_for
from tests.webhook_receiver import Receiver

HOOKS = "/api/v1/webhooks/"
WO = "/api/v1/work-orders/"


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def new_order(client, ref="ext-1"):
    r = client.post(WO, {"kind": "repair", "description": "热水器点不着火", "external_ref": ref,
                         "customer": {"name": "王女士", "phone": "13800001111", "address": "北京市朝阳区"}},
                    format="json")
    assert r.status_code == 201, r.content
    return r.json()


def register(client, url, events=("work_order.created", "work_order.state_changed")):
    r = client.post(HOOKS, {"url": url, "events": list(events)}, format="json")
    assert r.status_code == 201, r.content
    return r.json()


def signed(secret, body):
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


# --- registration ---------------------------------------------------------------------------------


def test_a_partner_registers_a_hook_and_sees_the_secret_once(partner_user, receiver):
    client = api_for(partner_user)
    hook = register(client, receiver.url)

    assert set(hook) == {"id", "url", "events", "secret", "active", "created_at"}
    assert hook["url"] == receiver.url and hook["active"] is True
    assert hook["events"] == ["work_order.created", "work_order.state_changed"]
    assert len(hook["secret"]) == 64 and Webhook.objects.get().secret == hook["secret"]
    listed = client.get(HOOKS).json()
    assert listed["count"] == 1 and "secret" not in listed["results"][0]
    assert "secret" not in client.get(f"{HOOKS}{hook['id']}/").json()


def test_a_partner_manages_only_its_own_hooks(partner_user, partner2_user, receiver):
    hook = register(api_for(partner_user), receiver.url)
    other = api_for(partner2_user)

    assert other.get(HOOKS).json()["count"] == 0
    assert other.get(f"{HOOKS}{hook['id']}/").status_code == 404
    assert other.patch(f"{HOOKS}{hook['id']}/", {"active": False}, format="json").status_code == 404
    assert other.delete(f"{HOOKS}{hook['id']}/").status_code == 404
    assert Webhook.objects.get().active is True

    mine = api_for(partner_user)
    assert mine.patch(f"{HOOKS}{hook['id']}/", {"active": False}, format="json").json()["active"] is False
    assert mine.delete(f"{HOOKS}{hook['id']}/").status_code == 204
    assert not Webhook.objects.exists()


def test_staff_do_not_manage_webhooks(agent):
    r = api_for(agent).post(HOOKS, {"url": "https://example.com/h", "events": ["work_order.created"]}, format="json")

    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    assert not Webhook.objects.exists()


@pytest.mark.parametrize(("body", "field"), [
    ({"url": "ftp://example.com/h", "events": ["work_order.created"]}, "url"),
    ({"url": "https://user:pw@example.com/h", "events": ["work_order.created"]}, "url"),
    ({"url": "https://example.com/h", "events": ["work_order.deleted"]}, "events"),
    ({"url": "https://example.com/h", "events": []}, "events"),
    ({"events": ["work_order.created"]}, "url"),
])
def test_a_bad_hook_is_a_400_naming_the_field(partner_user, body, field):
    r = api_for(partner_user).post(HOOKS, body, format="json")

    assert r.status_code == 400 and field in r.json(), r.content
    assert not Webhook.objects.exists()


@override_settings(SERVICEDESK_WEBHOOKS_ALLOW_PRIVATE=False)
@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/h", "http://localhost/h", "http://10.1.2.3/h",
                                 "http://192.168.1.10/h", "http://[::1]/h", "http://169.254.169.254/latest"])
def test_private_and_loopback_addresses_are_refused_unless_allowed(partner_user, url):
    r = api_for(partner_user).post(HOOKS, {"url": url, "events": ["work_order.created"]}, format="json")

    assert r.status_code == 400 and "url" in r.json(), r.content
    assert not Webhook.objects.exists()


# --- the outbox -----------------------------------------------------------------------------------


def test_a_create_writes_one_delivery_per_subscribed_hook_with_the_order_as_the_partner_reads_it(
        partner_user, partner2_user, receiver, django_capture_on_commit_callbacks):
    client = api_for(partner_user)
    hook = register(client, receiver.url)
    register(client, receiver.url, events=["work_order.state_changed"])  # not subscribed to the create
    register(api_for(partner2_user), receiver.url)  # another partner's hook hears nothing of this order

    with django_capture_on_commit_callbacks():
        order = new_order(client)

    rows = list(Delivery.objects.all())
    assert [(r.webhook_id, r.event, r.object_key) for r in rows] == [
        (hook["id"], "work_order.created", f"tickets.workorder:{order['id']}")]
    body = json.loads(rows[0].body)
    assert set(body) == {"id", "event", "at", "data"}
    assert body["id"] == str(rows[0].delivery_id) and body["event"] == "work_order.created"
    assert body["at"].endswith("+08:00")
    assert body["data"] == client.get(f"{WO}{order['id']}/").json()


def test_a_change_that_rolls_back_writes_no_delivery(partner_user, receiver):
    from tickets.services import work_order_create

    register(api_for(partner_user), receiver.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        work_order_create(by=partner_user, kind="repair", description="x",
                          customer={"name": "A", "phone": "13800002222", "address": ""})
        assert Delivery.objects.count() == 1  # written in the change's transaction ...
        raise RuntimeError("the change fails")
    assert Delivery.objects.count() == 0  # ... and gone with it


def test_every_state_change_after_the_create_is_an_event(partner_user, dispatcher, tech1, receiver):
    client = api_for(partner_user)
    register(client, receiver.url)
    order = new_order(client)

    assert (
        api_for(dispatcher).post(f"{WO}{order['id']}/dispatch/", {"technician": tech1.pk}, format="json").status_code
        == 200
    )
    assert api_for(tech1.user).post(f"{WO}{order['id']}/accept/", {}, format="json").status_code == 200

    events = [(r.event, json.loads(r.body)["data"]["state"]) for r in Delivery.objects.order_by("pk")]
    assert events == [("work_order.created", "received"), ("work_order.state_changed", "dispatched"),
                      ("work_order.state_changed", "accepted")]


def test_orders_of_staff_or_of_partners_without_hooks_write_nothing(agent, partner_user):
    new_order(api_for(partner_user))
    api_for(agent).post(WO, {"kind": "repair", "description": "x",
                             "customer": {"name": "B", "phone": "13800003333"}}, format="json")
    assert Delivery.objects.count() == 0


# --- one attempt ----------------------------------------------------------------------------------


def test_a_delivery_is_signed_and_a_repeat_carries_the_same_id_body_and_signature(partner_user, receiver):
    client = api_for(partner_user)
    hook = register(client, receiver.url)
    new_order(client)
    row = Delivery.objects.get()
    receiver.statuses = [500]

    assert delivery.attempt(row.pk) == "retry"
    row.refresh_from_db()
    assert row.state == "pending" and row.attempts == 1 and row.last_status == 500
    wait = row.next_attempt_at - Attempt.objects.get().at
    assert datetime.timedelta(seconds=15) <= wait <= datetime.timedelta(seconds=60)  # the first retry within 60 s

    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert delivery.attempt(row.pk) == "delivered"
    assert delivery.attempt(row.pk) == "skipped"  # never twice

    first, second = receiver.received
    assert first["body"] == second["body"] == row.body.encode()
    for got in (first, second):
        assert got["headers"]["X-Servicedesk-Event"] == "work_order.created"
        assert got["headers"]["X-Servicedesk-Delivery"] == str(row.delivery_id)
        assert got["headers"]["X-Servicedesk-Signature"] == signed(hook["secret"], got["body"])
    assert [a.status_code for a in Attempt.objects.order_by("pk")] == [500, 200]


def test_retries_grow_and_go_on_for_at_least_24_hours(partner_user, receiver):
    delays = [delivery.retry_delay(n) for n in range(1, 20)]
    assert delays[0] <= datetime.timedelta(seconds=30)
    assert all(d <= datetime.timedelta(hours=4) for d in delays)
    assert delivery.retry_delay(10) > delivery.retry_delay(2)

    client = api_for(partner_user)
    register(client, receiver.url)
    new_order(client)
    row = Delivery.objects.get()
    assert row.give_up_at - row.created_at == GIVE_UP_AFTER >= datetime.timedelta(hours=24)

    receiver.statuses = [503, 503]
    assert delivery.attempt(row.pk) == "retry"
    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now(), give_up_at=timezone.now())
    assert delivery.attempt(row.pk) == "failed"  # past its 24 hours: given up, kept with its log
    row.refresh_from_db()
    assert row.state == "failed" and row.attempts == 2


def test_events_of_one_object_wait_for_the_earlier_one(partner_user, dispatcher, tech1, receiver):
    client = api_for(partner_user)
    register(client, receiver.url)
    order = new_order(client)
    api_for(dispatcher).post(f"{WO}{order['id']}/dispatch/", {"technician": tech1.pk}, format="json")
    created, dispatched = Delivery.objects.order_by("pk")
    receiver.statuses = [500]

    assert delivery.attempt(created.pk) == "retry"
    assert delivery.attempt(dispatched.pk) == "waiting"  # the create has not arrived yet
    assert len(receiver.received) == 1

    Delivery.objects.filter(pk=created.pk).update(next_attempt_at=timezone.now())
    assert delivery.attempt(created.pk) == "delivered"
    Delivery.objects.filter(pk=dispatched.pk).update(next_attempt_at=timezone.now())
    assert delivery.attempt(dispatched.pk) == "delivered"
    assert [json.loads(r["body"])["event"] for r in receiver.received] == [
        "work_order.created", "work_order.created", "work_order.state_changed"]


def test_a_failed_delivery_is_redelivered_through_the_api(partner_user, partner2_user, receiver):
    client = api_for(partner_user)
    hook = register(client, receiver.url)
    new_order(client)
    row = Delivery.objects.get()
    Delivery.objects.filter(pk=row.pk).update(state="failed", next_attempt_at=None, attempts=9)

    url = f"{HOOKS}{hook['id']}/deliveries/{row.delivery_id}/redeliver/"
    assert api_for(partner2_user).post(url).status_code == 404
    r = client.post(url)
    assert r.status_code == 202 and r.json()["state"] == "pending"
    assert delivery.attempt(row.pk) == "delivered"

    log = client.get(f"{HOOKS}{hook['id']}/deliveries/").json()
    assert log["count"] == 1
    entry = log["results"][0]
    assert entry["id"] == str(row.delivery_id) and entry["state"] == "delivered"
    assert [a["status_code"] for a in entry["attempts"]] == [200]


@override_settings(SERVICEDESK_WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_url_that_resolves_to_a_private_address_is_not_called(partner_user, receiver):
    hook = Webhook.objects.create(partner=partner_user.partner, created_by=partner_user, url=receiver.url,
                                  events=["work_order.created"])
    new_order(api_for(partner_user))
    row = Delivery.objects.get(webhook=hook)

    assert delivery.attempt(row.pk) == "retry"
    assert receiver.received == []
    assert "private or loopback" in Attempt.objects.get().error


# --- a real worker --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_delivers_after_the_commit(postgres, redis_url, partner_user, receiver):
    client = api_for(partner_user)
    hook = register(client, receiver.url)
    with broker(scratch_broker_url(redis_url), prefix=new_prefix()), worker_thread():
        order = new_order(client)
        wait_for(lambda: Delivery.objects.filter(state="delivered").exists(), timeout=30,
                 what="the worker's delivery")
    got = receiver.received[0]
    assert got["headers"]["X-Servicedesk-Signature"] == signed(hook["secret"], got["body"])
    assert json.loads(got["body"])["data"]["id"] == order["id"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_retries_a_failing_receiver_then_delivers_the_next_event_in_order(
        postgres, redis_url, partner_user, dispatcher, tech1, receiver, monkeypatch):
    monkeypatch.setattr(delivery, "FIRST_RETRY_SECONDS", 1)  # the schedule's shape, faster
    client = api_for(partner_user)
    register(client, receiver.url)
    receiver.statuses = [500, 502]
    with broker(scratch_broker_url(redis_url), prefix=new_prefix()), worker_thread():
        order = new_order(client)
        api_for(dispatcher).post(f"{WO}{order['id']}/dispatch/", {"technician": tech1.pk}, format="json")
        wait_for(lambda: Delivery.objects.filter(state="delivered").count() == 2, timeout=60,
                 what="both deliveries after the retries")
    delivered = [json.loads(r["body"])["event"] for r in receiver.received if r["status"] == 200]
    assert delivered == ["work_order.created", "work_order.state_changed"]
    assert Attempt.objects.filter(status_code__in=[500, 502]).count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_receiver_that_never_answers_is_timed_out_and_retried(
        postgres, redis_url, partner_user, receiver, monkeypatch):
    monkeypatch.setattr(delivery, "TIMEOUT_SECONDS", 1)
    client = api_for(partner_user)
    register(client, receiver.url)
    receiver.hang.set()
    with broker(scratch_broker_url(redis_url), prefix=new_prefix()), worker_thread():
        new_order(client)
        wait_for(lambda: Attempt.objects.exists(), timeout=30, what="the timed-out attempt")
    row = Delivery.objects.get()
    attempt = Attempt.objects.get()
    assert attempt.status_code is None and "timed out" in attempt.error.lower()
    assert row.state == "pending" and row.next_attempt_at is not None


def test_the_periodic_task_leases_due_deliveries_once(partner_user, receiver):
    client = api_for(partner_user)
    register(client, receiver.url)
    new_order(client)
    row = Delivery.objects.get()
    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(minutes=1))

    assert delivery.lease_due() == [row.pk]
    assert delivery.lease_due() == []  # leased: not handed out again while queued
    assert delivery.attempt(row.pk) == "skipped"  # an unleased run does not take it early
    assert delivery.attempt(row.pk, leased=True) == "delivered"


def test_the_periodic_delivery_is_scheduled_by_a_migration(db):
    from django_celery_beat.models import PeriodicTask

    from servicedesk.celery import app

    task = PeriodicTask.objects.get(task="webhooks.deliver_due")
    assert task.enabled and (task.interval.every, task.interval.period) == (10, "seconds")
    app.loader.import_default_modules()  # what a worker does at start: the apps' tasks modules, autodiscovered
    assert "webhooks.deliver_due" in app.tasks and "webhooks.deliver" in app.tasks


def test_an_administrator_redelivers_from_the_admin(admin_client, partner_user, receiver):
    client = api_for(partner_user)
    register(client, receiver.url)
    new_order(client)
    row = Delivery.objects.get()
    Delivery.objects.filter(pk=row.pk).update(state="failed", next_attempt_at=None)

    r = admin_client.post("/admin/webhooks/delivery/", {"action": "redeliver", "_selected_action": [row.pk]},
                          follow=True)
    assert r.status_code == 200 and "1 delivery queued again." in r.content.decode()
    row.refresh_from_db()
    assert row.state == "pending"
    assert admin_client.get(f"/admin/webhooks/delivery/{row.pk}/change/").status_code == 200


def test_a_returns_state_change_reaches_the_partner_that_filed_it(partner_user, partner2_user, agent, receiver):
    from tests.factories import CategoryFactory
    from tests.test_returns_api import assess, create

    CategoryFactory(slug="energy_saving_lamp")
    hook = register(api_for(partner_user), receiver.url, events=["return.state_changed"])
    register(api_for(partner2_user), receiver.url, events=["return.state_changed"])
    mine = create(api_for(partner_user), purchase=timezone.localdate()).json()

    assert Delivery.objects.count() == 0  # the filing is no state change
    r = assess(api_for(agent), mine["id"])
    assert r.status_code == 200, r.content

    row = Delivery.objects.get()
    assert (row.webhook_id, row.event, row.object_key) == (hook["id"], "return.state_changed",
                                                           f"returns.returnrequest:{mine['id']}")
    data = json.loads(row.body)["data"]
    assert data == api_for(partner_user).get(f"/api/v1/returns/{mine['id']}/").json()
    assert data["state"] == r.json()["state"] != "requested"
