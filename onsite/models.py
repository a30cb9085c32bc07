"""On site (issue 14): checklists as data, what the technician recorded, the
rectification notice (整改建议书, seeds/001) and where the check-in was made.

Templates are edited in the admin; every change of a template raises its
version. An order keeps what it started with: its items are copied from the
templates that applied when its checklist was first asked for (at check-in
or on the first read), with the template's code and version on each item."""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tickets.models import WorkOrder


class ItemKind(models.TextChoices):
    CHECK = "check", _("Check (yes/no)")
    MEASURE = "measure", _("Measure (a number)")
    TEXT = "text", _("Text")


class Stage(models.TextChoices):
    BEFORE = "before", _("Before the work")
    AFTER = "after", _("After the work")


class _Labelled:
    def shown_label(self) -> str:
        if (get_language() or "").lower().startswith("zh") and self.label_zh:
            return self.label_zh
        return self.label



class ChecklistTemplate(models.Model):
    """Items that apply to the orders of a product category (blank: every
    category) and a work-order kind (blank: every kind)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    # The category's slug (contract: Demo data), so a template may name a category not created yet.
    category = models.SlugField(_("product category"), max_length=50, blank=True,
                                help_text=_("The category's slug, e.g. gas_water_heater; blank: every category."))
    kinds = models.CharField(_("work-order kinds"), max_length=100, blank=True,
                             help_text=_("Comma-separated: repair, install, maintenance, emergency; blank: all."))
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    source = models.CharField(_("source"), max_length=200, blank=True,
                              help_text=_("The document the items follow, e.g. seeds/001."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")

    def __str__(self):
        return f"{self.name} (v{self.version})"

    def kind_list(self) -> list[str]:
        return [k.strip() for k in self.kinds.split(",") if k.strip()]


class TemplateItem(_Labelled, models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items",
                                 verbose_name=_("template"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    code = models.SlugField(_("code"), max_length=60)
    label = models.CharField(_("label (English)"), max_length=200)
    label_zh = models.CharField(_("label (Chinese)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=ItemKind.choices, default=ItemKind.CHECK)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.BEFORE)
    required = models.BooleanField(_("required"), default=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    min_value = models.DecimalField(_("minimum"), max_digits=12, decimal_places=3, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=12, decimal_places=3, null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True, help_text=_("e.g. seeds/001"))

    class Meta:
        ordering = ["template", "position", "id"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [models.UniqueConstraint(fields=["template", "code"], name="onsite_template_item_code")]

    def __str__(self):
        return self.code


class OrderItem(_Labelled, models.Model):
    """One checklist item of one order, copied from its template, with the
    value recorded last (OrderItemRecord keeps every value)."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="checklist_items",
                              verbose_name=_("work order"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    code = models.SlugField(_("code"), max_length=60)
    label = models.CharField(_("label (English)"), max_length=200)
    label_zh = models.CharField(_("label (Chinese)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=ItemKind.choices)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    required = models.BooleanField(_("required"), default=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    min_value = models.DecimalField(_("minimum"), max_digits=12, decimal_places=3, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=12, decimal_places=3, null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    template_code = models.SlugField(_("template"), max_length=60)
    template_version = models.PositiveIntegerField(_("template version"))
    value = models.JSONField(_("value"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True)
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("recorded by"))
    last_record = models.ForeignKey("OrderItemRecord", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("last record"))

    class Meta:
        ordering = ["order", "position", "id"]
        verbose_name = _("order checklist item")
        verbose_name_plural = _("order checklist items")
        constraints = [models.UniqueConstraint(fields=["order", "code"], name="onsite_order_item_code")]

    def __str__(self):
        return f"{self.order_id} {self.code}"


class OrderItemRecord(models.Model):
    """Every value recorded, never changed (a re-recording adds a row)."""

    item = models.ForeignKey(OrderItem, on_delete=models.PROTECT, related_name="records", verbose_name=_("item"))
    value = models.JSONField(_("value"))
    passed = models.BooleanField(_("passed"), null=True)
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("checklist record")
        verbose_name_plural = _("checklist records")

    def __str__(self):
        return f"{self.item_id} {self.value}"


class RectificationNotice(models.Model):
    """整改建议书 (seeds/001): the hazards found, the advice given, the
    customer's signature or refusal; covers the failed records of that moment."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="rectification_notices",
                              verbose_name=_("work order"))
    hazards = models.TextField(_("hazards"))
    advice = models.TextField(_("advice"))
    signature = models.ForeignKey("documents.Signature", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("signature"))
    covers = models.ManyToManyField(OrderItemRecord, related_name="notices", verbose_name=_("covers"))
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    # The page form's token: a repeated tap finds the notice it made (every POST idempotent).
    request_token = models.CharField(_("request token"), max_length=64, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["order", "request_token"], condition=~models.Q(request_token=""),
                                               name="onsite_notice_token")]
        verbose_name = _("rectification notice")
        verbose_name_plural = _("rectification notices")

    def __str__(self):
        return f"{self.order_id} {self.created_at:%Y-%m-%d %H:%M}"


class CheckInPosition(models.Model):
    """Where the phone said it was at check-in (browser geolocation), if it said."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="check_in_positions",
                              verbose_name=_("work order"))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    accuracy = models.PositiveIntegerField(_("accuracy (m)"), null=True, blank=True)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                           verbose_name=_("by"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("check-in position")
        verbose_name_plural = _("check-in positions")

    def __str__(self):
        return f"{self.latitude}, {self.longitude}"
