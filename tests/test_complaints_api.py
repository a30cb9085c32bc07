"""The complaints API (api-contract.md, Complaints and Conventions): every
action's 409 from a wrong state, the class-3 case study on close, who sees
and may act on which complaint, and bad input as a 400 naming the field with
nothing saved."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from complaints.models import CaseStudy, Complaint, ComplaintEvent, Finding
from servicedesk.accounts.models import Unit
from servicedesk.customers.models import Address, Customer, CustomerPhone
from servicedesk.deadlines.models import Deadline
from servicedesk.notifications.models import Notification
from tests.concurrency import at_once
from tests.conftest import api_for
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/complaints/"
WANG = {"name": "王芳", "phone": "139 0000 1111", "address": "北京市朝阳区望京街1号"}


@pytest.fixture
def org(db, partner_user, partner2_user):
    hq = UnitFactory(name="总部", kind=Unit.Kind.HEADQUARTERS)
    cs = UnitFactory(name="客服中心", kind=Unit.Kind.CALL_CENTER, parent=hq)
    quality = UnitFactory(name="质量部", kind=Unit.Kind.DEPARTMENT, parent=hq)
    station = UnitFactory(name="朝阳网点投诉处理组", kind=Unit.Kind.HANDLING_UNIT, parent=hq)
    return SimpleNamespace(
        hq=hq, cs=cs, quality=quality, station=station,
        agent=UserFactory(username="agent", roles=["agent"], unit=cs),
        supervisor=UserFactory(username="supervisor", roles=["supervisor"], unit=cs),
        manager=UserFactory(username="mgr_cs", roles=["manager"], unit=cs),
        handler=UserFactory(username="handler_q", roles=["handler"], unit=quality),
        station_handler=UserFactory(username="handler_s", roles=["handler"], unit=station),
        hr=UserFactory(username="hr", roles=["hr"]),
        technician=UserFactory(username="tech_zhang", roles=["technician"]),
        telephony=UserFactory(username="telephony", roles=["telephony"]),
        dispatcher=UserFactory(username="dispatcher", roles=["dispatcher"]),
        partner=partner_user, partner2=partner2_user,
    )


def post(user, path, body, **kwargs):
    return api_for(user).post(path, body, format="json", **kwargs)


def file_complaint(user, **fields):
    body = {"customer": WANG, "category": "service", "description": "师傅态度差"} | fields
    r = post(user, URL, body)
    assert r.status_code == 201, r.content
    return r.json()


def act(user, complaint_id, action, body):
    r = post(user, f"{URL}{complaint_id}/{action}/", body)
    assert r.status_code == 200, r.content
    return r.json()


def complaint_in(org, state, **fields):
    """A complaint taken through the loop to `state` by the people whose step it is."""
    c = file_complaint(org.agent, **fields)
    if state == "rejected":
        return act(org.agent, c["id"], "reject", {"reason": "无效投诉"})
    path = {
        "forwarded": ["forward"],
        "replied": ["forward", "reply"],
        "disputed": ["forward", "reply", "dispute"],
        "return_visited": ["forward", "reply", "visit"],
        "closed": ["forward", "reply", "visit", "close"],
    }.get(state, [])
    steps = {
        "forward": (org.agent, "forward", {"handling_unit": org.quality.pk}),
        "reply": (org.handler, "reply", {"result": "已道歉并更换师傅"}),
        "dispute": (org.agent, "return-visit", {"satisfied": False, "note": "不满意"}),
        "visit": (org.agent, "return-visit", {"satisfied": True}),
        "close": (org.agent, "close", {"case_study": "案例" if c["complaint_class"] == 3 else ""}),
    }
    for step in path:
        user, action, body = steps[step]
        c = act(user, c["id"], action, body)
    assert c["state"] == state
    return c


def snapshot(complaint_id):
    """Everything an action could change."""
    return {
        "complaint": Complaint.objects.filter(pk=complaint_id).values().get(),
        "events": list(ComplaintEvent.objects.filter(complaint_id=complaint_id).order_by("id").values()),
        "deadlines": list(Deadline.objects.filter(complaint__pk=complaint_id).order_by("id").values()),
        "case_studies": CaseStudy.objects.count(),
        "findings": Finding.objects.count(),
        "notifications": Notification.objects.count(),
    }


def counts():
    return {
        "complaints": Complaint.objects.count(), "customers": Customer.objects.count(),
        "phones": CustomerPhone.objects.count(), "addresses": Address.objects.count(),
        "events": ComplaintEvent.objects.count(), "deadlines": Deadline.objects.count(),
        "notifications": Notification.objects.count(),
    }


# --- 409: an action the state does not allow ---------------------------------------------------


@pytest.mark.parametrize(("action", "state", "body", "allowed"), [
    ("forward", "forwarded", "QUALITY", ["reply", "escalate"]),
    ("forward", "closed", "QUALITY", []),
    # A class 1 complaint may also be closed at once from received (issue 15; seeds/002).
    ("reply", "received", {"result": "已处理"}, ["forward", "escalate", "reject", "close-at-once"]),
    ("reply", "return_visited", {"result": "已处理"}, ["escalate", "close"]),
    ("return-visit", "forwarded", {"satisfied": True}, ["reply", "escalate"]),
    ("return-visit", "disputed", {"satisfied": False}, ["reply", "escalate"]),
    ("return-visit", "received", {"satisfied": False}, ["forward", "escalate", "reject", "close-at-once"]),
    ("escalate", "closed", {"complaint_class": 3, "reason": "见报"}, []),
    ("escalate", "rejected", {"complaint_class": 2, "reason": "再投诉"}, []),
    ("close", "received", {}, ["forward", "escalate", "reject", "close-at-once"]),
    ("close", "replied", {}, ["return-visit", "escalate"]),
    ("close", "disputed", {}, ["reply", "escalate"]),
    ("reject", "forwarded", {"reason": "无效"}, ["reply", "escalate"]),
    ("reject", "rejected", {"reason": "无效"}, []),
])
def test_an_action_from_a_wrong_state_is_a_409_with_the_state_and_what_it_allows_and_changes_nothing(
    org, action, state, body, allowed
):
    c = complaint_in(org, state)
    if body == "QUALITY":
        body = {"handling_unit": org.quality.pk}
    before = snapshot(c["id"])

    r = post(org.supervisor, f"{URL}{c['id']}/{action}/", body)

    assert r.status_code == 409, r.content
    assert r.json() == {
        "detail": f"“{action}” is not allowed while the state is “{state}”.", "code": "invalid_transition",
        "state": state, "allowed": allowed,
    }
    assert snapshot(c["id"]) == before


# --- close: the class-3 case study -------------------------------------------------------------


@pytest.mark.parametrize("body", [{}, {"case_study": ""}, {"case_study": "   "}, {"improvement": "加强培训"}])
def test_closing_a_class_3_complaint_without_a_case_study_is_a_400_and_changes_nothing(org, body):
    c = complaint_in(org, "return_visited", media=True)
    before = snapshot(c["id"])

    r = post(org.agent, f"{URL}{c['id']}/close/", body)

    assert r.status_code == 400
    assert r.json() == {"case_study": ["A class-3 complaint closes only with its case study."]}
    assert snapshot(c["id"]) == before
    assert before["complaint"]["state"] == "return_visited" and before["case_studies"] == 0


def test_closing_a_class_3_complaint_with_its_case_study_writes_the_case_study(org):
    c = complaint_in(org, "return_visited", media=True, description="客户在微博发帖称热水器漏气，被本地媒体转发")

    r = post(org.supervisor, f"{URL}{c['id']}/close/", {
        "case_study": "事件经过、原因分析、整改措施……", "improvement": "安装后增加气密性检测"})

    assert r.status_code == 200, r.content
    closed = r.json()
    assert (closed["state"], closed["case_study"], closed["improvement"]) == (
        "closed", "事件经过、原因分析、整改措施……", "安装后增加气密性检测")
    study = CaseStudy.objects.get()
    assert (study.complaint_id, study.title, study.body, study.written_by) == (
        c["id"], f"{c['number']}: 客户在微博发帖称热水器漏气，被本地媒体转发", "事件经过、原因分析、整改措施……",
        org.supervisor,
    )
    assert study.written_at == Complaint.objects.get(pk=c["id"]).closed_at
    event = ComplaintEvent.objects.filter(complaint_id=c["id"]).latest("id")
    assert (event.action, event.from_state, event.to_state, event.note) == (
        "close", "return_visited", "closed", "安装后增加气密性检测")


def test_a_case_study_title_can_be_given(org):
    c = complaint_in(org, "return_visited", media=True)

    act(org.agent, c["id"], "close", {"case_study": "经过……", "case_title": "漏气事件复盘"})

    assert list(CaseStudy.objects.values_list("title", "body")) == [("漏气事件复盘", "经过……")]


def test_a_class_1_complaint_closes_without_a_case_study(org):
    c = complaint_in(org, "return_visited")

    closed = act(org.agent, c["id"], "close", {})

    assert (closed["state"], closed["case_study"]) == ("closed", None)
    assert CaseStudy.objects.count() == 0


# --- who sees what and who may act ----------------------------------------------------------------


def ids(answer):
    return sorted(c["id"] for c in answer["results"])


def test_a_handler_sees_only_complaints_forwarded_to_their_own_unit(org):
    ours = complaint_in(org, "forwarded")
    theirs = file_complaint(org.agent)
    act(org.agent, theirs["id"], "forward", {"handling_unit": org.station.pk})
    not_yet = file_complaint(org.agent)

    listed = api_for(org.handler).get(URL)

    assert (listed.status_code, listed.json()["count"], ids(listed.json())) == (200, 1, [ours["id"]])
    assert api_for(org.handler).get(f"{URL}{ours['id']}/").status_code == 200
    assert api_for(org.handler).get(f"{URL}{theirs['id']}/").status_code == 404
    assert api_for(org.handler).get(f"{URL}{not_yet['id']}/").status_code == 404
    assert api_for(org.handler).get(f"{URL}{theirs['id']}/history/").status_code == 404
    assert ids(api_for(org.station_handler).get(URL).json()) == [theirs["id"]]


def test_a_handler_may_reply_only_to_complaints_of_their_own_unit(org):
    ours = complaint_in(org, "forwarded")
    theirs = file_complaint(org.agent)
    act(org.agent, theirs["id"], "forward", {"handling_unit": org.station.pk})
    before = snapshot(theirs["id"])

    refused = post(org.handler, f"{URL}{theirs['id']}/reply/", {"result": "已处理"})
    replied = post(org.handler, f"{URL}{ours['id']}/reply/", {"result": "已处理"})

    assert refused.status_code == 404
    assert snapshot(theirs["id"]) | {"notifications": None} == before | {"notifications": None}
    assert (replied.status_code, replied.json()["state"]) == (200, "replied")
    assert Complaint.objects.get(pk=ours["id"]).replied_by == org.handler


def test_a_handler_may_not_take_the_accepting_units_steps(org):
    c = complaint_in(org, "forwarded")
    before = snapshot(c["id"])

    r = post(org.handler, f"{URL}{c['id']}/reject/", {"reason": "无效"})

    assert r.status_code == 403
    assert r.json() == {"detail": "Your role may not do this.", "code": "permission_denied"}
    assert snapshot(c["id"]) == before


def test_an_agent_may_not_reply(org):
    c = complaint_in(org, "forwarded")
    before = snapshot(c["id"])

    r = post(org.agent, f"{URL}{c['id']}/reply/", {"result": "已处理"})

    assert r.status_code == 403
    assert snapshot(c["id"]) == before


def test_a_partner_sees_only_its_own_complaints_with_the_phone_masked(org):
    own = file_complaint(org.partner, external_ref="ACME-C-1")
    other_partners = file_complaint(org.partner2, customer={**WANG, "phone": "138 2222 3333"})
    agents = file_complaint(org.agent, customer={**WANG, "phone": "137 4444 5555"})

    listed = api_for(org.partner).get(URL).json()

    assert ids(listed) == [own["id"]]
    assert listed["results"][0]["customer"]["phone"] == "139****1111"
    assert (own["source"], own["external_ref"]) == ("partner", "ACME-C-1")
    assert Complaint.objects.get(pk=own["id"]).partner == org.partner.partner
    for hidden in (other_partners, agents):
        assert api_for(org.partner).get(f"{URL}{hidden['id']}/").status_code == 404
    assert ids(api_for(org.partner2).get(URL).json()) == [other_partners["id"]]


def test_a_partner_may_not_act_on_a_complaint(org):
    c = file_complaint(org.partner)
    before = snapshot(c["id"])

    r = post(org.partner, f"{URL}{c['id']}/forward/", {"handling_unit": org.quality.pk})

    assert r.status_code == 403
    assert snapshot(c["id"]) == before


def test_a_partner_sending_the_same_external_ref_again_gets_the_same_complaint(org):
    first = file_complaint(org.partner, external_ref="ACME-C-7")
    before = counts()

    r = post(
        org.partner, URL, {"customer": WANG, "category": "quality", "description": "重发", "external_ref": "ACME-C-7"}
    )

    assert (r.status_code, r.json()["id"], r.json()["category"]) == (200, first["id"], "service")
    assert counts() == before


def test_agents_supervisors_and_managers_see_every_complaint(org):
    a = complaint_in(org, "forwarded")
    b = file_complaint(org.partner, customer={**WANG, "phone": "138 2222 3333"})

    for user in (org.agent, org.supervisor, org.manager):
        assert ids(api_for(user).get(URL).json()) == sorted([a["id"], b["id"]])


def test_hr_sees_only_complaints_with_findings(org):
    found = complaint_in(org, "forwarded")
    plain = complaint_in(org, "forwarded", customer={**WANG, "phone": "138 2222 3333"})
    assert api_for(org.hr).get(URL).json()["count"] == 0

    r = post(org.handler, f"{URL}{found['id']}/findings/", {"person": "tech_zhang", "rule": "迟到", "proposal": "警告"})
    assert r.status_code == 201, r.content

    assert ids(api_for(org.hr).get(URL).json()) == [found["id"]]
    assert api_for(org.hr).get(f"{URL}{found['id']}/").status_code == 200
    assert api_for(org.hr).get(f"{URL}{plain['id']}/").status_code == 404


@pytest.mark.parametrize("who", ["technician", "telephony", "dispatcher"])
def test_roles_outside_the_complaint_loop_get_403_on_the_list_and_detail(org, who):
    c = file_complaint(org.agent)
    user = getattr(org, who)

    assert api_for(user).get(URL).status_code == 403
    assert api_for(user).get(f"{URL}{c['id']}/").status_code == 403


@pytest.mark.parametrize("who", ["technician", "telephony", "handler", "hr", "manager"])
def test_only_agents_supervisors_and_partners_file_complaints(org, who):
    before = counts()

    r = post(getattr(org, who), URL, {"customer": WANG, "category": "service", "description": "态度差"})

    assert r.status_code == 403
    assert counts() == before


def test_without_credentials_it_is_a_401(org):
    from rest_framework.test import APIClient

    assert APIClient().get(URL).status_code == 401
    assert APIClient().post(URL, {"customer": WANG}, format="json").status_code == 401
    assert Complaint.objects.count() == 0


def test_the_list_costs_a_fixed_number_of_queries(org, django_assert_max_num_queries):
    for n in range(6):
        c = complaint_in(org, "replied", customer={**WANG, "phone": f"139 0000 {2000 + n}"})
    api = api_for(org.supervisor)
    api.get(URL)  # warm the content-type cache

    with django_assert_max_num_queries(8):
        r = api.get(URL)

    assert r.json()["count"] == 6 and r.json()["results"][0]["id"] == c["id"]


def test_the_list_filters_by_state_class_and_handling_unit(org):
    forwarded = complaint_in(org, "forwarded", external=True)
    received = file_complaint(org.agent, customer={**WANG, "phone": "138 2222 3333"})
    api = api_for(org.supervisor)

    assert ids(api.get(URL, {"state": "received"}).json()) == [received["id"]]
    assert ids(api.get(URL, {"complaint_class": 2}).json()) == [forwarded["id"]]
    assert ids(api.get(URL, {"handling_unit": org.quality.pk}).json()) == [forwarded["id"]]
    assert api.get(URL, {"state": "lost"}).status_code == 400


# --- bad input: 400 naming the field, nothing saved -------------------------------------------------


MISSING = object()


def valid_body(**changes):
    body = {"customer": dict(WANG), "category": "quality", "description": "热水器漏水"} | changes
    return {k: v for k, v in body.items() if v is not MISSING}


def _in_an_hour():
    return (timezone.now() + datetime.timedelta(hours=1)).isoformat()


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"category": MISSING}, "category", "This field is required."),
    ({"category": "price"}, "category", "\"price\" is not a valid choice."),
    ({"description": "   "}, "description", "This field may not be blank."),
    ({"description": None}, "description", "This field may not be null."),
    ({"received_at": "2026-11-20T10:00:00"}, "received_at",
     "Timestamp must include a UTC offset, e.g. 2026-11-23T09:30:00+08:00."),
    ({"received_at": "yesterday"}, "received_at", None),
    ({"received_at": _in_an_hour}, "received_at", "Must not be in the future."),
    ({"work_order": 999999}, "work_order", "No such object: 999999."),
    ({"work_order": "WO-1"}, "work_order", "Give the id (a number)."),
    ({"customer": 999999}, "customer", "No customer with id 999999."),
    ({"customer": None}, "customer", "This field may not be null."),
    ({"customer": MISSING}, "customer", "This field is required."),
    ({"external": "perhaps"}, "external", "Must be a valid boolean."),
    ({"source": "fax"}, "source", "\"fax\" is not a valid choice."),
])
def test_bad_input_on_create_is_a_400_naming_the_field_and_nothing_is_saved(org, changes, field, message):
    changes = {k: v() if callable(v) else v for k, v in changes.items()}

    r = post(org.agent, URL, valid_body(**changes))

    assert r.status_code == 400, r.content
    assert list(r.json()) == [field]
    if message:
        assert r.json()[field] == [message]
    assert counts() == {k: 0 for k in counts()}


def test_a_customer_without_a_phone_is_a_400_naming_the_nested_field(org):
    r = post(org.agent, URL, valid_body(customer={"name": "王芳", "phone": "12"}))

    assert r.status_code == 400
    assert r.json() == {"customer": {"phone": ["Not a valid phone number."]}}
    assert counts() == {k: 0 for k in counts()}


def test_a_work_order_the_partner_may_not_see_is_a_400(org):
    r = post(org.agent, "/api/v1/work-orders/", {"kind": "repair", "description": "漏水", "customer": WANG})
    assert r.status_code == 201, r.content
    agents_order = r.json()["id"]
    before = counts()

    refused = post(org.partner, URL, valid_body(work_order=agents_order))

    assert refused.status_code == 400
    assert refused.json() == {"work_order": [f"No such object: {agents_order}."]}
    assert counts() == before
    # The agent may name it, and the complaint carries it.
    assert file_complaint(org.agent, work_order=agents_order)["work_order"] == agents_order


def test_malformed_json_is_a_400_never_a_500(org):
    c = file_complaint(org.agent)
    before = (counts(), snapshot(c["id"]))

    for path in (URL, f"{URL}{c['id']}/forward/", f"{URL}{c['id']}/escalate/"):
        r = api_for(org.agent).post(path, '{"category": "quality", ', content_type="application/json")
        assert r.status_code == 400, path
        assert list(r.json()) == ["detail", "code"] and r.json()["code"] == "parse_error"

    assert (counts(), snapshot(c["id"])) == before


@pytest.mark.parametrize(("state", "who", "action", "body", "field", "message"), [
    ("received", "agent", "forward", {"handling_unit": 999999}, "handling_unit", "No such object: 999999."),
    ("received", "agent", "forward", {}, "handling_unit", "This field is required."),
    ("received", "agent", "forward", {"handling_unit": "CS"}, "handling_unit", "Give the id (a number)."),
    ("received", "agent", "forward", "CALL_CENTER", "handling_unit",
     "Complaints are forwarded to a handling unit, a department or a station."),
    ("received", "agent", "forward", "HEADQUARTERS", "handling_unit",
     "Complaints are forwarded to a handling unit, a department or a station."),
    ("forwarded", "handler", "reply", {}, "result", "This field is required."),
    ("forwarded", "handler", "reply", {"result": "  "}, "result", "This field may not be blank."),
    ("replied", "agent", "return-visit", {"note": "客户没接电话"}, "satisfied", "This field is required."),
    ("replied", "agent", "return-visit", {"satisfied": "perhaps"}, "satisfied", "Must be a valid boolean."),
    ("received", "agent", "escalate", {"complaint_class": 4, "reason": "严重"}, "complaint_class", "Give 2 or 3."),
    ("received", "agent", "escalate", {"complaint_class": 0, "reason": "严重"}, "complaint_class", "Give 2 or 3."),
    ("received", "agent", "escalate", {"complaint_class": "three", "reason": "严重"}, "complaint_class",
     "A valid integer is required."),
    ("received", "agent", "escalate", {"complaint_class": 3}, "reason", "This field is required."),
    ("received", "agent", "reject", {"reason": ""}, "reason", "This field may not be blank."),
])
def test_bad_input_on_an_action_is_a_400_naming_the_field_and_changes_nothing(
    org, state, who, action, body, field, message
):
    c = complaint_in(org, state)
    if body == "CALL_CENTER":
        body = {"handling_unit": org.cs.pk}
    elif body == "HEADQUARTERS":
        body = {"handling_unit": org.hq.pk}
    before = snapshot(c["id"])

    r = post(getattr(org, who), f"{URL}{c['id']}/{action}/", body)

    assert r.status_code == 400, r.content
    assert r.json() == {field: [message]}
    assert snapshot(c["id"]) == before


@pytest.mark.parametrize(("state", "who", "action", "kwargs", "field", "code"), [
    ("received", "agent", "complaint_forward", "CALL_CENTER", "handling_unit", "not_a_handling_unit"),
    ("received", "agent", "complaint_forward", "HEADQUARTERS", "handling_unit", "not_a_handling_unit"),
    ("forwarded", "handler", "complaint_reply", {"result": "  "}, "result", "blank"),
    ("replied", "agent", "complaint_return_visit", {"satisfied": None}, "satisfied", "required"),
    ("received", "agent", "complaint_escalate", {"complaint_class": 4, "reason": "严重"}, "complaint_class",
     "invalid_class"),
    ("received", "agent", "complaint_escalate", {"complaint_class": "three", "reason": "严重"}, "complaint_class",
     "invalid_class"),
    ("received", "agent", "complaint_escalate", {"complaint_class": 3, "reason": " "}, "reason", "blank"),
    ("received", "agent", "complaint_reject", {"reason": ""}, "reason", "blank"),
    ("received", "agent", "complaint_acknowledge", {"note": "已告知销售"}, "note", "nothing_to_acknowledge"),
    ("received", "agent", "complaint_hand_over", {"to": "supervisor", "note": ""}, "note", "blank"),
])
def test_a_services_field_error_carries_a_stable_code_and_changes_nothing(org, state, who, action, kwargs, field,
                                                                          code):
    """Contract, Error codes: the API answers a field error as {field: [text]};
    the domain error behind it carries a code that does not change with the
    language, which the pages and other callers match on."""
    from complaints import services
    from servicedesk.core.errors import ValidationFailed

    c = complaint_in(org, state)
    if kwargs in ("CALL_CENTER", "HEADQUARTERS"):
        kwargs = {"handling_unit": org.cs if kwargs == "CALL_CENTER" else org.hq}
    elif kwargs.get("to") == "supervisor":
        kwargs = {**kwargs, "to": org.supervisor}
    before = snapshot(c["id"])

    with pytest.raises(ValidationFailed) as raised:
        getattr(services, action)(complaint_id=c["id"], by=getattr(org, who), **kwargs)

    assert (raised.value.field, raised.value.code) == (field, code)
    assert snapshot(c["id"]) == before


def test_the_class_rules_errors_carry_their_codes(org):
    from complaints import services
    from servicedesk.core.errors import ValidationFailed

    high = complaint_in(org, "return_visited", media=True)
    for call, code in [
        (lambda: services.complaint_escalate(complaint_id=high["id"], by=org.supervisor, complaint_class=3,
                                             reason="再升级"), "class_only_goes_up"),
        (lambda: services.complaint_close(complaint_id=high["id"], by=org.agent, case_study=" "),
         "case_study_required"),
    ]:
        before = snapshot(high["id"])
        with pytest.raises(ValidationFailed) as raised:
            call()
        assert raised.value.code == code
        assert snapshot(high["id"]) == before


def test_an_inactive_unit_is_no_forward_target(org):
    org.station.active = False
    org.station.save()
    c = file_complaint(org.agent)
    before = snapshot(c["id"])

    r = post(org.agent, f"{URL}{c['id']}/forward/", {"handling_unit": org.station.pk})

    assert (r.status_code, list(r.json())) == (400, ["handling_unit"])
    assert snapshot(c["id"]) == before


def test_an_unknown_complaint_is_a_404(org):
    assert api_for(org.agent).get(f"{URL}999999/").status_code == 404
    assert post(org.agent, f"{URL}999999/forward/", {"handling_unit": org.quality.pk}).status_code == 404


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_forwards_at_once_one_wins_and_the_other_gets_409(postgres, org):
    c = file_complaint(org.agent)

    def forward(user, unit):
        return lambda: post(user, f"{URL}{c['id']}/forward/", {"handling_unit": unit.pk})

    answers = dict(zip((org.quality.pk, org.station.pk),
                       at_once(forward(org.agent, org.quality), forward(org.supervisor, org.station)), strict=True))

    assert sorted(r.status_code for r in answers.values()) == [200, 409]
    winner = next(unit for unit, r in answers.items() if r.status_code == 200)
    loser = next(r for r in answers.values() if r.status_code == 409)
    assert loser.json() == {
        "detail": "“forward” is not allowed while the state is “forwarded”.", "code": "invalid_transition",
        "state": "forwarded", "allowed": ["reply", "escalate"],
    }
    assert Complaint.objects.get(pk=c["id"]).handling_unit_id == winner
    assert ComplaintEvent.objects.filter(complaint_id=c["id"], action="forward").count() == 1
    assert Deadline.objects.filter(complaint__pk=c["id"], kind="reply").count() == 1


def test_the_history_is_read_only_through_the_api(org):
    c = complaint_in(org, "forwarded")
    before = snapshot(c["id"])
    api = api_for(org.supervisor)

    assert api.post(f"{URL}{c['id']}/history/", {"action": "close"}, format="json").status_code == 405
    assert api.put(f"{URL}{c['id']}/history/", [], format="json").status_code == 405
    assert api.delete(f"{URL}{c['id']}/history/").status_code == 405
    assert api.delete(f"{URL}{c['id']}/").status_code == 405
    assert api.patch(f"{URL}{c['id']}/", {"complaint_class": 1}, format="json").status_code == 405
    assert snapshot(c["id"]) == before


def test_postgresql_refuses_to_change_or_delete_a_history_row(postgres, org):
    from django.db import DatabaseError, transaction

    c = complaint_in(org, "forwarded")
    rows = ComplaintEvent.objects.filter(complaint_id=c["id"])

    with pytest.raises(DatabaseError, match="history rows are immutable"), transaction.atomic():
        rows.update(note="rewritten")
    with pytest.raises(DatabaseError, match="history rows are immutable"), transaction.atomic():
        rows.filter(action="forward")._raw_delete(rows.db)

    assert sorted(rows.values_list("action", "note")) == [("create", "A first complaint."), ("forward", "")]
