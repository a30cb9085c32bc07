import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicedesk.accounts.models import Partner

EVENTS = ("work_order.created", "work_order.state_changed", "return.state_changed")


def new_secret() -> str:
    return secrets.token_hex(32)


class Webhook(models.Model):
    """A partner's subscription: where to POST which events. The secret keys
    the HMAC of every delivery; it is shown once, in the create's answer."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="webhooks", verbose_name=_("partner"))
    # The partner user whose view of an object a delivery carries (the API as that user sees it).
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(_("secret"), max_length=128, default=new_secret, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self):
        return f"{self.partner} → {self.url}"


class Delivery(models.Model):
    """One event for one hook: the outbox row, written in the transaction of
    the change it reports (so a change that commits is delivered at least
    once and one that rolls back never). `body` is the exact bytes sent, so
    a repeat carries the same id, body and signature. The primary key orders
    the events of one object: they are written under the object's row lock."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    id = models.BigAutoField(primary_key=True)
    delivery_id = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("webhook"))
    event = models.CharField(_("event"), max_length=60)
    # "<app_label.model>:<pk>": events of one object reach a hook in order.
    object_key = models.CharField(_("object"), max_length=120)
    body = models.TextField(_("body"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_status = models.PositiveIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    #: retried until then (contract: at least 24 hours); a redelivery starts a new period
    give_up_at = models.DateTimeField(_("given up at"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(fields=["webhook", "object_key", "id"], name="whd_object_order"),
            models.Index(fields=["next_attempt_at"], name="whd_due", condition=models.Q(state="pending")),
        ]

    def __str__(self):
        return f"{self.event} {self.object_key} → {self.webhook_id} ({self.state})"


class Attempt(models.Model):
    """One POST of a delivery and what came back: the deliveries log."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="tries", verbose_name=_("delivery"))
    at = models.DateTimeField(_("at"))
    status_code = models.PositiveIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self):
        return f"{self.delivery} @ {self.at}: {self.status_code or self.error}"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
