"""What each document says (issue 14, item 5): one builder per kind, the
"template" both the PDF (documents.pdf) and the print view
(documents/print.html) render. A builder answers JSON values only: the
document stores them, so it never changes once made, and their SHA-256 is
printed on the page (a file cannot carry its own SHA-256).

Documents are written in the language of the documents
(settings.SERVICEDESK["DOCUMENT_LANGUAGE"], Chinese): the customer keeps them.
"""

from __future__ import annotations

import hashlib
import json

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from . import sections as registry
from .models import Document, PartUse, Photo, Signature


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _name(user) -> str:
    if user is None:
        return "—"
    shown = getattr(user, "display_name", "") or user.get_full_name() or user.username
    return f"{shown} ({user.username})" if shown != user.username else shown


def content_sha256(content: dict) -> str:
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _product(order) -> str:
    product = order.product
    parts = [order.category.name if order.category else ""]
    if product is not None:
        parts += [product.model, _("serial %(serial)s") % {"serial": product.serial} if product.serial else ""]
    return " · ".join(p for p in parts if p) or "—"


def _head_rows(order) -> list[list[str]]:
    address = order.address.text if order.address else "—"
    technician = _name(order.technician.user) if order.technician else "—"
    return [
        [_("Work order"), order.number or str(order.pk)],
        [_("Kind"), order.get_kind_display()],
        [_("Customer"), order.customer.name],
        [_("Address"), address],
        [_("Product"), _product(order)],
        [_("Technician"), technician],
    ]


def _signature_section(signature: Signature | None) -> dict:
    if signature is None:
        return {"title": _("Customer's signature"), "rows": [[_("Signature"), "—"]]}
    rows = [[_("Recorded at"), _when(signature.recorded_at)], [_("Recorded by"), _name(signature.recorded_by)]]
    if signature.refused:
        rows.insert(0, [_("The customer refused to sign"), signature.refused_reason])
    else:
        rows.append([_("SHA-256 of the signature"), signature.image_sha256])
    return {"title": _("Customer's signature"), "rows": rows,
            "signature": {"image": signature.image.name or "", "refused_reason": signature.refused_reason}}


def _parts_section(order) -> dict | None:
    uses = list(PartUse.objects.filter(order=order).order_by("added_at", "id"))
    if not uses:
        return None
    table = [[u.part_code, u.name, str(u.quantity), str(u.unit_price) if u.unit_price is not None else "—",
              str(u.amount) if u.amount is not None else "—", u.get_source_display(),
              _("taken from stock") if u.movement_id else _("not taken from stock")] for u in uses]
    return {"title": _("Parts used"), "head": [_("Part code"), _("Name"), _("Quantity"), _("Unit price"),
                                               _("Amount"), _("Source"), _("Stock")], "table": table}


def _charges_section(order) -> dict | None:
    quote = getattr(order, "quote", None)
    if quote is None:
        return None
    table = [[line.get_kind_display(), f"{line.code} {line.name}", str(line.quantity), str(line.unit_price),
              _("free: %(why)s") % {"why": line.free_reason} if line.free else str(line.amount)]
             for line in quote.lines.all()]
    table += [["", _("Total"), "", "", str(quote.total)], ["", _("Charge"), "", "", quote.get_state_display()]]
    return {"title": _("Charges"), "head": [_("Kind"), _("Item"), _("Quantity"), _("Unit price"), _("Amount")],
            "table": table}


def _photos_section(order) -> dict | None:
    photos = list(Photo.objects.filter(order=order).order_by("taken_at", "id"))
    if not photos:
        return None
    return {"title": _("Photos"), "images": [
        {"name": p.thumbnail.name, "sha256": p.sha256,
         "caption": f"{p.get_stage_display()} · {_when(p.taken_at)}"} for p in photos]}


def _document(kind: str, order, sections: list[dict]) -> dict:
    return {"kind": kind, "title": str(Document.Kind(kind).label), "number": order.number or str(order.pk),
            "customer": order.customer.name, "sections": [s for s in sections if s]}


def service_record(order, *, signature: Signature | None, facts: dict) -> dict:
    """seeds/001: the one-ticket service record (一票到底服务记录单) the customer signs."""
    visit = {"title": _("Visit"), "rows": [
        [_("Reported at"), _when(order.reported_at)],
        [_("Arrived at"), _when(order.arrived_at)],
        [_("Resolved at"), _when(order.resolved_at)],
        [_("Signed off at"), _when(order.signed_off_at)],
        [_("Signed by"), order.signed_by or "—"],
        [_("Satisfaction"), f"{order.satisfaction} / 5" if order.satisfaction else "—"],
    ]}
    work = {"title": _("Work done"), "rows": [[_("Fault reported"), order.description],
                                             [_("Work done"), order.resolution or "—"]]}
    return _document(Document.Kind.SERVICE_RECORD, order, [
        {"title": _("Order"), "rows": _head_rows(order)}, visit, work,
        *registry.sections_for(Document.Kind.SERVICE_RECORD, order),
        _parts_section(order), _charges_section(order), _photos_section(order), _signature_section(signature),
    ])


def handover_receipt(order, *, signature: Signature | None, facts: dict) -> dict:
    """seeds/004: the written handover when the product is taken back for repair."""
    taken = {"title": pgettext("handover receipt", "Product taken back"), "rows": [
        [_("Taken at"), _when(facts.get("at"))],
        [_("Condition"), facts.get("condition") or "—"],
        [_("Accessories"), facts.get("accessories") or "—"],
        [_("Promised completion"), _when(order.promised_by)],
        [_("Note"), facts.get("note") or "—"],
    ]}
    return _document(Document.Kind.HANDOVER_RECEIPT, order, [
        {"title": _("Order"), "rows": _head_rows(order)}, taken,
        *registry.sections_for(Document.Kind.HANDOVER_RECEIPT, order), _signature_section(signature),
    ])


def rectification_notice(order, *, signature: Signature | None, facts: dict) -> dict:
    """seeds/001: the rectification notice (整改建议书) the customer signs when a hazard is found."""
    notice = {"title": _("Hazards found"), "rows": [
        [_("Hazards"), facts.get("hazards") or "—"],
        [_("Advice"), facts.get("advice") or "—"],
        [_("Found at"), _when(facts.get("at"))],
    ]}
    items = facts.get("items") or []
    failed = {"title": _("Failed checks"), "head": [_("Code"), _("Check"), _("Value")],
              "table": [[str(c) for c in item] for item in items]} if items else None
    return _document(Document.Kind.RECTIFICATION_NOTICE, order, [
        {"title": _("Order"), "rows": _head_rows(order)}, notice, failed,
        *registry.sections_for(Document.Kind.RECTIFICATION_NOTICE, order), _signature_section(signature),
    ])


BUILDERS = {
    Document.Kind.SERVICE_RECORD: service_record,
    Document.Kind.HANDOVER_RECEIPT: handover_receipt,
    Document.Kind.RECTIFICATION_NOTICE: rectification_notice,
}
