"""Reads of warranty, fees, charges and stock, with their permission rules.

The entitlement rules (docs/billing.md):
- seeds/004: warranty per product line and component, counted from the
  purchase date (consumers) or the manufacture date code (dealers, 15 months
  for date-coded energy-saving lamps); "repair needs valid proof of purchase".
- "Within N months" of a start date means on or before the same day N months
  later (a month end clips: 31 January + 1 month = 28/29 February). 0 months:
  never covered (plastic parts).
- seeds/003: a repair carries its own warranty (REPAIR_WARRANTY_DAYS, or the
  product line's override); the same fault again inside it is free."""

import calendar
import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from servicedesk.accounts.models import Unit
from servicedesk.accounts.roles import Role
from servicedesk.core.process_cache import ProcessCache

from ..models import (
    CategoryBillingPolicy,
    FeeSchedule,
    Quote,
    StockItem,
    WarrantyTerm,
    WorkOrderEntitlement,
)

Status = WorkOrderEntitlement.Status
Basis = WorkOrderEntitlement.Basis

# Who may do what (the services ask here; pages show buttons from here).
QUOTE_WRITE_ROLES = {Role.DISPATCHER, Role.SUPERVISOR}  # and the assigned technician
QUOTE_READ_ROLES = {Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER, Role.HANDLER, Role.ADMINISTRATOR}
REFUND_ROLES = {Role.SUPERVISOR}
STOCK_ALL_ROLES = {Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR}
STOCK_POINT_KINDS = (Unit.Kind.STATION, Unit.Kind.OFFICE)


def _active_terms() -> dict:
    table = {}
    for term in WarrantyTerm.objects.filter(active=True).order_by("id"):
        table.setdefault(term.category_id, []).append(term)
    return table


# The active warranty terms by product line, read once per process and dropped
# when a term is saved (issue 18: no query per create; watched in billing/apps.py).
WARRANTY_TERMS = ProcessCache("warranty-terms", _active_terms)


def line_terms(category_id) -> list:
    """The active warranty terms of one product line (kept per process)."""
    return list(WARRANTY_TERMS.get().get(category_id, ()))


def add_months(start: datetime.date, months: int) -> datetime.date:
    """The same day `months` later; a day the month lacks clips to its last day."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def term_expiry(start: datetime.date, months: int) -> datetime.date | None:
    """The last day covered, None when the term is 0 months (no warranty)."""
    return add_months(start, months) if months > 0 else None


@dataclass
class Decision:
    status: str
    basis: str = Basis.NONE
    requested_by: str = WarrantyTerm.AppliesTo.CONSUMER
    term_months: int | None = None
    term_days: int | None = None
    expires_on: datetime.date | None = None
    repair_of: object = None
    components: list = field(default_factory=list)
    decided_on: datetime.date | None = None
    reason: str = ""

    @property
    def status_label(self):
        return Status(self.status).label

    def as_dict(self):
        return {
            "status": self.status, "status_label": str(self.status_label), "basis": self.basis,
            "requested_by": self.requested_by, "term_months": self.term_months, "term_days": self.term_days,
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            "repair_of": getattr(self.repair_of, "pk", None), "components": self.components,
            "decided_on": self.decided_on.isoformat() if self.decided_on else None, "reason": self.reason,
        }


def repair_warranty_days(category_id, policy: CategoryBillingPolicy | None = None) -> int:
    """seeds/003: the repair warranty of a product line (its override, else the default)."""
    if policy is None and category_id:
        policy = CategoryBillingPolicy.objects.filter(category_id=category_id).first()
    if policy is not None and policy.repair_warranty_days is not None:
        return policy.repair_warranty_days
    return settings.SERVICEDESK["REPAIR_WARRANTY_DAYS"]


def repair_warranty_of(original, on: datetime.date) -> tuple[bool, datetime.date | None, int]:
    """(covered, last covered day, days) of `original`'s repair warranty on `on`.
    It runs from the customer's sign-off (seeds/001: the one-ticket record), or
    the resolution when the order was never signed off."""
    days = repair_warranty_days(original.category_id)
    done = original.signed_off_at or original.resolved_at or original.closed_at
    if done is None:
        return False, None, days
    until = timezone.localdate(done) + datetime.timedelta(days=days)
    return on <= until, until, days


def decide(*, category_id, purchase_date, manufactured_on, proof_of_purchase, requested_by="consumer",
           on: datetime.date, terms=None, has_product=True) -> Decision:
    """The entitlement on `on` from the product's facts and the line's terms."""
    decision = Decision(status=Status.OUT_OF_WARRANTY, requested_by=requested_by, decided_on=on)
    if not has_product or not category_id:
        decision.status = Status.NO_PROOF
        decision.reason = _("No product recorded: warranty cannot be checked.")
        return decision
    if terms is None:
        terms = line_terms(category_id)
    dealer_terms = [t for t in terms if t.applies_to == WarrantyTerm.AppliesTo.DEALER]
    if requested_by == WarrantyTerm.AppliesTo.DEALER and dealer_terms:
        chosen = dealer_terms
    else:
        # A dealer with no dealer term of its own gets the consumer's terms.
        decision.requested_by = WarrantyTerm.AppliesTo.CONSUMER
        chosen = [t for t in terms if t.applies_to == WarrantyTerm.AppliesTo.CONSUMER]
    if not chosen:
        decision.reason = _("This product line has no warranty term.")
        return decision
    manufacture = any(t.counted_from == WarrantyTerm.CountedFrom.MANUFACTURE for t in chosen)
    if manufacture:
        # seeds/004: date-coded lamps, counted from the manufacture date code.
        if not manufactured_on:
            decision.status = Status.NO_PROOF
            decision.reason = _("No manufacture date code.")
            return decision
    else:
        # seeds/004: repair needs valid proof of purchase.
        if not (proof_of_purchase or "").strip() or not purchase_date:
            decision.status = Status.NO_PROOF
            decision.reason = _("No valid proof of purchase (receipt or invoice and purchase date): no warranty.")
            return decision
    decision.basis = Basis.MANUFACTURE if manufacture else Basis.PURCHASE
    for term in sorted(chosen, key=lambda t: t.component):
        start = manufactured_on if term.counted_from == WarrantyTerm.CountedFrom.MANUFACTURE else purchase_date
        until = term_expiry(start, term.months)
        decision.components.append({
            "component": term.component, "months": term.months, "counted_from": term.counted_from,
            "expires_on": until.isoformat() if until else None, "covered": until is not None and start <= on <= until,
        })
    # The whole product's term decides when there is one; else the order is in
    # warranty while any component is (each part line is then judged by its own).
    whole = next((c for c in decision.components if c["component"] == ""), None)
    if whole is not None:
        headline, covered = whole, whole["covered"]
    else:
        headline = max(decision.components, key=lambda c: c["expires_on"] or "")
        covered = any(c["covered"] for c in decision.components)
    decision.term_months = headline["months"]
    decision.expires_on = datetime.date.fromisoformat(headline["expires_on"]) if headline["expires_on"] else None
    decision.status = Status.IN_WARRANTY if covered else Status.OUT_OF_WARRANTY
    decision.reason = pgettext("warranty terms separator", "; ").join(term_sentence(c) for c in decision.components)
    return decision


def term_sentence(component: dict) -> str:
    """One warranty term of a decision as a sentence in the active language
    (whole sentences with named placeholders, so a translation may reorder them)."""
    values = {"component": component["component"] or pgettext("warranty component", "whole product"),
              "months": component["months"], "date": component["expires_on"]}
    if component["expires_on"] is None:
        text = _("%(component)s: no warranty (a term of 0 months)")  # term_expiry: 0 months, nothing covered
    elif component["covered"]:
        text = ngettext("%(component)s: %(months)d month, until %(date)s (covered)",
                        "%(component)s: %(months)d months, until %(date)s (covered)", values["months"])
    else:
        text = ngettext("%(component)s: %(months)d month, until %(date)s (not covered)",
                        "%(component)s: %(months)d months, until %(date)s (not covered)", values["months"])
    return text % values


def decide_for_order(order, *, on: datetime.date | None = None, terms=None) -> Decision:
    """The entitlement of a work order (the product and order already in memory)."""
    on = on or timezone.localdate(order.reported_at)
    if order.revisit_of_id:
        original = order.revisit_of
        covered, until, days = repair_warranty_of(original, on)
        if covered:
            return Decision(
                status=Status.IN_WARRANTY, basis=Basis.REPAIR_WARRANTY, term_days=days, expires_on=until,
                repair_of=original, decided_on=on,
                reason=_("Same fault within the repair warranty of %(number)s (%(days)d days): free, a repeat repair.")
                % {"number": original.number, "days": days},
            )
    product = order.product
    decision = decide(
        category_id=order.category_id, purchase_date=getattr(product, "purchase_date", None),
        manufactured_on=getattr(product, "manufactured_on", None),
        proof_of_purchase=getattr(product, "proof_of_purchase", ""),
        requested_by=WarrantyTerm.AppliesTo.DEALER if order.partner_id else WarrantyTerm.AppliesTo.CONSUMER,
        on=on, terms=terms, has_product=product is not None,
    )
    if order.revisit_of_id:
        decision.reason = (_("Outside the repair warranty of %(number)s: an ordinary order.")
                           % {"number": order.revisit_of.number}) + " " + decision.reason
    return decision


def entitlement_preview(*, category, purchase_date=None, manufactured_on=None, proof_of_purchase="",
                        requested_by="consumer", on: datetime.date | None = None) -> Decision:
    """What intake shows the agent before the order exists. `category` is a
    ProductCategory, its id or slug."""
    from servicedesk.customers.models import ProductCategory

    if isinstance(category, str):
        category = ProductCategory.objects.filter(slug=category).first()
    category_id = getattr(category, "pk", category)
    return decide(
        category_id=category_id, purchase_date=purchase_date, manufactured_on=manufactured_on,
        proof_of_purchase=proof_of_purchase, requested_by=requested_by, on=on or timezone.localdate(),
        has_product=category_id is not None,
    )


def entitlement_of(order) -> WorkOrderEntitlement | None:
    """The order's entitlement (prefetched or not), None if never decided."""
    try:
        return order.entitlement
    except WorkOrderEntitlement.DoesNotExist:
        return None


# --- fee schedule ----------------------------------------------------------

def schedule_in_force(on: datetime.date | None = None) -> FeeSchedule | None:
    on = on or timezone.localdate()
    return (
        FeeSchedule.objects.filter(published=True, effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .order_by("-effective_from", "-id").first()
    )


def schedules_visible_to(user) -> QuerySet:
    """The public schedule: every signed-in user reads the published versions; staff of the admin all."""
    qs = FeeSchedule.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if user.is_staff or user.has_role(Role.ADMINISTRATOR, Role.SUPERVISOR):
        return qs
    return qs.filter(published=True)


def schedule_lines(schedule, category=None):
    labour = schedule.labour.select_related("category").order_by("category__slug", "code")
    parts = schedule.parts.select_related("category").order_by("category__slug", "code")
    if category is not None:
        labour = labour.filter(Q(category=category) | Q(category__isnull=True))
        parts = parts.filter(category=category)
    return list(labour), list(parts)


# --- charges ---------------------------------------------------------------

def _is_assigned(user, order):
    technician = getattr(user, "technician", None)
    return bool(order.technician_id and technician is not None and order.technician_id == technician.pk
                and user.has_role(Role.TECHNICIAN))


def user_may_write_quote(user, order) -> bool:
    """The assigned technician quotes, charges and records payments; dispatchers and supervisors too."""
    return user.is_authenticated and (user.has_role(*QUOTE_WRITE_ROLES) or _is_assigned(user, order))


def user_may_read_quote(user, order) -> bool:
    return user.is_authenticated and (user.has_role(*QUOTE_READ_ROLES) or user_may_write_quote(user, order))


def user_may_refund(user) -> bool:
    return user.is_authenticated and user.has_role(*REFUND_ROLES)


def quote_of(order) -> Quote | None:
    return (
        Quote.objects.filter(order=order).select_related("schedule")
        .prefetch_related("lines", "payments__refunds", "payments__by").first()
    )


def quote_money(quote: Quote) -> dict:
    """Paid, refunded and due, computed from the rows."""
    from decimal import Decimal

    paid = sum((p.amount for p in quote.payments.all()), Decimal("0"))
    refunded = sum((r.amount for p in quote.payments.all() for r in p.refunds.all()), Decimal("0"))
    return {"paid": paid, "refunded": refunded, "due": max(quote.total - paid, Decimal("0"))}


def resolve_blocker(order) -> str | None:
    """Why the order may not be resolved yet, or None. Only orders with a
    quote are affected: one with paid lines must be accepted first (seeds/003,
    seeds/004: the quote is shown and accepted before the work)."""
    quote = Quote.objects.filter(order_id=order.pk).only("state", "total").first()
    if quote is not None and quote.total > 0 and quote.state == Quote.State.DRAFT:
        return _("The customer has not accepted the quote yet.")
    return None


# --- stock -----------------------------------------------------------------

def stock_points_visible_to(user) -> QuerySet:
    points = Unit.objects.filter(kind__in=STOCK_POINT_KINDS, active=True).order_by("name")
    if not user.is_authenticated:
        return points.none()
    if user.has_role(*STOCK_ALL_ROLES):
        return points
    technician = getattr(user, "technician", None)
    if user.has_role(Role.TECHNICIAN) and technician is not None and technician.station_id:
        return points.filter(pk=technician.station_id)
    return points.none()


def user_may_read_stock(user) -> bool:
    return stock_points_visible_to(user).exists()


def user_may_manage_stock(user) -> bool:
    """Record every kind of stock movement (a technician records only the parts used on an order)."""
    return user.has_role(*STOCK_ALL_ROLES)


def stock_visible_to(user) -> QuerySet:
    return StockItem.objects.filter(unit__in=stock_points_visible_to(user)).select_related("unit")


def low_stock(user) -> QuerySet:
    from django.db.models import F

    return stock_visible_to(user).filter(quantity__lte=F("low_threshold"))


def user_may_see_fee_schedule(user) -> bool:
    """The navigation's fee schedule entry: staff (no query: roles only)."""
    return bool(user.roles - {Role.PARTNER, Role.TELEPHONY})


def user_may_see_stock(user) -> bool:
    """The navigation's parts stock entry (no query: roles only)."""
    return user.has_role(*STOCK_ALL_ROLES, Role.TECHNICIAN)
