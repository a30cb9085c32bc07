"""Charges on a work order (issue 6, item 3): the public fee schedule in
force, quotes only from it (anything else refused), free within warranty,
parts plus 10% for lighting (seeds/004), accepted before the work, payments
with a receipt or invoice number, refunds never above what was paid."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import Payment, Quote, QuoteEvent, Refund
from tests.conftest import api_for
from tests.factories import TechnicianFactory, UserFactory
from tests.test_billing_support import ago, fee_schedule, gas_term, make_order, on_site, stocked

pytestmark = pytest.mark.django_db


@pytest.fixture
def schedule(db):
    return fee_schedule()


@pytest.fixture
def lamp_tech(db):
    return TechnicianFactory(user=UserFactory(username="tech-lamp", roles=["technician"]),
                             categories=["ceiling_lamp", "energy_saving_lamp", "gas_water_heater"])


def quote(user, order, lines):
    return api_for(user).post(f"/api/v1/billing/work-orders/{order.pk}/quote/", {"lines": lines}, format="json")


def lines(*pairs):
    return [{"code": c, "quantity": q} for c, q in pairs]


# --- the schedule -------------------------------------------------------------------


def test_the_schedule_in_force_is_read_by_everyone_signed_in(agent, tech1, partner_user, schedule):
    fee_schedule(version="v2", effective_from=timezone.localdate() + datetime.timedelta(days=30))
    fee_schedule(version="draft", published=False)
    listed = api_for(tech1.user).get("/api/v1/billing/fee-schedules/").json()
    assert {s["version"]: s["in_force"] for s in listed} == {"v1": True, "v2": False}
    current = api_for(partner_user).get("/api/v1/billing/fee-schedules/current/").json()
    assert current["version"] == "v1"
    assert {p["code"]: p["price"] for p in current["parts"]}["P-CL-BALLAST"] == "60.00"
    later = api_for(agent).get("/api/v1/billing/fee-schedules/current/",
                               {"on": (timezone.localdate() + datetime.timedelta(days=31)).isoformat()})
    assert later.json()["version"] == "v2"
    assert api_for(agent).get("/api/v1/billing/fee-schedules/draft/").status_code == 404


def test_the_printable_schedule(client, tech1, schedule):
    client.force_login(tech1.user)
    page = client.get("/fees/").content.decode()
    assert "P-GWH-IGN" in page and "/fees/v1/print/" in page
    printed = client.get("/fees/v1/print/")
    # The print button: window.print() is in static/js/print.js, not an onclick (the CSP, issue 16 item 9).
    assert printed.status_code == 200 and "data-print" in printed.content.decode()
    assert "js/print.js" in printed.content.decode()
    assert "L-CALL" in printed.content.decode()


# --- quotes -----------------------------------------------------------------------------


def test_lighting_out_of_warranty_is_parts_plus_ten_percent(agent, dispatcher, lamp_tech, schedule):
    order = on_site(make_order(agent, slug="ceiling_lamp", purchase_date=ago(500)), dispatcher=dispatcher,
                    tech=lamp_tech)
    r = quote(lamp_tech.user, order, lines(("P-CL-BALLAST", 1), ("P-CL-TUBE", 2), ("P-CL-COVER", 1)))
    assert r.status_code == 200, r.content
    q = r.json()
    # 60 + 2×25 + 33.35 = 143.35; 10% = 14.335 → 14.34 (half up)
    assert (q["parts_total"], q["repair_fee"], q["labour_total"], q["total"]) == ("143.35", "14.34", "0.00", "157.69")
    assert q["lines"][-1]["code"] == "REPAIR-FEE" and q["lines"][-1]["amount"] == "14.34"
    assert (q["state"], q["rule"], q["entitlement_status"]) == ("draft", "parts_plus_percent", "out_of_warranty")


def test_lighting_charges_only_the_parts_out_of_their_term(agent, dispatcher, lamp_tech, schedule):
    # bought 7 months ago: the ballast (12 months) is covered, the tube (6) and plastic (none) are not
    order = on_site(make_order(agent, slug="ceiling_lamp", purchase_date=ago(212)), dispatcher=dispatcher,
                    tech=lamp_tech)
    q = quote(lamp_tech.user, order, lines(("P-CL-BALLAST", 1), ("P-CL-TUBE", 1))).json()
    ballast, tube, fee = q["lines"]
    assert (ballast["free"], ballast["amount"], ballast["free_reason"]) == (True, "0.00", "In warranty")
    assert (tube["free"], tube["amount"]) == (False, "25.00")
    assert (fee["amount"], q["total"]) == ("2.50", "27.50")


def test_lighting_refuses_labour_items(agent, dispatcher, lamp_tech, schedule):
    order = on_site(make_order(agent, slug="ceiling_lamp", purchase_date=ago(500)), dispatcher=dispatcher,
                    tech=lamp_tech)
    r = quote(lamp_tech.user, order, lines(("P-CL-TUBE", 1), ("L-CL-REPAIR", 1)))
    assert r.status_code == 400
    assert "Line 2" in r.json()["lines"][0] and "10.00%" in r.json()["lines"][0]
    assert not Quote.objects.exists()


def test_a_charge_not_in_the_schedule_is_refused_and_nothing_is_saved(agent, dispatcher, tech1, schedule):
    order = on_site(make_order(agent, purchase_date=ago(900)), dispatcher=dispatcher, tech=tech1)
    r = quote(tech1.user, order, lines(("P-GWH-IGN", 1), ("TIP-50", 1)))
    assert r.status_code == 400
    assert r.json() == {"lines": ["Line 2: “TIP-50” is not in the fee schedule v1; nothing outside it may be charged."]}
    # a part of another product line is not in this order's schedule either
    r = quote(tech1.user, order, lines(("P-CL-TUBE", 1)))
    assert r.status_code == 400 and "not for this product line" in r.json()["lines"][0]
    r = quote(tech1.user, order, lines(("P-GWH-IGN", 0)))
    assert r.status_code == 400 and "lines" in r.json()
    assert quote(tech1.user, order, []).status_code == 400
    assert not Quote.objects.exists() and not QuoteEvent.objects.exists()


def test_no_schedule_in_force_means_no_quote(agent, dispatcher, tech1):
    order = on_site(make_order(agent, purchase_date=ago(900)), dispatcher=dispatcher, tech=tech1)
    r = quote(tech1.user, order, lines(("P-GWH-IGN", 1)))
    assert r.status_code == 400 and r.json() == {"lines": ["No fee schedule is in force."]}


def test_in_warranty_everything_is_free(agent, dispatcher, tech1, schedule):
    gas_term(12)
    order = on_site(make_order(agent, purchase_date=ago(100)), dispatcher=dispatcher, tech=tech1)
    q = quote(tech1.user, order, lines(("P-GWH-IGN", 1), ("L-GWH-REPAIR", 1), ("L-CALL", 1))).json()
    assert q["total"] == "0.00" and all(line["free"] for line in q["lines"])
    assert [line["unit_price"] for line in q["lines"]] == ["45.00", "80.00", "30.00"]
    # nothing to pay: the technician may resolve without the customer's acceptance
    r = api_for(tech1.user).post(f"/api/v1/work-orders/{order.pk}/resolve/", {"resolution": "换点火针"}, format="json")
    assert r.status_code == 200
    r = api_for(tech1.user).post(f"/api/v1/billing/work-orders/{order.pk}/quote/accept/", {"accepted_by": "王伟"},
                                 format="json")
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    r = api_for(tech1.user).post(f"/api/v1/billing/work-orders/{order.pk}/quote/charge/")
    assert r.status_code == 200 and r.json()["state"] == "paid"


def test_quote_accept_resolve_charge_pay_and_refund(agent, dispatcher, supervisor, tech1, tech2, schedule):
    order = on_site(make_order(agent, purchase_date=ago(900)), dispatcher=dispatcher, tech=tech1)
    stocked(tech1, {"P-GWH-IGN": 5})
    t = api_for(tech1.user)
    base = f"/api/v1/billing/work-orders/{order.pk}"
    q = quote(tech1.user, order, lines(("P-GWH-IGN", 2), ("L-GWH-REPAIR", 1))).json()
    assert (q["parts_total"], q["labour_total"], q["total"], q["due"]) == ("90.00", "80.00", "170.00", "170.00")

    # the quote is shown and accepted before the work
    r = t.post(f"/api/v1/work-orders/{order.pk}/resolve/", {"resolution": "换点火针"}, format="json")
    assert r.status_code == 400 and r.json() == {"quote": ["The customer has not accepted the quote yet."]}
    r = t.post(f"{base}/quote/charge/")
    assert r.status_code == 409 and r.json()["state"] == "draft" and "accept" in r.json()["allowed"]
    assert t.post(f"{base}/quote/accept/", {"accepted_by": " "}, format="json").status_code == 400
    r = t.post(f"{base}/quote/accept/", {"accepted_by": "王伟"}, format="json")
    assert r.status_code == 200 and r.json()["accepted_by_name"] == "王伟" and r.json()["accepted_at"]
    # accepted: no more revising
    assert quote(tech1.user, order, lines(("P-GWH-IGN", 1))).status_code == 409
    assert (
        t.post(f"/api/v1/work-orders/{order.pk}/resolve/", {"resolution": "换点火针"}, format="json").status_code == 200
    )

    # paying before the charge is fixed: 409
    pay = {"method": "cash", "amount": "170.00", "receipt_number": "R-0001"}
    assert t.post(f"{base}/payments/", pay, format="json").status_code == 409
    assert t.post(f"{base}/quote/charge/").json()["state"] == "charged"

    # every payment carries a receipt or invoice number; online ones their reference
    r = t.post(f"{base}/payments/", {**pay, "receipt_number": ""}, format="json")
    assert r.status_code == 400 and "receipt_number" in r.json()
    r = t.post(f"{base}/payments/", {"method": "cash", "amount": "170.00"}, format="json")
    assert r.status_code == 400 and "receipt_number" in r.json()
    r = t.post(f"{base}/payments/", {**pay, "method": "online"}, format="json")
    assert r.status_code == 400 and "reference" in r.json()
    r = t.post(f"{base}/payments/", {**pay, "amount": "170.01"}, format="json")
    assert r.status_code == 400 and r.json() == {"amount": ["Only 170.00 is due."]}
    assert not Payment.objects.exists()

    r = t.post(f"{base}/payments/", {**pay, "amount": "100.00"}, format="json")
    assert r.status_code == 201, r.content
    first = r.json()
    assert first["receipt_url"] == f"/billing/payments/{first['id']}/receipt/"
    r = t.post(f"{base}/payments/", {**pay, "amount": "70.00"}, format="json")
    assert r.status_code == 400 and r.json() == {"receipt_number": ["This receipt number is used already."]}
    r = t.post(f"{base}/payments/", {"method": "online", "amount": "70.00", "receipt_number": "INV-9",
                                     "reference": "WX-4200"}, format="json")
    assert r.status_code == 201
    q = t.get(f"{base}/quote/").json()
    assert (q["state"], q["paid"], q["due"]) == ("paid", "170.00", "0.00")

    # refunds: supervisors only, never more than the payment
    refund = {"amount": "100.01", "reason": "部件未更换"}
    assert t.post(f"/api/v1/billing/payments/{first['id']}/refunds/", refund, format="json").status_code == 403
    s = api_for(supervisor)
    r = s.post(f"/api/v1/billing/payments/{first['id']}/refunds/", refund, format="json")
    assert r.status_code == 400 and r.json() == {"amount": ["At most 100.00 of this payment can be refunded."]}
    assert s.post(f"/api/v1/billing/payments/{first['id']}/refunds/", {**refund, "amount": "40.00"},
                  format="json").status_code == 201
    r = s.post(f"/api/v1/billing/payments/{first['id']}/refunds/", {**refund, "amount": "60.01"}, format="json")
    assert r.status_code == 400
    assert Refund.objects.get().amount == Decimal("40.00")
    assert t.get(f"{base}/quote/").json()["refunded"] == "40.00"

    # the history of the charge, in order
    actions = list(QuoteEvent.objects.filter(quote__order=order).order_by("at", "id").values_list("action", flat=True))
    assert actions == ["quote", "accept", "charge", "payment", "payment", "refund"]

    # who may see and do what
    assert api_for(agent).get(f"{base}/quote/").status_code == 200
    assert api_for(agent).post(f"{base}/quote/charge/").status_code == 403
    assert api_for(tech2.user).get(f"{base}/quote/").status_code == 404


def test_a_draft_quote_can_be_revised(agent, dispatcher, tech1, schedule):
    order = on_site(make_order(agent, purchase_date=ago(900)), dispatcher=dispatcher, tech=tech1)
    quote(tech1.user, order, lines(("P-GWH-IGN", 1)))
    q = quote(tech1.user, order, lines(("P-GWH-VALVE", 1), ("L-CALL", 1))).json()
    assert [line["code"] for line in q["lines"]] == ["P-GWH-VALVE", "L-CALL"] and q["total"] == "150.00"
    assert Quote.objects.count() == 1
    assert list(QuoteEvent.objects.values_list("action", flat=True).order_by("id")) == ["quote", "revise"]


def test_the_schedule_version_in_force_prices_the_quote(agent, dispatcher, tech1, schedule):
    fee_schedule(version="v2", effective_from=timezone.localdate() + datetime.timedelta(days=1), factor=Decimal("2"))
    order = on_site(make_order(agent, purchase_date=ago(900)), dispatcher=dispatcher, tech=tech1)
    q = quote(tech1.user, order, lines(("P-GWH-IGN", 1))).json()
    assert (q["schedule"], q["total"]) == ("v1", "45.00")
