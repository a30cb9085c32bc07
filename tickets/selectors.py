"""Reads of work orders, with every permission rule in one place: what each
role may see (visibility) and which actions it may take (ACTION_RULES).
Views and services ask here; none of them decides on its own."""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from billing.models import WorkOrderEntitlement
from servicedesk.accounts.models import Partner, Region, User
from servicedesk.accounts.roles import Role
from servicedesk.customers.models import Address, Customer, CustomerPhone, CustomerProduct, ProductCategory
from servicedesk.deadlines.models import Deadline
from servicedesk.ownership.handover import OWNER_ROLES, hand_over_targets, may_own_issues  # noqa: F401 - re-exported for the pages
from technicians.models import Technician

from .models import WorkOrder, WorkOrderEvent, actions_allowed_in

# Roles that see every work order of the organisation.
SEE_ALL = {Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER, Role.HANDLER, Role.ADMINISTRATOR}
CREATE_ROLES = {Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.PARTNER}
# Roles that read work orders at all; the others (telephony, HR) are refused
# (403) rather than shown an empty list.
READ_ROLES = SEE_ALL | {Role.TECHNICIAN, Role.PARTNER}

# Who may take each action. "assigned" is the technician the order is
# dispatched to; "creator_partner" is the partner that created the order.
ACTION_RULES = {
    # contract: approved installations, the responsible director (seeds/002).
    "approve": {"roles": {Role.SUPERVISOR, Role.MANAGER}},
    "dispatch": {"roles": {Role.DISPATCHER, Role.SUPERVISOR}},
    "decline": {"assigned": True},
    "accept": {"assigned": True},
    "schedule": {"assigned": True, "roles": {Role.DISPATCHER, Role.SUPERVISOR}},
    "check-in": {"assigned": True},
    "resolve": {"assigned": True},
    "take-back": {"assigned": True},
    "return": {"assigned": True},
    "sign-off": {"assigned": True, "roles": {Role.SUPERVISOR}},
    "close": {"roles": {Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR}},
    "cancel": {"roles": {Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR}, "creator_partner": True},
    "revisit": {"roles": {Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR}, "creator_partner": True},
    # Not state changes: the customer asked to postpone, the clocks stop.
    "postpone": {"assigned": True, "roles": {Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR}},
    "resume": {"assigned": True, "roles": {Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR}},
    # First-question responsibility (seeds/000, seeds/001): the owner hands the
    # caller's issue over explicitly; supervisors and managers may reassign it.
    # Not a state change either: the order keeps its state.
    "hand-over": {"owner": True, "roles": {Role.SUPERVISOR, Role.MANAGER}},
}
# Who works the dispatch queue (tickets/queue.py): those who may dispatch, and managers.
QUEUE_ROLES = ACTION_RULES["dispatch"]["roles"] | {Role.MANAGER}


def _technician_id(user):
    technician = getattr(user, "technician", None)
    return technician.pk if technician is not None else None


def work_orders_visible_to(user) -> QuerySet:
    qs = WorkOrder.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if user.has_role(*SEE_ALL):
        return qs
    condition = Q(pk__in=[])
    if user.has_role(Role.TECHNICIAN) and _technician_id(user):
        condition |= Q(technician_id=_technician_id(user))
    if user.has_role(Role.PARTNER) and user.partner_id:
        condition |= Q(partner_id=user.partner_id)
    return qs.filter(condition)


def technician_of(user):
    """The technician this user works as (their jobs), or None."""
    return getattr(user, "technician", None) if user.has_role(Role.TECHNICIAN) else None


def user_sees_all_work_orders(user) -> bool:
    """Staff who see every order (and filter the list by technician)."""
    return user.has_role(*SEE_ALL)


def user_may_see_dispatch_queue(user) -> bool:
    return user.is_authenticated and user.has_role(*QUEUE_ROLES)


def user_may_read_work_orders(user) -> bool:
    return user.is_authenticated and user.has_role(*READ_ROLES)


def user_may_create_work_orders(user) -> bool:
    return user.is_authenticated and user.has_role(*CREATE_ROLES)


def user_may_take(user, order: WorkOrder, action: str) -> bool:
    rule = ACTION_RULES[action]
    if user.has_role(*rule.get("roles", ())):
        return True
    if rule.get("assigned") and order.technician_id and order.technician_id == _technician_id(user):
        return True
    # The owner, if staff: a partner system that created the order owns it on
    # paper but answers to nobody here; a supervisor hands such orders over.
    if rule.get("owner") and order.owner_id and order.owner_id == user.pk and user.has_role(*OWNER_ROLES):
        return True
    if rule.get("creator_partner") and user.has_role(Role.PARTNER) and user.partner_id:
        return order.partner_id == user.partner_id
    return False


def work_order_actions_for(user, order: WorkOrder) -> list[str]:
    """The actions this user may take on this order now (the page's buttons)."""
    return [a for a in actions_allowed_in(order.state) if user_may_take(user, order, a)]


def work_order_clock_actions_for(user, order: WorkOrder) -> list[str]:
    """postpone / resume, where the order's deadlines allow them."""
    if not order.is_open:
        return []
    open_ = [d for d in order.deadlines.all() if d.met_at is None and d.cancelled_at is None]
    actions = []
    if any(d.paused_at is None for d in open_):
        actions.append("postpone")
    if any(d.paused_at is not None for d in open_):
        actions.append("resume")
    return [a for a in actions if user_may_take(user, order, a)]


def work_order_owner_actions_for(user, order: WorkOrder) -> list[str]:
    """hand-over, while the order is open and this user may hand it over."""
    return ["hand-over"] if order.is_open and user_may_take(user, order, "hand-over") else []


def overdue_condition(now=None) -> Q:
    """An order is overdue when one of its open deadlines is past due, i.e.
    when the earliest due time among its open deadlines is. That earliest
    time is cached on the order (next_due_at, kept by the deadline services),
    so this is a range scan of the small partial index wo_next_due; the
    deadline table remains the truth (overdue_from_deadlines says the same
    from it). exclude() of this Q keeps the orders with no open deadline."""
    return Q(next_due_at__lt=now or timezone.now())


def overdue_from_deadlines(now=None):
    """The same condition read from the deadline table itself (what the list
    asked before next_due_at; tests compare the two)."""
    now = now or timezone.now()
    ct = ContentType.objects.get_for_model(WorkOrder)
    return Exists(
        Deadline.objects.filter(
            content_type=ct, object_id=OuterRef("pk"), met_at__isnull=True, cancelled_at__isnull=True, due_at__lt=now
        )
    )


def with_list_relations(qs: QuerySet) -> QuerySet:
    """What a list row shows, in a fixed number of queries: the rows' relations
    are filled by `load_list_relations` when the queryset is evaluated (the
    queryset stays lazy: filter, annotate, slice and paginate it as usual).

    Nothing is joined to the page query: PostgreSQL spends tens of
    milliseconds planning a ten-table join on this table (far more than
    running it), and with a filter it misjudges (overdue orders of a state) it
    joins every candidate before sorting. Each relation is fetched by id in its
    own short query instead, without `prefetch_related`'s generic machinery,
    which cost more Python than the SQL it ran (docs/benchmarks.md)."""
    return qs.loading(load_list_relations)


def _attach(rows, field_name, queryset) -> dict:
    """Fill the forward relation `field_name` of each row from one query,
    leaving alone the rows that already have it (select_related, an earlier
    load). Returns every row's related object by id: {id: [instances]}."""
    field = rows[0]._meta.get_field(field_name)
    todo = [row for row in rows if not field.is_cached(row)]
    ids = {getattr(row, field.attname) for row in todo} - {None}
    found = {obj.pk: obj for obj in queryset.filter(pk__in=ids)} if ids else {}
    for row in todo:
        field.set_cached_value(row, found.get(getattr(row, field.attname)))
    related = {}
    for row in rows:
        obj = field.get_cached_value(row)
        if obj is not None and all(obj is not seen for seen in related.get(obj.pk, ())):
            related.setdefault(obj.pk, []).append(obj)
    return related


class _Loaded(QuerySet):
    """Related rows loaded by hand, where `obj.<name>.all()` finds them (as
    prefetch_related leaves them: Manager.all() returns the cached queryset as
    it is). Reading it costs nothing more; the first time its SQL is needed
    (filter, exclude, order_by, iterator, aggregate, update, delete, ...) it
    becomes the relation's own queryset, scoped to `obj` as after
    prefetch_related, never the whole table. Building that scope for every
    row up front is what made prefetch_related slow here."""

    _owner = None

    @property
    def query(self):
        if self._owner is not None:
            manager = getattr(self._owner, self._relation)
            self._query = manager._apply_rel_filters(self.model._default_manager.all()).query
            self._owner = None  # only once the scope is built: a failure leaves it to build, never unscoped
        return QuerySet.query.fget(self)

    @query.setter
    def query(self, value):
        QuerySet.query.fset(self, value)


def _prefetched(obj, name, model, rows):
    if name in getattr(obj, "_prefetched_objects_cache", {}):
        return  # already there (prefetch_related, an earlier load)
    result = _Loaded(model=model)
    result._owner, result._relation = obj, name
    result._result_cache = rows
    result._prefetch_done = True
    if not hasattr(obj, "_prefetched_objects_cache"):
        obj._prefetched_objects_cache = {}
    obj._prefetched_objects_cache[name] = result


def load_list_relations(orders) -> None:
    """Fill what the list rows, the detail and the serializer read: customer
    (with phones), address, product (with category), category, region,
    partner, owner, technician (with user), deadlines (by due time) and the
    billing entitlement. One query per relation whatever the number of rows;
    none for a relation no row lacks. Called by the queryset of
    `with_list_relations` when it is evaluated, and by its `.iterator()`
    once per chunk (servicedesk/core/querysets.py)."""
    orders = list(orders)
    if not orders:
        return
    customers = _attach(orders, "customer", Customer.objects.all())
    _attach(orders, "address", Address.objects.all())
    products = _attach(orders, "product", CustomerProduct.objects.select_related("category"))
    _attach(orders, "category", ProductCategory.objects.all())
    _attach(orders, "region", Region.objects.all())
    _attach(orders, "partner", Partner.objects.all())
    _attach(orders, "owner", User.objects.all())
    technicians = _attach(orders, "technician", Technician.objects.select_related("user"))
    # Objects that were already there (select_related by the caller) may lack
    # what the rows show of them: one query each for those, none otherwise.
    for related, field_name, queryset in ((products, "category", ProductCategory.objects.all()),
                                          (technicians, "user", User.objects.all())):
        objs = [obj for group in related.values() for obj in group]
        if objs:
            _attach(objs, field_name, queryset)

    lacking = [pk for pk, objs in customers.items()
               if any("phones" not in getattr(c, "_prefetched_objects_cache", {}) for c in objs)]
    phones = {pk: [] for pk in lacking}
    if lacking:
        for phone in CustomerPhone.objects.filter(customer_id__in=lacking):  # Meta.ordering: primary first
            phones[phone.customer_id].append(phone)
    for pk in lacking:
        for customer in customers[pk]:
            _prefetched(customer, "phones", CustomerPhone, phones[pk])

    entitlement = WorkOrder._meta.get_field("entitlement")
    ids = [o.pk for o in orders if "deadlines" not in getattr(o, "_prefetched_objects_cache", {})]
    deadlines = {pk: [] for pk in ids}
    if ids:
        content_type = ContentType.objects.get_for_model(WorkOrder)
        for deadline in Deadline.objects.filter(content_type=content_type, object_id__in=ids).order_by("due_at", "id"):
            deadlines[deadline.object_id].append(deadline)
    ids = [o.pk for o in orders if not entitlement.is_cached(o)]
    entitlements = {e.order_id: e for e in WorkOrderEntitlement.objects.filter(order_id__in=ids)} if ids else {}
    for order in orders:
        if order.pk in deadlines:
            _prefetched(order, "deadlines", Deadline, deadlines[order.pk])
        if not entitlement.is_cached(order):
            entitlement.set_cached_value(order, entitlements.get(order.pk))


def work_order_history(order: WorkOrder) -> QuerySet:
    return WorkOrderEvent.objects.filter(order=order).select_related("by").order_by("at", "id")


def technician_workloads(technician_ids) -> dict:
    rows = (
        WorkOrder.objects.filter(technician_id__in=technician_ids, state__in=WorkOrder.WORKLOAD_STATES)
        .values("technician_id")
        .annotate(n=Count("id"))
    )
    return {r["technician_id"]: r["n"] for r in rows}


def customers_served_by(technician_id) -> list[int]:
    """Customers with an open order assigned to this technician: who may see
    their numbers (servicedesk.customers.selectors, registered in TicketsConfig.ready)."""
    return list(WorkOrder.objects.filter(technician_id=technician_id, state__in=WorkOrder.OPEN_STATES)
                .values_list("customer_id", flat=True).distinct())


@dataclass
class Candidate:
    technician: Technician
    region_match: bool
    workload: int


def dispatch_candidates(*, order) -> list[Candidate]:
    """Eligible technicians for the order, best first: serving the order's
    region, then the lightest open workload (seeds/004: dispatch to the
    technician responsible for the region)."""
    today = timezone.localdate()
    qs = Technician.objects.filter(active=True).select_related("user", "station")
    if order.category_id:
        qs = qs.filter(certifications__category_id=order.category_id, certifications__valid_until__gte=today)
    qs = qs.annotate(
        workload=Count("work_orders", filter=Q(work_orders__state__in=WorkOrder.WORKLOAD_STATES), distinct=True),
        region_match=Count("regions", filter=Q(regions__id=order.region_id), distinct=True)
        if order.region_id
        else Value(0),
    )
    candidates = [Candidate(t, bool(t.region_match), t.workload) for t in qs]
    candidates.sort(key=lambda c: (not c.region_match, c.workload, c.technician.user.username))
    return candidates
