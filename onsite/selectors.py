"""Reads of the on-site records. `checklist_rows(order)` and
`rectification_notices(order)` are what the documents (the service record,
the rectification notice PDF) print: plain dicts, in the reader's language."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from .models import CheckInPosition, ChecklistTemplate, OrderItem, RectificationNotice


def templates_for(order) -> list[ChecklistTemplate]:
    """The active templates that apply to this order: its product category (or
    every category) and its kind (or every kind)."""
    category = order.category.slug if order.category_id else ""
    templates = (ChecklistTemplate.objects.filter(active=True).filter(Q(category="") | Q(category=category))
                 .prefetch_related("items").order_by("id"))
    return [t for t in templates if not t.kind_list() or order.kind in t.kind_list()]


def order_items(order):
    return (OrderItem.objects.filter(order=order).select_related("recorded_by", "last_record")
            .order_by("position", "id"))


def _number(value):
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def uncovered_failures(items) -> list[OrderItem]:
    """Failed items whose last value no rectification notice covers."""
    failed = [i for i in items if i.passed is False]
    if not failed:
        return []
    covered = set(RectificationNotice.covers.through.objects.filter(
        orderitemrecord_id__in=[i.last_record_id for i in failed]).values_list("orderitemrecord_id", flat=True))
    return [i for i in failed if i.last_record_id not in covered]


def missing_codes(items, *, stages=("before", "after")) -> list[str]:
    """contract (On site, What blocks the work): required items of these
    stages without a value, or failed and not covered by a rectification notice."""
    required = [i for i in items if i.required and i.stage in stages]
    uncovered = {i.pk for i in uncovered_failures(required)}
    return [i.code for i in required if i.value is None or i.pk in uncovered]


def item_answer(item) -> dict:
    """One item as the API answers it (contract: On site, Checklist)."""
    return {
        "code": item.code, "label": item.shown_label(), "kind": item.kind, "stage": item.stage,
        "required": item.required, "unit": item.unit or None, "min": _number(item.min_value),
        "max": _number(item.max_value), "value": item.value, "passed": item.passed,
        "recorded_at": item.recorded_at, "recorded_by": item.recorded_by.username if item.recorded_by_id else None,
        "source": item.source,
    }


def checklist_rows(order) -> list[dict]:
    """For the documents (records engineer): each item with its value, whether
    it passed and whether a rectification notice covers its failure."""
    items = list(order_items(order))
    uncovered = {i.pk for i in uncovered_failures(items)}
    return [{**item_answer(item), "rectified": item.passed is False and item.pk not in uncovered}
            for item in items]


def rectification_notices(order) -> list[dict]:
    """For the documents: every notice with what it covers and the signature row."""
    notices = (RectificationNotice.objects.filter(order=order).select_related("signature", "created_by")
               .prefetch_related("covers__item"))
    return [{
        "id": n.pk, "hazards": n.hazards, "advice": n.advice, "created_at": n.created_at,
        "created_by": n.created_by.display_name, "signature": n.signature,
        "signed_at": None if n.signature.refused else n.signature.recorded_at,
        "refused_reason": n.signature.refused_reason or None,
        "covers": [{"code": r.item.code, "label": r.item.shown_label(), "value": r.value, "unit": r.item.unit}
                   for r in n.covers.all()],
    } for n in notices]


def check_in_position(order) -> CheckInPosition | None:
    return CheckInPosition.objects.filter(order=order).order_by("-at", "-id").first()


# --- for the documents (the records engineer's documents.sections / document_make) ----------

def _value_text(kind, value, unit) -> str:
    if value is None:
        return "—"
    if kind == "check":
        return str(_("yes") if value else _("no"))
    return f"{value} {unit}".strip()


def checklist_section(order) -> dict | None:
    """The checklist as a section of a document (`{"title", "head", "table"}`),
    or None when the order has none: for documents.sections.register."""
    rows = checklist_rows(order)
    if not rows:
        return None
    result = {None: "—", True: _("passed"), False: _("failed")}
    return {"title": str(_("Checklist")), "head": [str(_("Item")), str(_("Value")), str(_("Result"))],
            "table": [[row["label"], _value_text(row["kind"], row["value"], row["unit"]),
                       str(result[row["passed"]]) + (f" · {_('rectification notice')}" if row["rectified"] else "")]
                      for row in rows]}


def rectification_facts(notice) -> dict:
    """A notice's facts as documents.services.document_make takes them for
    kind "rectification_notice": hazards, advice and the failed items it covers."""
    records = notice.covers.select_related("item").order_by("item__position", "id")
    return {"hazards": notice.hazards, "advice": notice.advice, "at": notice.created_at,
            "items": [[r.item.code, r.item.shown_label(), _value_text(r.item.kind, r.value, r.item.unit)]
                      for r in records]}


def checklist_compliance(*, technician_id, start, end) -> tuple[int, int]:
    """For the technician scorecards (measures.compliance; seeds/004, seeds/001):
    (items recorded and passed, items) of the checklists of the orders this
    technician resolved in [start, end). The optional items (the "12345" and
    "five ones" confirmations) count: the required ones cannot be skipped."""
    items = OrderItem.objects.filter(order__technician_id=technician_id, order__resolved_at__gte=start,
                                     order__resolved_at__lt=end)
    return items.filter(value__isnull=False).exclude(passed=False).count(), items.count()
