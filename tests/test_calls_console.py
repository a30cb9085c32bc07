"""The agent console through its real entry points (Django test client, htmx
headers): a ring pops the caller's file on the console of the agent it rings
at, the agent files a work order, a complaint or an inquiry through the
read-back step, hands the call over, or opens a contact by hand."""

import datetime
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from calls import console
from calls.models import Call, CallLink, CallTransition, Inquiry
from calls.services import call_event_record
from complaints.models import Complaint
from tests.factories import (
    AddressFactory,
    CustomerFactory,
    CustomerProductFactory,
    UserFactory,
)
from tickets.models import WorkOrder

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def agent2(db):
    return UserFactory(username="agent2", first_name="李娜", roles=["agent"])


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def known_caller(category):
    customer = CustomerFactory(name="王伟", phone__number="13800138000")
    AddressFactory(customer=customer, text="北京市朝阳区建国路88号")
    product = CustomerProductFactory(customer=customer, category=category, model="JSQ-20", serial="SN-1",
                                     purchase_date=timezone.localdate() - datetime.timedelta(days=100),
                                     proof_of_purchase="INV-1")
    return customer, product


def ring(telephony, *, call_id="c-1", caller="138 0013 8000", agent=None, at=None):
    call, _changed = call_event_record(call_id=call_id, event="ring", at=at or timezone.now(), caller=caller,
                                       agent=agent, by=telephony)
    return call


def answer(telephony, agent, *, call_id="c-1"):
    call, _changed = call_event_record(call_id=call_id, event="answer", at=timezone.now(), agent=agent, by=telephony)
    return call


def poll(client, seen=""):
    return client.get("/console/poll/", {"seen": seen}, **HX)


# --- who may use it --------------------------------------------------------------

def test_console_is_for_the_call_center(client, dispatcher, agent):
    assert client.get("/console/").status_code == 302  # to the login page
    client.force_login(dispatcher)
    assert client.get("/console/").status_code == 403
    assert client.get("/console/poll/").status_code == 403
    client.force_login(agent)
    page = client.get("/console/")
    assert page.status_code == 200
    assert 'data-testid="no-call"' in page.content.decode()


# --- push: the ring pops the console -----------------------------------------------

def test_poll_answers_204_while_nothing_rings(agent_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):  # session, user, roles, the console's call
        response = poll(agent_client)
    assert response.status_code == 204 and response.content == b""


def test_ring_pops_the_known_callers_file(agent_client, agent, telephony, known_caller, category):
    customer, product = known_caller
    order = WorkOrder.objects.create(kind="repair", customer=customer, description="不点火", reported_at=timezone.now(),
                                     created_by=agent, owner=agent, number="WO1")
    complaint = Complaint.objects.create(category="service", customer=customer, description="态度差",
                                         received_at=timezone.now(), created_by=agent, owner=agent, number="CP1")
    Inquiry.objects.create(customer=customer, text="保修多久", answer="一年", by=agent)
    call = ring(telephony, agent=agent)

    response = poll(agent_client)
    assert response.status_code == 200
    html = response.content.decode()
    key = f"{call.pk}:ringing"
    assert f'data-watch="{key}"' in html
    assert 'id="workspace"' in html and 'hx-swap-oob="true"' in html
    assert "王伟" in html and "13800138000" in html
    assert "北京市朝阳区建国路88号" in html
    assert "JSQ-20" in html and str(console.warranty_for(product).label) in html
    assert order.number in html and complaint.number in html
    assert "保修多久" in html  # last contacts
    # The work-order form comes prefilled with the caller.
    assert 'name="wo-customer_name"' in html and 'value="王伟"' in html
    # the caller's only product, preselected (issue 13 item 5)
    assert f'<option value="{product.pk}" selected>' in html
    # Seen: nothing more to send.
    assert poll(agent_client, key).status_code == 204


def test_ring_at_another_agent_does_not_pop_here(agent_client, telephony, agent2):
    ring(telephony, agent=agent2)
    assert poll(agent_client).status_code == 204


def test_a_ring_whose_hang_up_never_came_stops_popping_and_counting(agent_client, agent, telephony, settings):
    """CALL_RING_STALE_SECONDS: the switch lost the hang-up; a fresh ring pops instead."""
    settings.SERVICEDESK = {**settings.SERVICEDESK, "CALL_RING_STALE_SECONDS": 300}
    ring(telephony, call_id="lost", at=timezone.now() - datetime.timedelta(seconds=301))
    assert poll(agent_client).status_code == 204
    fresh = ring(telephony, call_id="fresh", caller="139 1111 3333")
    response = poll(agent_client)
    assert response.status_code == 200 and f'data-watch="{fresh.pk}:ringing"' in response.content.decode()
    from calls.selectors import wallboard_stats

    assert wallboard_stats()["ringing"] == 1


def test_unknown_number_pops_as_new_caller_with_the_phone_prefilled(agent_client, agent, telephony):
    ring(telephony, caller="+86 139 1111 2222", agent=agent)
    html = poll(agent_client).content.decode()
    assert 'data-testid="new-caller"' in html
    assert 'name="wo-customer_phone"' in html and 'value="13911112222"' in html


def test_answer_swaps_only_the_banner(agent_client, agent, telephony, known_caller):
    call = ring(telephony, agent=agent)
    answer(telephony, agent)
    html = poll(agent_client, f"{call.pk}:ringing").content.decode()
    assert 'data-testid="call-state">Answered<' in html
    assert 'id="workspace"' not in html  # the forms being typed stay
    # The banner comes along: the agent owns the call now and may hand it over.
    assert 'id="call-banner"' in html and 'hx-swap-oob="true"' in html
    assert agent.display_name in html and "Hand over" in html


def test_hang_up_shows_on_the_banner_and_then_nothing_more(agent_client, agent, telephony,
                                                            django_assert_max_num_queries):
    call = ring(telephony, agent=agent)
    answer(telephony, agent)
    call_event_record(call_id="c-1", event="hangup", at=timezone.now(), by=telephony)
    html = poll(agent_client, f"{call.pk}:answered").content.decode()
    assert 'data-testid="call-state">Ended<' in html and 'id="call-banner"' in html
    assert "End the call" not in html  # ended already; the question can still be handed over
    with django_assert_max_num_queries(5):
        assert poll(agent_client, f"{call.pk}:ended").status_code == 204


# --- filing: read back, then confirm ------------------------------------------------

def emergency_post(product=None, **extra):
    data = {
        "wo-kind": "emergency", "wo-customer_name": "王伟", "wo-customer_phone": "13800138000",
        "wo-customer_address": "北京市朝阳区建国路88号", "wo-description": "燃气热水器漏气，有煤气味",
        "wo-existing_product": str(product.pk) if product else "",
    }
    data.update(extra)
    return data


def test_emergency_read_back_then_confirm_files_it_for_dispatch(agent_client, agent, telephony, known_caller):
    customer, product = known_caller
    ring(telephony, agent=agent)
    call = answer(telephony, agent)
    url = f"/console/calls/{call.pk}/file/work-order/"

    readback = agent_client.post(url, emergency_post(product), **HX)
    assert readback.status_code == 200
    html = readback.content.decode()
    assert 'data-testid="readback"' in html and 'data-testid="confirm"' in html
    assert "燃气热水器漏气" in html and "JSQ-20" in html
    # One-time notification for a gas emergency: safety first (seeds/001).
    assert "Close the gas valve in front of the meter." in html
    assert "Do not switch lights" in html
    assert re.search(r"Arrive on site: within (29|30) min", html)
    assert WorkOrder.objects.count() == 0  # nothing saved before the confirmation

    filed = agent_client.post(url, {**emergency_post(product), "confirm": "1"}, **HX)
    assert filed.status_code == 200
    order = WorkOrder.objects.get()
    assert (order.kind, order.state, order.customer, order.product, order.owner) == (
        "emergency", "received", customer, product, agent)
    arrive = order.deadlines.get(kind="arrive")
    assert arrive.due_at - order.reported_at == datetime.timedelta(minutes=30)
    assert CallLink.objects.filter(call=call, object_id=order.pk,
                                   content_type=ContentType.objects.get_for_model(WorkOrder)).exists()
    html = filed.content.decode()
    assert f"{order.number} filed." in html
    assert 'data-testid="filed-deadline-arrive"' in html
    assert 'id="linked" hx-swap-oob="true"' in html and "Owner" in html


def test_bad_input_is_400_naming_the_field_and_saves_nothing(agent_client, agent, telephony, known_caller):
    ring(telephony, agent=agent)
    call = answer(telephony, agent)
    url = f"/console/calls/{call.pk}/file/work-order/"
    response = agent_client.post(url, {**emergency_post(), "wo-description": "", "confirm": "1"}, **HX)
    assert response.status_code == 400
    assert 'data-field="description"' in response.content.decode()
    response = agent_client.post(url, {**emergency_post(), "wo-customer_phone": "12", "confirm": "1"}, **HX)
    assert response.status_code == 400
    assert 'data-field="customer_phone"' in response.content.decode()
    assert WorkOrder.objects.count() == 0 and CallLink.objects.count() == 0


def test_change_goes_back_to_the_form_as_typed(agent_client, agent, telephony, known_caller):
    ring(telephony, agent=agent)
    call = answer(telephony, agent)
    response = agent_client.post(f"/console/calls/{call.pk}/file/work-order/", {**emergency_post(), "edit": "1"}, **HX)
    html = response.content.decode()
    assert 'class="filing-form"' in html and "燃气热水器漏气" in html
    assert WorkOrder.objects.count() == 0


def test_complaint_filed_from_the_call(agent_client, agent, telephony, known_caller):
    customer, _product = known_caller
    ring(telephony, agent=agent)
    call = answer(telephony, agent)
    url = f"/console/calls/{call.pk}/file/complaint/"
    data = {"cp-customer_name": "王伟", "cp-customer_phone": "13800138000", "cp-category": "service",
            "cp-source": "phone", "cp-description": "师傅迟到两小时"}
    html = agent_client.post(url, data, **HX).content.decode()
    assert "Your complaint is registered within 1 working day" in html
    assert Complaint.objects.count() == 0
    agent_client.post(url, {**data, "confirm": "1"}, **HX)
    complaint = Complaint.objects.get()
    assert (complaint.customer, complaint.owner, complaint.source) == (customer, agent, "phone")
    assert CallLink.objects.filter(call=call, object_id=complaint.pk).exists()


def test_inquiry_noted_on_the_call(agent_client, agent, telephony, known_caller):
    customer, _product = known_caller
    ring(telephony, agent=agent)
    call = answer(telephony, agent)
    url = f"/console/calls/{call.pk}/file/inquiry/"
    data = {"iq-text": "滤芯多久换一次？", "iq-answer": "六个月"}
    assert 'data-testid="readback"' in agent_client.post(url, data, **HX).content.decode()
    html = agent_client.post(url, {**data, "confirm": "1"}, **HX).content.decode()
    inquiry = Inquiry.objects.get()
    assert (inquiry.call, inquiry.customer, inquiry.by, inquiry.answer) == (call, customer, agent, "六个月")
    assert "Inquiry noted." in html and "滤芯多久换一次" in html


def test_filing_from_another_agents_call_is_refused(client, agent, agent2, telephony, known_caller):
    ring(telephony, agent=agent)
    call = answer(telephony, agent)
    client.force_login(agent2)
    response = client.post(f"/console/calls/{call.pk}/file/work-order/", {**emergency_post(), "confirm": "1"}, **HX)
    assert response.status_code == 403
    assert WorkOrder.objects.count() == 0 and CallLink.objects.count() == 0


# --- first-question responsibility: hand over ---------------------------------------

def test_hand_over_with_a_note_changes_the_owner_and_is_recorded(agent_client, agent, agent2, telephony):
    ring(telephony, agent=agent)
    call = answer(telephony, agent)
    page = agent_client.get(f"/console/calls/{call.pk}/").content.decode()
    assert 'data-testid="call-owner"' in page and "Hand over" in page

    refused = agent_client.post(f"/console/calls/{call.pk}/hand-over/", {"ho-to": agent2.pk, "ho-note": ""})
    assert refused.status_code == 302
    assert Call.objects.get(pk=call.pk).owner == agent

    agent_client.post(f"/console/calls/{call.pk}/hand-over/", {"ho-to": agent2.pk, "ho-note": "需要回电报价"})
    call.refresh_from_db()
    assert call.owner == agent2
    row = CallTransition.objects.get(call=call, action="hand-over")
    assert (row.by, row.note, row.data["to_owner"]) == (
        agent, f"→ {agent2.display_name} (agent2): 需要回电报价", "agent2",
    )
    page = agent_client.get(f"/console/calls/{call.pk}/").content.decode()
    assert "李娜" in page


# --- without telephony ------------------------------------------------------------------

def test_walk_in_opened_by_hand(agent_client, agent, known_caller):
    response = agent_client.post("/console/open/", {"mc-channel": "walk_in", "mc-caller": "138-0013-8000",
                                                    "mc-note": "到店"})
    call = Call.objects.get()
    assert response.status_code == 302 and response.url == f"/console/calls/{call.pk}/"
    assert (call.channel, call.state, call.owner, call.caller) == ("walk_in", "answered", agent, "13800138000")
    page = agent_client.get(response.url).content.decode()
    assert "王伟" in page and "Walk-in" in page


def test_manual_open_refuses_phone_and_bad_numbers(agent_client):
    response = agent_client.post("/console/open/", {"mc-channel": "phone", "mc-caller": ""})
    assert response.status_code == 400
    response = agent_client.post("/console/open/", {"mc-channel": "wechat", "mc-caller": "12"})
    assert response.status_code == 400 and Call.objects.count() == 0


def test_call_page_by_call_id_opens_the_console(agent_client, agent, telephony):
    call = ring(telephony, call_id="switch-42", agent=agent)
    response = agent_client.get("/calls/switch-42/")
    assert response.status_code == 302 and response.url == f"/console/calls/{call.pk}/"


# --- the caller's file -------------------------------------------------------------------

def test_warranty_comes_from_billings_terms(known_caller):
    """Bought 100 days ago with proof: in a 12-month term, out of a 3-month one; no proof, no warranty."""
    from billing.models import WarrantyTerm

    _customer, product = known_caller
    term = WarrantyTerm.objects.create(category=product.category, months=12)
    warranty = console.warranty_for(product)
    assert warranty.status == "in"
    bought = product.purchase_date
    assert (warranty.until.year, warranty.until.month) == (bought.year + 1, bought.month)
    term.months = 3
    term.save()
    assert console.warranty_for(product).status == "out"
    product.proof_of_purchase = ""
    product.save()
    assert console.warranty_for(product).status == "no_proof"


def test_the_caller_files_queries_do_not_grow_with_the_products(agent_client, agent, telephony, known_caller):
    """One query for the warranty terms of all the caller's product lines, not one per product."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from billing.models import WarrantyTerm
    from tests.factories import CategoryFactory

    customer, product = known_caller
    WarrantyTerm.objects.create(category=product.category, months=12)
    call = ring(telephony, agent=agent)
    page = f"/console/calls/{call.pk}/"

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            response = agent_client.get(page)
        assert response.status_code == 200
        return len(ctx), response.content.decode()

    agent_client.get(page)  # warm the session, content types and the like
    one, _html = queries()
    bought_long_ago = timezone.localdate() - datetime.timedelta(days=400)
    for n in range(3):
        line = CategoryFactory(slug=f"line_{n}")
        WarrantyTerm.objects.create(category=line, months=6 * (n + 1))  # 6, 12, 18 months
        CustomerProductFactory(customer=customer, category=line, model=f"M-{n}", purchase_date=bought_long_ago,
                               proof_of_purchase="INV")
    four, html = queries()
    assert four == one
    statuses = re.findall(r'class="badge warranty-(\w+)" data-testid="warranty"', html)
    assert sorted(statuses) == ["in", "in", "out", "out"]  # 100 days of 12 months, 400 days of 18; 6 and 12 out


def test_caller_lookup_normalises_the_number(known_caller, agent):
    customer, _product = known_caller
    assert console.customer_by_phone("+86 138-0013-8000") == customer
    assert console.customer_by_phone("13900000000") is None
    assert console.caller_file("0086 13800138000", user=agent).customer == customer


def test_checklists_per_kind():
    assert console.checklist_for("install")[0] == console.CHECKLISTS["install"][0]
    gas = console.checklist_for("emergency", category_slug="gas_water_heater")
    assert gas[: len(console.CHECKLISTS["emergency_gas"])] == console.CHECKLISTS["emergency_gas"]
    assert console.checklist_for("emergency", category_slug="water_purifier") == console.CHECKLISTS["emergency"]


# --- the dispatcher's queue ---------------------------------------------------------------

def test_dispatch_queue_lists_emergencies_first_with_their_clock(client, agent, dispatcher, known_caller):
    customer, _product = known_caller
    from tickets.services import work_order_create

    repair, _ = work_order_create(by=agent, kind="repair", customer=customer, description="漏水")
    emergency, _ = work_order_create(by=agent, kind="emergency", customer=customer, description="漏气")
    client.force_login(agent)
    assert client.get("/dispatch-queue/").status_code == 403
    client.force_login(dispatcher)
    html = client.get("/dispatch-queue/").content.decode()
    assert html.index(emergency.number) < html.index(repair.number)
    assert "Arrive on site" in html and 'data-due="' in html


# --- the read-back's promise in people's units (issue 13 item 6) ---------------------------

def repair_post(**extra):
    return {"wo-kind": "repair", "wo-customer_name": "王伟", "wo-customer_phone": "13800138000",
            "wo-customer_address": "北京市朝阳区建国路88号", "wo-description": "热水器不出热水", **extra}


def test_the_read_back_promises_24_hours_not_1440_minutes(agent_client, agent, telephony, known_caller):
    from django.utils.translation import override

    from servicedesk.core.durations import due_text

    ring(telephony, agent=agent)
    call = answer(telephony, agent)
    url = f"/console/calls/{call.pk}/file/work-order/"
    before = timezone.now()
    html = agent_client.post(url, repair_post(), **HX).content.decode()
    promise = re.search(r'data-testid="promise">([^<]*)<', html).group(1)
    with override("en"):
        due = due_text(before + datetime.timedelta(hours=24), now=before)  # tomorrow: with its date
    assert promise == f"Arrive on site: within 24 hours, by {due}."
    html = agent_client.post(url, repair_post(), HTTP_ACCEPT_LANGUAGE="zh-hans", **HX).content.decode()
    promise = re.search(r'data-testid="promise">([^<]*)<', html).group(1)
    with override("zh-hans"):
        due = due_text(before + datetime.timedelta(hours=24), now=before)
    assert promise == f"上门：24 小时内，{due} 之前。" and "分钟" not in promise


def test_the_complaint_read_back_says_working_days_and_the_due_date(agent_client, agent, telephony, known_caller):
    from django.utils.translation import override

    from servicedesk.core.durations import day_month
    from servicedesk.deadlines.calendar import add_working_days

    ring(telephony, agent=agent)
    call = answer(telephony, agent)
    url = f"/console/calls/{call.pk}/file/complaint/"
    data = {"cp-customer_name": "王伟", "cp-customer_phone": "13800138000", "cp-category": "service",
            "cp-source": "phone", "cp-description": "师傅迟到两小时"}
    due = add_working_days(timezone.now(), 5)
    html = agent_client.post(url, data, **HX).content.decode()
    promise = re.search(r'data-testid="promise">([^<]*)<', html).group(1)
    with override("en"):
        assert promise == f"Overall complaint: 5 working days, due {day_month(due)}."
    html = agent_client.post(url, data, HTTP_ACCEPT_LANGUAGE="zh-hans", **HX).content.decode()
    promise = re.search(r'data-testid="promise">([^<]*)<', html).group(1)
    with override("zh-hans"):
        assert promise.endswith(f"：5 个工作日，{day_month(due)} 到期。") and "分钟" not in promise


# --- after-call work (issue 13 item 5) -------------------------------------------------------

def test_a_draft_holds_the_ended_call_and_the_next_call_waits(agent_client, agent, telephony, known_caller):
    ring(telephony, agent=agent)
    first = answer(telephony, agent)
    call_event_record(call_id="c-1", event="hangup", at=timezone.now(), by=telephony)
    second = ring(telephony, call_id="c-2", caller="139 0013 9000", agent=agent)
    seen = f"{first.pk}:ended"

    held = poll(agent_client, seen)
    assert held.status_code == 200  # without a draft: the next call replaces the workspace
    assert 'id="workspace" class="workspace" hx-swap-oob="true"' in held.content.decode()

    held = agent_client.get("/console/poll/", {"seen": seen, "draft": "1"}, **HX)
    html = held.content.decode()
    assert held.status_code == 200 and 'data-testid="next-call"' in html and "13900139000" in html
    assert 'id="workspace"' not in html  # the draft stays on screen
    key = f"{first.pk}:ended+{second.pk}"
    assert f'data-watch="{key}"' in html and f'href="/console/calls/{second.pk}/"' in html
    assert agent_client.get("/console/poll/", {"seen": key, "draft": "1"}, **HX).status_code == 204
    # the draft filed (or the next call taken): the usual poll brings the next call
    assert 'id="workspace"' in agent_client.get("/console/poll/", {"seen": key}, **HX).content.decode()


def test_a_draft_does_not_hold_a_call_still_going(agent_client, agent, telephony, known_caller):
    ring(telephony, agent=agent)
    first = answer(telephony, agent)
    ring(telephony, call_id="c-2", caller="139 0013 9000", agent=agent)
    key = f"{first.pk}:answered"
    assert agent_client.get("/console/poll/", {"seen": key, "draft": "1"}, **HX).status_code == 204
