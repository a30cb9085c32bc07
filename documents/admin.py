from django.contrib import admin

from .models import Document, PartUse, Photo, Signature


class ReadOnlyAdmin(admin.ModelAdmin):
    """Read only: what was recorded on site, and what the customer signed, never changes here."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ["order", "purpose", "recorded_by", "recorded_at", "refused_reason"]
    list_filter = ["purpose"]


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["order", "kind", "created_at", "sha256"]
    list_filter = ["kind"]
    exclude = ["content"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "content"]


@admin.register(Photo)
class PhotoAdmin(ReadOnlyAdmin):
    list_display = ["order", "stage", "taken_by", "taken_at", "sha256"]
    list_filter = ["stage"]


@admin.register(PartUse)
class PartUseAdmin(ReadOnlyAdmin):
    list_display = ["order", "part_code", "name", "quantity", "source", "movement"]
    list_filter = ["source"]
