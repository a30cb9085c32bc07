from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import delivery
from .models import Attempt, Delivery, Webhook


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["id", "partner", "url", "active", "created_at"]
    list_filter = ["active", "partner"]
    readonly_fields = ["created_at"]


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    readonly_fields = ["at", "status_code", "error", "duration_ms"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["delivery_id", "webhook", "event", "object_key", "state", "attempts", "last_status",
                    "next_attempt_at", "created_at"]
    list_filter = ["state", "event"]
    search_fields = ["delivery_id", "object_key"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    inlines = [AttemptInline]
    actions = ["redeliver"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Deliver again"))
    def redeliver(self, request, queryset):
        rows = list(queryset)
        for row in rows:
            delivery.redeliver(row)
        self.message_user(request, ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.",
                                            len(rows)) % {"count": len(rows)}, messages.SUCCESS)
