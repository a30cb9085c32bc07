"""What the measures app keeps: which monthly reports were mailed (the beat
task mails each month's once: the unique month is the proof)."""

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
