"""issue 15, item 5 (api-contract: Complaints handled at once; seeds/002):
customer service closes a class 1 complaint straight from `received` with the
result, meeting its `register` and `overall` deadlines; class 2 and 3 are a
409. Through the API and the task sheet's button."""

import pytest

from complaints.models import Complaint
from servicedesk.accounts.models import Unit
from servicedesk.deadlines.models import Deadline
from tests.conftest import api_for
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/complaints/"


@pytest.fixture
def cs_agent(db):
    return UserFactory(username="agent", roles=["agent"], unit=UnitFactory(name="客服中心", kind=Unit.Kind.CALL_CENTER))


def file(user, phone="13900001111", **fields):
    body = {"customer": {"name": "王芳", "phone": phone}, "category": "service", "description": "师傅迟到"} | fields
    r = api_for(user).post(URL, body, format="json")
    assert r.status_code == 201, r.content
    return r.json()


def test_a_class_1_complaint_is_closed_at_once_with_the_result(cs_agent):
    c = file(cs_agent)
    assert c["complaint_class"] == 1 and c["state"] == "received"
    r = api_for(cs_agent).post(f"{URL}{c['id']}/close-at-once/", {"result": "已致歉，客户接受"}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["state"] == "closed"
    met = {d["kind"]: d["met_at"] is not None for d in body["deadlines"]}
    assert met["register"] and met["overall"]
    assert not Deadline.objects.filter(object_id=c["id"], kind__in=["register", "overall"],
                                       met_at__isnull=True, content_type__model="complaint").exists()
    history = api_for(cs_agent).get(f"{URL}{c['id']}/history/").json()
    assert (history[-1]["action"], history[-1]["from_state"], history[-1]["to_state"], history[-1]["note"]) == (
        "close-at-once", "received", "closed", "已致歉，客户接受")
    assert Complaint.objects.get(pk=c["id"]).result == "已致歉，客户接受"


@pytest.mark.parametrize("fields", [{"external": True}, {"media": True}])
def test_class_2_and_3_are_409(cs_agent, fields):
    c = file(cs_agent, **fields)
    assert c["complaint_class"] in (2, 3)
    r = api_for(cs_agent).post(f"{URL}{c['id']}/close-at-once/", {"result": "已处理"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    assert "close-at-once" not in r.json()["allowed"]
    assert Complaint.objects.get(pk=c["id"]).state == "received"


def test_only_from_received_a_blank_result_is_400_and_the_role_counts(cs_agent):
    c = file(cs_agent)
    r = api_for(cs_agent).post(f"{URL}{c['id']}/close-at-once/", {"result": " "}, format="json")
    assert r.status_code == 400 and "result" in r.json()
    handler = UserFactory(username="handler", roles=["handler"])
    partner_free = UserFactory(username="hr", roles=["hr"])
    assert api_for(partner_free).post(f"{URL}{c['id']}/close-at-once/", {"result": "x"},
                                      format="json").status_code in (403, 404)
    assert api_for(handler).post(f"{URL}{c['id']}/close-at-once/", {"result": "x"},
                                 format="json").status_code in (403, 404)
    api_for(cs_agent).post(f"{URL}{c['id']}/reject/", {"reason": "无效"}, format="json")
    r = api_for(cs_agent).post(f"{URL}{c['id']}/close-at-once/", {"result": "x"}, format="json")
    assert r.status_code == 409 and r.json()["state"] == "rejected"


def test_the_sheet_offers_the_button_for_class_1_only(cs_agent, client):
    one, two = file(cs_agent), file(cs_agent, phone="13900002222", external=True)
    client.force_login(cs_agent)
    assert 'data-action="close-at-once"' in client.get(f"/complaints/{one['id']}/").content.decode()
    assert 'data-action="close-at-once"' not in client.get(f"/complaints/{two['id']}/").content.decode()
    r = client.post(f"/complaints/{one['id']}/actions/close-at-once/", {"result": "电话致歉"})
    assert r.status_code in (200, 302)
    assert Complaint.objects.get(pk=one["id"]).state == "closed"
