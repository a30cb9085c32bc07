"""The one deadline table for every kind of object (work orders now;
complaints, calls, callbacks and returns later), and the SLA policies that
set them. Issue 3 (deadline engine) extends these tables in place."""

import datetime

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SlaPolicy(models.Model):
    """How long a kind of deadline runs for a kind of object. The most
    specific active policy whose conditions match the object wins (highest
    priority first). Defaults are seeded from domain.md with their sources."""

    code = models.SlugField(_("code"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=150)
    subject = models.CharField(
        _("object type"), max_length=60, help_text=_("app_label.model, e.g. tickets.workorder")
    )
    deadline_kind = models.CharField(_("deadline kind"), max_length=40)
    conditions = models.JSONField(
        _("conditions"), default=dict, blank=True,
        help_text=_('Attribute values the object must have, e.g. {"kind": "emergency"}.'),
    )
    priority = models.IntegerField(_("priority"), default=0)
    duration = models.DurationField(_("duration"), null=True, blank=True)
    working_days = models.PositiveSmallIntegerField(_("working days"), null=True, blank=True)
    warn_ratio = models.DecimalField(
        _("warning point"), max_digits=3, decimal_places=2, default=0.75,
        help_text=_("Share of the time after which a warning goes out before breach."),
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["subject", "deadline_kind", "-priority"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(duration__isnull=False) | Q(working_days__isnull=False),
                name="sla_policy_has_a_length",
            )
        ]

    def __str__(self):
        return self.name

    def matches(self, attributes: dict) -> bool:
        return all(attributes.get(key) == value for key, value in self.conditions.items())

    def due_from(self, start: datetime.datetime) -> datetime.datetime:
        if self.working_days is not None:
            from .calendar import add_working_days

            return add_working_days(start, self.working_days)
        return start + self.duration


class Deadline(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")

    kind = models.CharField(_("kind"), max_length=40)
    policy = models.ForeignKey(
        SlaPolicy, on_delete=models.PROTECT, null=True, blank=True, related_name="deadlines", verbose_name=_("policy")
    )
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"))
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(
        _("cancelled at"), null=True, blank=True, help_text=_("Closed without being met, e.g. the order was cancelled.")
    )
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("paused seconds"), default=0)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    # The time of the next step the sweep must take (warning, level 1, 2, 3);
    # null when there is nothing more to do.
    next_escalation_at = models.DateTimeField(_("next escalation at"), null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="deadline_subject"),
            # What the escalation sweep asks for: open rows with a step due.
            models.Index(
                fields=["next_escalation_at"],
                name="deadline_sweep",
                condition=Q(met_at__isnull=True, cancelled_at__isnull=True, next_escalation_at__isnull=False),
            ),
            # What "overdue" lists ask for.
            models.Index(
                fields=["due_at"], name="deadline_open_due", condition=Q(met_at__isnull=True, cancelled_at__isnull=True)
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "kind"],
                condition=Q(met_at__isnull=True, cancelled_at__isnull=True),
                name="deadline_one_open_per_kind",
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.met_at is None and self.cancelled_at is None

    @property
    def breached(self) -> bool:
        """Contract: true once due_at passed while open, or it was met late."""
        end = self.met_at or self.cancelled_at or timezone.now()
        return end > self.due_at

    @property
    def seconds_left(self) -> int:
        return int((self.due_at - timezone.now()).total_seconds())
