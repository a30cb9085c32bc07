"""The card of the on-site records on the order's page (tickets.hooks.add_panel):
the documents, photos and parts used; for the technician sent, the forms to
add a photo and a part (documents.views)."""

from django.urls import reverse

from billing.models.fees import StockItem

from . import links, parts, photos, selectors
from .models import Photo


def image_url(token: str, name: str) -> str:
    return reverse("document-image", args=[token, name])


def _assigned(request, order) -> bool:
    return order.technician is not None and order.technician.user_id == request.user.pk


def panel_context(request, order):
    assigned = _assigned(request, order)
    may_add_photo = assigned and order.state in photos.PHOTO_STATES
    may_add_part = assigned and order.state in parts.ADD_STATES
    shown = {"photos": list(selectors.photos_of(order)), "documents": list(selectors.documents_of(order)),
             "parts": list(selectors.parts_of(order))}
    if not (any(shown.values()) or may_add_photo or may_add_part):
        return None
    for photo in shown["photos"]:
        photo.thumb_url = selectors.photo_path(photo, thumb=True)
        photo.url = selectors.photo_path(photo)
    for document in shown["documents"]:
        document.pdf_url = links.pdf_path(document)
        document.print_url = links.print_path(document)
    return {
        **shown,
        "photo_form": {"url": reverse("document-photo-add", args=[order.pk]), "stages": Photo.Stage.choices}
        if may_add_photo else None,
        "part_form": {"url": reverse("document-part-add", args=[order.pk]), "max": parts.MAX_QUANTITY,
                      "stock": StockItem.objects.filter(unit_id=order.technician.station_id, quantity__gt=0)
                      .order_by("part_code")}
        if may_add_part else None,
    }
