"""Parts stock per service point (issue 6, item 5; seeds/004: a repair point
keeps a parts stock against a deposit, swapped old-for-new): receipts,
consumption on work orders that never goes below zero, swaps, the low-stock
list, and two technicians taking the last part at the same moment."""

import http.client
import json
import threading
from decimal import Decimal
from urllib.parse import urlparse

import pytest

from billing.models import ServicePointDeposit, StockItem, StockMovement
from servicedesk.accounts.models import ApiToken as Token
from servicedesk.accounts.models import Unit
from tests.conftest import api_for
from tests.factories import TechnicianFactory, UnitFactory, UserFactory
from tests.test_billing_support import make_order, on_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def station(db):
    return UnitFactory(name="朝阳服务站", kind=Unit.Kind.STATION)


@pytest.fixture
def station_tech(db, station):
    tech = TechnicianFactory(user=UserFactory(username="tech-st", roles=["technician"]))
    tech.station = station
    tech.save()
    return tech


def move(user, **body):
    return api_for(user).post("/api/v1/stock/movements/", body, format="json")


def test_receipt_consumption_swap_and_the_ledger(agent, dispatcher, station, station_tech):
    r = move(dispatcher, unit=station.pk, part_code="P-GWH-IGN", kind="receipt", quantity=3, name="点火针")
    assert r.status_code == 201, r.content
    order = on_site(make_order(agent), dispatcher=dispatcher, tech=station_tech)
    r = move(station_tech.user, unit=station.pk, part_code="P-GWH-IGN", kind="consumption", quantity=2,
             work_order=order.pk)
    assert r.status_code == 201, r.content
    assert (r.json()["quantity_change"], r.json()["quantity_after"], r.json()["order"]) == (-2, 1, order.pk)
    item = StockItem.objects.get()
    assert (item.quantity, item.defective) == (1, 2)  # the old parts came back for the swap
    # old-for-new with the office: defective parts out, good ones in
    r = move(dispatcher, unit=station.pk, part_code="P-GWH-IGN", kind="swap", quantity=3)
    assert r.status_code == 400 and r.json() == {"quantity": ["Only 2 defective parts are held for the swap."]}
    assert move(dispatcher, unit=station.pk, part_code="P-GWH-IGN", kind="swap", quantity=2).status_code == 201
    item.refresh_from_db()
    assert (item.quantity, item.defective) == (3, 0)
    assert list(StockMovement.objects.order_by("id").values_list("kind", "quantity_change", "defective_change")) == [
        ("receipt", 3, 0), ("consumption", -2, 2), ("swap", 2, -2)]
    # the technician only uses parts; receipts and adjustments are the office's
    assert move(station_tech.user, unit=station.pk, part_code="P-GWH-IGN", kind="receipt",
                quantity=1).status_code == 403
    # consumption names its work order
    r = move(station_tech.user, unit=station.pk, part_code="P-GWH-IGN", kind="consumption", quantity=1)
    assert r.status_code == 400 and "work_order" in r.json()


def test_stock_never_goes_negative_and_nothing_is_saved(agent, dispatcher, station, station_tech):
    move(dispatcher, unit=station.pk, part_code="P-GWH-IGN", kind="receipt", quantity=1)
    order = on_site(make_order(agent), dispatcher=dispatcher, tech=station_tech)
    before = StockMovement.objects.count()
    r = move(station_tech.user, unit=station.pk, part_code="P-GWH-IGN", kind="consumption", quantity=2,
             work_order=order.pk)
    assert r.status_code == 400
    assert r.json() == {"quantity": ["Only 1 in stock: stock never goes negative."]}
    r = move(dispatcher, unit=station.pk, part_code="P-GWH-IGN", kind="adjustment", quantity=-2)
    assert r.status_code == 400 and "quantity" in r.json()
    item = StockItem.objects.get()
    assert (item.quantity, item.defective) == (1, 0)
    assert StockMovement.objects.count() == before
    r = move(station_tech.user, unit=station.pk, part_code="NOPE", kind="consumption", quantity=1,
             work_order=order.pk)
    assert r.status_code == 400 and "part_code" in r.json()


def test_the_low_stock_list_and_who_sees_which_point(dispatcher, station, station_tech):
    other = UnitFactory(name="海淀服务站", kind=Unit.Kind.STATION)
    move(dispatcher, unit=station.pk, part_code="P-A", kind="receipt", quantity=1)
    move(dispatcher, unit=station.pk, part_code="P-B", kind="receipt", quantity=9)
    move(dispatcher, unit=other.pk, part_code="P-A", kind="receipt", quantity=1)
    low = api_for(dispatcher).get("/api/v1/stock/items/", {"low": "true"}).json()["results"]
    assert sorted((i["unit_name"], i["part_code"]) for i in low) == [("朝阳服务站", "P-A"), ("海淀服务站", "P-A")]
    mine = api_for(station_tech.user).get("/api/v1/stock/items/").json()["results"]
    assert {i["unit"] for i in mine} == {station.pk}
    assert move(station_tech.user, unit=other.pk, part_code="P-A", kind="consumption", quantity=1,
                work_order=1).status_code == 404


def test_the_stock_page(client, dispatcher, station, station_tech, agent):
    ServicePointDeposit.objects.create(unit=station, amount=Decimal("5000.00"))
    client.force_login(dispatcher)
    r = client.post("/stock/move/", {"unit": station.pk, "part_code": "P-GWH-IGN", "kind": "receipt", "quantity": "1"})
    assert r.status_code == 302
    page = client.get(f"/stock/?unit={station.pk}").content.decode()
    assert "P-GWH-IGN" in page and "5000.00" in page and 'id="low-stock"' in page
    order = on_site(make_order(agent), dispatcher=dispatcher, tech=station_tech)
    client.force_login(station_tech.user)
    r = client.post("/stock/move/", {"unit": station.pk, "part_code": "P-GWH-IGN", "kind": "consumption",
                                     "quantity": "5", "work_order": order.number})
    assert r.status_code == 400 and "stock never goes negative" in r.content.decode()
    r = client.post("/stock/move/", {"unit": station.pk, "part_code": "P-GWH-IGN", "kind": "consumption",
                                     "quantity": "1", "work_order": order.number})
    assert r.status_code == 302
    assert StockItem.objects.get().quantity == 0
    client.force_login(agent)
    assert client.get("/stock/").status_code == 403


# --- PostgreSQL: two technicians take the last part at once ------------------------


@pytest.fixture
def server(postgres, transactional_db, django_db_serialized_rollback, live_server):
    return live_server


def test_two_consumptions_of_the_last_part_one_wins(server, agent, dispatcher, station):
    techs = []
    for n in range(2):
        tech = TechnicianFactory(user=UserFactory(username=f"tech-race-{n}", roles=["technician"]))
        tech.station = station
        tech.save()
        techs.append(tech)
    orders = [on_site(make_order(agent, phone=f"1380013800{n}"), dispatcher=dispatcher, tech=t)
              for n, t in enumerate(techs)]
    url = urlparse(server.url)
    keys = [Token.objects.get_or_create(user=t.user)[0].key for t in techs]  # no query in the threads
    for round_ in range(3):
        code = f"P-LAST-{round_}"
        move(dispatcher, unit=station.pk, part_code=code, kind="receipt", quantity=1)
        barrier = threading.Barrier(2)
        results = [None, None]

        def send(i, barrier, code, results):
            key = keys[i]
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
            conn.connect()
            barrier.wait(timeout=30)
            conn.request("POST", "/api/v1/stock/movements/", body=json.dumps({
                "unit": station.pk, "part_code": code, "kind": "consumption", "quantity": 1,
                "work_order": orders[i].pk}), headers={"Authorization": f"Token {key}",
                                                       "Content-Type": "application/json"})
            response = conn.getresponse()
            results[i] = (response.status, json.loads(response.read()))
            conn.close()

        threads = [threading.Thread(target=send, args=(i, barrier, code, results)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(s for s, _ in results) == [201, 400], results
        loser = next(body for s, body in results if s == 400)
        assert loser == {"quantity": ["Only 0 in stock: stock never goes negative."]}
        assert StockItem.objects.get(part_code=code).quantity == 0
        assert StockMovement.objects.filter(item__part_code=code, kind="consumption").count() == 1


@pytest.mark.parametrize("kind,quantity", [
    ("adjustment", 10 ** 20), ("adjustment", -(10 ** 20)), ("receipt", 3_000_000_000), ("adjustment", 1_000_001),
    ("adjustment", -1_000_001), ("receipt", 1_000_001),
])
def test_quantity_is_bounded_400_not_500(dispatcher, station, kind, quantity):
    r = move(dispatcher, unit=station.pk, part_code="P-GWH-IGN", kind=kind, quantity=quantity, name="点火针")
    assert r.status_code == 400, r.content
    assert "quantity" in r.json()
    assert not StockMovement.objects.exists() and not StockItem.objects.filter(quantity__gt=0).exists()


def test_quantity_bound_accepts_the_limit(dispatcher, station):
    r = move(dispatcher, unit=station.pk, part_code="P-GWH-IGN", kind="receipt", quantity=1_000_000, name="点火针")
    assert r.status_code == 201, r.content


def test_page_form_rejects_a_huge_quantity(client, dispatcher, station):
    client.force_login(dispatcher)
    r = client.post("/stock/move/", {"unit": station.pk, "part_code": "P-GWH-IGN", "kind": "adjustment",
                                     "quantity": str(10 ** 20)})
    assert r.status_code == 400
    assert "quantity" in r.context["errors"]
    assert not StockMovement.objects.exists()
