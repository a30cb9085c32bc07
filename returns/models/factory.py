"""An office's monthly return of defective goods and parts to the factory
(`FactoryReturn` with `FactoryReturnItem`, 不良品返厂申请表; domain.md
section 5, seeds/004)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import GET_STATE, FSMField, FSMModelMixin, can_proceed, transition

from servicedesk.accounts.models import Unit
from servicedesk.core.history import TransitionRecord
from servicedesk.deadlines.models import Deadline

from .windows import ReturnWindow


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
    arrived_at = models.DateTimeField(pgettext_lazy("factory return", "arrived at"), null=True, blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("checked by"))
    decided_at = models.DateTimeField(pgettext_lazy("assessment", "decided at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))

    deadlines = GenericRelation(Deadline, related_query_name="factory_return")

    class Meta:
        db_table = "billing_factoryreturn"  # the table kept from billing (moved with its data)
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

    def _decided_when_every_item_is(self, *args, **kwargs):
        return self.State.CHECKED if self.items.filter(decision="").exists() else self.State.DECIDED

    # Items are decided one call at a time (their decisions are saved first,
    # under the lock); the application is decided with its last item.
    @transition(field=state, source=State.CHECKED,
                target=GET_STATE(_decided_when_every_item_is, states=[State.CHECKED, State.DECIDED]))
    def decide(self, *, at):
        if not self.items.filter(decision="").exists():
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
    decided_at = models.DateTimeField(pgettext_lazy("assessment", "decided at"), null=True, blank=True)

    class Meta:
        db_table = "billing_factoryreturnitem"  # the table kept from billing (moved with its data)
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
        db_table = "billing_factoryreturnevent"  # the table kept from billing (moved with its data)
        verbose_name = _("factory return history")
        verbose_name_plural = _("factory return history")
        indexes = [models.Index(fields=["factory_return", "at"], name="factory_return_event_at")]


def factory_return_actions_allowed(obj) -> list[str]:
    return [a for a, m in FACTORY_RETURN_ACTIONS.items()
            if can_proceed(getattr(obj, m)) and m not in ("roll_over",)]
