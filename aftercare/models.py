"""After the visit (issue 15): the satisfaction survey and its calls, the
supervisor's follow-up of a low score, the customer's requests from the
signed page, and the follow-up's outcome recorded when an order is closed.
Work orders never import this app: it plugs in through tickets.hooks."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tickets.models import WorkOrder

ITEMS = ("attitude", "skill", "punctuality", "overall")  # seeds/004: the customer opinion card
LOW_SCORE = 2  # issue 15: any item scored 2 or less opens a follow-up for the supervisor


def _score(label):
    return models.PositiveSmallIntegerField(label, validators=[MinValueValidator(1), MaxValueValidator(5)])


class Survey(models.Model):
    """The customer's answers: one per order (contract: Satisfaction)."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone call")
        LINK = "link", _("The customer's link")

    order = models.OneToOneField(WorkOrder, on_delete=models.PROTECT, related_name="aftercare_survey",
                                 verbose_name=_("work order"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    attitude = _score(_("attitude"))
    skill = _score(_("skill"))
    punctuality = _score(_("punctuality"))
    overall = _score(_("overall"))
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("answered at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                           related_name="+", verbose_name=_("recorded by"))

    class Meta:
        ordering = ["-at"]
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        constraints = [models.CheckConstraint(
            condition=Q(attitude__range=(1, 5), skill__range=(1, 5), punctuality__range=(1, 5), overall__range=(1, 5)),
            name="survey_scores_1_to_5")]

    def __str__(self):
        return f"{self.order} {self.overall}/5"

    @property
    def low(self):
        return min(getattr(self, item) for item in ITEMS) <= LOW_SCORE


class SurveyCall(models.Model):
    """The agents' satisfaction call for one signed-off order (seeds/004: the
    next day): up to SURVEY_CALL_MAX_ATTEMPTS tries, then closed as not reached."""

    class State(models.TextChoices):
        OPEN = "open", _("To call")
        ANSWERED = "answered", pgettext_lazy("survey call", "Answered")
        NOT_REACHED = "not_reached", _("Not reached")
        REFUSED = "refused", _("Refused")

    order = models.OneToOneField(WorkOrder, on_delete=models.PROTECT, related_name="aftercare_call",
                                 verbose_name=_("work order"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OPEN)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    opened_at = models.DateTimeField(_("opened at"))
    due_at = models.DateTimeField(_("due at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("survey call")
        verbose_name_plural = _("survey calls")
        indexes = [models.Index(fields=["state", "due_at"], name="survey_call_queue")]

    def __str__(self):
        return f"{self.order} ({self.get_state_display()})"


class SurveyCallAttempt(models.Model):
    class Outcome(models.TextChoices):
        ANSWERED = "answered", pgettext_lazy("survey call", "Answered")
        NOT_REACHED = "not_reached", _("Not reached")
        REFUSED = "refused", _("Refused")

    call = models.ForeignKey(SurveyCall, on_delete=models.PROTECT, related_name="attempt_rows",
                             verbose_name=_("survey call"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("survey call attempt")
        verbose_name_plural = _("survey call attempts")

    def __str__(self):
        return f"{self.call} {self.outcome}"


class LowScoreFollowUp(models.Model):
    """A score of 2 or less: the supervisor follows it up within its own
    deadline (`survey_follow_up`), and may file a complaint in one click."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Followed up")
        COMPLAINED = "complained", _("Complaint filed")

    survey = models.OneToOneField(Survey, on_delete=models.PROTECT, related_name="follow_up",
                                  verbose_name=_("survey"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("closed by"))
    note = models.TextField(_("note"), blank=True)
    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("complaint"))

    class Meta:
        ordering = ["opened_at", "id"]
        verbose_name = _("low-score follow-up")
        verbose_name_plural = _("low-score follow-ups")

    def __str__(self):
        return f"{self.survey.order} ({self.get_state_display()})"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("aftercare-follow-ups")

    @classmethod
    def deadline_subjects(cls, ids):
        return cls.objects.select_related("survey__order__owner").in_bulk(ids)

    def deadline_responsible(self):
        owner = self.survey.order.owner
        return (owner.unit_id if owner is not None else None), None


class AppointmentRequest(models.Model):
    """What the customer said about the appointment on their page: confirmed,
    or asks for another time (a dispatcher handles it)."""

    class Kind(models.TextChoices):
        CONFIRM = "confirm", _("Confirmed the appointment")
        RESCHEDULE = "reschedule", _("Asks for another time")

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="aftercare_requests",
                              verbose_name=_("work order"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    wish = models.CharField(_("preferred time"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"))
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("handled by"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("customer's appointment request")
        verbose_name_plural = _("customers' appointment requests")

    def __str__(self):
        return f"{self.order} {self.kind}"


class FollowUpOutcome(models.Model):
    """The return visit within a week (follow_up, seeds/002), recorded when
    the order is closed."""

    class Outcome(models.TextChoices):
        SATISFIED = "satisfied", _("Reached, satisfied")
        REACHED = "reached", _("Reached, not satisfied")
        NEW_ISSUE = "new_issue", _("Reached, a new issue")
        NOT_REACHED = "not_reached", _("Not reached")

    order = models.OneToOneField(WorkOrder, on_delete=models.PROTECT, related_name="aftercare_follow_up",
                                 verbose_name=_("work order"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))

    class Meta:
        verbose_name = _("follow-up outcome")
        verbose_name_plural = _("follow-up outcomes")

    def __str__(self):
        return f"{self.order} {self.outcome}"

    @property
    def reached(self):
        return self.outcome != self.Outcome.NOT_REACHED

    @property
    def satisfied(self):
        return self.outcome == self.Outcome.SATISFIED

    @property
    def new_issue(self):
        return self.outcome == self.Outcome.NEW_ISSUE
