"""Warranty terms, entitlement, the fee schedule, charges, payments, parts stock (issue 6).

Rules and their sources are in docs/billing.md. Transitions change fields
only; billing.services.fees locks, records history and computes totals."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from servicedesk.accounts.models import Unit
from servicedesk.core.history import ImmutableRowError, TransitionRecord
from servicedesk.customers.models import ProductCategory

__all__ = [
    "BillingRule", "CategoryBillingPolicy", "WarrantyTerm", "WorkOrderEntitlement",
    "FeeSchedule", "FeeItem", "PartPrice", "Quote", "QuoteLine", "QuoteEvent", "Payment", "Refund",
    "ServicePointDeposit", "StockItem", "StockMovement",
]

MONEY = {"max_digits": 12, "decimal_places": 2}


class BillingRule(models.TextChoices):
    PARTS_PLUS_LABOUR = "parts_plus_labour", _("Parts and labour from the schedule")
    # seeds/004: out of warranty, lighting charges the parts plus 10% of their price as repair fee.
    PARTS_PLUS_PERCENT = "parts_plus_percent", _("Parts plus a percentage of the parts price")


class CategoryBillingPolicy(models.Model):
    """How a product line is charged out of warranty, and its repair warranty."""

    category = models.OneToOneField(
        ProductCategory, on_delete=models.CASCADE, related_name="billing_policy", verbose_name=_("product line")
    )
    rule = models.CharField(_("billing rule"), max_length=30, choices=BillingRule.choices,
                            default=BillingRule.PARTS_PLUS_LABOUR)
    repair_fee_percent = models.DecimalField(
        # xgettext:no-python-format
        _("repair fee (% of parts)"), max_digits=5, decimal_places=2, default=Decimal("0"),
        help_text=_("Only for the rule “parts plus a percentage”."),
    )
    # seeds/003: a repair carries its own warranty (3 months, 6 months or 1 year); empty = REPAIR_WARRANTY_DAYS.
    repair_warranty_days = models.PositiveIntegerField(
        _("repair warranty (days)"), null=True, blank=True,
        help_text=_("Empty: the organisation's default (REPAIR_WARRANTY_DAYS)."),
    )

    class Meta:
        verbose_name = _("billing policy of a product line")
        verbose_name_plural = _("billing policies of product lines")
        constraints = [
            models.CheckConstraint(condition=Q(repair_fee_percent__gte=0) & Q(repair_fee_percent__lte=100),
                                   name="billing_policy_percent_0_100"),
        ]

    def __str__(self):
        return f"{self.category} · {self.get_rule_display()}"


class WarrantyTerm(models.Model):
    """seeds/004: warranty per product line and component, counted from the
    purchase (consumers) or from the manufacture date code (dealers)."""

    class CountedFrom(models.TextChoices):
        PURCHASE = "purchase", _("Purchase date")
        MANUFACTURE = "manufacture", _("Manufacture date")

    class AppliesTo(models.TextChoices):
        CONSUMER = "consumer", _("Consumer")
        DEALER = "dealer", _("Dealer")

    category = models.ForeignKey(ProductCategory, on_delete=models.CASCADE, related_name="warranty_terms",
                                 verbose_name=_("product line"))
    component = models.CharField(_("component"), max_length=50, blank=True,
                                 help_text=_("Empty: the whole product."))
    months = models.PositiveSmallIntegerField(_("months"), help_text=_("0: no warranty."))
    counted_from = models.CharField(_("counted from"), max_length=20, choices=CountedFrom.choices,
                                    default=CountedFrom.PURCHASE)
    applies_to = models.CharField(_("applies to"), max_length=20, choices=AppliesTo.choices,
                                  default=AppliesTo.CONSUMER)
    note = models.CharField(_("note"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["category__slug", "applies_to", "component"]
        verbose_name = _("warranty term")
        verbose_name_plural = _("warranty terms")
        constraints = [
            models.UniqueConstraint(fields=["category", "component", "applies_to"], name="warranty_term_unique"),
        ]

    def __str__(self):
        return f"{self.category} {self.component or '*'} {self.months}m ({self.applies_to})"


class WorkOrderEntitlement(models.Model):
    """Decided when the work order is created (billing.services.fees.entitlement_decide)."""

    class Status(models.TextChoices):
        IN_WARRANTY = "in_warranty", pgettext_lazy("warranty status", "In warranty")
        OUT_OF_WARRANTY = "out_of_warranty", _("Out of warranty")
        NO_PROOF = "no_proof", _("No proof of purchase")

    class Basis(models.TextChoices):
        PURCHASE = "purchase_date", _("Purchase date")
        MANUFACTURE = "manufacture_date", _("Manufacture date code")
        REPAIR_WARRANTY = "repair_warranty", _("Repair warranty")
        NONE = "none", _("None")

    order = models.OneToOneField("tickets.WorkOrder", on_delete=models.CASCADE, related_name="entitlement",
                                 verbose_name=_("work order"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    basis = models.CharField(_("basis"), max_length=20, choices=Basis.choices, default=Basis.NONE)
    requested_by = models.CharField(_("requested by"), max_length=20, choices=WarrantyTerm.AppliesTo.choices,
                                    default=WarrantyTerm.AppliesTo.CONSUMER)
    term_months = models.PositiveSmallIntegerField(_("term (months)"), null=True, blank=True)
    term_days = models.PositiveIntegerField(_("term (days)"), null=True, blank=True)
    expires_on = models.DateField(_("covered until"), null=True, blank=True)
    repair_of = models.ForeignKey("tickets.WorkOrder", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("repair warranty of"))
    components = models.JSONField(_("components"), default=list, blank=True)
    decided_on = models.DateField(_("decided for the date"))
    decided_at = models.DateTimeField(_("decided at"))
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")

    def __str__(self):
        return f"{self.order_id}: {self.status}"

    @property
    def covered_components(self):
        return {c["component"] for c in self.components if c.get("covered")}


class FeeSchedule(models.Model):
    """seeds/001, seeds/003: one public fee schedule shown to the customer; versioned by effective dates."""

    version = models.SlugField(_("version"), max_length=30, unique=True)
    title = models.CharField(_("title"), max_length=200)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True, help_text=_("Empty: open-ended."))
    published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-effective_from", "-id"]
        verbose_name = _("fee schedule")
        verbose_name_plural = _("fee schedules")
        constraints = [
            models.CheckConstraint(condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                                   name="fee_schedule_dates_ordered"),
        ]

    def __str__(self):
        return f"{self.title} ({self.version})"


class FeeItem(models.Model):
    """A labour item of a schedule; no product line = every line."""

    schedule = models.ForeignKey(FeeSchedule, on_delete=models.CASCADE, related_name="labour",
                                 verbose_name=_("fee schedule"))
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    category = models.ForeignKey(ProductCategory, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("product line"))
    price = models.DecimalField(_("price"), **MONEY)

    class Meta:
        ordering = ["schedule", "category__slug", "code"]
        verbose_name = _("labour item")
        verbose_name_plural = _("labour items")
        constraints = [
            models.UniqueConstraint(fields=["schedule", "code"], name="fee_item_code_unique"),
            models.CheckConstraint(condition=Q(price__gte=0), name="fee_item_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        if self.schedule_id and PartPrice.objects.filter(schedule_id=self.schedule_id, code=self.code).exists():
            raise ValidationError({"code": _("A part of this schedule has this code already.")})


class PartPrice(models.Model):
    """A part of a schedule's price list. `component` names the warranty term that covers it."""

    schedule = models.ForeignKey(FeeSchedule, on_delete=models.CASCADE, related_name="parts",
                                 verbose_name=_("fee schedule"))
    code = models.CharField(_("part code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    category = models.ForeignKey(ProductCategory, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("product line"))
    component = models.CharField(_("component"), max_length=50, blank=True,
                                 help_text=_("The warranty term's component; empty: the whole product's term."))
    price = models.DecimalField(_("price"), **MONEY)

    class Meta:
        ordering = ["schedule", "category__slug", "code"]
        verbose_name = _("part price")
        verbose_name_plural = _("part prices")
        constraints = [
            models.UniqueConstraint(fields=["schedule", "code"], name="part_price_code_unique"),
            models.CheckConstraint(condition=Q(price__gte=0), name="part_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        if self.schedule_id and FeeItem.objects.filter(schedule_id=self.schedule_id, code=self.code).exists():
            raise ValidationError({"code": _("A labour item of this schedule has this code already.")})


class Quote(FSMModelMixin, models.Model):
    """The charge of a work order: lines from the schedule in force, shown to
    and accepted by the customer before the work, then charged and paid."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Shown to the customer")
        ACCEPTED = "accepted", _("Accepted by the customer")
        CHARGED = "charged", _("Charged")
        PAID = "paid", _("Paid")

    order = models.OneToOneField("tickets.WorkOrder", on_delete=models.PROTECT, related_name="quote",
                                 verbose_name=_("work order"))
    schedule = models.ForeignKey(FeeSchedule, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("fee schedule"))
    state = FSMField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT, protected=True)
    rule = models.CharField(_("billing rule"), max_length=30, choices=BillingRule.choices)
    # xgettext:no-python-format
    repair_fee_percent = models.DecimalField(_("repair fee (% of parts)"), max_digits=5, decimal_places=2,
                                             default=Decimal("0"))
    entitlement_status = models.CharField(_("entitlement"), max_length=20,
                                          choices=WorkOrderEntitlement.Status.choices)
    parts_total = models.DecimalField(_("parts"), default=Decimal("0"), **MONEY)
    labour_total = models.DecimalField(_("labour"), default=Decimal("0"), **MONEY)
    repair_fee = models.DecimalField(_("repair fee"), default=Decimal("0"), **MONEY)
    total = models.DecimalField(_("total"), default=Decimal("0"), **MONEY)
    accepted_by_name = models.CharField(_("accepted by (customer)"), max_length=100, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    charged_at = models.DateTimeField(_("charged at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        constraints = [models.CheckConstraint(condition=Q(total__gte=0), name="quote_total_not_negative")]

    def __str__(self):
        return f"{self.order} · {self.total}"

    @property
    def has_paid_lines(self):
        return self.total > 0

    @transition(field=state, source=State.DRAFT, target=State.DRAFT)
    def revise(self):
        self.accepted_by_name = ""
        self.accepted_at = None

    @transition(field=state, source=State.DRAFT, target=State.ACCEPTED)
    def accept(self, *, accepted_by_name, at):
        self.accepted_by_name = accepted_by_name
        self.accepted_at = at

    @transition(field=state, source=State.ACCEPTED, target=State.CHARGED)
    def charge(self, *, at):
        self.charged_at = at

    @transition(field=state, source=State.CHARGED, target=State.PAID)
    def settle(self):
        pass


QUOTE_ACTIONS = {"revise": "revise", "accept": "accept", "charge": "charge", "settle": "settle"}


def quote_actions_allowed_in(state: str) -> list[str]:
    return [a for a, m in QUOTE_ACTIONS.items() if getattr(Quote, m)._django_fsm.has_transition(state)]


class QuoteLine(models.Model):
    class Kind(models.TextChoices):
        PART = "part", _("Part")
        LABOUR = "labour", _("Labour")
        REPAIR_FEE = "repair_fee", _("Repair fee")

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines", verbose_name=_("quote"))
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    amount = models.DecimalField(_("amount"), **MONEY)
    free = models.BooleanField(_("free"), default=False)
    free_reason = models.CharField(_("why free"), max_length=200, blank=True)

    class Meta:
        ordering = ["quote", "position"]
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")


class QuoteEvent(TransitionRecord):
    """Immutable history of a quote: quoted, accepted, charged, payments, refunds."""

    quote = models.ForeignKey(Quote, on_delete=models.PROTECT, related_name="events", verbose_name=_("quote"))

    class Meta(TransitionRecord.Meta):
        verbose_name = _("charge history")
        verbose_name_plural = _("charge history")


class Payment(models.Model):
    """seeds/001, seeds/003: online or cash, each with an invoice or receipt."""

    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        ONLINE = "online", _("Online")

    quote = models.ForeignKey(Quote, on_delete=models.PROTECT, related_name="payments", verbose_name=_("quote"))
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    reference = models.CharField(_("online reference"), max_length=100, blank=True)
    receipt_number = models.CharField(_("receipt or invoice number"), max_length=50, unique=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                           verbose_name=_("recorded by"))
    at = models.DateTimeField(_("paid at"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self):
        return f"{self.receipt_number} · {self.amount}"


class Refund(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds",
                                verbose_name=_("payment"))
    amount = models.DecimalField(_("amount"), **MONEY)
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                           verbose_name=_("recorded by"))
    at = models.DateTimeField(_("refunded at"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]


class ServicePointDeposit(models.Model):
    """seeds/004: a repair point keeps a parts stock against a deposit."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="parts_deposit",
                                verbose_name=_("service point"))
    amount = models.DecimalField(_("deposit"), **MONEY)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("parts deposit")
        verbose_name_plural = _("parts deposits")
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="deposit_not_negative")]

    def __str__(self):
        return f"{self.unit} · {self.amount}"


class StockItem(models.Model):
    """Good parts on hand at a service point, and defective ones taken back
    from customers that wait for the old-for-new swap (seeds/004)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="stock_items",
                             verbose_name=_("service point"))
    part_code = models.CharField(_("part code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    quantity = models.IntegerField(_("quantity"), default=0)
    defective = models.IntegerField(_("defective parts held"), default=0)
    low_threshold = models.PositiveIntegerField(_("low-stock threshold"), default=2)

    class Meta:
        ordering = ["unit__name", "part_code"]
        verbose_name = _("stock item")
        verbose_name_plural = _("stock items")
        constraints = [
            models.UniqueConstraint(fields=["unit", "part_code"], name="stock_item_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_quantity_not_negative"),
            models.CheckConstraint(condition=Q(defective__gte=0), name="stock_defective_not_negative"),
        ]

    def __str__(self):
        return f"{self.unit} · {self.part_code} × {self.quantity}"

    @property
    def is_low(self):
        return self.quantity <= self.low_threshold


class StockMovement(models.Model):
    """The stock ledger: rows are added, never changed (a trigger on PostgreSQL)."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", pgettext_lazy("stock movement", "Receipt")  # 入库, not a payment receipt
        CONSUMPTION = "consumption", _("Used on a work order")
        SWAP = "swap", _("Old-for-new swap")
        ADJUSTMENT = "adjustment", _("Adjustment")

    item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="movements",
                             verbose_name=_("stock item"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    quantity_change = models.IntegerField(_("good parts change"))
    defective_change = models.IntegerField(_("defective parts change"), default=0)
    quantity_after = models.IntegerField(_("good parts after"))
    order = models.ForeignKey("tickets.WorkOrder", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("work order"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                           verbose_name=_("by"))
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ImmutableRowError("Stock movements cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRowError("Stock movements cannot be deleted.")
