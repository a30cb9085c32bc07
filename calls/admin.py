from django.contrib import admin

from servicedesk.core.admin_mixins import ReadOnlyAdminMixin

from .models import Call, Callback, CallEvent, CallLink, CallTransition, Inquiry


class HistoryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CallTransition
    fields = ("at", "action", "from_state", "to_state", "by", "note")
    readonly_fields = fields
    extra = 0


class EventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CallEvent
    fields = ("at", "event", "agent", "received_at", "payload")
    readonly_fields = fields
    extra = 0


@admin.register(Call)
class CallAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: calls change through the switch's events and the call
    center's actions, so that every change leaves a history row."""

    list_display = ("call_id", "channel", "state", "caller", "agent", "owner", "rang_at", "answered_at")
    list_filter = ("state", "channel")
    search_fields = ("call_id", "caller", "customer__name")
    list_select_related = ("agent", "owner")
    date_hierarchy = "rang_at"
    inlines = [EventInline, HistoryInline]


@admin.register(Callback)
class CallbackAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("call", "state", "assigned_to", "attempts", "outcome", "created_at", "closed_at")
    list_filter = ("state", "outcome")
    list_select_related = ("call", "assigned_to")


@admin.register(CallTransition)
class CallTransitionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("call", "callback", "action", "from_state", "to_state", "by", "at")
    list_filter = ("action",)
    list_select_related = ("call", "by")


@admin.register(Inquiry)
class InquiryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "call", "customer", "by", "created_at")
    list_select_related = ("call", "customer", "by")


@admin.register(CallLink)
class CallLinkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("call", "content_type", "object_id", "by", "at")
    list_select_related = ("call", "content_type", "by")
