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
