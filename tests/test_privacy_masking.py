"""Customers' phone numbers leave the system in full only for those who need
them (issue 5, item 5; domain.md section 2, seeds/001: never disclose
customer data). One rule, servicedesk.customers.selectors: staff see them,
a technician only for customers with an open order assigned to them,
partners never (also on their own orders), the telephone switch is refused.
Checked through the API (list, detail, create, search) and the pages (list,
detail, my jobs, complaint pages and the print view)."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints import services as complaint_services
from servicedesk.accounts.models import Unit
from tests.conftest import api_for
from tests.factories import UnitFactory, UserFactory
from tests.signing import SIGNED
from tickets import services

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)
WO = "/api/v1/work-orders/"
CP = "/api/v1/complaints/"


def masked(number):
    return number[:3] + "****" + number[-4:]


def new_number():
    return f"139{next(_numbers):08d}"


def make_order(by, phone=None, *, name="王伟"):
    phone = phone or new_number()
    order, created = services.work_order_create(
        by=by, kind="repair", description="热水器点不着火",
        customer={"name": name, "phone": phone, "address": "北京市朝阳区建国路88号"},
    )
    assert created
    return order


def dispatch(order, tech, dispatcher):
    services.work_order_dispatch(order_id=order.pk, technician=tech, by=dispatcher)


def close(order, tech, *, dispatcher, agent):
    """Dispatched to `tech` and walked to closed, as the field staff would."""
    t = tech.user
    dispatch(order, tech, dispatcher)
    services.work_order_accept(order_id=order.pk, by=t)
    services.work_order_check_in(order_id=order.pk, by=t)
    services.work_order_resolve(order_id=order.pk, by=t, resolution="更换点火针")
    services.work_order_sign_off(order_id=order.pk, by=t, signed_by="王伟", satisfaction=5, extra=SIGNED)
    services.work_order_close(order_id=order.pk, by=agent)


def phone_in(response):
    assert response.status_code in (200, 201), response.content
    return response.json()["customer"]["phone"]


def listed_phones(user, query=""):
    r = api_for(user).get(WO + query)
    assert r.status_code == 200, r.content
    return {row["id"]: row["customer"]["phone"] for row in r.json()["results"]}


@pytest.fixture
def telephony(db):
    return UserFactory(username="switch", roles=["telephony"])


# --- work-order API ------------------------------------------------------------------


def test_staff_see_the_full_number_in_the_create_answer_the_detail_and_the_list(agent, dispatcher, supervisor,
                                                                                 manager):
    r = api_for(agent).post(WO, {"kind": "repair", "description": "热水器点不着火",
                                 "customer": {"name": "王伟", "phone": "138 0013 8000"}}, format="json")
    assert phone_in(r) == "13800138000"
    order_id = r.json()["id"]
    for user in (agent, dispatcher, supervisor, manager):
        assert phone_in(api_for(user).get(f"{WO}{order_id}/")) == "13800138000", user.username
        assert listed_phones(user)[order_id] == "13800138000", user.username


def test_the_assigned_technician_sees_the_number_of_an_open_order_and_nobody_else_does(agent, dispatcher, tech1,
                                                                                       tech2):
    number = new_number()
    order = make_order(agent, number)
    assert api_for(tech1.user).get(f"{WO}{order.pk}/").status_code == 404  # not dispatched yet: not theirs
    dispatch(order, tech1, dispatcher)

    assert phone_in(api_for(tech1.user).get(f"{WO}{order.pk}/")) == number
    assert listed_phones(tech1.user) == {order.pk: number}
    # The other technician does not see the order at all, let alone the number.
    assert api_for(tech2.user).get(f"{WO}{order.pk}/").status_code == 404
    assert listed_phones(tech2.user) == {}


def test_a_technician_sees_a_closed_orders_number_masked_unless_the_customer_has_another_open_order_of_theirs(
    agent, dispatcher, tech1, tech2
):
    number = new_number()
    done = make_order(agent, number)
    close(done, tech2, dispatcher=dispatcher, agent=agent)
    # The job is over: the follow-up is the call center's, tech2 sees the number masked.
    assert phone_in(api_for(tech2.user).get(f"{WO}{done.pk}/")) == masked(number)
    assert listed_phones(tech2.user) == {done.pk: masked(number)}

    # tech1 has an open order of the same customer: tech1 sees the number there ...
    again = make_order(agent, number)
    dispatch(again, tech1, dispatcher)
    assert phone_in(api_for(tech1.user).get(f"{WO}{again.pk}/")) == number
    # ... and tech2 still only the masked one on the closed order.
    assert phone_in(api_for(tech2.user).get(f"{WO}{done.pk}/")) == masked(number)

    # The customer calls again and the new order goes to tech2: while it is
    # open tech2 may call the customer, so the number shows on both orders.
    third = make_order(agent, number)
    dispatch(third, tech2, dispatcher)
    assert listed_phones(tech2.user) == {done.pk: number, third.pk: number}


def test_a_partner_sees_the_number_masked_even_on_its_own_order(partner_user, agent):
    r = api_for(partner_user).post(WO, {"kind": "install", "description": "安装热水器", "external_ref": "JD-1",
                                        "customer": {"name": "王伟", "phone": "138 0013 8000"}}, format="json")
    assert r.status_code == 201
    assert phone_in(r) == "138****8000"
    order_id = r.json()["id"]
    assert phone_in(api_for(partner_user).get(f"{WO}{order_id}/")) == "138****8000"
    assert listed_phones(partner_user) == {order_id: "138****8000"}
    # The repeated create (same external_ref) answers the existing order, masked too.
    again = api_for(partner_user).post(WO, {"kind": "install", "description": "安装热水器", "external_ref": "JD-1",
                                            "customer": {"name": "王伟", "phone": "138 0013 8000"}}, format="json")
    assert again.status_code == 200 and phone_in(again) == "138****8000"
    assert phone_in(api_for(agent).get(f"{WO}{order_id}/")) == "13800138000"


def test_a_partner_searching_by_a_full_number_finds_only_its_own_orders_and_sees_them_masked(
    partner_user, partner2_user, agent
):
    number = "13800138000"
    own = api_for(partner_user).post(WO, {"kind": "install", "description": "安装", "external_ref": "A-1",
                                          "customer": {"name": "王伟", "phone": number}}, format="json").json()
    make_order(agent, number)  # the same customer's order taken by the call center
    api_for(partner2_user).post(WO, {"kind": "install", "description": "安装", "external_ref": "B-1",
                                     "customer": {"name": "王伟", "phone": number}}, format="json")

    assert listed_phones(partner_user, f"?q={number}") == {own["id"]: "138****8000"}
    r = api_for(partner_user).get(WO, {"q": number})
    assert number not in r.content.decode()


def test_the_telephone_switch_reads_no_customer_data(telephony, agent):
    order = make_order(agent)
    assert api_for(telephony).get(WO).status_code == 403
    assert api_for(telephony).get(f"{WO}{order.pk}/").status_code == 403
    assert api_for(telephony).get(CP).status_code == 403


def test_a_technicians_list_costs_no_more_queries_with_many_orders_open_and_closed(agent, dispatcher, tech1):
    """The rule needs the technician's open customers: one query per list, not one per row."""
    for _ in range(2):
        close(make_order(agent), tech1, dispatcher=dispatcher, agent=agent)
    client = api_for(tech1.user)
    with CaptureQueriesContext(connection) as two:
        assert len(client.get(WO).json()["results"]) == 2
    for n in range(12):
        order = make_order(agent)
        if n % 2:
            close(order, tech1, dispatcher=dispatcher, agent=agent)
        else:
            dispatch(order, tech1, dispatcher)
    with CaptureQueriesContext(connection) as many:
        rows = client.get(WO + "?page_size=25").json()["results"]
    assert len(rows) == 14
    assert len(many.captured_queries) <= len(two.captured_queries)
    assert sum("*" in row["customer"]["phone"] for row in rows) == 8  # the closed ones


# --- complaint API -----------------------------------------------------------------


@pytest.fixture
def handler(db):
    unit = UnitFactory(name="质量部", kind=Unit.Kind.HANDLING_UNIT, responsibility=Unit.Responsibility.QUALITY)
    return UserFactory(username="handler", roles=["handler"], unit=unit)


def test_complaints_show_the_full_number_to_staff_and_a_masked_one_to_the_partner(agent, handler, partner_user):
    r = api_for(partner_user).post(CP, {"customer": {"name": "王芳", "phone": "139 0000 1111"},
                                        "category": "service", "description": "师傅迟到"}, format="json")
    assert r.status_code == 201
    assert phone_in(r) == "139****1111"
    complaint_id = r.json()["id"]
    assert phone_in(api_for(partner_user).get(f"{CP}{complaint_id}/")) == "139****1111"
    assert phone_in(api_for(agent).get(f"{CP}{complaint_id}/")) == "13900001111"
    complaint_services.complaint_forward(complaint_id=complaint_id, by=agent, handling_unit=handler.unit)
    assert phone_in(api_for(handler).get(f"{CP}{complaint_id}/")) == "13900001111"
    assert [row["customer"]["phone"] for row in api_for(handler).get(CP).json()["results"]] == ["13900001111"]


# --- pages ---------------------------------------------------------------------------------


def page(client, user, url, status=200):
    client.force_login(user)
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code)
    return r.content.decode()


def test_the_work_order_pages_mask_the_number_where_the_api_does(client, agent, dispatcher, partner_user, tech1,
                                                                 tech2):
    number = new_number()
    open_order = make_order(agent, number)
    dispatch(open_order, tech1, dispatcher)
    closed_number = new_number()
    done = make_order(agent, closed_number)
    close(done, tech2, dispatcher=dispatcher, agent=agent)
    partner_number = "13800138000"
    partners = make_order(partner_user, partner_number)

    for url in ("/work-orders/", f"/work-orders/{open_order.pk}/"):
        html = page(client, agent, url)
        assert number in html and masked(number) not in html
    # The assigned technician: list, detail and "my jobs" show the number to call.
    for url in ("/work-orders/", f"/work-orders/{open_order.pk}/", "/my-jobs/"):
        html = page(client, tech1.user, url)
        assert number in html and masked(number) not in html, url
        # The list shows it; the detail and the job card link it for a tap to call.
        assert (f'href="tel:{number}"' in html) == (url != "/work-orders/"), url
    # tech2's closed job: masked on the list and the detail page.
    for url in ("/work-orders/", f"/work-orders/{done.pk}/"):
        html = page(client, tech2.user, url)
        assert closed_number not in html and masked(closed_number) in html, url
    page(client, tech2.user, f"/work-orders/{open_order.pk}/", status=404)
    # The partner: masked on its own order, in the list, the detail and a search by the full number.
    for url in ("/work-orders/", f"/work-orders/{partners.pk}/", f"/work-orders/?q={partner_number}"):
        html = page(client, partner_user, url)
        assert partner_number not in html.replace(f"q={partner_number}", "").replace(f'value="{partner_number}"', "")
        assert masked(partner_number) in html, url


def test_the_complaint_pages_and_the_print_view_mask_the_number_for_the_partner(client, agent, partner_user):
    number = "13900001111"
    order = make_order(partner_user, number)
    complaint, _ = complaint_services.complaint_create(
        by=partner_user, customer={"name": "王芳", "phone": number}, category="service", description="师傅迟到")
    for url in ("/complaints/", f"/complaints/{complaint.pk}/", f"/complaints/{complaint.pk}/print/"):
        html = page(client, partner_user, url)
        assert number not in html and masked(number) in html, url
        html = page(client, agent, url)
        assert number in html, url
    # Filing a complaint about its own order, the partner's form is not prefilled with the number.
    html = page(client, partner_user, f"/complaints/new/?work_order={order.pk}")
    assert number not in html
    html = page(client, agent, f"/complaints/new/?work_order={order.pk}")
    assert f'value="{number}"' in html
