"""What the customer signs on site (issue 14): the handwritten signature, or
the recorded refusal to sign, with who recorded it and when."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicedesk.core.history import ImmutableRowError
from tickets.models import WorkOrder


class Signature(models.Model):
    class Purpose(models.TextChoices):
        SIGN_OFF = "sign_off", _("Sign-off")
        TAKE_BACK = "take_back", _("Take-back")
        RECTIFICATION = "rectification", _("Rectification notice")

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="signatures",
                              verbose_name=_("work order"))
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    # The PNG the customer drew; empty when the customer refused to sign.
    image = models.FileField(_("image"), upload_to="signatures/%Y/%m/", blank=True)
    image_sha256 = models.CharField(_("SHA-256 of the image"), max_length=64, blank=True)
    refused_reason = models.TextField(_("reason for refusing to sign"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"))
    # The SHA-256 of the document this signature signs, set once when the document is made.
    document_sha256 = models.CharField(_("SHA-256 of the signed document"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(image="") | ~models.Q(refused_reason=""), name="signature_image_or_refusal"
            ),
        ]

    def __str__(self):
        return f"{self.order_id} {self.purpose}"

    @property
    def refused(self) -> bool:
        return not self.image


class Photo(models.Model):
    """A photo the technician took on site (contract v1, On site: Photos)."""

    class Stage(models.TextChoices):
        BEFORE = "before", _("Before the work")
        AFTER = "after", _("After the work")
        OTHER = "other", _("Other")

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="photos",
                              verbose_name=_("work order"))
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    image = models.FileField(_("image"), upload_to="photos/%Y/%m/")
    thumbnail = models.FileField(_("thumbnail"), upload_to="photos/%Y/%m/")
    content_type = models.CharField(_("content type"), max_length=20)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("taken by"))
    taken_at = models.DateTimeField(_("taken at"))

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["taken_at", "id"]

    def __str__(self):
        return f"{self.order_id} {self.stage} {self.sha256[:12]}"


class PartUse(models.Model):
    """A part used on the order: a part line of its accepted quote, or a part
    added on site. It leaves the station's stock once, when the work is
    resolved: `movement` is that ledger row (one per part, never two)."""

    class Source(models.TextChoices):
        QUOTE = "quote", _("Accepted quote")
        ON_SITE = "on_site", _("Added on site")

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="parts_used",
                              verbose_name=_("work order"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    quote_line = models.ForeignKey("billing.QuoteLine", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("quote line"))
    part_code = models.CharField(_("part code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2, null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2, null=True, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("added by"))
    added_at = models.DateTimeField(_("added at"))
    movement = models.OneToOneField("billing.StockMovement", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("stock movement"))

    class Meta:
        verbose_name = _("part used")
        verbose_name_plural = _("parts used")
        ordering = ["added_at", "id"]
        constraints = [
            # A quote's part line is taken from stock once.
            models.UniqueConstraint(fields=["quote_line"], condition=models.Q(quote_line__isnull=False),
                                    name="part_use_quote_line_once"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="part_use_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.order_id} {self.part_code} × {self.quantity}"


class Document(models.Model):
    """A PDF the customer keeps. Made once, never changed: `content` is what
    the PDF and the print view both render; `content_sha256` (printed on the
    page) is the SHA-256 of that content, `sha256` the SHA-256 of the file."""

    class Kind(models.TextChoices):
        SERVICE_RECORD = "service_record", _("Service record")
        HANDOVER_RECEIPT = "handover_receipt", _("Handover receipt")
        RECTIFICATION_NOTICE = "rectification_notice", _("Rectification notice")

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="documents",
                              verbose_name=_("work order"))
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="documents/%Y/%m/")
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    content = models.JSONField(_("content"))
    content_sha256 = models.CharField(_("SHA-256 of the content"), max_length=64)
    signature = models.OneToOneField(Signature, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="document", verbose_name=_("signature"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["created_at", "id"]
        constraints = [
            # One service record and one handover receipt per order; notices may be several.
            models.UniqueConstraint(fields=["order", "kind"], name="document_one_record_per_order",
                                    condition=models.Q(kind__in=["service_record", "handover_receipt"])),
        ]

    def __str__(self):
        return f"{self.order_id} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ImmutableRowError("A document never changes once made.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRowError("A document is never deleted.")
