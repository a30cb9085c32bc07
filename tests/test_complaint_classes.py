"""Complaint classes through the API (api-contract.md, Complaints; domain.md
section 4, seeds/002): 3 when the complaint reached the media, 2 when the
customer threatens to complain outside or complained before within the
repeat window (settings.SERVICEDESK["COMPLAINT_REPEAT_DAYS"], 90), else 1.
A repeat raises the customer's earlier open class-1 complaint to 2. The
class only goes up. A rise to 2 informs the department manager (the nearest
manager up the accepting unit's chain); a rise to 3 also leadership
(managers at headquarters)."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from complaints.models import Complaint, ComplaintEvent
from servicedesk.accounts.models import Unit
from servicedesk.notifications.models import Notification
from tests.concurrency import at_once
from tests.conftest import api_for
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def back_dating_allowed(settings):
    """These tests file complaints received months ago (the 90-day window): allowed further back than the
    default SERVICEDESK_MAX_BACKDATE_DAYS (tests/test_backdating.py holds the limit)."""
    settings.SERVICEDESK_MAX_BACKDATE_DAYS = 3650

URL = "/api/v1/complaints/"
DAY = datetime.timedelta(days=1)
WANG = {"name": "王芳", "phone": "139 0000 1111", "address": "北京市朝阳区望京街1号"}
LI = {"name": "李强", "phone": "138 2222 3333", "address": "北京市海淀区中关村大街5号"}


@pytest.fixture
def org(db):
    """HQ (leadership) > customer-service center (its manager, agents) and the quality department."""
    hq = UnitFactory(name="总部", kind=Unit.Kind.HEADQUARTERS)
    cs = UnitFactory(name="客服中心", kind=Unit.Kind.CALL_CENTER, parent=hq)
    desk = UnitFactory(name="投诉受理组", kind=Unit.Kind.OFFICE, parent=cs)
    quality = UnitFactory(name="质量部", kind=Unit.Kind.DEPARTMENT, parent=hq)
    return SimpleNamespace(
        hq=hq, cs=cs, desk=desk, quality=quality,
        agent=UserFactory(username="agent", roles=["agent"], unit=desk),
        supervisor=UserFactory(username="supervisor", roles=["supervisor"], unit=cs),
        cs_manager=UserFactory(username="mgr_cs", roles=["manager"], unit=cs),
        quality_manager=UserFactory(username="mgr_quality", roles=["manager"], unit=quality),
        leader=UserFactory(username="mgr_hq", roles=["manager"], unit=hq),
        handler=UserFactory(username="handler_q", roles=["handler"], unit=quality),
    )


def file_complaint(user, *, customer=WANG, received_at=None, **fields):
    body = {"customer": customer, "category": "service", "description": "师傅态度差"} | fields
    if received_at is not None:
        body["received_at"] = received_at.isoformat()
    r = api_for(user).post(URL, body, format="json")
    assert r.status_code == 201, r.content
    return r.json()


def inbox():
    """Who was told what: (username, title) in the order written."""
    return [(n.recipient.username, n.title) for n in Notification.objects.order_by("id").select_related("recipient")]


def snapshot(complaint_id):
    c = Complaint.objects.get(pk=complaint_id)
    return {
        "state": c.state, "class": c.complaint_class, "reason": c.class_reason,
        "events": list(ComplaintEvent.objects.filter(complaint=c).order_by("id").values_list("action", "data")),
        "deadlines": list(c.deadlines.order_by("id").values_list("kind", "due_at", "met_at", "escalation_level")),
        "notifications": Notification.objects.count(),
    }


def test_a_first_complaint_is_class_1_and_nobody_is_told(org):
    c = file_complaint(org.agent)

    assert (c["complaint_class"], c["class_reason"], c["external"], c["media"]) == (
        1, "A first complaint.", False, False,
    )
    assert inbox() == []


def test_media_makes_class_3_and_tells_the_cs_manager_and_leadership(org):
    c = file_complaint(org.agent, media=True, external=True)

    assert (c["complaint_class"], c["class_reason"]) == (3, "The complaint has reached the media.")
    title = f"Complaint {c['number']} is class 3: The complaint has reached the media."
    assert sorted(inbox()) == [("mgr_cs", title), ("mgr_hq", title)]
    assert (
        Notification.objects.get(recipient=org.cs_manager).url == Complaint.objects.get(pk=c["id"]).get_absolute_url()
    )
    assert Notification.objects.get(recipient=org.cs_manager).body == "师傅态度差"


def test_external_makes_class_2_and_tells_the_nearest_manager_of_the_accepting_unit_only(org):
    c = file_complaint(org.agent, external=True)

    assert (c["complaint_class"], c["accepting_unit"]["id"]) == (2, org.desk.pk)
    # The desk has no manager; the customer-service center above it has one. HQ is not told of class 2.
    assert inbox() == [
        ("mgr_cs", f"Complaint {c['number']} is class 2: The customer wants to complain outside the company."),
    ]


def test_the_same_customer_complaining_again_within_90_days_is_class_2(org):
    now = timezone.now()
    first = file_complaint(org.supervisor, received_at=now - 90 * DAY)

    again = file_complaint(org.agent, received_at=now, customer={**WANG, "phone": "+86 139-0000-1111"})

    assert (again["customer"]["id"], again["complaint_class"]) == (first["customer"]["id"], 2)
    assert again["class_reason"] == "A repeated complaint: the customer complained within the last 90 days."


def test_a_complaint_91_days_after_the_last_one_is_class_1_again_and_the_old_one_stays(org):
    now = timezone.now()
    first = file_complaint(org.agent, received_at=now - 91 * DAY)

    again = file_complaint(org.agent, received_at=now)

    assert (again["customer"]["id"], again["complaint_class"]) == (first["customer"]["id"], 1)
    assert Complaint.objects.get(pk=first["id"]).complaint_class == 1
    assert list(ComplaintEvent.objects.filter(complaint_id=first["id"]).values_list("action", flat=True)) == ["create"]
    assert inbox() == []


def test_another_customer_does_not_make_a_repeat(org):
    file_complaint(org.agent, customer=WANG)

    assert file_complaint(org.agent, customer=LI)["complaint_class"] == 1


def test_the_repeat_window_comes_from_the_settings(org, settings):
    settings.SERVICEDESK = {**settings.SERVICEDESK, "COMPLAINT_REPEAT_DAYS": 30}
    now = timezone.now()
    file_complaint(org.agent, customer=WANG, received_at=now - 31 * DAY)
    file_complaint(org.agent, customer=LI, received_at=now - 30 * DAY)

    assert file_complaint(org.agent, customer=WANG, received_at=now)["complaint_class"] == 1
    li_again = file_complaint(org.agent, customer=LI, received_at=now)
    assert (li_again["complaint_class"], li_again["class_reason"]) == (
        2, "A repeated complaint: the customer complained within the last 30 days.")

    settings.SERVICEDESK = {**settings.SERVICEDESK, "COMPLAINT_REPEAT_DAYS": 120}
    assert file_complaint(org.agent, customer=WANG, received_at=now)["complaint_class"] == 2


def test_a_repeat_raises_the_earlier_open_class_1_complaint_to_2_with_a_history_row_and_tells_the_manager(org):
    first = file_complaint(org.agent, received_at=timezone.now() - 10 * DAY)
    r = api_for(org.agent).post(f"{URL}{first['id']}/forward/", {"handling_unit": org.quality.pk}, format="json")
    assert r.status_code == 200, r.content
    told = Notification.objects.count()  # the handlers of the quality department

    again = file_complaint(org.agent, description="又来了：还是没人联系我")

    raised = api_for(org.agent).get(f"{URL}{first['id']}/").json()
    reason = f"Repeated: the customer complained again ({again['number']})."
    assert (raised["state"], raised["complaint_class"], raised["class_reason"]) == ("forwarded", 2, reason)
    history = api_for(org.agent).get(f"{URL}{first['id']}/history/").json()
    assert [(h["action"], h["from_state"], h["to_state"], h["by"], h["note"], h["data"]) for h in history][-1] == (
        "escalate", "forwarded", "forwarded", "agent", reason, {"complaint_class": 2, "repeat": again["id"]})
    assert inbox()[told:] == [
        ("mgr_cs", f"Complaint {again['number']} is class 2: "
                   "A repeated complaint: the customer complained within the last 90 days."),
        ("mgr_cs", f"Complaint {first['number']} is class 2: {reason}"),
    ]


def test_a_repeat_leaves_rejected_and_higher_class_complaints_alone(org):
    rejected = file_complaint(org.agent, received_at=timezone.now() - 5 * DAY)
    assert (
        api_for(org.agent).post(f"{URL}{rejected['id']}/reject/", {"reason": "重复登记"}, format="json").status_code
        == 200
    )
    media = file_complaint(org.agent, received_at=timezone.now() - 4 * DAY, media=True)
    before = {pk: snapshot(pk) for pk in (rejected["id"], media["id"])}
    assert (before[rejected["id"]]["class"], before[media["id"]]["class"]) == (1, 3)

    again = file_complaint(org.agent)

    assert again["complaint_class"] == 2
    after = {pk: snapshot(pk) | {"notifications": before[pk]["notifications"]} for pk in before}
    assert after == before
    # Only the new complaint's own class 2 is told; nothing about the other two.
    assert Notification.objects.count() == before[media["id"]]["notifications"] + 1


def test_a_complaint_received_100_days_before_an_existing_one_is_no_repeat_of_it(org):
    """Entered late, with its real (earlier) receipt time: the two are 100
    days apart, outside the window either way."""
    later = file_complaint(org.agent)

    earlier = file_complaint(org.agent, received_at=timezone.now() - 100 * DAY)

    assert earlier["complaint_class"] == 1
    assert (Complaint.objects.get(pk=later["id"]).complaint_class,
            ComplaintEvent.objects.filter(complaint_id=later["id"]).count()) == (1, 1)
    assert inbox() == []


def test_escalate_raises_the_class_keeps_the_state_and_tells_cs_manager_and_leadership(org):
    c = file_complaint(org.agent)

    r = api_for(org.supervisor).post(f"{URL}{c['id']}/escalate/", {"complaint_class": 3, "reason": "客户已联系电视台"},
                                     format="json")

    assert r.status_code == 200, r.content
    assert (r.json()["state"], r.json()["complaint_class"], r.json()["class_reason"]) == (
        "received", 3, "客户已联系电视台",
    )
    event = ComplaintEvent.objects.filter(complaint_id=c["id"]).latest("id")
    assert (event.action, event.from_state, event.to_state, event.by, event.note, event.data) == (
        "escalate", "received", "received", org.supervisor, "客户已联系电视台", {"complaint_class": 3})
    title = f"Complaint {c['number']} is class 3: 客户已联系电视台"
    assert sorted(inbox()) == [("mgr_cs", title), ("mgr_hq", title)]


def test_escalate_to_2_tells_the_department_manager_only(org):
    c = file_complaint(org.agent)

    r = api_for(org.agent).post(f"{URL}{c['id']}/escalate/", {"complaint_class": 2, "reason": "客户称要投诉到消协"},
                                format="json")

    assert (r.status_code, r.json()["complaint_class"]) == (200, 2)
    assert inbox() == [("mgr_cs", f"Complaint {c['number']} is class 2: 客户称要投诉到消协")]


def test_the_handling_units_handler_may_escalate_and_the_class_can_go_from_2_to_3(org):
    c = file_complaint(org.agent, external=True)
    api_for(org.agent).post(f"{URL}{c['id']}/forward/", {"handling_unit": org.quality.pk}, format="json")

    r = api_for(org.handler).post(
        f"{URL}{c['id']}/escalate/", {"complaint_class": 3, "reason": "已见报"}, format="json"
    )

    assert (r.status_code, r.json()["state"], r.json()["complaint_class"]) == (200, "forwarded", 3)


@pytest.mark.parametrize(("start", "to"), [(2, 2), (2, 1), (3, 2), (3, 3)])
def test_escalate_never_lowers_or_repeats_the_class_and_changes_nothing(org, start, to):
    c = file_complaint(org.agent, external=start == 2, media=start == 3)
    before = snapshot(c["id"])

    r = api_for(org.supervisor).post(f"{URL}{c['id']}/escalate/", {"complaint_class": to, "reason": "再升级"},
                                     format="json")

    assert r.status_code == 400
    if to == 1:
        assert r.json() == {"complaint_class": ["Give 2 or 3."]}
    else:
        assert r.json() == {"complaint_class": [f"The class can only go up: it is {start} now."]}
    assert snapshot(c["id"]) == before


def test_escalate_is_refused_for_a_closed_or_rejected_complaint(org):
    c = file_complaint(org.agent)
    api_for(org.agent).post(f"{URL}{c['id']}/reject/", {"reason": "无效"}, format="json")
    before = snapshot(c["id"])

    r = api_for(org.supervisor).post(
        f"{URL}{c['id']}/escalate/", {"complaint_class": 3, "reason": "见报"}, format="json"
    )

    assert r.status_code == 409
    assert r.json() == {
        "detail": "“escalate” is not allowed while the state is “rejected”.", "code": "invalid_transition",
        "state": "rejected", "allowed": [],
    }
    assert snapshot(c["id"]) == before


def test_a_complaint_entered_late_within_the_window_makes_both_class_2(org):
    later = file_complaint(org.agent)

    earlier = file_complaint(org.agent, received_at=timezone.now() - 30 * DAY)

    assert earlier["complaint_class"] == 2
    assert Complaint.objects.get(pk=later["id"]).complaint_class == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_complaints_of_one_customer_at_the_same_moment_see_each_other(postgres, org):
    """The customer's row is locked while a complaint is classed: whichever
    commits second is a repeat and raises the first."""
    from servicedesk.customers.services import customer_match_or_create

    customer, _ = customer_match_or_create(name="赵敏", phone="136 5555 6666")

    def file_one(user):
        return lambda: api_for(user).post(URL, {"customer": customer.pk, "category": "service",
                                                "description": "一起投诉"}, format="json")

    answers = at_once(file_one(org.agent), file_one(org.supervisor))

    assert sorted(r.status_code for r in answers) == [201, 201]
    assert sorted(Complaint.objects.filter(customer=customer).values_list("complaint_class", flat=True)) == [2, 2]
    assert ComplaintEvent.objects.filter(action="escalate").count() == 1
