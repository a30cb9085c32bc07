from django.contrib import admin

from .models import Certification, Technician


class CertificationInline(admin.TabularInline):
    model = Certification
    extra = 0


@admin.register(Technician)
class TechnicianAdmin(admin.ModelAdmin):
    list_display = ("user", "station", "grade", "active")
    list_filter = ("active", "station", "regions")
    search_fields = ("user__username", "user__first_name")
    filter_horizontal = ("regions",)
    inlines = [CertificationInline]
    list_select_related = ("user", "station")
