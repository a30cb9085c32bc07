"""Returns through HTTP (api-contract.md, Returns; issue 6, item 6): the
energy-saving-lamp rules table with its term boundaries, the other
categories' default, transitions and their 409s, roles, bad input, history,
the depot repair's late exchange through the escalation sweep, and a dealer's
batch-quality dispute."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from returns.models import ReturnEvent, ReturnRequest, ReturnRule, add_months, in_term
from servicedesk.deadlines import escalation
from servicedesk.deadlines.models import Deadline
from servicedesk.notifications.models import Notification
from tests.conftest import api_for
from tests.factories import CategoryFactory, TechnicianFactory, UserFactory

LAMP = "energy_saving_lamp"
ALL_CLEAR = {"lights": False, "base_aged": False, "tube_greyed": False, "bridge_blackened": False}


@pytest.fixture
def lamp(db):
    return CategoryFactory(slug=LAMP)


@pytest.fixture
def heater(db):
    return CategoryFactory(slug="gas_water_heater")


def api(user):
    """A client that asks for Chinese, the customer's language."""
    client = api_for(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    return client


def today():
    return timezone.localdate()


def create(client, *, category=LAMP, requested_by="consumer", purchase=None, manufactured=None, phone="13800138000",
           **extra):
    product = {"category": category, "model": "E27-11W"}
    if purchase is not None:
        product["purchase_date"] = purchase.isoformat()
    if manufactured is not None:
        product["manufactured_on"] = manufactured.isoformat()
    body = {"customer": {"name": "王芳", "phone": phone, "address": "北京市朝阳区建国路88号"}, "product": product,
            "requested_by": requested_by, "reason": "灯不亮", **extra}
    return client.post("/api/v1/returns/", body, format="json")


def assess(client, pk, findings=None):
    return client.post(f"/api/v1/returns/{pk}/assess/", {"findings": ALL_CLEAR if findings is None else findings},
                       format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")


# --- the rules table ---------------------------------------------------------------------


def test_term_boundaries_same_day_and_month_end():
    assert add_months(datetime.date(2025, 3, 15), 12) == datetime.date(2026, 3, 15)
    assert add_months(datetime.date(2025, 1, 31), 1) == datetime.date(2025, 2, 28)
    assert add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)
    assert add_months(datetime.date(2024, 12, 31), 15) == datetime.date(2026, 3, 31)
    assert in_term(datetime.date(2025, 3, 15), 12, datetime.date(2026, 3, 15))
    assert not in_term(datetime.date(2025, 3, 15), 12, datetime.date(2026, 3, 16))
    assert in_term(datetime.date(2024, 2, 29), 12, datetime.date(2025, 2, 28))
    assert not in_term(datetime.date(2024, 2, 29), 12, datetime.date(2025, 3, 1))


def months_before(months, extra_days=0):
    """A start date on the edge of its term today. 0: the earliest start still
    in term (its last day is today, or a later one on the days no term ends
    on: a 15-month term starts on 30 September or 1 October and so never ends
    on 31 December); 1: the day before it, the latest start out of term (its
    term ended yesterday, or earlier on those days). Searching for a term that
    ended exactly yesterday instead found none on 1 January, 30-31 May,
    1 June and 1 August (15 months) or 1 March after a 29 February (12), and
    fell on a start still in term."""
    start = add_months(today(), -months)
    while add_months(start, months) < today():
        start += datetime.timedelta(days=1)
    return start - datetime.timedelta(days=extra_days)


LAMP_TABLE = [
    # (id, requested_by, findings, purchase/manufacture (months, days past the end), decision, reason contains)
    ("lights", "consumer", {"lights": True}, ("p", 1), "rejected", "能点亮"),
    ("base-aged", "consumer", {"base_aged": True}, ("p", 1), "rejected", "灯头老化"),
    ("tube-greyed", "consumer", {"tube_greyed": True}, ("p", 1), "rejected", "灯管发灰"),
    ("bridge-blackened", "consumer", {"bridge_blackened": True}, ("p", 1), "rejected", "灯桥发黑"),
    ("lights-and-aged", "dealer", {"lights": True, "base_aged": True}, ("m", 1), "rejected", "能点亮"),
    ("consumer-in-term", "consumer", {}, ("p", 1), "exchange", "一换一"),
    ("consumer-last-day", "consumer", {}, ("p-end", 0), "exchange", "12个月"),
    ("consumer-day-after", "consumer", {}, ("p-end", 1), "rejected", "超过更换期限"),
    ("consumer-no-proof", "consumer", {}, None, "rejected", "购买凭证"),
    ("dealer-in-term", "dealer", {}, ("m", 14), "exchange", "一换一"),
    ("dealer-last-day", "dealer", {}, ("m-end", 0), "exchange", "15个月"),
    ("dealer-day-after", "dealer", {}, ("m-end", 1), "rejected", "超过更换期限"),
    ("dealer-no-date-code", "dealer", {}, None, "rejected", "生产日期码"),
    # A dealer's lamp counts from manufacture, never from a recent purchase.
    ("dealer-old-batch-recent-purchase", "dealer", {}, ("m-old", 0), "rejected", "超过更换期限"),
    ("transport-damage", "consumer", {"transport_damage": True}, ("p", 1), "rejected", "承运方"),
]


@pytest.mark.parametrize("requested_by,findings,dates,decision,reason", [r[1:] for r in LAMP_TABLE],
                         ids=[r[0] for r in LAMP_TABLE])
def test_lamp_rules_table(agent, lamp, requested_by, findings, dates, decision, reason):
    client = api(agent)
    purchase = manufactured = None
    if dates:
        kind, n = dates
        if kind == "p":
            purchase = add_months(today(), -n)
        elif kind == "m":
            manufactured = add_months(today(), -n)
        elif kind == "p-end":
            purchase = months_before(12, n)
        elif kind == "m-end":
            manufactured = months_before(15, n)
        else:  # made 16 months ago, bought last month
            manufactured, purchase = add_months(today(), -16), add_months(today(), -1)
    r = create(client, requested_by=requested_by, purchase=purchase, manufactured=manufactured)
    assert r.status_code == 201, r.json()
    assert r.json()["state"] == "requested" and r.json()["decision"] is None
    r = assess(client, r.json()["id"], {**ALL_CLEAR, **findings})
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["decision"] == decision
    assert reason in body["decision_reason"]
    assert body["state"] == ("rejected" if decision == "rejected" else "approved")


@pytest.mark.parametrize("on", ["2027-01-01", "2027-05-31", "2027-08-01", "2028-03-01"])
@pytest.mark.parametrize("requested_by,months", [("consumer", 12), ("dealer", 15)])
def test_the_term_edge_on_the_days_no_term_ends_on(agent, lamp, clock_at, on, requested_by, months):
    """On 1 January no 15-month term ends yesterday (none ends on 31 December),
    nor a 12-month one on 1 March 2028 (none ends on 29 February): the latest
    start out of term is still rejected and the day after it accepted."""
    clock_at(datetime.datetime.fromisoformat(f"{on}T10:00"))
    client = api(agent)
    field = "purchase" if requested_by == "consumer" else "manufactured"
    for extra_days, decision, phone in ((1, "rejected", "13800138001"), (0, "exchange", "13800138002")):
        start = months_before(months, extra_days)
        r = create(client, requested_by=requested_by, phone=phone, **{field: start})
        assert r.status_code == 201, r.json()
        body = assess(client, r.json()["id"]).json()
        assert body["decision"] == decision, f"started {start}"
        assert ("超过更换期限" if decision == "rejected" else f"{months}个月") in body["decision_reason"]


def test_decision_reason_in_english_on_request(agent, lamp):
    client = api(agent)
    r = create(client, purchase=today())
    r = client.post(f"/api/v1/returns/{r.json()['id']}/assess/", {"findings": {**ALL_CLEAR, "lights": True}},
                    format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert r.json()["decision_reason"] == "A lamp that lights is not exchanged."


def test_rules_are_data_editable(agent, lamp):
    """Changing a rule row changes the decision: the consumer's term becomes 6 months."""
    ReturnRule.objects.filter(category=LAMP, kind="term", requested_by="consumer").update(term_months=6)
    client = api(agent)
    r = create(client, purchase=add_months(today(), -7))
    assert assess(client, r.json()["id"]).json()["decision"] == "rejected"


def test_other_category_default_is_depot_repair_in_warranty(agent, heater):
    client = api(agent)
    r = create(client, category="gas_water_heater", purchase=add_months(today(), -3))
    body = assess(client, r.json()["id"], {}).json()
    assert body["decision"] == "repair" and body["state"] == "approved"
    assert [d["kind"] for d in body["deadlines"]] == ["repair"]
    r = create(client, category="gas_water_heater", purchase=add_months(today(), -13), phone="13800138001")
    assert assess(client, r.json()["id"], {}).json()["decision"] == "rejected"


# --- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize("findings,field", [
    ({"base_aged": False, "tube_greyed": False, "bridge_blackened": False}, "findings.lights"),
    ({**ALL_CLEAR, "tube_greyed": "yes"}, "findings.tube_greyed"),
])
def test_missing_or_bad_finding_is_400_naming_it(agent, lamp, findings, field):
    client = api(agent)
    pk = create(client, purchase=today()).json()["id"]
    r = assess(client, pk, findings)
    assert r.status_code == 400 and field in r.json()
    assert ReturnRequest.objects.get(pk=pk).state == "requested"
    assert not ReturnEvent.objects.filter(return_request_id=pk, action="assess").exists()


def test_create_bad_input(agent, lamp):
    client = api(agent)
    r = create(client, category="no_such_thing", purchase=today())
    assert r.status_code == 400 and "category" in r.json()["product"]
    r = create(client, purchase=today() + datetime.timedelta(days=1))
    assert r.status_code == 400 and "purchase_date" in r.json()["product"]
    r = create(client, manufactured=today() + datetime.timedelta(days=2), requested_by="dealer")
    assert r.status_code == 400 and "manufactured_on" in r.json()["product"]
    r = create(client, requested_by="shop", purchase=today())
    assert r.status_code == 400 and "requested_by" in r.json()
    r = create(client, purchase=today(), reason="  ")
    assert r.status_code == 400 and "reason" in r.json()
    r = create(client, purchase=today(), batch=True, batch_code="B1")
    assert r.status_code == 400 and "batch" in r.json()
    r = client.post("/api/v1/returns/", "{not json", content_type="application/json")
    assert r.status_code == 400
    assert ReturnRequest.objects.count() == 0


# --- transitions, roles, history ---------------------------------------------------------


def test_path_to_closed_with_409s_and_history(agent, lamp):
    client = api(agent)
    pk = create(client, purchase=today()).json()["id"]
    r = client.post(f"/api/v1/returns/{pk}/fulfil/", {"note": "x"}, format="json")
    assert r.status_code == 409 and r.json()["state"] == "requested" and r.json()["allowed"] == ["assess"]
    assert client.post(f"/api/v1/returns/{pk}/close/", {}, format="json").status_code == 409
    assert assess(client, pk).json()["state"] == "approved"
    r = assess(client, pk)
    assert r.status_code == 409 and r.json()["allowed"] == ["fulfil"]
    r = client.post(f"/api/v1/returns/{pk}/fulfil/", {"note": "换新灯一只"}, format="json")
    assert r.json()["state"] == "fulfilled"
    assert client.post(f"/api/v1/returns/{pk}/close/", {}, format="json").json()["state"] == "closed"
    history = client.get(f"/api/v1/returns/{pk}/history/").json()
    assert [(h["action"], h["from_state"], h["to_state"]) for h in history] == [
        ("create", "", "requested"), ("assess", "requested", "approved"), ("fulfil", "approved", "fulfilled"),
        ("close", "fulfilled", "closed")]
    assert all(h["by"] == "agent" and h["at"].endswith("+08:00") for h in history)


def test_rejected_return_closes(agent, lamp):
    client = api(agent)
    pk = create(client, purchase=today()).json()["id"]
    assert assess(client, pk, {**ALL_CLEAR, "lights": True}).json()["state"] == "rejected"
    r = client.post(f"/api/v1/returns/{pk}/fulfil/", {}, format="json")
    assert r.status_code == 409 and r.json()["allowed"] == ["close"]
    assert client.post(f"/api/v1/returns/{pk}/close/", {}, format="json").json()["state"] == "closed"


def test_partner_sees_only_its_own_and_may_not_assess(partner_user, partner2_user, agent, lamp):
    p1, p2 = api(partner_user), api(partner2_user)
    mine = create(p1, purchase=today()).json()
    assert mine["state"] == "requested"
    other = create(p2, purchase=today(), phone="13900139000").json()
    assert [r["id"] for r in p1.get("/api/v1/returns/").json()["results"]] == [mine["id"]]
    assert p1.get(f"/api/v1/returns/{other['id']}/").status_code == 404
    assert assess(p1, mine["id"]).status_code == 403
    assert api(agent).get("/api/v1/returns/").json()["count"] == 2


def test_roles_without_returns(dispatcher, lamp):
    client = api(dispatcher)
    assert client.get("/api/v1/returns/").status_code == 403
    assert create(client, purchase=today()).status_code == 403
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/returns/").status_code == 401


def test_list_filters(agent, lamp, heater):
    client = api(agent)
    a = create(client, purchase=today()).json()["id"]
    create(client, category="gas_water_heater", purchase=today(), phone="13800138002")
    create(client, requested_by="dealer", manufactured=today(), phone="13800138003")
    assess(client, a)
    assert [r["id"] for r in client.get("/api/v1/returns/?state=approved").json()["results"]] == [a]
    assert client.get(f"/api/v1/returns/?category={LAMP}").json()["count"] == 2
    assert client.get("/api/v1/returns/?requested_by=dealer").json()["count"] == 1
    detail = client.get(f"/api/v1/returns/{a}/").json()
    assert detail["customer"]["name"] == "王芳" and detail["product"]["category"] == LAMP


# --- depot repair: 3 days, then an exchange proposed by the sweep ------------------------


def test_late_depot_repair_gets_an_exchange_proposed_by_the_sweep(agent, supervisor, heater):
    client = api(agent)
    pk = create(client, category="gas_water_heater", purchase=today()).json()["id"]
    body = assess(client, pk, {}).json()
    repair = Deadline.objects.get(return_request__pk=pk, kind="repair")
    assert repair.due_at - repair.started_at == datetime.timedelta(days=3)
    # Before the due time the sweep changes nothing.
    escalation.sweep(now=repair.due_at - datetime.timedelta(minutes=1))
    assert ReturnRequest.objects.get(pk=pk).proposed_decision == ""
    call_command("escalate_overdue")  # now: not yet due
    escalation.sweep(now=repair.due_at + datetime.timedelta(seconds=1))
    body = client.get(f"/api/v1/returns/{pk}/").json()
    assert body["proposed_decision"] == "exchange" and body["decision"] == "repair"
    assert body["deadlines"][0]["escalation_level"] == 1
    assert "accept-exchange" in body["allowed_actions"]
    history = client.get(f"/api/v1/returns/{pk}/history/").json()
    assert history[-1]["action"] == "propose-exchange" and history[-1]["by"] is None
    assert Notification.objects.filter(recipient=agent, title__contains=body["number"]).exists()
    assert Notification.objects.filter(recipient=supervisor, title__contains=body["number"]).exists()
    # A second sweep proposes nothing twice.
    escalation.sweep(now=repair.due_at + datetime.timedelta(days=5))
    assert ReturnEvent.objects.filter(return_request_id=pk, action="propose-exchange").count() == 1
    r = client.post(f"/api/v1/returns/{pk}/accept-exchange/", {"note": "客户同意换货"}, format="json")
    assert r.status_code == 200 and r.json()["decision"] == "exchange" and r.json()["state"] == "approved"
    assert r.json()["deadlines"][0]["met_at"] is not None
    # The customer is told why in their language, without the rule's internal source tag.
    told = client.get(f"/api/v1/returns/{pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()["decision_reason"]
    assert told == "返修未能在 3 天内完成，为您调换产品。"
    told_en = client.get(f"/api/v1/returns/{pk}/", HTTP_ACCEPT_LANGUAGE="en").json()["decision_reason"]
    assert "3 days" in told_en and "seeds" not in told_en
    assert client.post(f"/api/v1/returns/{pk}/accept-exchange/", {}, format="json").status_code == 409
    assert client.post(f"/api/v1/returns/{pk}/fulfil/", {}, format="json").json()["state"] == "fulfilled"


def test_repair_on_time_meets_the_deadline_and_no_exchange(agent, heater):
    client = api(agent)
    pk = create(client, category="gas_water_heater", purchase=today()).json()["id"]
    assess(client, pk, {})
    assert client.post(f"/api/v1/returns/{pk}/accept-exchange/", {}, format="json").status_code == 409
    body = client.post(f"/api/v1/returns/{pk}/fulfil/", {"note": "修好"}, format="json").json()
    assert body["deadlines"][0]["met_at"] and not body["deadlines"][0]["breached"]
    repair = Deadline.objects.get(return_request__pk=pk, kind="repair")
    escalation.sweep(now=repair.due_at + datetime.timedelta(days=1))
    assert ReturnRequest.objects.get(pk=pk).proposed_decision == ""


# --- dealer's batch-quality dispute ------------------------------------------------------


def lamp_technician(username):
    return TechnicianFactory(user=UserFactory(username=username, roles=["technician"]), categories=[LAMP])


def test_batch_dispute_confirmed_company_takes_back_and_pays(agent, lamp, db):
    tech = lamp_technician("techx").user
    client = api(agent)
    r = create(client, requested_by="dealer", manufactured=today(), batch=True, batch_code="B2026-11", quantity=500)
    body = r.json()
    assert r.status_code == 201 and body["batch"] and body["quantity"] == 500
    visit = body["deadlines"][0]
    assert visit["kind"] == "batch_visit"
    d = Deadline.objects.get(return_request__pk=body["id"])
    assert d.due_at - d.started_at == datetime.timedelta(days=2)
    r = assess(client, body["id"])
    assert r.status_code == 409 and r.json()["allowed"] == ["visit", "assign"]
    assert r.json()["code"] == "invalid_transition"
    t = api(tech)
    assert t.get(f"/api/v1/returns/{body['id']}/").status_code == 404  # not sent there yet
    r = client.post(f"/api/v1/returns/{body['id']}/assign/", {"technician": tech.technician.pk}, format="json")
    assert r.status_code == 200 and r.json()["technician"] == tech.technician.pk and r.json()["state"] == "requested"
    assert t.get(f"/api/v1/returns/{body['id']}/").json()["allowed_actions"] == ["visit"]
    r = t.post(f"/api/v1/returns/{body['id']}/visit/", {"confirmed": True, "note": "抽检30只，12只不亮"}, format="json")
    out = r.json()
    assert r.status_code == 200 and out["state"] == "approved" and out["decision"] == "exchange"
    assert out["transport_paid_by"] == "company" and "运费" in out["decision_reason"]
    assert out["deadlines"][0]["met_at"] is not None


def test_batch_dispute_not_confirmed_needs_the_reason(agent, lamp):
    client = api(agent)
    pk = create(client, requested_by="dealer", manufactured=today(), batch=True, batch_code="B7").json()["id"]
    r = client.post(f"/api/v1/returns/{pk}/visit/", {"confirmed": False}, format="json")
    assert r.status_code == 400 and "note" in r.json()
    r = client.post(f"/api/v1/returns/{pk}/visit/", {"confirmed": False, "note": "系安装不当"}, format="json")
    assert r.json()["state"] == "rejected" and "安装不当" in r.json()["decision_reason"]
    r = create(client, requested_by="dealer", manufactured=today(), batch=True, phone="13700137000")
    assert r.status_code == 400 and "batch_code" in r.json()


def test_a_partners_late_repair_warns_the_supervisors_not_the_partner_account(agent, supervisor, partner_user, heater):
    pk = create(api(partner_user), category="gas_water_heater", purchase=today()).json()["id"]
    assess(api(agent), pk, {})
    repair = Deadline.objects.get(return_request__pk=pk, kind="repair")
    escalation.sweep(now=repair.due_at + datetime.timedelta(seconds=1))
    number = ReturnRequest.objects.get(pk=pk).number
    assert Notification.objects.filter(recipient=supervisor, title__contains=number).exists()
    assert not Notification.objects.filter(recipient=partner_user, title__contains=number).exists()


def test_assessing_again_is_a_409_even_with_an_empty_body(agent, lamp):
    client = api(agent)
    pk = create(client).json()["id"]
    assert assess(client, pk, {"lights": True, "base_aged": False, "tube_greyed": False,
                               "bridge_blackened": False}).status_code == 200
    r = client.post(f"/api/v1/returns/{pk}/assess/", {}, format="json")
    assert r.status_code == 409 and r.json()["state"] == "rejected" and "close" in r.json()["allowed"]


def test_the_request_time_is_not_back_dated_by_partners_nor_far_by_staff(agent, partner_user, lamp):
    earlier = (timezone.now() - datetime.timedelta(days=2)).isoformat()
    r = create(api(partner_user), requested_at=earlier)
    assert r.status_code == 400 and "requested_at" in r.json()
    far = (timezone.now() - datetime.timedelta(days=31)).isoformat()
    r = create(api(agent), requested_at=far)
    assert r.status_code == 400 and "requested_at" in r.json()
    assert ReturnRequest.objects.count() == 0
    assert create(api(agent), requested_at=earlier).status_code == 201


def test_only_the_technician_sent_on_site_sees_the_dispute_and_records_its_visit(agent, partner_user, lamp):
    tech1, tech2 = lamp_technician("tech1"), lamp_technician("tech2")
    uncertified = TechnicianFactory(user=UserFactory(username="tech3", roles=["technician"]), categories=[])
    staff = api(agent)
    created = create(staff, requested_by="dealer", manufactured=today(), batch=True, batch_code="B9", quantity=40)
    pk = created.json()["id"]
    t1, t2 = api(tech1.user), api(tech2.user)
    # Nobody is sent yet: no technician sees it, none records its visit.
    for t in (t1, t2):
        assert t.get("/api/v1/returns/").json()["count"] == 0
        assert t.get(f"/api/v1/returns/{pk}/").status_code == 404
        assert t.post(f"/api/v1/returns/{pk}/visit/", {"confirmed": True}, format="json").status_code == 404
    # Only staff send a technician, one that is active and certified for the category.
    assert t1.post(f"/api/v1/returns/{pk}/assign/", {"technician": tech1.pk}, format="json").status_code == 404
    assert api(partner_user).post(f"/api/v1/returns/{pk}/assign/", {"technician": tech1.pk},
                                  format="json").status_code == 404
    r = staff.post(f"/api/v1/returns/{pk}/assign/", {"technician": 999999}, format="json")
    assert r.status_code == 400 and "technician" in r.json()
    r = staff.post(f"/api/v1/returns/{pk}/assign/", {"technician": uncertified.pk}, format="json")
    assert r.status_code == 400 and "technician" in r.json()
    r = staff.post(f"/api/v1/returns/{pk}/assign/", {}, format="json")
    assert r.status_code == 400 and "technician" in r.json()
    assert ReturnRequest.objects.get(pk=pk).technician_id is None
    assert not ReturnEvent.objects.filter(return_request_id=pk, action="assign").exists()

    r = staff.post(f"/api/v1/returns/{pk}/assign/", {"technician": tech1.pk, "note": "技术部派"}, format="json")
    assert r.status_code == 200 and r.json()["technician"] == tech1.pk
    assert Notification.objects.filter(recipient=tech1.user, title__contains=r.json()["number"]).exists()
    assert t1.get("/api/v1/returns/").json()["count"] == 1
    assert t2.get(f"/api/v1/returns/{pk}/").status_code == 404
    assert t2.post(f"/api/v1/returns/{pk}/visit/", {"confirmed": True}, format="json").status_code == 404
    assert staff.get(f"/api/v1/returns/?technician={tech1.pk}").json()["count"] == 1

    # Sent again: the second technician replaces the first, who no longer sees it.
    r = staff.post(f"/api/v1/returns/{pk}/assign/", {"technician": tech2.pk}, format="json")
    assert r.status_code == 200 and r.json()["technician"] == tech2.pk
    assert t1.get(f"/api/v1/returns/{pk}/").status_code == 404
    assert t1.post(f"/api/v1/returns/{pk}/visit/", {"confirmed": True}, format="json").status_code == 404
    assert ReturnRequest.objects.get(pk=pk).state == "requested"
    r = t2.post(f"/api/v1/returns/{pk}/visit/", {"confirmed": False, "note": "使用不当"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "rejected"
    history = staff.get(f"/api/v1/returns/{pk}/history/").json()
    assigns = [
        (h["action"], h["from_state"], h["to_state"], h["by"], h["data"]) for h in history if h["action"] == "assign"
    ]
    assert assigns == [("assign", "requested", "requested", "agent", {"technician": tech1.pk, "previous": None}),
                       ("assign", "requested", "requested", "agent", {"technician": tech2.pk, "previous": tech1.pk})]
    assert history[-1]["action"] == "visit" and history[-1]["by"] == "tech2"
    # After the visit nobody is sent any more (409 with what is allowed).
    r = staff.post(f"/api/v1/returns/{pk}/assign/", {"technician": tech1.pk}, format="json")
    assert r.status_code == 409 and r.json()["allowed"] == ["close"]


def test_assign_is_for_batch_disputes_only(agent, lamp):
    tech = lamp_technician("tech1")
    pk = create(api(agent)).json()["id"]
    r = api(agent).post(f"/api/v1/returns/{pk}/assign/", {"technician": tech.pk}, format="json")
    assert r.status_code == 409 and r.json()["allowed"] == ["assess"]
    assert ReturnRequest.objects.get(pk=pk).technician_id is None


def test_the_visit_is_refused_to_a_technician_not_sent_when_checked_under_the_lock(agent, lamp):
    """The service re-checks under the row lock, after the API's visibility
    check: a technician whose dispute was given to another meanwhile gets 403;
    with nobody assigned, 409 naming the missing technician."""
    from returns import services
    from servicedesk.core.errors import InvalidTransition, PermissionDenied

    tech1, tech2 = lamp_technician("tech1"), lamp_technician("tech2")
    pk = create(api(agent), requested_by="dealer", manufactured=today(), batch=True, batch_code="B1").json()["id"]
    with pytest.raises(InvalidTransition) as refused:
        services.return_visit(return_id=pk, by=tech1.user, confirmed=True)
    assert refused.value.status == 409 and refused.value.as_payload()["missing"] == "technician"
    assert refused.value.code == "technician_missing"
    assert "assign" in str(refused.value.message) and refused.value.as_payload()["allowed"] == ["visit", "assign"]
    services.return_assign(return_id=pk, by=agent, technician=tech2)
    with pytest.raises(PermissionDenied) as refused:
        services.return_visit(return_id=pk, by=tech1.user, confirmed=True)
    assert refused.value.status == 403 and refused.value.code == "not_assigned_technician"
    assert ReturnRequest.objects.get(pk=pk).state == "requested"
    assert not ReturnEvent.objects.filter(return_request_id=pk, action="visit").exists()


def test_a_technician_is_sent_from_the_page_and_records_the_visit_there(agent, lamp, client):
    tech = lamp_technician("tech1")
    pk = create(api(agent), requested_by="dealer", manufactured=today(), batch=True, batch_code="B5").json()["id"]
    client.force_login(agent)
    page = client.get(f"/returns/{pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-form="assign"' in page and f'value="{tech.pk}"' in page
    client.post(f"/returns/{pk}/actions/assign/", {"technician": tech.pk})
    assert ReturnRequest.objects.get(pk=pk).technician_id == tech.pk
    client.force_login(tech.user)
    page = client.get(f"/returns/{pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-form="visit"' in page and 'data-form="assign"' not in page
    client.post(f"/returns/{pk}/actions/visit/", {"confirmed": "yes", "note": "确认"})
    assert ReturnRequest.objects.get(pk=pk).state == "approved"
    # Once decided, the page refuses a second visit in the user's words: the
    # button's label and the state's label, not the API's codes.
    r = client.post(f"/returns/{pk}/actions/visit/", {"confirmed": "yes", "note": "再次"}, follow=True,
                    HTTP_ACCEPT_LANGUAGE="en")
    state = ReturnRequest.objects.get(pk=pk).get_state_display()
    page = r.content.decode().replace("&#x27;", "'")
    assert f"“Technician's visit” is not possible now: the state is “{state}”." in page
    assert ReturnEvent.objects.filter(return_request_id=pk, action="visit").count() == 1


def test_the_return_services_errors_carry_their_codes(agent, lamp):
    """Clients and scripts match the code, people read the text (contract:
    Error codes); each refusal below left the return as it was."""
    from returns import services
    from servicedesk.core.errors import ValidationFailed

    customer = {"name": "王芳", "phone": "13800138000"}
    refusals = [
        (dict(requested_by="consumer", batch=True, batch_code="B1"), ("batch_needs_dealer", "batch")),
        (dict(requested_by="dealer", batch=True), ("batch_code_missing", "batch_code")),
        (
            dict(requested_by="consumer", requested_at=timezone.now() - datetime.timedelta(days=31)),
            ("requested_at_too_old", "requested_at"),
        ),
        (
            dict(
                requested_by="consumer",
                product={"category": lamp, "purchase_date": today() + datetime.timedelta(days=1)},
            ),
            ("date_after_request", "product.purchase_date"),
        ),
    ]
    for extra, expected in refusals:
        kwargs = {"product": {"category": lamp}, **extra}
        with pytest.raises(ValidationFailed) as refused:
            services.return_create(by=agent, customer=customer, reason="灯不亮", **kwargs)
        assert (refused.value.code, refused.value.field) == expected
    assert ReturnRequest.objects.count() == 0
    pk = create(api(agent), purchase=today()).json()["id"]
    with pytest.raises(ValidationFailed) as refused:
        services.return_assess(return_id=pk, by=agent, findings={"lights": False})
    assert (refused.value.code, refused.value.field) == ("finding_required", "findings.base_aged")
    with pytest.raises(ValidationFailed) as refused:
        services.return_assess(return_id=pk, by=agent, findings={**ALL_CLEAR, "lights": "no"})
    assert (refused.value.code, refused.value.field) == ("finding_not_boolean", "findings.lights")
    batch = create(api(agent), requested_by="dealer", manufactured=today(), batch=True, batch_code="B3",
                   phone="13700137000").json()["id"]
    with pytest.raises(ValidationFailed) as refused:
        services.return_visit(return_id=batch, by=agent, confirmed=False)
    assert (refused.value.code, refused.value.field) == ("note_required", "note")
    uncertified = TechnicianFactory(user=UserFactory(username="tech-uncertified", roles=["technician"]))
    with pytest.raises(ValidationFailed) as refused:
        services.return_assign(return_id=batch, by=agent, technician=uncertified)
    assert (refused.value.code, refused.value.field) == ("technician_ineligible", "technician")
    assert [r.state for r in ReturnRequest.objects.order_by("pk")] == ["requested", "requested"]
    assert ReturnRequest.objects.get(pk=batch).technician_id is None
    assert list(ReturnEvent.objects.values_list("action", flat=True)) == ["create", "create"]
