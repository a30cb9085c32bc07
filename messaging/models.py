"""Messages to the customer (contract: Satisfaction, Messages to the
customer): the outbox row written in the transaction of the work order's
action, and the customer's opt-out."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")


class Event(models.TextChoices):
    # contract: the steps that matter to the customer.
    DISPATCHED = "dispatched", _("Technician dispatched")
    SCHEDULED = "scheduled", _("Appointment agreed")
    TAKEN_BACK = "taken_back", _("Product taken back")
    SIGNED_OFF = "signed_off", _("Work signed off")


class Message(models.Model):
    """One message on one channel: the outbox row. Written with the action
    (it commits or rolls back with it), sent by a Celery task after the
    commit, retried by `messaging.send_due`. A sender claims the row (status
    `sending` until `claimed_until`) under SELECT ... FOR UPDATE SKIP LOCKED,
    so two workers never send it at once; a worker killed mid-send leaves the
    claim to expire and the row is sent again: at least once, never twice at
    the same time."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        OPTED_OUT = "opted_out", _("Opted out")

    order = models.ForeignKey("tickets.WorkOrder", on_delete=models.CASCADE, related_name="customer_messages",
                              verbose_name=_("work order"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    event = models.CharField(_("event"), max_length=20, choices=Event.choices)
    # The whole number, for the sender; every answer shows it masked.
    to = models.CharField(_("to"), max_length=32)
    text = models.TextField(_("text"))
    # The template's parameters, for providers that send approved templates (Aliyun: TemplateParam).
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    provider_id = models.CharField(_("provider's id"), max_length=100, blank=True)
    # The time of the action that wrote it.
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message to the customer")
        verbose_name_plural = _("messages to the customer")
        indexes = [
            models.Index(fields=["order", "created_at"], name="msg_order"),
            models.Index(fields=["next_attempt_at"], name="msg_due", condition=Q(status="pending")),
            models.Index(fields=["claimed_until"], name="msg_claimed", condition=Q(status="sending")),
        ]
        constraints = [
            # One message per channel per action (an action's time identifies it on its order).
            models.UniqueConstraint(fields=["order", "event", "channel", "created_at"], name="msg_once_per_action"),
        ]

    def __str__(self):
        return f"{self.get_event_display()} → {self.channel} ({self.status})"


class OptOut(models.Model):
    """A customer who asked not to hear from the company, by phone number
    (as customers are matched: servicedesk.customers), on one channel or on
    all. Messages are still recorded, as opted out, and never sent."""

    phone = models.CharField(_("phone"), max_length=32, help_text=_("Digits only, as customers are matched."))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, blank=True,
                               help_text=_("Empty: every channel."))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("recorded by"))

    class Meta:
        ordering = ["phone", "channel"]
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-outs")
        constraints = [models.UniqueConstraint(fields=["phone", "channel"], name="optout_once")]

    def __str__(self):
        return f"{self.phone} ({self.get_channel_display() or _('all channels')})"

    def save(self, *args, **kwargs):
        from servicedesk.core.phone import normalize_phone

        self.phone = normalize_phone(self.phone)
        super().save(*args, **kwargs)
