"""Photos taken on site (issue 14, item 3; contract v1, On site: Photos):
JPEG or PNG checked by content with Pillow (never by the file name), at most
10 MB, turned upright by its EXIF orientation, a thumbnail for the pages and
the documents, the SHA-256 of the file as sent. Files go through Django's
storage API (a local folder, or S3-compatible storage: docs/deployment.md)."""

from __future__ import annotations

import hashlib
import io

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from servicedesk.core.errors import ValidationFailed

from .models import Photo
from .services import require_assigned, visible_order

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}
THUMBNAIL = (480, 480)
PHOTO_STATES = ("on_site", "taken_back", "resolved")
ORIENTATION = 0x0112  # the EXIF tag


def _read(upload) -> bytes:
    if upload is None or not hasattr(upload, "read"):
        raise ValidationFailed(_("Send the photo as the file `image`."), field="image")
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ValidationFailed(_("A photo may be at most 10 MB."), field="image")
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationFailed(_("A photo may be at most 10 MB."), field="image")
    return data


def _checked(data: bytes) -> tuple[Image.Image, str, bool]:
    """The image turned upright, its format and whether it was turned; a 400
    naming `image` unless a real JPEG or PNG."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            if fmt not in FORMATS:
                raise ValidationFailed(_("The photo must be a JPEG or PNG image."), field="image")
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationFailed(_("The photo has too many pixels."), field="image")
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
        turned = image.getexif().get(ORIENTATION, 1) not in (1, None)
        return ImageOps.exif_transpose(image), fmt, turned
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationFailed(_("The photo must be a JPEG or PNG image."), field="image") from None


def _encoded(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(buffer, "JPEG", quality=88)
    else:
        image.save(buffer, "PNG")
    return buffer.getvalue()


def _thumbnail(image: Image.Image) -> bytes:
    small = image.convert("RGB")
    small.thumbnail(THUMBNAIL)
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def photo_add(*, order_id, by, stage, upload) -> Photo:
    if stage not in Photo.Stage.values:
        raise ValidationFailed(_("The stage is before, after or other."), field="stage")
    data = _read(upload)
    image, fmt, turned = _checked(data)
    sha256 = hashlib.sha256(data).hexdigest()
    content_type, ext = FORMATS[fmt]
    with transaction.atomic():
        order = visible_order(by, order_id, lock=True)
        require_assigned(order, by, action="photos", states=PHOTO_STATES)
        # Stored upright (the EXIF orientation applied); sha256 is that of the file as sent.
        upright = _encoded(image, fmt) if turned else data
        photo = Photo(order=order, stage=stage, content_type=content_type, sha256=sha256, width=image.width,
                      height=image.height, taken_by=by, taken_at=timezone.now())
        stem = f"{order.number or order.pk}-{stage}-{sha256[:12]}"
        photo.image.save(f"{stem}.{ext}", ContentFile(upright), save=False)
        photo.thumbnail.save(f"{stem}-thumb.jpg", ContentFile(_thumbnail(image)), save=False)
        photo.save()
    return photo
