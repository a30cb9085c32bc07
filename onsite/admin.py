from django.contrib import admin

from .models import ChecklistTemplate, OrderItem, OrderItemRecord, RectificationNotice, TemplateItem


class TemplateItemInline(admin.TabularInline):
    model = TemplateItem
    extra = 1
    fields = ["position", "code", "label", "label_zh", "kind", "stage", "required", "unit", "min_value", "max_value",
              "source"]


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "category", "kinds", "version", "active", "updated_at"]
    list_filter = ["active", "category"]
    readonly_fields = ["version", "updated_at"]
    inlines = [TemplateItemInline]

    def save_related(self, request, form, formsets, change):
        """Every saved change makes a new version; orders keep the copy they started with."""
        super().save_related(request, form, formsets, change)
        if change and (form.has_changed() or any(f.has_changed() for f in formsets)):
            ChecklistTemplate.objects.filter(pk=form.instance.pk).update(version=form.instance.version + 1)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OrderItem)
class OrderItemAdmin(ReadOnly):
    list_display = ["order", "code", "stage", "value", "passed", "recorded_at", "template_code", "template_version"]
    search_fields = ["order__number", "code"]


@admin.register(OrderItemRecord)
class OrderItemRecordAdmin(ReadOnly):
    list_display = ["item", "value", "passed", "recorded_at", "recorded_by"]


@admin.register(RectificationNotice)
class RectificationNoticeAdmin(ReadOnly):
    list_display = ["order", "created_at", "created_by"]
