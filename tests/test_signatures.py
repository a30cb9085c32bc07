"""The customer's signature as the phone sends it (contract v1, On site:
Signatures; documents/signatures.py)."""

import base64
import io

import pytest
from PIL import Image, ImageDraw

from documents.models import Signature
from documents.signatures import given, parse_png, signature_record
from servicedesk.core.errors import ValidationFailed


def png_url(draw=True, size=(300, 120), fmt="PNG", mode="RGBA"):
    image = Image.new(mode, size, (255, 255, 255, 0) if mode == "RGBA" else "white")
    if draw:
        ImageDraw.Draw(image).line([(20, 60), (120, 20), (200, 100), (280, 40)], fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    kind = "png" if fmt == "PNG" else "jpeg"
    return f"data:image/{kind};base64," + base64.b64encode(buffer.getvalue()).decode()


def refusal(value, **kw):
    with pytest.raises(ValidationFailed) as caught:
        parse_png(value, **kw)
    assert caught.value.field == kw.get("field", "signature")
    return str(caught.value.message)


def test_a_drawn_png_is_taken():
    png = parse_png(png_url())
    assert png.startswith(b"\x89PNG")


def test_a_white_opaque_canvas_with_ink_is_taken():
    assert parse_png(png_url(mode="RGB"))


@pytest.mark.parametrize("value,words", [
    ("", "PNG data URL"),
    ("hello", "PNG data URL"),
    ("data:image/png;base64,!!!notbase64", "base64"),
    ("data:image/png;base64," + base64.b64encode(b"GIF89a not a png").decode(), "PNG image"),
])
def test_what_is_not_a_png_data_url_is_refused_naming_the_field(value, words):
    assert words in refusal(value)


def test_a_jpeg_sent_as_png_is_refused():
    jpeg = png_url(fmt="JPEG", mode="RGB").split(",", 1)[1]
    assert "PNG image" in refusal("data:image/png;base64," + jpeg)


def test_a_blank_canvas_is_refused():
    assert "blank" in refusal(png_url(draw=False))
    assert "blank" in refusal(png_url(draw=False, mode="RGB"))


def test_more_than_500_kb_is_refused():
    noise = Image.frombytes("RGB", (600, 400), bytes(range(256)) * 2812 + bytes(range(128)))
    buffer = io.BytesIO()
    noise.save(buffer, "PNG", compress_level=0)
    assert len(buffer.getvalue()) > 500 * 1024
    assert "500 KB" in refusal("data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode())


def test_neither_signature_nor_refusal_names_the_field():
    with pytest.raises(ValidationFailed) as caught:
        given({"signature": "", "refused_reason": "  "}, field="signature")
    assert caught.value.field == "signature"
    assert given({"refused_reason": "不愿签字"}).refused_reason == "不愿签字"


@pytest.mark.django_db
def test_a_signature_is_stored_with_who_when_and_its_sha256(agent, tech1, category):
    from django.utils import timezone

    from tickets import services

    order, _ = services.work_order_create(by=agent, kind="repair", description="x", customer={
        "name": "王伟", "phone": "13800138000", "address": "北京"})
    at = timezone.now()
    row = signature_record(order=order, purpose="sign_off", signature=given({"signature": png_url()}),
                           by=tech1.user, at=at)
    row = Signature.objects.get(pk=row.pk)
    assert row.image.read().startswith(b"\x89PNG") and len(row.image_sha256) == 64
    assert (row.recorded_by, row.recorded_at, row.refused) == (tech1.user, at, False)
    refused = signature_record(order=order, purpose="take_back", signature=given({"refused_reason": "手不便"}),
                               by=tech1.user, at=at)
    assert refused.refused and refused.image_sha256 == ""
