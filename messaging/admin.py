from django.contrib import admin

from servicedesk.core.admin_mixins import ReadOnlyAdminMixin

from .models import Message, OptOut


@admin.register(Message)
class MessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("order", "event", "channel", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "channel", "event")
    list_select_related = ("order",)
    search_fields = ("order__number", "to")


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    list_display = ("phone", "channel", "note", "created_at", "created_by")
    list_filter = ("channel",)
    search_fields = ("phone", "note")
    readonly_fields = ("created_at", "created_by")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
