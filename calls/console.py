"""Reads for the agent console (issue 5, item 3): who is calling, what they
own and what is open for them, and what to tell them in one go. Permission
rules stay in the selectors this module calls (tickets, complaints, calls);
nothing here writes."""

import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import WarrantyTerm
from billing.selectors.fees import decide
from complaints.models import Complaint
from complaints.selectors import complaints_visible_to
from servicedesk.accounts.roles import Role
from servicedesk.core.durations import day_month, due_text, duration_phrase, working_days_phrase
from servicedesk.core.labels import kind_label
from servicedesk.core.pages import duration_text
from servicedesk.core.phone import normalize_phone
from servicedesk.customers.models import Customer, CustomerProduct
from servicedesk.deadlines.models import Deadline
from servicedesk.deadlines.services import policy_for
from tickets.models import WorkOrder
from tickets.selectors import work_orders_visible_to

# How much of a caller's file the pop shows: enough to answer, little enough
# to read during a ring.
PRODUCTS_SHOWN = 10
OPEN_ITEMS_SHOWN = 10
CONTACTS_SHOWN = 5


# --- warranty ------------------------------------------------------------------

@dataclass
class Warranty:
    """A product's warranty as the pop shows it, decided by billing's rules
    (billing.selectors.fees.decide: terms per product line and component,
    proof of purchase, seeds/004)."""

    status: str  # "in", "out" or "no_proof"
    until: datetime.date | None = None
    note: str = ""
    status_label: str = ""

    @property
    def label(self):
        if self.status_label:
            return self.status_label
        return {"in": _("In warranty"), "out": _("Out of warranty"),
                "no_proof": _("No proof of purchase")}.get(self.status, _("Warranty unknown"))


BILLING_STATUS = {"in_warranty": "in", "out_of_warranty": "out", "no_proof": "no_proof"}


def warranty_terms_for(products) -> dict:
    """The active warranty terms of these products' lines, one query for all
    of them: {category id: [WarrantyTerm, ...]}, for warranty_for(terms=)."""
    category_ids = {p.category_id for p in products if p.category_id}
    terms = {category_id: [] for category_id in category_ids}
    if category_ids:
        for term in WarrantyTerm.objects.filter(category_id__in=category_ids, active=True):
            terms[term.category_id].append(term)
    return terms


def warranty_for(
    product: CustomerProduct, *, today: datetime.date | None = None, terms: dict | None = None
) -> Warranty:
    """`terms`: warranty_terms_for() of the products shown together (else
    billing reads this product line's terms itself, one query)."""
    decision = decide(
        category_id=product.category_id, purchase_date=product.purchase_date,
        manufactured_on=product.manufactured_on, proof_of_purchase=product.proof_of_purchase,
        on=today or timezone.localdate(), has_product=product.category_id is not None,
        terms=terms.get(product.category_id, []) if terms is not None else None,
    )
    return Warranty(BILLING_STATUS.get(decision.status, "unknown"), until=decision.expires_on,
                    note=str(decision.reason or ""), status_label=str(decision.status_label))


# --- the caller's file -----------------------------------------------------------

@dataclass
class CallerFile:
    """What the console shows about a caller. `customer` is None for a new caller."""

    phone: str
    customer: Customer | None = None
    phones: list = field(default_factory=list)
    addresses: list = field(default_factory=list)
    products: list = field(default_factory=list)
    work_orders: list = field(default_factory=list)
    complaints: list = field(default_factory=list)
    contacts: list = field(default_factory=list)

    @property
    def is_new(self):
        return self.customer is None


def customer_by_phone(raw_phone: str) -> Customer | None:
    """The one indexed look-up behind every pop (CustomerPhone.number is unique)."""
    number = normalize_phone(raw_phone)
    if not number:
        return None
    # One row through the unique index; no ORDER BY (Meta.ordering) on a unique key.
    return next(iter(Customer.objects.filter(phones__number=number).order_by()[:1]), None)


def _open_deadlines():
    return Prefetch(
        "deadlines",
        queryset=Deadline.objects.filter(met_at__isnull=True, cancelled_at__isnull=True).order_by("due_at", "id"),
        to_attr="open_deadlines",
    )


def _present(deadline):
    deadline.label = kind_label(deadline.kind)
    deadline.countdown = duration_text(deadline.seconds_left)
    deadline.due_text = due_text(deadline.due_at)  # with its date when not today (issue 13 item 5)
    return deadline


def _label_deadlines(item):
    for deadline in item.open_deadlines:
        _present(deadline)
    item.next_deadline = next((d for d in item.open_deadlines if d.paused_at is None), None)
    return item


def caller_file(raw_phone: str, *, user, customer: Customer | None = None, call=None) -> CallerFile:
    """The caller matched by phone number (or `customer` when the call already
    names one), with products and warranty, open work orders and complaints
    with their deadlines, and the last contacts (but `call`, the one on now);
    what this user may see only."""
    number = normalize_phone(raw_phone)
    if customer is None:
        customer = customer_by_phone(number)
    result = CallerFile(phone=number, customer=customer)
    if customer is None:
        return result
    result.phones = [p.number for p in customer.phones.all()]
    # Only the columns the pop shows: on a busy machine the ORM's compiling of
    # wide selects costs more than PostgreSQL's answer (bench/caller_lookup.py).
    result.addresses = list(customer.addresses.only("text").order_by("-id")[:5])
    today = timezone.localdate()
    products = list(customer.products.select_related("category").order_by("-purchase_date", "-id")[:PRODUCTS_SHOWN])
    terms = warranty_terms_for(products)
    for product in products:
        product.warranty = warranty_for(product, today=today, terms=terms)
        result.products.append(product)
    orders = (
        work_orders_visible_to(user).filter(customer=customer, state__in=WorkOrder.OPEN_STATES)
        .only("number", "kind", "state", "description", "reported_at").prefetch_related(_open_deadlines())
        .order_by("-reported_at", "-id")[:OPEN_ITEMS_SHOWN]
    )
    result.work_orders = [_label_deadlines(o) for o in orders]
    complaints = (
        complaints_visible_to(user).filter(customer=customer, state__in=Complaint.OPEN_STATES)
        .only("number", "state", "complaint_class", "description", "received_at").prefetch_related(_open_deadlines())
        .order_by("-received_at", "-id")[:OPEN_ITEMS_SHOWN]
    )
    result.complaints = [_label_deadlines(c) for c in complaints]
    result.contacts = last_contacts(customer=customer, user=user, exclude_call=call)
    return result


def last_contacts(*, customer, user, exclude_call=None, limit=CONTACTS_SHOWN) -> list[dict]:
    """Earlier calls and inquiry notes of this customer, newest first."""
    from .models import Call, Inquiry

    calls = (Call.objects.filter(customer=customer).select_related("agent")
             .only("rang_at", "channel", "state", "agent__first_name", "agent__last_name", "agent__username")
             .order_by("-rang_at", "-id"))
    if exclude_call is not None:
        calls = calls.exclude(pk=exclude_call.pk)
    rows = [{"at": c.rang_at, "what": "call", "call": c} for c in calls[:limit]]
    inquiries = (
        Inquiry.objects.filter(customer=customer).only("text", "answer", "created_at").order_by("-created_at", "-id")
    )
    rows += [{"at": i.created_at, "what": "inquiry", "inquiry": i} for i in inquiries[:limit]]
    rows.sort(key=lambda r: r["at"] or timezone.now(), reverse=True)
    return rows[:limit]


# --- one-time notification (一次性告知, seeds/000) ---------------------------------

# What the agent tells the caller to prepare, in one go, per kind of filing.
CHECKLISTS = {
    "install": [
        _("Keep the proof of purchase (invoice or receipt) at hand."),
        _("Clear the place where the unit goes and the way to it."),
        _("Make sure water, gas and electricity are available at the site."),
        _("An adult must be at home during the visit to sign the service record."),
        _("The engineer shows the public fee schedule; anything outside it is not charged."),
    ],
    "repair": [
        _("Keep the proof of purchase at hand: repair in warranty needs it."),
        _("Have the model and serial number ready (on the unit's label)."),
        _("Note when the fault appears and any error code shown."),
        _("An adult must be at home during the visit to sign the service record."),
        _("The engineer calls before the visit to confirm the time."),
    ],
    "maintenance": [
        _("Have the model and serial number ready (on the unit's label)."),
        _("Clear the area around the unit."),
        _("Maintenance that stops the gas is announced to you beforehand."),
        _("An adult must be at home during the visit to sign the service record."),
    ],
    "emergency": [
        _("An engineer is sent at once and is on site within 30 minutes."),
        _("Stay away from the appliance until the engineer arrives."),
        _("Keep the phone free: the engineer calls on the way."),
    ],
    # Gas leak or gas emergency (seeds/001: gas safety comes first).
    "emergency_gas": [
        _("Leave the room and keep everyone away from it."),
        _("Do not switch lights or any electrical appliance on or off; do not use a phone in the room."),
        _("Open doors and windows if it is safe to do so."),
        _("Close the gas valve in front of the meter."),
        _("No open flame, no smoking."),
    ],
    "complaint": [
        _("Your complaint is registered within 1 working day and you get a number."),
        _("Keep the work order number, invoices and photos if you have them."),
        _("The handling unit investigates and replies to you; we call you back to hear whether you are satisfied."),
    ],
    "inquiry": [
        _("If the answer is not known now, we promise a time to call you back."),
    ],
}

def checklist_for(kind: str, *, category_slug: str = "", description: str = "") -> list:
    """The one-time notification for this filing (seeds/000 一次性告知)."""
    items = list(CHECKLISTS.get(kind, []))
    if kind == "emergency" and (
        (category_slug or "").startswith("gas")
        or any(w in (description or "").lower() for w in ("gas", "燃气", "煤气", "漏气"))
    ):
        items = list(CHECKLISTS["emergency_gas"]) + items
    return items


def checklist_table() -> dict:
    """Every kind's list, for the page to switch without a request."""
    return {kind: [str(s) for s in items] for kind, items in CHECKLISTS.items()}


# --- who uses the console and the wallboard ----------------------------------------

CONSOLE_ROLES = {Role.AGENT, Role.SUPERVISOR}
WALLBOARD_ROLES = {Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR}


def user_may_use_console(user) -> bool:
    return user.is_authenticated and user.has_role(*CONSOLE_ROLES)


def user_may_see_wallboard(user) -> bool:
    return user.is_authenticated and user.has_role(*WALLBOARD_ROLES)


# --- what the agent promises at read-back -------------------------------------------

def _promise(subject, kind, attributes, now) -> dict | None:
    """The promise in the policy's own units (issue 13 item 6): "24 hours" by
    the time it is due; "5 working days" by the day it is due."""
    policy = policy_for(subject=subject, kind=kind, attributes=attributes)
    if policy is None:
        return None
    due = policy.due_from(now)
    if policy.working_days is not None:
        return {"label": kind_label(kind), "due_at": due, "working_days": True,
                "within": working_days_phrase(policy.working_days), "due": day_month(due)}
    return {"label": kind_label(kind), "due_at": due, "working_days": False,
            "within": duration_phrase(policy.duration), "due": due_text(due, now=now)}


def work_order_promise(kind: str, *, category: str = "", now=None) -> dict | None:
    """When an engineer will be on site, by the SLA policy the order will get
    (seeds/001: 24 hours; emergency 30 minutes)."""
    now = now or timezone.now()
    return _promise(WorkOrder(kind=kind), "arrive", {"kind": kind, "category": category or None, "vip": False}, now)


def complaint_promise(*, now=None) -> dict | None:
    """seeds/000: registered within 1 working day, the overall result within 5."""
    return _promise(Complaint(), "overall", {}, now or timezone.now())


# --- what was filed from a call ----------------------------------------------------------

def describe_filed(subject) -> dict:
    """A filed work order, complaint or inquiry as the console lists it."""
    if isinstance(subject, WorkOrder):
        deadlines = list(subject.deadlines.filter(met_at__isnull=True, cancelled_at__isnull=True).order_by("due_at"))
        for d in deadlines:
            _present(d)
        return {"what": "work-order", "number": subject.number, "url": subject.get_absolute_url(),
                "kind": subject.get_kind_display(), "kind_code": subject.kind, "state": subject.get_state_display(),
                "owner": subject.owner, "deadlines": deadlines, "subject": subject}
    if isinstance(subject, Complaint):
        deadlines = list(subject.deadlines.filter(met_at__isnull=True, cancelled_at__isnull=True).order_by("due_at"))
        for d in deadlines:
            _present(d)
        return {"what": "complaint", "number": subject.number, "url": subject.get_absolute_url(),
                "kind": subject.get_category_display(), "kind_code": subject.category,
                "state": subject.get_state_display(), "owner": subject.owner, "deadlines": deadlines,
                "subject": subject}
    return {"what": "inquiry", "number": "", "url": "", "kind": _("Inquiry"), "kind_code": "inquiry",
            "state": "", "owner": getattr(subject, "by", None), "deadlines": [], "subject": subject,
            "text": getattr(subject, "text", "")}


def filed_from(call, *, user) -> list[dict]:
    """Everything filed from this call (CallLink) and its inquiry notes."""
    from .models import CallLink

    rows = []
    ct_wo = ContentType.objects.get_for_model(WorkOrder)
    ct_cp = ContentType.objects.get_for_model(Complaint)
    links = list(CallLink.objects.filter(call=call).order_by("at", "id"))
    wo_ids = [link.object_id for link in links if link.content_type_id == ct_wo.pk]
    cp_ids = [link.object_id for link in links if link.content_type_id == ct_cp.pk]
    orders = work_orders_visible_to(user).filter(pk__in=wo_ids).select_related("owner").in_bulk()
    complaints = complaints_visible_to(user).filter(pk__in=cp_ids).select_related("owner").in_bulk()
    for link in links:
        subject = orders.get(link.object_id) if link.content_type_id == ct_wo.pk else complaints.get(link.object_id)
        if subject is not None:
            rows.append(describe_filed(subject))
    for inquiry in call.inquiries.select_related("by").order_by("created_at", "id"):
        rows.append(describe_filed(inquiry))
    return rows


# --- wallboard (issue 5, item 6) ------------------------------------------------------

RINGING_SHOWN = 20


def wallboard(*, now=None, user=None) -> dict:
    """calls.selectors.wallboard_stats, plus what a supervisor acts on: the
    calls ringing now (longest wait first) and, per agent, the callbacks they
    hold and how many are overdue, and the calls that rang at them unanswered."""
    from .models import Call, Callback
    from .selectors import _callback_due, call_actions_for, day_bounds, ring_is_stale, wallboard_stats

    now = now or timezone.now()
    stats = wallboard_stats(now=now)
    ringing = list(
        Call.objects.filter(state=Call.State.RINGING).select_related("offered_to", "customer")
        .order_by(F("rang_at").asc(nulls_last=True), "id")[:RINGING_SHOWN]
    )
    for call in ringing:
        call.wait_seconds = int((now - call.rang_at).total_seconds()) if call.rang_at else None
        # the switch lost its hang-up: calls.close_stale_rings closes it, or a supervisor from the call page
        call.stale = ring_is_stale(call, now)
        call.may_close = user is not None and "close" in call_actions_for(user, call) if call.stale else False
    start, end = day_bounds(stats["day"])
    agents = {row["agent"]: {**row, "callbacks": 0, "callbacks_overdue": 0, "abandoned": 0} for row in stats["agents"]}

    def row_for(username, first, last):
        if username not in agents:
            name = f"{first} {last}".strip() or username
            agents[username] = {"agent": username, "name": name, "answered": 0, "within": 0, "within_percent": None,
                                "avg_answer_seconds": None, "callbacks": 0, "callbacks_overdue": 0, "abandoned": 0}
        return agents[username]

    held = (
        Callback.objects.filter(state__in=Callback.OPEN_STATES, assigned_to__isnull=False)
        .annotate(due_at=_callback_due())
        .values("assigned_to__username", "assigned_to__first_name", "assigned_to__last_name")
        .annotate(n=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)))
    )
    for r in held:
        row = row_for(r["assigned_to__username"], r["assigned_to__first_name"], r["assigned_to__last_name"])
        row["callbacks"], row["callbacks_overdue"] = r["n"], r["overdue"]
    missed = (
        Call.objects.filter(state=Call.State.ABANDONED, rang_at__gte=start, rang_at__lt=end, offered_to__isnull=False)
        .values("offered_to__username", "offered_to__first_name", "offered_to__last_name").annotate(n=Count("id"))
    )
    for r in missed:
        row = row_for(r["offered_to__username"], r["offered_to__first_name"], r["offered_to__last_name"])
        row["abandoned"] = r["n"]
    stats["ringing_calls"] = ringing
    stats["agents"] = sorted(agents.values(), key=lambda r: r["agent"])
    stats["callbacks_unassigned"] = Callback.objects.filter(state=Callback.State.OPEN).count()
    return stats
