"""What the customer signs on site (issue 14): the handwritten signature, or
the recorded refusal to sign, with who recorded it and when."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
