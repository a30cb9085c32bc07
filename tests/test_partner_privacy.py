"""Matching by phone tells nobody who the customer is (contract: Retries,
privacy, abuse; issue 16, item 1). A partner that knows a phone number gets
its orders and complaints matched to that customer's file, as agents need,
but every answer it gets (create, detail, list, search, pages) shows the
customer as that partner sent it, never the name or address the call center
stored; the telephone switch's answers carry no customer data or ids."""

import datetime

import pytest
from django.utils import timezone

from complaints.models import Complaint
from servicedesk.customers.models import Customer
from tests.conftest import api_for
from tests.factories import CategoryFactory
from tickets import services
from tickets.models import WorkOrder

pytestmark = pytest.mark.django_db

WO = "/api/v1/work-orders/"
CP = "/api/v1/complaints/"
PHONE = "13800138000"
STORED = {"name": "张秘密", "phone": PHONE, "address": "北京市海淀区中关村南大街5号"}
SENT = {"name": "张先生", "phone": "138 0013 8000", "address": "上海市浦东新区世纪大道100号"}
SECRETS = ("张秘密", "中关村南大街", "海淀")


@pytest.fixture
def stored(agent):
    """The customer's file as the call center keeps it."""
    order, _ = services.work_order_create(by=agent, kind="repair", customer=dict(STORED), description="热水器不点火")
    return order.customer


def leaks(response):
    text = response.content.decode()
    return [secret for secret in SECRETS if secret in text]


def create_order(user, customer=None, **extra):
    body = {"kind": "install", "description": "安装热水器", "customer": customer or dict(SENT), **extra}
    return api_for(user).post(WO, body, format="json")


def test_a_partner_creating_an_order_for_a_known_phone_sees_what_it_sent(stored, partner_user, agent):
    r = create_order(partner_user, external_ref="JD-1")

    assert r.status_code == 201 and leaks(r) == []
    order_id = r.json()["id"]
    assert r.json()["customer"] == {"id": stored.pk, "name": "张先生", "phone": "138****8000",
                                    "address": "上海市浦东新区世纪大道100号"}
    partner = api_for(partner_user)
    for response in (partner.get(f"{WO}{order_id}/"), partner.get(WO), partner.get(WO, {"q": PHONE}),
                     create_order(partner_user, external_ref="JD-1")):
        assert response.status_code == 200 and leaks(response) == []
    assert partner.get(f"{WO}{order_id}/").json()["customer"]["name"] == "张先生"
    # The match is kept: agents see the caller's one file, as stored.
    seen_by_agent = api_for(agent).get(f"{WO}{order_id}/").json()["customer"]
    assert (seen_by_agent["id"], seen_by_agent["name"], seen_by_agent["phone"]) == (stored.pk, "张秘密", PHONE)
    assert Customer.objects.count() == 1
    assert WorkOrder.objects.get(pk=order_id).customer_as_sent == {
        "name": "张先生", "phone": PHONE, "address": "上海市浦东新区世纪大道100号"}


def test_a_partner_sending_no_address_gets_none_back_not_the_stored_one(stored, partner_user):
    r = create_order(partner_user, customer={"name": "张先生", "phone": PHONE})

    assert r.status_code == 201 and leaks(r) == []
    assert (r.json()["customer"]["address"], r.json()["region"]) == ("", None)


def test_a_partner_referring_to_its_customer_by_id_sees_what_it_sent_before(stored, partner_user):
    first = create_order(partner_user).json()

    r = create_order(partner_user, customer=first["customer"]["id"])

    assert r.status_code == 201 and leaks(r) == []
    assert r.json()["customer"]["name"] == "张先生"


def test_a_revisit_opened_by_the_partner_shows_what_it_sent(stored, partner_user, agent):
    order = WorkOrder.objects.get(pk=create_order(partner_user).json()["id"])
    WorkOrder.objects.filter(pk=order.pk).update(state=WorkOrder.State.CLOSED)

    r = api_for(partner_user).post(f"{WO}{order.pk}/revisit/", {"description": "又坏了"}, format="json")

    assert r.status_code == 201 and leaks(r) == []
    assert r.json()["customer"]["name"] == "张先生"


def test_a_partner_filing_a_complaint_for_a_known_phone_sees_what_it_sent(stored, partner_user, agent):
    r = api_for(partner_user).post(CP, {"customer": dict(SENT), "category": "service", "description": "师傅迟到",
                                        "external_ref": "C-1"}, format="json")

    assert r.status_code == 201 and leaks(r) == []
    complaint_id = r.json()["id"]
    assert r.json()["customer"] == {"id": stored.pk, "name": "张先生", "phone": "138****8000",
                                    "address": "上海市浦东新区世纪大道100号"}
    partner = api_for(partner_user)
    for response in (partner.get(f"{CP}{complaint_id}/"), partner.get(CP)):
        assert response.status_code == 200 and leaks(response) == []
    assert api_for(agent).get(f"{CP}{complaint_id}/").json()["customer"]["name"] == "张秘密"
    assert Complaint.objects.get(pk=complaint_id).customer_id == stored.pk


def test_the_partners_pages_show_what_it_sent(client, stored, partner_user, agent):
    order_id = create_order(partner_user).json()["id"]
    complaint_id = api_for(partner_user).post(CP, {"customer": dict(SENT), "category": "service",
                                                   "description": "师傅迟到"}, format="json").json()["id"]
    client.force_login(partner_user)
    for url in ("/work-orders/", f"/work-orders/{order_id}/", f"/work-orders/?q={PHONE}", "/complaints/",
                f"/complaints/{complaint_id}/", f"/complaints/{complaint_id}/print/",
                f"/complaints/new/?work_order={order_id}"):
        r = client.get(url)
        assert r.status_code == 200 and leaks(r) == [], url
    assert "张先生" in client.get(f"/work-orders/{order_id}/").content.decode()
    # The call center's pages still show the file.
    client.force_login(agent)
    assert "张秘密" in client.get(f"/work-orders/{order_id}/").content.decode()


@pytest.fixture
def stored_product(stored, agent):
    """A product of that customer as the call center recorded it (model and purchase date from the invoice)."""
    category = CategoryFactory(slug="water-heater")
    order, _ = services.work_order_create(
        by=agent, kind="repair", customer=stored, description="热水器漏水",
        product={"category": category, "model": "JSQ-SECRET-9", "serial": "SN-777",
                 "purchase_date": datetime.date(2024, 3, 15)},
    )
    return order.product


def test_a_product_matched_by_serial_shows_the_partner_what_it_sent(client, stored_product, partner_user, agent):
    r = create_order(partner_user, product={"category": "water-heater", "serial": "SN-777"})

    assert r.status_code == 201, r.content
    order_id = r.json()["id"]
    # The serial matched the customer's stored product (agents see one product in the file) ...
    assert WorkOrder.objects.get(pk=order_id).product_id == stored_product.pk
    # ... but the partner learns nothing another party recorded of it.
    sent = {"id": stored_product.pk, "category": "water-heater", "model": "", "serial": "SN-777", "purchase_date": None}
    assert r.json()["product"] == sent
    assert api_for(partner_user).get(f"{WO}{order_id}/").json()["product"] == sent
    for response in (r, api_for(partner_user).get(f"{WO}{order_id}/"), api_for(partner_user).get(WO)):
        assert "JSQ-SECRET-9" not in response.content.decode() and "2024-03-15" not in response.content.decode()
    client.force_login(partner_user)
    page = client.get(f"/work-orders/{order_id}/").content.decode()
    assert "SN-777" in page and "JSQ-SECRET-9" not in page
    # The call center sees the product as stored.
    assert api_for(agent).get(f"{WO}{order_id}/").json()["product"]["model"] == "JSQ-SECRET-9"
    client.force_login(agent)
    assert "JSQ-SECRET-9" in client.get(f"/work-orders/{order_id}/").content.decode()


def test_a_product_the_partner_described_is_answered_as_it_described_it(stored, partner_user):
    product = {"category": "water-heater", "model": "JSQ-20", "serial": "SN-1", "purchase_date": "2025-06-01"}
    CategoryFactory(slug="water-heater")

    r = create_order(partner_user, product=product)

    assert r.status_code == 201, r.content
    assert {k: v for k, v in r.json()["product"].items() if k != "id"} == product


def test_the_switchs_answers_carry_no_customer_field(stored, telephony):
    at = timezone.now()
    for name, when in (("ring", at), ("hangup", at + datetime.timedelta(seconds=30)), ("hangup", at)):
        r = api_for(telephony).post("/api/v1/calls/events/", {"call_id": "c1", "event": name, "caller": PHONE,
                                                              "at": when.isoformat()}, format="json")
        assert r.status_code in (200, 201), r.content
        assert "customer" not in r.json() and leaks(r) == [] and PHONE not in r.content.decode()
    assert r.json()["state"] == "abandoned" and r.json()["callback"] is not None


def test_a_partner_recording_a_return_for_a_known_phone_sees_what_it_sent(client, stored, partner_user, agent):
    CategoryFactory(slug="energy_saving_lamp")
    r = api_for(partner_user).post("/api/v1/returns/", {
        "customer": dict(SENT), "product": {"category": "energy_saving_lamp", "model": "E27-11W"},
        "requested_by": "consumer", "reason": "灯不亮"}, format="json")

    assert r.status_code == 201 and leaks(r) == []
    return_id = r.json()["id"]
    assert r.json()["customer"] == {"id": stored.pk, "name": "张先生", "phone": "138****8000",
                                    "address": "上海市浦东新区世纪大道100号"}
    partner = api_for(partner_user)
    for response in (partner.get(f"/api/v1/returns/{return_id}/"), partner.get("/api/v1/returns/")):
        assert response.status_code == 200 and leaks(response) == []
    again = api_for(partner_user).post("/api/v1/returns/", {
        "customer": stored.pk, "product": {"category": "energy_saving_lamp", "model": "E27-11W"},
        "requested_by": "consumer", "reason": "又不亮"}, format="json")
    assert again.status_code == 201 and again.json()["customer"]["name"] == "张先生"
    client.force_login(partner_user)
    for url in ("/returns/", f"/returns/{return_id}/"):
        page = client.get(url)
        assert page.status_code == 200 and leaks(page) == [], url
    assert api_for(agent).get(f"/api/v1/returns/{return_id}/").json()["customer"]["name"] == "张秘密"


def test_a_return_matched_to_a_stored_product_shows_the_partner_what_it_sent(client, stored_product, partner_user,
                                                                            agent):
    r = api_for(partner_user).post("/api/v1/returns/", {
        "customer": dict(SENT), "product": {"category": "water-heater", "serial": "SN-777"},
        "requested_by": "consumer", "reason": "漏水"}, format="json")

    assert r.status_code == 201, r.content
    return_id = r.json()["id"]
    sent = {"id": stored_product.pk, "category": "water-heater", "model": "", "serial": "SN-777",
            "purchase_date": None, "manufactured_on": None}
    assert r.json()["product"] == sent
    assert api_for(partner_user).get(f"/api/v1/returns/{return_id}/").json()["product"] == sent
    client.force_login(partner_user)
    assert "JSQ-SECRET-9" not in client.get(f"/returns/{return_id}/").content.decode()
    seen_by_agent = api_for(agent).get(f"/api/v1/returns/{return_id}/").json()["product"]
    assert (seen_by_agent["model"], seen_by_agent["purchase_date"]) == ("JSQ-SECRET-9", "2024-03-15")
