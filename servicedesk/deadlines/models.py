"""The one deadline table for every kind of object (work orders now;
complaints, calls, callbacks and returns later), and the SLA policies that
set them. Issue 3 (deadline engine) extends these tables in place."""

import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.core.process_cache import WatchedQuerySet


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

    objects = WatchedQuerySet.as_manager()  # caches of it dropped on bulk writes too (issue 18)

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

    def warn_at(self, start: datetime.datetime, due: datetime.datetime) -> datetime.datetime | None:
        if not self.warn_ratio or self.warn_ratio >= 1:
            return None
        return start + (due - start) * float(self.warn_ratio)

    def ladder(self) -> dict:
        """level -> EscalationStep; the default ladder where none is set."""
        steps = {step.level: step for step in self.steps.all()}
        return steps or {step.level: step for step in default_ladder()}


class EscalationStep(models.Model):
    """One rung of a policy's ladder: `after` the due time, notify `target`.
    issue 3: level 1 at the due time to the assignee's supervisor, level 2 to
    the department manager, level 3 to leadership."""

    class Target(models.TextChoices):
        SUPERVISOR = "supervisor", _("The assignee's supervisor")
        MANAGER = "manager", _("The department manager")
        LEADERSHIP = "leadership", _("Leadership")

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="steps", verbose_name=_("policy"))
    level = models.PositiveSmallIntegerField(_("level"))
    after = models.DurationField(_("after the due time"), default=datetime.timedelta(0))
    target = models.CharField(_("notify"), max_length=20, choices=Target.choices)

    objects = WatchedQuerySet.as_manager()  # caches of it dropped on bulk writes too (issue 18)

    class Meta:
        ordering = ["policy", "level"]
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")
        constraints = [
            models.UniqueConstraint(fields=["policy", "level"], name="escalation_step_unique_level"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=3), name="escalation_step_level_1_to_3"),
        ]

    def __str__(self):
        return f"L{self.level} +{self.after} {self.get_target_display()}"


def default_ladder():
    """Used for policies without steps of their own (and for deadlines with an
    explicit due time and no policy)."""
    return [
        EscalationStep(level=1, after=datetime.timedelta(0), target=EscalationStep.Target.SUPERVISOR),
        EscalationStep(level=2, after=datetime.timedelta(hours=4), target=EscalationStep.Target.MANAGER),
        EscalationStep(level=3, after=datetime.timedelta(hours=24), target=EscalationStep.Target.LEADERSHIP),
    ]


class Deadline(models.Model):
    # No index of its own: deadline_subject (content_type, object_id) starts with it. Every index is
    # written again when the sweep moves next_escalation_at (issue 18, item 4).
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+", db_index=False)
    object_id = models.BigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")

    kind = models.CharField(_("kind"), max_length=40)
    policy = models.ForeignKey(
        SlaPolicy, on_delete=models.PROTECT, null=True, blank=True, related_name="deadlines", verbose_name=_("policy")
    )
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"))
    # A promise made to the customer (e.g. a take-back's promised_by), not a
    # policy's length: a changed policy never moves it.
    due_promised = models.BooleanField(_("promised due time"), default=False)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(
        _("cancelled at"), null=True, blank=True, help_text=_("Closed without being met, e.g. the order was cancelled.")
    )
    warn_at = models.DateTimeField(_("warning at"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
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
            # The overdue filter of one kind of object (EXISTS ... object_id =
            # outer id): answered from the index alone (bench/README.md).
            models.Index(
                fields=["content_type", "due_at", "object_id"], name="deadline_open_type_due",
                condition=Q(met_at__isnull=True, cancelled_at__isnull=True),
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


class DeadlinePause(models.Model):
    """The customer asked to postpone: the waiting time does not count
    against the company (issue 3, item 4). Immutable once ended."""

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="pauses", verbose_name=_("deadline"))
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("resumed by"),
    )

    class Meta:
        ordering = ["started_at"]
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        constraints = [
            models.UniqueConstraint(
                fields=["deadline"], condition=Q(ended_at__isnull=True), name="deadline_one_open_pause"
            )
        ]

    def __str__(self):
        return f"{self.deadline} ⏸ {self.started_at} – {self.ended_at or '…'}"


class Escalation(models.Model):
    """One row per deadline and level, written once (the unique constraint is
    the proof). Level 0 is the warning before breach."""

    deadline = models.ForeignKey(  # indexed by escalation_once_per_level (deadline, level)
        Deadline, on_delete=models.PROTECT, related_name="escalations", verbose_name=_("deadline"), db_index=False
    )
    level = models.PositiveSmallIntegerField(_("level"))
    at = models.DateTimeField(_("at"))
    due_at = models.DateTimeField(_("due at"), help_text=_("The deadline's due time when this step was taken."))
    target = models.CharField(_("notified"), max_length=20, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [models.UniqueConstraint(fields=["deadline", "level"], name="escalation_once_per_level")]
        indexes = [models.Index(fields=["at"], name="escalation_at")]

    def __str__(self):
        return f"{self.deadline} L{self.level}"

    @property
    def is_warning(self):
        return self.level == 0


class CalendarDay(models.Model):
    """An exception to the weekly rhythm: a statutory holiday on a weekday or a
    make-up workday (调休) on a weekend. Seeded from chinese-calendar for the
    years it knows, editable by an administrator."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday")
        WORKDAY = "workday", _("Make-up workday")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=40, default="manual")

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"


class CalendarYear(models.Model):
    """Whether a year's official holiday schedule is known. An unconfirmed
    year still works (weekends and fixed-date holidays) but is shown as such
    until an administrator confirms it."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    confirmed = models.BooleanField(_("confirmed"), default=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=40, blank=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self):
        return str(self.year)
