"""Every notification keeps its facts and is said in the reader's language
(issue 13, item 4), not only the sweep's: a complaint's (its class and the
rule's reason, its forwarding, its hand-over), a return's (a batch dispute's
technician) and a call's hand-over (its whole id). Written in one language,
read in the inbox in both; the e-mail in the recipient's."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone, translation

from complaints import services as complaint_services
from servicedesk.accounts.models import Unit
from servicedesk.notifications.models import EmailDelivery, Notification
from servicedesk.notifications.tasks import deliver_email
from tests.conftest import api_for
from tests.factories import CategoryFactory, TechnicianFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

S = datetime.timedelta(seconds=1)
CALL_ID = "demo-20261206-0042-abcdef"


def inbox(client, user, language):
    client.force_login(user)
    return client.get("/notifications/", HTTP_ACCEPT_LANGUAGE=language).content.decode()


def file_complaint(by, **fields):
    complaint, _ = complaint_services.complaint_create(
        by=by, customer={"name": "王芳", "phone": "13900001111"}, category="service", description="师傅迟到两小时",
        **fields)
    return complaint


def test_a_complaints_class_and_its_rules_reason_read_in_each_readers_language(client):
    desk = UnitFactory(name="投诉受理组", kind=Unit.Kind.OFFICE)
    agent = UserFactory(username="agent-cp", roles=["agent"], unit=desk)
    manager = UserFactory(username="mgr-cp", roles=["manager"], unit=desk)
    with translation.override("zh-hans"):  # the writer's language does not decide what readers see
        complaint = file_complaint(agent, media=True)
    note = Notification.objects.get(recipient=manager)
    assert note.params == {"number": complaint.number, "level": 3,
                           "reason": ["The complaint has reached the media.", {}]}
    assert complaint.class_reason == "投诉已涉及媒体。"  # the complaint's own text, as before

    assert f"Complaint {complaint.number} is class 3: The complaint has reached the media." in inbox(
        client, manager, "en")
    assert f"投诉 {complaint.number} 为 3 级：投诉已涉及媒体。" in inbox(client, manager, "zh-hans")


def test_a_persons_reason_stays_in_their_words(client):
    desk = UnitFactory(name="投诉受理组", kind=Unit.Kind.OFFICE)
    agent = UserFactory(username="agent-es", roles=["agent"], unit=desk)
    manager = UserFactory(username="mgr-es", roles=["manager"], unit=desk)
    complaint = file_complaint(agent)
    complaint_services.complaint_escalate(complaint_id=complaint.pk, by=manager, complaint_class=2,
                                          reason="客户投诉到12315")
    assert f"Complaint {complaint.number} is class 2: 客户投诉到12315" in inbox(client, manager, "en")
    assert f"投诉 {complaint.number} 为 2 级：客户投诉到12315" in inbox(client, manager, "zh-hans")


def test_a_complaint_forwarded_and_handed_over_reads_in_each_readers_language(client):
    agent = UserFactory(username="agent-fw", first_name="客服小李", roles=["agent"])
    quality = UnitFactory(name="质量部", kind=Unit.Kind.HANDLING_UNIT, responsibility=Unit.Responsibility.QUALITY)
    handler = UserFactory(username="handler-fw", roles=["handler"], unit=quality)
    complaint = file_complaint(agent)
    with translation.override("zh-hans"):
        complaint_services.complaint_forward(complaint_id=complaint.pk, by=agent, handling_unit=quality)
    r = api_for(agent).post(f"/api/v1/complaints/{complaint.pk}/hand-over/",
                            {"to": "handler-fw", "note": "经办单位直接答复"}, format="json",
                            HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 200, r.content

    english = inbox(client, handler, "en")
    assert f"Complaint {complaint.number} forwarded to 质量部" in english
    assert f"Complaint {complaint.number} is yours now (handed over by 客服小李)" in english
    chinese = inbox(client, handler, "zh-hans")
    assert f"投诉 {complaint.number} 已转办至质量部" in chinese
    assert f"投诉 {complaint.number} 已移交给您（移交人：客服小李）" in chinese


def test_a_returns_notification_reads_in_each_readers_language_and_mails_in_the_recipients(client, agent, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    CategoryFactory(slug="energy_saving_lamp")
    tech = TechnicianFactory(user=UserFactory(username="tech-rt", roles=["technician"], email="t@example.cn"),
                             categories=["energy_saving_lamp"]).user
    tech.language = "en"
    tech.save(update_fields=["language"])
    body = {"customer": {"name": "王芳", "phone": "13800138000", "address": "北京市朝阳区建国路88号"},
            "product": {"category": "energy_saving_lamp", "model": "E27-11W",
                        "manufactured_on": timezone.localdate().isoformat()},
            "requested_by": "dealer", "reason": "灯不亮", "batch": True, "batch_code": "B2026-11", "quantity": 500}
    client_api = api_for(agent)
    created = client_api.post("/api/v1/returns/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    r = client_api.post(f"/api/v1/returns/{created['id']}/assign/", {"technician": tech.technician.pk},
                        format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 200, r.content
    number = created["number"]

    assert f"Batch-quality dispute {number}: you are sent on site" in inbox(client, tech, "en")
    assert f"批次质量争议 {number}：您被派往现场核查" in inbox(client, tech, "zh-hans")
    note = Notification.objects.get(recipient=tech)
    deliver_email.apply(args=[EmailDelivery.objects.get(notification=note).pk])
    assert [m.subject for m in mail.outbox] == [f"Batch-quality dispute {number}: you are sent on site"]


def test_a_calls_hand_over_keeps_the_whole_call_id_in_each_readers_language(client, telephony, agent):
    agent2 = UserFactory(username="agent2", roles=["agent"])
    t0 = (timezone.now() - datetime.timedelta(minutes=10)).replace(microsecond=0)
    events = "/api/v1/calls/events/"
    for name, at, extra in (("ring", t0, {"caller": "13812345678"}), ("answer", t0 + 5 * S, {"agent": "agent"})):
        r = api_for(telephony).post(events, {"call_id": CALL_ID, "event": name, "at": at.isoformat(), **extra},
                                    format="json")
        assert r.status_code == 201, r.content
    r = api_for(agent).post(f"/api/v1/calls/{CALL_ID}/hand-over/", {"to": "agent2", "note": "账单问题"},
                            format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 200, r.content

    assert f"Call {CALL_ID} was handed over to you" in inbox(client, agent2, "en")
    assert f"来电 {CALL_ID} 已移交给您" in inbox(client, agent2, "zh-hans")
