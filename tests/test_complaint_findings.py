"""Accountability findings (domain.md section 4, loop step 6; seeds/000): the
handling unit names the person, the rule broken and a proposal; HR is told
and decides; the decision is copied to the accepting unit and the complaint's
owner. Both steps leave a row in the complaint's history."""

from types import SimpleNamespace

import pytest

from complaints.models import Complaint, ComplaintEvent, Finding
from servicedesk.accounts.models import Unit
from servicedesk.notifications.models import Notification
from tests.conftest import api_for
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/complaints/"


@pytest.fixture
def org(db):
    hq = UnitFactory(name="总部", kind=Unit.Kind.HEADQUARTERS)
    cs = UnitFactory(name="客服中心", kind=Unit.Kind.CALL_CENTER, parent=hq)
    station = UnitFactory(name="朝阳网点", kind=Unit.Kind.STATION, parent=hq)
    handling = UnitFactory(name="朝阳网点投诉处理组", kind=Unit.Kind.HANDLING_UNIT, parent=station)
    other = UnitFactory(name="质量部", kind=Unit.Kind.DEPARTMENT, parent=hq)
    return SimpleNamespace(
        cs=cs, handling=handling, other=other,
        agent=UserFactory(username="agent", roles=["agent"], unit=cs),
        colleague=UserFactory(username="agent2", roles=["agent"], unit=cs),
        supervisor=UserFactory(username="supervisor", roles=["supervisor"], unit=cs),
        former=UserFactory(username="agent_left", roles=["agent"], unit=cs, is_active=False),
        handler=UserFactory(username="handler_s", roles=["handler"], unit=handling),
        other_handler=UserFactory(username="handler_q", roles=["handler"], unit=other),
        hr=UserFactory(username="hr", roles=["hr"]),
        hr2=UserFactory(username="hr2", roles=["hr"]),
        technician=UserFactory(username="tech_zhang", first_name="张师傅", roles=["technician"], unit=station),
        manager=UserFactory(username="mgr_hq", roles=["manager"], unit=hq),
    )


@pytest.fixture
def complaint(org):
    r = api_for(org.agent).post(
        URL,
        {
            "customer": {"name": "王芳", "phone": "139 0000 1111"}, "category": "service",
            "description": "师傅索要额外费用",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    c = r.json()
    r = api_for(org.agent).post(f"{URL}{c['id']}/forward/", {"handling_unit": org.handling.pk}, format="json")
    assert r.status_code == 200, r.content
    return Complaint.objects.get(pk=c["id"])


def propose(user, complaint, **changes):
    body = {"person": "tech_zhang", "rule": "服务规范第5条：不得私自收费", "proposal": "通报批评并退还费用"} | changes
    return api_for(user).post(f"{URL}{complaint.pk}/findings/", body, format="json")


def decide(user, finding_id, decision="通报批评，扣当月绩效200元"):
    return api_for(user).post(f"/api/v1/findings/{finding_id}/decide/", {"decision": decision}, format="json")


def inbox(since=0):
    return [(n.recipient.username, n.title, n.body)
            for n in Notification.objects.order_by("id").select_related("recipient")[since:]]


def snapshot(complaint):
    return {
        "complaint": Complaint.objects.filter(pk=complaint.pk).values().get(),
        "events": list(ComplaintEvent.objects.filter(complaint=complaint).order_by("id").values()),
        "findings": list(Finding.objects.order_by("id").values()),
        "notifications": Notification.objects.count(),
    }


def test_the_handling_units_handler_proposes_and_hr_is_told(org, complaint):
    told = Notification.objects.count()

    r = propose(org.handler, complaint)

    assert r.status_code == 201, r.content
    finding = r.json()
    assert {k: finding[k] for k in ("complaint", "person", "rule", "proposal", "proposed_by", "state", "decision",
                                    "decided_by", "decided_at")} == {
        "complaint": complaint.pk, "person": "tech_zhang", "rule": "服务规范第5条：不得私自收费",
        "proposal": "通报批评并退还费用", "proposed_by": "handler_s", "state": "proposed", "decision": "",
        "decided_by": None, "decided_at": None}
    title = f"Accountability proposed for 张师傅 (complaint {complaint.number})"
    assert inbox(told) == [("hr", title, "通报批评并退还费用"), ("hr2", title, "通报批评并退还费用")]
    event = ComplaintEvent.objects.filter(complaint=complaint).latest("id")
    assert (event.action, event.from_state, event.to_state, event.by, event.note, event.data) == (
        "propose-finding", "forwarded", "forwarded", org.handler, "服务规范第5条：不得私自收费",
        {"finding": finding["id"], "person": "tech_zhang"})
    assert Complaint.objects.get(pk=complaint.pk).state == "forwarded"
    listed = api_for(org.agent).get(f"{URL}{complaint.pk}/findings/").json()
    assert [(f["id"], f["person"], f["state"]) for f in listed] == [(finding["id"], "tech_zhang", "proposed")]


def test_hr_decides_and_the_accepting_unit_and_the_owner_are_told(org, complaint):
    finding = propose(org.handler, complaint).json()
    told = Notification.objects.count()

    r = decide(org.hr, finding["id"])

    assert r.status_code == 200, r.content
    decided = r.json()
    assert (decided["state"], decided["decision"], decided["decided_by"]) == (
        "decided", "通报批评，扣当月绩效200元", "hr",
    )
    assert decided["decided_at"] is not None and decided["decided_at"].endswith("+08:00")
    title = f"HR decision on complaint {complaint.number}: 张师傅"
    # Every active member of the customer-service center (the owner, agent, among them); not the handling unit.
    assert sorted(inbox(told)) == [
        ("agent", title, "通报批评，扣当月绩效200元"),
        ("agent2", title, "通报批评，扣当月绩效200元"),
        ("supervisor", title, "通报批评，扣当月绩效200元"),
    ]
    history = api_for(org.agent).get(f"{URL}{complaint.pk}/history/").json()
    assert [(h["action"], h["by"], h["note"], h["data"]) for h in history][-2:] == [
        (
            "propose-finding", "handler_s", "服务规范第5条：不得私自收费",
            {"finding": finding["id"], "person": "tech_zhang"},
        ),
        ("decide-finding", "hr", "通报批评，扣当月绩效200元", {"finding": finding["id"]}),
    ]


def test_the_owner_is_told_even_when_no_longer_in_the_accepting_unit(org, complaint):
    finding = propose(org.handler, complaint).json()
    org.agent.unit = org.other
    org.agent.save()
    told = Notification.objects.count()

    assert decide(org.hr, finding["id"]).status_code == 200

    assert sorted(u for u, _, _ in inbox(told)) == ["agent", "agent2", "supervisor"]


def test_hr_sees_the_proposals_queue(org, complaint):
    finding = propose(org.handler, complaint).json()

    listed = api_for(org.hr).get("/api/v1/findings/", {"state": "proposed"}).json()

    assert [f["id"] for f in listed["results"]] == [finding["id"]]
    assert api_for(org.hr).get("/api/v1/findings/", {"state": "decided"}).json()["count"] == 0
    assert api_for(org.handler).get("/api/v1/findings/").status_code == 403


@pytest.mark.parametrize("who", ["supervisor", "manager", "handler", "agent"])
def test_only_hr_decides(org, complaint, who):
    finding = propose(org.handler, complaint).json()
    before = snapshot(complaint)

    r = decide(getattr(org, who), finding["id"])

    assert r.status_code == 403
    assert r.json()["code"] == "permission_denied"
    assert snapshot(complaint) == before


def test_deciding_twice_is_a_409_and_the_first_decision_stands(org, complaint):
    finding = propose(org.handler, complaint).json()
    assert decide(org.hr, finding["id"], "警告").status_code == 200
    before = snapshot(complaint)

    r = decide(org.hr2, finding["id"], "开除")

    assert r.status_code == 409
    assert r.json() == {
        "detail": "“decide” is not allowed while the state is “decided”.", "code": "invalid_transition",
        "state": "decided", "allowed": [],
    }
    assert snapshot(complaint) == before
    assert Finding.objects.get().decision == "警告"


def test_a_blank_decision_is_a_400(org, complaint):
    finding = propose(org.handler, complaint).json()
    before = snapshot(complaint)

    r = decide(org.hr, finding["id"], "  ")

    assert (r.status_code, r.json()) == (400, {"decision": ["This field may not be blank."]})
    assert snapshot(complaint) == before


def test_an_unknown_finding_is_a_404(org):
    assert decide(org.hr, 999999).status_code == 404


def test_a_supervisor_may_propose_too(org, complaint):
    r = propose(org.supervisor, complaint, person="agent2")

    assert (r.status_code, r.json()["person"], r.json()["proposed_by"]) == (201, "agent2", "supervisor")


@pytest.mark.parametrize(("who", "status"), [("agent", 403), ("hr", 404), ("other_handler", 404)])
def test_others_may_not_propose(org, complaint, who, status):
    before = snapshot(complaint)

    r = propose(getattr(org, who), complaint)

    assert r.status_code == status
    assert snapshot(complaint) == before


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"person": "nobody"}, "person", "No active user “nobody”."),
    ({"person": "agent_left"}, "person", "No active user “agent_left”."),
    ({"rule": " "}, "rule", "This field may not be blank."),
    ({"proposal": ""}, "proposal", "This field may not be blank."),
])
def test_bad_input_on_a_proposal_is_a_400_and_nothing_is_saved(org, complaint, changes, field, message):
    before = snapshot(complaint)

    r = propose(org.handler, complaint, **changes)

    assert (r.status_code, r.json()) == (400, {field: [message]})
    assert snapshot(complaint) == before


def test_hr_reads_the_complaint_once_it_has_a_finding(org, complaint):
    assert api_for(org.hr).get(f"{URL}{complaint.pk}/").status_code == 404

    propose(org.handler, complaint)

    r = api_for(org.hr).get(f"{URL}{complaint.pk}/")
    assert (r.status_code, r.json()["number"]) == (200, complaint.number)
    assert api_for(org.hr).get(f"{URL}{complaint.pk}/findings/").status_code == 200


def test_hr_lists_a_complaint_with_two_findings_once(org, complaint):
    propose(org.handler, complaint)
    propose(org.handler, complaint, person="agent2")

    listed = api_for(org.hr).get(URL).json()

    assert (listed["count"], [c["id"] for c in listed["results"]]) == (1, [complaint.pk])
    assert len(api_for(org.hr).get(f"{URL}{complaint.pk}/findings/").json()) == 2
