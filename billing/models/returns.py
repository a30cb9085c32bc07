"""Returns and factory returns (issue 6, items 6 and 7; api-contract.md,
Returns; domain.md section 5, seeds/004).

- `ReturnRule`: the assessment rules as data, per product category (the
  energy-saving-lamp rules are seeded by migration), editable in the admin.
- `ReturnRequest`: a consumer's or dealer's return (exchange, refund,
  depot repair, or rejected with the reason the customer is told), with a
  dealer's batch-quality dispute as a variant.
- `ReturnWindow`: the week of the month each province returns to the factory.
- `FactoryReturn` with `FactoryReturnItem`: an office's monthly return to
  the factory (不良品返厂申请表)."""

import calendar
import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, can_proceed, transition

from servicedesk.accounts.models import Partner, Unit
from servicedesk.core.history import TransitionRecord
from servicedesk.customers.models import Address, Customer, CustomerProduct
from servicedesk.deadlines.models import Deadline

__all__ = [
    "Decision", "RequestedBy", "ReturnRule", "ReturnRequest", "ReturnEvent", "RETURN_ACTIONS",
    "ReturnWindow", "FactoryReturn", "FactoryReturnItem", "FactoryReturnEvent", "FACTORY_RETURN_ACTIONS",
    "add_months", "in_term", "window_days", "normalise_place", "return_actions_allowed",
    "factory_return_actions_allowed",
]


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later; when that month is shorter, its last day
    (31 Jan + 1 month = 28/29 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def in_term(start: datetime.date, months: int, on: datetime.date) -> bool:
    """In term on `on` when `on` is no later than the same day `months`
    months after `start` (that day included)."""
    return on <= add_months(start, months)


def bilingual(en, zh):
    """The customer is told in Chinese; English pages show the English text."""
    return zh if (get_language() or "").lower().startswith("zh") and zh else (en or zh)


LATE_REPAIR_REASON_EN = "The depot repair was not finished within 3 days: the product is exchanged."
LATE_REPAIR_REASON_ZH = "返修未能在 3 天内完成，为您调换产品。"


class Decision(models.TextChoices):
    EXCHANGE = "exchange", _("Exchange")
    REFUND = "refund", _("Refund")
    REPAIR = "repair", _("Depot repair")
    REJECTED = "rejected", pgettext_lazy("return decision", "Rejected")


class RequestedBy(models.TextChoices):
    CONSUMER = "consumer", _("Consumer")
    DEALER = "dealer", _("Dealer")


class ReturnRule(models.Model):
    """One line of a category's assessment table. The rules that apply to a
    return are those of its category plus the general ones (blank category),
    for its requester (or any), tried by `order`; the first that matches
    decides, with the reason the customer is told."""

    class Kind(models.TextChoices):
        FINDING = "finding", _("A finding has this value")
        PROOF = "proof", _("The date the term counts from is missing (no proof)")
        TERM = "term", _("Within the term")
        OTHERWISE = "otherwise", _("Otherwise")

    class CountedFrom(models.TextChoices):
        PURCHASE = "purchase", _("Purchase date")
        MANUFACTURE = "manufacture", _("Manufacture date")

    category = models.SlugField(_("category"), max_length=50, blank=True, db_index=True,
                                help_text=_("Product category slug; blank for the rules of every category."))
    requested_by = models.CharField(_("requested by"), max_length=10, choices=RequestedBy.choices, blank=True,
                                    help_text=_("Blank: consumers and dealers."))
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    kind = models.CharField(_("condition"), max_length=10, choices=Kind.choices)
    finding = models.SlugField(_("finding"), max_length=40, blank=True)
    expected = models.BooleanField(_("finding value"), default=True)
    finding_required = models.BooleanField(
        _("finding required"), default=True,
        help_text=_("A required finding must be given at assessment (400 without it); an optional one counts as false."))
    finding_label = models.CharField(_("finding label (English)"), max_length=100, blank=True)
    finding_label_zh = models.CharField(_("finding label (Chinese)"), max_length=100, blank=True)
    term_months = models.PositiveSmallIntegerField(_("term in months"), null=True, blank=True)
    counted_from = models.CharField(_("counted from"), max_length=12, choices=CountedFrom.choices, blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    reason = models.CharField(_("reason (English)"), max_length=300)
    reason_zh = models.CharField(_("reason (Chinese)"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["category", "order", "id"]
        verbose_name = _("return rule")
        verbose_name_plural = _("return rules")
        constraints = [
            models.CheckConstraint(condition=~Q(kind="finding") | ~Q(finding=""), name="return_rule_finding_named"),
            models.CheckConstraint(condition=~Q(kind="term") | Q(term_months__isnull=False) & ~Q(counted_from=""),
                                   name="return_rule_term_complete"),
            models.CheckConstraint(condition=~Q(kind="proof") | ~Q(counted_from=""), name="return_rule_proof_date"),
        ]

    def __str__(self):
        return f"{self.category or '*'} #{self.order} {self.kind} → {self.decision}"

    @property
    def reason_text(self):
        return bilingual(self.reason, self.reason_zh)

    @property
    def label(self):
        return bilingual(self.finding_label or self.finding, self.finding_label_zh)


class ReturnRequest(FSMModelMixin, models.Model):
    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", pgettext_lazy("return state", "Rejected")
        FULFILLED = "fulfilled", _("Fulfilled")
        CLOSED = "closed", pgettext_lazy("return state", "Closed")

    class Payer(models.TextChoices):
        COMPANY = "company", _("The company")
        DEALER = "dealer", _("The dealer")

    OPEN_STATES = (State.REQUESTED, State.APPROVED)

    number = models.CharField(_("number"), max_length=24, unique=True, null=True, blank=True)
    state = FSMField(_("state"), max_length=12, choices=State.choices, default=State.REQUESTED, protected=True)
    requested_by = models.CharField(_("requested by"), max_length=10, choices=RequestedBy.choices)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="returns", verbose_name=_("customer"))
    address = models.ForeignKey(Address, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("address"))
    product = models.ForeignKey(CustomerProduct, on_delete=models.PROTECT, related_name="returns",
                                verbose_name=_("product"))
    reason = models.TextField(_("reason given"))
    requested_at = models.DateTimeField(_("requested at"))
    # A dealer's batch-quality dispute (seeds/004).
    batch = models.BooleanField(_("batch-quality dispute"), default=False)
    batch_code = models.CharField(_("batch code"), max_length=60, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    # The technician customer service sends on site for a batch dispute: the
    # only technician who sees the dispute and records its visit.
    technician = models.ForeignKey("technicians.Technician", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="returns", verbose_name=_("technician sent on site"))

    findings = models.JSONField(_("findings"), default=dict, blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(_("reason told (English)"), blank=True)
    decision_reason_zh = models.TextField(_("reason told (Chinese)"), blank=True)
    rule = models.ForeignKey(ReturnRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("rule applied"))
    assessed_at = models.DateTimeField(_("assessed at"), null=True, blank=True)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("assessed by"))
    transport_paid_by = models.CharField(_("transport paid by"), max_length=10, choices=Payer.choices, blank=True)
    # Depot repair past its 3 days (seeds/004): the sweep proposes an exchange.
    proposed_decision = models.CharField(_("proposed decision"), max_length=10, choices=Decision.choices, blank=True)
    proposed_reason = models.TextField(_("why it is proposed"), blank=True)
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)
    fulfil_note = models.TextField(_("fulfilment note"), blank=True)
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("received by"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("owner"))
    accepting_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                       verbose_name=_("accepting unit"))
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="returns",
                                verbose_name=_("partner"))
    # What the partner sent, shown to partners instead of the file matched by phone (issue 16, item 1).
    customer_as_sent = models.JSONField(_("customer as sent"), null=True, blank=True, editable=False)

    deadlines = GenericRelation(Deadline, related_query_name="return_request")

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        indexes = [
            models.Index(fields=["state", "-requested_at"], name="return_state"),
            models.Index(fields=["partner", "-requested_at"], name="return_partner"),
            models.Index(fields=["technician", "-requested_at"], name="return_technician"),
            # The sweep's question every 15 s: depot repairs with no exchange proposed yet (a few rows).
            models.Index(fields=["id"], name="return_repair_unproposed",
                         condition=Q(state="approved", decision="repair", proposed_decision="")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="return_quantity_positive"),
            models.CheckConstraint(condition=~Q(state="approved") | ~Q(decision="") & ~Q(decision="rejected"),
                                   name="return_approved_has_decision"),
        ]

    def __str__(self):
        return self.number or f"#{self.pk}"

    @property
    def reason_told(self):
        return bilingual(self.decision_reason, self.decision_reason_zh)

    @property
    def proposal_open(self):
        return self.state == self.State.APPROVED and self.proposed_decision == Decision.EXCHANGE \
            and self.decision == Decision.REPAIR

    def get_absolute_url(self):
        from django.urls import NoReverseMatch, reverse

        try:
            return reverse("return-detail", args=[self.pk])
        except NoReverseMatch:
            return f"/api/v1/returns/{self.pk}/"

    @classmethod
    def deadline_subjects(cls, ids):
        return cls.objects.select_related("owner").in_bulk(ids)

    def deadline_responsible(self):
        """A partner's API user files returns but is nobody to warn: the
        accepting unit's supervisors hear of it instead (as for work orders)."""
        owner = self.owner
        if owner is not None and owner.partner_id:
            owner = None
        return self.accepting_unit_id, owner


    # --- transitions: fields only ----------------------------------------------

    def _not_batch(self):
        return not self.batch

    def _is_batch(self):
        return self.batch

    def _proposal_open(self):
        return self.proposal_open

    @transition(field=state, source=State.REQUESTED, target=State.APPROVED, conditions=[_not_batch])
    def assess(self, **decided):
        self._decide(**decided)

    @transition(field=state, source=State.REQUESTED, target=State.REJECTED, conditions=[_not_batch])
    def assess_reject(self, **decided):
        self._decide(**decided)

    @transition(field=state, source=State.REQUESTED, target=State.REQUESTED, conditions=[_is_batch])
    def assign(self, *, technician, at):
        self.technician = technician

    @transition(field=state, source=State.REQUESTED, target=State.APPROVED, conditions=[_is_batch])
    def visit(self, **decided):
        self._decide(**decided)

    @transition(field=state, source=State.REQUESTED, target=State.REJECTED, conditions=[_is_batch])
    def visit_reject(self, **decided):
        self._decide(**decided)

    def _decide(self, *, findings, decision, reason, reason_zh, rule, by, at, transport_paid_by=""):
        self.findings = findings
        self.decision = decision
        self.decision_reason = reason
        self.decision_reason_zh = reason_zh
        self.rule = rule
        self.assessed_by = by
        self.assessed_at = at
        self.transport_paid_by = transport_paid_by

    @transition(field=state, source=State.APPROVED, target=State.APPROVED, conditions=[_proposal_open])
    def accept_exchange(self, *, at):
        # What the customer is told, in both languages (seeds/004: past 3 days, exchange or return).
        self.decision = Decision.EXCHANGE
        self.decision_reason = LATE_REPAIR_REASON_EN
        self.decision_reason_zh = LATE_REPAIR_REASON_ZH

    @transition(field=state, source=State.APPROVED, target=State.FULFILLED)
    def fulfil(self, *, note, at):
        self.fulfil_note = note
        self.fulfilled_at = at

    @transition(field=state, source=[State.FULFILLED, State.REJECTED], target=State.CLOSED)
    def close(self, *, at):
        self.closed_at = at


# Contract action names -> transition methods (assess and visit have two
# outcomes each; the first is the one the list of allowed actions asks).
RETURN_ACTIONS = {
    "assess": "assess",
    "visit": "visit",
    "assign": "assign",
    "accept-exchange": "accept_exchange",
    "fulfil": "fulfil",
    "close": "close",
}


class ReturnEvent(TransitionRecord):
    return_request = models.ForeignKey(ReturnRequest, on_delete=models.PROTECT, related_name="events",
                                       verbose_name=_("return"))

    class Meta(TransitionRecord.Meta):
        verbose_name = _("return history")
        verbose_name_plural = _("return history")
        indexes = [models.Index(fields=["return_request", "at"], name="return_event_at")]
        constraints = [
            # One exchange proposal per return, whatever the number of sweeps (the proof of "once").
            models.UniqueConstraint(fields=["return_request"], condition=Q(action="propose-exchange"),
                                    name="return_event_one_exchange_proposal"),
        ]


# --- return to factory -------------------------------------------------------------

PLACE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "特别行政区", "省", "市")


def normalise_place(name: str) -> str:
    """北京市 / 北京 / Beijing → 北京 (the suffixes 省, 市, 自治区 … dropped, case ignored)."""
    name = (name or "").strip()
    for suffix in PLACE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    return name.lower()


def window_days(month: datetime.date, week: int) -> tuple[datetime.date, datetime.date]:
    """Week N of a month is its days 7(N-1)+1 … 7N (week 1: the 1st to the
    7th), whatever the weekday."""
    first = month.replace(day=1) + datetime.timedelta(days=7 * (week - 1))
    return first, first + datetime.timedelta(days=6)


class ReturnWindow(models.Model):
    """The week of the month a province (or, as the document lists Fuzhou,
    Xiamen and Quanzhou, a city) returns to the factory (domain.md section 5,
    seeds/004)."""

    place = models.CharField(_("province or city"), max_length=50, unique=True,
                             help_text=_("Chinese name without 省/市 (北京, 福州); matched against the office's province, then its city."))
    place_en = models.CharField(_("name in English"), max_length=50, blank=True)
    week = models.PositiveSmallIntegerField(_("week of the month"), help_text=_("Week N is days 7(N-1)+1 to 7N."))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["week", "place"]
        verbose_name = _("return-to-factory window")
        verbose_name_plural = _("return-to-factory windows")
        constraints = [models.CheckConstraint(condition=Q(week__gte=1, week__lte=4), name="return_window_week_1_to_4")]

    def __str__(self):
        return f"{self.place} ({self.week})"

    @classmethod
    def for_unit(cls, unit):
        """The window of an office: by its region's province, else its city
        (the region's name), else the parent unit's."""
        seen = set()
        while unit is not None and unit.pk not in seen:
            seen.add(unit.pk)
            region = unit.region
            if region is not None:
                names = [normalise_place(region.province), normalise_place(region.name)]
                windows = {normalise_place(w.place): w for w in cls.objects.all()}
                windows.update({normalise_place(w.place_en): w for w in windows.copy().values() if w.place_en})
                for name in names:
                    if name in windows:
                        return windows[name]
            unit = unit.parent
        return None


class FactoryReturn(FSMModelMixin, models.Model):
    """不良品返厂申请表: an office's monthly return of defective goods and parts."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SIGNED = "signed", _("Signed")
        APPROVED = "approved", _("Approved")
        SHIPPED = "shipped", _("Shipped")
        ARRIVED = "arrived", _("Arrived")
        CHECKED = "checked", _("Checked")
        DECIDED = "decided", _("Decided")
        CLOSED = "closed", pgettext_lazy("factory return state", "Closed")

    number = models.CharField(_("number"), max_length=24, unique=True, null=True, blank=True)
    state = FSMField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT, protected=True)
    office = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="factory_returns", verbose_name=_("office"))
    month = models.DateField(_("month"), help_text=_("The first day of the month it returns in."))
    note = models.TextField(_("note"), blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("signed by"))
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    special_approval = models.TextField(_("special approval"), blank=True,
                                        help_text=_("Batch problems or other exceptions: ships outside the window."))
    special_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                            blank=True, related_name="+", verbose_name=_("specially approved by"))
    special_approved_at = models.DateTimeField(_("specially approved at"), null=True, blank=True)
    rolled_over = models.PositiveSmallIntegerField(_("times rolled over"), default=0)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    waybill = models.CharField(_("waybill"), max_length=60, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("checked by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))

    deadlines = GenericRelation(Deadline, related_query_name="factory_return")

    class Meta:
        ordering = ["-month", "office__name", "-id"]
        verbose_name = _("factory return")
        verbose_name_plural = _("factory returns")
        indexes = [models.Index(fields=["office", "-month"], name="factory_return_office_month")]
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="factory_return_month_first_day"),
        ]

    def __str__(self):
        return self.number or f"#{self.pk}"

    def get_absolute_url(self):
        from django.urls import NoReverseMatch, reverse

        try:
            return reverse("factory-return-detail", args=[self.pk])
        except NoReverseMatch:
            return f"/api/v1/factory-returns/{self.pk}/"

    @classmethod
    def deadline_subjects(cls, ids):
        return cls.objects.select_related("office").in_bulk(ids)

    def deadline_responsible(self):
        return self.office_id, None

    def window(self):
        return ReturnWindow.for_unit(self.office)

    # --- transitions: fields only ----------------------------------------------

    @transition(field=state, source=State.DRAFT, target=State.SIGNED)
    def sign(self, *, by, at):
        self.signed_by = by
        self.signed_at = at

    @transition(field=state, source=State.SIGNED, target=State.APPROVED)
    def approve(self, *, by, at):
        self.approved_by = by
        self.approved_at = at

    @transition(field=state, source=[State.DRAFT, State.SIGNED, State.APPROVED], target=None)
    def special_approve(self, *, reason, by, at):
        self.special_approval = reason
        self.special_approved_by = by
        self.special_approved_at = at

    @transition(field=state, source=State.APPROVED, target=None)
    def roll_over(self, *, month):
        self.month = month
        self.rolled_over += 1

    @transition(field=state, source=State.APPROVED, target=State.SHIPPED)
    def ship(self, *, waybill, at):
        self.waybill = waybill
        self.shipped_at = at

    @transition(field=state, source=State.SHIPPED, target=State.ARRIVED)
    def arrive(self, *, at):
        self.arrived_at = at

    @transition(field=state, source=State.ARRIVED, target=State.CHECKED)
    def check_count(self, *, by, at):
        self.checked_by = by
        self.checked_at = at

    @transition(field=state, source=State.CHECKED, target=None)
    def decide(self):
        pass

    @transition(field=state, source=State.CHECKED, target=State.DECIDED)
    def decide_all(self, *, at):
        self.decided_at = at

    @transition(field=state, source=State.DECIDED, target=State.CLOSED)
    def close(self, *, at):
        self.closed_at = at


FACTORY_RETURN_ACTIONS = {
    "sign": "sign",
    "approve": "approve",
    "special-approve": "special_approve",
    "ship": "ship",
    "arrive": "arrive",
    "check": "check_count",
    "decide": "decide",
    "close": "close",
}


class FactoryReturnItem(models.Model):
    class Decision(models.TextChoices):
        EXCHANGE = "exchange", _("Exchange")
        CREDIT = "credit", _("Credit")
        REJECTED = "rejected", pgettext_lazy("factory return item decision", "Rejected")

    factory_return = models.ForeignKey(FactoryReturn, on_delete=models.CASCADE, related_name="items",
                                       verbose_name=_("factory return"))
    line = models.PositiveSmallIntegerField(_("line"))
    description = models.CharField(_("goods or part"), max_length=200)
    model = models.CharField(_("model"), max_length=100, blank=True)
    quantity = models.PositiveIntegerField(_("quantity declared"))
    reason = models.CharField(_("reason"), max_length=300)
    counted_quantity = models.PositiveIntegerField(_("quantity counted"), null=True, blank=True)
    condition = models.CharField(_("condition"), max_length=300, blank=True)
    difference = models.IntegerField(_("difference"), null=True, blank=True,
                                     help_text=_("Counted minus declared; logistics' count prevails."))
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    decision_reason = models.CharField(_("reason for the decision"), max_length=300, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["factory_return", "line"]
        verbose_name = _("factory return item")
        verbose_name_plural = _("factory return items")
        constraints = [
            models.UniqueConstraint(fields=["factory_return", "line"], name="factory_return_item_line_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="factory_return_item_quantity_positive"),
            models.CheckConstraint(condition=~Q(decision="rejected") | ~Q(decision_reason=""),
                                   name="factory_return_item_rejection_has_reason"),
        ]

    def __str__(self):
        return f"{self.factory_return} / {self.line}"

    @property
    def accepted_quantity(self):
        """Logistics' count prevails over the declared quantity."""
        return self.counted_quantity if self.counted_quantity is not None else self.quantity


class FactoryReturnEvent(TransitionRecord):
    factory_return = models.ForeignKey(FactoryReturn, on_delete=models.PROTECT, related_name="events",
                                       verbose_name=_("factory return"))

    class Meta(TransitionRecord.Meta):
        verbose_name = _("factory return history")
        verbose_name_plural = _("factory return history")
        indexes = [models.Index(fields=["factory_return", "at"], name="factory_return_event_at")]


def return_actions_allowed(obj) -> list[str]:
    return [a for a, m in RETURN_ACTIONS.items() if can_proceed(getattr(obj, m))]


def factory_return_actions_allowed(obj) -> list[str]:
    return [a for a, m in FACTORY_RETURN_ACTIONS.items()
            if can_proceed(getattr(obj, m)) and m not in ("roll_over",)]
