"""Writes of the on-site records (issue 14), and what they add to the work
order's actions through tickets.hooks (registered in apps.py):

- the checklist: copied from the templates when the order's visit starts,
  recorded by the assigned technician, every value kept;
- what blocks the work: resolve and return need every required item, the
  take-back the `before` items (409 `checklist_incomplete` with `missing`);
- the rectification notice (整改建议书, seeds/001) the customer signs;
- the appointment deadline (contract: Appointment kept) and where the
  check-in was made."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from documents.models import Signature
from documents.services import document_make
from documents.signatures import given, signature_record
from servicedesk.core.errors import ApplicationError, InvalidTransition, PermissionDenied, ValidationFailed
from servicedesk.deadlines.services import deadline_cancel_open, deadline_meet, deadline_start, open_deadlines
from tickets.models import WorkOrder, actions_allowed_in

from . import selectors
from .models import CheckInPosition, ItemKind, OrderItem, OrderItemRecord, RectificationNotice, Stage


class ChecklistIncomplete(InvalidTransition):
    """409 `checklist_incomplete` naming the items that block the action."""

    code = "checklist_incomplete"

    def __init__(self, *, action, order, missing, labels):
        super().__init__(action=action, state=order.state, state_label=order.get_state_display(),
                         allowed=[a for a in actions_allowed_in(order.state) if a != action])
        self.missing = list(missing)
        self.message = _("The checklist is not complete: %(items)s. Record them, or for a failed safety item "
                         "the rectification notice the customer signs.") % {"items": "; ".join(labels)}

    def as_payload(self):
        return {**super().as_payload(), "missing": self.missing}


class ItemErrors(ApplicationError):
    """400 `{"items": {"<code>": ["message"]}}`: each wrong item by its code."""

    def __init__(self, errors: dict):
        super().__init__(_("Some items are wrong."), field="items")
        self.errors = errors

    def as_payload(self):
        return {"items": {code: [str(m)] for code, m in self.errors.items()}}


# --- the checklist ---------------------------------------------------------------

def checklist_start(order) -> list[OrderItem]:
    """The order's items; copied from the templates that apply now if it has
    none yet (an order keeps the version it started with). Concurrent starts
    meet on the unique (order, code): the first copy wins."""
    items = list(selectors.order_items(order))
    if items:
        return items
    rows, seen = [], set()
    for template in selectors.templates_for(order):
        for t in template.items.all():
            if t.code in seen:
                continue  # the first template naming a code gives it
            seen.add(t.code)
            rows.append(OrderItem(
                order=order, position=t.position, code=t.code, label=t.label, label_zh=t.label_zh, kind=t.kind,
                stage=t.stage, required=t.required, unit=t.unit, min_value=t.min_value, max_value=t.max_value,
                source=t.source, template_code=template.code, template_version=template.version))
    if rows:
        OrderItem.objects.bulk_create(rows, ignore_conflicts=True)
    return list(selectors.order_items(order))


def _assigned(order, by):
    technician = getattr(by, "technician", None)
    if technician is None or order.technician_id != technician.pk:
        raise PermissionDenied(_("Only the technician assigned to this order may record this."))


def _lock(order_id) -> WorkOrder:
    return WorkOrder.objects.select_for_update().get(pk=order_id)


def _parse(item: OrderItem, value):
    """(value, passed) for an item, or the message of why the value is wrong."""
    if item.kind == ItemKind.CHECK:
        if not isinstance(value, bool):
            raise ValueError(gettext_lazy("Give true or false."))
        return value, value
    if item.kind == ItemKind.MEASURE:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(gettext_lazy("Give a number."))
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(gettext_lazy("Give a number.")) from None
        if not number.is_finite():
            raise ValueError(gettext_lazy("Give a number."))
        low_ok = item.min_value is None or number >= item.min_value
        high_ok = item.max_value is None or number <= item.max_value
        stored = int(number) if number == number.to_integral_value() else float(number)
        return stored, low_ok and high_ok
    if not isinstance(value, str):
        raise ValueError(gettext_lazy("Give a text."))
    if item.required and not value.strip():
        raise ValueError(gettext_lazy("This field may not be blank."))
    return value.strip(), True


def checklist_record(*, order_id, by, values: list[dict]) -> list[OrderItem]:
    """contract (On site, Checklist): only the assigned technician; `before`
    items while on_site, `after` items while on_site or taken_back (409
    otherwise); an unknown code or a wrong value is a 400 naming it and
    nothing is saved. A re-recording replaces the value; the records keep all."""
    if not isinstance(values, list) or not values:
        raise ValidationFailed(_("Give a list of items, each with its code and value."), field="items")
    with transaction.atomic():
        order = _lock(order_id)
        _assigned(order, by)
        items = {i.code: i for i in checklist_start(order)}
        errors, parsed = {}, []
        for entry in values:
            code = entry.get("code") if isinstance(entry, dict) else None
            if not isinstance(code, str) or not code:
                errors["?"] = gettext_lazy("Each item needs its code.")
                continue
            if code not in items:
                errors[code] = gettext_lazy("No such item on this order's checklist.")
                continue
            if "value" not in entry or entry["value"] is None:
                errors[code] = gettext_lazy("A value is required.")
                continue
            try:
                parsed.append((items[code], *_parse(items[code], entry["value"])))
            except ValueError as exc:
                errors[code] = exc.args[0]
        if errors:
            raise ItemErrors(errors)
        allowed_stages = {"on_site": {Stage.BEFORE, Stage.AFTER}, "taken_back": {Stage.AFTER}}.get(order.state, set())
        refused = sorted({item.stage for item, *_rest in parsed} - allowed_stages)
        if refused:
            refusal = InvalidTransition(action="checklist", state=order.state, state_label=order.get_state_display(),
                                        allowed=actions_allowed_in(order.state))
            refusal.message = _("Items of the stage “%(stage)s” cannot be recorded while the order is “%(state)s”.") % {
                "stage": dict(Stage.choices)[refused[0]], "state": order.get_state_display()}
            raise refusal
        now = timezone.now()
        for item, value, passed in parsed:
            if item.last_record_id is not None and item.value == value and item.passed == passed:
                continue  # the same value again (a repeated tap): nothing new to keep
            record = OrderItemRecord.objects.create(item=item, value=value, passed=passed, recorded_at=now,
                                                    recorded_by=by)
            item.value, item.passed, item.recorded_at, item.recorded_by, item.last_record = (
                value, passed, now, by, record)
            item.save(update_fields=["value", "passed", "recorded_at", "recorded_by", "last_record"])
    return list(selectors.order_items(order))


# --- what blocks the work (tickets.hooks guards) ----------------------------------------

def _block_unless_complete(action, order, stages):
    items = checklist_start(order)
    missing = selectors.missing_codes(items, stages=stages)
    if missing:
        labels = [i.shown_label() for i in items if i.code in missing]
        raise ChecklistIncomplete(action=action, order=order, missing=missing, labels=labels)


def guard_resolve(order, extra, by):
    _block_unless_complete("resolve", order, (Stage.BEFORE, Stage.AFTER))


def guard_return(order, extra, by):
    _block_unless_complete("return", order, (Stage.BEFORE, Stage.AFTER))


def guard_take_back(order, extra, by):
    _block_unless_complete("take-back", order, (Stage.BEFORE,))


# --- the rectification notice ---------------------------------------------------

def rectification_create(*, order_id, by, hazards: str, advice: str, extra: dict,
                         token: str = "") -> tuple[RectificationNotice, bool]:
    """整改建议书 (seeds/001): the hazards and the advice, signed by the
    customer (or the refusal recorded); covers the items failed at this
    moment. The assigned technician, while on_site. `token`: the page's form
    token, so a repeated tap answers the notice already made (created False)."""
    hazards, advice = (hazards or "").strip(), (advice or "").strip()
    with transaction.atomic():
        order = _lock(order_id)
        _assigned(order, by)
        if token:
            existing = RectificationNotice.objects.filter(order=order, request_token=token).first()
            if existing is not None:
                return existing, False
        if order.state != WorkOrder.State.ON_SITE:
            refusal = InvalidTransition(action="rectification", state=order.state,
                                        state_label=order.get_state_display(), allowed=actions_allowed_in(order.state))
            refusal.message = _("A rectification notice is made on site, while the order is “%(state)s”.") % {
                "state": WorkOrder.State.ON_SITE.label}
            raise refusal
        for name, text in (("hazards", hazards), ("advice", advice)):
            if not text:
                raise ValidationFailed(_("This field may not be blank."), field=name)
        signature = given(extra)
        now = timezone.now()
        row = signature_record(order=order, purpose=Signature.Purpose.RECTIFICATION, signature=signature, by=by,
                               at=now)
        notice = RectificationNotice.objects.create(order=order, hazards=hazards, advice=advice, signature=row,
                                                    created_at=now, created_by=by, request_token=token)
        failed = selectors.uncovered_failures(checklist_start(order))
        notice.covers.set([i.last_record_id for i in failed])
        # The notice the customer keeps, as a PDF in Chinese, made once with the notice (documents).
        document_make(order=order, kind="rectification_notice", by=by, at=now, signature=row,
                      facts=selectors.rectification_facts(notice))
    return notice, True


# --- appointment kept and check-in (tickets.hooks effects) ------------------------------

def appointment_grace() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.SERVICEDESK.get("APPOINTMENT_GRACE_MINUTES", 30))


def schedule_effect(order, at, by, extra):
    """contract (Appointment kept): the appointment deadline is due at the
    window's end, or appointment_at plus the grace. A new schedule before it
    is due cancels it and starts a new one (the time was agreed again,
    seeds/002); once due it stays open, breached and escalated, until the
    check-in meets it."""
    end = extra.get("appointment_end")
    if end is not None and end <= order.appointment_at:
        raise ValidationFailed(_("The end of the window must be after the appointment's start."),
                               field="appointment_end")
    order.appointment_end = end
    order.save(update_fields=["appointment_end"])
    current = open_deadlines(order, ["appointment"]).first()
    if current is not None and current.due_at <= at:
        return
    if current is not None:
        deadline_cancel_open(subject=order, at=at, kinds=["appointment"])
    due = end or order.appointment_at + appointment_grace()
    deadline_start(subject=order, kind="appointment", start=at, due_at=due)


def check_in_effect(order, at, by, extra):
    """The appointment is kept; the checklist starts from today's templates;
    the position, when the phone gave one, is kept with the order."""
    deadline_meet(subject=order, kinds=["appointment"], at=at)
    checklist_start(order)
    lat, lng = extra.get("latitude"), extra.get("longitude")
    if (lat is None) != (lng is None):
        raise ValidationFailed(_("Give both latitude and longitude, or neither."),
                               field="latitude" if lat is None else "longitude")
    if lat is not None:
        CheckInPosition.objects.create(order=order, latitude=Decimal(f"{lat:.6f}"), longitude=Decimal(f"{lng:.6f}"),
                                       accuracy=extra.get("accuracy"), at=at, by=by)


def demo_visit(order, by):
    """The demo data's visit (tickets.hooks.add_demo_visit): every required
    item recorded as passed, as a careful technician would."""
    values = []
    for item in checklist_start(order):
        if not item.required:
            continue
        if item.kind == ItemKind.CHECK:
            values.append({"code": item.code, "value": True})
        elif item.kind == ItemKind.MEASURE:
            low = item.min_value if item.min_value is not None else item.max_value
            values.append({"code": item.code, "value": float(low) if low is not None else 0})
        else:
            values.append({"code": item.code, "value": "OK"})
    if values:
        checklist_record(order_id=order.pk, by=by, values=values)
