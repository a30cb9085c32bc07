"""First-question responsibility (issue 5, item 4; domain.md section 2,
seeds/000 and seeds/001): whoever takes the question owns it until it is
answered or formally handed over. Work orders and complaints show their
owner; the owner, a supervisor or a manager hands it over explicitly, with a
note, to another member of staff who can own it. The state stays, a history
row says who handed it to whom and why, and the new owner is notified.
Through the API and the pages."""

import pytest

from complaints import services as complaint_services
from complaints.models import Complaint, ComplaintEvent
from servicedesk.accounts.models import Unit
from servicedesk.notifications.models import Notification
from tests.conftest import api_for
from tests.factories import UnitFactory, UserFactory
from tests.signing import SIGNED
from tickets import services
from tickets.models import WorkOrder, WorkOrderEvent

pytestmark = pytest.mark.django_db

WO = "/api/v1/work-orders/"
CP = "/api/v1/complaints/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def wang(db):
    return UserFactory(username="wang", first_name="客服小王", roles=["agent"])


@pytest.fixture
def handler(db):
    unit = UnitFactory(name="质量部", kind=Unit.Kind.HANDLING_UNIT, responsibility=Unit.Responsibility.QUALITY)
    return UserFactory(username="handler", first_name="质量部赵", roles=["handler"], unit=unit)


def make_order(by):
    order, _ = services.work_order_create(
        by=by, kind="repair", description="热水器点不着火",
        customer={"name": "王伟", "phone": "13800138000", "address": "北京市朝阳区建国路88号"},
    )
    return order


def file_complaint(by):
    complaint, _ = complaint_services.complaint_create(
        by=by, customer={"name": "王芳", "phone": "13900001111"}, category="service", description="师傅迟到两小时")
    return complaint


def hand_over(user, url, body):
    return api_for(user).post(f"{url}hand-over/", body, format="json")


def snapshot(model, pk):
    obj = model.objects.get(pk=pk)
    events = (WorkOrderEvent.objects.filter(order_id=pk) if model is WorkOrder
              else ComplaintEvent.objects.filter(complaint_id=pk))
    return obj.owner_id, obj.state, events.count(), Notification.objects.count()


# --- work orders: API -------------------------------------------------------------------


def test_the_owner_is_the_creator_and_shows_in_the_api(agent):
    order = make_order(agent)
    assert api_for(agent).get(f"{WO}{order.pk}/").json()["owner"] == "agent"
    assert api_for(agent).get(WO).json()["results"][0]["owner"] == "agent"


def test_the_owner_hands_a_work_order_over_with_a_note(agent, wang, dispatcher, tech1):
    order = make_order(agent)
    services.work_order_dispatch(order_id=order.pk, technician=tech1, by=dispatcher)

    r = hand_over(agent, f"{WO}{order.pk}/", {"to": "wang", "note": "我下班了，客户约了明早回电"})

    assert r.status_code == 200, r.content
    body = r.json()
    assert body["owner"] == "wang"
    assert body["state"] == "dispatched"  # not a state change
    last = api_for(agent).get(f"{WO}{order.pk}/history/").json()[-1]
    assert last["action"] == "hand-over"
    assert last["from_state"] == last["to_state"] == "dispatched"
    assert last["by"] == "agent"
    assert last["note"] == "→ 客服小王 (wang): 我下班了，客户约了明早回电"
    assert last["data"] == {"from_owner": "agent", "to_owner": "wang"}
    note = Notification.objects.get(recipient=wang)
    assert order.number in note.title and note.body == "我下班了，客户约了明早回电"
    assert note.url == f"/work-orders/{order.pk}/"


def test_the_new_owner_may_be_named_by_id_and_hand_it_on(agent, wang, dispatcher):
    order = make_order(agent)
    assert hand_over(agent, f"{WO}{order.pk}/", {"to": wang.pk, "note": "转交"}).json()["owner"] == "wang"
    # The previous owner no longer may; the new one may.
    assert hand_over(agent, f"{WO}{order.pk}/", {"to": "dispatcher", "note": "再转"}).status_code == 403
    assert hand_over(wang, f"{WO}{order.pk}/", {"to": "dispatcher", "note": "调度跟进"}).json()["owner"] == "dispatcher"


@pytest.mark.parametrize("who", ["supervisor", "manager"])
def test_a_supervisor_or_manager_hands_over_anyones_order(request, agent, wang, who):
    order = make_order(agent)
    r = hand_over(request.getfixturevalue(who), f"{WO}{order.pk}/", {"to": "wang", "note": "小王负责该片区"})
    assert r.status_code == 200 and r.json()["owner"] == "wang"
    assert WorkOrderEvent.objects.filter(order=order, action="hand-over", by__username=who).exists()


def test_only_the_owner_a_supervisor_or_a_manager_may_hand_over(agent, wang, dispatcher, tech1, partner_user):
    order = make_order(agent)
    services.work_order_dispatch(order_id=order.pk, technician=tech1, by=dispatcher)
    before = snapshot(WorkOrder, order.pk)
    for user in (wang, dispatcher, tech1.user):
        r = hand_over(user, f"{WO}{order.pk}/", {"to": "wang", "note": "我来"})
        assert r.status_code == 403, user.username
    # A partner owns the orders it created on paper only: it may not hand them over.
    partners = make_order(partner_user)
    assert partners.owner == partner_user
    assert hand_over(partner_user, f"{WO}{partners.pk}/", {"to": "agent", "note": "请跟进"}).status_code == 403
    # Another partner does not even see the order.
    assert hand_over(partner_user, f"{WO}{order.pk}/", {"to": "wang", "note": "x"}).status_code == 404
    assert snapshot(WorkOrder, order.pk) == before


def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(agent, wang, tech1, partner_user):
    order = make_order(agent)
    gone = UserFactory(username="gone", roles=["agent"], is_active=False)
    url = f"{WO}{order.pk}/"
    before = snapshot(WorkOrder, order.pk)
    cases = [
        ({"to": "wang", "note": "  "}, "note"),
        ({"to": "wang"}, "note"),
        ({"note": "转交"}, "to"),
        ({"to": "nobody", "note": "转交"}, "to"),
        ({"to": 99999, "note": "转交"}, "to"),
        ({"to": ["wang"], "note": "转交"}, "to"),
        ({"to": gone.username, "note": "转交"}, "to"),
        ({"to": "tech1", "note": "转交"}, "to"),  # a technician cannot own the caller's issue
        ({"to": partner_user.pk, "note": "转交"}, "to"),
        ({"to": "agent", "note": "转交"}, "to"),  # already the owner
    ]
    for body, field in cases:
        r = hand_over(agent, url, body)
        assert r.status_code == 400, (body, r.content)
        assert field in r.json(), (body, r.json())
    assert snapshot(WorkOrder, order.pk) == before


@pytest.mark.parametrize("final", ["cancelled", "closed"])
def test_a_cancelled_or_closed_order_is_answered_nothing_to_hand_over_409(agent, wang, dispatcher, tech1, final):
    order = make_order(agent)
    if final == "cancelled":
        services.work_order_cancel(order_id=order.pk, by=agent, reason="客户取消")
        allowed = []
    else:
        t = tech1.user
        services.work_order_dispatch(order_id=order.pk, technician=tech1, by=dispatcher)
        services.work_order_accept(order_id=order.pk, by=t)
        services.work_order_check_in(order_id=order.pk, by=t)
        services.work_order_resolve(order_id=order.pk, by=t, resolution="更换点火针")
        services.work_order_sign_off(order_id=order.pk, by=t, signed_by="王伟", satisfaction=5, extra=SIGNED)
        services.work_order_close(order_id=order.pk, by=agent)
        allowed = ["revisit"]
    before = snapshot(WorkOrder, order.pk)
    r = hand_over(agent, f"{WO}{order.pk}/", {"to": "wang", "note": "转交"})
    assert r.status_code == 409
    assert r.json()["state"] == final and r.json()["allowed"] == allowed
    assert snapshot(WorkOrder, order.pk) == before


# --- complaints: API ----------------------------------------------------------------------


def test_the_owner_hands_a_complaint_over_and_the_new_owner_is_told(agent, wang, handler):
    complaint = file_complaint(agent)
    complaint_services.complaint_forward(complaint_id=complaint.pk, by=agent, handling_unit=handler.unit)
    assert api_for(agent).get(f"{CP}{complaint.pk}/").json()["owner"] == "agent"

    r = hand_over(agent, f"{CP}{complaint.pk}/", {"to": "wang", "note": "客户要求同一客服跟进回访"})

    assert r.status_code == 200, r.content
    assert r.json()["owner"] == "wang" and r.json()["state"] == "forwarded"
    last = api_for(agent).get(f"{CP}{complaint.pk}/history/").json()[-1]
    assert (last["action"], last["from_state"], last["to_state"], last["by"]) == (
        "hand-over", "forwarded", "forwarded", "agent")
    assert last["note"] == "→ 客服小王 (wang): 客户要求同一客服跟进回访"
    note = Notification.objects.get(recipient=wang)
    assert complaint.number in note.title and note.url == f"/complaints/{complaint.pk}/"
    # A complaint handler can own the question too.
    assert (
        hand_over(wang, f"{CP}{complaint.pk}/", {"to": "handler", "note": "经办单位直接答复"}).json()["owner"]
        == "handler"
    )


def test_complaint_hand_over_refuses_the_wrong_people_bad_input_and_closed_complaints(agent, wang, supervisor, tech1,
                                                                                      partner_user):
    complaint = file_complaint(agent)
    url = f"{CP}{complaint.pk}/"
    before = snapshot(Complaint, complaint.pk)
    refused = hand_over(wang, url, {"to": "wang", "note": "我来"})
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Only the owner, a supervisor or a manager may hand this complaint over.",
                              "code": "permission_denied"}
    assert hand_over(partner_user, url, {"to": "wang", "note": "x"}).status_code == 404
    for body, field in [({"to": "wang", "note": ""}, "note"), ({"to": "tech1", "note": "x"}, "to"),
                        ({"to": "ghost", "note": "x"}, "to")]:
        r = hand_over(agent, url, body)
        assert r.status_code == 400 and field in r.json(), body
    assert snapshot(Complaint, complaint.pk) == before

    complaint_services.complaint_reject(complaint_id=complaint.pk, by=agent, reason="不属于本公司产品")
    r = hand_over(supervisor, url, {"to": "wang", "note": "x"})
    assert r.status_code == 409
    assert r.json() == {"detail": r.json()["detail"], "code": "invalid_transition", "state": "rejected", "allowed": []}


def test_the_schema_describes_both_hand_over_endpoints(client):
    import yaml

    paths = yaml.safe_load(client.get("/api/schema/").content)["paths"]
    for path in ("/api/v1/work-orders/{id}/hand-over/", "/api/v1/complaints/{id}/hand-over/"):
        assert set(paths[path]) == {"post"}, path
        assert {"200", "400", "403", "404", "409"} <= set(paths[path]["post"]["responses"])


# --- pages ------------------------------------------------------------------------------------


def owner_card(html):
    return html.split('id="owner-card"')[1].split("</div>\n")[0]


def test_the_work_order_page_shows_the_owner_and_the_owner_hands_it_over_there(client, agent, wang, tech1, dispatcher):
    order = make_order(agent)
    client.force_login(agent)
    html = client.get(f"/work-orders/{order.pk}/").content.decode()
    assert "data-hand-over" in html and 'name="to"' in html
    assert 'value="wang"' in html and 'value="agent"' not in owner_card(html)  # not to oneself

    # Blank note: 400, the field named next to it, nothing saved.
    r = client.post(f"/work-orders/{order.pk}/actions/hand-over/", {"to": "wang", "note": ""}, **HTMX)
    assert r.status_code == 400
    assert 'data-field="note"' in r.content.decode()
    assert WorkOrder.objects.get(pk=order.pk).owner == agent

    r = client.post(f"/work-orders/{order.pk}/actions/hand-over/", {"to": "wang", "note": "交接给小王"}, **HTMX)
    assert r.status_code == 200
    html = r.content.decode()
    assert "客服小王" in owner_card(html) and "data-hand-over" not in html  # no longer agent's to hand over
    assert "→ 客服小王 (wang): 交接给小王" in html  # the history
    assert "handed over to 客服小王" in html  # the message, out of band
    assert WorkOrder.objects.get(pk=order.pk).owner == wang

    # Neither the technician nor another agent gets the form; the page still names the owner.
    services.work_order_dispatch(order_id=order.pk, technician=tech1, by=dispatcher)
    for user in (tech1.user, agent):
        client.force_login(user)
        html = client.get(f"/work-orders/{order.pk}/").content.decode()
        assert "客服小王" in owner_card(html) and "data-hand-over" not in html


def test_the_complaint_page_shows_the_owner_and_a_supervisor_hands_it_over(client, agent, wang, supervisor):
    complaint = file_complaint(agent)
    client.force_login(wang)
    assert "data-hand-over" not in client.get(f"/complaints/{complaint.pk}/").content.decode()

    client.force_login(supervisor)
    html = client.get(f"/complaints/{complaint.pk}/").content.decode()
    assert agent.display_name in owner_card(html) and "data-hand-over" in html
    r = client.post(f"/complaints/{complaint.pk}/actions/hand-over/", {"to": "tech-nobody", "note": "x"}, **HTMX)
    assert r.status_code == 400 and 'data-field="to"' in r.content.decode()
    r = client.post(f"/complaints/{complaint.pk}/actions/hand-over/", {"to": "wang", "note": "小王跟进"})
    assert r.status_code == 302
    html = client.get(f"/complaints/{complaint.pk}/").content.decode()
    assert "客服小王" in owner_card(html)
    assert "→ 客服小王 (wang): 小王跟进" in html
    assert Complaint.objects.get(pk=complaint.pk).owner == wang
    assert Notification.objects.filter(recipient=wang, url=f"/complaints/{complaint.pk}/").count() == 1
    assert "客服小王" in client.get(f"/complaints/{complaint.pk}/print/").content.decode()
