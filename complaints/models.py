"""Complaints and their loop (api-contract.md, Complaints; domain.md section
4). The record is the task sheet (客户意见处理任务单) of seeds/000: receipt,
content, class, handling unit, investigation, result, the handling unit
head's sign-off, return visit and accountability, in one place."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from servicedesk.accounts.models import Partner, Unit
from servicedesk.core.history import TransitionRecord
from servicedesk.customers.models import Address, Customer, CustomerProduct
from servicedesk.deadlines.models import Deadline
from technicians.models import Technician
from tickets.models import WorkOrder


class Complaint(FSMModelMixin, models.Model):
    class Category(models.TextChoices):
        # seeds/004: product quality; service (attitude, skill, speed, manner); suggestions.
        QUALITY = "quality", _("Product quality")
        SERVICE = "service", _("Service")
        SUGGESTION = "suggestion", _("Suggestion")

    class Cause(models.TextChoices):
        # seeds/004: assign responsibility by type.
        QUALITY = "quality", _("Product quality")
        TRANSPORT = "transport", _("Transport")
        CONTRACT = "contract", _("Contract dispute")
        SERVICE = "service", _("Service by a technician")
        OTHER = "other", _("Other")

    class Source(models.TextChoices):
        PHONE = "phone", _("Phone")
        WALK_IN = "walk_in", _("Walk-in")
        WECHAT = "wechat", _("WeChat")
        EMAIL = "email", _("E-mail")
        PARTNER = "partner", _("Partner system")
        SALES = "sales", _("Forwarded by sales")

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        FORWARDED = "forwarded", _("Forwarded")
        REPLIED = "replied", _("Replied")
        DISPUTED = "disputed", _("Disputed")
        RETURN_VISITED = "return_visited", _("Return visited")
        CLOSED = "closed", pgettext_lazy("complaint state", "Closed")  # 已办结, not a work order's 已关闭
        REJECTED = "rejected", _("Rejected")

    OPEN_STATES = (State.RECEIVED, State.FORWARDED, State.REPLIED, State.DISPUTED, State.RETURN_VISITED)

    number = models.CharField(_("number"), max_length=24, unique=True, null=True, blank=True)
    state = FSMField(_("state"), max_length=20, choices=State.choices, default=State.RECEIVED, protected=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    cause = models.CharField(_("cause"), max_length=20, choices=Cause.choices, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.PHONE)
    complaint_class = models.PositiveSmallIntegerField(_("class"), default=1)
    class_reason = models.TextField(_("why this class"), blank=True)
    external = models.BooleanField(_("threatens to complain outside"), default=False)
    media = models.BooleanField(_("reached the media"), default=False)

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("customer")
    )
    address = models.ForeignKey(
        Address, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("address")
    )
    product = models.ForeignKey(
        CustomerProduct, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints",
        verbose_name=_("product"),
    )
    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints",
        verbose_name=_("work order"),
    )
    technician = models.ForeignKey(
        Technician, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints",
        verbose_name=_("technician complained about"),
    )
    unit_complained_about = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit complained about")
    )
    description = models.TextField(_("content"))
    received_at = models.DateTimeField(_("received at"))

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("received by")
    )
    # First-question responsibility (seeds/000): the agent who took it owns it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("owner"),
    )
    accepting_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("accepting unit")
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints", verbose_name=_("partner")
    )
    external_ref = models.CharField(_("external reference"), max_length=100, blank=True)
    # What the partner sent (name, phone, address), shown to partners instead
    # of the customer's file it was matched to by phone (contract: Retries,
    # privacy, abuse). Null on orders no partner created.
    customer_as_sent = models.JSONField(_("customer as sent"), null=True, blank=True, editable=False)

    handling_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints",
        verbose_name=_("handling unit"),
    )
    forwarded_at = models.DateTimeField(_("forwarded at"), null=True, blank=True)
    investigation = models.TextField(_("investigation"), blank=True)
    result = models.TextField(_("result"), blank=True)
    head_signed_by = models.CharField(_("signed by the handling unit's head"), max_length=100, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("replied by"),
    )
    satisfied = models.BooleanField(_("customer satisfied"), null=True, blank=True)
    return_visit_note = models.TextField(_("return visit"), blank=True)
    return_visited_at = models.DateTimeField(_("return visited at"), null=True, blank=True)
    disputes = models.PositiveSmallIntegerField(_("disputes"), default=0)
    reject_reason = models.TextField(_("reason told to the customer"), blank=True)
    improvement = models.TextField(_("improvement action"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    deadlines = GenericRelation(Deadline, related_query_name="complaint")

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            models.Index(fields=["-received_at", "-id"], name="complaint_received"),
            models.Index(fields=["state", "-received_at"], name="complaint_state"),
            models.Index(fields=["handling_unit", "state"], name="complaint_unit_queue"),
            models.Index(fields=["customer", "-received_at"], name="complaint_customer"),
            models.Index(fields=["technician"], name="complaint_technician"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(complaint_class__gte=1, complaint_class__lte=3), name="complaint_class_1_to_3"
            ),
            models.UniqueConstraint(
                fields=["partner", "external_ref"],
                condition=Q(partner__isnull=False) & ~Q(external_ref=""),
                name="complaint_external_ref_unique_per_partner",
            ),
        ]

    def __str__(self):
        return self.number or f"#{self.pk}"

    def get_absolute_url(self):
        from django.urls import NoReverseMatch, reverse

        try:
            return reverse("complaint-detail", args=[self.pk])
        except NoReverseMatch:  # pages not routed (API-only deployment)
            return f"/api/v1/complaints/{self.pk}/"

    @property
    def is_open(self):
        return self.state in self.OPEN_STATES

    @classmethod
    def deadline_subjects(cls, ids):
        return cls.objects.select_related("handling_unit", "accepting_unit", "owner").in_bulk(ids)

    def deadline_responsible(self):
        """The unit whose step is late: the handling unit once forwarded."""
        if self.state in (self.State.FORWARDED, self.State.DISPUTED) and self.handling_unit_id:
            return self.handling_unit_id, None
        return self.accepting_unit_id, self.owner

    # --- transitions: fields only --------------------------------------------

    @transition(field=state, source=State.RECEIVED, target=State.FORWARDED)
    def forward(self, *, handling_unit, at):
        self.handling_unit = handling_unit
        self.forwarded_at = at

    @transition(field=state, source=[State.FORWARDED, State.DISPUTED], target=State.REPLIED)
    def reply(self, *, result, investigation, head_signed_by, replier, at):
        self.result = result
        self.investigation = investigation
        self.head_signed_by = head_signed_by
        self.replied_by = replier
        self.replied_at = at

    @transition(field=state, source=State.REPLIED, target=State.RETURN_VISITED)
    def return_visit(self, *, satisfied, note_text, at):
        self.satisfied = satisfied
        self.return_visit_note = note_text
        self.return_visited_at = at

    @transition(field=state, source=State.REPLIED, target=State.DISPUTED)
    def dispute(self, *, note_text, at):
        self.satisfied = False
        self.return_visit_note = note_text
        self.return_visited_at = at
        self.disputes += 1

    @transition(field=state, source=list(OPEN_STATES), target=None)
    def escalate(self, *, complaint_class, reason):
        self.complaint_class = complaint_class
        self.class_reason = reason

    @transition(field=state, source=State.RETURN_VISITED, target=State.CLOSED)
    def close(self, *, improvement, at):
        self.improvement = improvement
        self.closed_at = at

    @transition(field=state, source=State.RECEIVED, target=State.CLOSED)
    def close_at_once(self, *, result, replier, at):
        """seeds/002: a class 1 complaint handled directly by customer service, the result filed (issue 15)."""
        self.result = result
        self.replied_by = replier
        self.replied_at = at
        self.closed_at = at

    @transition(field=state, source=State.RECEIVED, target=State.REJECTED)
    def reject(self, *, reason, at):
        self.reject_reason = reason
        self.closed_at = at


# Contract action names -> transition methods. "return-visit" is one action
# with two transitions: satisfied -> return_visited, else disputed.
ACTIONS = {
    "forward": "forward",
    "reply": "reply",
    "return-visit": "return_visit",
    "escalate": "escalate",
    "close": "close",
    "reject": "reject",
    "close-at-once": "close_at_once",
}


def actions_allowed_in(state: str) -> list[str]:
    return [a for a, m in ACTIONS.items() if getattr(Complaint, m)._django_fsm.has_transition(state)]


class ComplaintEvent(TransitionRecord):
    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="events", verbose_name=_("complaint")
    )

    class Meta(TransitionRecord.Meta):
        verbose_name = _("complaint history")
        verbose_name_plural = _("complaint history")
        indexes = [models.Index(fields=["complaint", "at"], name="complaint_event_at")]


class CaseStudy(models.Model):
    """Written after a class-3 complaint and shared with the department
    (seeds/002)."""

    complaint = models.OneToOneField(
        Complaint, on_delete=models.PROTECT, related_name="case_study", verbose_name=_("complaint")
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("case study"))
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )
    written_at = models.DateTimeField(_("written at"))

    class Meta:
        ordering = ["-written_at"]
        verbose_name = _("case study")
        verbose_name_plural = _("case studies")

    def __str__(self):
        return self.title


class Finding(models.Model):
    """Accountability (seeds/000 step 4): the handling unit names the person,
    the rule broken and a proposal; HR decides; the decision is copied to the
    accepting unit."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed to HR")
        DECIDED = "decided", _("Decided")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="findings", verbose_name=_("complaint")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="findings_against", verbose_name=_("person")
    )
    rule = models.TextField(_("rule broken"))
    proposal = models.TextField(_("proposal"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PROPOSED)
    decision = models.TextField(_("HR decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [
            models.CheckConstraint(
                condition=Q(state="proposed", decided_at__isnull=True) | Q(state="decided", decided_at__isnull=False),
                name="finding_decided_has_time",
            )
        ]

    def __str__(self):
        return f"{self.complaint} – {self.person}"
