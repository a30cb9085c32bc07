"""Admin of warranty terms, the fee schedule, charges, payments and parts stock."""

from django.contrib import admin

from ..models import (
    CategoryBillingPolicy,
    FeeItem,
    FeeSchedule,
    PartPrice,
    Payment,
    Quote,
    QuoteEvent,
    QuoteLine,
    Refund,
    ServicePointDeposit,
    StockItem,
    StockMovement,
    WarrantyTerm,
    WorkOrderEntitlement,
)


@admin.register(WarrantyTerm)
class WarrantyTermAdmin(admin.ModelAdmin):
    list_display = ["category", "component", "months", "counted_from", "applies_to", "active", "note"]
    list_filter = ["category", "applies_to", "counted_from", "active"]


@admin.register(CategoryBillingPolicy)
class CategoryBillingPolicyAdmin(admin.ModelAdmin):
    list_display = ["category", "rule", "repair_fee_percent", "repair_warranty_days"]


class FeeItemInline(admin.TabularInline):
    model = FeeItem
    extra = 0


class PartPriceInline(admin.TabularInline):
    model = PartPrice
    extra = 0


@admin.register(FeeSchedule)
class FeeScheduleAdmin(admin.ModelAdmin):
    list_display = ["version", "title", "effective_from", "effective_to", "published"]
    list_filter = ["published"]
    inlines = [FeeItemInline, PartPriceInline]


@admin.register(WorkOrderEntitlement)
class WorkOrderEntitlementAdmin(admin.ModelAdmin):
    list_display = ["order", "status", "basis", "expires_on", "decided_at"]
    list_filter = ["status", "basis"]
    raw_id_fields = ["order", "repair_of"]
    readonly_fields = ["decided_at"]


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in QuoteLine._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Money and history are written by the services only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdmin):
    list_display = ["order", "state", "total", "entitlement_status", "accepted_at", "charged_at"]
    list_filter = ["state", "entitlement_status"]
    inlines = [QuoteLineInline]


@admin.register(QuoteEvent)
class QuoteEventAdmin(ReadOnlyAdmin):
    list_display = ["quote", "action", "from_state", "to_state", "by", "at"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["receipt_number", "quote", "method", "amount", "by", "at"]
    search_fields = ["receipt_number", "reference"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["payment", "amount", "by", "at"]


@admin.register(ServicePointDeposit)
class ServicePointDepositAdmin(admin.ModelAdmin):
    list_display = ["unit", "amount", "updated_at"]


@admin.register(StockItem)
class StockItemAdmin(admin.ModelAdmin):
    list_display = ["unit", "part_code", "name", "quantity", "defective", "low_threshold"]
    list_filter = ["unit"]
    search_fields = ["part_code", "name"]
    readonly_fields = ["quantity", "defective"]  # moved by the ledger only


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ["item", "kind", "quantity_change", "defective_change", "quantity_after", "order", "by", "at"]
    list_filter = ["kind"]
