"""What is filed from a call: inquiries answered on it, and the links from a
call to the work orders, complaints and inquiries filed from it."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicedesk.customers.models import Customer

from .call import Call


class Inquiry(models.Model):
    """A question answered on the call (no work order or complaint needed)."""

    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, null=True, blank=True, related_name="inquiries", verbose_name=_("call")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="inquiries", verbose_name=_("customer")
    )
    text = models.TextField(_("inquiry"))
    answer = models.TextField(_("answer given"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")

    def __str__(self):
        return self.text[:60]


class CallLink(models.Model):
    """Something filed from a call: a work order, a complaint, an inquiry.
    The call's owner answers for it (first-question responsibility)."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="links", verbose_name=_("call"))
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("filed from the call")
        verbose_name_plural = _("filed from the call")
        constraints = [
            models.UniqueConstraint(fields=["call", "content_type", "object_id"], name="call_link_once")
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="call_link_subject")]

    def __str__(self):
        return f"{self.call} → {self.content_type.model} #{self.object_id}"
