"""The on-site records on the order's page (issue 14): the signature pad in
the sign-off and take-back forms, the technician's forms adding a photo and
a part, the documents listed. Through the pages (Django's test client)."""

import datetime

import pytest
from django.utils import timezone

from billing.models.fees import StockItem
from documents.models import PartUse, Photo
from servicedesk.accounts.models import Unit
from tests.factories import UnitFactory
from tests.signing import SIGNED
from tests.test_billing_support import make_order, on_site
from tests.test_onsite_parts_photos import image_file
from tickets import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(agent, dispatcher, tech1):
    tech1.station = UnitFactory(name="朝阳服务站", kind=Unit.Kind.STATION)
    tech1.save()
    return on_site(make_order(agent), dispatcher=dispatcher, tech=tech1)


def page(client, user, order):
    client.force_login(user)
    return client.get(f"/work-orders/{order.pk}/").content.decode()


def test_the_take_back_form_has_the_pad_condition_and_accessories(client, visit, tech1):
    html = page(client, tech1.user, visit)
    form = html.split('data-action="take-back"')[1].split("</form>")[0]
    for name in ('name="condition"', 'name="accessories"', "data-signature-pad", 'name="signature"',
                 'name="refused_reason"', "signature_pad.umd.min.js", "documents/signature.js"):
        assert name in form, name
    assert form.index('name="condition"') < form.index("data-signature-pad")


def test_a_page_take_back_without_signature_names_it_in_the_form(client, visit, tech1):
    client.force_login(tech1.user)
    promised = timezone.localtime() + datetime.timedelta(days=2)
    r = client.post(f"/work-orders/{visit.pk}/actions/take-back/",
                    {"promised_by": promised.strftime("%Y-%m-%dT%H:%M"), "condition": "外壳有划痕"},
                    HTTP_HX_REQUEST="true")
    visit.refresh_from_db()
    assert (r.status_code, visit.state) == (400, "on_site")
    form = r.content.decode().split('data-action="take-back"')[1].split("</form>")[0]
    assert 'class="field-error"' in form.split("data-signature-pad")[1]
    assert "外壳有划痕" in form  # what was typed stays


def test_the_technician_adds_a_photo_and_a_part_from_the_page(client, visit, tech1):
    StockItem.objects.create(unit=tech1.station, part_code="P-GWH-IGN", name="点火针", quantity=3)
    html = page(client, tech1.user, visit)
    assert 'data-testid="photo-form"' in html and 'data-testid="part-form"' in html and "P-GWH-IGN" in html
    r = client.post(f"/work-orders/{visit.pk}/photos/add/", {"stage": "before", "image": image_file()})
    assert r.status_code == 302 and Photo.objects.filter(order=visit, stage="before").exists()
    r = client.post(f"/work-orders/{visit.pk}/parts/add/", {"part_code": "P-GWH-IGN", "quantity": "2"})
    assert r.status_code == 302 and PartUse.objects.get(order=visit).quantity == 2
    html = client.get(f"/work-orders/{visit.pk}/").content.decode()
    assert f"/api/v1/work-orders/{visit.pk}/photos/" in html and "P-GWH-IGN" in html
    # a file that is no image is refused with its reason, nothing saved
    bad = image_file("GIF", name="x.jpg")
    r = client.post(f"/work-orders/{visit.pk}/photos/add/", {"stage": "after", "image": bad}, follow=True)
    assert "JPEG or PNG" in r.content.decode() and Photo.objects.count() == 1


def test_others_see_the_documents_but_no_forms(client, visit, tech1, agent):
    services.work_order_resolve(order_id=visit.pk, by=tech1.user, resolution="修好")
    services.work_order_sign_off(order_id=visit.pk, by=tech1.user, signed_by="王伟", satisfaction=5, extra=SIGNED)
    html = page(client, agent, visit)
    assert 'data-kind="service_record"' in html and "/documents/" in html
    assert 'data-testid="photo-form"' not in html
    client.force_login(agent)
    r = client.post(f"/work-orders/{visit.pk}/photos/add/", {"stage": "before", "image": image_file()})
    assert r.status_code == 302 and not Photo.objects.exists()


def test_the_chinese_page_shows_the_records_in_chinese(client, visit, tech1):
    client.force_login(tech1.user)
    html = client.get(f"/work-orders/{visit.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "现场记录" in html and "客户签名" in html and "添加照片" in html
