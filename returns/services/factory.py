"""Writes on returns to the factory (issue 6, item 7; docs/returns.md;
domain.md section 5, seeds/004). Every action runs through the one
transition runner (servicedesk.core.transitions); what stays here is the
factory return's own: the signature and approval gate, the office's week
and the roll-over, logistics' count, the decisions on items."""

import dataclasses

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from servicedesk.core.transitions import Machine, run_action
from servicedesk.deadlines.services import deadline_meet, deadline_start

from ..models import (
    FACTORY_RETURN_ACTIONS,
    FactoryReturn,
    FactoryReturnEvent,
    FactoryReturnItem,
    factory_return_actions_allowed,
)
from ..selectors import offices_for, user_may_take_factory
from .windows import first_of_month, next_month_with_window, window_state


class ShipRefused(InvalidTransition):
    """Shipping refused: the application is not signed and approved."""

    code = "shipping_not_signed"

    def __init__(self, *, state, allowed, state_label=None):
        super().__init__(action="ship", state=state, allowed=allowed, state_label=state_label)
        self.message = _("The application must be signed by the office or regional manager and approved by "
                         "customer service before it is shipped; without both the factory refuses the return.")


class OutsideWindow(InvalidTransition):
    """The window was missed: the application rolled to a later month (that
    is committed), and the shipment itself is refused with a 409."""

    code = "outside_window"

    def __init__(self, obj, message):
        super().__init__(action="ship", state=obj.state, allowed=factory_return_actions_allowed(obj),
                         state_label=obj.get_state_display())
        self.obj = obj
        self.message = message

    def as_payload(self):
        return {**super().as_payload(), "month": self.obj.month.isoformat()}


@dataclasses.dataclass(frozen=True)
class FactoryReturnMachine(Machine):
    """The 409 lists what this application allows; shipping before the
    signature and approval says why the factory would refuse it."""

    def refuse(self, obj, action) -> InvalidTransition:
        allowed = factory_return_actions_allowed(obj)
        if action == "ship" and obj.state in (FactoryReturn.State.DRAFT, FactoryReturn.State.SIGNED):
            return ShipRefused(state=obj.state, allowed=allowed, state_label=obj.get_state_display())
        return InvalidTransition(action=action, state=obj.state, state_label=obj.get_state_display(), allowed=allowed)


def _may_take(user, obj, action) -> bool:
    # A roll-over is what an attempt to ship after the week does: whoever may ship.
    return user_may_take_factory(user, obj, "ship" if action == "roll-over" else action)


MACHINE = FactoryReturnMachine(
    model=FactoryReturn, history=FactoryReturnEvent, history_fk="factory_return", actions=FACTORY_RETURN_ACTIONS,
    may_take=_may_take, allowed_in=lambda state: [], related=("office__region",),
    state_first=False,  # who may act first, as before the runner: an office clerk asking to arrive gets 403
)


def factory_return_create(*, by, office, month=None, items, note="") -> FactoryReturn:
    if not offices_for(by).filter(pk=office.pk).exists():
        raise PermissionDenied(_("You may not file a return for this office."), code="office_not_allowed")
    if not items:
        raise ValidationFailed(_("List at least one item."), field="items", code="items_missing")
    now = timezone.now()
    month = first_of_month(month or timezone.localdate(now))
    with transaction.atomic():
        obj = FactoryReturn.objects.create(office=office, month=month, note=(note or "").strip(), created_by=by)
        obj.number = f"FR{month:%Y%m}{obj.pk:05d}"
        obj.save(update_fields=["number"])
        FactoryReturnItem.objects.bulk_create([
            FactoryReturnItem(factory_return=obj, line=i, description=item["description"], model=item.get("model", ""),
                              quantity=item["quantity"], reason=item["reason"])
            for i, item in enumerate(items, start=1)
        ])
        MACHINE.record(obj=obj, action="create", from_state="", by=by, at=now, note=obj.note,
                       data={"month": month.isoformat(), "items": len(items)})
    return obj


def factory_return_sign(*, factory_return_id, by, note="") -> FactoryReturn:
    return run_action(MACHINE, pk=factory_return_id, action="sign", by=by, note=note, stamp=True, kwargs={"by": by})


def factory_return_approve(*, factory_return_id, by, note="") -> FactoryReturn:
    def check(o):
        if o.signed_by_id == by.pk:
            raise ValidationFailed(_("Customer service approves what another person signed."), field="approved_by",
                                   code="approver_is_signer")

    return run_action(MACHINE, pk=factory_return_id, action="approve", by=by, note=note, check=check, stamp=True,
                      kwargs={"by": by})


def factory_return_special_approve(*, factory_return_id, by, reason) -> FactoryReturn:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why: a batch problem or another exception."), field="reason",
                               code="reason_required")
    return run_action(MACHINE, pk=factory_return_id, action="special-approve", by=by, note=reason, stamp=True,
                      kwargs={"reason": reason, "by": by})


class _WindowMissed(Exception):
    """Raised inside the shipment's check: the window is over (the caller rolls over)."""

    def __init__(self, new_month, message, data):
        self.new_month, self.message, self.data = new_month, message, data


def factory_return_ship(*, factory_return_id, by, waybill="", note="") -> FactoryReturn:
    """Ship in the office's week (domain.md section 5). Too early: refused.
    Missed: the application rolls to the next month's window (a history
    row), and OutsideWindow is raised after that commits. A special approval
    ships at any time. Unsigned or unapproved: refused."""
    status = {}

    def check(o):
        today = timezone.localdate()
        status["window"], window, days = window_state(o, today)
        if o.special_approval:
            return
        if status["window"] == "none":
            raise ValidationFailed(_("No return week is set for this office's province: add it to the windows table."),
                                   field="office", code="window_missing")
        if status["window"] == "early":
            raise ValidationFailed(
                _("This office returns in week %(week)d: from %(first)s to %(last)s.") % {
                    "week": window.week, "first": days[0], "last": days[1]}, field="month", code="window_not_open")
        if status["window"] == "missed":
            old, new = o.month, next_month_with_window(today, window.week)
            message = _("The window of %(old)s (%(first)s to %(last)s) was missed: the return waits for %(new)s.") % {
                "old": f"{old:%Y-%m}", "first": days[0], "last": days[1], "new": f"{new:%Y-%m}"}
            raise _WindowMissed(new, message, {"from_month": old.isoformat(), "to_month": new.isoformat()})

    with transaction.atomic():
        obj = MACHINE.lock(factory_return_id)
        try:
            return run_action(
                MACHINE,
                pk=factory_return_id,
                obj=obj,
                action="ship",
                by=by,
                note=note,
                check=check,
                stamp=True,
                kwargs={"waybill": (waybill or "").strip()},
                data=lambda o: {
                    "waybill": o.waybill,
                    "special": bool(o.special_approval and status["window"] != "open"),
                },
            )
        except _WindowMissed as missed:
            # Still holding the lock: the roll-over is recorded and committed, then the shipment refused.
            run_action(
                MACHINE, pk=factory_return_id, obj=obj, action="roll-over", method="roll_over", by=by,
                note=missed.message, data=missed.data, kwargs={"month": missed.new_month},
            )
            outcome = OutsideWindow(obj, missed.message)
    raise outcome


def factory_return_arrive(*, factory_return_id, by, note="") -> FactoryReturn:
    def effects(o, at):
        # seeds/004: logistics checks the next day; decisions within 3 days of arrival.
        for kind in ("check", "decide"):
            deadline_start(subject=o, kind=kind, start=at, attributes={"office": o.office_id})

    return run_action(MACHINE, pk=factory_return_id, action="arrive", by=by, note=note, effects=effects, stamp=True)


def _items_by_id(obj, rows, field="items"):
    items = {i.pk: i for i in obj.items.select_for_update()}
    out = []
    for n, row in enumerate(rows):
        item = items.get(row.get("id"))
        if item is None:
            raise ValidationFailed(_("No such item on this application."), field=f"{field}[{n}].id",
                                   code="item_unknown")
        out.append((item, row))
    return items, out


def count_is_far(declared: int, counted: int) -> bool:
    """A count far from the declared quantity (more than twice it, or less
    than half of it: 118 against 15) is more likely a typing slip than a
    shortfall, so it is recorded only once confirmed (issue 13, item 12)."""
    return counted > 2 * declared or 2 * counted < declared


def factory_return_check(*, factory_return_id, by, items, note="", confirm=False) -> FactoryReturn:
    """Logistics counts each item and notes its condition; its count prevails
    and each difference from the declared quantity is recorded. A count far
    from the declared one needs `confirm`: without it a 400 naming the item."""
    differences = {}

    def check(o):
        all_items, rows = _items_by_id(o, items)
        if {i.pk for i, _row in rows} != set(all_items):
            raise ValidationFailed(_("Count every item of the application."), field="items", code="count_incomplete")
        if not confirm:
            for n, (item, row) in enumerate(rows):
                if count_is_far(item.quantity, row["counted_quantity"]):
                    raise ValidationFailed(
                        _("%(counted)d counted against %(declared)d declared: check the count, then confirm it.") % {
                            "counted": row["counted_quantity"], "declared": item.quantity},
                        field=f"items[{n}].counted_quantity", code="count_unconfirmed")
        for item, row in rows:
            item.counted_quantity = row["counted_quantity"]
            item.condition = row.get("condition", "")
            item.difference = item.counted_quantity - item.quantity
            item.save(update_fields=["counted_quantity", "condition", "difference"])
            if item.difference:
                differences[item.line] = item.difference

    def effects(o, at):
        deadline_meet(subject=o, kinds=["check"], at=at)

    data = {"differences": differences}
    if confirm:
        data["confirmed"] = True
    return run_action(MACHINE, pk=factory_return_id, action="check", by=by, note=note, check=check, effects=effects,
                      stamp=True, kwargs={"by": by}, data=lambda o: data)


def factory_return_decide(*, factory_return_id, by, items, note="") -> FactoryReturn:
    """Customer service decides items (exchange, credit, or rejection with its
    reason); once every item is decided the application is decided."""
    decided = {}

    def check(o):
        if not items:
            raise ValidationFailed(_("Decide at least one item."), field="items", code="items_missing")
        at = timezone.now()
        _all, rows = _items_by_id(o, items)
        for n, (item, row) in enumerate(rows):
            reason = (row.get("reason") or "").strip()
            if row["decision"] == FactoryReturnItem.Decision.REJECTED and not reason:
                raise ValidationFailed(_("Write the reason for a rejected item."), field=f"items[{n}].reason",
                                       code="rejection_reason_missing")
            item.decision, item.decision_reason, item.decided_by, item.decided_at = row["decision"], reason, by, at
            item.save(update_fields=["decision", "decision_reason", "decided_by", "decided_at"])
            decided[item.line] = {"decision": item.decision, "reason": reason}

    def effects(o, at):
        if o.state == FactoryReturn.State.DECIDED:
            deadline_meet(subject=o, kinds=["decide"], at=at)

    return run_action(MACHINE, pk=factory_return_id, action="decide", by=by, note=note, check=check, effects=effects,
                      stamp=True, data=lambda o: {"items": decided})


def factory_return_close(*, factory_return_id, by, note="") -> FactoryReturn:
    return run_action(MACHINE, pk=factory_return_id, action="close", by=by, note=note, stamp=True)


FACTORY_SERVICES = {
    "sign": factory_return_sign, "approve": factory_return_approve, "special-approve": factory_return_special_approve,
    "ship": factory_return_ship, "arrive": factory_return_arrive, "check": factory_return_check,
    "decide": factory_return_decide, "close": factory_return_close,
}
