"""Photos taken on site and the parts used (issue 14, items 3 and 6;
contract v1, On site: Photos). Through the API."""

import io

import pytest
from django.db import IntegrityError, transaction
from PIL import Image

from billing.models.fees import StockItem, StockMovement
from documents.models import PartUse, Photo
from servicedesk.accounts.models import Unit
from tests.conftest import api_for
from tests.factories import UnitFactory
from tests.signing import SIGNED
from tests.test_billing_support import ago, fee_schedule, make_order, on_site

pytestmark = pytest.mark.django_db
WO = "/api/v1/work-orders/"


def image_file(fmt="JPEG", size=(64, 32), orientation=None, name="photo.jpg"):
    image = Image.new("RGB", size, "red")
    buffer = io.BytesIO()
    kwargs = {}
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation
        kwargs["exif"] = exif
    image.save(buffer, fmt, **kwargs)
    buffer.seek(0)
    buffer.name = name
    return buffer


@pytest.fixture
def station(db):
    return UnitFactory(name="朝阳服务站", kind=Unit.Kind.STATION)


@pytest.fixture
def visit(agent, dispatcher, tech1, station):
    tech1.station = station
    tech1.save()
    return on_site(make_order(agent, purchase_date=ago(900)), dispatcher=dispatcher, tech=tech1)


# --- photos ----------------------------------------------------------------------


def test_a_photo_is_stored_upright_with_its_sha256_and_listed(visit, tech1, agent):
    api = api_for(tech1.user)
    sent = image_file(orientation=6)  # EXIF: rotate 90°; 64×32 as stored in the file
    r = api.post(f"{WO}{visit.pk}/photos/", {"image": sent, "stage": "before"}, format="multipart")
    assert r.status_code == 201, r.content
    body = r.json()
    assert set(body) == {"id", "stage", "url", "sha256", "taken_at", "by"}
    assert (body["stage"], body["by"]) == ("before", "tech1")
    import hashlib

    assert body["sha256"] == hashlib.sha256(sent.getvalue()).hexdigest()
    photo = Photo.objects.get()
    assert (photo.width, photo.height) == (32, 64)  # turned upright
    listed = api_for(agent).get(f"{WO}{visit.pk}/photos/").json()
    assert [p["id"] for p in listed] == [body["id"]]
    # The file is served to those who may see the order, never publicly.
    r = api_for(agent).get(body["url"])
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
    stored = Image.open(io.BytesIO(b"".join(r.streaming_content)))
    assert stored.size == (32, 64)
    thumb = api_for(agent).get(body["url"] + "?size=thumb")
    assert thumb.status_code == 200
    from rest_framework.test import APIClient

    assert APIClient().get(body["url"]).status_code in (401, 403)


def test_a_png_is_taken_too(visit, tech1):
    r = api_for(tech1.user).post(f"{WO}{visit.pk}/photos/", {"image": image_file("PNG", name="x.png"),
                                                             "stage": "after"}, format="multipart")
    assert r.status_code == 201 and Photo.objects.get().content_type == "image/png"


@pytest.mark.parametrize("upload", [
    lambda: image_file("GIF", name="photo.jpg"),  # a GIF named .jpg: checked by content
    lambda: io.BytesIO(b"%PDF-1.4 not an image"),
    lambda: None,
])
def test_what_is_not_a_jpeg_or_png_is_a_400_naming_image(visit, tech1, upload):
    data = {"stage": "before"}
    value = upload()
    if value is not None:
        value.name = getattr(value, "name", "file.jpg")
        data["image"] = value
    r = api_for(tech1.user).post(f"{WO}{visit.pk}/photos/", data, format="multipart")
    assert r.status_code == 400 and "image" in r.json()
    assert not Photo.objects.exists()


def test_a_photo_over_10_mb_is_refused(visit, tech1, monkeypatch):
    from documents import photos

    monkeypatch.setattr(photos, "MAX_BYTES", 100)
    r = api_for(tech1.user).post(f"{WO}{visit.pk}/photos/", {"image": image_file(size=(200, 200)),
                                                             "stage": "before"}, format="multipart")
    assert r.status_code == 400 and "10 MB" in r.json()["image"][0]


def test_only_the_technician_sent_adds_photos(visit, tech2, agent):
    r = api_for(agent).post(f"{WO}{visit.pk}/photos/", {"image": image_file(), "stage": "before"}, format="multipart")
    assert r.status_code == 403
    r = api_for(tech2.user).post(f"{WO}{visit.pk}/photos/", {"image": image_file(), "stage": "before"},
                                 format="multipart")
    assert r.status_code == 404


def test_photos_appear_on_the_service_record(visit, tech1, client):
    from pypdf import PdfReader

    api = api_for(tech1.user)
    api.post(f"{WO}{visit.pk}/photos/", {"image": image_file(), "stage": "before"}, format="multipart")
    api.post(f"{WO}{visit.pk}/resolve/", {"resolution": "修好"}, format="json")
    api.post(f"{WO}{visit.pk}/sign-off/", {"signed_by": "王伟", "satisfaction": 5, **SIGNED}, format="json")
    url = api.get(f"{WO}{visit.pk}/documents/").json()[0]["url"]
    reader = PdfReader(io.BytesIO(b"".join(client.get(url).streaming_content)))
    images = [img for page in reader.pages for img in page.images]
    assert len(images) >= 2  # the photo's thumbnail and the signature
    assert "照片" in "".join(p.extract_text() for p in reader.pages)


# --- parts used --------------------------------------------------------------------


def stock(station, code, quantity, name="点火针 Ignition needle"):
    return StockItem.objects.create(unit=station, part_code=code, name=name, quantity=quantity)


def accepted_quote(order, tech, lines):
    api = api_for(tech.user)
    base = f"/api/v1/billing/work-orders/{order.pk}/quote/"
    assert api.post(base, {"lines": lines}, format="json").status_code == 200
    assert api.post(f"{base}accept/", {"accepted_by": "王伟"}, format="json").status_code == 200


def test_quote_parts_and_parts_added_on_site_leave_the_stock_once_at_resolve(visit, tech1, station, client):
    fee_schedule()
    ign, valve = stock(station, "P-GWH-IGN", 5), stock(station, "P-GWH-VALVE", 2, name="水气阀")
    accepted_quote(visit, tech1, [{"code": "P-GWH-IGN", "quantity": 2}, {"code": "L-GWH-REPAIR", "quantity": 1}])
    api = api_for(tech1.user)
    r = api.post(f"{WO}{visit.pk}/parts/", {"part_code": "P-GWH-VALVE", "quantity": 1}, format="json")
    assert r.status_code == 201 and r.json()["taken_from_stock"] is False
    assert r.json()["unit_price"] == "120.00"
    assert api.post(f"{WO}{visit.pk}/parts/", {"part_code": "NOPE", "quantity": 1},
                    format="json").json() == {"part_code": ["Part “NOPE” is not stocked at your station."]}
    assert StockMovement.objects.count() == 0

    r = api.post(f"{WO}{visit.pk}/resolve/", {"resolution": "换点火针和水气阀"}, format="json")
    assert r.status_code == 200, r.content
    ign.refresh_from_db()
    valve.refresh_from_db()
    assert (ign.quantity, valve.quantity) == (3, 1)
    movements = StockMovement.objects.filter(order=visit, kind="consumption")
    assert sorted((m.item.part_code, m.quantity_change) for m in movements) == [("P-GWH-IGN", -2),
                                                                                 ("P-GWH-VALVE", -1)]
    uses = list(PartUse.objects.filter(order=visit))
    assert all(u.movement_id for u in uses) and len(uses) == 2
    listed = api.get(f"{WO}{visit.pk}/parts/").json()
    assert {(p["part_code"], p["source"], p["taken_from_stock"]) for p in listed} == {
        ("P-GWH-IGN", "quote", True), ("P-GWH-VALVE", "on_site", True)}
    # never twice: a quote line is used once, a movement belongs to one part
    quote_use = next(u for u in uses if u.quote_line_id)
    with pytest.raises(IntegrityError), transaction.atomic():
        PartUse.objects.create(order=visit, source="quote", quote_line_id=quote_use.quote_line_id,
                               part_code="P-GWH-IGN", name="x", quantity=1, added_by=tech1.user,
                               added_at=quote_use.added_at)
    # on the service record, with the charges
    from pypdf import PdfReader

    api.post(f"{WO}{visit.pk}/sign-off/", {"signed_by": "王伟", "satisfaction": 5, **SIGNED}, format="json")
    url = api.get(f"{WO}{visit.pk}/documents/").json()[0]["url"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(b"".join(
        client.get(url).streaming_content))).pages)
    assert "P-GWH-IGN" in text and "P-GWH-VALVE" in text and "所用备件" in text and "收费" in text
    assert "170.00" in text  # the quote's total: 2 × 45 + 80


def test_short_stock_refuses_the_resolve_with_409_and_nothing_is_saved(visit, tech1, station):
    fee_schedule()
    ign = stock(station, "P-GWH-IGN", 1)
    accepted_quote(visit, tech1, [{"code": "P-GWH-IGN", "quantity": 2}])
    r = api_for(tech1.user).post(f"{WO}{visit.pk}/resolve/", {"resolution": "换点火针"}, format="json")
    assert r.status_code == 409, r.content
    assert r.json()["code"] == "stock_short"
    assert r.json()["short"] == [{"part_code": "P-GWH-IGN", "needed": 2, "in_stock": 1}]
    visit.refresh_from_db()
    ign.refresh_from_db()
    assert (visit.state, ign.quantity) == ("on_site", 1)
    assert not StockMovement.objects.exists() and not PartUse.objects.exists()


def test_only_the_technician_sent_adds_parts_while_on_site(visit, tech1, agent, station):
    stock(station, "P-GWH-IGN", 1)
    r = api_for(agent).post(f"{WO}{visit.pk}/parts/", {"part_code": "P-GWH-IGN", "quantity": 1}, format="json")
    assert r.status_code == 403
    api_for(tech1.user).post(f"{WO}{visit.pk}/resolve/", {"resolution": "修好"}, format="json")
    r = api_for(tech1.user).post(f"{WO}{visit.pk}/parts/", {"part_code": "P-GWH-IGN", "quantity": 1},
                                 format="json")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
