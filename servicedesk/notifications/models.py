from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-app inbox entry. Escalations, class rises and the like write
    these in the same transaction as the event that causes them."""

    # recipient and escalation without indexes of their own: notification_inbox and the unique
    # (escalation, recipient) start with them, and the sweep writes 17,500 rows per 10,000 escalations
    # (issue 18, item 4).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient"),
        db_index=False,
    )
    # As written, in the writer's language: what is shown where no message is kept (rows written before
    # issue 13) and in the admin. The inbox and the e-mail render `message` with `params` (titles.py).
    title = models.CharField(_("title"), max_length=200)
    message = models.TextField(_("message"), blank=True)
    params = models.JSONField(_("facts"), default=dict, blank=True)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    escalation = models.ForeignKey(
        "deadlines.Escalation", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications",
        verbose_name=_("escalation"), db_index=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(fields=["recipient"], name="notification_unread", condition=Q(read_at__isnull=True)),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["escalation", "recipient"], condition=Q(escalation__isnull=False),
                name="notification_once_per_escalation_recipient",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def display_title(self):
        """The title in the active language (the reader's)."""
        from .titles import render

        if not self.message:
            return self.title
        try:
            return render(self.message, self.params)
        except (KeyError, TypeError, ValueError):  # facts that no longer fit the message: the stored title
            return self.title

    def title_in(self, language):
        from django.utils import translation

        with translation.override(language or None):
            return self.display_title


class EmailDelivery(models.Model):
    """The e-mail copy of a notification. Written with the notification,
    delivered by a Celery task after commit, retried with backoff; a periodic
    task re-queues pending rows whose queueing was lost (broker down), so none
    is lost; the row lock and `sent_at` keep it from being sent twice."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    notification = models.OneToOneField(
        Notification, on_delete=models.CASCADE, related_name="email", verbose_name=_("notification")
    )
    to = models.EmailField(_("to"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("e-mail delivery")
        verbose_name_plural = _("e-mail deliveries")
        indexes = [models.Index(fields=["created_at"], name="email_pending", condition=Q(state="pending"))]

    def __str__(self):
        return f"{self.to} ({self.state})"


class GroupRobot(models.Model):
    """A WeCom (企业微信) or DingTalk (钉钉) group robot of a unit: its group
    hears of the escalations of the unit's work (and of the units below it)
    from `min_level` up, besides the inbox and e-mail (issue 15, item 4)."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("WeCom group robot")
        DINGTALK = "dingtalk", _("DingTalk group robot")

    unit = models.ForeignKey("accounts.Unit", on_delete=models.CASCADE, related_name="group_robots",
                             verbose_name=_("unit"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    url = models.URLField(_("webhook URL"), max_length=500,
                          help_text=_("The robot's webhook address, with its key or access_token."))
    secret = models.CharField(_("signing secret"), max_length=200, blank=True,
                              help_text=_("DingTalk only, when the robot signs its requests (SEC…)."))
    min_level = models.PositiveSmallIntegerField(_("from escalation level"), default=2)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["unit", "kind", "id"]
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")

    def __str__(self):
        return f"{self.unit} · {self.get_kind_display()}"


class RobotAlert(models.Model):
    """One escalation told to one group robot: written in the sweep's
    transaction, posted after the commit, retried like e-mail."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    robot = models.ForeignKey(GroupRobot, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("robot"))
    escalation = models.ForeignKey("deadlines.Escalation", on_delete=models.CASCADE, related_name="robot_alerts",
                                   verbose_name=_("escalation"))
    text = models.TextField(_("text"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("robot alert")
        verbose_name_plural = _("robot alerts")
        indexes = [models.Index(fields=["created_at"], name="robot_alert_pending", condition=Q(state="pending"))]
        constraints = [models.UniqueConstraint(fields=["robot", "escalation"], name="robot_alert_once")]

    def __str__(self):
        return f"{self.robot} ({self.state})"
