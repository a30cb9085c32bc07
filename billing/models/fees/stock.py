"""Parts stock at the service points, kept against a deposit (seeds/004)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from servicedesk.accounts.models import Unit
from servicedesk.core.history import ImmutableRowError

from .schedule import MONEY

__all__ = ["ServicePointDeposit", "StockItem", "StockMovement"]


class ServicePointDeposit(models.Model):
    """seeds/004: a repair point keeps a parts stock against a deposit."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="parts_deposit",
                                verbose_name=_("service point"))
    amount = models.DecimalField(_("deposit"), **MONEY)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("parts deposit")
        verbose_name_plural = _("parts deposits")
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="deposit_not_negative")]

    def __str__(self):
        return f"{self.unit} · {self.amount}"


class StockItem(models.Model):
    """Good parts on hand at a service point, and defective ones taken back
    from customers that wait for the old-for-new swap (seeds/004)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="stock_items",
                             verbose_name=_("service point"))
    part_code = models.CharField(_("part code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    quantity = models.IntegerField(_("quantity"), default=0)
    defective = models.IntegerField(_("defective parts held"), default=0)
    low_threshold = models.PositiveIntegerField(_("low-stock threshold"), default=2)

    class Meta:
        ordering = ["unit__name", "part_code"]
        verbose_name = _("stock item")
        verbose_name_plural = _("stock items")
        constraints = [
            models.UniqueConstraint(fields=["unit", "part_code"], name="stock_item_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_quantity_not_negative"),
            models.CheckConstraint(condition=Q(defective__gte=0), name="stock_defective_not_negative"),
        ]

    def __str__(self):
        return f"{self.unit} · {self.part_code} × {self.quantity}"

    @property
    def is_low(self):
        return self.quantity <= self.low_threshold


class StockMovement(models.Model):
    """The stock ledger: rows are added, never changed (a trigger on PostgreSQL)."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", pgettext_lazy("stock movement", "Receipt")  # 入库, not a payment receipt
        CONSUMPTION = "consumption", _("Used on a work order")
        SWAP = "swap", _("Old-for-new swap")
        ADJUSTMENT = "adjustment", _("Adjustment")

    item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="movements",
                             verbose_name=_("stock item"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    quantity_change = models.IntegerField(_("good parts change"))
    defective_change = models.IntegerField(_("defective parts change"), default=0)
    quantity_after = models.IntegerField(_("good parts after"))
    order = models.ForeignKey("tickets.WorkOrder", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("work order"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                           verbose_name=_("by"))
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")

    def __str__(self):
        return f"{self.item} · {self.get_kind_display()} {self.quantity_change}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ImmutableRowError("Stock movements cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRowError("Stock movements cannot be deleted.")
