"""The assessment rules as data (`ReturnRule`, per product category, the
energy-saving-lamp rules seeded by migration, edited in the admin), the
decisions they reach and the term arithmetic they use (domain.md section 5,
seeds/004)."""

import calendar
import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later; when that month is shorter, its last day
    (31 Jan + 1 month = 28/29 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def in_term(start: datetime.date, months: int, on: datetime.date) -> bool:
    """In term on `on` when `on` is no later than the same day `months`
    months after `start` (that day included)."""
    return on <= add_months(start, months)


def bilingual(en, zh):
    """The customer is told in Chinese; English pages show the English text."""
    return zh if (get_language() or "").lower().startswith("zh") and zh else (en or zh)


class Decision(models.TextChoices):
    EXCHANGE = "exchange", _("Exchange")
    REFUND = "refund", _("Refund")
    REPAIR = "repair", _("Depot repair")
    REJECTED = "rejected", pgettext_lazy("return decision", "Rejected")


class RequestedBy(models.TextChoices):
    CONSUMER = "consumer", _("Consumer")
    DEALER = "dealer", _("Dealer")


class ReturnRule(models.Model):
    """One line of a category's assessment table. The rules that apply to a
    return are those of its category plus the general ones (blank category),
    for its requester (or any), tried by `order`; the first that matches
    decides, with the reason the customer is told."""

    class Kind(models.TextChoices):
        FINDING = "finding", _("A finding has this value")
        PROOF = "proof", _("The date the term counts from is missing (no proof)")
        TERM = "term", _("Within the term")
        OTHERWISE = "otherwise", _("Otherwise")

    class CountedFrom(models.TextChoices):
        PURCHASE = "purchase", _("Purchase date")
        MANUFACTURE = "manufacture", _("Manufacture date")

    category = models.SlugField(_("category"), max_length=50, blank=True, db_index=True,
                                help_text=_("Product category slug; blank for the rules of every category."))
    requested_by = models.CharField(_("requested by"), max_length=10, choices=RequestedBy.choices, blank=True,
                                    help_text=_("Blank: consumers and dealers."))
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    kind = models.CharField(_("condition"), max_length=10, choices=Kind.choices)
    finding = models.SlugField(pgettext_lazy("inspection", "finding"), max_length=40, blank=True)
    expected = models.BooleanField(_("finding value"), default=True)
    finding_required = models.BooleanField(
        _("finding required"),
        default=True,
        help_text=_(
            "A required finding must be given at assessment (400 without it); an optional one counts as false."
        ),
    )
    finding_label = models.CharField(_("finding label (English)"), max_length=100, blank=True)
    finding_label_zh = models.CharField(_("finding label (Chinese)"), max_length=100, blank=True)
    term_months = models.PositiveSmallIntegerField(_("term in months"), null=True, blank=True)
    counted_from = models.CharField(_("counted from"), max_length=12, choices=CountedFrom.choices, blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    reason = models.CharField(_("reason (English)"), max_length=300)
    reason_zh = models.CharField(_("reason (Chinese)"), max_length=300, blank=True)
    source = models.CharField(pgettext_lazy("rule", "source"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        db_table = "billing_returnrule"  # the table kept from billing (moved with its data)
        ordering = ["category", "order", "id"]
        verbose_name = _("return rule")
        verbose_name_plural = _("return rules")
        constraints = [
            models.CheckConstraint(condition=~Q(kind="finding") | ~Q(finding=""), name="return_rule_finding_named"),
            models.CheckConstraint(condition=~Q(kind="term") | Q(term_months__isnull=False) & ~Q(counted_from=""),
                                   name="return_rule_term_complete"),
            models.CheckConstraint(condition=~Q(kind="proof") | ~Q(counted_from=""), name="return_rule_proof_date"),
        ]

    def __str__(self):
        return f"{self.category or '*'} #{self.order} {self.kind} → {self.decision}"

    @property
    def reason_text(self):
        return bilingual(self.reason, self.reason_zh)

    @property
    def label(self):
        return bilingual(self.finding_label or self.finding, self.finding_label_zh)
