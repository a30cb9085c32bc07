"""Writes on returns and factory returns (issue 6, items 6 and 7). Each
action locks the row, checks who may take it (billing.selectors.returns),
runs the transition, records history and moves deadlines, in one
transaction."""

import datetime
import logging

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from servicedesk.accounts.roles import Role
from servicedesk.accounts.selectors import nearest_with_role
from servicedesk.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from servicedesk.customers.models import Customer
from servicedesk.customers.services import address_add, customer_as_sent_by, customer_match_or_create, customer_product_add
from servicedesk.deadlines.models import Deadline
from servicedesk.deadlines.services import deadline_meet, deadline_start
from servicedesk.notifications.services import notifications_create
from technicians.selectors import technician_ineligibility

from billing.models import (
    FACTORY_RETURN_ACTIONS, RETURN_ACTIONS, Decision, FactoryReturn, FactoryReturnEvent, FactoryReturnItem,
    RequestedBy, ReturnEvent, ReturnRequest, ReturnRule, ReturnWindow, add_months, factory_return_actions_allowed,
    in_term, return_actions_allowed, window_days,
)
from billing.selectors.returns import (
    RETURN_ASSIGNED_ACTIONS, finding_rules, offices_for, return_awaits_technician, rules_for, user_may_create_returns,
    user_may_take_factory, user_may_take_return,
)

log = logging.getLogger(__name__)

# --- returns -------------------------------------------------------------------------


def _record(*, obj, action, from_state, by, at, note="", data=None):
    return ReturnEvent.objects.create(return_request=obj, action=action, from_state=from_state, to_state=obj.state,
                                      by=by, at=at, note=note or "", data=data or {})


def return_create(*, by, customer, product, requested_by, reason, requested_at=None, batch=False, batch_code="",
                  quantity=1, address="") -> ReturnRequest:
    if not user_may_create_returns(by):
        raise PermissionDenied(_("Your role may not record returns."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("This field may not be blank."), field="reason")
    if batch and requested_by != RequestedBy.DEALER:
        raise ValidationFailed(_("Only a dealer can dispute the quality of a batch."), field="batch")
    if batch and not (batch_code or "").strip():
        raise ValidationFailed(_("Give the batch code of the disputed goods."), field="batch_code")
    now = timezone.now()
    # The request time decides the warranty term: only staff may record an earlier one (a return
    # taken on paper at the counter), at most SERVICEDESK_MAX_BACKDATE_DAYS back; a partner's is now.
    if requested_at is not None:
        if by.partner_id or by.has_role(Role.PARTNER):
            raise ValidationFailed(_("Partners cannot set the request time: it is the time of the request."),
                                   field="requested_at")
        if now - requested_at > datetime.timedelta(days=settings.SERVICEDESK_MAX_BACKDATE_DAYS):
            raise ValidationFailed(_("At most %(days)d days back.") % {"days": settings.SERVICEDESK_MAX_BACKDATE_DAYS},
                                   field="requested_at")
    requested_at = requested_at or now
    for field in ("purchase_date", "manufactured_on"):
        if product.get(field) and product[field] > timezone.localdate(requested_at):
            raise ValidationFailed(_("Must not be after the return was requested."), field=f"product.{field}")
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
            customer_as_sent=customer_as_sent_by(customer=customer_sent, address=address, earlier=ReturnRequest.objects
                                                 .filter(partner_id=by.partner_id)) if by.partner_id else None,
        )
        obj.number = f"RT{timezone.localtime(requested_at):%Y%m%d}{obj.pk:06d}"
        obj.save(update_fields=["number"])
        _record(obj=obj, action="create", from_state="", by=by, at=now, note=reason,
                data={"batch": obj.batch, "quantity": obj.quantity})
        if obj.batch:
            # seeds/004: within 2 days a technician is on site at the dealer.
            deadline_start(subject=obj, kind="batch_visit", start=requested_at, attributes=_attributes(obj))
            notifications_create(
                recipients=nearest_with_role(Role.SUPERVISOR, obj.accepting_unit_id), url=obj.get_absolute_url(),
                title=_("Batch-quality dispute %(number)s: send a technician within 2 days") % {"number": obj.number})
    return obj


def _attributes(obj):
    return {"category": obj.product.category.slug, "requested_by": obj.requested_by}


class NoTechnicianAssigned(InvalidTransition):
    """A technician's visit to a batch dispute nobody is assigned to yet: 409
    naming what is missing (`missing: technician`)."""

    def __init__(self, *, action, obj):
        super().__init__(action=action, state=obj.state, allowed=return_actions_allowed(obj),
                         state_label=obj.get_state_display())
        self.message = _("No technician is assigned to this batch dispute yet: customer service assigns one "
                         "(assign) before the visit is recorded.")

    def as_payload(self):
        return {**super().as_payload(), "missing": "technician"}


def _act(*, return_id, action, by, method=None, note="", data=None, effects=None, build=None) -> ReturnRequest:
    with transaction.atomic():
        obj = ReturnRequest.objects.select_for_update(of=("self",)).select_related("product__category").get(pk=return_id)
        if not user_may_take_return(by, obj, action):
            if return_awaits_technician(by, obj, action):
                raise NoTechnicianAssigned(action=action, obj=obj)
            if action in RETURN_ASSIGNED_ACTIONS and by.has_role(Role.TECHNICIAN):
                raise PermissionDenied(_("Only the technician assigned to this return may do this."))
            raise PermissionDenied()
        transition = getattr(obj, method or RETURN_ACTIONS[action])
        if not can_proceed(transition):
            raise InvalidTransition(action=action, state=obj.state, state_label=obj.get_state_display(),
                                    allowed=return_actions_allowed(obj))
        from_state = obj.state
        at = timezone.now()
        transition(**(build(obj, at) if build else {"at": at}))
        obj.save()
        _record(obj=obj, action=action, from_state=from_state, by=by, at=at, note=note,
                data=data(obj) if callable(data) else data)
        if effects:
            effects(obj, at)
    return obj


def validate_findings(category: str, findings) -> dict:
    """The findings a category's rules ask for, each a boolean: a missing
    required one or a wrong type is a 400 naming `findings.<name>`."""
    if not isinstance(findings, dict):
        raise ValidationFailed(_("Give the findings as an object of true/false values."), field="findings")
    rules = finding_rules(category)
    clean = {}
    for rule in rules:
        value = findings.get(rule.finding)
        if value is None:
            if rule.finding_required:
                raise ValidationFailed(_("This finding is required for this category."), field=f"findings.{rule.finding}")
            value = False
        if not isinstance(value, bool):
            raise ValidationFailed(_("Must be true or false."), field=f"findings.{rule.finding}")
        clean[rule.finding] = value
    known = {r.finding for r in rules}
    for name, value in findings.items():
        if name not in known:
            clean[str(name)[:40]] = value  # kept as recorded, decides nothing
    return clean


def decide(obj: ReturnRequest, findings: dict) -> tuple[ReturnRule | None, str, str, str]:
    """Run the category's rules (the first that matches decides): the rule,
    the decision and the reason in English and Chinese. The term counts to
    the day the return was requested (docs/returns.md)."""
    on = timezone.localdate(obj.requested_at)
    product = obj.product
    for rule in rules_for(category=product.category.slug, requested_by=obj.requested_by):
        start = product.purchase_date if rule.counted_from == ReturnRule.CountedFrom.PURCHASE else product.manufactured_on
        if rule.kind == ReturnRule.Kind.FINDING:
            matched = findings.get(rule.finding, False) is rule.expected
        elif rule.kind == ReturnRule.Kind.PROOF:
            matched = start is None
        elif rule.kind == ReturnRule.Kind.TERM:
            matched = start is not None and in_term(start, rule.term_months, on)
        else:
            matched = True
        if matched:
            return rule, rule.decision, rule.reason, rule.reason_zh
    # No rule at all for this category: nothing to decide by (configuration).
    return None, Decision.REJECTED, "No assessment rule applies; refer to customer service.", "没有适用的判定规则，请转客户服务部处理。"


def return_assess(*, return_id, by, findings, note="") -> ReturnRequest:
    with transaction.atomic():
        obj = ReturnRequest.objects.select_for_update(of=("self",)).select_related("product__category").get(pk=return_id)
        if not user_may_take_return(by, obj, "assess"):
            raise PermissionDenied()
        clean = validate_findings(obj.product.category.slug, findings) if can_proceed(obj.assess) else findings
        rule, decision, reason, reason_zh = decide(obj, clean) if can_proceed(obj.assess) else (None, "", "", "")
        method = "assess_reject" if decision == Decision.REJECTED else "assess"

        def effects(o, at):
            if o.decision == Decision.REPAIR:
                # seeds/004: repair within 3 days; past that, exchange or return.
                deadline_start(subject=o, kind="repair", start=at, attributes=_attributes(o))

        return _act(return_id=return_id, action="assess", method=method, by=by, note=note, effects=effects,
                    data={"findings": clean, "decision": decision, "rule": rule.pk if rule else None},
                    build=lambda o, at: dict(findings=clean, decision=decision, reason=reason, reason_zh=reason_zh,
                                             rule=rule, by=by, at=at))


def return_visit(*, return_id, by, confirmed, findings=None, note="") -> ReturnRequest:
    """The technician's visit for a batch-quality dispute: confirmed, the
    company takes the batch back and pays transport (seeds/004)."""
    note = (note or "").strip()
    if not confirmed and not note:
        raise ValidationFailed(_("Say why the batch problem is not confirmed: the dealer is told."), field="note")
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

    return _act(return_id=return_id, action="visit", method="visit" if confirmed else "visit_reject", by=by, note=note,
                effects=effects, data={"confirmed": confirmed, "findings": findings or {}},
                build=lambda o, at: dict(findings=findings or {}, decision=decision, reason=reason, reason_zh=reason_zh,
                                         rule=None, by=by, at=at, transport_paid_by=transport))


def return_assign(*, return_id, by, technician, note="") -> ReturnRequest:
    """Customer service sends a technician to a dealer's batch dispute
    (seeds/004); assigning again replaces the first. The technician must be
    active and certified for the product's category, like a dispatch."""
    previous = {}

    def build(o, at):
        refusal = technician_ineligibility(technician=technician, category=o.product.category)
        if refusal:
            raise ValidationFailed(refusal, field="technician")
        previous["id"] = o.technician_id
        return {"technician": technician, "at": at}

    def effects(o, at):
        notifications_create(
            recipients=[technician.user], url=o.get_absolute_url(),
            title=_("Batch-quality dispute %(number)s: you are sent on site") % {"number": o.number})

    return _act(return_id=return_id, action="assign", by=by, note=note, effects=effects, build=build,
                data=lambda o: {"technician": technician.pk, "previous": previous.get("id")})


def return_accept_exchange(*, return_id, by, note="") -> ReturnRequest:
    def effects(o, at):
        deadline_meet(subject=o, kinds=["repair"], at=at)

    return _act(return_id=return_id, action="accept-exchange", by=by, note=note, effects=effects,
                data={"decision": Decision.EXCHANGE})


def return_fulfil(*, return_id, by, note="") -> ReturnRequest:
    def effects(o, at):
        deadline_meet(subject=o, kinds=["repair"], at=at)

    return _act(return_id=return_id, action="fulfil", by=by, note=note, effects=effects,
                build=lambda o, at: {"note": (note or "").strip(), "at": at})


def return_close(*, return_id, by, note="") -> ReturnRequest:
    return _act(return_id=return_id, action="close", by=by, note=note)


def late_repairs(*, now):
    """Depot repairs (approved, decision repair) with no exchange proposed
    whose open repair deadline is past its due time: chosen by condition, so
    whatever an earlier run missed is found again."""
    breached = Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(ReturnRequest), kind="repair", met_at__isnull=True,
        cancelled_at__isnull=True, paused_at__isnull=True, due_at__lte=now).values("object_id")
    return ReturnRequest.objects.filter(state=ReturnRequest.State.APPROVED, decision=Decision.REPAIR,
                                        proposed_decision="", pk__in=breached)


def propose_exchange_for_late_repairs(*, now) -> int:
    """Each depot repair still open past its 3 days gets an exchange proposed
    (seeds/004), recorded by the system, and its owner and the supervisors
    are told; the number proposed. Run after every escalation sweep
    (registered as its after_sweep in billing.apps), in its own transaction.

    Two sweeps at once: rows another holds are skipped (SKIP LOCKED), and a
    row it proposed and committed no longer matches `proposed_decision=""`
    (PostgreSQL re-checks the condition on the locked row), so each return
    gets one proposal; the unique constraint on its history row is the
    proof. An action holding the return (its fulfilment, the exchange) is
    skipped too, never waited on: the next sweep sees it again if still due."""
    late = late_repairs(now=now).select_for_update(skip_locked=True, of=("self",)).select_related("owner").order_by("pk")
    reason = "The depot repair was not finished within 3 days: the product is exchanged (seeds/004)."
    proposed = 0
    for obj in late:
        try:
            with transaction.atomic():  # a savepoint: one return that fails does not undo the others
                obj.proposed_decision = Decision.EXCHANGE
                obj.proposed_reason = reason
                obj.proposed_at = now
                obj.save(update_fields=["proposed_decision", "proposed_reason", "proposed_at", "updated_at"])
                _record(obj=obj, action="propose-exchange", from_state=obj.state, by=None, at=now,
                        note=_("The depot repair was not finished within 3 days: an exchange is proposed."),
                        data={"proposed_decision": Decision.EXCHANGE})
                recipients = {u.pk: u for u in nearest_with_role(Role.SUPERVISOR, obj.accepting_unit_id)}
                if obj.owner_id and not obj.owner.partner_id:  # a partner's API user is nobody to tell
                    recipients[obj.owner_id] = obj.owner
                notifications_create(
                    recipients=list(recipients.values()), url=obj.get_absolute_url(),
                    title=_("Return %(number)s: repair late, offer the customer an exchange") % {"number": obj.number})
        except Exception:  # noqa: BLE001 - the next sweep tries this one again
            log.exception("proposing an exchange for late repair %s failed; the next sweep tries again", obj.pk)
            continue
        proposed += 1
    return proposed


RETURN_SERVICES = {
    "assess": return_assess, "visit": return_visit, "assign": return_assign, "accept-exchange": return_accept_exchange,
    "fulfil": return_fulfil, "close": return_close,
}

# --- factory returns -----------------------------------------------------------------


def _now():
    """The time of a factory-return action (one place, so tests can move the calendar)."""
    return timezone.now()


def _frecord(*, obj, action, from_state, by, at, note="", data=None):
    return FactoryReturnEvent.objects.create(factory_return=obj, action=action, from_state=from_state,
                                             to_state=obj.state, by=by, at=at, note=note or "", data=data or {})


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def factory_return_create(*, by, office, month=None, items, note="") -> FactoryReturn:
    if not offices_for(by).filter(pk=office.pk).exists():
        raise PermissionDenied(_("You may not file a return for this office."))
    if not items:
        raise ValidationFailed(_("List at least one item."), field="items")
    now = _now()
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
        _frecord(obj=obj, action="create", from_state="", by=by, at=now, note=obj.note,
                 data={"month": month.isoformat(), "items": len(items)})
    return obj


def _fact(*, factory_return_id, action, by, method=None, note="", data=None, check=None, effects=None,
          build=None) -> FactoryReturn:
    with transaction.atomic():
        obj = FactoryReturn.objects.select_for_update(of=("self",)).select_related("office__region").get(
            pk=factory_return_id)
        if not user_may_take_factory(by, obj, action):
            raise PermissionDenied()
        transition = getattr(obj, method or FACTORY_RETURN_ACTIONS[action])
        if not can_proceed(transition):
            raise InvalidTransition(action=action, state=obj.state, state_label=obj.get_state_display(),
                                    allowed=factory_return_actions_allowed(obj))
        at = _now()
        if check:
            check(obj, at)
        from_state = obj.state
        transition(**(build(obj, at) if build else {"at": at}))
        obj.save()
        _frecord(obj=obj, action=action, from_state=from_state, by=by, at=at, note=note,
                 data=data(obj) if callable(data) else data)
        if effects:
            effects(obj, at)
    return obj


class ShipRefused(InvalidTransition):
    """Shipping refused: the application is not signed and approved."""

    def __init__(self, *, state, allowed):
        super().__init__(action="ship", state=state, allowed=allowed)
        self.message = _("The application must be signed by the office or regional manager and approved by "
                         "customer service before it is shipped; without both the factory refuses the return.")


def factory_return_sign(*, factory_return_id, by, note="") -> FactoryReturn:
    return _fact(factory_return_id=factory_return_id, action="sign", by=by, note=note,
                 build=lambda o, at: {"by": by, "at": at})


def factory_return_approve(*, factory_return_id, by, note="") -> FactoryReturn:
    def check(o, at):
        if o.signed_by_id == by.pk:
            raise ValidationFailed(_("Customer service approves what another person signed."), field="approved_by")

    return _fact(factory_return_id=factory_return_id, action="approve", by=by, note=note, check=check,
                 build=lambda o, at: {"by": by, "at": at})


def factory_return_special_approve(*, factory_return_id, by, reason) -> FactoryReturn:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why: a batch problem or another exception."), field="reason")
    return _fact(factory_return_id=factory_return_id, action="special-approve", by=by, note=reason,
                 build=lambda o, at: {"reason": reason, "by": by, "at": at})


def window_state(obj: FactoryReturn, day: datetime.date):
    """('open' | 'early' | 'missed' | 'none', window, (first, last) of the
    application's month)."""
    window = obj.window()
    if window is None:
        return "none", None, None
    first, last = window_days(obj.month, window.week)
    if first <= day <= last:
        return "open", window, (first, last)
    if day < first:
        return "early", window, (first, last)
    return "missed", window, (first, last)


def next_month_with_window(day: datetime.date, week: int) -> datetime.date:
    """The month whose window is the next one not yet over on `day`."""
    month = first_of_month(day)
    _first, last = window_days(month, week)
    return month if day <= last else add_months(month, 1)


class OutsideWindow(InvalidTransition):
    """The window was missed: the application rolled to a later month (that
    is committed), and the shipment itself is refused with a 409."""

    def __init__(self, obj, message):
        super().__init__(action="ship", state=obj.state, allowed=factory_return_actions_allowed(obj))
        self.obj = obj
        self.message = message

    def as_payload(self):
        return {**super().as_payload(), "month": self.obj.month.isoformat()}


def factory_return_ship(*, factory_return_id, by, waybill="", note="") -> FactoryReturn:
    """Ship in the office's week (domain.md section 5). Too early: refused.
    Missed: the application rolls to the next month's window (a history
    row), and OutsideWindow is raised after that commits. A special approval
    ships at any time. Unsigned or unapproved: refused."""
    with transaction.atomic():
        obj = FactoryReturn.objects.select_for_update(of=("self",)).select_related("office__region").get(
            pk=factory_return_id)
        if not user_may_take_factory(by, obj, "ship"):
            raise PermissionDenied()
        if obj.state in (FactoryReturn.State.DRAFT, FactoryReturn.State.SIGNED):
            raise ShipRefused(state=obj.state, allowed=factory_return_actions_allowed(obj))
        if not can_proceed(obj.ship):
            raise InvalidTransition(action="ship", state=obj.state, state_label=obj.get_state_display(),
                                    allowed=factory_return_actions_allowed(obj))
        at = _now()
        today = timezone.localdate(at)
        status, window, days = window_state(obj, today)
        if status == "none" and not obj.special_approval:
            raise ValidationFailed(_("No return week is set for this office's province: add it to the windows table."),
                                   field="office")
        if status == "early" and not obj.special_approval:
            raise ValidationFailed(
                _("This office returns in week %(week)d: from %(first)s to %(last)s.") % {
                    "week": window.week, "first": days[0], "last": days[1]}, field="month")
        if status == "missed" and not obj.special_approval:
            old = obj.month
            new = next_month_with_window(today, window.week)
            obj.roll_over(month=new)
            obj.save()
            message = _("The window of %(old)s (%(first)s to %(last)s) was missed: the return waits for %(new)s.") % {
                "old": f"{old:%Y-%m}", "first": days[0], "last": days[1], "new": f"{new:%Y-%m}"}
            _frecord(obj=obj, action="roll-over", from_state=obj.state, by=by, at=at, note=message,
                     data={"from_month": old.isoformat(), "to_month": new.isoformat()})
            outcome = OutsideWindow(obj, message)
        else:
            from_state = obj.state
            obj.ship(waybill=(waybill or "").strip(), at=at)
            obj.save()
            _frecord(obj=obj, action="ship", from_state=from_state, by=by, at=at, note=note,
                     data={"waybill": obj.waybill, "special": bool(obj.special_approval and status != "open")})
            outcome = None
    if outcome is not None:
        raise outcome
    return obj


def factory_return_arrive(*, factory_return_id, by, note="") -> FactoryReturn:
    def effects(o, at):
        # seeds/004: logistics checks the next day; decisions within 3 days of arrival.
        for kind in ("check", "decide"):
            deadline_start(subject=o, kind=kind, start=at, attributes={"office": o.office_id})

    return _fact(factory_return_id=factory_return_id, action="arrive", by=by, note=note, effects=effects)


def _items_by_id(obj, rows, field="items"):
    items = {i.pk: i for i in obj.items.select_for_update()}
    out = []
    for n, row in enumerate(rows):
        item = items.get(row.get("id"))
        if item is None:
            raise ValidationFailed(_("No such item on this application."), field=f"{field}[{n}].id")
        out.append((item, row))
    return items, out


def factory_return_check(*, factory_return_id, by, items, note="") -> FactoryReturn:
    """Logistics counts each item and notes its condition; its count prevails
    and each difference from the declared quantity is recorded."""

    def check(o, at):
        all_items, rows = _items_by_id(o, items)
        if {i.pk for i, _ in rows} != set(all_items):
            raise ValidationFailed(_("Count every item of the application."), field="items")
        for item, row in rows:
            item.counted_quantity = row["counted_quantity"]
            item.condition = row.get("condition", "")
            item.difference = item.counted_quantity - item.quantity
            item.save(update_fields=["counted_quantity", "condition", "difference"])
        o._differences = {i.line: i.difference for i, _ in rows if i.difference}

    def effects(o, at):
        deadline_meet(subject=o, kinds=["check"], at=at)

    return _fact(factory_return_id=factory_return_id, action="check", by=by, note=note, check=check, effects=effects,
                 data=lambda o: {"differences": o._differences}, build=lambda o, at: {"by": by, "at": at})


def factory_return_decide(*, factory_return_id, by, items, note="") -> FactoryReturn:
    """Customer service decides items (exchange, credit, or rejection with its
    reason); once every item is decided the application is decided."""
    with transaction.atomic():
        obj = FactoryReturn.objects.select_for_update(of=("self",)).get(pk=factory_return_id)
        if not user_may_take_factory(by, obj, "decide"):
            raise PermissionDenied()
        if not can_proceed(obj.decide):
            raise InvalidTransition(action="decide", state=obj.state, state_label=obj.get_state_display(),
                                    allowed=factory_return_actions_allowed(obj))
        if not items:
            raise ValidationFailed(_("Decide at least one item."), field="items")
        at = _now()
        all_items, rows = _items_by_id(obj, items)
        decided = {}
        for n, (item, row) in enumerate(rows):
            reason = (row.get("reason") or "").strip()
            if row["decision"] == FactoryReturnItem.Decision.REJECTED and not reason:
                raise ValidationFailed(_("Write the reason for a rejected item."), field=f"items[{n}].reason")
            item.decision, item.decision_reason, item.decided_by, item.decided_at = row["decision"], reason, by, at
            item.save(update_fields=["decision", "decision_reason", "decided_by", "decided_at"])
            decided[item.line] = {"decision": item.decision, "reason": reason}
        from_state = obj.state
        if all(i.decision for i in all_items.values()):
            obj.decide_all(at=at)
            obj.save()
            deadline_meet(subject=obj, kinds=["decide"], at=at)
        else:
            obj.save(update_fields=["updated_at"])
        _frecord(obj=obj, action="decide", from_state=from_state, by=by, at=at, note=note, data={"items": decided})
    return obj


def factory_return_close(*, factory_return_id, by, note="") -> FactoryReturn:
    return _fact(factory_return_id=factory_return_id, action="close", by=by, note=note)


FACTORY_SERVICES = {
    "sign": factory_return_sign, "approve": factory_return_approve, "special-approve": factory_return_special_approve,
    "ship": factory_return_ship, "arrive": factory_return_arrive, "check": factory_return_check,
    "decide": factory_return_decide, "close": factory_return_close,
}
