"""When technicians work, who holds the day's emergency duty, and the slot a
dispatcher proposed (issue 17). seeds/001: 抢修调度, 24小时值班 — every
station keeps one technician on 24-hour emergency duty each day."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicedesk.accounts.models import Unit
from technicians.models import Technician


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WorkingHours(models.Model):
    """A technician's regular hours on one weekday (one or more intervals)."""

    technician = models.ForeignKey(Technician, on_delete=models.CASCADE, related_name="working_hours",
                                   verbose_name=_("technician"))
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        ordering = ["technician_id", "weekday", "start"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        constraints = [models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                              name="working_hours_end_after_start")]

    def __str__(self):
        return f"{self.technician} {self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class ShiftException(models.Model):
    """One day that differs from the regular hours: leave (the whole day when
    no times are given) or extra work (these hours instead of the regular)."""

    class Kind(models.TextChoices):
        LEAVE = "leave", _("Leave")
        WORK = "work", _("Changed hours")

    technician = models.ForeignKey(Technician, on_delete=models.CASCADE, related_name="shift_exceptions",
                                   verbose_name=_("technician"))
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    start = models.TimeField(_("from"), null=True, blank=True)
    end = models.TimeField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))

    class Meta:
        ordering = ["date", "technician_id", "start"]
        verbose_name = _("shift exception")
        verbose_name_plural = _("shift exceptions")
        indexes = [models.Index(fields=["date", "technician"], name="shift_exception_day")]

    def __str__(self):
        return f"{self.technician} {self.date} {self.get_kind_display()}"


class Duty(models.Model):
    """The day's 24-hour emergency duty of a station (seeds/001: 24小时值班)."""

    station = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="duties", verbose_name=_("station"))
    date = models.DateField(_("date"))
    technician = models.ForeignKey(Technician, on_delete=models.PROTECT, related_name="duties",
                                   verbose_name=_("technician"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("updated by"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["date", "station_id"]
        verbose_name = _("emergency duty")
        verbose_name_plural = _("emergency duties")
        constraints = [models.UniqueConstraint(fields=["station", "date"], name="duty_one_per_station_day")]

    def __str__(self):
        return f"{self.date} {self.station}: {self.technician}"


class SlotProposal(models.Model):
    """The time a dispatcher proposed when dropping an order onto the board's
    timeline; the technician agrees the appointment with the customer
    (`schedule`), which is what the board shows once it exists."""

    order = models.OneToOneField("tickets.WorkOrder", on_delete=models.CASCADE, related_name="slot_proposal",
                                 verbose_name=_("work order"))
    start = models.DateTimeField(_("proposed start"))
    end = models.DateTimeField(_("proposed end"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now=True)

    class Meta:
        verbose_name = _("proposed slot")
        verbose_name_plural = _("proposed slots")

    def __str__(self):
        return f"{self.order} {self.start:%Y-%m-%d %H:%M}"
