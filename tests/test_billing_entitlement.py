"""Warranty entitlement (issue 6, items 1, 2 and 4): the seeds/004 lighting
terms with their boundary days, no proof = no warranty, dealer terms from the
date code, the decision stored at creation and shown in the API and pages,
and the repair warranty of a revisit (seeds/003)."""

import datetime

import pytest
from django.utils import timezone

from billing.models import CategoryBillingPolicy, WorkOrderEntitlement
from billing.selectors.fees import add_months
from tests.conftest import api_for
from tests.factories import TechnicianFactory, UserFactory
from tests.signing import SIGNED
from tests.test_billing_support import ago, gas_term, make_order, on_site
from tickets import services
from tickets.models import WorkOrder

pytestmark = pytest.mark.django_db

ON = "2026-03-15"


def preview(user, **params):
    r = api_for(user).get("/api/v1/billing/entitlement-preview/", {"on": ON, **params})
    assert r.status_code == 200, r.content
    return r.json()


@pytest.mark.parametrize(("start", "months", "expected"), [
    ("2025-01-31", 1, "2025-02-28"),   # a day the month lacks clips to its end
    ("2024-01-31", 1, "2024-02-29"),   # leap year
    ("2025-03-15", 12, "2026-03-15"),
    ("2025-12-31", 1, "2026-01-31"),
    ("2025-08-31", 6, "2026-02-28"),
])
def test_adding_months_clips_month_ends(start, months, expected):
    assert add_months(datetime.date.fromisoformat(start), months) == datetime.date.fromisoformat(expected)


# seeds/004: the lighting company's rules, on 2026-03-15.
LAMP_TABLE = [
    # (category, purchase, proof, manufactured, requested_by, status, covered components)
    # energy-saving lamp: 12 months from purchase; the last covered day is the same day a year later
    ("energy_saving_lamp", "2025-03-15", "FP1", None, "consumer", "in_warranty", {""}),
    ("energy_saving_lamp", "2025-03-14", "FP1", None, "consumer", "out_of_warranty", set()),
    ("energy_saving_lamp", "2025-03-16", "FP1", None, "consumer", "in_warranty", {""}),
    # repair needs valid proof of purchase
    ("energy_saving_lamp", "2025-12-01", "", None, "consumer", "no_proof", set()),
    ("energy_saving_lamp", None, "FP1", None, "consumer", "no_proof", set()),
    # dealers: 15 months from the manufacture date code
    ("energy_saving_lamp", None, "", "2024-12-15", "dealer", "in_warranty", {""}),
    ("energy_saving_lamp", None, "", "2024-12-14", "dealer", "out_of_warranty", set()),
    ("energy_saving_lamp", None, "", None, "dealer", "no_proof", set()),
    # a consumer keeps 12 months from purchase even with an older date code
    ("energy_saving_lamp", "2025-06-01", "FP1", "2024-01-01", "consumer", "in_warranty", {""}),
    # ceiling lamp: ballast 12 months, tube 6, plastic parts none
    ("ceiling_lamp", "2025-09-15", "FP1", None, "consumer", "in_warranty", {"ballast", "tube"}),
    ("ceiling_lamp", "2025-09-14", "FP1", None, "consumer", "in_warranty", {"ballast"}),
    ("ceiling_lamp", "2025-03-15", "FP1", None, "consumer", "in_warranty", {"ballast"}),
    ("ceiling_lamp", "2025-03-14", "FP1", None, "consumer", "out_of_warranty", set()),
    ("ceiling_lamp", "2026-03-15", "FP1", None, "consumer", "in_warranty", {"ballast", "tube"}),
    ("ceiling_lamp", "2026-01-01", "", None, "consumer", "no_proof", set()),
]


@pytest.mark.parametrize(("slug", "purchase", "proof", "made", "who", "status", "covered"), LAMP_TABLE)
def test_the_lamp_rules_table(agent, slug, purchase, proof, made, who, status, covered):
    params = {"category": slug, "proof_of_purchase": proof, "requested_by": who}
    if purchase:
        params["purchase_date"] = purchase
    if made:
        params["manufactured_on"] = made
    answer = preview(agent, **params)
    assert answer["status"] == status, answer
    assert {c["component"] for c in answer["components"] if c["covered"]} == covered
    if slug == "ceiling_lamp" and status != "no_proof":
        plastic = next(c for c in answer["components"] if c["component"] == "plastic")
        assert plastic == {"component": "plastic", "months": 0, "counted_from": "purchase", "expires_on": None,
                           "covered": False}


def test_terms_are_counted_to_the_month_end(agent):
    # bought 31 August: the tube's 6 months end on 28 February
    def tube(on):
        components = preview(agent, category="ceiling_lamp", purchase_date="2025-08-31", proof_of_purchase="FP",
                             on=on)["components"]
        return next(c for c in components if c["component"] == "tube")
    assert tube("2026-02-28") == {"component": "tube", "months": 6, "counted_from": "purchase",
                                  "expires_on": "2026-02-28", "covered": True}
    assert tube("2026-03-01")["covered"] is False


def test_a_line_without_terms_is_out_of_warranty_and_the_preview_validates(agent, partner_user, category):
    assert preview(agent, category="gas_water_heater", purchase_date="2026-01-01",
                   proof_of_purchase="FP")["status"] == "out_of_warranty"
    r = api_for(agent).get("/api/v1/billing/entitlement-preview/", {"category": "nope"})
    assert r.status_code == 400 and "category" in r.json()
    assert api_for(partner_user).get("/api/v1/billing/entitlement-preview/",
                                     {"category": "ceiling_lamp"}).status_code == 403


def test_the_terms_are_data_editable_in_the_admin(agent):
    from billing.models import WarrantyTerm

    term = WarrantyTerm.objects.get(category__slug="energy_saving_lamp", applies_to="consumer")
    term.months = 24
    term.save()
    assert preview(agent, category="energy_saving_lamp", purchase_date="2024-04-01",
                   proof_of_purchase="FP")["status"] == "in_warranty"


# --- decided when the order is created, shown to agent and technician ---------------


def test_the_order_carries_its_entitlement_from_creation(agent, category):
    gas_term(12)
    a = api_for(agent)
    body = {"kind": "repair", "description": "点不着火",
            "customer": {"name": "王伟", "phone": "13800138000", "address": "北京市朝阳区建国路88号"},
            "product": {"category": "gas_water_heater", "purchase_date": ago(30).isoformat(),
                        "proof_of_purchase": "FP-9"}}
    r = a.post("/api/v1/work-orders/", body, format="json")
    assert r.status_code == 201, r.content
    ent = r.json()["entitlement"]
    assert (ent["status"], ent["basis"], ent["term_months"]) == ("in_warranty", "purchase_date", 12)
    assert ent["expires_on"] == add_months(ago(30), 12).isoformat()
    assert ent["decided_at"].endswith("+08:00")

    body["customer"]["phone"] = "13800138001"
    body["product"]["proof_of_purchase"] = ""
    r = a.post("/api/v1/work-orders/", body, format="json")
    assert r.json()["entitlement"]["status"] == "no_proof"
    listed = {o["id"]: o["entitlement"]["status"] for o in a.get("/api/v1/work-orders/").json()["results"]}
    assert sorted(listed.values()) == ["in_warranty", "no_proof"]
    assert WorkOrderEntitlement.objects.count() == 2


def test_a_partner_order_is_judged_by_the_dealer_terms(partner_user):
    r = api_for(partner_user).post("/api/v1/work-orders/", {
        "kind": "repair", "description": "节能灯不亮", "external_ref": "D-1",
        "customer": {"name": "王伟", "phone": "13800138000"},
        "product": {"category": "energy_saving_lamp", "manufactured_on": ago(400).isoformat()},
    }, format="json")
    assert r.status_code == 201, r.content
    ent = r.json()["entitlement"]
    assert (ent["status"], ent["basis"], ent["requested_by"], ent["term_months"]) == (
        "in_warranty", "manufacture_date", "dealer", 15)


@pytest.fixture
def lamp_tech(db):
    return TechnicianFactory(user=UserFactory(username="tech-lamp", roles=["technician"]),
                             categories=["ceiling_lamp", "energy_saving_lamp", "gas_water_heater"])


def test_agent_and_technician_see_the_entitlement_on_their_pages(client, agent, dispatcher, lamp_tech):
    order = make_order(agent, slug="energy_saving_lamp", purchase_date=ago(20), proof="FP-1")
    on_site(order, dispatcher=dispatcher, tech=lamp_tech)
    client.force_login(agent)
    page = client.get(f"/work-orders/{order.pk}/").content.decode()
    assert 'data-testid="entitlement"' in page and "In warranty" in page
    client.force_login(lamp_tech.user)
    page = client.get("/my-jobs/").content.decode()
    assert "In warranty" in page and f"/billing/work-orders/{order.pk}/" in page


def test_the_create_form_records_proof_and_shows_a_live_check(client, agent):
    client.force_login(agent)
    r = client.get("/billing/entitlement-preview/", {"category": "energy_saving_lamp", "purchase_date": ago(10),
                                                     "proof_of_purchase": "FP"})
    assert r.status_code == 200 and 'data-testid="entitlement-preview"' in r.content.decode()
    assert "In warranty" in r.content.decode()
    form = client.get("/work-orders/new/").content.decode()
    assert 'name="proof_of_purchase"' in form and 'id="entitlement-preview"' in form
    r = client.post("/work-orders/new/", {
        "kind": "repair", "customer_name": "王伟", "customer_phone": "13800138000", "customer_address": "x路1号",
        "category": "energy_saving_lamp", "purchase_date": ago(10).isoformat(), "proof_of_purchase": "FP-7",
        "description": "节能灯不亮",
    })
    assert r.status_code == 302
    order = WorkOrder.objects.get()
    assert order.product.proof_of_purchase == "FP-7"
    assert order.entitlement.status == "in_warranty"


# --- repair warranty of a revisit (seeds/003) ----------------------------------------


def signed_off(agent, dispatcher, tech1, *, purchase_date=None, proof=""):
    order = on_site(make_order(agent, purchase_date=purchase_date, proof=proof), dispatcher=dispatcher, tech=tech1)
    services.work_order_resolve(order_id=order.pk, by=tech1.user, resolution="更换点火针")
    services.work_order_sign_off(order_id=order.pk, by=tech1.user, signed_by="王伟", satisfaction=5, extra=SIGNED)
    return order


def test_a_revisit_inside_the_repair_warranty_is_free_and_a_repeat(agent, dispatcher, tech1):
    order = signed_off(agent, dispatcher, tech1)
    WorkOrder.objects.filter(pk=order.pk).update(signed_off_at=timezone.now() - datetime.timedelta(days=90))
    r = api_for(agent).post(f"/api/v1/work-orders/{order.pk}/revisit/", {"description": "又坏了"}, format="json")
    assert r.status_code == 201, r.content
    new = r.json()
    assert (new["free_of_charge"], new["entitlement"]["status"], new["entitlement"]["basis"]) == (
        True, "in_warranty", "repair_warranty")
    assert new["entitlement"]["repair_of"] == order.pk and new["entitlement"]["term_days"] == 90
    assert WorkOrder.objects.get(pk=order.pk).repeat_repair is True


def test_a_revisit_outside_the_repair_warranty_is_an_ordinary_paid_order(agent, dispatcher, tech1):
    gas_term(12)
    order = signed_off(agent, dispatcher, tech1, purchase_date=ago(800), proof="FP")
    WorkOrder.objects.filter(pk=order.pk).update(signed_off_at=timezone.now() - datetime.timedelta(days=91))
    r = api_for(agent).post(f"/api/v1/work-orders/{order.pk}/revisit/", {"description": "又坏了"}, format="json")
    assert r.status_code == 201, r.content
    new = r.json()
    assert (new["revisit_of"], new["free_of_charge"], new["repeat_repair"]) == (order.pk, False, False)
    assert new["entitlement"]["status"] == "out_of_warranty"
    assert new["entitlement"]["basis"] == "purchase_date"
    assert "Outside the repair warranty" in new["entitlement"]["reason"]
    assert WorkOrder.objects.get(pk=order.pk).repeat_repair is False
    history = api_for(agent).get(f"/api/v1/work-orders/{order.pk}/history/").json()
    assert history[-1]["action"] == "revisit" and history[-1]["data"] == {"repeat_repair": False}


def test_the_repair_warranty_is_configurable(agent, dispatcher, tech1, settings):
    settings.SERVICEDESK = {**settings.SERVICEDESK, "REPAIR_WARRANTY_DAYS": 180}
    order = signed_off(agent, dispatcher, tech1)
    WorkOrder.objects.filter(pk=order.pk).update(signed_off_at=timezone.now() - datetime.timedelta(days=150))
    new = services.work_order_revisit(order_id=order.pk, by=agent, description="又坏了")
    assert new.free_of_charge is True
    # a product line may set its own (seeds/003: 3 months, 6 months or 1 year)
    CategoryBillingPolicy.objects.create(category=order.category, repair_warranty_days=30)
    other = signed_off(agent, dispatcher, tech1)
    WorkOrder.objects.filter(pk=other.pk).update(signed_off_at=timezone.now() - datetime.timedelta(days=31))
    assert services.work_order_revisit(order_id=other.pk, by=agent, description="又坏了").free_of_charge is False


def test_the_why_is_a_sentence_per_term_in_the_readers_language(agent):
    """Each term as a whole translatable sentence (no "12m → date ✓" shorthand)."""
    params = {"category": "ceiling_lamp", "purchase_date": "2025-09-14", "proof_of_purchase": "FP1", "on": ON}
    client = api_for(agent)
    en = client.get("/api/v1/billing/entitlement-preview/", params, HTTP_ACCEPT_LANGUAGE="en").json()["reason"]
    assert en == ("ballast: 12 months, until 2026-09-14 (covered); plastic: no warranty (a term of 0 months); "
                  "tube: 6 months, until 2026-03-14 (not covered)")
    zh = client.get("/api/v1/billing/entitlement-preview/", params, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["reason"]
    assert zh == ("ballast：12 个月，至 2026-09-14（在保修期内）；plastic：无保修（保修期 0 个月）；"
                  "tube：6 个月，至 2026-03-14（不在保修期内）")
    whole = client.get("/api/v1/billing/entitlement-preview/", {**params, "category": "energy_saving_lamp"},
                       HTTP_ACCEPT_LANGUAGE="zh-hans").json()["reason"]
    assert whole == "整机：12 个月，至 2026-09-14（在保修期内）"
