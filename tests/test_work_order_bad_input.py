"""Bad input to the work-order API is a 400 naming the field, and nothing is
half saved (api-contract.md, Conventions; Work orders, create and dispatch).
Also the partner idempotency of external_ref."""

import datetime

import pytest
from django.utils import timezone

from servicedesk.customers.models import Address, Customer, CustomerPhone, CustomerProduct
from servicedesk.deadlines.models import Deadline
from technicians.models import Certification
from tests.conftest import api_for
from tests.factories import CategoryFactory, TechnicianFactory, UserFactory
from tickets import services
from tickets.models import WorkOrder, WorkOrderEvent

pytestmark = pytest.mark.django_db

URL = "/api/v1/work-orders/"


def counts():
    return {
        "orders": WorkOrder.objects.count(),
        "customers": Customer.objects.count(),
        "phones": CustomerPhone.objects.count(),
        "addresses": Address.objects.count(),
        "products": CustomerProduct.objects.count(),
        "events": WorkOrderEvent.objects.count(),
        "deadlines": Deadline.objects.count(),
    }


NOTHING = {"orders": 0, "customers": 0, "phones": 0, "addresses": 0, "products": 0, "events": 0, "deadlines": 0}


def valid_body(**changes):
    body = {
        "kind": "repair",
        "description": "热水器点不着火",
        "customer": {"name": "王伟", "phone": "138 0013 8000", "address": "北京市朝阳区建国路88号"},
        "product": {"category": "gas_water_heater", "model": "JSQ-20", "serial": "SN1"},
    }
    body.update(changes)
    return body


def create(user, body):
    return api_for(user).post(URL, body, format="json")


def test_the_valid_body_creates_one_order(agent, category):
    r = create(agent, valid_body())

    assert r.status_code == 201, r.content
    assert counts() == {"orders": 1, "customers": 1, "phones": 1, "addresses": 1, "products": 1,
                        "events": 1, "deadlines": 2}


# --- malformed requests ------------------------------------------------------------


@pytest.mark.parametrize("raw", [
    '{"kind": "repair", "description": ',
    "{'kind': 'repair'}",
    "not json at all",
    '{"kind": "repair",}',
    "\xff\xfe",
])
def test_malformed_json_is_400_never_500(raw, agent, category):
    r = api_for(agent).generic("POST", URL, raw.encode("latin-1"), content_type="application/json")

    assert r.status_code == 400, r.content
    assert set(r.json()) == {"detail", "code"} and r.json()["code"] == "parse_error"
    assert counts() == NOTHING


@pytest.mark.parametrize("raw", ["[1, 2]", '"a string"', "null", "42"])
def test_json_that_is_not_an_object_is_400(raw, agent, category):
    r = api_for(agent).generic("POST", URL, raw, content_type="application/json")

    assert r.status_code == 400, r.content
    assert counts() == NOTHING


def test_malformed_json_on_an_action_is_400(agent, dispatcher, tech1, category):
    order, _ = services.work_order_create(by=agent, kind="repair", description="x",
                                          customer={"name": "王伟", "phone": "13800138000"})
    before = WorkOrder.objects.filter(pk=order.pk).values().get()

    r = api_for(dispatcher).generic(
        "POST", f"{URL}{order.pk}/dispatch/", '{"technician": ', content_type="application/json"
    )

    assert r.status_code == 400
    assert WorkOrder.objects.filter(pk=order.pk).values().get() == before
    assert WorkOrderEvent.objects.count() == 1


# --- create: one field wrong at a time ----------------------------------------------


@pytest.mark.parametrize(("reported_at", "why"), [
    ("2026-11-23T09:30:00", "no offset"),
    ("2026-11-23 09:30", "no offset"),
    ("yesterday", "not a timestamp"),
    ("2026-13-40T09:30:00+08:00", "no such day"),
    (12345, "not a string"),
])
def test_reported_at_needs_an_offset(reported_at, why, agent, category):
    r = create(agent, valid_body(reported_at=reported_at))

    assert r.status_code == 400, why
    assert list(r.json()) == ["reported_at"]
    assert counts() == NOTHING


def test_reported_at_more_than_five_minutes_ahead_is_refused(agent, category):
    ahead = timezone.now() + datetime.timedelta(minutes=6)

    r = create(agent, valid_body(reported_at=ahead.isoformat()))

    assert r.status_code == 400
    assert list(r.json()) == ["reported_at"]
    assert counts() == NOTHING


def test_reported_at_a_little_ahead_is_tolerated(agent, category):
    ahead = (timezone.now() + datetime.timedelta(minutes=4)).replace(microsecond=0)

    r = create(agent, valid_body(reported_at=timezone.localtime(ahead).isoformat()))

    assert r.status_code == 201, r.content
    assert r.json()["reported_at"] == timezone.localtime(ahead).isoformat()


def test_reported_at_in_another_offset_is_shown_in_the_organisations(agent, category, settings):
    settings.SERVICEDESK_MAX_BACKDATE_DAYS = 3650  # a fixed date of 2026
    r = create(agent, valid_body(reported_at="2026-01-05T01:30:00+00:00"))

    assert r.status_code == 201, r.content
    assert r.json()["reported_at"] == "2026-01-05T09:30:00+08:00"


@pytest.mark.parametrize(("changes", "field"), [
    ({"description": ""}, "description"),
    ({"description": "   \n\t"}, "description"),
    ({"description": None}, "description"),
    ({"kind": "teleport"}, "kind"),
    ({"kind": ""}, "kind"),
    ({"kind": None}, "kind"),
    ({"customer": None}, "customer"),
    ({"customer": "王伟"}, "customer"),
    ({"customer": 999999}, "customer"),
    ({"customer": True}, "customer"),
    ({"external_ref": "x" * 101}, "external_ref"),
])
def test_a_bad_field_is_named(changes, field, agent, category):
    r = create(agent, valid_body(**changes))

    assert r.status_code == 400, r.content
    assert list(r.json()) == [field]
    assert counts() == NOTHING


@pytest.mark.parametrize("missing", ["kind", "customer", "description"])
def test_a_missing_required_field_is_named(missing, agent, category):
    body = valid_body()
    del body[missing]

    r = create(agent, body)

    assert r.status_code == 400
    assert list(r.json()) == [missing]
    assert counts() == NOTHING


@pytest.mark.parametrize("slug", ["toaster", "Gas_Water_Heater", "", "gas water heater"])
def test_unknown_product_category_is_named(slug, agent, category):
    r = create(agent, valid_body(product={"category": slug, "model": "X"}))

    assert r.status_code == 400, r.content
    assert list(r.json()) == ["product"]
    assert list(r.json()["product"]) == ["category"]
    assert counts() == NOTHING


def test_an_inactive_category_is_unknown(agent, category):
    CategoryFactory(slug="fax_machine", active=False)

    r = create(agent, valid_body(product={"category": "fax_machine"}))

    assert r.status_code == 400
    assert list(r.json()["product"]) == ["category"]
    assert counts() == NOTHING


def test_a_future_purchase_date_is_named(agent, category):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    r = create(agent, valid_body(product={"category": "gas_water_heater", "purchase_date": tomorrow.isoformat()}))

    assert r.status_code == 400
    assert list(r.json()["product"]) == ["purchase_date"]
    assert counts() == NOTHING


@pytest.mark.parametrize("phone", ["12345", "abc", "", "138001380001234", "23800138000"])
def test_an_invalid_phone_is_named(phone, agent, category):
    r = create(agent, valid_body(customer={"name": "王伟", "phone": phone, "address": "北京市"}))

    assert r.status_code == 400, r.content
    assert list(r.json()) == ["customer"]
    assert list(r.json()["customer"]) == ["phone"]
    assert counts() == NOTHING


def test_a_customer_without_a_name_is_named(agent, category):
    r = create(agent, valid_body(customer={"phone": "13800138000"}))

    assert r.status_code == 400
    assert list(r.json()["customer"]) == ["name"]
    assert counts() == NOTHING


@pytest.mark.parametrize("phone", ["+86 138-0013-8000", "0086 13800138000", "138 0013 8000", "13800138000"])
def test_the_same_phone_in_any_form_is_the_same_customer(phone, agent, category):
    create(agent, valid_body())

    r = create(agent, valid_body(customer={"name": "王先生", "phone": phone}))

    assert r.status_code == 201, r.content
    assert (Customer.objects.count(), CustomerPhone.objects.count(), WorkOrder.objects.count()) == (1, 1, 2)
    assert r.json()["customer"]["name"] == "王伟"


def test_a_failure_after_the_customer_was_matched_saves_nothing(agent, category):
    """The order, its new customer, phone, address and product are one write:
    if starting the deadlines fails, none of them stays."""
    from servicedesk.deadlines.models import SlaPolicy

    SlaPolicy.objects.filter(deadline_kind="arrive").update(active=False)

    with pytest.raises(LookupError):
        create(agent, valid_body())

    assert counts() == NOTHING


# --- dispatch: the technician must exist, be active and be certified -----------------


@pytest.fixture
def received_order(agent, category):
    r = create(agent, valid_body())
    assert r.status_code == 201
    return WorkOrder.objects.get(pk=r.json()["id"])


def dispatch(dispatcher, order, technician):
    return api_for(dispatcher).post(f"{URL}{order.pk}/dispatch/", {"technician": technician}, format="json")


def order_snapshot(order):
    return {
        "order": WorkOrder.objects.filter(pk=order.pk).values().get(),
        "events": WorkOrderEvent.objects.filter(order=order).count(),
        "deadlines": list(Deadline.objects.filter(object_id=order.pk).order_by("id").values()),
    }


@pytest.mark.parametrize("technician", [999999, "tech1", None, "", [1]])
def test_dispatch_to_an_unknown_technician_is_named(technician, received_order, dispatcher, tech1):
    before = order_snapshot(received_order)

    r = dispatch(dispatcher, received_order, technician)

    assert r.status_code == 400, r.content
    assert list(r.json()) == ["technician"]
    assert order_snapshot(received_order) == before


def test_dispatch_without_a_technician_is_named(received_order, dispatcher):
    before = order_snapshot(received_order)

    r = api_for(dispatcher).post(f"{URL}{received_order.pk}/dispatch/", {}, format="json")

    assert r.status_code == 400
    assert list(r.json()) == ["technician"]
    assert order_snapshot(received_order) == before


def test_dispatch_to_an_inactive_technician_is_named(received_order, dispatcher, tech1):
    tech1.active = False
    tech1.save()
    before = order_snapshot(received_order)

    r = dispatch(dispatcher, received_order, tech1.pk)

    assert r.status_code == 400
    assert list(r.json()) == ["technician"]
    assert order_snapshot(received_order) == before


def test_dispatch_to_a_technician_without_the_certification_is_named(received_order, dispatcher):
    uncertified = TechnicianFactory(user=UserFactory(username="tech-ac", roles=["technician"]),
                                    categories=["air_conditioner"])
    before = order_snapshot(received_order)

    r = dispatch(dispatcher, received_order, uncertified.pk)

    assert r.status_code == 400
    assert list(r.json()) == ["technician"]
    assert "gas_water_heater" in r.json()["technician"][0]
    assert order_snapshot(received_order) == before


def test_dispatch_to_a_technician_whose_certification_expired_is_named(received_order, dispatcher, tech1):
    Certification.objects.filter(technician=tech1).update(valid_until=timezone.localdate() - datetime.timedelta(days=1))
    before = order_snapshot(received_order)

    r = dispatch(dispatcher, received_order, tech1.pk)

    assert r.status_code == 400
    assert list(r.json()) == ["technician"]
    assert order_snapshot(received_order) == before


def test_a_certification_valid_until_today_still_counts(received_order, dispatcher, tech1):
    Certification.objects.filter(technician=tech1).update(valid_until=timezone.localdate())

    r = dispatch(dispatcher, received_order, tech1.pk)

    assert (r.status_code, r.json()["technician"]) == (200, tech1.pk)


def test_redispatch_to_an_ineligible_technician_keeps_the_first(received_order, dispatcher, tech1, tech2):
    assert dispatch(dispatcher, received_order, tech1.pk).status_code == 200
    tech2.active = False
    tech2.save()
    before = order_snapshot(received_order)

    r = dispatch(dispatcher, received_order, tech2.pk)

    assert r.status_code == 400
    assert order_snapshot(received_order) == before
    assert WorkOrder.objects.get(pk=received_order.pk).technician == tech1


@pytest.mark.parametrize(("action", "body", "field"), [
    ("schedule", {"appointment_at": "2026-11-24T10:00:00"}, "appointment_at"),
    ("schedule", {}, "appointment_at"),
    ("decline", {"reason": ""}, "reason"),
    ("cancel", {"reason": "  "}, "reason"),
    ("cancel", {}, "reason"),
])
def test_action_bodies_are_checked(action, body, field, received_order, dispatcher, tech1, agent):
    services.work_order_dispatch(order_id=received_order.pk, technician=tech1, by=dispatcher)
    if action == "schedule":
        services.work_order_accept(order_id=received_order.pk, by=tech1.user)
    user = agent if action == "cancel" else tech1.user
    before = order_snapshot(received_order)

    r = api_for(user).post(f"{URL}{received_order.pk}/{action}/", body, format="json")

    assert r.status_code == 400, r.content
    assert list(r.json()) == [field]
    assert order_snapshot(received_order) == before


# --- partner idempotency (external_ref) ----------------------------------------------


def test_repeating_a_partner_create_returns_the_same_order(partner_user, category):
    first = create(partner_user, valid_body(external_ref="ACME-42"))
    second = create(partner_user, valid_body(external_ref="ACME-42"))

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert first.json() == second.json()
    assert counts() == {"orders": 1, "customers": 1, "phones": 1, "addresses": 1, "products": 1,
                        "events": 1, "deadlines": 2}


def test_the_repeat_returns_the_first_order_even_with_a_different_body(partner_user, category):
    first = create(partner_user, valid_body(external_ref="ACME-42"))

    second = create(partner_user, valid_body(
        external_ref="ACME-42", description="别的描述",
        customer={"name": "李娜", "phone": "13900139000"},
    ))

    assert (second.status_code, second.json()["id"]) == (200, first.json()["id"])
    assert second.json()["description"] == "热水器点不着火"
    assert (WorkOrder.objects.count(), Customer.objects.count()) == (1, 1)


def test_two_partners_may_use_the_same_external_ref(partner_user, partner2_user, category):
    a = create(partner_user, valid_body(external_ref="ORDER-1"))
    b = create(partner2_user, valid_body(external_ref="ORDER-1"))

    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["id"] != b.json()["id"]
    assert sorted(WorkOrder.objects.values_list("partner__code", "external_ref")) == [
        ("acme", "ORDER-1"), ("dealer-two", "ORDER-1")]


def test_staff_creates_without_external_ref_are_never_merged(agent, category):
    a = create(agent, valid_body())
    b = create(agent, valid_body())

    assert (a.status_code, b.status_code) == (201, 201)
    assert WorkOrder.objects.count() == 2


def test_a_partners_bad_repeat_is_still_checked(partner_user, category):
    create(partner_user, valid_body(external_ref="ACME-42"))

    r = create(partner_user, valid_body(external_ref="ACME-42", kind="teleport"))

    assert r.status_code == 400
    assert list(r.json()) == ["kind"]
    assert WorkOrder.objects.count() == 1
