"""The charge of a work order: its quote (a state machine), lines, history,
payments and refunds. Transitions change fields only; billing.services.fees
locks, records history and computes totals."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from servicedesk.core.history import TransitionRecord

from .schedule import MONEY, FeeSchedule
from .warranty import BillingRule, WorkOrderEntitlement

__all__ = ["Quote", "QuoteLine", "QuoteEvent", "Payment", "Refund"]


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
    code = models.CharField(pgettext_lazy("fee item", "code"), max_length=30)
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

    def __str__(self):
        return f"{self.position}. {self.code} {self.name} × {self.quantity} · {self.amount}"


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

    def __str__(self):
        return f"{self.payment} · −{self.amount}"
