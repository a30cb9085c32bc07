"""issue 15, the survey (api-contract: Satisfaction): the `survey` deadline
from the sign-off, the order's `survey` and `survey_link`, one survey per
order, low scores followed up by the supervisor, the agents' call queue, the
means for the measures, and the follow-up's outcome at close. Through HTTP."""

import datetime

import pytest
from django.utils import timezone

from aftercare.models import FollowUpOutcome, LowScoreFollowUp, SurveyCall
from aftercare.selectors import satisfaction
from complaints.models import Complaint
from servicedesk.deadlines.models import Deadline
from tests.conftest import api_for
from tests.factories import UserFactory
from tests.signing import SIGNED
from tickets.models import WorkOrder

pytestmark = pytest.mark.django_db

GOOD = {"channel": "phone", "attitude": 5, "skill": 5, "punctuality": 4, "overall": 5, "comment": "很好"}


def post(client, url, body=None):
    return client.post(url, body or {}, format="json")


def signed_off_order(agent, dispatcher, tech1, category, phone="13800138000"):
    a, d, t = api_for(agent), api_for(dispatcher), api_for(tech1.user)
    r = post(a, "/api/v1/work-orders/", {
        "kind": "repair", "description": "热水器点不着火",
        "customer": {"name": "王伟", "phone": phone, "address": "北京市朝阳区建国路88号"},
        "product": {"category": category.slug, "model": "JSQ-20", "serial": "SN1"},
    })
    oid = r.json()["id"]
    for client, action, body in [
        (d, "dispatch", {"technician": tech1.pk}), (t, "accept", {}), (t, "check-in", {}),
        (t, "resolve", {"resolution": "更换点火针"}),
        (t, "sign-off", {"signed_by": "王伟", "satisfaction": 5, **SIGNED}),
    ]:
        r = post(client, f"/api/v1/work-orders/{oid}/{action}/", body)
        assert r.status_code == 200, (action, r.content)
    return oid


def test_sign_off_starts_the_survey_deadline_due_at_the_end_of_the_next_day(agent, dispatcher, tech1, category,
                                                                           clock_at):
    clock_at(datetime.datetime(2026, 12, 7, 22, 30))  # a Monday evening, Asia/Shanghai
    oid = signed_off_order(agent, dispatcher, tech1, category)
    order = api_for(agent).get(f"/api/v1/work-orders/{oid}/").json()
    survey = [d for d in order["deadlines"] if d["kind"] == "survey"]
    assert len(survey) == 1 and survey[0]["met_at"] is None
    assert survey[0]["due_at"] == "2026-12-08T23:59:59+08:00"
    assert order["survey"] is None
    assert order["survey_link"].startswith("http://testserver/c/")
    assert SurveyCall.objects.get(order_id=oid).state == "open"


def test_a_survey_meets_the_deadline_once_and_a_second_is_409(agent, dispatcher, tech1, category):
    oid = signed_off_order(agent, dispatcher, tech1, category)
    a = api_for(agent)
    r = post(a, f"/api/v1/work-orders/{oid}/survey/", GOOD)
    assert r.status_code == 201, r.content
    assert {k: r.json()[k] for k in ("channel", "attitude", "skill", "punctuality", "overall")} == {
        "channel": "phone", "attitude": 5, "skill": 5, "punctuality": 4, "overall": 5}
    order = a.get(f"/api/v1/work-orders/{oid}/").json()
    assert order["survey"]["overall"] == 5 and order["survey"]["channel"] == "phone" and order["survey"]["at"]
    assert [d["met_at"] is not None for d in order["deadlines"] if d["kind"] == "survey"] == [True]
    again = post(a, f"/api/v1/work-orders/{oid}/survey/", GOOD)
    assert again.status_code == 409 and again.json()["code"] == "survey_done"
    assert SurveyCall.objects.get(order_id=oid).state == "answered"
    assert not LowScoreFollowUp.objects.exists()


def test_bad_scores_roles_and_states(agent, dispatcher, tech1, category):
    oid = signed_off_order(agent, dispatcher, tech1, category)
    a = api_for(agent)
    r = post(a, f"/api/v1/work-orders/{oid}/survey/", {**GOOD, "skill": 6})
    assert r.status_code == 400 and "skill" in r.json()
    assert post(api_for(dispatcher), f"/api/v1/work-orders/{oid}/survey/", GOOD).status_code == 403
    assert post(api_for(tech1.user), f"/api/v1/work-orders/{oid}/survey/", GOOD).status_code == 403
    assert post(a, "/api/v1/work-orders/999999/survey/", GOOD).status_code == 404
    fresh = post(a, "/api/v1/work-orders/", {"kind": "repair", "description": "x",
                                             "customer": {"name": "李", "phone": "13900139001"}}).json()["id"]
    r = post(a, f"/api/v1/work-orders/{fresh}/survey/", GOOD)
    assert r.status_code == 409 and r.json()["state"] == "received"


def test_partners_get_no_survey_link(agent, dispatcher, tech1, category, partner_user):
    p = api_for(partner_user)
    oid = post(p, "/api/v1/work-orders/", {"kind": "repair", "description": "漏水",
                                           "customer": {"name": "赵", "phone": "13700137000"}}).json()["id"]
    assert p.get(f"/api/v1/work-orders/{oid}/").json()["survey_link"] is None
    assert api_for(agent).get(f"/api/v1/work-orders/{oid}/").json()["survey_link"]


def test_public_base_url_names_the_links_host(agent, dispatcher, tech1, category, settings):
    settings.PUBLIC_BASE_URL = "https://service.example.cn"
    oid = signed_off_order(agent, dispatcher, tech1, category)
    link = api_for(agent).get(f"/api/v1/work-orders/{oid}/").json()["survey_link"]
    assert link.startswith("https://service.example.cn/c/")


def test_a_low_score_opens_a_follow_up_and_one_click_files_a_complaint(agent, dispatcher, tech1, category,
                                                                      supervisor, client, clock_at):
    clock_at(datetime.datetime(2026, 12, 11, 10, 0))  # a Friday: 1 working day is Monday
    oid = signed_off_order(agent, dispatcher, tech1, category)
    r = post(api_for(agent), f"/api/v1/work-orders/{oid}/survey/", {**GOOD, "attitude": 2, "comment": "态度差"})
    assert r.status_code == 201
    follow_up = LowScoreFollowUp.objects.get(survey__order_id=oid)
    deadline = Deadline.objects.get(kind="survey_follow_up", object_id=follow_up.pk)
    assert timezone.localtime(deadline.due_at).date() == datetime.date(2026, 12, 14)
    assert supervisor.notifications.filter(url="/survey-follow-ups/").exists()

    client.force_login(supervisor)
    page = client.get("/survey-follow-ups/")
    assert page.status_code == 200 and WorkOrder.objects.get(pk=oid).number in page.content.decode()
    r = client.post(f"/survey-follow-ups/{follow_up.pk}/complain/")
    assert r.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.state == "complained"
    complaint = Complaint.objects.get(pk=follow_up.complaint_id)
    assert complaint.work_order_id == oid and complaint.category == "service" and complaint.state == "received"
    assert Deadline.objects.get(pk=deadline.pk).met_at is not None
    assert client.post(f"/survey-follow-ups/{follow_up.pk}/complain/").status_code == 302
    assert Complaint.objects.filter(work_order_id=oid).count() == 1  # a second click files nothing


def test_follow_up_page_is_the_supervisors(agent, client):
    client.force_login(agent)
    assert client.get("/survey-follow-ups/").status_code == 403


def test_the_survey_call_queue_three_attempts_then_not_reached(agent, dispatcher, tech1, category, client,
                                                              clock_at):
    clock_at(datetime.datetime(2026, 12, 7, 15, 0))
    oid = signed_off_order(agent, dispatcher, tech1, category)
    call = SurveyCall.objects.get(order_id=oid)
    number = WorkOrder.objects.get(pk=oid).number
    client.force_login(agent)
    row = f'data-order="{number}"'
    assert row not in client.get("/survey-calls/").content.decode()  # due tomorrow: tomorrow's list
    assert row in client.get("/survey-calls/?upcoming=1").content.decode()
    clock_at(datetime.datetime(2026, 12, 8, 9, 0))
    assert row in client.get("/survey-calls/").content.decode()
    for _attempt in range(3):
        assert client.post(f"/survey-calls/{call.pk}/", {"outcome": "not_reached"}).status_code == 302
    call.refresh_from_db()
    assert (call.state, call.attempts) == ("not_reached", 3)
    survey = Deadline.objects.get(kind="survey", object_id=oid)
    assert survey.cancelled_at is not None and survey.met_at is None
    assert row not in client.get("/survey-calls/").content.decode()


def test_the_queue_records_an_answered_call_as_the_survey(agent, dispatcher, tech1, category, client):
    oid = signed_off_order(agent, dispatcher, tech1, category)
    call = SurveyCall.objects.get(order_id=oid)
    client.force_login(agent)
    r = client.post(f"/survey-calls/{call.pk}/", {"outcome": "answered", "attitude": "5", "skill": "4",
                                                  "punctuality": "3", "overall": "4", "comment": "还行"})
    assert r.status_code == 302
    survey = api_for(agent).get(f"/api/v1/work-orders/{oid}/").json()["survey"]
    assert (survey["channel"], survey["skill"], survey["comment"]) == ("phone", 4, "还行")
    call.refresh_from_db()
    assert (call.state, call.attempts) == ("answered", 1)


def test_satisfaction_means_for_the_measures(agent, dispatcher, tech1, category):
    assert satisfaction(WorkOrder.objects.all()) == {"responses": 0, "attitude": None, "skill": None,
                                                     "punctuality": None, "overall": None}
    first = signed_off_order(agent, dispatcher, tech1, category)
    second = signed_off_order(agent, dispatcher, tech1, category, phone="13600136000")
    post(api_for(agent), f"/api/v1/work-orders/{first}/survey/", GOOD)
    post(api_for(agent), f"/api/v1/work-orders/{second}/survey/", {**GOOD, "punctuality": 3, "overall": 4})
    assert satisfaction([first, second]) == {"responses": 2, "attitude": 5.0, "skill": 5.0, "punctuality": 3.5,
                                             "overall": 4.5}
    assert satisfaction(WorkOrder.objects.filter(pk=first))["responses"] == 1


def test_closing_records_the_follow_ups_outcome(agent, dispatcher, tech1, category, client):
    oid = signed_off_order(agent, dispatcher, tech1, category)
    r = post(api_for(agent), f"/api/v1/work-orders/{oid}/close/", {"follow_up_outcome": "bogus"})
    assert r.status_code == 400 and "follow_up_outcome" in r.json()
    client.force_login(agent)
    page = client.get(f"/work-orders/{oid}/").content.decode()
    assert 'data-part="close-with-outcome"' in page
    r = client.post(f"/work-orders/{oid}/actions/close/", {"follow_up_outcome": "new_issue", "note": "又漏水了"})
    assert r.status_code in (200, 302)
    outcome = FollowUpOutcome.objects.get(order_id=oid)
    assert (outcome.outcome, outcome.note, outcome.new_issue, outcome.reached) == ("new_issue", "又漏水了", True, True)
    assert WorkOrder.objects.get(pk=oid).state == "closed"
    page = client.get(f"/work-orders/{oid}/").content.decode()
    assert 'data-outcome="new_issue"' in page


def test_closing_without_an_outcome_still_works(agent, dispatcher, tech1, category):
    oid = signed_off_order(agent, dispatcher, tech1, category)
    assert post(api_for(agent), f"/api/v1/work-orders/{oid}/close/", {}).status_code == 200
    assert not FollowUpOutcome.objects.exists()


def test_the_menu_offers_the_queue_to_agents(agent, client):
    client.force_login(agent)
    assert 'href="/survey-calls/"' in client.get("/survey-calls/").content.decode()
    client.force_login(UserFactory(username="tech9", roles=["technician"]))
    assert client.get("/survey-calls/").status_code == 403


def test_late_survey_and_follow_up_deadlines_escalate_like_any_other(agent, dispatcher, tech1, category, supervisor):
    """The deadline engine's sweep reaches both new kinds: the order's `survey`
    and the follow-up's `survey_follow_up` (a registered subject)."""
    from servicedesk.deadlines.escalation import sweep
    from servicedesk.deadlines.models import Escalation

    oid = signed_off_order(agent, dispatcher, tech1, category)
    post(api_for(agent), f"/api/v1/work-orders/{oid}/survey/", {**GOOD, "overall": 1})
    second = signed_off_order(agent, dispatcher, tech1, category, phone="13600136000")
    sweep(now=timezone.now() + datetime.timedelta(days=5))
    late = Deadline.objects.filter(escalation_level__gte=1)
    assert {(d.kind, d.object_id) for d in late if d.kind in ("survey", "survey_follow_up")} == {
        ("survey", second), ("survey_follow_up", LowScoreFollowUp.objects.get().pk)}
    assert Escalation.objects.filter(deadline__kind="survey_follow_up", level=1).count() == 1
