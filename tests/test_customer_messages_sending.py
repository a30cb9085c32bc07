"""Sending messages to the customer through a real provider's API (Aliyun
SMS, against a local stand-in that checks the signature) and real Celery
workers: after the commit, and again after a worker killed mid-send."""

import datetime
import json
import signal

import pytest
from django.test import override_settings
from django.utils import timezone

from messaging import sending, tasks
from messaging.backends import Outgoing, SendFailed
from messaging.backends.aliyun import AliyunSms, signature
from messaging.models import Message
from tests.celery_utils import (
    broker,
    new_prefix,
    scratch_broker_url,
    stop_process,
    wait_for,
    worker_process,
    worker_thread,
)
from tests.conftest import api_for
from tests.fake_aliyun_sms import FakeAliyunSms

WO = "/api/v1/work-orders/"
ALIYUN = "messaging.backends.aliyun.AliyunSms"


@pytest.fixture
def fake():
    server = FakeAliyunSms()
    yield server
    server.close()


def test_the_signature_of_aliyuns_own_example():
    # The worked example of Aliyun's SMS signature documentation (SendSms, secret "testSecret").
    params = {
        "AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
        "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0", "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25",
    }
    assert signature(params, "testSecret", method="GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def _outgoing(**kwargs):
    values = {"channel": "sms", "event": "scheduled", "to": "13912345678", "text": "您的服务单……",
              "params": {"number": "WO1", "time": "2026-12-08 14:00"}, "reference": "42"}
    return Outgoing(**{**values, **kwargs})


def test_a_send_reaches_the_provider_signed_with_the_events_template(fake):
    assert AliyunSms(fake.config()).send(_outgoing()) == "biz-1"
    got = fake.received[0]
    assert got["_signature_ok"]
    assert {k: got[k] for k in ("Action", "Version", "AccessKeyId", "PhoneNumbers", "SignName", "TemplateCode",
                                "OutId", "SignatureMethod", "SignatureVersion", "Format")} == {
        "Action": "SendSms", "Version": "2017-05-25", "AccessKeyId": "test-id", "PhoneNumbers": "13912345678",
        "SignName": "好家电服务", "TemplateCode": "SMS_2", "OutId": "42", "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0", "Format": "JSON"}
    assert json.loads(got["TemplateParam"]) == {"number": "WO1", "time": "2026-12-08 14:00"}
    assert got["Timestamp"].endswith("Z")


@pytest.mark.parametrize(("answer", "permanent"), [
    ((200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}), True),
    ((200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "业务限流"}), False),
    ((500, {"Code": "InternalError", "Message": "The request processing has failed"}), False),
])
def test_the_providers_refusals(fake, answer, permanent):
    fake.answers = [answer]
    with pytest.raises(SendFailed) as refused:
        AliyunSms(fake.config()).send(_outgoing())
    assert refused.value.permanent is permanent and answer[1]["Code"] in refused.value.error


def test_a_wrong_secret_is_refused_by_the_provider(fake):
    with pytest.raises(SendFailed) as refused:
        AliyunSms(fake.config(ACCESS_KEY_SECRET="not-the-secret")).send(_outgoing())
    assert refused.value.permanent and "SignatureDoesNotMatch" in refused.value.error


def test_an_event_without_a_template_code_is_not_sent(fake):
    with pytest.raises(SendFailed) as refused:
        AliyunSms(fake.config(TEMPLATES={})).send(_outgoing())
    assert refused.value.permanent and fake.received == []


def test_no_answer_is_retried(fake):
    with pytest.raises(SendFailed) as refused:
        AliyunSms(fake.config(ENDPOINT="http://127.0.0.1:1/")).send(_outgoing())  # nothing listens there
    assert not refused.value.permanent


def _settings(fake, **more):
    return override_settings(SERVICEDESK_MESSAGE_CHANNELS=["sms"], SERVICEDESK_MESSAGE_BACKENDS={"sms": ALIYUN},
                             SERVICEDESK_ALIYUN_SMS=fake.config(), **more)


def _dispatch(agent, dispatcher, tech1):
    r = api_for(agent).post(WO, {"kind": "repair", "description": "不出热水",
                                 "customer": {"name": "李娜", "phone": "13912345678", "address": "上海市徐汇区"}},
                            format="json")
    oid = r.json()["id"]
    r = api_for(dispatcher).post(f"{WO}{oid}/dispatch/", {"technician": tech1.pk}, format="json")
    assert r.status_code == 200, r.content
    return oid


@pytest.mark.django_db
def test_a_provider_refusal_shows_as_failed_and_the_action_stands(fake, agent, dispatcher, tech1):
    fake.answers = [(200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"})]
    with _settings(fake):
        oid = _dispatch(agent, dispatcher, tech1)
        row = Message.objects.get(order_id=oid)
        assert sending.send(row.pk) == "failed"
    body = api_for(dispatcher).get(f"{WO}{oid}/messages/").json()
    assert [(m["status"], m["event"]) for m in body] == [("failed", "dispatched")]
    assert api_for(dispatcher).get(f"{WO}{oid}/").json()["state"] == "dispatched"


# --- real workers -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_sends_after_the_commit(postgres, redis_url, fake, agent, dispatcher, tech1):
    with _settings(fake), broker(scratch_broker_url(redis_url), prefix=new_prefix()), worker_thread():
        oid = _dispatch(agent, dispatcher, tech1)
        wait_for(lambda: Message.objects.filter(order_id=oid, status="sent").exists(), timeout=30,
                 what="the worker's send")
    row = Message.objects.get(order_id=oid)
    assert (row.attempts, row.provider_id) == (1, "biz-1")
    assert [(r["OutId"], r["TemplateCode"], r["_signature_ok"]) for r in fake.received] == [
        (str(row.pk), "SMS_1", True)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_send_leaves_a_claim_that_expires_and_another_worker_sends(
        postgres, redis_url, fake, agent, dispatcher, tech1, monkeypatch):
    url, prefix = scratch_broker_url(redis_url), new_prefix()
    claim_seconds = 3
    # The killed worker is a process of its own: its settings come from the environment.
    for name, value in {
        "SERVICEDESK_MESSAGE_CHANNELS": "sms", "SERVICEDESK_SMS_BACKEND": ALIYUN,
        "ALIYUN_SMS_ACCESS_KEY_ID": "test-id", "ALIYUN_SMS_ACCESS_KEY_SECRET": fake.secret,
        "ALIYUN_SMS_SIGN_NAME": "好家电服务", "ALIYUN_SMS_TEMPLATES": "dispatched=SMS_1",
        "ALIYUN_SMS_ENDPOINT": fake.url,
        "SERVICEDESK_MESSAGE_CLAIM_SECONDS": str(claim_seconds),
    }.items():
        monkeypatch.setenv(name, value)
    fake.hang.set()  # the provider takes the request and never answers: the worker is killed mid-send
    with _settings(fake, SERVICEDESK_MESSAGE_CLAIM_SECONDS=claim_seconds), broker(url, prefix=prefix):
        killed = worker_process(broker_url=url, prefix=prefix, name="messaging-killed")
        try:
            oid = _dispatch(agent, dispatcher, tech1)
            wait_for(lambda: fake.received, timeout=45, what="the first worker's request to the provider")
            row = Message.objects.get(order_id=oid)
            assert (row.status, row.attempts) == ("sending", 1)
            assert sending.send(row.pk) == "skipped"  # claimed: nobody else sends it meanwhile
            assert sending.lease_due() == []
            killed.send_signal(signal.SIGKILL)
            killed.wait(10)
        finally:
            stop_process(killed, signal.SIGKILL)
        fake.hang.clear()
        fake.release.set()
        assert Message.objects.get(pk=row.pk).status == "sending"  # the dead worker's claim
        wait_for(lambda: Message.objects.get(pk=row.pk).claimed_until <= timezone.now(), timeout=claim_seconds + 5,
                 what="the claim to expire")
        with worker_thread():
            tasks.send_due.delay()  # what beat runs every 30 s
            wait_for(lambda: Message.objects.get(pk=row.pk).status == "sent", timeout=30,
                     what="the second worker's send")
    row.refresh_from_db()
    assert row.attempts == 2 and row.sent_at is not None
    # At least once: the provider saw the message twice, with the same OutId, the first answer lost.
    assert [r["OutId"] for r in fake.received] == [str(row.pk)] * 2
    assert all(r["_signature_ok"] for r in fake.received)
    assert row.sent_at - row.created_at < datetime.timedelta(minutes=2)
