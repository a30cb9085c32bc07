"""Work orders and their state machine (api-contract.md, Work orders; the
steps of domain.md section 3). Transitions change fields and nothing else;
tickets.services takes the lock, writes history and moves deadlines."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models import Min, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from servicedesk.accounts.models import Partner, Region
from servicedesk.core.history import TransitionRecord
from servicedesk.core.querysets import LoadingQuerySet
from servicedesk.customers.models import Address, Customer, CustomerProduct, ProductCategory
from servicedesk.deadlines.models import Deadline
from servicedesk.deadlines.registry import links
from technicians.models import Technician

NUMBER_PREFIX = "WO"


def number_prefix(reported_at) -> str:
    """A work order's number is WO, the local day it was reported (YYYYMMDD)
    and its id, at least six digits: WO20261207000342."""
    from django.utils import timezone

    return f"{NUMBER_PREFIX}{timezone.localtime(reported_at):%Y%m%d}"


class NumberField(models.CharField):
    """The work order's number, completed by the database: an INSERT gives
    the prefix (number_prefix) and, on PostgreSQL, a trigger appends the new
    id (migration 0011) and the INSERT's RETURNING hands the whole number
    back: no UPDATE after the create (issue 18). Where no trigger completes
    it (SQLite), tickets.services does with one UPDATE."""

    @property
    def db_returning(self):
        return connection.features.can_return_columns_from_insert


class WorkOrder(FSMModelMixin, models.Model):
    class Kind(models.TextChoices):
        REPAIR = "repair", _("Repair")
        INSTALL = "install", _("Installation")
        MAINTENANCE = "maintenance", _("Maintenance")
        EMERGENCY = "emergency", _("Emergency")

    class State(models.TextChoices):
        # seeds/002: an installation from a partner whose setting asks for it
        # waits for the responsible director's approval before dispatch.
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
        RECEIVED = "received", _("Received")
        DISPATCHED = "dispatched", _("Dispatched")
        ACCEPTED = "accepted", _("Accepted")
        SCHEDULED = "scheduled", _("Scheduled")
        ON_SITE = "on_site", _("On site")
        TAKEN_BACK = "taken_back", _("Taken back")
        RESOLVED = "resolved", _("Resolved")
        SIGNED_OFF = "signed_off", _("Signed off")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATES = (
        State.AWAITING_APPROVAL, State.RECEIVED, State.DISPATCHED, State.ACCEPTED, State.SCHEDULED,
        State.ON_SITE, State.TAKEN_BACK, State.RESOLVED, State.SIGNED_OFF,
    )
    # A technician's open workload (used to rank dispatch candidates).
    WORKLOAD_STATES = (State.DISPATCHED, State.ACCEPTED, State.SCHEDULED, State.ON_SITE, State.TAKEN_BACK)

    number = NumberField(_("number"), max_length=24, unique=True, null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    state = FSMField(_("state"), max_length=20, choices=State.choices, default=State.RECEIVED, protected=True)

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("customer")
    )
    address = models.ForeignKey(
        Address, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("address")
    )
    product = models.ForeignKey(
        CustomerProduct, on_delete=models.PROTECT, null=True, blank=True, related_name="work_orders",
        verbose_name=_("product"),
    )
    category = models.ForeignKey(
        ProductCategory, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("category")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("region")
    )
    description = models.TextField(_("description"))
    reported_at = models.DateTimeField(_("reported at"))

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    # First-question responsibility (seeds/000, seeds/001): who owns the caller's issue.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("owner"),
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="work_orders", verbose_name=_("partner")
    )
    external_ref = models.CharField(_("external reference"), max_length=100, blank=True)
    # What the partner sent (name, phone, address), shown to partners instead
    # of the customer's file it was matched to by phone (contract: Retries,
    # privacy, abuse). Null on orders no partner created.
    customer_as_sent = models.JSONField(_("customer as sent"), null=True, blank=True, editable=False)

    technician = models.ForeignKey(
        Technician, on_delete=models.PROTECT, null=True, blank=True, related_name="work_orders",
        verbose_name=_("technician"),
    )
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    # contract: Appointment kept, the end of the window agreed with the customer (optional).
    appointment_end = models.DateTimeField(_("appointment ends"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    promised_by = models.DateTimeField(_("promised by"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    signed_by = models.CharField(_("signed by"), max_length=100, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancel_reason = models.TextField(_("cancellation reason"), blank=True)

    # Revisit (seeds/003: the same fault must not need a second repair).
    revisit_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="revisits", verbose_name=_("revisit of")
    )
    repeat_repair = models.BooleanField(
        _("repeat repair"), default=False, help_text=_("A revisit was needed after this order: counts against it.")
    )
    free_of_charge = models.BooleanField(_("free of charge"), default=False)

    deadlines = GenericRelation(Deadline, related_query_name="work_order")
    # A cache, never the truth: the earliest due time among the order's open
    # deadlines (deadlines_deadline is the truth), null when none is open.
    # The deadline services refresh it whenever they open, close or move one
    # (deadlines_changed below, registered in tickets.apps); it makes "overdue" a range scan of a small
    # index instead of a join with the deadline table (docs/benchmarks.md).
    next_due_at = models.DateTimeField(_("next due at"), null=True, blank=True, editable=False)

    # Chainable `.loading(fn)`: tickets.selectors.with_list_relations.
    objects = LoadingQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        indexes = [
            models.Index(fields=["-reported_at", "-id"], name="wo_reported"),
            models.Index(fields=["state", "-reported_at", "-id"], name="wo_state_reported"),
            models.Index(fields=["kind", "-reported_at", "-id"], name="wo_kind_reported"),
            # Counts only (the paginator's COUNT(*)): four values, so PostgreSQL's
            # B-tree deduplication keeps it at an eighth of wo_kind_reported's
            # size, and the index-only scans of `kind=` and of the whole table
            # (the smallest index) read that much less (docs/benchmarks.md).
            models.Index(fields=["kind"], name="wo_kind"),
            models.Index(fields=["technician", "-reported_at", "-id"], name="wo_technician_reported"),
            models.Index(fields=["partner", "-reported_at", "-id"], name="wo_partner_reported"),
            models.Index(fields=["customer", "-reported_at"], name="wo_customer_reported"),
            # The overdue filter: next_due_at < now. Only orders with an open
            # deadline are in it (a few percent of them).
            models.Index(fields=["next_due_at"], name="wo_next_due", condition=Q(next_due_at__isnull=False)),
            # The first page of overdue orders in the list's order: walks the
            # orders with an open deadline newest first and stops at 25 (without
            # it PostgreSQL may walk wo_reported through the whole table when
            # the overdue orders are old ones).
            models.Index(
                fields=["-reported_at", "-id"], name="wo_open_reported", condition=Q(next_due_at__isnull=False)
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "external_ref"],
                condition=Q(partner__isnull=False) & ~Q(external_ref=""),
                name="wo_external_ref_unique_per_partner",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="wo_satisfaction_1_to_5",
            ),
        ]

    def __str__(self):
        return self.number or f"#{self.pk}"

    def get_absolute_url(self):
        from django.urls import reverse

        try:
            return reverse("work-order-detail", args=[self.pk])
        except Exception:  # noqa: BLE001 - pages not routed (API-only deployment)
            return f"/api/v1/work-orders/{self.pk}/"

    @property
    def is_open(self):
        return self.state in self.OPEN_STATES

    # --- for the deadline engine (registered in tickets.apps) ----------------

    @classmethod
    def deadline_subjects(cls, ids):
        return cls.objects.select_related("technician__user", "technician__station").in_bulk(ids)

    @classmethod
    def deadline_descriptions(cls, ids):
        """What the sweep's notifications say of these orders, as plain values (deadlines.registry's
        `describe`): str(), get_absolute_url() and deadline_responsible() without an order object."""
        link = links(cls)
        rows = cls.objects.filter(pk__in=ids).values_list("pk", "number", "technician__station",
                                                          "technician__user")
        return {pk: (number or f"#{pk}", link(pk), station_id, user_id) for pk, number, station_id, user_id in rows}

    @classmethod
    def deadlines_changed(cls, ids):
        """Called by servicedesk.deadlines.services after it opened, closed or
        moved deadlines of these orders: recompute next_due_at from the
        deadline table. Callers hold the orders' row locks (or take them
        first: see policy_recompute_open), so no concurrent change slips in
        between the read and the write."""
        ct = ContentType.objects.get_for_model(cls)
        earliest = (
            Deadline.objects.filter(content_type=ct, object_id=OuterRef("pk"), met_at__isnull=True,
                                    cancelled_at__isnull=True)
            .order_by().values("object_id").annotate(m=Min("due_at")).values("m")
        )
        return cls.objects.filter(pk__in=list(ids)).update(next_due_at=Subquery(earliest))

    def deadline_responsible(self):
        """(unit, assignee) whose supervisors hear of a late deadline."""
        if self.technician_id:
            return self.technician.station_id, self.technician.user
        return None, None

    # --- transitions: fields only (style.md habit 2) -------------------------

    # contract v1 additions, approved installations (seeds/002: the responsible director signs).
    @transition(field=state, source=State.AWAITING_APPROVAL, target=State.RECEIVED)
    def approve(self):
        pass

    @transition(field=state, source=[State.RECEIVED, State.DISPATCHED], target=State.DISPATCHED)
    def dispatch(self, *, technician, at):
        self.technician = technician
        self.dispatched_at = at

    @transition(field=state, source=State.DISPATCHED, target=State.RECEIVED)
    def decline(self):
        self.technician = None
        self.dispatched_at = None

    @transition(field=state, source=State.DISPATCHED, target=State.ACCEPTED)
    def accept(self):
        pass

    @transition(field=state, source=[State.ACCEPTED, State.SCHEDULED], target=State.SCHEDULED)
    def schedule(self, *, appointment_at):
        self.appointment_at = appointment_at

    @transition(field=state, source=[State.ACCEPTED, State.SCHEDULED], target=State.ON_SITE)
    def check_in(self, *, at):
        self.arrived_at = at

    @transition(field=state, source=State.ON_SITE, target=State.RESOLVED)
    def resolve(self, *, resolution, at):
        self.resolution = resolution
        self.resolved_at = at

    @transition(field=state, source=State.ON_SITE, target=State.TAKEN_BACK)
    def take_back(self, *, promised_by):
        self.promised_by = promised_by

    @transition(field=state, source=State.TAKEN_BACK, target=State.RESOLVED)
    def return_product(self, *, resolution, at):
        self.resolution = resolution
        self.resolved_at = at

    @transition(field=state, source=State.RESOLVED, target=State.SIGNED_OFF)
    def sign_off(self, *, signed_by, satisfaction, at):
        self.signed_by = signed_by
        self.satisfaction = satisfaction
        self.signed_off_at = at

    @transition(field=state, source=State.SIGNED_OFF, target=State.CLOSED)
    def close(self, *, at):
        self.closed_at = at

    @transition(
        field=state,
        source=[State.AWAITING_APPROVAL, State.RECEIVED, State.DISPATCHED, State.ACCEPTED, State.SCHEDULED],
        target=State.CANCELLED,
    )
    def cancel(self, *, reason):
        self.cancel_reason = reason

    # The original keeps its state; the revisit is a new order (services).
    @transition(field=state, source=[State.SIGNED_OFF, State.CLOSED], target=None)
    def revisit(self, *, repeat=True):
        # seeds/003: only a revisit inside the repair warranty counts against this repair.
        if repeat:
            self.repeat_repair = True


# The contract's action names and the transition methods behind them, in the
# order a work order meets them.
ACTIONS = {
    "approve": "approve",
    "dispatch": "dispatch",
    "decline": "decline",
    "accept": "accept",
    "schedule": "schedule",
    "check-in": "check_in",
    "resolve": "resolve",
    "take-back": "take_back",
    "return": "return_product",
    "sign-off": "sign_off",
    "close": "close",
    "cancel": "cancel",
    "revisit": "revisit",
}


class WorkOrderCount(models.Model):
    """How many work orders exist, kept by PostgreSQL triggers on
    tickets_workorder (migration 0007, tickets/counting.py), so that the
    unfiltered list's count does not scan a million index entries
    (docs/benchmarks.md). Exact: each insert or delete statement adds its row
    count in the same transaction, to a counter row no other transaction
    holds (SKIP LOCKED), so creates never wait on each other's counter. The
    total is the sum of all SHARDS rows, which only a recount creates. Fewer
    rows (SQLite has none; counters emptied or damaged) means unknown, and
    the lists count the table."""

    SHARDS = 64

    shard = models.PositiveSmallIntegerField(primary_key=True)
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("work-order count")
        verbose_name_plural = _("work-order counts")

    def __str__(self):
        return f"shard {self.shard}: {self.n}"

    @classmethod
    def total(cls, connection) -> int | None:
        """All work orders, from the counters; None where none are kept."""
        if connection.vendor != "postgresql":
            return None
        found = cls.objects.using(connection.alias).aggregate(total=models.Sum("n"), rows=models.Count("shard"))
        return found["total"] if found["rows"] == cls.SHARDS else None


def actions_allowed_in(state: str) -> list[str]:
    """The actions the state machine allows from `state`, by contract name."""
    allowed = []
    for action, method in ACTIONS.items():
        meta = getattr(WorkOrder, method)._django_fsm
        if meta.has_transition(state):
            allowed.append(action)
    return allowed


class WorkOrderEvent(TransitionRecord):
    """Immutable history of a work order: one row per action."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="events", verbose_name=_("work order"))

    class Meta(TransitionRecord.Meta):
        verbose_name = _("work order history")
        verbose_name_plural = _("work order history")
        indexes = [models.Index(fields=["order", "at"], name="wo_event_order_at")]
