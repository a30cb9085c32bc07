"""The public fee schedule: versions, labour items and part prices (seeds/001, seeds/003)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from servicedesk.customers.models import ProductCategory

__all__ = ["FeeSchedule", "FeeItem", "PartPrice"]

MONEY = {"max_digits": 12, "decimal_places": 2}


class FeeSchedule(models.Model):
    """seeds/001, seeds/003: one public fee schedule shown to the customer; versioned by effective dates."""

    version = models.SlugField(_("version"), max_length=30, unique=True)
    title = models.CharField(_("title"), max_length=200)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True, help_text=_("Empty: open-ended."))
    published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-effective_from", "-id"]
        verbose_name = _("fee schedule")
        verbose_name_plural = _("fee schedules")
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="fee_schedule_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.version})"


class FeeItem(models.Model):
    """A labour item of a schedule; no product line = every line."""

    schedule = models.ForeignKey(FeeSchedule, on_delete=models.CASCADE, related_name="labour",
                                 verbose_name=_("fee schedule"))
    code = models.CharField(pgettext_lazy("fee item", "code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    category = models.ForeignKey(ProductCategory, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("product line"))
    price = models.DecimalField(_("price"), **MONEY)

    class Meta:
        ordering = ["schedule", "category__slug", "code"]
        verbose_name = _("labour item")
        verbose_name_plural = _("labour items")
        constraints = [
            models.UniqueConstraint(fields=["schedule", "code"], name="fee_item_code_unique"),
            models.CheckConstraint(condition=Q(price__gte=0), name="fee_item_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        if self.schedule_id and PartPrice.objects.filter(schedule_id=self.schedule_id, code=self.code).exists():
            raise ValidationError({"code": _("A part of this schedule has this code already.")})


class PartPrice(models.Model):
    """A part of a schedule's price list. `component` names the warranty term that covers it."""

    schedule = models.ForeignKey(FeeSchedule, on_delete=models.CASCADE, related_name="parts",
                                 verbose_name=_("fee schedule"))
    code = models.CharField(_("part code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    category = models.ForeignKey(ProductCategory, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("product line"))
    component = models.CharField(_("component"), max_length=50, blank=True,
                                 help_text=_("The warranty term's component; empty: the whole product's term."))
    price = models.DecimalField(_("price"), **MONEY)

    class Meta:
        ordering = ["schedule", "category__slug", "code"]
        verbose_name = _("part price")
        verbose_name_plural = _("part prices")
        constraints = [
            models.UniqueConstraint(fields=["schedule", "code"], name="part_price_code_unique"),
            models.CheckConstraint(condition=Q(price__gte=0), name="part_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        if self.schedule_id and FeeItem.objects.filter(schedule_id=self.schedule_id, code=self.code).exists():
            raise ValidationError({"code": _("A labour item of this schedule has this code already.")})
