"""The card of the on-site records on the order's page (tickets.hooks.add_panel)."""

from django.urls import reverse

from . import links, selectors


def image_url(token: str, name: str) -> str:
    return reverse("document-image", args=[token, name])


def panel_context(request, order):
    photos = list(selectors.photos_of(order))
    documents = list(selectors.documents_of(order))
    parts = list(selectors.parts_of(order))
    if not (photos or documents or parts):
        return None
    for photo in photos:
        photo.thumb_url = selectors.photo_path(photo, thumb=True)
        photo.url = selectors.photo_path(photo)
    for document in documents:
        document.pdf_url = links.pdf_path(document)
        document.print_url = links.print_path(document)
    return {"photos": photos, "documents": documents, "parts": parts}
