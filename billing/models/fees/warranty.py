"""Warranty: how a category is billed, its warranty terms, and the entitlement
decided for each work order at creation (issue 6; docs/billing.md)."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from servicedesk.customers.models import ProductCategory

__all__ = ["BillingRule", "CategoryBillingPolicy", "WarrantyTerm", "WorkOrderEntitlement"]


class BillingRule(models.TextChoices):
    PARTS_PLUS_LABOUR = "parts_plus_labour", _("Parts and labour from the schedule")
    # seeds/004: out of warranty, lighting charges the parts plus 10% of their price as repair fee.
    PARTS_PLUS_PERCENT = "parts_plus_percent", _("Parts plus a percentage of the parts price")


class CategoryBillingPolicy(models.Model):
    """How a product line is charged out of warranty, and its repair warranty."""

    category = models.OneToOneField(
        ProductCategory, on_delete=models.CASCADE, related_name="billing_policy", verbose_name=_("product line")
    )
    rule = models.CharField(_("billing rule"), max_length=30, choices=BillingRule.choices,
                            default=BillingRule.PARTS_PLUS_LABOUR)
    repair_fee_percent = models.DecimalField(
        # xgettext:no-python-format
        _("repair fee (% of parts)"), max_digits=5, decimal_places=2, default=Decimal("0"),
        help_text=_("Only for the rule “parts plus a percentage”."),
    )
    # seeds/003: a repair carries its own warranty (3 months, 6 months or 1 year); empty = REPAIR_WARRANTY_DAYS.
    repair_warranty_days = models.PositiveIntegerField(
        _("repair warranty (days)"), null=True, blank=True,
        help_text=_("Empty: the organisation's default (REPAIR_WARRANTY_DAYS)."),
    )

    class Meta:
        verbose_name = _("billing policy of a product line")
        verbose_name_plural = _("billing policies of product lines")
        constraints = [
            models.CheckConstraint(condition=Q(repair_fee_percent__gte=0) & Q(repair_fee_percent__lte=100),
                                   name="billing_policy_percent_0_100"),
        ]

    def __str__(self):
        return f"{self.category} · {self.get_rule_display()}"


class WarrantyTerm(models.Model):
    """seeds/004: warranty per product line and component, counted from the
    purchase (consumers) or from the manufacture date code (dealers)."""

    class CountedFrom(models.TextChoices):
        PURCHASE = "purchase", _("Purchase date")
        MANUFACTURE = "manufacture", _("Manufacture date")

    class AppliesTo(models.TextChoices):
        CONSUMER = "consumer", _("Consumer")
        DEALER = "dealer", _("Dealer")

    category = models.ForeignKey(ProductCategory, on_delete=models.CASCADE, related_name="warranty_terms",
                                 verbose_name=_("product line"))
    component = models.CharField(_("component"), max_length=50, blank=True,
                                 help_text=_("Empty: the whole product."))
    months = models.PositiveSmallIntegerField(_("months"), help_text=_("0: no warranty."))
    counted_from = models.CharField(_("counted from"), max_length=20, choices=CountedFrom.choices,
                                    default=CountedFrom.PURCHASE)
    applies_to = models.CharField(_("applies to"), max_length=20, choices=AppliesTo.choices,
                                  default=AppliesTo.CONSUMER)
    note = models.CharField(_("note"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["category__slug", "applies_to", "component"]
        verbose_name = _("warranty term")
        verbose_name_plural = _("warranty terms")
        constraints = [
            models.UniqueConstraint(fields=["category", "component", "applies_to"], name="warranty_term_unique"),
        ]

    def __str__(self):
        return f"{self.category} {self.component or '*'} {self.months}m ({self.applies_to})"


class WorkOrderEntitlement(models.Model):
    """Decided when the work order is created (billing.services.fees.entitlement_decide)."""

    class Status(models.TextChoices):
        IN_WARRANTY = "in_warranty", pgettext_lazy("warranty status", "In warranty")
        OUT_OF_WARRANTY = "out_of_warranty", _("Out of warranty")
        NO_PROOF = "no_proof", _("No proof of purchase")

    class Basis(models.TextChoices):
        PURCHASE = "purchase_date", _("Purchase date")
        MANUFACTURE = "manufacture_date", _("Manufacture date code")
        REPAIR_WARRANTY = "repair_warranty", _("Repair warranty")
        NONE = "none", _("None")

    order = models.OneToOneField("tickets.WorkOrder", on_delete=models.CASCADE, related_name="entitlement",
                                 verbose_name=_("work order"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    basis = models.CharField(_("basis"), max_length=20, choices=Basis.choices, default=Basis.NONE)
    requested_by = models.CharField(_("requested by"), max_length=20, choices=WarrantyTerm.AppliesTo.choices,
                                    default=WarrantyTerm.AppliesTo.CONSUMER)
    term_months = models.PositiveSmallIntegerField(_("term (months)"), null=True, blank=True)
    term_days = models.PositiveIntegerField(_("term (days)"), null=True, blank=True)
    expires_on = models.DateField(_("covered until"), null=True, blank=True)
    repair_of = models.ForeignKey("tickets.WorkOrder", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("repair warranty of"))
    components = models.JSONField(_("components"), default=list, blank=True)
    decided_on = models.DateField(_("decided for the date"))
    decided_at = models.DateTimeField(pgettext_lazy("assessment", "decided at"))
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")

    def __str__(self):
        return f"{self.order_id}: {self.status}"

    @property
    def covered_components(self):
        return {c["component"] for c in self.components if c.get("covered")}
