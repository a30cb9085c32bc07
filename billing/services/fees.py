"""Writes of warranty entitlement, charges, payments, refunds and parts stock.

Each function runs in one transaction and locks the row it changes (the work
order for its quote, the stock item for a movement): a failed call saves
nothing, and of two concurrent calls the second sees the first's result.
Rules and sources: docs/billing.md."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from servicedesk.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed

from ..models import BillingRule, CategoryBillingPolicy, PartPrice, Payment, Quote, QuoteEvent, QuoteLine, Refund
from ..models.fees import StockItem, StockMovement, WorkOrderEntitlement, quote_actions_allowed_in
from ..orders import work_orders_visible_to
from ..selectors import fees as sel

CENT = Decimal("0.01")
# A quote is made while the technician is on the job, before the work (seeds/003, seeds/004).
QUOTABLE_STATES = ("dispatched", "accepted", "scheduled", "on_site", "taken_back")
# It is charged once accepted, while or after the work is done.
CHARGEABLE_STATES = ("on_site", "taken_back", "resolved", "signed_off", "closed")


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# --- entitlement -------------------------------------------------------------

def entitlement_decide(*, order, replace=False) -> WorkOrderEntitlement:
    """Decide and store the order's entitlement (called by
    tickets.services.work_order_create in its transaction: one query for the
    line's terms, one insert; a revisit also reads its line's policy)."""
    decision = sel.decide_for_order(order)
    values = {
        "status": decision.status, "basis": decision.basis, "requested_by": decision.requested_by,
        "term_months": decision.term_months, "term_days": decision.term_days, "expires_on": decision.expires_on,
        "repair_of": decision.repair_of, "components": decision.components, "decided_on": decision.decided_on,
        "decided_at": timezone.now(), "reason": decision.reason,
    }
    if replace:
        entitlement, _created = WorkOrderEntitlement.objects.update_or_create(order=order, defaults=values)
    else:
        entitlement = WorkOrderEntitlement.objects.create(order=order, **values)
    order.entitlement = entitlement
    return entitlement


def revisit_is_covered(*, original, on) -> bool:
    """seeds/003: a revisit inside the original's repair warranty is free and a repeat repair."""
    covered, _until, _days = sel.repair_warranty_of(original, on)
    return covered


# --- quotes --------------------------------------------------------------------

def _locked_order(order_id, by, *, write=True):
    order = (
        work_orders_visible_to(by).select_for_update(of=("self",))
        .select_related("category", "product", "revisit_of").filter(pk=order_id).first()
    )
    if order is None:
        raise NotFound(_("No such work order."))
    allowed = sel.user_may_write_quote(by, order) if write else sel.user_may_read_quote(by, order)
    if not allowed:
        raise PermissionDenied()
    return order


def _record(*, quote, action, from_state, by, at, note="", data=None):
    QuoteEvent.objects.create(quote=quote, action=action, from_state=from_state, to_state=quote.state, by=by,
                              at=at, note=note or "", data=data or {})


def _entitlement_for(order):
    entitlement = sel.entitlement_of(order)
    if entitlement is None:  # an order created before billing existed
        entitlement = entitlement_decide(order=order)
    return entitlement


def _price_lines(*, order, schedule, entitlement, policy, lines):
    """[QuoteLine] (unsaved) from [{"code", "quantity"}]: only codes of the
    schedule in force, for this product line; free where entitled."""
    if not lines:
        raise ValidationFailed(_("Give at least one line."), field="lines")
    labour = {i.code: i for i in schedule.labour.all()}
    parts = {p.code: p for p in schedule.parts.all()}
    rule = policy.rule if policy else BillingRule.PARTS_PLUS_LABOUR
    in_warranty = entitlement.status == WorkOrderEntitlement.Status.IN_WARRANTY
    repair_warranty = entitlement.basis == WorkOrderEntitlement.Basis.REPAIR_WARRANTY
    covered = entitlement.covered_components
    priced = []
    for n, line in enumerate(lines, 1):
        code = str(line.get("code", "")).strip()
        try:
            quantity = int(line.get("quantity", 1))
        except (TypeError, ValueError):
            quantity = 0
        if quantity < 1:
            raise ValidationFailed(_("Line %(n)d: the quantity must be at least 1.") % {"n": n}, field="lines")
        # seeds/001, seeds/003: no charge outside the public schedule.
        if code in parts:
            item, kind = parts[code], QuoteLine.Kind.PART
            if item.category_id != order.category_id:
                raise ValidationFailed(
                    _("Line %(n)d: part “%(code)s” is not for this product line.") % {"n": n, "code": code},
                    field="lines")
            free = in_warranty and (repair_warranty or item.component in covered or "" in covered)
        elif code in labour:
            item, kind = labour[code], QuoteLine.Kind.LABOUR
            if item.category_id and item.category_id != order.category_id:
                raise ValidationFailed(
                    _("Line %(n)d: labour “%(code)s” is not for this product line.") % {"n": n, "code": code},
                    field="lines")
            if rule == BillingRule.PARTS_PLUS_PERCENT:
                # seeds/004: lighting charges a percentage of the parts as repair fee, not labour.
                raise ValidationFailed(
                    _("Line %(n)d: this product line charges %(percent)s%% of the parts price as repair fee, "
                      "not labour items.") % {"n": n, "percent": policy.repair_fee_percent}, field="lines")
            free = in_warranty
        else:
            raise ValidationFailed(
                _("Line %(n)d: “%(code)s” is not in the fee schedule %(version)s; nothing outside it may be "
                  "charged.") % {"n": n, "code": code, "version": schedule.version}, field="lines")
        reason = ""
        if free:
            reason = (_("Repair warranty of %(number)s") % {"number": entitlement.repair_of.number}
                      if repair_warranty and entitlement.repair_of_id else _("In warranty"))
        priced.append(QuoteLine(
            position=n, kind=kind, code=code, name=item.name, unit_price=money(item.price), quantity=quantity,
            amount=Decimal("0.00") if free else money(item.price * quantity), free=free, free_reason=reason,
        ))
    if rule == BillingRule.PARTS_PLUS_PERCENT:
        charged_parts = sum((line.amount for line in priced if line.kind == QuoteLine.Kind.PART), Decimal("0"))
        if charged_parts > 0:
            # seeds/004: out of warranty, the parts plus 10% of the replaced parts' price.
            fee = money(charged_parts * policy.repair_fee_percent / Decimal("100"))
            priced.append(QuoteLine(
                position=len(priced) + 1, kind=QuoteLine.Kind.REPAIR_FEE, code="REPAIR-FEE",
                name=_("Repair fee: %(percent)s%% of the parts price") % {"percent": policy.repair_fee_percent},
                unit_price=fee, quantity=1, amount=fee,
            ))
    return priced, rule


def quote_set(*, order_id, by, lines) -> Quote:
    """Make or revise the order's quote (it stays 'shown to the customer' until accepted)."""
    with transaction.atomic():
        order = _locked_order(order_id, by)
        if order.state not in QUOTABLE_STATES:
            raise InvalidTransition(action="quote", state=order.state, state_label=order.get_state_display(),
                                    allowed=[])
        schedule = sel.schedule_in_force()
        if schedule is None:
            raise ValidationFailed(_("No fee schedule is in force."), field="lines")
        entitlement = _entitlement_for(order)
        policy = CategoryBillingPolicy.objects.filter(category_id=order.category_id).first()
        priced, rule = _price_lines(order=order, schedule=schedule, entitlement=entitlement, policy=policy,
                                    lines=lines)
        now = timezone.now()
        quote = Quote.objects.filter(order=order).first()
        action = "quote"
        from_state = ""
        if quote is None:
            quote = Quote(order=order, created_by=by)
        else:
            if not can_proceed(quote.revise):
                raise InvalidTransition(action="quote", state=quote.state, state_label=quote.get_state_display(),
                                        allowed=quote_actions_allowed_in(quote.state))
            action, from_state = "revise", quote.state
            quote.revise()
            quote.lines.all().delete()
        quote.schedule = schedule
        quote.rule = rule
        quote.repair_fee_percent = policy.repair_fee_percent if policy else Decimal("0")
        quote.entitlement_status = entitlement.status
        quote.parts_total = sum((p.amount for p in priced if p.kind == QuoteLine.Kind.PART), Decimal("0"))
        quote.labour_total = sum((p.amount for p in priced if p.kind == QuoteLine.Kind.LABOUR), Decimal("0"))
        quote.repair_fee = sum((p.amount for p in priced if p.kind == QuoteLine.Kind.REPAIR_FEE), Decimal("0"))
        quote.total = quote.parts_total + quote.labour_total + quote.repair_fee
        quote.save()
        for line in priced:
            line.quote = quote
        QuoteLine.objects.bulk_create(priced)
        _record(quote=quote, action=action, from_state=from_state, by=by, at=now,
                data={"schedule": schedule.version, "total": str(quote.total),
                      "lines": [{"code": p.code, "quantity": p.quantity, "amount": str(p.amount)} for p in priced]})
    return quote


def _locked_quote(order):
    quote = Quote.objects.select_for_update().filter(order=order).first()
    if quote is None:
        raise NotFound(_("This work order has no quote."))
    return quote


def _transition(quote, action, **kwargs):
    method = getattr(quote, action)
    if not can_proceed(method):
        raise InvalidTransition(action=action, state=quote.state, state_label=quote.get_state_display(),
                                allowed=quote_actions_allowed_in(quote.state))
    method(**kwargs)


def quote_accept(*, order_id, by, accepted_by) -> Quote:
    """The customer accepts the quote shown (seeds/001: the public schedule is shown first)."""
    accepted_by = (accepted_by or "").strip()
    if not accepted_by:
        raise ValidationFailed(_("Name the customer who accepts."), field="accepted_by")
    with transaction.atomic():
        order = _locked_order(order_id, by)
        quote = _locked_quote(order)
        from_state, now = quote.state, timezone.now()
        _transition(quote, "accept", accepted_by_name=accepted_by, at=now)
        quote.save()
        _record(quote=quote, action="accept", from_state=from_state, by=by, at=now, note=accepted_by,
                data={"total": str(quote.total)})
    return quote


def quote_charge(*, order_id, by) -> Quote:
    """Fix the charge once the work is under way or done; a free quote is settled at once."""
    with transaction.atomic():
        order = _locked_order(order_id, by)
        quote = _locked_quote(order)
        if quote.state == Quote.State.ACCEPTED and order.state not in CHARGEABLE_STATES:
            raise InvalidTransition(action="charge", state=order.state, state_label=order.get_state_display(),
                                    allowed=[])
        from_state, now = quote.state, timezone.now()
        _transition(quote, "charge", at=now)
        if quote.total == 0:
            quote.settle()
        quote.save()
        _record(quote=quote, action="charge", from_state=from_state, by=by, at=now, data={"total": str(quote.total)})
    return quote


def payment_record(*, order_id, by, method, amount, receipt_number, reference="") -> Payment:
    """seeds/001, seeds/003: every payment, cash or online, carries an invoice or receipt number."""
    receipt_number = (receipt_number or "").strip()
    reference = (reference or "").strip()
    if not receipt_number:
        raise ValidationFailed(_("A receipt or invoice number is required for every payment."),
                               field="receipt_number")
    if method not in Payment.Method.values:
        raise ValidationFailed(_("Cash or online."), field="method")
    if method == Payment.Method.ONLINE and not reference:
        raise ValidationFailed(_("An online payment needs its reference."), field="reference")
    amount = money(amount)
    if amount <= 0:
        raise ValidationFailed(_("The amount must be more than 0."), field="amount")
    with transaction.atomic():
        order = _locked_order(order_id, by)
        quote = _locked_quote(order)
        if quote.state != Quote.State.CHARGED:
            raise InvalidTransition(action="pay", state=quote.state, state_label=quote.get_state_display(),
                                    allowed=quote_actions_allowed_in(quote.state))
        due = sel.quote_money(quote)["due"]
        if amount > due:
            raise ValidationFailed(_("Only %(due)s is due.") % {"due": due}, field="amount")
        if Payment.objects.filter(receipt_number=receipt_number).exists():
            raise ValidationFailed(_("This receipt number is used already."), field="receipt_number")
        now = timezone.now()
        try:
            with transaction.atomic():
                payment = Payment.objects.create(quote=quote, method=method, amount=amount, reference=reference,
                                                 receipt_number=receipt_number, by=by, at=now)
        except IntegrityError:
            raise ValidationFailed(_("This receipt number is used already."), field="receipt_number") from None
        from_state = quote.state
        if amount == due:
            quote.settle()
            quote.save()
        _record(quote=quote, action="payment", from_state=from_state, by=by, at=now, note=receipt_number,
                data={"payment": payment.pk, "method": method, "amount": str(amount), "reference": reference})
    return payment


def refund_record(*, payment_id, by, amount, reason) -> Refund:
    """A refund of (part of) a payment; supervisors only; never more than what was paid."""
    reason = (reason or "").strip()
    if not sel.user_may_refund(by):
        raise PermissionDenied(_("Only a supervisor records refunds."))
    if not reason:
        raise ValidationFailed(_("This field may not be blank."), field="reason")
    amount = money(amount)
    if amount <= 0:
        raise ValidationFailed(_("The amount must be more than 0."), field="amount")
    with transaction.atomic():
        payment = Payment.objects.select_related("quote").filter(pk=payment_id).first()
        if payment is None:
            raise NotFound(_("No such payment."))
        order = _locked_order(payment.quote.order_id, by, write=False)
        quote = _locked_quote(order)
        refunded = sum((r.amount for r in payment.refunds.all()), Decimal("0"))
        left = payment.amount - refunded
        if amount > left:
            raise ValidationFailed(_("At most %(left)s of this payment can be refunded.") % {"left": left},
                                   field="amount")
        now = timezone.now()
        refund = Refund.objects.create(payment=payment, amount=amount, reason=reason, by=by, at=now)
        _record(quote=quote, action="refund", from_state=quote.state, by=by, at=now, note=reason,
                data={"payment": payment.pk, "refund": refund.pk, "amount": str(amount)})
    return refund


# --- parts stock ---------------------------------------------------------------

TECHNICIAN_STOCK_KINDS = (StockMovement.Kind.CONSUMPTION,)


# The largest number of parts one movement may carry (both directions): keeps the
# ledger inside PostgreSQL's integer and catches typing slips. Not from the seeds.
STOCK_QUANTITY_MAX = 1_000_000


def stock_move(*, unit_id, part_code, kind, quantity, by, order_id=None, note="", defective_returned=True,
               name="", low_threshold=None) -> StockMovement:
    """One ledger row. Stock never goes negative: a 400 naming `quantity`, nothing saved."""
    part_code = (part_code or "").strip()
    if not part_code:
        raise ValidationFailed(_("This field may not be blank."), field="part_code")
    if kind not in StockMovement.Kind.values:
        raise ValidationFailed(_("Unknown kind of movement."), field="kind")
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        raise ValidationFailed(_("A whole number."), field="quantity") from None
    if abs(quantity) > STOCK_QUANTITY_MAX:
        raise ValidationFailed(_("At most %(max)d parts in one movement.") % {"max": STOCK_QUANTITY_MAX},
                               field="quantity")
    if kind == StockMovement.Kind.ADJUSTMENT:
        if quantity == 0:
            raise ValidationFailed(_("An adjustment changes the quantity."), field="quantity")
    elif quantity < 1:
        raise ValidationFailed(_("The quantity must be at least 1."), field="quantity")
    point = sel.stock_points_visible_to(by).filter(pk=unit_id).first()
    if point is None:
        raise NotFound(_("No such service point."))
    if kind not in TECHNICIAN_STOCK_KINDS and not sel.user_may_manage_stock(by):
        raise PermissionDenied()
    order = None
    if kind == StockMovement.Kind.CONSUMPTION:
        if not order_id:
            raise ValidationFailed(_("Name the work order the part was used on."), field="work_order")
        order = work_orders_visible_to(by).filter(pk=order_id).first()
        if order is None:
            raise ValidationFailed(_("No such work order."), field="work_order")
    with transaction.atomic():
        if kind == StockMovement.Kind.RECEIPT:
            if not name:
                schedule = sel.schedule_in_force()
                part = PartPrice.objects.filter(schedule=schedule, code=part_code).first() if schedule else None
                name = part.name if part else part_code
            StockItem.objects.get_or_create(unit=point, part_code=part_code, defaults={"name": name})
        item = StockItem.objects.select_for_update().filter(unit=point, part_code=part_code).first()
        if item is None:
            raise ValidationFailed(_("Part “%(code)s” is not stocked at this point.") % {"code": part_code},
                                   field="part_code")
        good, defective = 0, 0
        if kind == StockMovement.Kind.RECEIPT:
            good = quantity
        elif kind == StockMovement.Kind.CONSUMPTION:
            good = -quantity
            # seeds/004: the defective part taken from the customer goes back by old-for-new swap.
            defective = quantity if defective_returned else 0
        elif kind == StockMovement.Kind.SWAP:
            if quantity > item.defective:
                raise ValidationFailed(
                    _("Only %(n)d defective parts are held for the swap.") % {"n": item.defective}, field="quantity")
            good, defective = quantity, -quantity
        else:
            good = quantity
        if item.quantity + good < 0:
            raise ValidationFailed(
                _("Only %(n)d in stock: stock never goes negative.") % {"n": item.quantity}, field="quantity")
        item.quantity += good
        item.defective += defective
        if low_threshold is not None:
            item.low_threshold = low_threshold
        item.save()
        return StockMovement.objects.create(
            item=item, kind=kind, quantity_change=good, defective_change=defective, quantity_after=item.quantity,
            order=order, note=(note or "")[:200], by=by, at=timezone.now(),
        )
