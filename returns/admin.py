"""Admin of returns and factory returns. The assessment rules and the return
weeks are data edited here; returns and factory returns themselves change
only through their actions (pages and API), so they are read-only."""

from django.contrib import admin

from servicedesk.core.admin_mixins import ReadOnlyAdminMixin

from .models import (
    FactoryReturn,
    FactoryReturnEvent,
    FactoryReturnItem,
    ReturnEvent,
    ReturnRequest,
    ReturnRule,
    ReturnWindow,
)


@admin.register(ReturnRule)
class ReturnRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "requested_by", "order", "kind", "finding", "term_months", "counted_from", "decision",
                    "reason_zh", "active")
    list_editable = ("order", "active")
    list_filter = ("category", "requested_by", "kind", "decision", "active")
    ordering = ("category", "requested_by", "order")


@admin.register(ReturnWindow)
class ReturnWindowAdmin(admin.ModelAdmin):
    list_display = ("place", "place_en", "week", "note")
    list_editable = ("week",)
    list_filter = ("week",)
    search_fields = ("place", "place_en")


class ReturnEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReturnEvent
    fields = ("at", "action", "from_state", "to_state", "by", "note")
    readonly_fields = fields
    extra = 0


@admin.register(ReturnRequest)
class ReturnRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("number", "state", "requested_by", "customer", "decision", "requested_at")
    list_filter = ("state", "requested_by", "decision", "batch")
    search_fields = ("number", "customer__name", "batch_code")
    list_select_related = ("customer",)
    inlines = [ReturnEventInline]


class FactoryReturnItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = FactoryReturnItem
    fields = ("line", "description", "model", "quantity", "reason", "counted_quantity", "difference", "condition",
              "decision", "decision_reason")
    readonly_fields = fields
    extra = 0


class FactoryReturnEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = FactoryReturnEvent
    fields = ("at", "action", "from_state", "to_state", "by", "note")
    readonly_fields = fields
    extra = 0


@admin.register(FactoryReturn)
class FactoryReturnAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("number", "office", "month", "state", "rolled_over")
    list_filter = ("state", "month", "office")
    list_select_related = ("office",)
    inlines = [FactoryReturnItemInline, FactoryReturnEventInline]
