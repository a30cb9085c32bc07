from django.contrib import admin

from .models import Signature


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    """Read only: what a customer signed never changes."""

    list_display = ["order", "purpose", "recorded_by", "recorded_at", "refused_reason"]
    list_filter = ["purpose"]
    readonly_fields = [f.name for f in Signature._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
