"""Writes on returns (issue 6, item 6; docs/returns.md). Each action runs
through the one transition runner (servicedesk.core.transitions): lock,
who may act (returns.selectors), the transition, the history row, the
deadlines, in one transaction. What is the returns' own stays here: the
assessment's decision, the batch dispute's technician, the refusals that
say more than 403."""

import dataclasses
import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_fsm import can_proceed

from servicedesk.accounts.roles import Role
from servicedesk.accounts.selectors import nearest_with_role
from servicedesk.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from servicedesk.core.transitions import Machine, run_action
from servicedesk.customers.models import Customer
from servicedesk.customers.selectors import product_as_sent
from servicedesk.customers.services import (
    address_add,
    customer_as_sent_by,
    customer_match_or_create,
    customer_product_add,
)
from servicedesk.deadlines.services import deadline_meet, deadline_start
from servicedesk.notifications.services import notifications_create
from servicedesk.notifications.titles import Title
from servicedesk.webhooks.outbox import emit as webhooks_emit
from technicians.selectors import technician_ineligibility

from ..models import RETURN_ACTIONS, Decision, RequestedBy, ReturnEvent, ReturnRequest, return_actions_allowed
from ..selectors import (
    RETURN_ASSIGNED_ACTIONS,
    return_awaits_technician,
    user_may_create_returns,
    user_may_take_return,
)
from .assessment import decide, validate_findings


class NoTechnicianAssigned(InvalidTransition):
    """A technician's visit to a batch dispute nobody is assigned to yet: 409
    naming what is missing (`missing: technician`)."""

    code = "technician_missing"

    def __init__(self, *, action, obj):
        super().__init__(action=action, state=obj.state, allowed=return_actions_allowed(obj),
                         state_label=obj.get_state_display())
        self.message = _("No technician is assigned to this batch dispute yet: customer service assigns one "
                         "(assign) before the visit is recorded.")

    def as_payload(self):
        return {**super().as_payload(), "missing": "technician"}


def _may_take(user, obj, action) -> bool:
    """The one permission rule (selectors), and the two refusals that say
    more than a bare 403: nobody sent yet (409 naming the technician), or a
    technician who is not the one sent."""
    if user_may_take_return(user, obj, action):
        return True
    if return_awaits_technician(user, obj, action):
        raise NoTechnicianAssigned(action=action, obj=obj)
    if action in RETURN_ASSIGNED_ACTIONS and user.has_role(Role.TECHNICIAN):
        raise PermissionDenied(_("Only the technician assigned to this return may do this."),
                               code="not_assigned_technician")
    return False


@dataclasses.dataclass(frozen=True)
class ReturnMachine(Machine):
    """What a return allows depends on the return itself (a batch dispute
    or not, an exchange proposed or not), not only on its state: the 409
    lists what this one allows."""

    def refuse(self, obj, action) -> InvalidTransition:
        return InvalidTransition(action=action, state=obj.state, state_label=obj.get_state_display(),
                                 allowed=return_actions_allowed(obj))


MACHINE = ReturnMachine(
    model=ReturnRequest, history=ReturnEvent, history_fk="return_request", actions=RETURN_ACTIONS,
    may_take=_may_take, allowed_in=lambda state: [], related=("product__category",),
    # Who may act is checked before the state (as before the runner): a
    # technician not sent is refused whatever the state.
    state_first=False,
    on_change=lambda obj, from_state, action, at: webhooks_emit(
        "return.state_changed", obj=obj, partner_id=obj.partner_id, at=at),  # contract: Partner webhooks
)


def return_create(*, by, customer, product, requested_by, reason, requested_at=None, batch=False, batch_code="",
                  quantity=1, address="") -> ReturnRequest:
    if not user_may_create_returns(by):
        raise PermissionDenied(_("Your role may not record returns."), code="return_create_denied")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("This field may not be blank."), field="reason", code="blank")
    if batch and requested_by != RequestedBy.DEALER:
        raise ValidationFailed(
            _("Only a dealer can dispute the quality of a batch."), field="batch", code="batch_needs_dealer"
        )
    if batch and not (batch_code or "").strip():
        raise ValidationFailed(
            _("Give the batch code of the disputed goods."), field="batch_code", code="batch_code_missing"
        )
    now = timezone.now()
    # The request time decides the warranty term: only staff may record an earlier one (a return
    # taken on paper at the counter), at most SERVICEDESK_MAX_BACKDATE_DAYS back; a partner's is now.
    if requested_at is not None:
        if by.partner_id or by.has_role(Role.PARTNER):
            raise ValidationFailed(_("Partners cannot set the request time: it is the time of the request."),
                                   field="requested_at", code="requested_at_not_allowed")
        if now - requested_at > datetime.timedelta(days=settings.SERVICEDESK_MAX_BACKDATE_DAYS):
            raise ValidationFailed(_("At most %(days)d days back.") % {"days": settings.SERVICEDESK_MAX_BACKDATE_DAYS},
                                   field="requested_at", code="requested_at_too_old")
    requested_at = requested_at or now
    for field in ("purchase_date", "manufactured_on"):
        if product.get(field) and product[field] > timezone.localdate(requested_at):
            raise ValidationFailed(
                _("Must not be after the return was requested."), field=f"product.{field}", code="date_after_request"
            )
    customer_sent = customer
    with transaction.atomic():
        if isinstance(customer, Customer):
            address_obj = address_add(customer=customer, text=address)
        else:
            customer, address_obj = customer_match_or_create(
                name=customer["name"], phone=customer["phone"], address=customer.get("address", ""))
        product_obj = customer_product_add(customer=customer, **product)
        # A known product keeps its dates unless the request brings ones it lacked.
        changed = [f for f in ("purchase_date", "manufactured_on") if product.get(f) and not getattr(product_obj, f)]
        for f in changed:
            setattr(product_obj, f, product[f])
        if changed:
            product_obj.save(update_fields=changed)
        obj = ReturnRequest.objects.create(
            requested_by=requested_by, customer=customer, address=address_obj, product=product_obj, reason=reason,
            requested_at=requested_at, batch=bool(batch), batch_code=(batch_code or "").strip(), quantity=quantity or 1,
            created_by=by, owner=by, accepting_unit=by.unit, partner=by.partner if by.partner_id else None,
            customer_as_sent=_as_sent(by, customer_sent, address, product),
        )
        obj.number = f"RT{timezone.localtime(requested_at):%Y%m%d}{obj.pk:06d}"
        obj.save(update_fields=["number"])
        MACHINE.record(obj=obj, action="create", from_state="", by=by, at=now, note=reason,
                data={"batch": obj.batch, "quantity": obj.quantity})
        if obj.batch:
            # seeds/004: within 2 days a technician is on site at the dealer.
            deadline_start(subject=obj, kind="batch_visit", start=requested_at, attributes=_attributes(obj))
            notifications_create(
                recipients=nearest_with_role(Role.SUPERVISOR, obj.accepting_unit_id), url=obj.get_absolute_url(),
                title=Title(gettext_noop("Batch-quality dispute %(number)s: send a technician within 2 days"),
                            {"number": obj.number}))
    return obj


def _attributes(obj):
    return {"category": obj.product.category.slug, "requested_by": obj.requested_by}


def return_assess(*, return_id, by, findings, note="") -> ReturnRequest:
    """The rules decide (approved with exchange, refund or depot repair, or
    rejected); a depot repair starts its 3 days (seeds/004)."""
    with transaction.atomic():
        # Locked here because the outcome (approved or rejected) names the transition.
        obj = MACHINE.lock(return_id)
        if not _may_take(by, obj, "assess"):
            raise PermissionDenied()
        if can_proceed(obj.assess):
            clean = validate_findings(obj.product.category.slug, findings)
            rule, decision, reason, reason_zh = decide(obj, clean)
        else:  # the runner answers 409 below
            clean, rule, decision, reason, reason_zh = findings, None, "", "", ""

        def effects(o, at):
            if o.decision == Decision.REPAIR:
                # seeds/004: repair within 3 days; past that, exchange or return.
                deadline_start(subject=o, kind="repair", start=at, attributes=_attributes(o))

        return run_action(
            MACHINE, pk=return_id, obj=obj, action="assess", by=by, note=note, effects=effects, stamp=True,
            method="assess_reject" if decision == Decision.REJECTED else "assess",
            data={"findings": clean, "decision": decision, "rule": rule.pk if rule else None},
            kwargs=dict(findings=clean, decision=decision, reason=reason, reason_zh=reason_zh, rule=rule, by=by))


def return_visit(*, return_id, by, confirmed, findings=None, note="") -> ReturnRequest:
    """The technician's visit for a batch-quality dispute: confirmed, the
    company takes the batch back and pays transport (seeds/004)."""
    note = (note or "").strip()
    if not confirmed and not note:
        raise ValidationFailed(_("Say why the batch problem is not confirmed: the dealer is told."), field="note",
                               code="note_required")
    if confirmed:
        decision, transport = Decision.EXCHANGE, ReturnRequest.Payer.COMPANY
        reason = "Batch quality problem confirmed on site: the company takes the batch back and pays the transport."
        reason_zh = "经现场确认为批次质量问题：公司收回全部货物并承担运费。"
    else:
        decision, transport = Decision.REJECTED, ""
        reason = "Batch quality problem not confirmed on site: " + note
        reason_zh = "经现场核查未确认批次质量问题：" + note

    def effects(o, at):
        deadline_meet(subject=o, kinds=["batch_visit"], at=at)

    return run_action(
        MACHINE, pk=return_id, action="visit", method="visit" if confirmed else "visit_reject", by=by, note=note,
        effects=effects, stamp=True, data={"confirmed": confirmed, "findings": findings or {}},
        kwargs=dict(findings=findings or {}, decision=decision, reason=reason, reason_zh=reason_zh, rule=None, by=by,
                    transport_paid_by=transport))


def return_assign(*, return_id, by, technician, note="") -> ReturnRequest:
    """Customer service sends a technician to a dealer's batch dispute
    (seeds/004); assigning again replaces the first. The technician must be
    active and certified for the product's category, like a dispatch."""
    previous = {}

    def check(o):
        refusal = technician_ineligibility(technician=technician, category=o.product.category)
        if refusal:
            raise ValidationFailed(refusal, field="technician", code="technician_ineligible")
        previous["id"] = o.technician_id

    def effects(o, at):
        notifications_create(
            recipients=[technician.user], url=o.get_absolute_url(),
            title=Title(gettext_noop("Batch-quality dispute %(number)s: you are sent on site"), {"number": o.number}))

    return run_action(MACHINE, pk=return_id, action="assign", by=by, note=note, check=check, effects=effects,
                      stamp=True, kwargs={"technician": technician},
                      data=lambda o: {"technician": technician.pk, "previous": previous.get("id")})


def _meet_repair(o, at):
    deadline_meet(subject=o, kinds=["repair"], at=at)


def return_accept_exchange(*, return_id, by, note="") -> ReturnRequest:
    return run_action(MACHINE, pk=return_id, action="accept-exchange", by=by, note=note, effects=_meet_repair,
                      stamp=True, data={"decision": Decision.EXCHANGE})


def return_fulfil(*, return_id, by, note="") -> ReturnRequest:
    return run_action(MACHINE, pk=return_id, action="fulfil", by=by, note=note, effects=_meet_repair, stamp=True,
                      kwargs={"note": (note or "").strip()})


def return_close(*, return_id, by, note="") -> ReturnRequest:
    return run_action(MACHINE, pk=return_id, action="close", by=by, note=note, stamp=True)


RETURN_SERVICES = {
    "assess": return_assess, "visit": return_visit, "assign": return_assign, "accept-exchange": return_accept_exchange,
    "fulfil": return_fulfil, "close": return_close,
}


def _as_sent(by, customer, address, product) -> dict | None:
    """What a partner sent of the customer and the product (contract: Retries, privacy, abuse)."""
    if not by.partner_id:
        return None
    sent = customer_as_sent_by(customer=customer, address=address,
                               earlier=ReturnRequest.objects.filter(partner_id=by.partner_id))
    sent["product"] = product_as_sent(product)
    return sent
