"""Writes on work orders. Each action locks the row, checks who may take it
(tickets.selectors), runs the transition, saves, writes the history row and
moves the deadlines, all in one transaction: nothing is half applied, and of
two concurrent actions on one order the second sees the first's result."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from billing.selectors.fees import resolve_blocker
from billing.services.fees import entitlement_decide, revisit_is_covered
from servicedesk.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from servicedesk.core.transitions import Machine, run_action, run_state_kept
from servicedesk.customers.models import Customer
from servicedesk.customers.selectors import product_as_sent
from servicedesk.customers.services import (
    address_add,
    customer_as_sent_by,
    customer_match_or_create,
    customer_product_add,
)
from servicedesk.deadlines.services import (
    deadline_cancel_open,
    deadline_meet,
    deadline_start,
    deadlines_known,
    deadlines_open,
    deadlines_pause,
    deadlines_plan,
    deadlines_resume,
)
from servicedesk.notifications.titles import Title
from servicedesk.ownership.handover import hand_over
from servicedesk.webhooks.outbox import emit as webhooks_emit
from technicians.selectors import technician_ineligibility

from . import hooks
from .models import ACTIONS, WorkOrder, WorkOrderEvent, actions_allowed_in, number_prefix
from .selectors import user_may_create_work_orders, user_may_take


def deadline_attributes(order: WorkOrder) -> dict:
    return {
        "kind": order.kind,
        "category": order.category.slug if order.category_id else None,
        "vip": order.customer.vip,
        "province": order.region.province if order.region_id else None,
        "region": order.region.code if order.region_id else None,
    }


def _denied(action):
    if action == "hand-over":
        return _("Only the owner, a supervisor or a manager may hand this order over.")
    return None


def _state_changed(order, from_state, action, at):
    # contract: Partner webhooks, every state change after the create; in this transaction.
    webhooks_emit("work_order.state_changed", obj=order, partner_id=order.partner_id, at=at)


MACHINE = Machine(
    model=WorkOrder, history=WorkOrderEvent, history_fk="order", actions=ACTIONS, may_take=user_may_take,
    allowed_in=actions_allowed_in, related=("customer", "category", "region", "owner"),
    # The state first: of two concurrent actions the loser must get 409
    # (contract), also when the winner took the order away from the loser
    # (a decline unassigns the technician whose accept lost).
    state_first=True, is_open=lambda order: order.is_open, refresh_after_effects=("next_due_at",),
    denied_message=_denied, on_change=_state_changed,
)


def _record(*, order, action, from_state, by, at, note="", data=None):
    return MACHINE.record(obj=order, action=action, from_state=from_state, by=by, at=at, note=note, data=data)


# --- create ----------------------------------------------------------------

def work_order_create(
    *, by, kind: str, customer, description: str, reported_at: datetime.datetime | None = None,
    product: dict | None = None, external_ref: str = "", address: str = "", revisit_of: WorkOrder | None = None,
) -> tuple[WorkOrder, bool]:
    """Create a work order; answers (order, created). `customer` is a Customer
    or {"name", "phone", "address"}. A partner repeating an external_ref gets
    its existing order back (created False), never a duplicate."""
    if not user_may_create_work_orders(by):
        raise PermissionDenied(_("Your role may not create work orders."))
    if not (description or "").strip():
        raise ValidationFailed(_("This field may not be blank."), field="description")
    partner = by.partner if by.partner_id else None
    external_ref = (external_ref or "").strip()
    if partner and external_ref:
        existing = WorkOrder.objects.filter(partner=partner, external_ref=external_ref).first()
        if existing:
            return existing, False
    now = timezone.now()
    as_sent = customer_as_sent_by(customer=customer, address=address,
                                  earlier=WorkOrder.objects.filter(partner=partner)) if partner else None
    if as_sent is not None and isinstance(product, dict):
        as_sent["product"] = product_as_sent(product)
    try:
        with transaction.atomic():
            order = _create(
                by=by, kind=kind, customer=customer, description=description.strip(),
                reported_at=reported_at or now, product=product, partner=partner, external_ref=external_ref,
                address=address, revisit_of=revisit_of, now=now, as_sent=as_sent,
            )
    except IntegrityError:
        # A concurrent create with the same external_ref won the race.
        if partner and external_ref:
            existing = WorkOrder.objects.filter(partner=partner, external_ref=external_ref).first()
            if existing:
                return existing, False
        raise
    return order, True


def _create(*, by, kind, customer, description, reported_at, product, partner, external_ref, address, revisit_of, now,
            free_of_charge=False, as_sent=None):
    if isinstance(customer, Customer):
        address_obj = address_add(customer=customer, text=address)
    else:
        customer, address_obj = customer_match_or_create(
            name=customer["name"], phone=customer["phone"], address=customer.get("address", "")
        )
    customer_product = None
    if product:
        customer_product = (
            product if not isinstance(product, dict) else customer_product_add(customer=customer, **product)
        )
    # contract: approved installations (seeds/002): no deadline runs before the approval.
    awaiting = bool(partner and partner.installations_need_approval and kind == WorkOrder.Kind.INSTALL)
    order = WorkOrder(
        state=WorkOrder.State.AWAITING_APPROVAL if awaiting else WorkOrder.State.RECEIVED,
        kind=kind, customer=customer, address=address_obj, product=customer_product,
        category=customer_product.category if customer_product else None,
        region=address_obj.region if address_obj else None,
        description=description, reported_at=reported_at, created_by=by, owner=by,
        partner=partner, external_ref=external_ref, revisit_of=revisit_of, free_of_charge=free_of_charge,
        customer_as_sent=as_sent, number=number_prefix(reported_at),
    )
    # contract: respond and arrive run from reported_at (seeds/001: 24 h; emergency 30 min).
    # Timed before the order is written, so its INSERT carries next_due_at (the cache of the
    # earliest open due time, WorkOrder.deadlines_changed) and, on PostgreSQL, comes back with
    # its number (NumberField): nothing is updated after it (issue 18).
    planned = [] if awaiting else deadlines_plan(subject=order, kinds=("respond", "arrive"), start=reported_at,
                                                 attributes=deadline_attributes(order))
    order.next_due_at = min((d.due_at for d in planned), default=None)
    order.save(force_insert=True)
    if order.number == number_prefix(reported_at):  # no trigger completed it (SQLite): the number needs the id
        order.number = f"{order.number}{order.pk:06d}"
        order.save(update_fields=["number"])
    _record(order=order, action="create", from_state="", by=by, at=now,
            data={"revisit_of": revisit_of.pk} if revisit_of else None)
    entitlement_decide(order=order)  # issue 6: in warranty, out of warranty or no proof (billing)
    started = deadlines_open(subject=order, planned=planned)
    deadlines_known(order, started)  # the answer renders them without reading them back (issue 18)
    webhooks_emit("work_order.created", obj=order, partner_id=order.partner_id, at=now)
    return order


# --- actions ---------------------------------------------------------------

def _act(*, order_id, action, by, note="", data=None, check=None, effects=None, stamp=False, extra=None,
         **kwargs) -> WorkOrder:
    """The one transition runner (servicedesk.core.transitions) on a work
    order; the caller passes the transition's keyword arguments. The guards
    and effects other apps registered for the action (tickets.hooks) run
    after the service's own check and effects, with `extra`: the input
    fields those apps added."""
    extra = extra or {}

    def checks(order):
        if check:
            check(order)
        hooks.run_guards(action, order, extra, by)

    def all_effects(order, at):
        if effects:
            effects(order, at)
        hooks.run_effects(action, order, at, by, extra)

    return run_action(MACHINE, pk=order_id, action=action, by=by, note=note, data=data, check=checks,
                      effects=all_effects, stamp=stamp, kwargs=kwargs)


def _require_text(value, field):
    if not (value or "").strip():
        raise ValidationFailed(_("This field may not be blank."), field=field)
    return value.strip()


def work_order_dispatch(*, order_id, technician, by, note="", extra=None) -> WorkOrder:
    def check(order):
        reason = technician_ineligibility(technician=technician, category=order.category)
        if reason:
            raise ValidationFailed(reason, field="technician")

    return _act(order_id=order_id, extra=extra, action="dispatch", by=by, note=note, check=check,
                data={"technician": technician.pk, "technician_username": technician.user.username},
                technician=technician, stamp=True)


def work_order_decline(*, order_id, by, reason, extra=None) -> WorkOrder:
    reason = _require_text(reason, "reason")
    return _act(order_id=order_id, extra=extra, action="decline", by=by, note=reason)


def work_order_accept(*, order_id, by, note="", extra=None) -> WorkOrder:
    return _act(order_id=order_id, extra=extra, action="accept", by=by, note=note)


def work_order_schedule(*, order_id, by, appointment_at, note="", extra=None) -> WorkOrder:
    if appointment_at is None:
        raise ValidationFailed(_("This field is required."), field="appointment_at")
    return _act(order_id=order_id, extra=extra, action="schedule", by=by, note=note,
                data={"appointment_at": appointment_at.isoformat()}, appointment_at=appointment_at,
                effects=lambda order, at: deadline_meet(subject=order, kinds=["respond"], at=at))


def work_order_check_in(*, order_id, by, note="", extra=None) -> WorkOrder:
    return _act(order_id=order_id, extra=extra, action="check-in", by=by, note=note, stamp=True,
                effects=lambda order, at: deadline_meet(subject=order, kinds=["respond", "arrive"], at=at))


def _quote_accepted(order):
    """issue 6: a quote with paid lines is accepted before the work is done (billing)."""
    blocker = resolve_blocker(order)
    if blocker:
        raise ValidationFailed(blocker, field="quote")


def work_order_resolve(*, order_id, by, resolution, extra=None) -> WorkOrder:
    resolution = _require_text(resolution, "resolution")
    return _act(order_id=order_id, extra=extra, action="resolve", by=by, note=resolution, resolution=resolution,
                stamp=True,
                check=_quote_accepted)


def work_order_take_back(*, order_id, by, promised_by, note="", extra=None) -> WorkOrder:
    """seeds/004: promise a completion time at most 3 days ahead."""
    now = timezone.now()
    max_days = settings.SERVICEDESK["TAKE_BACK_MAX_DAYS"]
    if promised_by is None:
        raise ValidationFailed(_("This field is required."), field="promised_by")
    if promised_by <= now:
        raise ValidationFailed(_("The promised time must be in the future."), field="promised_by")
    if promised_by > now + datetime.timedelta(days=max_days):
        raise ValidationFailed(
            _("A take-back may promise at most %(days)d days ahead.") % {"days": max_days}, field="promised_by"
        )
    return _act(order_id=order_id, extra=extra, action="take-back", by=by, note=note,
                data={"promised_by": promised_by.isoformat()}, promised_by=promised_by,
                effects=lambda order, at: deadline_start(subject=order, kind="repair", start=at, due_at=promised_by))


def work_order_return(*, order_id, by, resolution, extra=None) -> WorkOrder:
    resolution = _require_text(resolution, "resolution")
    return _act(order_id=order_id, extra=extra, action="return", by=by, note=resolution, resolution=resolution,
                stamp=True,
                check=_quote_accepted,
                effects=lambda order, at: deadline_meet(subject=order, kinds=["repair"], at=at))


def work_order_sign_off(*, order_id, by, signed_by, satisfaction, extra=None) -> WorkOrder:
    signed_by = _require_text(signed_by, "signed_by")
    if satisfaction is None or not (1 <= int(satisfaction) <= 5):
        raise ValidationFailed(_("Satisfaction is a score from 1 to 5."), field="satisfaction")

    def effects(order, at):
        # seeds/002: return visit within one week after install or repair.
        deadline_start(subject=order, kind="follow_up", start=at, attributes=deadline_attributes(order))

    return _act(order_id=order_id, extra=extra, action="sign-off", by=by, note=signed_by,
                data={"signed_by": signed_by, "satisfaction": int(satisfaction)},
                signed_by=signed_by, satisfaction=int(satisfaction), stamp=True, effects=effects)


def work_order_close(*, order_id, by, note="", extra=None) -> WorkOrder:
    return _act(order_id=order_id, extra=extra, action="close", by=by, note=note, stamp=True,
                effects=lambda order, at: deadline_meet(subject=order, kinds=["follow_up"], at=at))


def work_order_cancel(*, order_id, by, reason, extra=None) -> WorkOrder:
    reason = _require_text(reason, "reason")
    return _act(order_id=order_id, extra=extra, action="cancel", by=by, note=reason, reason=reason,
                effects=lambda order, at: deadline_cancel_open(subject=order, at=at))


def _not_revisited_yet(order):
    """One revisit per order (issue 16: 20 revisits at once made 20 orders).
    The caller holds the original's row lock, so of concurrent revisits the
    first creates the order and every later one sees it here: 409, as for any
    two concurrent actions (contract: Conventions); a repeat that wants the
    first answer again sends an Idempotency-Key. The fault coming back after
    the revisit is a revisit of the revisit; a cancelled revisit does not count."""
    existing = (WorkOrder.objects.filter(revisit_of=order).exclude(state=WorkOrder.State.CANCELLED)
                .order_by("id").only("number").first())
    if existing is not None:
        refusal = InvalidTransition(action="revisit", state=order.state, state_label=order.get_state_display(),
                                    allowed=[a for a in actions_allowed_in(order.state) if a != "revisit"])
        refusal.message = _("This order already has a revisit, %(number)s: revisit that one if the fault is back.") % {
            "number": existing.number}
        refusal.code = "already_revisited"
        raise refusal


def work_order_revisit(*, order_id, by, description, extra=None) -> WorkOrder:
    """seeds/003: the same fault again. Inside the original's repair warranty
    (billing) the original counts as a repeat repair and the revisit is free;
    outside it the revisit is an ordinary, paid order. Both are linked."""
    description = _require_text(description, "description")
    with transaction.atomic():
        now = timezone.now()
        # The sign-off a repair warranty runs from never changes once made: read without the lock.
        row = WorkOrder.objects.filter(pk=order_id).first()
        repeat = row is not None and revisit_is_covered(original=row, on=timezone.localdate(now))
        original = _act(order_id=order_id, extra=extra, action="revisit", by=by, note=description,
                        repeat=repeat,
                        data={"repeat_repair": repeat}, check=_not_revisited_yet)
        kind = (
            original.kind
            if original.kind in (WorkOrder.Kind.REPAIR, WorkOrder.Kind.EMERGENCY)
            else WorkOrder.Kind.REPAIR
        )
        new = _create(
            by=by, kind=kind, customer=original.customer, description=description, reported_at=now,
            product=original.product, partner=original.partner, external_ref="",
            address=original.address.text if original.address_id else "", revisit_of=original, now=now,
            free_of_charge=repeat, as_sent=original.customer_as_sent,
        )
    return new


def _deadline_change(*, order_id, by, action, change, note=""):
    """Postpone/resume: the order keeps its state; its clocks stop or run."""
    return run_state_kept(MACHINE, pk=order_id, action=action, by=by, change=change, note=note,
                          data=lambda order, rows: {"deadlines": sorted(d.kind for d in rows)})


def work_order_postpone(*, order_id, by, reason) -> WorkOrder:
    """The customer asks to postpone: the waiting time does not count against
    the company (issue 3, item 4); the due times move when the clocks resume."""
    reason = _require_text(reason, "reason")
    return _deadline_change(order_id=order_id, by=by, action="postpone", note=reason,
                            change=lambda order, at: deadlines_pause(subject=order, by=by, reason=reason, at=at))


def work_order_resume(*, order_id, by, note="") -> WorkOrder:
    return _deadline_change(order_id=order_id, by=by, action="resume", note=note,
                            change=lambda order, at: deadlines_resume(subject=order, by=by, at=at))


def work_order_hand_over(*, order_id, by, to, note) -> WorkOrder:
    """First-question responsibility (seeds/000, seeds/001; servicedesk.ownership)."""
    note = _require_text(note, "note")
    return hand_over(
        MACHINE, pk=order_id, by=by, to=to, note=note, already_owned=_("“%(name)s” already owns this order."),
        # Facts, said in the new owner's language when shown or mailed (notifications/titles.py).
        title=lambda order: Title(gettext_noop("Work order %(number)s is yours now (handed over by %(name)s)"), {
            "number": order.number, "name": by.display_name}),
    )


ACTION_SERVICES = {
    "dispatch": work_order_dispatch,
    "decline": work_order_decline,
    "accept": work_order_accept,
    "schedule": work_order_schedule,
    "check-in": work_order_check_in,
    "resolve": work_order_resolve,
    "take-back": work_order_take_back,
    "return": work_order_return,
    "sign-off": work_order_sign_off,
    "close": work_order_close,
    "cancel": work_order_cancel,
    "revisit": work_order_revisit,
}
