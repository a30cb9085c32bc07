"""Concurrent requests on PostgreSQL (api-contract.md, Conventions: of two
concurrent actions on one object one wins, the other gets 409, nothing is
half applied; a repeated partner create never duplicates). Real parallel
HTTP requests against the live server: one thread per request, all released
at once by a barrier, each request with its user's token. Every race is run
several times over so that the requests really meet."""

import http.client
import itertools
import json
import threading
from urllib.parse import urlparse

import pytest

from servicedesk.accounts.models import ApiToken as Token
from servicedesk.customers.models import Customer, CustomerPhone
from servicedesk.deadlines.models import Deadline
from tests.factories import UserFactory
from tickets import services
from tickets.models import WorkOrder, WorkOrderEvent

pytestmark = pytest.mark.postgres

ROUNDS = 5


@pytest.fixture
def server(postgres, transactional_db, django_db_serialized_rollback, live_server):
    """The live server on a PostgreSQL test database whose rows every
    request thread sees (committed, not inside a test transaction). The
    serialized rollback restores the migrations' rows (SLA policies, role
    groups) that the transactional flush removes."""
    return live_server


def token(user):
    return Token.objects.get_or_create(user=user)[0].key


def race(server, calls):
    """Send `calls` [(token, method, path, body)] at the same moment; answer
    [(status, json)] in the same order."""
    url = urlparse(server.url)
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def send(i, key, method, path, body):
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        try:
            conn.connect()
            barrier.wait(timeout=30)
            conn.request(method, path, body=json.dumps(body), headers={
                "Authorization": f"Token {key}", "Content-Type": "application/json", "Accept": "application/json",
            })
            response = conn.getresponse()
            raw = response.read()
            try:
                results[i] = (response.status, json.loads(raw))
            except ValueError:
                results[i] = (response.status, raw[:500])
        except Exception as exc:  # reported by the test thread below
            results[i] = exc
        finally:
            conn.close()

    threads = [threading.Thread(target=send, args=(i, *call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=90)
    for result in results:
        if isinstance(result, Exception) or result is None:
            raise AssertionError(f"request failed: {result!r}")
    return results


def new_order(by, phone="13800138000", **kwargs):
    order, created = services.work_order_create(
        by=by, kind="repair", description="热水器点不着火",
        customer={"name": "王伟", "phone": phone, "address": "北京市朝阳区建国路88号"}, **kwargs,
    )
    assert created
    return order


def history(order):
    return list(WorkOrderEvent.objects.filter(order=order).order_by("at", "id")
                .values_list("action", "from_state", "to_state"))


def assert_chained(order):
    """Each history row starts where the one before ended, and the last ends
    in the order's state: nothing was half applied."""
    rows = history(order)
    for before, after in itertools.pairwise(rows):
        assert after[1] == before[2], rows
    order.refresh_from_db()
    assert rows[-1][2] == order.state


# --- (a) two actions on one order: one wins, the other gets 409 -------------------------


def test_two_accepts_of_one_order(server, agent, dispatcher, tech1):
    key = token(tech1.user)
    for _ in range(ROUNDS):
        order = new_order(agent)
        services.work_order_dispatch(order_id=order.pk, technician=tech1, by=dispatcher)
        path = f"/api/v1/work-orders/{order.pk}/accept/"

        results = race(server, [(key, "POST", path, {}), (key, "POST", path, {})])

        assert sorted(status for status, _ in results) == [200, 409]
        loser = next(body for status, body in results if status == 409)
        assert loser == {
            "detail": loser["detail"], "code": "invalid_transition", "state": "accepted",
            "allowed": ["schedule", "check-in", "cancel"],
        }
        assert history(order) == [("create", "", "received"), ("dispatch", "received", "dispatched"),
                                  ("accept", "dispatched", "accepted")]
        assert WorkOrder.objects.get(pk=order.pk).state == "accepted"


def test_check_in_against_cancel(server, agent, dispatcher, tech1):
    """Neither action is allowed after the other: exactly one wins."""
    keys = {"check-in": token(tech1.user), "cancel": token(agent)}
    for _ in range(ROUNDS):
        order = new_order(agent)
        services.work_order_dispatch(order_id=order.pk, technician=tech1, by=dispatcher)
        services.work_order_accept(order_id=order.pk, by=tech1.user)
        base = f"/api/v1/work-orders/{order.pk}"

        results = race(server, [
            (keys["check-in"], "POST", f"{base}/check-in/", {}),
            (keys["cancel"], "POST", f"{base}/cancel/", {"reason": "客户取消"}),
        ])

        statuses = [status for status, _ in results]
        assert sorted(statuses) == [200, 409]
        winner = "check-in" if statuses[0] == 200 else "cancel"
        state = {"check-in": "on_site", "cancel": "cancelled"}[winner]
        loser = results[1 if winner == "check-in" else 0][1]
        assert (loser["state"], loser["allowed"]) == (
            state,
            {"on_site": ["resolve", "take-back"], "cancelled": []}[state],
        )
        assert history(order)[3:] == [(winner, "accepted", state)]
        assert_chained(order)
        deadlines = {d.kind: d for d in Deadline.objects.filter(object_id=order.pk)}
        assert set(deadlines) == {"respond", "arrive"}
        if winner == "check-in":
            assert all(d.met_at is not None and d.cancelled_at is None for d in deadlines.values())
        else:
            assert all(d.met_at is None and d.cancelled_at is not None for d in deadlines.values())


def test_accept_against_decline(server, agent, dispatcher, tech1):
    """The assigned technician taps both at once: neither is allowed after
    the other, so the loser gets 409, even though a decline also takes the
    order away from the technician (or 404, when the decline committed before
    the accept looked the order up: it is no longer the technician's)."""
    key = token(tech1.user)
    for _ in range(ROUNDS):
        order = new_order(agent)
        services.work_order_dispatch(order_id=order.pk, technician=tech1, by=dispatcher)
        base = f"/api/v1/work-orders/{order.pk}"

        results = race(server, [(key, "POST", f"{base}/accept/", {}),
                                (key, "POST", f"{base}/decline/", {"reason": "不在服务区域"})])

        (accept_status, accept_body), (decline_status, decline_body) = results
        if accept_status == 200:
            winner, state, loser_status, loser = "accept", "accepted", decline_status, decline_body
        else:
            winner, state, loser_status, loser = "decline", "received", accept_status, accept_body
            assert decline_status == 200, results
        if winner == "decline" and loser_status == 404:
            # The decline committed before the accept even looked the order
            # up: it is no longer this technician's, so it is not visible.
            pass
        else:
            assert loser_status == 409, results
            assert (loser["state"], loser["allowed"]) == (state, {"accepted": ["schedule", "check-in", "cancel"],
                                                                  "received": ["dispatch", "cancel"]}[state])
        assert history(order)[2:] == [(winner, "dispatched", state)]
        assert_chained(order)


def test_accept_against_cancel_is_serialised(server, agent, dispatcher, tech1):
    """Cancel is allowed from accepted (contract table), so when the accept
    wins the cancel follows it; when the cancel wins the accept gets 409.
    Either way the order ends cancelled with a consistent history."""
    keys = (token(tech1.user), token(agent))
    for _ in range(ROUNDS):
        order = new_order(agent)
        services.work_order_dispatch(order_id=order.pk, technician=tech1, by=dispatcher)
        base = f"/api/v1/work-orders/{order.pk}"

        (accept_status, accept_body), (cancel_status, cancel_body) = race(server, [
            (keys[0], "POST", f"{base}/accept/", {}),
            (keys[1], "POST", f"{base}/cancel/", {"reason": "客户取消"}),
        ])

        assert cancel_status == 200
        assert cancel_body["state"] == "cancelled"
        if accept_status == 200:
            assert history(order)[2:] == [("accept", "dispatched", "accepted"), ("cancel", "accepted", "cancelled")]
        else:
            assert accept_status == 409
            assert (accept_body["state"], accept_body["allowed"]) == ("cancelled", [])
            assert history(order)[2:] == [("cancel", "dispatched", "cancelled")]
        assert_chained(order)


# --- (b) two dispatchers at once ---------------------------------------------------------


def test_two_dispatches_at_once_are_serialised(server, agent, dispatcher, tech1, tech2):
    second_dispatcher = UserFactory(username="dispatcher2", roles=["dispatcher"])
    keys = (token(dispatcher), token(second_dispatcher))
    for _ in range(ROUNDS):
        order = new_order(agent)
        path = f"/api/v1/work-orders/{order.pk}/dispatch/"

        results = race(server, [
            (keys[0], "POST", path, {"technician": tech1.pk}),
            (keys[1], "POST", path, {"technician": tech2.pk}),
        ])

        assert [status for status, _ in results] == [200, 200]
        rows = list(WorkOrderEvent.objects.filter(order=order, action="dispatch").order_by("at", "id"))
        assert [(r.from_state, r.to_state) for r in rows] == [("received", "dispatched"), ("dispatched", "dispatched")]
        assert sorted(r.data["technician"] for r in rows) == sorted([tech1.pk, tech2.pk])
        assert sorted(r.by.username for r in rows) == ["dispatcher", "dispatcher2"]
        order.refresh_from_db()
        assert order.technician_id == rows[-1].data["technician"]
        assert order.dispatched_at == rows[-1].at
        # An answer is read after its own commit: it shows its own technician
        # or, if the other dispatch followed in between, the final one.
        last_by = rows[-1].by.username
        answers = dict(zip(["dispatcher", "dispatcher2"], (body["technician"] for _, body in results), strict=True))
        assert answers[last_by] == order.technician_id
        assert set(answers.values()) <= {tech1.pk, tech2.pk}
        assert_chained(order)


# --- (c) the same partner create N times at once ------------------------------------------


@pytest.mark.parametrize("n", [6])
def test_parallel_creates_with_one_external_ref_make_one_order(n, server, partner_user, category):
    key = token(partner_user)
    for round_ in range(ROUNDS):
        ref = f"ACME-RACE-{round_}"
        body = {
            "kind": "install", "description": "新机安装", "external_ref": ref,
            "customer": {"name": "王伟", "phone": f"1380013{round_:04d}", "address": "北京市朝阳区建国路88号"},
            "product": {"category": category.slug, "model": "JSQ-20"},
        }

        results = race(server, [(key, "POST", "/api/v1/work-orders/", body)] * n)

        statuses = sorted(status for status, _ in results)
        assert statuses == [200] * (n - 1) + [201], results
        ids = {body["id"] for _, body in results}
        assert len(ids) == 1
        order = WorkOrder.objects.get(partner=partner_user.partner, external_ref=ref)
        assert ids == {order.pk}
        assert history(order) == [("create", "", "received")]
        assert CustomerPhone.objects.filter(number=f"1380013{round_:04d}").count() == 1
        assert Deadline.objects.filter(object_id=order.pk).count() == 2
    assert WorkOrder.objects.count() == ROUNDS
    assert Customer.objects.count() == ROUNDS
