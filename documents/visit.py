"""The records' places on the technician's visit page (onsite's /visit/<id>/,
issue 14 item 8): photos, parts used and the customer's sign-off. The visit
page includes documents/visit_*.html given its context (`order`, `request`,
and after a refused sign-off `failed_action`, `errors`, `values`); the tag
`visit_records` (documents/templatetags/documents_visit.py) adds what they
show. The forms post to documents' own pages (document-photo-add,
document-part-add, with `next` back to the visit's step) and the sign-off to
the visit's action (the tickets' sign-off input, with the signature pad the
documents register through tickets.hooks.add_form_part)."""

import uuid

from django.urls import reverse

from tickets import hooks
from tickets import selectors as ticket_selectors

from . import links, selectors
from .panel import panel_context

SIGN_OFF = "sign-off"


def _sign_off_form(request, order, context) -> dict | None:
    if SIGN_OFF not in ticket_selectors.work_order_actions_for(request.user, order):
        return None
    failed = context.get("failed_action") == SIGN_OFF
    return {
        "url": reverse("onsite-action", args=[order.pk, SIGN_OFF]),
        "errors": (context.get("errors") or {}) if failed else {},
        "values": (context.get("values") or {}) if failed else {"signed_by": order.customer.name},
        "parts": hooks.form_parts(SIGN_OFF),
        "open": failed,
    }


def visit_records(context) -> dict:
    request, order = context["request"], context["order"]
    panel = panel_context(request, order) or {}
    documents = panel.get("documents")
    if documents is None:
        documents = list(selectors.documents_of(order))
        for document in documents:
            document.pdf_url = links.pdf_path(document)
            document.print_url = links.print_path(document)
    visit_url = reverse("onsite-visit", args=[order.pk])
    photos = panel.get("photos", [])
    return {
        "photos": photos, "stage": photos[-1].stage if photos else "before", "parts": panel.get("parts", []),
        "photo_form": panel.get("photo_form"), "part_form": panel.get("part_form"),
        "documents": documents, "service_records": [d for d in documents if d.kind == "service_record"],
        "sign_off_form": _sign_off_form(request, order, context),
        "token": uuid.uuid4().hex, "back_photos": visit_url + "#photos", "back_parts": visit_url + "#parts",
    }
