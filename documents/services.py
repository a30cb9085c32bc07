"""Writes of the on-site records (issue 14): documents, signatures at
sign-off and take-back, and who may record on an order. Photos:
documents.photos; parts used: documents.parts."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from servicedesk.core.errors import InvalidTransition, NotFound, PermissionDenied
from tickets.models import WorkOrder, actions_allowed_in
from tickets.selectors import work_orders_visible_to

from . import content as builders
from .models import Document, Signature
from .pdf import render
from .signatures import given, signature_record


def document_language() -> str:
    return settings.SERVICEDESK.get("DOCUMENT_LANGUAGE", "zh-hans")


def document_make(*, order: WorkOrder, kind: str, by, at=None, signature: Signature | None = None,
                  facts: dict | None = None) -> Document:
    """Make a document of `order` once (in the caller's transaction): its
    content, the PDF of it, their SHA-256s; `signature` (what the customer
    gave for it, or None) gets the SHA-256 of the PDF it signs.

    kinds: "service_record", "handover_receipt", "rectification_notice" (facts:
    {"hazards", "advice", "items": [[code, label, value], ...], "at"})."""
    at = at or timezone.now()
    facts = {"at": at, **(facts or {})}
    with translation.override(document_language()):
        content = builders.BUILDERS[kind](order, signature=signature, facts=facts)
        content_sha256 = builders.content_sha256(content)
        pdf = render(content, content_sha256)
    sha256 = hashlib.sha256(pdf).hexdigest()
    document = Document(order=order, kind=kind, content=content, content_sha256=content_sha256, sha256=sha256,
                        signature=signature, created_by=by, created_at=at)
    document.file.save(f"{order.number or order.pk}-{kind}-{sha256[:12]}.pdf", ContentFile(pdf), save=False)
    document.save()
    if signature is not None:
        Signature.objects.filter(pk=signature.pk, document_sha256="").update(document_sha256=sha256)
    return document


# --- the customer's signature at sign-off and take-back (tickets.hooks) ---------

def require_signature(order, extra, by) -> None:
    """Guard of sign-off and take-back: the signature, or the reason it was refused (400 naming `signature`)."""
    given(extra)


def sign_off_recorded(order, at, by, extra) -> None:
    """Effect of sign-off: the signature and the service record (seeds/001)."""
    signature = signature_record(order=order, purpose=Signature.Purpose.SIGN_OFF, signature=given(extra), by=by,
                                 at=at)
    document_make(order=order, kind=Document.Kind.SERVICE_RECORD, by=by, at=at, signature=signature)


def take_back_recorded(order, at, by, extra) -> None:
    """Effect of take-back: the signature and the handover receipt (seeds/004)."""
    signature = signature_record(order=order, purpose=Signature.Purpose.TAKE_BACK, signature=given(extra), by=by,
                                 at=at)
    document_make(order=order, kind=Document.Kind.HANDOVER_RECEIPT, by=by, at=at, signature=signature,
                  facts={"condition": (extra.get("condition") or "").strip(),
                         "accessories": (extra.get("accessories") or "").strip()})


# --- who records on an order ------------------------------------------------------

def visible_order(user, order_id, *, lock=False) -> WorkOrder:
    orders = work_orders_visible_to(user)
    if lock:
        orders = orders.select_for_update(of=("self",))
    order = orders.select_related("technician__user", "technician__station").filter(pk=order_id).first()
    if order is None:
        raise NotFound(_("No such work order."))
    return order


def require_assigned(order, user, *, action: str, states) -> None:
    """Only the technician sent records on site (403), in the states of the visit (409)."""
    if order.technician is None or order.technician.user_id != user.pk:
        raise PermissionDenied(_("Only the technician sent to this order may do this."),
                               code="not_assigned_technician")
    if order.state not in states:
        raise InvalidTransition(action=action, state=order.state, allowed=actions_allowed_in(order.state),
                                state_label=order.get_state_display())
