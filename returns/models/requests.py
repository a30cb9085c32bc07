"""A consumer's or dealer's return (`ReturnRequest`: exchange, refund,
depot repair, or rejected with the reason the customer is told), with a
dealer's batch-quality dispute as a variant, and its history
(api-contract.md, Returns; domain.md section 5, seeds/004)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, can_proceed, transition

from servicedesk.accounts.models import Partner, Unit
from servicedesk.core.history import TransitionRecord
from servicedesk.customers.models import Address, Customer, CustomerProduct
from servicedesk.deadlines.models import Deadline

from .rules import Decision, RequestedBy, ReturnRule, bilingual

LATE_REPAIR_REASON_EN = "The depot repair was not finished within 3 days: the product is exchanged."
LATE_REPAIR_REASON_ZH = "返修未能在 3 天内完成，为您调换产品。"


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

    findings = models.JSONField(pgettext_lazy("inspection", "findings"), default=dict, blank=True)
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
        db_table = "billing_returnrequest"  # the table kept from billing (moved with its data)
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

    def get_absolute_url(self):
        from django.urls import NoReverseMatch, reverse

        try:
            return reverse("return-detail", args=[self.pk])
        except NoReverseMatch:
            return f"/api/v1/returns/{self.pk}/"

    @property
    def reason_told(self):
        return bilingual(self.decision_reason, self.decision_reason_zh)

    @property
    def proposal_open(self):
        return self.state == self.State.APPROVED and self.proposed_decision == Decision.EXCHANGE \
            and self.decision == Decision.REPAIR

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
        db_table = "billing_returnevent"  # the table kept from billing (moved with its data)
        verbose_name = _("return history")
        verbose_name_plural = _("return history")
        indexes = [models.Index(fields=["return_request", "at"], name="return_event_at")]
        constraints = [
            # One exchange proposal per return, whatever the number of sweeps (the proof of "once").
            models.UniqueConstraint(fields=["return_request"], condition=Q(action="propose-exchange"),
                                    name="return_event_one_exchange_proposal"),
        ]


def return_actions_allowed(obj) -> list[str]:
    return [a for a, m in RETURN_ACTIONS.items() if can_proceed(getattr(obj, m))]
