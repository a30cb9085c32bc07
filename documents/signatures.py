"""The customer's handwritten signature as the phone sends it (contract v1,
On site: Signatures): a PNG data URL, at most 500 KB, a real PNG, not blank;
or, when the customer will not sign, `refused_reason` instead. Neither is a
400 naming `signature`."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import io

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError
from rest_framework import serializers

from servicedesk.core.errors import ValidationFailed

from .models import Signature

PREFIX = "data:image/png;base64,"
MAX_BYTES = 500 * 1024
# A drawn signature leaves at least this many inked pixels; a tap or an empty canvas fewer.
MIN_INK_PIXELS = 30


@dataclasses.dataclass(frozen=True)
class GivenSignature:
    png: bytes | None
    refused_reason: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.png).hexdigest() if self.png else ""


def input_fields() -> dict:
    """The two input fields of a form the customer signs (tickets.hooks.add_input)."""
    return {
        # base64 of 500 KB is about 683 KB of text; longer is refused by parse_png with its reason.
        "signature": lambda: serializers.CharField(required=False, allow_blank=True, trim_whitespace=True,
                                                   max_length=800 * 1024),
        "refused_reason": lambda: serializers.CharField(required=False, allow_blank=True, max_length=500),
    }


def _ink_pixels(image: Image.Image) -> int:
    """Pixels that are neither transparent nor near white."""
    rgba = image.convert("RGBA")
    alpha = rgba.getchannel("A").point(lambda a: 255 if a > 32 else 0)
    dark = rgba.convert("L").point(lambda v: 255 if v < 200 else 0)
    inked = Image.composite(dark, Image.new("L", rgba.size, 0), alpha)
    return inked.histogram()[255]


def parse_png(value: str, *, field: str = "signature") -> bytes:
    """The PNG bytes of a signature data URL, or ValidationFailed naming `field`."""
    value = (value or "").strip()
    if not value.lower().startswith(PREFIX):
        raise ValidationFailed(_("Send the signature as a PNG data URL (data:image/png;base64,...)."), field=field)
    try:
        png = base64.b64decode(value[len(PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(_("The signature is not valid base64."), field=field) from None
    if len(png) > MAX_BYTES:
        raise ValidationFailed(_("The signature may be at most 500 KB."), field=field)
    try:
        with Image.open(io.BytesIO(png)) as image:
            if image.format != "PNG":
                raise ValidationFailed(_("The signature must be a PNG image."), field=field)
            if not (20 <= image.width <= 4000 and 20 <= image.height <= 4000):
                raise ValidationFailed(_("The signature's size is not that of a signature pad."), field=field)
            image.load()
            ink = _ink_pixels(image)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationFailed(_("The signature must be a PNG image."), field=field) from None
    if ink < MIN_INK_PIXELS:
        raise ValidationFailed(_("The signature is blank: ask the customer to sign."), field=field)
    return png


def given(extra: dict, *, field: str = "signature") -> GivenSignature:
    """The signature or the refusal from an action's input; neither is a 400."""
    signature = (extra.get("signature") or "").strip()
    refused = (extra.get("refused_reason") or "").strip()
    if signature:
        return GivenSignature(png=parse_png(signature, field=field), refused_reason="")
    if refused:
        return GivenSignature(png=None, refused_reason=refused)
    raise ValidationFailed(
        gettext_lazy("The customer's signature is required, or the reason the customer refused to sign."),
        field=field,
    )


def signature_record(*, order, purpose: str, signature: GivenSignature, by, at) -> Signature:
    """Store what the customer gave (in the caller's transaction)."""
    row = Signature(order=order, purpose=purpose, refused_reason=signature.refused_reason, recorded_by=by,
                    recorded_at=at, image_sha256=signature.sha256)
    if signature.png:
        row.image.save(f"{order.number}-{purpose}-{signature.sha256[:12]}.png", ContentFile(signature.png),
                       save=False)
    row.save()
    return row
