from django.contrib import admin
from django.db import models

from servicedesk.core.admin_mixins import ReadOnlyAdminMixin

from .models import EmailDelivery, GroupRobot, Notification, RobotAlert


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("title", "recipient", "created_at", "read_at")
    list_filter = ("read_at",)
    list_select_related = ("recipient",)
    search_fields = ("title", "recipient__username")


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("notification", "to", "state", "attempts", "sent_at")
    list_filter = ("state",)
    list_select_related = ("notification",)


@admin.register(GroupRobot)
class GroupRobotAdmin(admin.ModelAdmin):
    """The WeCom / DingTalk group robots of the units (issue 15, item 4)."""

    list_display = ("unit", "kind", "min_level", "active")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = ("kind", "active")
    list_select_related = ("unit",)


@admin.register(RobotAlert)
class RobotAlertAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("robot", "escalation", "state", "attempts", "created_at", "sent_at")
    list_filter = ("state",)
    list_select_related = ("robot__unit", "escalation")
