from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, Partner, Region, Unit, User
from .tokens import token_is_valid, token_ttl


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Service organisation"), {"fields": ("unit", "partner", "staff_number", "phone", "language")}),
    )
    list_display = ("username", "first_name", "unit", "partner", "is_active")
    list_filter = ("groups", "unit", "partner", "is_active")
    list_select_related = ("unit", "partner")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "parent", "region", "active")
    list_filter = ("kind", "active")
    search_fields = ("name",)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "province")
    list_filter = ("province",)
    search_fields = ("name", "code", "province")


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "installations_need_approval")
    search_fields = ("name", "code")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """One token per integration: rotate by adding the new one, switching the
    integration over, then deleting the old one (both work meanwhile)."""

    list_display = ("user", "name", "created_at", "last_used_at", "expires_at", "valid")
    list_filter = ("name",)
    list_select_related = ("user",)
    search_fields = ("user__username", "name")
    raw_id_fields = ("user",)
    readonly_fields = ("key", "created_at", "last_used_at", "expires_at")

    def get_fields(self, request, obj=None):
        return ("user", "name") if obj is None else ("user", "name", "key", "created_at", "last_used_at", "expires_at")

    def get_readonly_fields(self, request, obj=None):
        return ("user", *self.readonly_fields) if obj is not None else ()

    @admin.display(description=_("expires at"))
    def expires_at(self, obj):
        ttl = token_ttl()
        return obj.last_used_at + ttl if ttl is not None else "—"

    @admin.display(description=_("valid"), boolean=True)
    def valid(self, obj):
        return token_is_valid(obj, now=timezone.now())
