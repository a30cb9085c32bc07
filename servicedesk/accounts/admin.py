from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Partner, Region, Unit, User


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
    list_display = ("name", "code")
    search_fields = ("name", "code")
