from django.contrib import admin

from servicedesk.core.admin_mixins import ReadOnlyAdminMixin

from .models import EmailDelivery, Notification


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
