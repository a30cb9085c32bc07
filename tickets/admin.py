from django.contrib import admin

from servicedesk.core.admin_mixins import ReadOnlyAdminMixin

from .models import WorkOrder, WorkOrderEvent


class EventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = WorkOrderEvent
    fields = ("at", "action", "from_state", "to_state", "by", "note")
    readonly_fields = fields
    extra = 0


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: work orders change through their actions (pages and API),
    so that every change leaves a history row."""

    list_display = ("number", "kind", "state", "customer", "technician", "reported_at")
    list_filter = ("state", "kind", "partner")
    search_fields = ("number", "external_ref", "customer__name", "customer__phones__number")
    list_select_related = ("customer", "technician__user")
    date_hierarchy = "reported_at"
    inlines = [EventInline]


@admin.register(WorkOrderEvent)
class WorkOrderEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("order", "action", "from_state", "to_state", "by", "at")
    list_filter = ("action",)
    list_select_related = ("order", "by")
