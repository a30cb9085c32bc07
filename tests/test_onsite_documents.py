"""The customer's signature at sign-off and take-back, and the documents as
PDFs in Chinese (issue 14, items 4 and 5; contract v1, On site: Signatures,
Documents). Driven through the API."""

import datetime
import hashlib
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from documents.models import Document, Signature
from tests.conftest import api_for
from tests.signing import drawn_png_url
from tests.test_billing_support import make_order, on_site

pytestmark = pytest.mark.django_db
WO = "/api/v1/work-orders/"


@pytest.fixture
def resolved(agent, dispatcher, tech1):
    order = on_site(make_order(agent), dispatcher=dispatcher, tech=tech1)
    r = api_for(tech1.user).post(f"{WO}{order.pk}/resolve/", {"resolution": "更换点火针 Replaced the igniter"},
                                 format="json")
    assert r.status_code == 200, r.json()
    return order


def pdf_text(client, url) -> str:
    r = client.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    body = b"".join(r.streaming_content)
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages), body


def test_sign_off_without_signature_or_refusal_is_a_400_naming_signature(resolved, tech1):
    r = api_for(tech1.user).post(f"{WO}{resolved.pk}/sign-off/", {"signed_by": "王伟", "satisfaction": 5},
                                 format="json")
    assert r.status_code == 400 and "signature" in r.json()
    resolved.refresh_from_db()
    assert resolved.state == "resolved" and not Signature.objects.exists() and not Document.objects.exists()


@pytest.mark.parametrize("signature", ["data:image/png;base64,AAAA", "data:image/jpeg;base64,/9j/"])
def test_a_signature_that_is_no_png_is_a_400_and_nothing_changes(resolved, tech1, signature):
    r = api_for(tech1.user).post(f"{WO}{resolved.pk}/sign-off/",
                                 {"signed_by": "王伟", "satisfaction": 5, "signature": signature}, format="json")
    assert r.status_code == 400 and "signature" in r.json()
    resolved.refresh_from_db()
    assert resolved.state == "resolved"


def test_sign_off_stores_the_signature_and_makes_the_service_record_in_chinese(resolved, tech1, client):
    api = api_for(tech1.user)
    r = api.post(f"{WO}{resolved.pk}/sign-off/",
                 {"signed_by": "王伟", "satisfaction": 5, "signature": drawn_png_url()}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "signed_off"
    signature = Signature.objects.get(order=resolved)
    assert (signature.purpose, signature.recorded_by, signature.refused) == ("sign_off", tech1.user, False)
    listed = api.get(f"{WO}{resolved.pk}/documents/").json()
    assert [d["kind"] for d in listed] == ["service_record"]
    assert set(listed[0]) == {"kind", "url", "sha256", "created_at"}
    # The signed link answers without a login.
    text, body = pdf_text(client, listed[0]["url"])
    assert hashlib.sha256(body).hexdigest() == listed[0]["sha256"] == signature.__class__.objects.get(
        pk=signature.pk).document_sha256
    resolved.refresh_from_db()
    assert resolved.number in text and "王伟" in text
    assert "一票到底服务记录单" in text and "更换点火针" in text
    document = Document.objects.get()
    assert document.content_sha256 in text.replace("\n", "")


def test_a_refusal_is_recorded_and_printed(resolved, tech1, client):
    api = api_for(tech1.user)
    r = api.post(f"{WO}{resolved.pk}/sign-off/",
                 {"signed_by": "王伟", "satisfaction": 4, "refused_reason": "手受伤不便签字"}, format="json")
    assert r.status_code == 200
    assert Signature.objects.get().refused_reason == "手受伤不便签字"
    text, _body = pdf_text(client, api.get(f"{WO}{resolved.pk}/documents/").json()[0]["url"])
    assert "拒绝签字" in text and "手受伤不便签字" in text


def test_a_document_never_changes_and_renders_the_same_bytes(resolved, tech1):
    from documents.content import content_sha256
    from documents.pdf import render

    api_for(tech1.user).post(f"{WO}{resolved.pk}/sign-off/",
                             {"signed_by": "王伟", "satisfaction": 5, "signature": drawn_png_url()}, format="json")
    document = Document.objects.get()
    assert content_sha256(document.content) == document.content_sha256
    again = render(document.content, document.content_sha256)
    assert hashlib.sha256(again).hexdigest() == document.sha256  # invariant=1: reproducible
    from servicedesk.core.history import ImmutableRowError

    with pytest.raises(ImmutableRowError):
        document.save()


def test_take_back_takes_a_signature_and_makes_the_handover_receipt(agent, dispatcher, tech1, client):
    order = on_site(make_order(agent), dispatcher=dispatcher, tech=tech1)
    api = api_for(tech1.user)
    promised = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    r = api.post(f"{WO}{order.pk}/take-back/", {"promised_by": promised}, format="json")
    assert r.status_code == 400 and "signature" in r.json()
    r = api.post(f"{WO}{order.pk}/take-back/", {
        "promised_by": promised, "signature": drawn_png_url(), "condition": "外壳有划痕", "accessories": "遥控器一个"},
        format="json")
    assert r.status_code == 200 and r.json()["state"] == "taken_back"
    listed = api.get(f"{WO}{order.pk}/documents/").json()
    assert [d["kind"] for d in listed] == ["handover_receipt"]
    text, _body = pdf_text(client, listed[0]["url"])
    order.refresh_from_db()
    assert order.number in text and "王伟" in text and "外壳有划痕" in text and "遥控器一个" in text


def test_document_links_are_signed_and_expire(resolved, tech1, client, settings):
    api = api_for(tech1.user)
    api.post(f"{WO}{resolved.pk}/sign-off/",
             {"signed_by": "王伟", "satisfaction": 5, "signature": drawn_png_url()}, format="json")
    url = api.get(f"{WO}{resolved.pk}/documents/").json()[0]["url"]
    assert client.get(url.replace("/pdf/", "x/pdf/")).status_code == 404
    printed = client.get(url.replace("/pdf/", "/print/"))
    assert printed.status_code == 200 and "王伟" in printed.content.decode()
    settings.SERVICEDESK = {**settings.SERVICEDESK, "DOCUMENT_LINK_MAX_AGE_DAYS": -1}
    assert client.get(url).status_code == 410


def test_who_may_not_see_the_order_gets_404_for_its_documents(resolved, tech2):
    assert api_for(tech2.user).get(f"{WO}{resolved.pk}/documents/").status_code == 404


def test_the_rectification_notice_and_registered_sections(agent, dispatcher, tech1):
    """documents.services.document_make is what the on-site app's endpoint calls;
    documents.sections is where it adds the checklist to the service record."""
    from documents import sections
    from documents.services import document_make
    from documents.signatures import given, signature_record

    order = on_site(make_order(agent), dispatcher=dispatcher, tech=tech1)
    sections.register("test-checklist", lambda o: {"title": "检查表", "head": ["项目", "结果"],
                                                   "table": [["燃气压力测试", "4800 mmH2O 不合格"]]},
                      kinds=("rectification_notice",))
    try:
        now = timezone.now()
        signature = signature_record(order=order, purpose="rectification",
                                     signature=given({"refused_reason": "客户不同意整改"}), by=tech1.user, at=now)
        document = document_make(order=order, kind="rectification_notice", by=tech1.user, at=now,
                                 signature=signature, facts={"hazards": "燃气管道漏气", "advice": "更换燃气软管",
                                                             "items": [["gas_pressure_test", "燃气压力测试", 4800]]})
    finally:
        sections.unregister("test-checklist")
    text = "".join(p.extract_text() for p in PdfReader(document.file.open("rb")).pages)
    order.refresh_from_db()
    for words in ("整改建议书", order.number, "王伟", "燃气管道漏气", "更换燃气软管", "gas_pressure_test", "检查表",
                  "客户不同意整改", "拒绝签字"):
        assert words in text, words
    signature.refresh_from_db()
    assert signature.document_sha256 == document.sha256
