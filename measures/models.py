"""What the measures app keeps: which monthly reports were mailed (the beat
task mails each month's once: the unique month is the proof)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MonthlyReportMailing(models.Model):
    month = models.DateField(_("month"), unique=True, help_text=_("The month's first day."))
    sent_at = models.DateTimeField(_("sent at"))
    recipients = models.JSONField(_("recipients"), default=list)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("monthly report mailing")
        verbose_name_plural = _("monthly report mailings")

    def __str__(self):
        return f"{self.month:%Y-%m}"


class ScorecardEntry(models.Model):
    """A reward or a penalty a supervisor records on a technician's month,
    with the reason (seeds/004: results are always followed by rewards or
    penalties). Rows are added, never changed or deleted: the history."""

    class Kind(models.TextChoices):
        REWARD = "reward", _("Reward")
        PENALTY = "penalty", _("Penalty")

    technician = models.ForeignKey("technicians.Technician", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("technician"))
    month = models.DateField(_("month"), help_text=_("The month's first day."))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2, default=0)
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("reward or penalty")
        verbose_name_plural = _("rewards and penalties")
        indexes = [models.Index(fields=["technician", "month"], name="scorecard_entry_tech_month")]
        constraints = [models.CheckConstraint(condition=~models.Q(reason=""), name="scorecard_entry_has_reason")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.month:%Y-%m}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("A recorded reward or penalty is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("A recorded reward or penalty is never deleted.")


class EightDReport(models.Model):
    """The 8D report of a class 2 or 3 product-quality complaint (seeds/002:
    complaint data feeds 8D reports and the monthly after-sales data): the
    eight disciplines, filled in by a supervisor or manager, printable."""

    FIELDS = ("d1_team", "d2_problem", "d3_containment", "d4_root_cause", "d5_corrective_actions",
              "d6_implementation", "d7_prevention", "d8_closure")

    complaint = models.OneToOneField("complaints.Complaint", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("complaint"))
    d1_team = models.TextField(_("D1 Team"), blank=True)
    d2_problem = models.TextField(_("D2 Problem description"), blank=True)
    d3_containment = models.TextField(_("D3 Containment actions"), blank=True)
    d4_root_cause = models.TextField(_("D4 Root cause"), blank=True)
    d5_corrective_actions = models.TextField(_("D5 Permanent corrective actions"), blank=True)
    d6_implementation = models.TextField(_("D6 Implementation and validation"), blank=True)
    d7_prevention = models.TextField(_("D7 Preventing recurrence"), blank=True)
    d8_closure = models.TextField(_("D8 Closure and recognition"), blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("updated by"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("8D report")
        verbose_name_plural = _("8D reports")

    def __str__(self):
        return f"8D {self.complaint}"
